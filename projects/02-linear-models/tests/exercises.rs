//! The tests of chapter 2's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).
//!
//! Each gradient is compared with central finite differences of the loss, which the crate
//! provides (`mse_loss`, `logistic_loss`, `softmax_cross_entropy`), at small random inputs.

use linear_models::{gradient_error, numeric_gradient, Gradients, Linear};
use ndarray::{array, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Numbers drawn uniformly from [-1, 1] in the given shape, from a seeded stream.
fn random(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0..1.0))
}

fn random_model(inputs: usize, outputs: usize, rng: &mut ChaCha8Rng) -> Linear {
    Linear {
        w: random(inputs, outputs, rng),
        b: random(1, outputs, rng).row(0).to_owned(),
    }
}

/// Central differences in f32 with h = 1e-2: for these smooth losses of inputs in [-1, 1]
/// the truncation error (h²) and the rounding error (1e-7 / h) are both far below the
/// tolerance.
const H: f32 = 1e-2;
const TOLERANCE: f32 = 1e-3;

fn assert_close(analytic: &Gradients, numeric: &Gradients) {
    let error = gradient_error(analytic, numeric);
    println!("largest relative difference {error:.2e}");
    assert!(
        error < TOLERANCE,
        "hand-written {analytic:?}\nfinite differences {numeric:?}\ndiffer by {error}"
    );
}

mod mse_gradient {
    use super::*;
    use linear_models::{mse_gradient, mse_loss};

    #[test]
    fn one_example_by_hand() {
        // ŷ = 2·1 + 1·3 + 0.5 = 5.5 against y = 4.5: error 1, so ∂L/∂ŷ = 2·1/1 = 2,
        // ∂L/∂w = x·2 = (2, 6) and ∂L/∂b = 2.
        let model = Linear {
            w: array![[2.0], [1.0]],
            b: array![0.5],
        };
        let g = mse_gradient(&model, array![[1.0, 3.0]].view(), array![[4.5]].view());
        assert_eq!(g.dw, array![[2.0], [6.0]]);
        assert_eq!(g.db, array![2.0]);
    }

    #[test]
    fn matches_finite_differences_with_several_outputs() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (x, y) = (random(7, 4, &mut rng), random(7, 3, &mut rng));
        let model = random_model(4, 3, &mut rng);
        let numeric = numeric_gradient(|m| mse_loss(m, x.view(), y.view()), &model, H);
        assert_close(&mse_gradient(&model, x.view(), y.view()), &numeric);
    }

    #[test]
    fn is_zero_when_every_prediction_is_right() {
        let model = Linear {
            w: array![[1.0], [-2.0]],
            b: array![3.0],
        };
        let x = array![[1.0, 1.0], [0.0, 2.0], [4.0, -1.0]];
        let y = model.forward(x.view());
        let g = mse_gradient(&model, x.view(), y.view());
        assert!(g.dw.iter().chain(&g.db).all(|&v| v == 0.0), "{g:?}");
    }
}

mod solve_normal_equations {
    use linear_models::solve_normal_equations;
    use ndarray::{array, Array2};

    #[test]
    fn solves_a_small_positive_definite_system() {
        // A = L·Lᵀ with L = [[2, 0, 0], [1, 3, 0], [-1, 2, 1]], and v = (1, -2, 3).
        let l = array![[2.0, 0.0, 0.0], [1.0, 3.0, 0.0], [-1.0, 2.0, 1.0]];
        let a: Array2<f64> = l.dot(&l.t());
        let v = array![1.0, -2.0, 3.0];
        let c = a.dot(&v);
        let solved = solve_normal_equations(a.view(), c.view()).expect("A is positive definite");
        println!("{solved}");
        assert!((&solved - &v).iter().all(|d| d.abs() < 1e-12), "{solved}");
    }

    #[test]
    fn a_one_by_one_system_is_a_division() {
        let v = solve_normal_equations(array![[4.0]].view(), array![10.0].view()).unwrap();
        assert_eq!(v, array![2.5]);
    }

    #[test]
    fn matches_the_least_squares_fit_of_a_noisy_line() {
        // Points near y = 3x − 1: the normal equations of (x, 1) are
        // [[Σx², Σx], [Σx, n]]·(w, b) = (Σxy, Σy).
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
        let ys = [-0.9, 2.1, 4.9, 8.2, 10.9];
        let (sx, sxx) = (
            xs.iter().sum::<f64>(),
            xs.iter().map(|x| x * x).sum::<f64>(),
        );
        let (sy, sxy) = (
            ys.iter().sum::<f64>(),
            xs.iter().zip(&ys).map(|(x, y)| x * y).sum::<f64>(),
        );
        let a = array![[sxx, sx], [sx, 5.0]];
        let v = solve_normal_equations(a.view(), array![sxy, sy].view()).unwrap();
        // The textbook formula for a line: w = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²).
        let w = (5.0 * sxy - sx * sy) / (5.0 * sxx - sx * sx);
        let b = (sy - w * sx) / 5.0;
        assert!((v[0] - w).abs() < 1e-12 && (v[1] - b).abs() < 1e-12, "{v}");
    }

