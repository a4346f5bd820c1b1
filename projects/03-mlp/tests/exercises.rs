//! The tests of chapter 3's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).

use ndarray::{array, Array2};

/// Asserts two arrays agree elementwise to within `tol`, printing both if not.
#[track_caller]
fn assert_close<D: ndarray::Dimension>(
    got: &ndarray::Array<f32, D>,
    want: &ndarray::Array<f32, D>,
    tol: f32,
) {
    assert_eq!(got.shape(), want.shape(), "shapes differ");
    let ok = got.iter().zip(want).all(|(a, b)| (a - b).abs() <= tol);
    assert!(ok, "got\n{got}\nwant\n{want}");
}

mod softmax_cross_entropy_gradient {
    use super::*;
    use mlp::{softmax_cross_entropy, softmax_cross_entropy_gradient};

    #[test]
    fn is_the_probabilities_minus_one_at_the_true_class_divided_by_the_batch() {
        let probs = array![[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]];
        let got = softmax_cross_entropy_gradient(probs.view(), &[0, 1]);
        let want = array![[-0.3, 0.2, 0.1], [0.1, -0.9, 0.8]] / 2.0;
        assert_close(&got, &want, 1e-6);
    }

    #[test]
    fn each_row_sums_to_zero_and_pushes_only_the_true_class_up() {
        let probs = array![[0.25, 0.25, 0.25, 0.25], [0.05, 0.05, 0.6, 0.3]];
        let got = softmax_cross_entropy_gradient(probs.view(), &[3, 2]);
        for (row, label) in got.rows().into_iter().zip([3, 2]) {
            assert!(row.sum().abs() < 1e-6, "{row}");
            for (j, &g) in row.iter().enumerate() {
                // Gradient descent moves against the gradient: the true class's logit rises.
                assert_eq!(g < 0.0, j == label, "{row}");
            }
        }
    }

    #[test]
    fn matches_central_differences_of_the_loss() {
        let logits = array![[1.0f32, -0.5, 2.0], [0.3, 0.2, -1.0], [-2.0, 0.0, 0.5]];
        let labels = [2, 0, 1];
        let (_, probs) = softmax_cross_entropy(logits.view(), &labels);
        let got = softmax_cross_entropy_gradient(probs.view(), &labels);
        let h = 1e-2;
        let mut want = Array2::zeros(logits.raw_dim());
        for idx in ndarray::indices(logits.raw_dim()) {
            let (mut up, mut down) = (logits.clone(), logits.clone());
            up[idx] += h;
            down[idx] -= h;
            let loss = |z: &Array2<f32>| softmax_cross_entropy(z.view(), &labels).0;
            want[idx] = (loss(&up) - loss(&down)) / (2.0 * h);
        }
        assert_close(&got, &want, 1e-4);
    }
}

mod relu_backward {
    use super::*;
    use mlp::relu_backward;

    #[test]
    fn passes_the_gradient_where_the_unit_is_active_and_stops_it_elsewhere() {
        let z = array![[1.5, -2.0, 0.3], [-0.1, 4.0, -7.0]];
        let dh = array![[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]];
        let got = relu_backward(z.view(), dh.view());
        assert_close(&got, &array![[10.0, 0.0, 30.0], [0.0, 50.0, 0.0]], 0.0);
    }

    #[test]
    fn at_exactly_zero_the_gradient_is_zero() {
        let got = relu_backward(array![[0.0, 0.0]].view(), array![[1.0, -3.0]].view());
        assert_close(&got, &array![[0.0, 0.0]], 0.0);
    }

    #[test]
    fn keeps_the_shape_and_the_sign_of_the_incoming_gradient() {
        let z = Array2::from_shape_fn((4, 7), |(i, j)| (i as f32 - 1.5) * (j as f32 + 1.0));
        let dh = Array2::from_shape_fn((4, 7), |(i, j)| (i * 7 + j) as f32 - 14.0);
        let got = relu_backward(z.view(), dh.view());
        let want = Array2::from_shape_fn((4, 7), |ij| if z[ij] > 0.0 { dh[ij] } else { 0.0 });
        assert_close(&got, &want, 0.0);
    }
}

mod linear_backward {
    use super::*;
    use mlp::linear_backward;

    #[test]
    fn gives_dw_db_and_dx_for_a_small_layer() {
        // x: [2, 3], w: [3, 2], dy: [2, 2]
        let x = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let w = array![[1.0, -1.0], [0.5, 0.0], [-2.0, 1.0]];
        let dy = array![[1.0, 0.0], [-1.0, 2.0]];
        let g = linear_backward(x.view(), w.view(), dy.view(), true);
        // dw = xᵀ·dy, db = column sums of dy, dx = dy·wᵀ, worked out by hand.
        assert_close(
            &g.dw,
            &array![[-3.0, 8.0], [-3.0, 10.0], [-3.0, 12.0]],
            1e-6,
        );
        assert_close(&g.db, &array![0.0, 2.0], 1e-6);
        let dx = g.dx.expect("dx was asked for");
        assert_close(&dx, &array![[1.0, 0.5, -2.0], [-3.0, -0.5, 4.0]], 1e-6);
    }

