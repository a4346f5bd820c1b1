//! The tests of chapter 2's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).
//!
//! Each gradient is compared with central finite differences of the loss, which the crate
//! provides (`mse_loss`, `logistic_loss`, `softmax_cross_entropy`), at small random inputs;
//! a failure names the entry that differs most and what the ratio between the two suggests.
//! Each model then trains on real data through your gradient, and its loss must fall.

use linear_models::{gradient_error, numeric_gradient, Gradients, Linear};
use ndarray::{array, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

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

/// Asserts that the gradient `got` has the shapes of `model`'s parameters: `dw` like `w`,
/// `db` like `b`.
#[track_caller]
fn assert_shapes(what: &str, got: &Gradients, model: &Linear) {
    assert_eq!(
        got.dw.shape(),
        model.w.shape(),
        "{what}: dw must have the shape of w, [inputs, outputs]; got {:?}. dw = xᵀ·dz, \
         [inputs, n]·[n, outputs]",
        got.dw.shape()
    );
    assert_eq!(
        got.db.shape(),
        model.b.shape(),
        "{what}: db must have the shape of b, [outputs]; got {:?}. db sums dz over its rows \
         (axis 0), one sum per output",
        got.db.shape()
    );
}

/// Asserts that a hand-written gradient matches finite differences of its loss. On failure,
/// names the entry that differs most and reads the ratio of the two values: -1 is a flipped
/// sign, 2 or ½ a factor 2, another whole number a mean taken over the wrong count.
#[track_caller]
fn assert_matches_finite_differences(
    what: &str,
    model: &Linear,
    analytic: &Gradients,
    numeric: &Gradients,
) {
    assert_shapes(what, analytic, model);
    let error = gradient_error(analytic, numeric);
    println!("{what}: largest relative difference {error:.2e}");
    if error < TOLERANCE {
        return;
    }
    let entries = analytic
        .dw
        .indexed_iter()
        .map(|((i, j), &a)| (format!("dw[{i}, {j}]"), a, numeric.dw[[i, j]]))
        .chain(
            analytic
                .db
                .indexed_iter()
                .map(|(j, &a)| (format!("db[{j}]"), a, numeric.db[j])),
        );
    let (entry, a, n) = entries
        .max_by(|x, y| (x.1 - x.2).abs().total_cmp(&(y.1 - y.2).abs()))
        .expect("a gradient has entries");
    let ratio = a / n;
    let reading = if (ratio + 1.0).abs() < 0.05 {
        " Yours is the negative of the true slope: a sign is flipped (prediction − target, \
         not target − prediction), and descent would climb the loss."
            .to_owned()
    } else if (ratio - 0.5).abs() < 0.03 || (ratio - 2.0).abs() < 0.1 {
        format!(" Yours is {ratio:.2} times the true slope: a factor 2 is missing or extra.")
    } else if ratio > 1.0 && (ratio - ratio.round()).abs() < 0.05 {
        format!(
            " Yours is {:.0} times the true slope: the loss is a mean, so check what you \
             divide by.",
            ratio.round()
        )
    } else if ratio > 0.0 && ratio < 1.0 && (1.0 / ratio - (1.0 / ratio).round()).abs() < 0.05 {
        format!(
            " Yours is 1/{:.0} of the true slope: the loss is a mean, so check what you \
             divide by.",
            (1.0 / ratio).round()
        )
    } else {
        String::new()
    };
    panic!(
        "{what}: {entry} = {a:.5}, but central differences of the loss give {n:.5} (largest \
         relative difference {error:.1e}, allowed {TOLERANCE:.0e}).{reading}\n\
         yours: dw = {}, db = {}\nfinite differences: dw = {}, db = {}",
        analytic.dw, analytic.db, numeric.dw, numeric.db
    );
}

/// Asserts that `got` equals `want` entry for entry, showing both as arrays.
#[track_caller]
fn assert_array<D: ndarray::Dimension>(
    got: &ndarray::Array<f32, D>,
    want: &ndarray::Array<f32, D>,
    message: &str,
) {
    assert!(got == want, "{message}; got {got}, want {want}");
}

/// The result of a descent that must not diverge: a right gradient at the project's own
/// learning rate never does on these data. (The run's own message would suggest a lower
/// learning rate; here the learning rate is known to be fine, so the gradient is not.)
#[track_caller]
fn descended<T>(result: anyhow::Result<T>, what: &str) -> T {
    result.unwrap_or_else(|error| {
        // The run's message goes on to advise a lower learning rate: keep only what happened.
        let error = error.to_string();
        let happened = error.split(". ").next().unwrap_or(&error);
        panic!(
            "{what} diverged ({happened}). The learning rate is the project's own, at which a \
             right gradient never diverges on these data; a gradient that points uphill (a \
             flipped sign) or is many times too large makes the loss grow at every step until \
             it overflows. The finite-difference test of this exercise names the entry that \
             is wrong"
        )
    })
}

/// The workspace's `data/` folder, where the committed datasets are.
fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// All 442 rows of the diabetes table: ten standardised measurements `x: [442, 10]` and the
/// disease progression a year later, `y: [442, 1]`, in its own units (25 to 346).
fn diabetes() -> (Array2<f32>, Array2<f32>) {
    let path = data_dir().join("csv/diabetes.csv");
    let features = data::csv::columns(&path, "progression").expect("data/csv/diabetes.csv");
    let table = data::csv::load_regression(&path, &features, "progression").unwrap();
    let x = data::split::Standardizer::fit(&table.x).transform(&table.x);
    (x, table.y.insert_axis(ndarray::Axis(1)))
}

/// A progress display that draws nothing, for descent inside a test.
fn quiet() -> run::Progress {
    run::Progress::new("test", 0, false)
}

/// Full-batch gradient descent on `diabetes()` through your `mse_gradient`, from zero weights
/// at the project's learning rate, 0.2: the training MSE before the first step and after the
/// last.
fn descend_on_diabetes(x: &Array2<f32>, y: &Array2<f32>, steps: usize) -> (f64, f64) {
    use linear_models::{gradient_descent, mse_gradient, mse_loss, DescentConfig};
    let descent = gradient_descent(
        Linear::zeros(x.ncols(), 1),
        DescentConfig { steps, lr: 0.2 },
        |m| mse_loss(m, x.view(), y.view()),
        |m| mse_gradient(m, x.view(), y.view()),
        "regression",
        &mut quiet(),
        x.nrows(),
    );
    let descent = descended(descent, "gradient descent on your mse_gradient (lr 0.2)");
    (descent.losses[0], *descent.losses.last().unwrap())
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
        assert_shapes("mse_gradient of one example", &g, &model);
        assert_array(
            &g.db,
            &array![2.0],
            "mse_gradient: for x = (1, 3), w = (2, 1), b = 0.5 the prediction is 5.5 against \
             y = 4.5, so ∂L/∂ŷ = 2·(5.5 − 4.5)/1 = 2 and db[0] = 2. (-2 is a flipped sign; \
             1 a missing factor 2)",
        );
        assert_array(
            &g.dw,
            &array![[2.0], [6.0]],
            "mse_gradient: with ∂L/∂ŷ = 2, dw = xᵀ·2 = (1·2, 3·2): dw[0, 0] = 2 and \
             dw[1, 0] = 6",
        );
    }

    #[test]
    fn matches_finite_differences_with_several_outputs() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (x, y) = (random(7, 4, &mut rng), random(7, 3, &mut rng));
        let model = random_model(4, 3, &mut rng);
        let numeric = numeric_gradient(|m| mse_loss(m, x.view(), y.view()), &model, H);
        assert_matches_finite_differences(
            "mse_gradient at a random model, x [7, 4], y [7, 3] (the mean is over all 21 \
             entries)",
            &model,
            &mse_gradient(&model, x.view(), y.view()),
            &numeric,
        );
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
        assert!(
            g.dw.iter().chain(&g.db).all(|&v| v == 0.0),
            "mse_gradient: the targets are the model's own predictions, so every error ŷ − y \
             is 0, the loss is at its minimum and every entry of the gradient must be 0; got \
             {g:?}"
        );
    }

    #[test]
    fn gradient_descent_on_your_gradient_fits_the_diabetes_data() {
        let (x, y) = diabetes();
        let mean = y.mean().unwrap_or(0.0);
        let variance = f64::from(y.mapv(|t| (t - mean).powi(2)).mean().unwrap_or(0.0));
        let (first, last) = descend_on_diabetes(&x, &y, 300);
        println!("training MSE {first:.0} -> {last:.0} (predicting the mean: {variance:.0})");
        // Measured with the reference: 29074 -> 2863, against 5930 for the mean.
        assert!(
            last < 0.6 * variance,
            "gradient descent on your mse_gradient (300 steps of lr 0.2 from zero weights, all \
             442 diabetes rows) must take the training MSE from {first:.0} (zero weights \
             predict 0 for everyone) to below 0.6 × {variance:.0} = {:.0}, where predicting \
             the mean progression for everyone scores {variance:.0}; it reached {last:.0}. A \
             loss that rises means the gradient points uphill",
            0.6 * variance
        );
    }
}

