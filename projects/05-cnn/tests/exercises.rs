//! The tests of chapter 5's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).

use ndarray::{array, Array, Array1, Array4, ArrayD, Dimension, ShapeBuilder};
use rand::{Rng, SeedableRng};
use tensor::Tensor;

/// Seeded values in [-1, 1).
fn random<Sh: ShapeBuilder<Dim = D>, D: Dimension>(shape: Sh, seed: u64) -> Array<f32, D> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Array::from_shape_simple_fn(shape, || rng.random_range(-1.0..1.0))
}

/// The workspace's convolution (im2col + GEMM in the tensor crate), for comparison.
fn reference_conv(
    x: &Array4<f32>,
    w: &Array4<f32>,
    b: &Array1<f32>,
    padding: usize,
) -> ArrayD<f32> {
    let (x, w, b) = (
        Tensor::new(x.clone()),
        Tensor::new(w.clone()),
        Tensor::new(b.clone()),
    );
    tensor::conv2d(&x, &w, Some(&b), 1, padding).to_array()
}

fn assert_close(a: &ArrayD<f32>, b: &ArrayD<f32>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes differ");
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        assert!(
            (x - y).abs() < 1e-4,
            "{what}: element {i} is {x}, expected {y}"
        );
    }
}

mod conv2d_naive {
    use super::*;
    use cnn::conv2d_naive;

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
        let (x, w, b) = (
            random((2, 3, 7, 6), 1),
            random((4, 3, 3, 3), 2),
            random(4, 3),
        );
        for padding in [0, 1, 2] {
            let ours = conv2d_naive(x.view(), w.view(), b.view(), padding).into_dyn();
            assert_close(&ours, &reference_conv(&x, &w, &b, padding), "conv2d_naive");
        }
    }
}

mod im2col {
    use super::*;
    use cnn::im2col;

    #[test]
    fn each_column_is_one_patch_and_each_row_one_kernel_tap() {
        let x = Array::from_shape_vec((1, 3, 3), (1..=9).map(|v| v as f32).collect()).unwrap();
        let cols = im2col(x.view(), 2, 2, 0);
        // Four positions (columns); the taps (0,0) (0,1) (1,0) (1,1) of each patch (rows).
        let expected = array![
            [1.0f32, 2.0, 4.0, 5.0],
            [2.0, 3.0, 5.0, 6.0],
            [4.0, 5.0, 7.0, 8.0],
            [5.0, 6.0, 8.0, 9.0],
        ];
        assert_eq!(cols, expected);
    }

    #[test]
    fn padding_shows_up_as_zeros_and_channels_stack_their_rows() {
        let x = Array::from_shape_vec((2, 1, 2), vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
        let cols = im2col(x.view(), 1, 3, 1);
        // Two 1x2 channels, a 1x3 kernel, padding 1: a 3x2 output (6 columns), and
        // 2 channels x 3 taps = 6 rows. The padded channel 0 is 0 0 0 0 / 0 1 2 0 / 0 0 0 0.
        assert_eq!(cols.dim(), (6, 6));
        assert_eq!(cols.row(0).to_vec(), [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]); // tap (0, 0)
        assert_eq!(cols.row(1).to_vec(), [0.0, 0.0, 1.0, 2.0, 0.0, 0.0]); // tap (0, 1)
        assert_eq!(cols.row(2).to_vec(), [0.0, 0.0, 2.0, 0.0, 0.0, 0.0]); // tap (0, 2)
        assert_eq!(cols.row(4).to_vec(), [0.0, 0.0, 3.0, 4.0, 0.0, 0.0]); // channel 1, tap (0, 1)
    }

    #[test]
    fn one_matrix_multiply_of_the_patches_is_the_convolution() {
        let (x, w, b) = (
            random((1, 3, 8, 7), 4),
            random((5, 3, 3, 3), 5),
            random(5, 6),
        );
        for padding in [0, 1] {
            let cols = im2col(x.index_axis(ndarray::Axis(0), 0), 3, 3, padding); // [27, P]
            let w2 = w.view().into_shape_with_order((5, 27)).unwrap();
            let y = w2.dot(&cols) + b.view().insert_axis(ndarray::Axis(1)); // [5, P]
            let (oh, ow) = (8 + 2 * padding - 2, 7 + 2 * padding - 2);
            let y = y.into_shape_with_order((1, 5, oh, ow)).unwrap().into_dyn();
            assert_close(&y, &reference_conv(&x, &w, &b, padding), "w · im2col(x)");
        }
    }
}

mod max_pool_backward {
    use super::*;
    use cnn::max_pool_backward;

