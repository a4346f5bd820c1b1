use ndarray::{Array2, ArrayView2};

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
    assert_eq!(probs.nrows(), labels.len(), "one label per row of probs");
    let batch = labels.len() as f32;
    let mut dlogits = probs.to_owned(); // [B, C]
    for (mut row, &label) in dlogits.rows_mut().into_iter().zip(labels) {
        row[label] -= 1.0;
    }
    dlogits /= batch;
    dlogits
}
