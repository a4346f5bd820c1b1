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
    last.iter()
        .map(|state| LayerState {
            h: state.h.detach(),
            c: state.c.as_ref().map(|c| c.detach()), // only an LSTM has a cell state
        })
        .collect()
}
// ANCHOR_END: carry_state