mod solve_normal_equations {
    use super::*;
    use linear_models::{least_squares, mse_loss, solve_normal_equations};
    use ndarray::Array1;

    /// A solver's answer for a message: `Some([..])` or `None`.
    fn shown(answer: &Option<Array1<f64>>) -> String {
        answer
            .as_ref()
            .map_or("None".to_owned(), |v| format!("Some({v})"))
    }

    #[test]
    fn solves_a_small_positive_definite_system() {
        // A = L·Lᵀ with L = [[2, 0, 0], [1, 3, 0], [-1, 2, 1]], and v = (1, -2, 3).
        let l = array![[2.0, 0.0, 0.0], [1.0, 3.0, 0.0], [-1.0, 2.0, 1.0]];
        let a: Array2<f64> = l.dot(&l.t());
        let v = array![1.0, -2.0, 3.0];
        let c = a.dot(&v);
        let solved = solve_normal_equations(a.view(), c.view()).expect(
            "solve_normal_equations: A = L·Lᵀ with L's diagonal (2, 3, 1) is positive \
             definite, so the answer must be Some(v), not None",
        );
        for i in 0..3 {
            assert!(
                (solved[i] - v[i]).abs() < 1e-12,
                "solve_normal_equations: A·v = c with A = L·Lᵀ, L = [[2, 0, 0], [1, 3, 0], \
                 [-1, 2, 1]], has the answer v = (1, -2, 3), so v[{i}] = {}; got {solved}. Check \
                 L first: your factor should equal this L",
                v[i]
            );
        }
    }

