// Exercise 2 of chapter 5: im2col, the layout that turns convolution into one matrix
// multiply. Its tests: `cargo exercises test im2col`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{Array2, ArrayView3};

// ANCHOR: im2col
/// Lays one image `x: [C, H, W]` out as a patch matrix `[C·KH·KW, OH·OW]` (stride 1,
/// `OH = H + 2·padding - KH + 1`): column `i·OW + j` holds the `KH × KW` patch the kernel sees
/// at output position (i, j), channel by channel, so that row `(c·KH + u)·KW + v` is tap
/// (u, v) of channel c. Pixels in the padding are 0. A convolution with weights
/// `w: [O, C, KH, KW]` is then one matrix product: `w.reshape([O, C·KH·KW]) · im2col(x)`.
pub fn im2col(x: ArrayView3<f32>, kh: usize, kw: usize, padding: usize) -> Array2<f32> {
    // TODO: the result is [C·KH·KW, OH·OW]. Entry (row, col) with row = (c·KH + u)·KW + v
    // and col = i·OW + j is x[c, i + u - padding, j + v - padding], or 0 in the padding.
    todo!("im2col: one column per output position, one row per kernel tap")
}
// ANCHOR_END: im2col
