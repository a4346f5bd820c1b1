//! The tests of chapter 3's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).
//!
//! Each assertion says what it checked and what the right answer means; a failing
//! comparison names the first entry that is off. The last test of `momentum_step` trains
//! the chapter's network on MNIST digits with all four of your functions.

use ndarray::{array, Array, Array2, Dimension};

/// How a wrong value relates to the right one, when the ratio says something: a flipped
/// sign, or a whole factor (a batch size divided by once too often or not at all).
fn reading(got: f32, want: f32) -> String {
    if want == 0.0 || got == 0.0 {
        return String::new();
    }
    let ratio = got / want;
    if (ratio + 1.0).abs() < 1e-3 {
        " (the negative of the right value: a flipped sign)".to_owned()
    } else if ratio > 1.5 && (ratio - ratio.round()).abs() < 1e-3 {
        format!(
            " ({:.0} times the right value: a division missing?)",
            ratio.round()
        )
    } else if ratio < 0.67 && ratio > 0.0 && (1.0 / ratio - (1.0 / ratio).round()).abs() < 1e-3 {
        format!(
            " (1/{:.0} of the right value: divided once too often?)",
            (1.0 / ratio).round()
        )
    } else {
        String::new()
    }
}

/// Asserts two arrays agree elementwise to within `tol`. On failure, says `what` was
/// computed, names the first entry that is off, and prints both arrays.
#[track_caller]
fn assert_close<D: Dimension>(what: &str, got: &Array<f32, D>, want: &Array<f32, D>, tol: f32)
where
    D::Pattern: std::fmt::Debug,
{
    assert_eq!(
        got.shape(),
        want.shape(),
        "{what}: the shape should be {:?}, got {:?}",
        want.shape(),
        got.shape()
    );
    let first_off = got
        .indexed_iter()
        .zip(want.iter())
        .find(|((_, &g), &w)| (g - w).abs() > tol || g.is_nan());
    if let Some(((at, &g), &w)) = first_off {
        panic!(
            "{what}: entry {at:?} is {g}, but should be {w}{}\ngot\n{got}\nwant\n{want}",
            reading(g, w)
        );
    }
}

mod softmax_cross_entropy_gradient {
    use super::*;
    use mlp::{softmax_cross_entropy, softmax_cross_entropy_gradient};

    #[test]
    fn is_the_probabilities_minus_one_at_the_true_class_divided_by_the_batch() {
        let probs = array![[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]];
        let got = softmax_cross_entropy_gradient(probs.view(), &[0, 1]);
        let want = array![[-0.3, 0.2, 0.1], [0.1, -0.9, 0.8]] / 2.0;
        assert_close(
            "softmax_cross_entropy_gradient for probs [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]] and \
             labels [0, 1]: row 0 is (0.7 − 1, 0.2, 0.1)/2 (one subtracted at column 0, the \
             label; divided by the batch of 2), row 1 is (0.1, 0.1 − 1, 0.8)/2",
            &got,
            &want,
            1e-6,
        );
    }

