//! The chapter's three experiments on real data: linear regression on the diabetes table,
//! logistic regression on the breast cancer table, softmax regression on MNIST.

use crate::logistic::{self, precision_recall};
use crate::regression::{self, r_squared, rmse};
use crate::softmax::{self, SgdConfig, SgdRun};
use crate::{
    accuracy, confusion, gradient_descent, least_squares, logistic_gradient, logistic_loss,
    mse_gradient, mse_loss, Descent, DescentConfig, Linear,
};
use anyhow::Context;
use data::split::{random_split, select_items, select_rows, stratified_split, Standardizer};
use ndarray::{Array1, Array2, Axis};
use rand::Rng;
use std::path::Path;
use std::time::Instant;

/// Linear regression's defaults: 0.2 is a little below the largest rate that converges
/// (0.24 still does, 0.25 diverges), and by about step 3300 the weights are as close to the
/// closed form as f32 allows.
pub const REGRESSION: DescentConfig = DescentConfig {
    steps: 5_000,
    lr: 0.2,
};
/// Logistic regression's defaults.
pub const LOGISTIC: DescentConfig = DescentConfig {
    steps: 2_000,
    lr: 0.5,
};
/// Softmax regression's defaults: chosen where the validation accuracy no longer climbs.
pub const SOFTMAX: SgdConfig = SgdConfig {
    epochs: 10,
    batch_size: 100,
    lr: 0.2,
};

/// The share of the training tumours (logistic regression) and of the MNIST training images
/// (softmax regression) held out as a *validation* set: the loss curves are drawn on it, and
/// any setting chosen by looking at results (a step count, an epoch count) is chosen on it.
/// The test rows are measured once, at the end. One sixth of MNIST's 60,000 is 10,000.
pub const LOGISTIC_VALIDATION_FRACTION: f64 = 0.2;
pub const MNIST_VALIDATION_FRACTION: f64 = 1.0 / 6.0;

/// Features and targets split into training and test rows, the features standardised with
/// the training rows' means and standard deviations.
#[derive(Debug, Clone)]
pub struct Split<Y> {
    pub x_train: Array2<f32>,
    pub y_train: Y,
    pub x_test: Array2<f32>,
    pub y_test: Y,
    pub feature_names: Vec<String>,
}

/// Linear regression, fitted both ways, and measured.
#[derive(Debug, Clone)]
pub struct RegressionResult {
    /// Targets as `[rows, 1]`.
    pub data: Split<Array2<f32>>,
    /// The exact least-squares weights, from the normal equations.
    pub closed_form: Linear,
    /// Batch gradient descent from zero weights.
    pub descent: Descent,
    /// The largest `|w_gd − w_closed|` over every weight and the bias.
    pub weight_gap: f32,
    pub test_r2: f64,
    pub test_rmse: f64,
    /// Gradient descent's test RMSE (equal to the closed form's when the weights agree).
    pub descent_test_rmse: f64,
    /// Predicting the training rows' mean progression for everyone.
    pub baseline_rmse: f64,
    pub baseline_r2: f64,
    /// The training MSE of the closed form: the lowest any weights can reach.
    pub best_train_mse: f64,
    /// `2 / λ_max`, with `λ_max` the largest curvature of the loss bowl: gradient descent
    /// converges for learning rates below this, and diverges above it.
    pub lr_limit: f64,
    /// The first recorded step at which the weights are within 1e-3 of the closed form's
    /// (`None` if they never get there).
    pub steps_to_gap_1e3: Option<usize>,
    /// The largest closed-form weight in size, and the spacing of `f32` values next to it.
    pub largest_weight: f32,
    pub f32_spacing_at_largest_weight: f32,
    pub seconds: f64,
}