    #[test]
    fn a_one_by_one_system_is_a_division() {
        let v = solve_normal_equations(array![[4.0]].view(), array![10.0].view());
        assert!(
            v.as_ref().is_some_and(|v| v.len() == 1 && v[0] == 2.5),
            "solve_normal_equations: 4·v = 10 gives v = [2.5] (L = [[2]], then 2·u = 10 gives \
             u = 5, then 2·v = 5); got {}",
            shown(&v)
        );
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
        let v = solve_normal_equations(a.view(), array![sxy, sy].view())
            .expect("solve_normal_equations: [[30, 10], [10, 5]] is positive definite");
        // The textbook formula for a line: w = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²).
        let w = (5.0 * sxy - sx * sy) / (5.0 * sxx - sx * sx);
        let b = (sy - w * sx) / 5.0;
        assert!(
            (v[0] - w).abs() < 1e-12 && (v[1] - b).abs() < 1e-12,
            "solve_normal_equations: the least-squares line through (0, -0.9), (1, 2.1), \
             (2, 4.9), (3, 8.2), (4, 10.9) has slope {w:.4} and intercept {b:.4} by the \
             textbook formula; got slope {:.4}, intercept {:.4}",
            v[0],
            v[1]
        );
    }

    #[test]
    fn a_matrix_that_is_not_positive_definite_has_no_answer() {
        // Singular: the second column copies the first.
        let singular = array![[1.0, 1.0], [1.0, 1.0]];
        let answer = solve_normal_equations(singular.view(), array![1.0, 1.0].view());
        assert!(
            answer.is_none(),
            "solve_normal_equations: [[1, 1], [1, 1]] is singular (its second pivot is \
             1 − 1² = 0), so the answer must be None; got {}",
            shown(&answer)
        );
        // Indefinite: eigenvalues 3 and -1.
        let indefinite = array![[1.0, 2.0], [2.0, 1.0]];
        let answer = solve_normal_equations(indefinite.view(), array![1.0, 0.0].view());
        assert!(
            answer.is_none(),
            "solve_normal_equations: [[1, 2], [2, 1]] has a negative eigenvalue (its second \
             pivot is 1 − 2² = -3, whose square root is NaN), so the answer must be None; got {}",
            shown(&answer)
        );
    }

