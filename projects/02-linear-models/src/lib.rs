//! # 02 · Linear models
//!
//! Three models that every later chapter builds on, each the same linear map with a
//! different loss: linear regression (mean squared error), logistic regression (binary
//! cross-entropy) and softmax regression (cross-entropy over classes).
//!
//! **The idea.** A model is a function with parameters; a loss says how wrong it is on the
//! training data; the gradient of the loss says which way to move each parameter to make it
//! less wrong; gradient descent takes small steps that way. Here the gradients are worked out
//! by hand, checked against finite differences ([`numeric_gradient`]), and written as a few
//! lines of array code. Chapter 4 builds the machine that does this automatically.
//!
//! **The key equation.** For scores `z = x·w + b` (`x: [n, inputs]`, `w: [inputs, outputs]`,
//! `b: [outputs]`, the layout of the whole workspace) and any loss `L` of the scores,
//! the chain rule gives `∂L/∂w = xᵀ·∂L/∂z` and `∂L/∂b = Σ_rows ∂L/∂z`. For all three losses
//! here `∂L/∂z` is (prediction − target) scaled by a constant, which is why the three
//! gradients look alike.
//!
//! **What is left out.** Regularisation, feature engineering, and optimisers cleverer than
//! plain gradient descent (chapter 6); hidden layers (chapter 3).
//!
//! The heart of each model, [`mse_gradient`], [`solve_normal_equations`],
//! [`logistic_gradient`] and [`softmax_cross_entropy_gradient`], is an exercise: by default
//! the crate is built with the reference solutions in `solutions/`; the `learner` feature
//! builds it with each file of yours in `exercises/` that you have written, and the reference
//! for the rest.

pub mod experiment;
pub mod figures;
pub mod logistic;
pub mod regression;
pub mod softmax;

use ndarray::{Array1, Array2, ArrayView2, Axis};

pub use logistic::{logistic_loss, sigmoid};
pub use regression::{least_squares, mse_loss};
pub use softmax::{softmax, softmax_cross_entropy};

// ANCHOR: linear
/// A linear map from `inputs` numbers to `outputs` scores: `z = x·w + b`, with
/// `w: [inputs, outputs]` and `b: [outputs]`, the weight layout of every chapter.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    pub w: Array2<f32>,
    pub b: Array1<f32>,
}

impl Linear {
    /// All-zero weights and biases. The three losses here are convex, so where descent
    /// starts changes how long it takes, never where it ends: zero is as good as any start.
    pub fn zeros(inputs: usize, outputs: usize) -> Self {
        Self {
            w: Array2::zeros((inputs, outputs)),
            b: Array1::zeros(outputs),
        }
    }

    /// The scores of a batch: `x: [n, inputs]` -> `[n, outputs]`.
    ///
    /// # Panics
    /// If `x` does not have `inputs` columns; that is a bug in the caller.
    #[track_caller]
    pub fn forward(&self, x: ArrayView2<f32>) -> Array2<f32> {
        assert_eq!(
            x.ncols(),
            self.w.nrows(),
            "x is {:?} but w is {:?}",
            x.shape(),
            self.w.shape()
        );
        // [n, inputs]·[inputs, outputs] -> [n, outputs]; b: [outputs] is added to every row.
        x.dot(&self.w) + &self.b
    }

    /// One step of gradient descent: `w ← w − η·∂L/∂w`, `b ← b − η·∂L/∂b`.
    pub fn step(&mut self, grads: &Gradients, lr: f32) {
        self.w.scaled_add(-lr, &grads.dw);
        self.b.scaled_add(-lr, &grads.db);
    }

    /// How many numbers the model learns: `inputs·outputs + outputs`.
    pub fn params(&self) -> usize {
        self.w.len() + self.b.len()
    }
}

/// The gradient of a loss with respect to a [`Linear`]'s parameters, shaped like them:
/// `dw: [inputs, outputs]` is ∂L/∂w and `db: [outputs]` is ∂L/∂b.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients {
    pub dw: Array2<f32>,
    pub db: Array1<f32>,
}
// ANCHOR_END: linear

