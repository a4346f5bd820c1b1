// Exercise 1 of chapter 8: the LSTM cell. Its tests: `cargo exercises test lstm_step`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use tensor::Tensor;

// ANCHOR: lstm_step
/// One step of an LSTM cell for a batch of `B` sequences, from tensor ops.
///
/// - `xw: [B, 4H]`: what this step's input adds to the four gates, `x_t·W_ih + b`, in the
///   order input gate `i`, forget gate `f`, candidate `g`, output gate `o` (PyTorch's).
/// - `h, c: [B, H]`: the hidden state and the cell state after the step before.
/// - `w_hh: [H, 4H]`: what the previous hidden state adds to the gates.
///
/// Returns the new `(h, c)`:
///
/// ```text
/// z = xw + h·W_hh                      [B, 4H], cut into four [B, H] blocks
/// i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)
/// c' = f ⊙ c + i ⊙ g                   keep some of the old memory, write some new
/// h' = o ⊙ tanh(c')                    show some of the memory
/// ```
pub fn lstm_step(xw: &Tensor, h: &Tensor, c: &Tensor, w_hh: &Tensor) -> (Tensor, Tensor) {
    // TODO: z = xw + h·W_hh, [B, 4H]; block k of z is z.narrow(1, k·H, H), [B, H].
    // Squash the gates with sigmoid (i, f, o) and the candidate with tanh (g), then
    // c' = f⊙c + i⊙g and h' = o⊙tanh(c'), both [B, H]. Return (h', c').
    todo!("lstm_step: the four gates from xw + h·W_hh, then the new cell and hidden states")
}
// ANCHOR_END: lstm_step