    #[test]
    fn gradient_descent_on_your_gradient_reaches_your_closed_form() {
        // The chapter's regression: two roads to the bottom of the same bowl.
        let (x, y) = diabetes();
        let closed_form = least_squares(x.view(), y.view())
            .expect("the diabetes measurements are not collinear: XᵀX is positive definite");
        let best = mse_loss(&closed_form, x.view(), y.view());
        let (first, last) = descend_on_diabetes(&x, &y, 5_000);
        println!("training MSE {first:.1} -> {last:.3}, closed form {best:.3}");
        // Measured with the reference: 29074.5 -> 2859.696, the closed form's to 7 digits.
        assert!(
            best <= last * (1.0 + 1e-6),
            "your closed form (least_squares, through your solve_normal_equations) has a \
             training MSE of {best:.3}, above the {last:.3} that 5000 steps of gradient \
             descent reached: the exact minimum can be beaten by no one"
        );
        assert!(
            last - best < 1e-3 * best,
            "5000 steps of gradient descent on your mse_gradient took the training MSE from \
             {first:.1} to {last:.3}; they should reach the exact minimum, your closed form's \
             {best:.3}, to within 0.1%"
        );
    }
}

mod logistic_gradient {
    use super::*;
    use linear_models::{gradient_descent, logistic_gradient, logistic_loss, DescentConfig};

    #[test]
    fn zero_weights_pull_towards_the_labels() {
        // p = 0.5 everywhere: ∂L/∂z = (0.5 − y)/n = (-0.25, 0.25) for labels (1, 0).
        let model = Linear::zeros(2, 1);
        let x = array![[2.0, 0.0], [0.0, 4.0]];
        let g = logistic_gradient(&model, x.view(), &[1, 0]);
        assert_shapes("logistic_gradient of two examples", &g, &model);
        assert_array(
            &g.dw,
            &array![[-0.5], [1.0]],
            "logistic_gradient: zero weights give p = σ(0) = 0.5 for both rows, so \
             ∂L/∂z = (p − y)/n = (0.5 − 1)/2 = -0.25 for row 0 (class 1) and +0.25 for row 1 \
             (class 0); dw = xᵀ·∂L/∂z = (2·-0.25, 4·0.25) = (-0.5, 1.0)",
        );
        assert_array(
            &g.db,
            &array![0.0],
            "logistic_gradient: db is the sum of ∂L/∂z over the rows, -0.25 + 0.25 = 0",
        );
    }

