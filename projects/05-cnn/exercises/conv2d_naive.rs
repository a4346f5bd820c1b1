// Exercise 1 of chapter 5: convolution as the discrete sum. Its tests:
// `cargo exercises test conv2d_naive`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{Array4, ArrayView1, ArrayView4};

// ANCHOR: conv2d_naive
/// The convolution layer's forward pass, straight from the discrete sum (stride 1):
/// `x: [N, C, H, W]`, `w: [O, C, KH, KW]`, `b: [O]` -> `[N, O, OH, OW]` with
/// `OH = H + 2·padding - KH + 1` (and `OW` alike), where
/// `y[n, o, i, j] = b[o] + Σ_c Σ_u Σ_v x[n, c, i + u - padding, j + v - padding] · w[o, c, u, v]`
/// and `x` is 0 outside the image (the padding).
pub fn conv2d_naive(
    x: ArrayView4<f32>,
    w: ArrayView4<f32>,
    b: ArrayView1<f32>,
    padding: usize,
) -> Array4<f32> {
    // TODO: read N, C, H, W from x.dim() and O, KH, KW from w.dim(); build the [N, O, OH, OW]
    // output (Array4::from_shape_fn is handy) where each entry starts at b[o] and adds
    // x[n, c, i + u - padding, j + v - padding] · w[o, c, u, v] for every c, u, v whose
    // input pixel lies inside the image.
    todo!("conv2d_naive: the seven nested loops of the discrete sum")
}
// ANCHOR_END: conv2d_naive
