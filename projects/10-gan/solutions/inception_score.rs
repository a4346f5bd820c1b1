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
    let (n, classes) = probabilities.dim();
    let mut marginal = vec![0.0f64; classes];
    for row in probabilities.rows() {
        for (m, &p) in marginal.iter_mut().zip(row) {
            *m += f64::from(p) / n as f64;
        }
    }
    let mut kl_sum = 0.0;
    for row in probabilities.rows() {
        for (&p, &m) in row.iter().zip(&marginal) {
            let p = f64::from(p);
            if p > 0.0 {
                kl_sum += p * (p.ln() - m.ln());
            }
        }
    }
    (kl_sum / n as f64).exp()
}
// ANCHOR_END: inception_score
