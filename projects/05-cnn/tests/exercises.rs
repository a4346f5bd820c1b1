//! The tests of chapter 5's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).
//!
//! The truth they compare against is the definition, `cnn::conv2d_naive` (the discrete sum,
//! given code), and the tensor crate's own convolution and pooling. The last exercise's tests
//! put all three of your functions together: the model's lesson path must agree with the
//! tensor crate's fast op, and a small network must learn digits through it.
//!
//! Where a test compares two arrays with `assert_eq!`, `left` is what your function
//! returned and `right` what it should have.

use ndarray::{array, Array, Array2, Array4, ArrayD, Axis, Dimension, ShapeBuilder};
use rand::{Rng, SeedableRng};
use tensor::Tensor;

/// Seeded values in [-1, 1).
fn random<Sh: ShapeBuilder<Dim = D>, D: Dimension>(shape: Sh, seed: u64) -> Array<f32, D> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Array::from_shape_simple_fn(shape, || rng.random_range(-1.0..1.0))
}

/// Asserts `ours` equals `truth` to `tolerance` (absolute below 1, relative above), naming
/// the first element that differs by its index.
#[track_caller]
fn assert_close(ours: &ArrayD<f32>, truth: &ArrayD<f32>, tolerance: f32, what: &str) {
    assert_eq!(
        ours.shape(),
        truth.shape(),
        "{what}: the shapes differ (yours first)"
    );
    for ((index, &a), &b) in ours.indexed_iter().zip(truth.iter()) {
        assert!(
            (a - b).abs() <= tolerance * b.abs().max(1.0),
            "{what}: at index {:?} yours is {a}, it should be {b}",
            index.slice()
        );
    }
}

mod im2col {
    use super::*;
    use cnn::{conv2d_naive, im2col};

    #[test]
    fn each_row_is_the_image_seen_through_one_kernel_tap() {
        // One 3x3 image, 1 2 3 / 4 5 6 / 7 8 9, and a 2x2 kernel: a 2x2 output, so 4 columns
        // (positions (0,0) (0,1) (1,0) (1,1)) and 4 rows (taps (0,0) (0,1) (1,0) (1,1)).
        let x = Array::from_shape_vec((1, 1, 3, 3), (1..=9).map(|v| v as f32).collect()).unwrap();
        let cols = im2col(x.view(), 2, 2, 0);
        assert_eq!(
            cols.dim(),
            (4, 4),
            "im2col of one 3x3 image with a 2x2 kernel should be [C·KH·KW, N·OH·OW] = [4, 4]: \
             a row per kernel tap, a column per output position (left: yours; right: expected)"
        );
        let rows = [
            (
                [1.0f32, 2.0, 4.0, 5.0],
                "(0, 0)",
                "the top-left pixel of each patch",
            ),
            (
                [2.0, 3.0, 5.0, 6.0],
                "(0, 1)",
                "the pixel one column to the right",
            ),
            ([4.0, 5.0, 7.0, 8.0], "(1, 0)", "the pixel one row below"),
            (
                [5.0, 6.0, 8.0, 9.0],
                "(1, 1)",
                "the pixel one row below and one to the right",
            ),
        ];
        for (row, (expected, tap, meaning)) in rows.iter().enumerate() {
            assert_eq!(
                cols.row(row).to_vec(),
                expected,
                "im2col row {row} (channel 0, tap {tap}) should read {meaning}, at each of the \
                 four output positions in turn (the image is 1 2 3 / 4 5 6 / 7 8 9) (left: \
                 yours; right: expected)"
            );
        }
    }

