use crate::{sigmoid, Gradients, Linear};
use ndarray::{ArrayView2, Axis};

/// The gradient of the binary cross-entropy [`crate::logistic_loss`] of a one-output `model`
/// on `x: [n, inputs]` with class `labels` (0 or 1), with respect to `w: [inputs, 1]` and
/// `b: [1]`.
///
/// With `z = x·w + b`, `p = σ(z)` and `L = −(1/n) Σ [y·ln p + (1 − y)·ln(1 − p)]`:
/// `∂L/∂z = (p − y)/n`, then `∂L/∂w = xᵀ·∂L/∂z` and `∂L/∂b = Σ_rows ∂L/∂z`.
pub fn logistic_gradient(model: &Linear, x: ArrayView2<f32>, labels: &[usize]) -> Gradients {
    let n = labels.len() as f32;
    let mut dz = model.forward(x); // [n, 1]: the scores z, turned into ∂L/∂z in place
    for (dz, &y) in dz.iter_mut().zip(labels) {
        *dz = (sigmoid(*dz) - y as f32) / n;
    }
    Gradients {
        dw: x.t().dot(&dz),       // [inputs, n]·[n, 1] -> [inputs, 1]
        db: dz.sum_axis(Axis(0)), // [n, 1] -> [1]
    }
}