    #[test]
    fn matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let x = random(9, 5, &mut rng);
        let labels: Vec<usize> = (0..9).map(|_| rng.random_range(0..2)).collect();
        let model = random_model(5, 1, &mut rng);
        let numeric = numeric_gradient(|m| logistic_loss(m, x.view(), &labels), &model, H);
        assert_matches_finite_differences(
            "logistic_gradient at a random model, x [9, 5], labels 0 or 1",
            &model,
            &logistic_gradient(&model, x.view(), &labels),
            &numeric,
        );
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
        assert!(
            g.dw.iter().chain(&g.db).all(|v| v.is_finite()),
            "logistic_gradient: scores of +1000 and -1000 must give a finite gradient; got \
             {g:?}. 1/(1 + e^1000) overflows e^1000 to infinity: use the crate's sigmoid"
        );
        assert!(
            (g.db[0] + 0.5).abs() < 1e-6,
            "logistic_gradient: row 0 (z = 1000, class 1) is confidently right, ∂L/∂z = \
             (1 − 1)/2 = 0; row 1 (z = -1000, class 1) is confidently wrong, ∂L/∂z = \
             (0 − 1)/2 = -0.5; so db = -0.5. Got {:?}",
            g.db
        );
        assert!(
            (g.dw[[0, 0]] - 0.5).abs() < 1e-6,
            "logistic_gradient: dw = xᵀ·∂L/∂z = 1·0 + (-1)·(-0.5) = 0.5; got {:?}",
            g.dw
        );
    }

    #[test]
    fn gradient_descent_on_your_gradient_tells_malignant_from_benign() {
        // All 569 tumours of the breast cancer table, 30 standardised measurements each.
        let path = data_dir().join("csv/breast_cancer.csv");
        let features = data::csv::columns(&path, "diagnosis").expect("breast_cancer.csv");
        let table = data::csv::load_classification(&path, &features, "diagnosis").unwrap();
        let malignant = table.classes.iter().position(|c| c == "malignant").unwrap();
        let labels: Vec<usize> = table
            .y
            .iter()
            .map(|&c| usize::from(c == malignant))
            .collect();
        let x = data::split::Standardizer::fit(&table.x).transform(&table.x);
        let descent = gradient_descent(
            Linear::zeros(x.ncols(), 1),
            DescentConfig {
                steps: 200,
                lr: 0.5,
            },
            |m| logistic_loss(m, x.view(), &labels),
            |m| logistic_gradient(m, x.view(), &labels),
            "logistic regression",
            &mut quiet(),
            x.nrows(),
        );
        let descent = descended(
            descent,
            "gradient descent on your logistic_gradient (lr 0.5)",
        );
        let (first, last) = (descent.losses[0], *descent.losses.last().unwrap());
        let right = linear_models::logistic::predict(&descent.model, x.view())
            .iter()
            .zip(&labels)
            .filter(|(p, y)| p == y)
            .count();
        println!("training loss {first:.4} -> {last:.4}, {right} of 569 right");
        // Measured with the reference: 0.6931 -> 0.0605, 562 of 569 right.
        assert!(
            last < 0.2 * first,
            "gradient descent on your logistic_gradient (200 steps of lr 0.5 from zero weights, \
             all 569 tumours) must cut the cross-entropy from {first:.4} (ln 2: zero weights \
             say p = 0.5 for every tumour) to below a fifth of it, {:.4}; it reached \
             {last:.4}. A loss that rises means the gradient points uphill",
            0.2 * first
        );
        assert!(
            right >= 540,
            "after training on your logistic_gradient the model calls only {right} of the 569 \
             tumours right; a working gradient gets at least 540 (95%) here"
        );
    }
}

mod softmax_cross_entropy_gradient {
    use super::*;
    use linear_models::softmax::{self, SgdConfig};
    use linear_models::{softmax_cross_entropy, softmax_cross_entropy_gradient};

