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
    let hidden = h.shape()[1];
    let z = xw.add(&h.matmul(w_hh)); // [B, 4H]: one product for all four gates
    let block = |k: usize| z.narrow(1, k * hidden, hidden); // [B, H]
    let input_gate = block(0).sigmoid();
    let forget_gate = block(1).sigmoid();
    let candidate = block(2).tanh();
    let output_gate = block(3).sigmoid();
    // The cell state changes only by a product and a sum: the gradient highway.
    let c = forget_gate.mul(c).add(&input_gate.mul(&candidate));
    let h = output_gate.mul(&c.tanh());
    (h, c)
}
// ANCHOR_END: lstm_step
