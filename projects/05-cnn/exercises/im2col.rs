// Exercise 1 of chapter 5: im2col, the layout that turns a convolution into one matrix
// multiply. Its tests: `cargo exercises test im2col`. With `--features learner` the model's
// convolutions run on your function (see src/ops.rs).
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{Array2, ArrayView4};

// ANCHOR: im2col
/// Lays a batch of images `x: [N, C, H, W]` out as one patch matrix
/// `[C·KH·KW, N·OH·OW]` (stride 1, `OH = H + 2·padding - KH + 1`, `OW` alike):
///
/// - row `(c·KH + u)·KW + v` is tap (u, v) of the kernel on channel c;
/// - column `(n·OH + i)·OW + j` is output position (i, j) of image n (image 0's
///   positions first, row by row, then image 1's, ...);
/// - the entry there is the pixel that tap sees from that position,
///   `x[n, c, i + u - padding, j + v - padding]`, or 0 in the padding.
///
/// So each column is one `KH × KW` patch of every channel, and a convolution with
/// weights `w: [O, C, KH, KW]` is one matrix product:
/// `w.reshape([O, C·KH·KW]) · im2col(x)`.
pub fn im2col(x: ArrayView4<f32>, kh: usize, kw: usize, padding: usize) -> Array2<f32> {
    // TODO: read N, C, H, W from x.dim() and work out OH and OW. Start from a
    // matrix of zeros of shape [C·KH·KW, N·OH·OW] (the padding then needs nothing),
    // and for every channel c, tap (u, v), image n and output position (i, j) whose
    // pixel lies inside the image, copy x[n, c, i + u - padding, j + v - padding]
    // into row (c·KH + u)·KW + v, column (n·OH + i)·OW + j.
    todo!("im2col: one row per kernel tap, one column per output position")
}
// ANCHOR_END: im2col
