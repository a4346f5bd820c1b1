use ndarray::{Array2, ArrayView3};

/// Lays one image `x: [C, H, W]` out as a patch matrix `[C·KH·KW, OH·OW]` (stride 1,
/// `OH = H + 2·padding - KH + 1`): column `i·OW + j` holds the `KH × KW` patch the kernel sees
/// at output position (i, j), channel by channel, so that row `(c·KH + u)·KW + v` is tap
/// (u, v) of channel c. Pixels in the padding are 0. A convolution with weights
/// `w: [O, C, KH, KW]` is then one matrix product: `w.reshape([O, C·KH·KW]) · im2col(x)`.
pub fn im2col(x: ArrayView3<f32>, kh: usize, kw: usize, padding: usize) -> Array2<f32> {
    let (c, h, w) = x.dim();
    let (oh, ow) = (h + 2 * padding - kh + 1, w + 2 * padding - kw + 1);
    Array2::from_shape_fn((c * kh * kw, oh * ow), |(row, col)| {
        let (ch, u, v) = (row / (kh * kw), row / kw % kh, row % kw);
        let (i, j) = (col / ow, col % ow);
        let (y, x_) = (
            (i + u) as isize - padding as isize,
            (j + v) as isize - padding as isize,
        );
        if y >= 0 && x_ >= 0 && (y as usize) < h && (x_ as usize) < w {
            x[[ch, y as usize, x_ as usize]]
        } else {
            0.0
        }
    })
}
