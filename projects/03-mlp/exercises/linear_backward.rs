// Exercise 3 of chapter 3: one layer's backward pass. Its tests: `cargo exercises test linear_backward`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::LinearGrads;
use ndarray::{ArrayView2, Axis};

// ANCHOR: linear_backward
/// The backward pass of a linear layer `y = x·w + b`: given its input `x: [B, I]`, its
/// weights `w: [I, O]` and `dy = ∂L/∂y: [B, O]`, the gradients
///
/// - `dw = xᵀ·dy`, `[I, O]`: weight `w[i, j]` meets input `x[n, i]` in output `y[n, j]`
///   of every row `n`, so its gradient sums `x[n, i]·dy[n, j]` over the batch;
/// - `db = Σ_n dy[n, ·]`, `[O]`: the bias is added to every row;
/// - `dx = dy·wᵀ`, `[B, I]`: input `x[n, i]` feeds every output `y[n, j]` through `w[i, j]`;
///   computed only when `input_grad` is true.
///
/// # Panics
/// If the shapes do not fit together.
#[track_caller]
pub fn linear_backward(
    x: ArrayView2<f32>,
    w: ArrayView2<f32>,
    dy: ArrayView2<f32>,
    input_grad: bool,
) -> LinearGrads {
    // TODO: dw = xᵀ·dy ([I, B]·[B, O] -> [I, O]), db = dy summed over rows ([B, O] -> [O]),
    // dx = Some(dy·wᵀ) ([B, O]·[O, I] -> [B, I]) if input_grad, else None.
    todo!("linear_backward: dw, db and dx of y = x·w + b")
}
// ANCHOR_END: linear_backward