    #[test]
    fn zero_weights_give_one_over_classes_minus_the_one_hot() {
        // Four classes, p = 0.25 each; one example of class 2 with x = (2):
        // ∂L/∂z = (0.25, 0.25, -0.75, 0.25), ∂L/∂w = 2·∂L/∂z.
        let model = Linear::zeros(1, 4);
        let g = softmax_cross_entropy_gradient(&model, array![[2.0]].view(), &[2]);
        assert_shapes("softmax_cross_entropy_gradient of one example", &g, &model);
        assert_array(
            &g.db,
            &array![0.25, 0.25, -0.75, 0.25],
            "softmax_cross_entropy_gradient: zero weights give p = 1/4 for each of 4 classes; \
             the example is of class 2, so ∂L/∂z = p − onehot(2) = (0.25, 0.25, 0.25 − 1, \
             0.25), and db (the sum over the one row) is that",
        );
        assert_array(
            &g.dw,
            &array![[0.5, 0.5, -1.5, 0.5]],
            "softmax_cross_entropy_gradient: dw = xᵀ·∂L/∂z with x = (2): twice db, \
             (0.5, 0.5, -1.5, 0.5)",
        );
    }

    #[test]
    fn matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let x = random(8, 6, &mut rng);
        let labels: Vec<usize> = (0..8).map(|_| rng.random_range(0..4)).collect();
        let model = random_model(6, 4, &mut rng);
        let numeric = numeric_gradient(|m| softmax_cross_entropy(m, x.view(), &labels), &model, H);
        assert_matches_finite_differences(
            "softmax_cross_entropy_gradient at a random model, x [8, 6], 4 classes",
            &model,
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
        assert!(
            g.dw.iter().chain(&g.db).all(|v| v.is_finite()),
            "softmax_cross_entropy_gradient: scores of ±1000 must give a finite gradient; got \
             {g:?}. e^1000 overflows: use the crate's softmax, which subtracts each row's \
             largest score first"
        );
        assert!(
            g.db.sum().abs() < 1e-6,
            "softmax_cross_entropy_gradient: each example's ∂L/∂z is p − onehot(y), whose \
             entries sum to 1 − 1 = 0, so db must sum to 0; got db = {} (sum {}). Subtract 1 \
             at the label's column only, once per row",
            g.db,
            g.db.sum()
        );
    }

    #[test]
    fn sgd_on_your_gradient_learns_mnist_digits() {
        // The chapter's softmax regression on the first 2000 training digits: 2 epochs of
        // 20 batches of 100.
        let mnist = data::mnist::load(&data_dir()).expect("the committed MNIST");
        let train = mnist.train.take(2000);
        let (x, labels) = (train.to_f32(), train.labels_usize()); // [2000, 784], [2000]
        let config = SgdConfig {
            epochs: 2,
            batch_size: 100,
            lr: 0.2,
        };
        let run = softmax::train(
            x.view(),
            &labels,
            x.view(),
            &labels,
            mnist.classes,
            config,
            &mut ChaCha8Rng::seed_from_u64(42),
            |label, total| run::Progress::new(label, total, false),
        );
        let run = descended(run, "SGD on your softmax_cross_entropy_gradient (lr 0.2)");
        let first = (mnist.classes as f64).ln(); // zero weights: p = 1/10 for every digit
        let last = softmax_cross_entropy(&run.model, x.view(), &labels);
        // (The "validation" set passed to train above is the same 2000 training digits.)
        let accuracy = run.epochs.last().map_or(0.0, |e| e.validation_accuracy);
        println!("training loss {first:.4} -> {last:.4}, accuracy {accuracy:.4}");
        // Measured with the reference: 2.3026 -> 0.6229, accuracy 0.861.
        assert!(
            last < 0.4 * first,
            "SGD on your softmax_cross_entropy_gradient (2 epochs, batches of 100, lr 0.2, \
             first 2000 MNIST digits) must cut the cross-entropy from {first:.4} (ln 10: zero \
             weights say p = 1/10 for every digit) to below 0.4 of it, {:.4}; it reached \
             {last:.4}. A loss that rises means the gradient points uphill",
            0.4 * first
        );
        assert!(
            accuracy > 0.8,
            "after training on your softmax_cross_entropy_gradient the model reads only \
             {:.1}% of its 2000 training digits right; a working gradient gets above 80%",
            100.0 * accuracy
        );
    }
}
