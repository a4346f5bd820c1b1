// Exercise 2 of chapter 5: col2im, the backward pass of im2col. Its tests:
// `cargo exercises test col2im`. With `--features learner` every convolution's input
// gradient goes through your function (see src/ops.rs).
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{Array4, ArrayView2};

// ANCHOR: col2im
/// The adjoint of [`im2col`](crate::im2col): given a matrix
/// `cols: [C·KH·KW, N·OH·OW]` laid out as im2col lays out a batch of
/// `shape = (N, C, H, W)` images, adds every entry back onto the pixel im2col copied
/// it from, and returns the `[N, C, H, W]` sums. A pixel that im2col copied into
/// nine columns receives the sum of nine entries; entries that stand for the padding
/// belong to no pixel and are dropped.
///
/// This is the backward pass of im2col: if `cols` holds the gradient of the loss
/// with respect to each copy, `col2im(cols)` is the gradient with respect to each
/// pixel.
pub fn col2im(
    cols: ArrayView2<f32>,
    shape: (usize, usize, usize, usize),
    kh: usize,
    kw: usize,
    padding: usize,
) -> Array4<f32> {
    // TODO: start from zeros of `shape` [N, C, H, W] and visit the entries of
    // `cols` as im2col visits them: row (c·KH + u)·KW + v, column (n·OH + i)·OW + j.
    // Where im2col would read x[n, c, i + u - padding, j + v - padding], add (+=)
    // the entry there instead; skip the positions that fall in the padding.
    todo!("col2im: every entry back onto the pixel it was copied from, summed")
}
// ANCHOR_END: col2im
