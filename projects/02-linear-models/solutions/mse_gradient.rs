use crate::{Gradients, Linear};
use ndarray::{ArrayView2, Axis};

/// The gradient of the mean squared error [`crate::mse_loss`] of `model` on inputs
/// `x: [n, inputs]` and targets `y: [n, k]`, with respect to `w: [inputs, k]` and `b: [k]`.
///
/// With `ŷ = x·w + b` and `L = (1/(n·k)) Σ (ŷ − y)²`:
/// `∂L/∂ŷ = 2(ŷ − y)/(n·k)`, then `∂L/∂w = xᵀ·∂L/∂ŷ` and `∂L/∂b = Σ_rows ∂L/∂ŷ`.
pub fn mse_gradient(model: &Linear, x: ArrayView2<f32>, y: ArrayView2<f32>) -> Gradients {
    let entries = y.len() as f32; // n·k: the loss is a mean over every entry
    let dz = (model.forward(x) - y) * (2.0 / entries); // [n, k]: ∂L/∂ŷ
    Gradients {
        dw: x.t().dot(&dz),       // [inputs, n]·[n, k] -> [inputs, k]
        db: dz.sum_axis(Axis(0)), // [n, k] -> [k]
    }
}
