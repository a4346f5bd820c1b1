// Exercise 3 of chapter 8: carrying the state across windows. Its tests:
// `cargo exercises test carry_state`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::model::LayerState;

// ANCHOR: carry_state
/// The state to start the next window from, given every layer's state at the end of this
/// one: the same values, cut loose from the graph that computed them.
///
/// Truncated backpropagation through time wants both halves of that sentence. The values
/// carry on, so the next window's first character is read with everything before it in
/// mind, not from a blank state. The graph does not: without the cut, the next window's
/// backward pass would run back through this window too (already freed by its own backward
/// pass), and the graph kept alive would grow with every step of training.
pub fn carry_state(last: &[LayerState]) -> Vec<LayerState> {
    // TODO: one LayerState per layer, in order, with `h` (and `c`, when there is one) holding
    // the same values as `last`'s but no record of how they were computed.
    todo!("carry_state: every layer's h and c, detached from the graph")
}
// ANCHOR_END: carry_state