// ANCHOR: run_regression
/// Predicts disease progression a year on from ten baseline measurements (`diabetes.csv`):
/// a seeded 80/20 split, features standardised on the training rows only, then the exact
/// least-squares fit and batch gradient descent from zero, compared weight by weight.
///
/// `progress` makes the display for the descent: `(label, total steps)`.
///
/// # Errors
/// If the file cannot be read, or gradient descent diverges (too large a learning rate).
pub fn run_regression(
    path: &Path,
    config: DescentConfig,
    test_fraction: f64,
    rng: &mut impl Rng,
    progress: impl Fn(&str, u64) -> run::Progress,
) -> anyhow::Result<RegressionResult> {
    let features = data::csv::columns(path, "progression")?;
    let table = data::csv::load_regression(path, &features, "progression")?;
    let (train_rows, test_rows) = random_split(table.y.len(), test_fraction, rng);
    let target = table.y.insert_axis(Axis(1)); // [rows] -> [rows, 1]
    let (data, _) = standardise(
        select_rows(&table.x, &train_rows),
        select_rows(&target, &train_rows),
        select_rows(&table.x, &test_rows),
        select_rows(&target, &test_rows),
        features,
    );
    let (x, y) = (data.x_train.view(), data.y_train.view());

    let started = Instant::now();
    let closed_form = least_squares(x, y).with_context(|| path.display().to_string())?;
    let mut bar = progress("regression", config.steps as u64);
    let descent = gradient_descent(
        Linear::zeros(x.ncols(), 1),
        config,
        |m| mse_loss(m, x, y),
        |m| mse_gradient(m, x, y),
        "regression",
        &mut bar,
        x.nrows(),
    )?;
    bar.finish();
    let seconds = started.elapsed().as_secs_f64();

    let weight_gap = (&descent.model.w - &closed_form.w)
        .iter()
        .chain((&descent.model.b - &closed_form.b).iter())
        .fold(0.0f32, |m, d| m.max(d.abs()));
    let close_enough = |m: &Linear| {
        (&m.w - &closed_form.w)
            .iter()
            .chain((&m.b - &closed_form.b).iter())
            .all(|d| d.abs() < 1e-3)
    };
    let steps_to_gap_1e3 = descent
        .snapshots
        .iter()
        .find(|(_, m)| close_enough(m))
        .map(|(step, _)| *step);
    let largest_weight = closed_form.w.iter().fold(0.0f32, |m, w| m.max(w.abs()));
    let f32_spacing_at_largest_weight =
        f32::from_bits(largest_weight.to_bits() + 1) - largest_weight;
    let truth = data.y_test.column(0);
    let predicted = regression::predict(&closed_form, data.x_test.view());
    // The baseline knows only the training targets: their mean, for every test row.
    let mean = Array1::from_elem(truth.len(), data.y_train.mean().unwrap_or(0.0));
    Ok(RegressionResult {
        test_r2: r_squared(predicted.view(), truth),
        test_rmse: rmse(predicted.view(), truth),
        descent_test_rmse: rmse(
            regression::predict(&descent.model, data.x_test.view()).view(),
            truth,
        ),
        baseline_rmse: rmse(mean.view(), truth),
        baseline_r2: r_squared(mean.view(), truth),
        best_train_mse: mse_loss(&closed_form, x, y),
        lr_limit: 2.0 / largest_curvature(x),
        steps_to_gap_1e3,
        largest_weight,
        f32_spacing_at_largest_weight,
        weight_gap,
        closed_form,
        descent,
        data,
        seconds,
    })
}
// ANCHOR_END: run_regression

/// The largest eigenvalue of the mean squared error's Hessian, `(2/n) X̃ᵀX̃` with `X̃` the
/// inputs and a column of ones for the bias, by power iteration in f64.
fn largest_curvature(x: ndarray::ArrayView2<f32>) -> f64 {
    let (n, d) = x.dim();
    let rows: Vec<Vec<f64>> = x
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| f64::from(v)).chain([1.0]).collect())
        .collect();
    let mut v = vec![1.0; d + 1];
    let mut lambda = 0.0;
    for _ in 0..1000 {
        // h = (2/n) X̃ᵀ (X̃ v)
        let mut h = vec![0.0; d + 1];
        for row in &rows {
            let s: f64 = row.iter().zip(&v).map(|(a, b)| a * b).sum();
            for (hj, a) in h.iter_mut().zip(row) {
                *hj += 2.0 / n as f64 * a * s;
            }
        }
        let norm = h.iter().map(|a| a * a).sum::<f64>().sqrt();
        let next: Vec<f64> = h.iter().map(|a| a / norm).collect();
        let settled = (norm - lambda).abs() < 1e-12 * norm;
        lambda = norm;
        v = next;
        if settled {
            break;
        }
    }
    lambda
}

