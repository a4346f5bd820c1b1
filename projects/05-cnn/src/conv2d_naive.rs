//! Convolution as the chapter defines it: the discrete sum, seven nested loops. Given code,
//! not an exercise: nothing trains on it (it is far too slow for that), but it is the
//! definition every faster convolution must agree with, and the tests compare against it.

use ndarray::{Array4, ArrayView1, ArrayView4};

// ANCHOR: conv2d_naive
/// The convolution layer's forward pass, straight from the discrete sum (stride 1):
/// `x: [N, C, H, W]`, `w: [O, C, KH, KW]`, `b: [O]` -> `[N, O, OH, OW]` with
/// `OH = H + 2·padding - KH + 1` (and `OW` alike), where
///
/// `y[n, o, i, j] = b[o] + Σ_c Σ_u Σ_v x[n, c, i+u-padding, j+v-padding] · w[o, c, u, v]`
///
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
// ANCHOR_END: conv2d_naive

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array};

    #[test]
    fn a_two_by_two_kernel_on_a_three_by_three_image_by_hand() {
        // One image, one channel: 1 2 3 / 4 5 6 / 7 8 9; kernel 1 0 / 0 -1 (x[i,j] - x[i+1,j+1]).
        let x = Array::from_shape_vec((1, 1, 3, 3), (1..=9).map(|v| v as f32).collect()).unwrap();
        let w = array![[[[1.0f32, 0.0], [0.0, -1.0]]]];
        let y = conv2d_naive(x.view(), w.view(), array![0.5f32].view(), 0);
        assert_eq!(y, array![[[[-3.5f32, -3.5], [-3.5, -3.5]]]]);
    }

    #[test]
    fn padding_adds_a_border_of_zeros() {
        // A 1x1 image, a 3x3 kernel of ones, padding 1: the one pixel is under every tap.
        let x = array![[[[2.0f32]]]];
        let w = Array4::from_elem((1, 1, 3, 3), 1.0);
        let y = conv2d_naive(x.view(), w.view(), array![0.0f32].view(), 1);
        assert_eq!(y, array![[[[2.0f32]]]]);
        let x = Array4::from_elem((1, 1, 2, 2), 1.0);
        let y = conv2d_naive(x.view(), w.view(), array![0.0f32].view(), 1);
        assert_eq!(y.dim(), (1, 1, 2, 2));
        assert!(y.iter().all(|&v| v == 4.0), "{y:?}"); // each output sees all four pixels
    }

    #[test]
    fn agrees_with_the_tensor_crates_convolution_on_many_channels() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut random =
            |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect() };
        let x = Array4::from_shape_vec((2, 3, 7, 6), random(2 * 3 * 7 * 6)).unwrap();
        let w = Array4::from_shape_vec((4, 3, 3, 3), random(4 * 3 * 3 * 3)).unwrap();
        let b = ndarray::Array1::from_vec(random(4));
        for padding in [0, 1, 2] {
            let ours = conv2d_naive(x.view(), w.view(), b.view(), padding);
            let (xt, wt, bt) = (
                tensor::Tensor::new(x.clone()),
                tensor::Tensor::new(w.clone()),
                tensor::Tensor::new(b.clone()),
            );
            let fast = tensor::conv2d(&xt, &wt, Some(&bt), 1, padding).to_array();
            assert_eq!(ours.shape(), fast.shape());
            for (a, b) in ours.iter().zip(fast.iter()) {
                assert!((a - b).abs() < 1e-4, "padding {padding}: {a} against {b}");
            }
        }
    }
}