impl Gradients {
    /// Stops a run whose gradient holds a NaN or an infinity, naming the parameter (`w` or
    /// `b`) and `at`, before the update spreads it into the model.
    ///
    /// # Errors
    /// If a value of `dw` or `db` is not a number.
    pub fn check(&self, at: &str) -> anyhow::Result<()> {
        run::check_gradient("w", &self.dw, at)?;
        run::check_gradient("b", &self.db, at)
    }
}

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(yours_logistic_gradient, path = "../exercises/logistic_gradient.rs")]
#[cfg_attr(
    not(yours_logistic_gradient),
    path = "../solutions/logistic_gradient.rs"
)]
mod logistic_gradient;
#[cfg_attr(yours_mse_gradient, path = "../exercises/mse_gradient.rs")]
#[cfg_attr(not(yours_mse_gradient), path = "../solutions/mse_gradient.rs")]
mod mse_gradient;
#[cfg_attr(
    yours_softmax_cross_entropy_gradient,
    path = "../exercises/softmax_cross_entropy_gradient.rs"
)]
#[cfg_attr(
    not(yours_softmax_cross_entropy_gradient),
    path = "../solutions/softmax_cross_entropy_gradient.rs"
)]
mod softmax_cross_entropy_gradient;
#[cfg_attr(
    yours_solve_normal_equations,
    path = "../exercises/solve_normal_equations.rs"
)]
#[cfg_attr(
    not(yours_solve_normal_equations),
    path = "../solutions/solve_normal_equations.rs"
)]
mod solve_normal_equations;

pub use logistic_gradient::logistic_gradient;
pub use mse_gradient::mse_gradient;
pub use softmax_cross_entropy_gradient::softmax_cross_entropy_gradient;
pub use solve_normal_equations::solve_normal_equations;

// ANCHOR: numeric_gradient
/// The gradient of `loss` at `model` by central differences, one parameter at a time:
/// `∂L/∂θ ≈ (L(θ + h) − L(θ − h)) / 2h`. Its error shrinks like `h²`, against `h` for the
/// one-sided difference. Two loss evaluations per parameter: fine for checking a
/// hand-written gradient on a small model, far too slow for training.
pub fn numeric_gradient(loss: impl Fn(&Linear) -> f64, model: &Linear, h: f32) -> Gradients {
    let mut nudged = model.clone();
    let slope = |up: f64, down: f64| ((up - down) / (2.0 * f64::from(h))) as f32;
    let mut dw = Array2::zeros(model.w.raw_dim());
    for (at, d) in dw.indexed_iter_mut() {
        nudged.w[at] = model.w[at] + h;
        let up = loss(&nudged);
        nudged.w[at] = model.w[at] - h;
        let down = loss(&nudged);
        nudged.w[at] = model.w[at];
        *d = slope(up, down);
    }
    let mut db = Array1::zeros(model.b.raw_dim());
    for (at, d) in db.indexed_iter_mut() {
        nudged.b[at] = model.b[at] + h;
        let up = loss(&nudged);
        nudged.b[at] = model.b[at] - h;
        let down = loss(&nudged);
        nudged.b[at] = model.b[at];
        *d = slope(up, down);
    }
    Gradients { dw, db }
}

/// The largest disagreement between two gradients, entry by entry, as
/// `|a − n| / max(1, |a| + |n|)`: relative for large entries, absolute for small ones, so
/// that a gradient near zero is not failed for a difference of rounding size.
///
/// # Panics
/// If the gradients have different shapes.
#[track_caller]
pub fn gradient_error(analytic: &Gradients, numeric: &Gradients) -> f32 {
    assert_eq!(analytic.dw.shape(), numeric.dw.shape(), "dw shapes differ");
    assert_eq!(analytic.db.shape(), numeric.db.shape(), "db shapes differ");
    let pairs = analytic
        .dw
        .iter()
        .zip(&numeric.dw)
        .chain(analytic.db.iter().zip(&numeric.db));
    pairs
        .map(|(&a, &n)| (a - n).abs() / (a.abs() + n.abs()).max(1.0))
        .fold(0.0, f32::max)
}
// ANCHOR_END: numeric_gradient

/// How full-batch gradient descent runs: `steps` steps of size `lr`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DescentConfig {
    pub steps: usize,
    pub lr: f32,
}

/// What [`gradient_descent`] did.
#[derive(Debug, Clone)]
pub struct Descent {
    /// The parameters after the last step.
    pub model: Linear,
    /// The training loss before each step, and after the last: `steps + 1` values.
    pub losses: Vec<f64>,
    /// Copies of the parameters at about [`SNAPSHOTS`] evenly spaced steps (and the first
    /// and last), with their step numbers, for curves measured afterwards (test loss,
    /// distance to the closed form).
    pub snapshots: Vec<(usize, Linear)>,
}

/// How many snapshots [`gradient_descent`] keeps: enough for a smooth curve.
pub const SNAPSHOTS: usize = 500;

