// Exercise 4 of chapter 10: the Inception Score. Its tests:
// `cargo exercises test inception_score`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::ArrayView2;

// ANCHOR: inception_score
/// The Inception Score of a set of samples from a classifier's class probabilities for each
/// of them, `probabilities: [samples, classes]` (rows sum to 1):
///
/// `IS = exp( mean_i KL(p(y | x_i) ‖ p(y)) )`, with `p(y) = mean_i p(y | x_i)` the marginal.
///
/// It is 1 when every sample gets the same distribution, and the number of classes when
/// each sample is one class for certain and the classes are equally common. Terms with
/// `p = 0` count 0 (the limit of `p·ln p`).
pub fn inception_score(probabilities: ArrayView2<f32>) -> f64 {
    // TODO: the marginal [classes] is the mean of the rows; each row's KL divergence from it
    // is Σ_k p_k·(ln p_k - ln marginal_k); the score is e to the mean of those. Sum in f64.
    todo!("inception_score: exp(mean KL(row ‖ marginal))")
}
// ANCHOR_END: inception_score
