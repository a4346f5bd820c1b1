// Exercise 3 of chapter 9: the transformer block's forward pass. Its tests:
// `cargo exercises test block`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

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
    // TODO: block.ln1.forward(x), then block.attention.forward(.., cache); dropout.apply
    // it and add it to x. The same with block.ln2 and block.mlp on the result.
    todo!("block_forward: two residual sublayers, each reading a LayerNorm of the stream")
}
// ANCHOR_END: block