/// Logistic regression on the breast cancer table, measured.
#[derive(Debug, Clone)]
pub struct LogisticResult {
    /// Labels: 1 for malignant, 0 for benign. The training rows exclude the validation rows.
    pub data: Split<Vec<usize>>,
    /// Tumours carved from the training rows: the loss curve is drawn on them, and the step
    /// where their loss is lowest is what a reader would choose to stop at.
    pub x_validation: Array2<f32>,
    pub y_validation: Vec<usize>,
    /// The recorded step with the lowest validation loss.
    pub best_validation_step: usize,
    pub descent: Descent,
    pub test_accuracy: f64,
    pub train_accuracy: f64,
    pub test_loss: f64,
    /// Of the tumours called malignant, the share that are.
    pub precision: f64,
    /// Of the malignant tumours, the share called malignant.
    pub recall: f64,
    /// `[true, predicted]` counts on the test set, benign = 0, malignant = 1.
    pub confusion: Array2<usize>,
    pub seconds: f64,
}

// ANCHOR: run_logistic
/// Tells malignant from benign tumours from 30 measurements of cell nuclei
/// (`breast_cancer.csv`): a seeded split stratified by diagnosis into training and test rows,
/// then validation rows carved from the training ones the same way; features standardised on
/// the remaining training rows, batch gradient descent on the cross-entropy, malignant as
/// class 1. The test rows are measured once, after training.
///
/// `progress` makes the display for the descent: `(label, total steps)`.
///
/// # Errors
/// If the file cannot be read or lacks a `malignant` diagnosis, or descent diverges.
pub fn run_logistic(
    path: &Path,
    config: DescentConfig,
    test_fraction: f64,
    rng: &mut impl Rng,
    progress: impl Fn(&str, u64) -> run::Progress,
) -> anyhow::Result<LogisticResult> {
    let features = data::csv::columns(path, "diagnosis")?;
    let table = data::csv::load_classification(path, &features, "diagnosis")?;
    let malignant = table
        .classes
        .iter()
        .position(|c| c == "malignant")
        .with_context(|| {
            format!(
                "{} has no rows with diagnosis `malignant` (it has {}); restore the file with \
                 `git checkout -- data/csv/breast_cancer.csv`",
                path.display(),
                table.classes.join(", ")
            )
        })?;
    let labels: Vec<usize> = table
        .y
        .iter()
        .map(|&c| usize::from(c == malignant))
        .collect();
    let (train_rows, test_rows) = stratified_split(&labels, test_fraction, rng);
    // Validation rows come out of the training rows, never out of the test rows.
    let train_labels = select_items(&labels, &train_rows);
    let (fit, held) = stratified_split(&train_labels, LOGISTIC_VALIDATION_FRACTION, rng);
    let (fit_rows, validation_rows) = (
        select_items(&train_rows, &fit),
        select_items(&train_rows, &held),
    );
    let (data, scaler) = standardise(
        select_rows(&table.x, &fit_rows),
        select_items(&labels, &fit_rows),
        select_rows(&table.x, &test_rows),
        select_items(&labels, &test_rows),
        features,
    );
    let x_validation = scaler.transform(&select_rows(&table.x, &validation_rows));
    let y_validation = select_items(&labels, &validation_rows);
    let (x, y) = (data.x_train.view(), data.y_train.as_slice());

    let started = Instant::now();
    let mut bar = progress("logistic", config.steps as u64);
    let descent = gradient_descent(
        Linear::zeros(x.ncols(), 1),
        config,
        |m| logistic_loss(m, x, y),
        |m| logistic_gradient(m, x, y),
        "logistic regression",
        &mut bar,
        x.nrows(),
    )?;
    bar.finish();
    let seconds = started.elapsed().as_secs_f64();

    let validation_loss = |m: &Linear| logistic_loss(m, x_validation.view(), &y_validation);
    let best_validation_step = descent
        .snapshots
        .iter()
        .min_by(|a, b| validation_loss(&a.1).total_cmp(&validation_loss(&b.1)))
        .map_or(0, |(step, _)| *step);
    let predicted = logistic::predict(&descent.model, data.x_test.view());
    let confusion = confusion(&predicted, &data.y_test, 2);
    let (precision, recall) = precision_recall(&confusion);
    Ok(LogisticResult {
        test_accuracy: accuracy(&predicted, &data.y_test),
        train_accuracy: accuracy(&logistic::predict(&descent.model, x), y),
        test_loss: logistic_loss(&descent.model, data.x_test.view(), &data.y_test),
        precision,
        recall,
        confusion,
        descent,
        data,
        x_validation,
        y_validation,
        best_validation_step,
        seconds,
    })
}
// ANCHOR_END: run_logistic