    #[test]
    fn padding_reads_as_zero_and_channels_stack_their_rows() {
        // Two channels of one 1x2 image, a 1x3 kernel, padding 1: the padded channel 0 is
        // 0 0 0 0 / 0 1 2 0 / 0 0 0 0, so the output is 3x2 (6 columns), and there are
        // 2 channels x 3 taps = 6 rows.
        let x = Array::from_shape_vec((1, 2, 1, 2), vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
        let cols = im2col(x.view(), 1, 3, 1);
        assert_eq!(
            cols.dim(),
            (6, 6),
            "im2col of a [1, 2, 1, 2] image with a 1x3 kernel and padding 1 should be [6, 6]: \
             2 channels x 3 taps, and a 3x2 output (OH = 1 + 2·1 - 1 + 1, OW = 2 + 2·1 - 3 + 1) \
             (left: yours; right: expected)"
        );
        let rows = [
            (
                0,
                [0.0f32, 0.0, 0.0, 1.0, 0.0, 0.0],
                "channel 0, tap (0, 0)",
            ),
            (1, [0.0, 0.0, 1.0, 2.0, 0.0, 0.0], "channel 0, tap (0, 1)"),
            (2, [0.0, 0.0, 2.0, 0.0, 0.0, 0.0], "channel 0, tap (0, 2)"),
            (4, [0.0, 0.0, 3.0, 4.0, 0.0, 0.0], "channel 1, tap (0, 1)"),
        ];
        for (row, expected, tap) in rows {
            assert_eq!(
                cols.row(row).to_vec(),
                expected,
                "im2col row {row} ({tap}): output rows 0 and 2 see only the padding (zeros), \
                 output row 1 sees the image's one row shifted by the tap; rows 3 to 5 are \
                 channel 1's taps, after channel 0's (left: yours; right: expected)"
            );
        }
    }

    #[test]
    fn the_images_of_a_batch_follow_one_another_in_the_columns() {
        // Two 2x2 images, 1 2 / 3 4 and 5 6 / 7 8, and a 2x2 kernel: one position per image.
        let x = Array::from_shape_vec((2, 1, 2, 2), (1..=8).map(|v| v as f32).collect()).unwrap();
        let cols = im2col(x.view(), 2, 2, 0);
        assert_eq!(
            cols,
            array![[1.0f32, 5.0], [2.0, 6.0], [3.0, 7.0], [4.0, 8.0]],
            "two 2x2 images with a 2x2 kernel: column 0 should be image 0's one patch and \
             column 1 image 1's (column (n·OH + i)·OW + j belongs to image n) (left: yours; \
             right: expected)"
        );
        // A 1x1 kernel copies each image as it is: image 0's four pixels, then image 1's.
        let cols = im2col(x.view(), 1, 1, 0);
        assert_eq!(
            cols,
            array![[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]],
            "with a 1x1 kernel, im2col's one row should be image 0's pixels row by row, then \
             image 1's (left: yours; right: expected)"
        );
    }

    #[test]
    fn one_matrix_multiply_of_the_patches_is_the_convolution() {
        let (x, w, b) = (
            random((2, 3, 8, 7), 4),
            random((5, 3, 3, 3), 5),
            random(5, 6),
        );
        for padding in [0, 1, 2] {
            let cols = im2col(x.view(), 3, 3, padding); // [27, N·P]
            let (oh, ow) = (8 + 2 * padding - 2, 7 + 2 * padding - 2);
            assert_eq!(
                cols.dim(),
                (27, 2 * oh * ow),
                "im2col of [2, 3, 8, 7] with a 3x3 kernel and padding {padding} should be \
                 [C·KH·KW, N·OH·OW] (left: yours; right: expected)"
            );
            let w2 = w.view().into_shape_with_order((5, 27)).unwrap();
            let y = w2.dot(&cols) + b.view().insert_axis(Axis(1)); // [O, N·P]
            let y = y
                .into_shape_with_order((5, 2, oh, ow))
                .unwrap()
                .permuted_axes([1, 0, 2, 3]); // [N, O, OH, OW]
            let truth = conv2d_naive(x.view(), w.view(), b.view(), padding);
            assert_close(
                &y.to_owned().into_dyn(),
                &truth.into_dyn(),
                1e-4,
                &format!(
                    "w.reshape([O, C·KH·KW]) · im2col(x) + b, rearranged to [N, O, OH, OW], \
                     against the discrete sum conv2d_naive (padding {padding})"
                ),
            );
        }
    }
}

mod col2im {
    use super::*;
    use cnn::{col2im, im2col};

