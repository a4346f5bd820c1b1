use crate::minimal::MinimalRnn;
use ndarray::{Array1, ArrayView1};

// ANCHOR: rnn_step
/// One step of the recurrence: the hidden state after reading character `x` (an id below
/// `V`) with hidden state `h_prev: [H]` before it,
/// `h = tanh(W_xh[x] + h_prev·W_hh + b_h)`, `[H]`.
pub fn rnn_step(rnn: &MinimalRnn, x: u32, h_prev: ArrayView1<f32>) -> Array1<f32> {
    // A one-hot x times W_xh picks row x: no need to build the one-hot vector.
    let mut a = &rnn.w_xh.row(x as usize) + &rnn.b_h;
    // h_prev·W_hh is Σ_i h_prev[i]·(row i of W_hh). `h_prev.dot(&rnn.w_hh)` computes the
    // same, but ndarray reads W_hh column by column for it, against its memory order;
    // adding whole rows reads it in order and made training three times faster here.
    for (&h, w_row) in h_prev.iter().zip(rnn.w_hh.rows()) {
        a.scaled_add(h, &w_row);
    }
    a.mapv_into(f32::tanh)
}
// ANCHOR_END: rnn_step