    #[test]
    fn a_matrix_that_is_not_positive_definite_has_no_answer() {
        // Singular: the second column copies the first.
        let singular = array![[1.0, 1.0], [1.0, 1.0]];
        assert_eq!(
            solve_normal_equations(singular.view(), array![1.0, 1.0].view()),
            None
        );
        // Indefinite: eigenvalues 3 and -1.
        let indefinite = array![[1.0, 2.0], [2.0, 1.0]];
        assert_eq!(
            solve_normal_equations(indefinite.view(), array![1.0, 0.0].view()),
            None
        );
    }
}

mod logistic_gradient {
    use super::*;
    use linear_models::{logistic_gradient, logistic_loss};

    #[test]
    fn zero_weights_pull_towards_the_labels() {
        // p = 0.5 everywhere: ∂L/∂z = (0.5 − y)/n = (-0.25, 0.25) for labels (1, 0).
        let model = Linear::zeros(2, 1);
        let x = array![[2.0, 0.0], [0.0, 4.0]];
        let g = logistic_gradient(&model, x.view(), &[1, 0]);
        assert_eq!(g.dw, array![[-0.5], [1.0]]);
        assert_eq!(g.db, array![0.0]);
    }

    #[test]
    fn matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let x = random(9, 5, &mut rng);
        let labels: Vec<usize> = (0..9).map(|_| rng.random_range(0..2)).collect();
        let model = random_model(5, 1, &mut rng);
        let numeric = numeric_gradient(|m| logistic_loss(m, x.view(), &labels), &model, H);
        assert_close(&logistic_gradient(&model, x.view(), &labels), &numeric);
    }

    #[test]
    fn stays_finite_for_huge_scores() {
        // Scores of ±1000: σ must not overflow. A confident right answer has ~0 gradient,
        // a confident wrong one has ∂L/∂z = ±1/n.
        let model = Linear {
            w: array![[1000.0]],
            b: array![0.0],
        };
        let x = array![[1.0], [-1.0]];
        let g = logistic_gradient(&model, x.view(), &[1, 1]);
        assert!(g.dw.iter().chain(&g.db).all(|v| v.is_finite()), "{g:?}");
        // Row 1 (z = 1000, y = 1): 0. Row 2 (z = -1000, y = 1): (0 − 1)/2 = -0.5.
        assert!((g.db[0] + 0.5).abs() < 1e-6, "{g:?}");
        assert!((g.dw[[0, 0]] - 0.5).abs() < 1e-6, "{g:?}");
    }
}

mod softmax_cross_entropy_gradient {
    use super::*;
    use linear_models::{softmax_cross_entropy, softmax_cross_entropy_gradient};

    #[test]
    fn zero_weights_give_one_over_classes_minus_the_one_hot() {
        // Four classes, p = 0.25 each; one example of class 2 with x = (2):
        // ∂L/∂z = (0.25, 0.25, -0.75, 0.25), ∂L/∂w = 2·∂L/∂z.
        let model = Linear::zeros(1, 4);
        let g = softmax_cross_entropy_gradient(&model, array![[2.0]].view(), &[2]);
        assert_eq!(g.db, array![0.25, 0.25, -0.75, 0.25]);
        assert_eq!(g.dw, array![[0.5, 0.5, -1.5, 0.5]]);
    }

    #[test]
    fn matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let x = random(8, 6, &mut rng);
        let labels: Vec<usize> = (0..8).map(|_| rng.random_range(0..4)).collect();
        let model = random_model(6, 4, &mut rng);
        let numeric = numeric_gradient(|m| softmax_cross_entropy(m, x.view(), &labels), &model, H);
        assert_close(
            &softmax_cross_entropy_gradient(&model, x.view(), &labels),
            &numeric,
        );
    }

    #[test]
    fn each_row_of_the_bias_gradient_sums_to_zero() {
        // Σ_k (p_k − onehot_k) = 1 − 1 = 0 for every example, so db sums to 0, and it
        // stays finite for scores far beyond exp's range.
        let model = Linear {
            w: array![[500.0, -500.0, 0.0]],
            b: array![0.0, 0.0, 0.0],
        };
        let x = array![[1.0], [-2.0], [0.5]];
        let g = softmax_cross_entropy_gradient(&model, x.view(), &[0, 2, 1]);
        assert!(g.dw.iter().chain(&g.db).all(|v| v.is_finite()), "{g:?}");
        assert!(g.db.sum().abs() < 1e-6, "{g:?}");
    }
}