    #[test]
    fn each_pixel_receives_one_entry_per_patch_it_is_in() {
        // A matrix of ones laid out as im2col lays out one 3x3 image with a 2x2 kernel:
        // col2im adds up, for each pixel, how many patches it was copied into.
        let dx = col2im(Array2::ones((4, 4)).view(), (1, 1, 3, 3), 2, 2, 0);
        assert_eq!(
            dx,
            array![[[[1.0f32, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]],
            "col2im of ones should count each pixel's copies: with a 2x2 kernel on a 3x3 \
             image a corner is in 1 patch, an edge's middle in 2 and the centre in all 4 (left: \
             yours; right: expected)"
        );
    }

    #[test]
    fn entries_that_stand_for_the_padding_are_dropped() {
        // One 1x1 image, a 3x3 kernel and padding 1: one output position, nine taps, and only
        // the centre tap (1, 1), row 4, sees the pixel; the other eight see padding.
        let cols = Array::from_shape_vec((9, 1), (1..=9).map(|v| v as f32).collect()).unwrap();
        let dx = col2im(cols.view(), (1, 1, 1, 1), 3, 3, 1);
        assert_eq!(
            dx,
            array![[[[5.0f32]]]],
            "col2im with padding: of the nine entries 1..9 only row 4 (tap (1, 1)) was copied \
             from the pixel, so the pixel should get 5; entries in the padding belong to no \
             pixel and must be dropped, not added to the border (left: yours; right: expected)"
        );
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // For every x and every matrix g of im2col's shape, <im2col(x), g> = <x, col2im(g)>:
        // each entry of im2col(x) is one pixel, so the sum of g times the copies is the sum
        // over pixels of the pixel times its copies' entries of g, added up. That is what
        // makes col2im the backward pass of im2col.
        let x = random((2, 3, 5, 4), 11);
        for padding in [0, 1, 2] {
            let (oh, ow) = (5 + 2 * padding - 2, 4 + 2 * padding - 2);
            let g = random((3 * 3 * 3, 2 * oh * ow), 12 + padding as u64);
            let dot = |a: &[f32], b: &[f32]| -> f64 {
                a.iter().zip(b).map(|(&a, &b)| f64::from(a * b)).sum()
            };
            let copies = im2col(x.view(), 3, 3, padding);
            let back = col2im(g.view(), x.dim(), 3, 3, padding);
            assert_eq!(
                back.dim(),
                x.dim(),
                "col2im should give back the images' shape [N, C, H, W] (left: yours; right: \
                 expected)"
            );
            let left = dot(
                copies.as_standard_layout().as_slice().unwrap(),
                g.as_slice().unwrap(),
            );
            let right = dot(
                x.as_slice().unwrap(),
                back.as_standard_layout().as_slice().unwrap(),
            );
            assert!(
                (left - right).abs() < 1e-3 * left.abs().max(1.0),
                "with padding {padding}: the sum of g times im2col(x) is {left} but the sum of \
                 x times col2im(g) is {right}; they should be equal, since col2im must add each \
                 entry of g onto exactly the pixel im2col copied into it"
            );
        }
    }

    #[test]
    fn the_lesson_convolution_has_the_tensor_crates_values_and_gradients() {
        // cnn::ops::conv2d is im2col, one matrix multiply and, backward, col2im for ∂L/∂x.
        for padding in [0, 1] {
            let (x, w, b) = (
                random((3, 2, 6, 5), 20).into_dyn(),
                random((4, 2, 3, 3), 21).into_dyn(),
                random(4, 22).into_dyn(),
            );
            let run = |lesson: bool| {
                let (xt, wt, bt) = (
                    Tensor::param(x.clone()),
                    Tensor::param(w.clone()),
                    Tensor::param(b.clone()),
                );
                let y = if lesson {
                    cnn::ops::conv2d(&xt, &wt, &bt, padding)
                } else {
                    tensor::conv2d(&xt, &wt, Some(&bt), 1, padding)
                };
                let dy = random(y.shape().as_slice(), 23).into_dyn();
                y.backward_with(&dy);
                let grads = [xt.grad(), wt.grad(), bt.grad()].map(Option::unwrap);
                (y.to_array(), grads)
            };
            let ((y, grads), (y_fast, grads_fast)) = (run(true), run(false));
            assert_close(
                &y,
                &y_fast,
                1e-4,
                &format!("the convolution by im2col and matmul (padding {padding})"),
            );
            let names = ["∂L/∂x, col2im(Wᵀ · δ)", "∂L/∂w, δ · im2col(x)ᵀ", "∂L/∂b"];
            for ((ours, fast), name) in grads.iter().zip(&grads_fast).zip(names) {
                assert_close(ours, fast, 1e-4, &format!("{name} (padding {padding})"));
            }
        }
    }
}

mod max_pool_backward {
    use super::*;
    use cnn::{max_pool_backward, Arch, Cnn, ConvPath};
    use nn::{Adam, Module, Optimizer};

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
        // Two 2x2 windows: 1 5 / 2 3 (largest 5, top right) and 0 0 / 0 9 (largest 9).
        let x = array![[[[1.0f32, 5.0, 0.0, 0.0], [2.0, 3.0, 0.0, 9.0]]]];
        let dy = array![[[[10.0f32, 20.0]]]];
        let dx = max_pool_backward(x.view(), dy.view(), 2);
        assert_eq!(
            dx,
            array![[[[0.0f32, 10.0, 0.0, 0.0], [0.0, 0.0, 0.0, 20.0]]]],
            "the first window's gradient 10 should go to its largest input, the 5, and the \
             second's 20 to the 9; every other input changed nothing and gets 0 (left: yours; \
             right: expected)"
        );
    }

    #[test]
    fn a_tie_goes_to_the_first_input_only() {
        let x = Array4::from_elem((1, 1, 2, 2), 7.0);
        let dx = max_pool_backward(x.view(), array![[[[1.0f32]]]].view(), 2);
        assert_eq!(
            dx,
            array![[[[1.0f32, 0.0], [0.0, 0.0]]]],
            "in a window of four equal inputs the gradient should go to the first in row-major \
             order, once (the forward pass took that one), not to all four (left: yours; right: \
             expected)"
        );
    }

    #[test]
    fn a_last_row_and_column_that_fill_no_window_get_no_gradient() {
        // 3x3 input, 2x2 windows: one window; row 2 and column 2 were never pooled.
        let x = array![[[[1.0f32, 2.0, 50.0], [3.0, 4.0, 60.0], [70.0, 80.0, 90.0]]]];
        let dx = max_pool_backward(x.view(), array![[[[1.0f32]]]].view(), 2);
        assert_eq!(
            dx,
            array![[[[0.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]],
            "a 3x3 input pooled 2x2 has one window, the top-left 2x2 (largest 4); the large \
             values in the last row and column were in no window and should get 0, and dx \
             should have x's full 3x3 shape (left: yours; right: expected)"
        );
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
        assert_eq!(analytic.dim(), x.dim(), "dx should have x's shape");
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
                "at {index:?}: your gradient is {a}, but nudging that input changes the pooled \
                 loss Σ dy · max_pool(x) at a rate of {numeric}"
            );
        }
    }

    #[test]
    fn agrees_with_the_tensor_crates_max_pool_backward() {
        let x = random((2, 4, 7, 6), 9);
        let dy = random((2, 4, 3, 3), 10);
        let xt = Tensor::param(x.clone());
        let y = tensor::max_pool2d(&xt, 2, 2);
        (&y * &Tensor::new(dy.clone())).sum().backward();
        let expected = xt.grad().unwrap();
        let ours = max_pool_backward(x.view(), dy.view(), 2).into_dyn();
        assert_close(
            &ours,
            &expected,
            0.0,
            "max_pool_backward against tensor::max_pool2d's backward",
        );
    }

    /// The first `n` MNIST training images, `[n, 1, 28, 28]`, and their labels.
    fn digits(n: usize) -> (Tensor, Vec<usize>) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let mnist = data::mnist::load(&dir).expect("the committed MNIST in data/mnist");
        let indices: Vec<usize> = (0..n).collect();
        let labels = indices
            .iter()
            .map(|&i| usize::from(mnist.train.labels[i]))
            .collect();
        (cnn::train::batch(&mnist.train, &indices), labels)
    }

