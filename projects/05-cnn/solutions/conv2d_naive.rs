use ndarray::{Array4, ArrayView1, ArrayView4};

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
    let (n, c, h, wd) = x.dim();
    let (o, _, kh, kw) = w.dim();
    let (oh, ow) = (h + 2 * padding - kh + 1, wd + 2 * padding - kw + 1);
    Array4::from_shape_fn((n, o, oh, ow), |(n, o, i, j)| {
        let mut sum = b[o];
        for c in 0..c {
            for u in 0..kh {
                for v in 0..kw {
                    // The input pixel under tap (u, v), in unpadded coordinates.
                    let (y, x_) = (
                        (i + u) as isize - padding as isize,
                        (j + v) as isize - padding as isize,
                    );
                    if y >= 0 && x_ >= 0 && (y as usize) < h && (x_ as usize) < wd {
                        sum += x[[n, c, y as usize, x_ as usize]] * w[[o, c, u, v]];
                    }
                }
            }
        }
        sum
    })
}
