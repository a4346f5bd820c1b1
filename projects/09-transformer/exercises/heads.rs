// Exercise 2 of chapter 9: splitting the width into heads, and merging them back. Its tests:
// `cargo exercises test heads`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use tensor::Tensor;

// ANCHOR: split_heads
/// Cuts each position's vector of width `C` into `heads` pieces of `C/heads` and makes the
/// heads a batch axis, so that one batched product serves every head:
/// `[B, T, C]` -> `[B, heads, T, C/heads]`. Head `h` gets features `h·d .. (h+1)·d`.
///
/// # Panics
/// If `C` is not a multiple of `heads`.
#[track_caller]
pub fn split_heads(x: &Tensor, heads: usize) -> Tensor {
    // TODO: reshape [B, T, C] to [B, T, heads, C/heads], then swap the T and heads axes.
    todo!("split_heads: [B, T, C] -> [B, heads, T, C/heads]")
}
// ANCHOR_END: split_heads

// ANCHOR: merge_heads
/// The inverse of [`split_heads`]: `[B, heads, T, d]` -> `[B, T, heads·d]`, each position's
/// heads side by side again.
pub fn merge_heads(x: &Tensor) -> Tensor {
    // TODO: undo split_heads, in the opposite order.
    todo!("merge_heads: [B, heads, T, d] -> [B, T, heads·d]")
}
// ANCHOR_END: merge_heads