    #[test]
    fn leaves_out_dx_when_not_asked_for() {
        let x = array![[1.0, 2.0]];
        let w = array![[1.0], [1.0]];
        let g = linear_backward(x.view(), w.view(), array![[3.0]].view(), false);
        assert!(g.dx.is_none());
        assert_close(&g.dw, &array![[3.0], [6.0]], 1e-6);
        assert_close(&g.db, &array![3.0], 1e-6);
    }

    #[test]
    fn matches_central_differences_of_a_weighted_sum_of_the_outputs() {
        // L = Σ dy ⊙ (x·w + b) has ∂L/∂y = dy exactly, so its derivatives are the layer's.
        let x = array![
            [0.5, -1.0, 2.0],
            [1.5, 0.0, -0.5],
            [-1.0, 1.0, 1.0],
            [0.2, 0.3, 0.4]
        ];
        let w = array![[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]];
        let b = array![0.05, -0.05];
        let dy = array![[1.0, -2.0], [0.5, 0.5], [-1.0, 3.0], [2.0, 0.0]];
        let loss = |x: &Array2<f32>, w: &Array2<f32>, b: &ndarray::Array1<f32>| {
            ((x.dot(w) + b) * &dy).sum()
        };
        let g = linear_backward(x.view(), w.view(), dy.view(), true);
        let h = 1e-2;
        let mut dw = Array2::zeros(w.raw_dim());
        for idx in ndarray::indices(w.raw_dim()) {
            let (mut up, mut down) = (w.clone(), w.clone());
            up[idx] += h;
            down[idx] -= h;
            dw[idx] = (loss(&x, &up, &b) - loss(&x, &down, &b)) / (2.0 * h);
        }
        let mut dx = Array2::zeros(x.raw_dim());
        for idx in ndarray::indices(x.raw_dim()) {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[idx] += h;
            down[idx] -= h;
            dx[idx] = (loss(&up, &w, &b) - loss(&down, &w, &b)) / (2.0 * h);
        }
        let db = ndarray::Array1::from_shape_fn(b.len(), |j| {
            let (mut up, mut down) = (b.clone(), b.clone());
            up[j] += h;
            down[j] -= h;
            (loss(&x, &w, &up) - loss(&x, &w, &down)) / (2.0 * h)
        });
        assert_close(&g.dw, &dw, 1e-3);
        assert_close(&g.db, &db, 1e-3);
        assert_close(&g.dx.expect("dx was asked for"), &dx, 1e-3);
    }
}

mod momentum_step {
    use super::*;
    use mlp::momentum_step;

    #[test]
    fn from_rest_the_first_step_is_plain_gradient_descent() {
        let mut w = array![[1.0, 2.0], [3.0, 4.0]];
        let mut v = Array2::zeros((2, 2));
        let g = array![[0.5, -0.5], [1.0, 0.0]];
        momentum_step(w.view_mut(), v.view_mut(), g.view(), 0.1, 0.9);
        assert_close(&v, &g, 1e-7);
        assert_close(&w, &array![[0.95, 2.05], [2.9, 4.0]], 1e-6);
    }

    #[test]
    fn the_velocity_remembers_earlier_gradients() {
        let mut p = array![0.0f32];
        let mut v = array![0.0f32];
        let g = array![1.0f32];
        // v: 1, then 0.9·1 + 1 = 1.9, then 0.9·1.9 + 1 = 2.71; p falls by lr times each.
        let mut expected_p = 0.0;
        for expected_v in [1.0, 1.9, 2.71] {
            momentum_step(p.view_mut(), v.view_mut(), g.view(), 0.5, 0.9);
            expected_p -= 0.5 * expected_v;
            assert!((v[0] - expected_v).abs() < 1e-6, "v = {}", v[0]);
            assert!((p[0] - expected_p).abs() < 1e-6, "p = {}", p[0]);
        }
    }

    #[test]
    fn with_zero_momentum_it_forgets_the_velocity() {
        let mut p = array![1.0f32, -1.0];
        let mut v = array![100.0f32, 100.0];
        momentum_step(
            p.view_mut(),
            v.view_mut(),
            array![2.0f32, -4.0].view(),
            0.25,
            0.0,
        );
        assert_close(&v, &array![2.0, -4.0], 1e-7);
        assert_close(&p, &array![0.5, 0.0], 1e-7);
    }
}
