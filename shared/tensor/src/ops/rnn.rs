//! The recurrence of a vanilla RNN layer, over a whole batch of sequences, as one op.
//!
//! A recurrent layer reads a sequence a step at a time and carries a hidden state from each
//! step to the next: `h_t = tanh(x_t + h_{t-1}·W_hh)`, where `x_t` is what the step's input
//! contributes (chapter 7: a row of the embedding plus the bias). Written with the ops of
//! this crate it is a loop of `T` small steps, and its backward pass, backpropagation
//! through time, falls out of theirs. The fast engine computes the same thing as one op
//! (`fast/rnn.rs`): a training step of a character RNN is a few hundred of these small ops,
//! each paying for its own bookkeeping, and their gradients for `W_hh`, one per step, are
//! better added up as one matrix product.

use crate::engine::{engine, Engine};
use crate::fast;
use crate::tensor::Tensor;

// ANCHOR: rnn_tanh
/// Every hidden state of a tanh RNN layer: `x: [B, T, H]` (the input's contribution to each
/// step of each of the `B` sequences), `h0: [B, H]` (the state before the first step) and
/// `w_hh: [H, H]` give `[B, T, H]`, the state after each step, where
///
/// `h_t = tanh(x_t + h_{t-1}·W_hh)`.
///
/// The state after the last step, to carry into the next window of a long text, is
/// `y.narrow(1, T - 1, 1)`.
///
/// # Panics
/// If the shapes do not fit together; the message names all three.
#[track_caller]
pub fn rnn_tanh(x: &Tensor, h0: &Tensor, w_hh: &Tensor) -> Tensor {
    let (batch, steps, hidden) = check_shapes(x, h0, w_hh);
    if engine() == Engine::Fast {
        return fast::rnn::rnn_tanh(x, h0, w_hh, (batch, steps, hidden));
    }
    let mut h = h0.clone();
    let mut states = Vec::with_capacity(steps);
    for t in 0..steps {
        let x_t = x.narrow(1, t, 1).reshape(&[batch, hidden]); // [B, H]
        h = x_t.add(&h.matmul(w_hh)).tanh();
        states.push(h.clone());
    }
    Tensor::stack(&states, 1) // T × [B, H] -> [B, T, H]
}
// ANCHOR_END: rnn_tanh

/// `(B, T, H)`, after checking that `x: [B, T, H]`, `h0: [B, H]` and `w_hh: [H, H]`.
#[track_caller]
fn check_shapes(x: &Tensor, h0: &Tensor, w_hh: &Tensor) -> (usize, usize, usize) {
    let (xs, hs, ws) = (x.shape(), h0.shape(), w_hh.shape());
    let fits = xs.len() == 3 && xs[1] > 0 && hs == [xs[0], xs[2]] && ws == [xs[2], xs[2]];
    assert!(
        fits,
        "rnn_tanh: x must be [B, T, H] with T > 0, h0 [B, H] and w_hh [H, H]; got x {xs:?}, \
         h0 {hs:?}, w_hh {ws:?}"
    );
    (xs[0], xs[1], xs[2])
}