    #[test]
    fn the_lesson_path_computes_what_the_fast_path_computes() {
        // The essay's model on 16 digits, once through your im2col, col2im and
        // max_pool_backward (ConvPath::Lesson) and once through the tensor crate's fused op.
        let (x, labels) = digits(16);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut model = Cnn::new(Arch::Keras, [1, 28, 28], 10, &mut rng);
        let mut run = |path: ConvPath| {
            model.conv_path = path;
            for p in model.parameters() {
                p.zero_grad();
            }
            let logits = model.forward(&x);
            tensor::cross_entropy(&logits, &labels).backward();
            let grads: Vec<(String, ArrayD<f32>)> = model
                .named_parameters()
                .into_iter()
                .map(|(name, p)| (name, p.grad().expect("every parameter gets a gradient")))
                .collect();
            (logits.to_array(), grads)
        };
        let (logits, grads) = run(ConvPath::Lesson);
        let (logits_fast, grads_fast) = run(ConvPath::Fast);
        assert_close(
            &logits,
            &logits_fast,
            1e-4,
            "the model's scores on the lesson path (your functions) against the fast path",
        );
        for ((name, ours), (_, fast)) in grads.iter().zip(&grads_fast) {
            assert_close(
                ours,
                fast,
                1e-4,
                &format!("the gradient of {name} on the lesson path against the fast path"),
            );
        }
    }

    #[test]
    fn a_small_cnn_learns_digits_through_your_functions() {
        // 40 steps of Adam on 320 digits, every convolution and pooling on the lesson path.
        let (images, labels) = digits(320);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut model = Cnn::new(Arch::Keras, [1, 28, 28], 10, &mut rng);
        model.conv_path = ConvPath::Lesson;
        let loss_on_all = |model: &Cnn| {
            tensor::no_grad(|| tensor::cross_entropy(&model.forward(&images), &labels).item())
        };
        let before = loss_on_all(&model);
        let mut optimizer = Adam::new(model.parameters(), 1e-3);
        for step in 0..40 {
            let start = (step * 32) % 320;
            let x = images.narrow(0, start, 32);
            let loss = tensor::cross_entropy(&model.forward(&x), &labels[start..start + 32]);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        let after = loss_on_all(&model);
        println!("loss on the 320 digits: {before:.3} before, {after:.3} after 40 steps");
        assert!(
            after < 0.5 * before,
            "after 40 steps on the lesson path (your im2col, col2im and max_pool_backward) the \
             loss on the 320 training digits went from {before:.3} to {after:.3}; it should at \
             least halve. If the other tests pass, look for a gradient that is right in shape \
             but wrong in place."
        );
    }
}
