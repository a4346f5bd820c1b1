// Exercise 3 of chapter 2: the gradient of logistic regression's cross-entropy. Its tests:
// `cargo exercises test logistic_gradient`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::{sigmoid, Gradients, Linear};
use ndarray::{ArrayView2, Axis};

// ANCHOR: logistic_gradient
/// The gradient of the binary cross-entropy [`crate::logistic_loss`] of a one-output `model`
/// on `x: [n, inputs]` with class `labels` (0 or 1), with respect to `w: [inputs, 1]` and
/// `b: [1]`.
///
/// With `z = x·w + b`, `p = σ(z)` and `L = −(1/n) Σ [y·ln p + (1 − y)·ln(1 − p)]`:
/// `∂L/∂z = (p − y)/n`, then `∂L/∂w = xᵀ·∂L/∂z` and `∂L/∂b = Σ_rows ∂L/∂z`.
pub fn logistic_gradient(model: &Linear, x: ArrayView2<f32>, labels: &[usize]) -> Gradients {
    // TODO: the scores model.forward(x) are [n, 1]; dz = (σ(z) − y)/n for each row is
    // [n, 1] too. Then dw = xᵀ·dz ([inputs, n]·[n, 1] -> [inputs, 1]) and db = dz summed
    // over its rows ([n, 1] -> [1]).
    todo!("logistic_gradient: the gradient of the binary cross-entropy")
}
// ANCHOR_END: logistic_gradient
