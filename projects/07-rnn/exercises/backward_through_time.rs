// Exercise 2 of chapter 7: backpropagation through time. Its tests:
// `cargo exercises test backward_through_time`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::minimal::{Gradients, MinimalRnn, Unrolled};
use ndarray::{s, Array1, Array2, Axis, Zip};

// ANCHOR: backward_through_time
/// The gradient of a chunk's summed loss with respect to every parameter, from what the
/// forward pass kept (`pass.hs: [T + 1, H]`, row 0 the state carried in; `pass.probs:
/// [T, V]`). The hidden state carried in is treated as a constant: the gradient stops at
/// the chunk's start (that is what makes it *truncated* backpropagation through time).
pub fn backward_through_time(
    rnn: &MinimalRnn,
    inputs: &[u32],
    targets: &[u32],
    pass: &Unrolled,
) -> Gradients {
    // TODO: start from Gradients::zeros(V, H).
    // 1. dy = probs - onehot(targets), [T, V]; then w_hy [H, V], b_y [V], and the gradient
    //    each h_t gets from its own output, dy·W_hyᵀ [T, H].
    // 2. For t from T-1 down to 0: dh = (from the output) + (from step t+1);
    //    da_t = (1 - h_t²)·dh (h_t is pass.hs row t + 1); the gradient for h_{t-1} is da_t·W_hhᵀ.
    // 3. w_hh [H, H] and b_h [H] sum over the steps (h_{t-1} is pass.hs row t);
    //    row inputs[t] of w_xh [V, H] gets da_t.
    todo!("backward_through_time: the five gradients of the chunk's loss")
}
// ANCHOR_END: backward_through_time