/// Softmax regression on MNIST, measured.
#[derive(Debug, Clone)]
pub struct SoftmaxResult {
    pub run: SgdRun,
    pub validation_images: usize,
    pub test_accuracy: f64,
    pub test_loss: f64,
    pub train_images: usize,
    /// `[true, predicted]` counts on the test set.
    pub confusion: Array2<usize>,
    /// Height and width of an image, to show each class's weights as one.
    pub image_shape: (usize, usize),
}

/// Holds out a seeded sixth of the MNIST training images for validation, trains softmax
/// regression on the first `train_limit` of the rest (all if `None`), pixels scaled to
/// [0, 1], watching the validation set after each epoch, and measures the model once on the
/// whole test set. `progress` makes the display for each epoch: `(label, total steps)`.
///
/// # Errors
/// If a batch's loss diverges.
pub fn run_softmax(
    mnist: &data::mnist::Mnist,
    config: SgdConfig,
    train_limit: Option<usize>,
    rng: &mut impl Rng,
    progress: impl Fn(&str, u64) -> run::Progress,
) -> anyhow::Result<SoftmaxResult> {
    let (fit, held) = random_split(mnist.train.len(), MNIST_VALIDATION_FRACTION, rng);
    let (train, validation) = (mnist.train.select(&fit), mnist.train.select(&held));
    let train = match train_limit {
        Some(n) => train.take(n),
        None => train,
    };
    let (x, labels) = (train.to_f32(), train.labels_usize()); // [n, 784], [n]
    let (val_x, val_labels) = (validation.to_f32(), validation.labels_usize());
    let (test_x, test_labels) = (mnist.test.to_f32(), mnist.test.labels_usize());
    let run = softmax::train(
        x.view(),
        &labels,
        val_x.view(),
        &val_labels,
        mnist.classes,
        config,
        rng,
        progress,
    )?;
    let predicted = softmax::predict(&run.model, test_x.view());
    Ok(SoftmaxResult {
        test_accuracy: accuracy(&predicted, &test_labels),
        test_loss: crate::softmax_cross_entropy(&run.model, test_x.view(), &test_labels),
        confusion: confusion(&predicted, &test_labels, mnist.classes),
        train_images: labels.len(),
        validation_images: val_labels.len(),
        image_shape: (train.rows(), train.cols()),
        run,
    })
}

/// Standardises features with the training rows' statistics only: the test rows are
/// transformed with the same numbers, so nothing about them leaks into training. Returns the
/// scaler too, for other held-out rows.
fn standardise<Y>(
    x_train: Array2<f32>,
    y_train: Y,
    x_test: Array2<f32>,
    y_test: Y,
    feature_names: Vec<String>,
) -> (Split<Y>, Standardizer) {
    let scaler = Standardizer::fit(&x_train);
    let split = Split {
        x_train: scaler.transform(&x_train),
        y_train,
        x_test: scaler.transform(&x_test),
        y_test,
        feature_names,
    };
    (split, scaler)
}

/// Prints what the regression found, in two lines.
pub fn print_regression(r: &RegressionResult) {
    println!(
        "regression  diabetes, {} train / {} test rows: closed form test R² {:.4}, RMSE {:.2} \
         (predict-the-mean baseline: R² {:.4}, RMSE {:.2})",
        r.data.y_train.nrows(),
        r.data.y_test.nrows(),
        r.test_r2,
        r.test_rmse,
        r.baseline_r2,
        r.baseline_rmse
    );
    println!(
        "regression  gradient descent, {} steps: train MSE {:.4} (closed form {:.4}), \
         largest weight difference {:.2e}",
        r.descent.losses.len() - 1,
        r.descent.losses.last().copied().unwrap_or(f64::NAN),
        r.best_train_mse,
        r.weight_gap
    );
    let weights: String = r
        .data
        .feature_names
        .iter()
        .zip(&r.closed_form.w)
        .map(|(name, w)| format!(" {name} {w:.2}"))
        .collect();
    println!(
        "regression  weights (progression points per standard deviation):{weights}, bias {:.2}",
        r.closed_form.b[0]
    );
}

/// Prints what the logistic regression found, in one line.
pub fn print_logistic(r: &LogisticResult) {
    println!(
        "logistic    breast cancer, {} train / {} validation / {} test rows: lowest validation \
         loss at step {}; test_acc {:.4}, malignant precision {:.4} recall {:.4}, test loss {:.4}",
        r.data.y_train.len(),
        r.y_validation.len(),
        r.data.y_test.len(),
        r.best_validation_step,
        r.test_accuracy,
        r.precision,
        r.recall,
        r.test_loss
    );
}
