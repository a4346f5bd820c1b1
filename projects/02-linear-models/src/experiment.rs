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
/// Softmax regression's defaults: a test accuracy that no longer climbs by the last epochs.
pub const SOFTMAX: SgdConfig = SgdConfig {
    epochs: 10,
    batch_size: 100,
    lr: 0.2,
};

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
    let data = standardise(
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
        weight_gap,
        closed_form,
        descent,
        data,
        seconds,
    })
}
// ANCHOR_END: run_regression

/// Logistic regression on the breast cancer table, measured.
#[derive(Debug, Clone)]
pub struct LogisticResult {
    /// Labels: 1 for malignant, 0 for benign.
    pub data: Split<Vec<usize>>,
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
/// (`breast_cancer.csv`): a seeded split stratified by diagnosis, features standardised on the
/// training rows, batch gradient descent on the cross-entropy, malignant as class 1.
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
    let data = standardise(
        select_rows(&table.x, &train_rows),
        select_items(&labels, &train_rows),
        select_rows(&table.x, &test_rows),
        select_items(&labels, &test_rows),
        features,
    );
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
        seconds,
    })
}
// ANCHOR_END: run_logistic

/// Softmax regression on MNIST, measured.
#[derive(Debug, Clone)]
pub struct SoftmaxResult {
    pub run: SgdRun,
    pub test_accuracy: f64,
    pub test_loss: f64,
    pub train_images: usize,
    /// `[true, predicted]` counts on the test set.
    pub confusion: Array2<usize>,
    /// Height and width of an image, to show each class's weights as one.
    pub image_shape: (usize, usize),
}

/// Trains softmax regression on the first `train_limit` MNIST training images (all if
/// `None`), pixels scaled to [0, 1], and measures it on the whole test set. `progress`
/// makes the display for each epoch: `(label, total steps)`.
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
    let train = match train_limit {
        Some(n) => mnist.train.take(n),
        None => mnist.train.clone(),
    };
    let (x, labels) = (train.to_f32(), train.labels_usize()); // [n, 784], [n]
    let (test_x, test_labels) = (mnist.test.to_f32(), mnist.test.labels_usize());
    let run = softmax::train(
        x.view(),
        &labels,
        test_x.view(),
        &test_labels,
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
        image_shape: (train.rows(), train.cols()),
        run,
    })
}

/// Standardises features with the training rows' statistics only: the test rows are
/// transformed with the same numbers, so nothing about them leaks into training.
fn standardise<Y>(
    x_train: Array2<f32>,
    y_train: Y,
    x_test: Array2<f32>,
    y_test: Y,
    feature_names: Vec<String>,
) -> Split<Y> {
    let scaler = Standardizer::fit(&x_train);
    Split {
        x_train: scaler.transform(&x_train),
        y_train,
        x_test: scaler.transform(&x_test),
        y_test,
        feature_names,
    }
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
        "logistic    breast cancer, {} train / {} test rows: test_acc {:.4}, malignant \
         precision {:.4} recall {:.4}, test loss {:.4}",
        r.data.y_train.len(),
        r.data.y_test.len(),
        r.test_accuracy,
        r.precision,
        r.recall,
        r.test_loss
    );
}
