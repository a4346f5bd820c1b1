// Exercise 1 of chapter 7: one step of the recurrence. Its tests:
// `cargo exercises test rnn_step`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::minimal::MinimalRnn;
use ndarray::{Array1, ArrayView1};

// ANCHOR: rnn_step
/// One step of the recurrence: the hidden state after reading character `x` (an id below
/// `V`) with hidden state `h_prev: [H]` before it,
/// `h = tanh(W_xh[x] + h_prev·W_hh + b_h)`, `[H]`.
pub fn rnn_step(rnn: &MinimalRnn, x: u32, h_prev: ArrayView1<f32>) -> Array1<f32> {
    // TODO: row x of rnn.w_xh [V, H], plus h_prev [H] times rnn.w_hh [H, H], plus rnn.b_h [H];
    // then tanh of every element.
    todo!("rnn_step: h = tanh(W_xh[x] + h_prev·W_hh + b_h)")
}
// ANCHOR_END: rnn_step
