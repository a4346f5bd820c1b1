// Exercise 2 of chapter 8: the GRU cell. Its tests: `cargo exercises test gru_step`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

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
    // TODO: hw = h·W_hh + b_hh, [B, 3H]; block k of a [B, 3H] tensor t is
    // t.narrow(1, k·H, H). Build r and z with sigmoid, n with tanh (only n's block of hw is
    // multiplied by r), and return (1 - z)⊙n + z⊙h, [B, H].
    todo!("gru_step: reset and update gates, the candidate, then mix it with h")
}
// ANCHOR_END: gru_step
