// Exercise 3 of chapter 9: the transformer block's forward pass. Its tests:
// `cargo exercises test block`.

use nn::Module;
use tensor::Tensor;

use crate::model::{Block, Dropout, KvCache};

// ANCHOR: block
/// One pre-LayerNorm transformer block, `[B, T, C]` -> `[B, T, C]`:
/// `x ← x + dropout(attention(ln1(x)))`, then `x ← x + dropout(mlp(ln2(x)))`.
///
/// Each sublayer reads a normalised copy of the residual stream `x` and *adds* what it
/// found to it: the stream itself is never normalised, so the gradient reaches the first
/// layers through the additions unchanged. `cache` is passed on to the attention
/// (sampling with a key-value cache; `None` in training).
pub fn block_forward(
    block: &Block,
    x: &Tensor,
    cache: Option<&mut KvCache>,
    dropout: &mut Dropout,
) -> Tensor {
    let attended = block.attention.forward(&block.ln1.forward(x), cache);
    let x = x.add(&dropout.apply(&attended));
    let transformed = block.mlp.forward(&block.ln2.forward(&x));
    x.add(&dropout.apply(&transformed))
}
// ANCHOR_END: block
