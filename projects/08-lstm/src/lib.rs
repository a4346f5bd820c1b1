//! # 08 · Gated recurrent networks: LSTM and GRU
//!
//! Chapter 7's RNN forgets: the gradient that reaches a step `k` characters back is
//! multiplied `k` times by `W_hhᵀ` and by `tanh'`, and shrinks geometrically. An LSTM keeps a
//! second state, the *cell*, that changes from step to step only by an elementwise product
//! with a *forget gate* and a sum, so a gradient can travel back along it nearly unchanged
//! for as long as the gate stays open:
//!
//! `c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t`, `h_t = o_t ⊙ tanh(c_t)`
//!
//! with the gates `i, f, o = σ(·)` and the candidate `g = tanh(·)` all computed from the
//! input and `h_{t-1}`. The GRU merges cell and hidden state and needs two gates instead of
//! three. Both cells are written here from `tensor` ops ([`lstm_step`], [`gru_step`]),
//! stacked two layers deep with dropout between them ([`model`]), and trained on Tiny
//! Shakespeare by truncated backpropagation through time with the state carried from window
//! to window ([`carry_state`], [`train`]), against chapter 7's cell and the n-gram baselines.
//!
//! **What is left out.** Peephole connections, layer normalisation inside the cell,
//! bidirectional layers (a language model may not read ahead), and attention (chapter 9).
//!
//! By default this crate is built with the reference solutions in `solutions/`; the
//! `learner` feature builds it with each file of yours in `exercises/` that you have written,
//! and the reference for the rest.

pub mod checkpoint;
pub mod figures;
pub mod model;
pub mod train;

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(yours_carry_state, path = "../exercises/carry_state.rs")]
#[cfg_attr(not(yours_carry_state), path = "../solutions/carry_state.rs")]
mod carry_state;
#[cfg_attr(yours_gru_step, path = "../exercises/gru_step.rs")]
#[cfg_attr(not(yours_gru_step), path = "../solutions/gru_step.rs")]
mod gru_step;
#[cfg_attr(yours_lstm_step, path = "../exercises/lstm_step.rs")]
#[cfg_attr(not(yours_lstm_step), path = "../solutions/lstm_step.rs")]
mod lstm_step;

pub use carry_state::carry_state;
pub use gru_step::gru_step;
pub use lstm_step::lstm_step;