    #[test]
    fn each_row_sums_to_zero_and_pushes_only_the_true_class_up() {
        let probs = array![[0.25, 0.25, 0.25, 0.25], [0.05, 0.05, 0.6, 0.3]];
        let labels = [3, 2];
        let got = softmax_cross_entropy_gradient(probs.view(), &labels);
        assert_eq!(
            got.shape(),
            probs.shape(),
            "softmax_cross_entropy_gradient: the gradient has the shape of probs, [B, C]"
        );
        for (i, (row, &label)) in got.rows().into_iter().zip(&labels).enumerate() {
            assert!(
                row.sum().abs() < 1e-6,
                "softmax_cross_entropy_gradient: row {i} is {row}, which sums to {}; p sums to \
                 1 and one-hot to 1, so (p − one-hot)/B must sum to 0. Subtract 1 at the \
                 label's column, once",
                row.sum()
            );
            for (j, &g) in row.iter().enumerate() {
                // Gradient descent moves against the gradient: the true class's logit rises.
                assert_eq!(
                    g < 0.0,
                    j == label,
                    "softmax_cross_entropy_gradient: row {i} (label {label}) is {row}; only \
                     column {label}, the true class, should be negative (descent raises its \
                     logit), and every other column positive, but column {j} is {g}"
                );
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
        assert_close(
            "softmax_cross_entropy_gradient against central differences (h = 0.01) of the \
             mean loss of a batch of 3 rows of logits",
            &got,
            &want,
            1e-4,
        );
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
        assert_close(
            "relu_backward for z = [[1.5, -2, 0.3], [-0.1, 4, -7]]: where z > 0 the unit is on \
             and dh passes unchanged (10, 30, 50); where z < 0 it is off and passes 0. (Test \
             the sign of z, not of dh, and don't multiply by z)",
            &got,
            &array![[10.0, 0.0, 30.0], [0.0, 50.0, 0.0]],
            0.0,
        );
    }

    #[test]
    fn at_exactly_zero_the_gradient_is_zero() {
        let got = relu_backward(array![[0.0, 0.0]].view(), array![[1.0, -3.0]].view());
        assert_close(
            "relu_backward at z = 0 exactly: the slope is taken as 0 there (only z > 0 passes \
             the gradient), so both entries are 0",
            &got,
            &array![[0.0, 0.0]],
            0.0,
        );
    }

    #[test]
    fn keeps_the_shape_and_the_sign_of_the_incoming_gradient() {
        let z = Array2::from_shape_fn((4, 7), |(i, j)| (i as f32 - 1.5) * (j as f32 + 1.0));
        let dh = Array2::from_shape_fn((4, 7), |(i, j)| (i * 7 + j) as f32 - 14.0);
        let got = relu_backward(z.view(), dh.view());
        let want = Array2::from_shape_fn((4, 7), |ij| if z[ij] > 0.0 { dh[ij] } else { 0.0 });
        assert_close(
            "relu_backward on a [4, 7] batch: rows 0 and 1 have z < 0 (all off, 0), rows 2 and \
             3 have z > 0 (all on, dh as it is, negative entries included)",
            &got,
            &want,
            0.0,
        );
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
            "linear_backward dw = xᵀ·dy, [3, 2]·... = [I, O] like w: dw[i, j] sums x[n, i]·dy[n, j] \
             over the 2 rows, e.g. dw[0, 1] = 1·0 + 4·2 = 8",
            &g.dw,
            &array![[-3.0, 8.0], [-3.0, 10.0], [-3.0, 12.0]],
            1e-6,
        );
        assert_close(
            "linear_backward db: dy summed down its rows (the batch), one sum per output: \
             (1 − 1, 0 + 2) = (0, 2)",
            &g.db,
            &array![0.0, 2.0],
            1e-6,
        );
        let dx = g
            .dx
            .expect("linear_backward: input_grad was true, so dx must be Some(dy·wᵀ), not None");
        assert_close(
            "linear_backward dx = dy·wᵀ, [B, I] like x: dx[n, i] sums dy[n, j]·w[i, j] over the \
             outputs, e.g. dx[0, 2] = 1·(-2) + 0·1 = -2",
            &dx,
            &array![[1.0, 0.5, -2.0], [-3.0, -0.5, 4.0]],
            1e-6,
        );
    }

    #[test]
    fn leaves_out_dx_when_not_asked_for() {
        let x = array![[1.0, 2.0]];
        let w = array![[1.0], [1.0]];
        let g = linear_backward(x.view(), w.view(), array![[3.0]].view(), false);
        assert!(
            g.dx.is_none(),
            "linear_backward: input_grad was false (the first layer's input is the data, which \
             learns nothing), so dx must be None and not computed"
        );
        assert_close(
            "linear_backward dw with one example x = (1, 2), dy = 3: xᵀ·dy = (3, 6)",
            &g.dw,
            &array![[3.0], [6.0]],
            1e-6,
        );
        assert_close(
            "linear_backward db with one example, dy = 3",
            &g.db,
            &array![3.0],
            1e-6,
        );
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
        let what = |name: &str| {
            format!(
                "linear_backward {name} against central differences of L = Σ dy ⊙ (x·w + b), \
                 x [4, 3], w [3, 2]"
            )
        };
        assert_close(&what("dw"), &g.dw, &dw, 1e-3);
        assert_close(&what("db"), &g.db, &db, 1e-3);
        let got_dx =
            g.dx.expect("linear_backward: input_grad was true, so dx must be Some");
        assert_close(&what("dx"), &got_dx, &dx, 1e-3);
    }
}

mod momentum_step {
    use super::*;
    use mlp::momentum_step;
    use mlp::train::{evaluate, train, Examples, Schedule, TrainConfig};
    use mlp::MlpConfig;

    #[test]
    fn from_rest_the_first_step_is_plain_gradient_descent() {
        let mut w = array![[1.0, 2.0], [3.0, 4.0]];
        let mut v = Array2::zeros((2, 2));
        let g = array![[0.5, -0.5], [1.0, 0.0]];
        momentum_step(w.view_mut(), v.view_mut(), g.view(), 0.1, 0.9);
        assert_close(
            "momentum_step from rest: the velocity becomes 0.9·0 + g = g",
            &v,
            &g,
            1e-7,
        );
        assert_close(
            "momentum_step from rest: the parameter moves against the new velocity, w − 0.1·g \
             (so w[0, 0] = 1 − 0.1·0.5 = 0.95); the velocity must be updated before it is used",
            &w,
            &array![[0.95, 2.05], [2.9, 4.0]],
            1e-6,
        );
    }