    /// k×k max-pooling with stride k, written plainly.
    fn max_pool(x: &Array4<f32>, k: usize) -> Array4<f32> {
        let (n, c, h, w) = x.dim();
        Array4::from_shape_fn((n, c, h / k, w / k), |(n, c, i, j)| {
            let mut best = f32::NEG_INFINITY;
            for u in 0..k {
                for v in 0..k {
                    best = best.max(x[[n, c, i * k + u, j * k + v]]);
                }
            }
            best
        })
    }

    #[test]
    fn each_windows_gradient_goes_to_its_largest_input() {
        let x = array![[[[1.0f32, 5.0, 0.0, 0.0], [2.0, 3.0, 0.0, 9.0]]]];
        let dy = array![[[[10.0f32, 20.0]]]];
        let dx = max_pool_backward(x.view(), dy.view(), 2);
        assert_eq!(
            dx,
            array![[[[0.0f32, 10.0, 0.0, 0.0], [0.0, 0.0, 0.0, 20.0]]]]
        );
    }

    #[test]
    fn a_tie_goes_to_the_first_input_only() {
        let x = Array4::from_elem((1, 1, 2, 2), 7.0);
        let dx = max_pool_backward(x.view(), array![[[[1.0f32]]]].view(), 2);
        assert_eq!(dx, array![[[[1.0f32, 0.0], [0.0, 0.0]]]]);
    }

    #[test]
    fn matches_finite_differences_of_max_pooling() {
        // Distinct values, so no window is near a tie (a kink of max).
        let mut x = random((2, 3, 4, 6), 7);
        for (i, v) in x.iter_mut().enumerate() {
            *v += 0.01 * i as f32;
        }
        let dy = random((2, 3, 2, 3), 8);
        let loss = |x: &Array4<f32>| -> f64 {
            let y = max_pool(x, 2);
            y.iter()
                .zip(dy.iter())
                .map(|(&a, &b)| f64::from(a * b))
                .sum()
        };
        let analytic = max_pool_backward(x.view(), dy.view(), 2);
        let h = 1e-3;
        for (index, &a) in analytic.indexed_iter() {
            let (mut plus, mut minus) = (x.clone(), x.clone());
            plus[index] += h;
            minus[index] -= h;
            let numeric = (loss(&plus) - loss(&minus)) / (2.0 * f64::from(h));
            let error =
                (f64::from(a) - numeric).abs() / (1.0f64).max(f64::from(a).abs() + numeric.abs());
            assert!(
                error < 1e-2,
                "at {index:?}: analytic {a}, numeric {numeric}"
            );
        }
    }

    #[test]
    fn agrees_with_the_tensor_crates_max_pool_backward() {
        let x = random((2, 4, 6, 6), 9);
        let dy = random((2, 4, 3, 3), 10);
        let xt = Tensor::param(x.clone());
        let y = tensor::max_pool2d(&xt, 2, 2);
        (&y * &Tensor::new(dy.clone())).sum().backward();
        let expected = xt.grad().unwrap();
        let ours = max_pool_backward(x.view(), dy.view(), 2).into_dyn();
        assert_close(&ours, &expected, "max_pool_backward");
    }
}
