// Exercise 1 of chapter 2: the gradient of the mean squared error. Its tests:
// `cargo exercises test mse_gradient`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::{Gradients, Linear};
use ndarray::{ArrayView2, Axis};

// ANCHOR: mse_gradient
/// The gradient of the mean squared error [`crate::mse_loss`] of `model` on inputs
/// `x: [n, inputs]` and targets `y: [n, k]`, with respect to `w: [inputs, k]` and `b: [k]`.
///
/// With `ŷ = x·w + b` and `L = (1/(n·k)) Σ (ŷ − y)²`:
/// `∂L/∂ŷ = 2(ŷ − y)/(n·k)`, then `∂L/∂w = xᵀ·∂L/∂ŷ` and `∂L/∂b = Σ_rows ∂L/∂ŷ`.
pub fn mse_gradient(model: &Linear, x: ArrayView2<f32>, y: ArrayView2<f32>) -> Gradients {
    // TODO: the predictions model.forward(x) are [n, k], like y. Their error, times
    // 2/(n·k), is dz = ∂L/∂ŷ: [n, k]. Then dw = xᵀ·dz ([inputs, n]·[n, k] -> [inputs, k])
    // and db = dz summed over its rows ([n, k] -> [k]).
    todo!("mse_gradient: the gradient of the mean squared error")
}
// ANCHOR_END: mse_gradient
