use tensor::Tensor;

// ANCHOR: gru_step
/// One step of a GRU cell for a batch of `B` sequences, from tensor ops.
///
/// - `xw: [B, 3H]`: what this step's input adds, `x_t·W_ih + b_ih`, in the order reset
///   gate `r`, update gate `z`, candidate `n` (PyTorch's).
/// - `h: [B, H]`: the hidden state after the step before.
/// - `w_hh: [H, 3H]`, `b_hh: [3H]`: what the previous hidden state adds.
///
/// Returns the new `h`:
///
/// ```text
/// hw = h·W_hh + b_hh                   [B, 3H], cut into three [B, H] blocks like xw
/// r = σ(xw_r + hw_r)   z = σ(xw_z + hw_z)
/// n = tanh(xw_n + r ⊙ hw_n)            the reset gate picks what of h the candidate sees
/// h' = (1 - z) ⊙ n + z ⊙ h             the update gate mixes old and new
/// ```
pub fn gru_step(xw: &Tensor, h: &Tensor, w_hh: &Tensor, b_hh: &Tensor) -> Tensor {
    let hidden = h.shape()[1];
    let hw = h.matmul(w_hh).add(b_hh); // [B, 3H]
    let block = |t: &Tensor, k: usize| t.narrow(1, k * hidden, hidden); // [B, H]
    let reset = block(xw, 0).add(&block(&hw, 0)).sigmoid();
    let update = block(xw, 1).add(&block(&hw, 1)).sigmoid();
    let candidate = block(xw, 2).add(&reset.mul(&block(&hw, 2))).tanh();
    // (1 - z)⊙n + z⊙h, written n + z⊙(h - n): one op fewer, the same numbers.
    candidate.add(&update.mul(&h.sub(&candidate)))
}
// ANCHOR_END: gru_step
