// Exercise 4 of chapter 2: the gradient of softmax regression's cross-entropy. Its tests:
// `cargo exercises test softmax_cross_entropy_gradient`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::{softmax, Gradients, Linear};
use ndarray::{ArrayView2, Axis};

// ANCHOR: softmax_cross_entropy_gradient
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
    // TODO: p = softmax of the scores model.forward(x): [n, classes]. Subtract 1 at each
    // row's label column and divide by n: dz = ∂L/∂z, [n, classes]. Then
    // dw = xᵀ·dz ([inputs, n]·[n, classes] -> [inputs, classes]) and db = dz summed over its
    // rows ([n, classes] -> [classes]).
    todo!("softmax_cross_entropy_gradient: the gradient of the cross-entropy")
}
// ANCHOR_END: softmax_cross_entropy_gradient
