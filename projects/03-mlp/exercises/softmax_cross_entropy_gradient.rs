// Exercise 1 of chapter 3: where backpropagation starts. Its tests:
// `cargo exercises test 03-mlp/softmax_cross_entropy_gradient` (chapter 2 has one of that name too).
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{Array2, ArrayView2};

// ANCHOR: softmax_cross_entropy_gradient
/// The gradient of the mean softmax cross-entropy of a batch with respect to the logits,
/// given the softmax probabilities `probs: [B, C]` and the true class of each row.
///
/// For one row, `L = −ln p[y]` with `p = softmax(z)`, and `∂L/∂z[j] = p[j] − 1[j = y]`:
/// the probabilities, minus one at the true class. The batch loss is the mean of `B` rows,
/// so each row's gradient is divided by `B`. Returns `[B, C]`.
///
/// # Panics
/// If `labels` does not have one entry per row, or a label is not below `C`.
#[track_caller]
pub fn softmax_cross_entropy_gradient(probs: ArrayView2<f32>, labels: &[usize]) -> Array2<f32> {
    // TODO: start from a copy of probs ([B, C]); in row i subtract 1 at column labels[i];
    // divide everything by B (the number of rows) and return the [B, C] result.
    todo!("softmax_cross_entropy_gradient: (p − onehot) / B")
}
// ANCHOR_END: softmax_cross_entropy_gradient
