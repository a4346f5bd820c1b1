//! # 07 · Recurrent networks
//!
//! A recurrent network reads a sequence one element at a time and carries a *hidden state*
//! from each step to the next: the same weights at every step, and a memory of everything
//! read so far. Trained to predict the next character of a text, it becomes a generator:
//! feed it what it predicted, and it writes.
//!
//! `h_t = tanh(W_xh[x_t] + h_{t-1}·W_hh + b_h)`, `p(x_{t+1}) = softmax(h_t·W_hy + b_y)`
//!
//! **Part 1** ([`minimal`]) is Karpathy's min-char-rnn: hidden 100, 25 steps unrolled,
//! Adagrad, on `ndarray`, with the forward step ([`rnn_step`]) and backpropagation through
//! time ([`backward_through_time`]) written by hand. **Part 2** is the same cell on the
//! `tensor` crate, batched, with an embedding, truncated backpropagation through time with
//! the hidden state carried between windows, gradient-norm clipping ([`clip_grad_norm`])
//! and Adam, trained on Tiny Shakespeare and on a list of names. Both sample text with a
//! temperature ([`sample`]). Beside them the project counts n-gram baselines (the `charlm`
//! crate), so the learner sees what a network buys over counting.
//!
//! **What is left out.** Gated cells (LSTM, GRU: chapter 8, which is why the gradients of
//! this chapter vanish), several stacked layers, dropout, and attention (chapter 9).
//!
//! By default this crate is built with the reference solutions in `solutions/`; the
//! `learner` feature builds it with each file of yours in `exercises/` that you have written,
//! and the reference for the rest.

pub mod checkpoint;
pub mod figures;
pub mod minimal;
pub mod model;
pub mod train;

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(
    yours_backward_through_time,
    path = "../exercises/backward_through_time.rs"
)]
#[cfg_attr(
    not(yours_backward_through_time),
    path = "../solutions/backward_through_time.rs"
)]
mod backward_through_time;
#[cfg_attr(yours_clip_grad_norm, path = "../exercises/clip_grad_norm.rs")]
#[cfg_attr(not(yours_clip_grad_norm), path = "../solutions/clip_grad_norm.rs")]
mod clip_grad_norm;
#[cfg_attr(yours_rnn_step, path = "../exercises/rnn_step.rs")]
#[cfg_attr(not(yours_rnn_step), path = "../solutions/rnn_step.rs")]
mod rnn_step;
#[cfg_attr(yours_sample, path = "../exercises/sample.rs")]
#[cfg_attr(not(yours_sample), path = "../solutions/sample.rs")]
mod sample;

pub use backward_through_time::backward_through_time;
pub use clip_grad_norm::clip_grad_norm;
pub use rnn_step::rnn_step;
pub use sample::sample;
