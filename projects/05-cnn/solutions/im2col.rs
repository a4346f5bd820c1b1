use ndarray::{Array2, ArrayView4};

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
    let (n, c, h, w) = x.dim();
    let (oh, ow) = (h + 2 * padding - kh + 1, w + 2 * padding - kw + 1);
    let mut cols = Array2::zeros((c * kh * kw, n * oh * ow)); // the padding stays 0
    for ch in 0..c {
        for u in 0..kh {
            for v in 0..kw {
                let row = (ch * kh + u) * kw + v;
                for image in 0..n {
                    for i in 0..oh {
                        // The input row this tap sees from output row i (None: the padding).
                        let Some(y) = (i + u).checked_sub(padding).filter(|&y| y < h) else {
                            continue;
                        };
                        for j in 0..ow {
                            let Some(x_) = (j + v).checked_sub(padding).filter(|&x_| x_ < w) else {
                                continue;
                            };
                            cols[[row, (image * oh + i) * ow + j]] = x[[image, ch, y, x_]];
                        }
                    }
                }
            }
        }
    }
    cols
}
