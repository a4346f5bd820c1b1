// Exercise 2 of chapter 9: splitting the width into heads, and merging them back. Its tests:
// `cargo exercises test heads`.

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
    let (b, t, c) = (x.shape()[0], x.shape()[1], x.shape()[2]);
    assert!(
        c % heads == 0,
        "split_heads: width {c} is not a multiple of {heads} heads"
    );
    x.reshape(&[b, t, heads, c / heads]).permute(&[0, 2, 1, 3])
}
// ANCHOR_END: split_heads

// ANCHOR: merge_heads
/// The inverse of [`split_heads`]: `[B, heads, T, d]` -> `[B, T, heads·d]`, each position's
/// heads side by side again.
pub fn merge_heads(x: &Tensor) -> Tensor {
    let (b, h, t, d) = (x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]);
    x.permute(&[0, 2, 1, 3]).reshape(&[b, t, h * d])
}
// ANCHOR_END: merge_heads
