use crate::{softmax, Gradients, Linear};
use ndarray::{ArrayView2, Axis};

/// The gradient of the cross-entropy [`crate::softmax_cross_entropy`] of `model` on
/// `x: [n, inputs]` with class `labels` (each below `classes`), with respect to
/// `w: [inputs, classes]` and `b: [classes]`.
///
/// With `z = x·w + b`, `p = softmax(z)` row by row and `L = −(1/n) Σ_i ln p_{i, y_i}`:
/// `∂L/∂z = (p − onehot(y))/n`, then `∂L/∂w = xᵀ·∂L/∂z` and `∂L/∂b = Σ_rows ∂L/∂z`.
pub fn softmax_cross_entropy_gradient(
    model: &Linear,
    x: ArrayView2<f32>,
    labels: &[usize],
) -> Gradients {
    let n = labels.len() as f32;
    let mut dz = softmax(model.forward(x).view()); // [n, classes]: p
    for (mut row, &y) in dz.axis_iter_mut(Axis(0)).zip(labels) {
        row[y] -= 1.0; // p − onehot(y)
    }
    dz /= n;
    Gradients {
        dw: x.t().dot(&dz),       // [inputs, n]·[n, classes] -> [inputs, classes]
        db: dz.sum_axis(Axis(0)), // [n, classes] -> [classes]
    }
}