// ANCHOR: gradient_descent
/// Full-batch gradient descent from `model`: at every step, measure `loss` on the whole
/// training set, stop if it is not finite, and step against `gradient`.
///
/// `loss` and `gradient` close over the training data, so the same loop trains all three
/// models. `what` names the run in a divergence message.
///
/// # Errors
/// If the loss becomes NaN or infinite: the learning rate is too large for this problem.
pub fn gradient_descent(
    mut model: Linear,
    config: DescentConfig,
    loss: impl Fn(&Linear) -> f64,
    gradient: impl Fn(&Linear) -> Gradients,
    what: &str,
    progress: &mut run::Progress,
    examples_per_step: usize,
) -> anyhow::Result<Descent> {
    let every = (config.steps / SNAPSHOTS).max(1);
    let mut losses = Vec::with_capacity(config.steps + 1);
    let mut snapshots = Vec::new();
    for step in 0..config.steps {
        let current = loss(&model);
        run::check_finite(current, &format!("{what} step {step}"))?;
        losses.push(current);
        if step % every == 0 {
            snapshots.push((step, model.clone()));
        }
        let grads = gradient(&model);
        grads.check(&format!("{what} step {step}"))?;
        model.step(&grads, config.lr);
        progress.advance(1, examples_per_step as u64, &[("loss", current)]);
    }
    let last = loss(&model);
    run::check_finite(last, &format!("{what} step {}", config.steps))?;
    losses.push(last);
    snapshots.push((config.steps, model.clone()));
    Ok(Descent {
        model,
        losses,
        snapshots,
    })
}
// ANCHOR_END: gradient_descent

/// The fraction of `predicted` classes that equal `labels`.
///
/// # Panics
/// If the two have different lengths.
#[track_caller]
pub fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    assert_eq!(predicted.len(), labels.len(), "one prediction per label");
    let right = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    right as f64 / labels.len().max(1) as f64
}

/// Counts of `[true class, predicted class]` pairs: `[classes, classes]`.
///
/// # Panics
/// If the two have different lengths or a class is `>= classes`.
#[track_caller]
pub fn confusion(predicted: &[usize], labels: &[usize], classes: usize) -> Array2<usize> {
    assert_eq!(predicted.len(), labels.len(), "one prediction per label");
    let mut counts = Array2::zeros((classes, classes));
    for (&p, &l) in predicted.iter().zip(labels) {
        counts[[l, p]] += 1;
    }
    counts
}

/// The class with the highest score in each row: `[n, classes]` -> `[n]`. Ties go to the
/// lower class.
pub fn argmax_rows(scores: ArrayView2<f32>) -> Vec<usize> {
    scores
        .axis_iter(Axis(0))
        .map(|row| {
            let mut best = 0;
            for (k, &s) in row.iter().enumerate() {
                if s > row[best] {
                    best = k;
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn numeric_gradient_of_a_quadratic_is_exact() {
        // L = Σ w² + 3·b, so ∂L/∂w = 2w and ∂L/∂b = 3.
        let model = Linear {
            w: array![[1.0, -2.0], [0.5, 3.0]],
            b: array![4.0, -1.0],
        };
        let loss = |m: &Linear| {
            m.w.iter().map(|&v| f64::from(v * v)).sum::<f64>()
                + 3.0 * m.b.iter().map(|&v| f64::from(v)).sum::<f64>()
        };
        let numeric = numeric_gradient(loss, &model, 1e-2);
        let exact = Gradients {
            dw: &model.w * 2.0,
            db: array![3.0, 3.0],
        };
        assert!(gradient_error(&exact, &numeric) < 1e-4);
    }

    #[test]
    fn confusion_counts_true_rows_and_predicted_columns() {
        let counts = confusion(&[0, 1, 1, 0], &[0, 1, 0, 0], 2);
        assert_eq!(counts, array![[2, 1], [0, 1]]);
        assert_eq!(accuracy(&[0, 1, 1, 0], &[0, 1, 0, 0]), 0.75);
        assert_eq!(argmax_rows(array![[0.1, 0.7], [2.0, 2.0]].view()), [1, 0]);
    }
}

#[cfg(test)]
mod gradient_check_tests {
    use super::*;

    #[test]
    fn a_gradient_that_is_not_a_number_is_an_error_naming_the_parameter() {
        let good = Gradients {
            dw: ndarray::Array2::zeros((2, 1)),
            db: ndarray::Array1::zeros(1),
        };
        assert!(good.check("step 1").is_ok());
        let bad = Gradients {
            db: ndarray::array![f32::INFINITY],
            ..good
        };
        let message = bad.check("logistic step 7").unwrap_err().to_string();
        assert!(
            message.contains("`b` holds inf at logistic step 7") && message.contains("--lr"),
            "{message}"
        );
    }
}
