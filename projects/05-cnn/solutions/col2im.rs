use ndarray::{Array4, ArrayView2};

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
    let (n, c, h, w) = shape;
    let (oh, ow) = (h + 2 * padding - kh + 1, w + 2 * padding - kw + 1);
    let mut x = Array4::zeros(shape);
    // im2col's loops, with the copy turned around: `x[..] += cols[..]`.
    for ch in 0..c {
        for u in 0..kh {
            for v in 0..kw {
                let row = (ch * kh + u) * kw + v;
                for image in 0..n {
                    for i in 0..oh {
                        let Some(y) = (i + u).checked_sub(padding).filter(|&y| y < h) else {
                            continue;
                        };
                        for j in 0..ow {
                            let Some(x_) = (j + v).checked_sub(padding).filter(|&x_| x_ < w) else {
                                continue;
                            };
                            x[[image, ch, y, x_]] += cols[[row, (image * oh + i) * ow + j]];
                        }
                    }
                }
            }
        }
    }
    x
}