    #[test]
    fn the_velocity_remembers_earlier_gradients() {
        let mut p = array![0.0f32];
        let mut v = array![0.0f32];
        let g = array![1.0f32];
        // v: 1, then 0.9·1 + 1 = 1.9, then 0.9·1.9 + 1 = 2.71; p falls by lr times each.
        let mut expected_p = 0.0;
        for (step, expected_v) in [1.0, 1.9, 2.71].into_iter().enumerate() {
            momentum_step(p.view_mut(), v.view_mut(), g.view(), 0.5, 0.9);
            expected_p -= 0.5 * expected_v;
            assert!(
                (v[0] - expected_v).abs() < 1e-6,
                "momentum_step with the same gradient 1 at every step: after step {} the \
                 velocity should be 0.9·(the last velocity) + 1 = {expected_v}; got {}",
                step + 1,
                v[0]
            );
            assert!(
                (p[0] - expected_p).abs() < 1e-6,
                "momentum_step: after step {} the parameter should have fallen by lr = 0.5 \
                 times each velocity so far, to {expected_p}; got {}",
                step + 1,
                p[0]
            );
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
        assert_close(
            "momentum_step with momentum 0: the old velocity (100) counts 0 times, so the new \
             one is the gradient (2, -4)",
            &v,
            &array![2.0, -4.0],
            1e-7,
        );
        assert_close(
            "momentum_step with momentum 0 is plain gradient descent: p − 0.25·(2, -4) = \
             (0.5, 0)",
            &p,
            &array![0.5, 0.0],
            1e-7,
        );
    }

    #[test]
    fn training_on_your_code_learns_mnist_digits() {
        // The chapter's network, 784 -> 64 (ReLU) -> 10, on the first 1000 training digits:
        // 2 epochs of 20 batches of 50, through your four functions (train_step calls
        // softmax_cross_entropy_gradient; Mlp::backward calls linear_backward and
        // relu_backward; the optimiser calls momentum_step).
        let mnist = data::mnist::load(&data::workspace_data_dir()).expect("the committed MNIST");
        let digits = Examples::from_images(&mnist.train.take(1000));
        let config = MlpConfig {
            hidden: vec![64],
            ..MlpConfig::default()
        };
        let mut net = config.init(&mut run::Rngs::new(42).init);
        let before = evaluate(&net, &digits);
        let settings = TrainConfig {
            epochs: 2,
            batch_size: 50,
            lr: 0.1,
            momentum: 0.9,
            schedule: Schedule::Constant,
        };
        let trained = train(
            &mut net,
            &digits,
            &digits,
            &settings,
            &mut run::Rngs::new(42).shuffle,
            &|label, steps| run::Progress::new(label, steps, false),
            &mlp::checkpoint::Checkpoint::none(),
        );
        let after = match trained {
            Ok(training) => training.test,
            // The run's message goes on to advise a lower learning rate: keep what happened.
            Err(error) => panic!(
                "training on your functions diverged ({}). At the chapter's learning \
                 rate, 0.1, the reference never does here: a gradient with a flipped sign, or \
                 one not divided by the batch size, makes the loss explode. Run the other \
                 exercises' tests first",
                error.to_string().split(". ").next().unwrap_or_default()
            ),
        };
        println!(
            "training loss {:.4} -> {:.4}, accuracy {:.3} -> {:.3}",
            before.loss, after.loss, before.accuracy, after.accuracy
        );
        // Measured with the reference: loss 2.3386 -> 0.4120, accuracy 0.130 -> 0.867.
        assert!(
            after.loss < 0.4 * before.loss,
            "training a 784-64-10 network on your functions (40 steps of batch 50, lr 0.1, \
             momentum 0.9, the first 1000 MNIST digits) must cut the loss on those digits from \
             {:.4} (about ln 10 = 2.30: random weights, no better than a guess) to below 0.4 \
             of it, {:.4}; it reached {:.4}. If every exercise's own tests pass, look at how \
             the velocity is used: descent must move against it",
            before.loss,
            0.4 * before.loss,
            after.loss
        );
        assert!(
            after.accuracy > 0.8,
            "after training on your functions the network reads only {:.1}% of its 1000 \
             training digits right; working functions get above 80% here",
            100.0 * after.accuracy
        );
    }
}
