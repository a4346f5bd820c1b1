//! What a run writes: the figures the book shows and the numbers for `metrics.json`.

use crate::experiment::{LogisticResult, RegressionResult, SoftmaxResult};
use crate::{logistic_loss, mse_loss, regression};
use anyhow::Context;
use ndarray::Array2;
use plot::{Guide, Normalise, Scale, Series};

/// How many steps of linear regression's descent the loss figure shows.
pub const LOSS_FIGURE_STEPS: usize = 300;

/// The experiments a run chose to do, each `None` if not selected.
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub regression: Option<RegressionResult>,
    pub logistic: Option<LogisticResult>,
    pub softmax: Option<SoftmaxResult>,
}

/// Writes the figures of every experiment that ran into the session's output folder.
///
/// # Errors
/// If a figure cannot be written.
pub fn write_figures(session: &mut run::Session, results: &Results) -> anyhow::Result<()> {
    if let Some(r) = &results.regression {
        regression_figures(session, r)?;
    }
    if let Some(r) = &results.logistic {
        logistic_figures(session, r)?;
    }
    if let Some(r) = &results.softmax {
        softmax_figures(session, r)?;
    }
    Ok(())
}

fn regression_figures(session: &mut run::Session, r: &RegressionResult) -> anyhow::Result<()> {
    let d = &r.data;
    let at_snapshots = |f: &dyn Fn(&crate::Linear) -> f64| {
        r.descent
            .snapshots
            .iter()
            .map(|(step, m)| (*step as f64, f(m)))
            .collect::<Vec<_>>()
    };
    let last_step = r.descent.losses.len() as f64 - 1.0;
    // Nearly all of the fall happens in the first few hundred steps; the weight-gap figure
    // shows the rest.
    let shown = LOSS_FIGURE_STEPS.min(r.descent.losses.len() - 1);
    let train = r.descent.losses[..=shown]
        .iter()
        .enumerate()
        .map(|(step, &loss)| (step as f64, loss));
    let test = r
        .descent
        .snapshots
        .iter()
        .filter(|(step, _)| *step <= shown)
        .map(|(step, m)| (*step as f64, mse_loss(m, d.x_test.view(), d.y_test.view())));
    let series = [
        Series::new("train MSE", train),
        Series::new("test MSE", test),
        Series::new(
            "closed form, train",
            [(0.0, r.best_train_mse), (shown as f64, r.best_train_mse)],
        ),
    ];
    plot::line_chart(
        &session.output("regression_loss.svg"),
        "Linear regression on diabetes: gradient descent",
        "step",
        "mean squared error",
        &series,
        Scale::Log,
    )?;

    let gap = |m: &crate::Linear| {
        let dw = (&m.w - &r.closed_form.w)
            .iter()
            .fold(0.0f32, |a, d| a.max(d.abs()));
        let db = (&m.b - &r.closed_form.b)
            .iter()
            .fold(0.0f32, |a, d| a.max(d.abs()));
        f64::from(dw.max(db))
    };
    let series = [
        Series::new("gradient descent", at_snapshots(&gap)),
        Series::new("1e-3", [(0.0, 1e-3), (last_step, 1e-3)]),
    ];
    plot::line_chart(
        &session.output("regression_weight_gap.svg"),
        "Distance from the closed-form weights",
        "step",
        "largest |w − w*| over weights and bias",
        &series,
        Scale::Log,
    )?;

    let points = |x: &Array2<f32>, y: &Array2<f32>| {
        let predicted = regression::predict(&r.closed_form, x.view());
        y.column(0)
            .iter()
            .zip(&predicted)
            .map(|(&t, &p)| (f64::from(t), f64::from(p)))
            .collect::<Vec<_>>()
    };
    let groups = [
        Series::new("train", points(&d.x_train, &d.y_train)),
        Series::new("test", points(&d.x_test, &d.y_test)),
    ];
    plot::scatter(
        &session.output("regression_scatter.svg"),
        "Diabetes progression: predicted vs true",
        "true progression",
        "predicted progression",
        &groups,
        Guide::Diagonal,
    )?;
    Ok(())
}

fn logistic_figures(session: &mut run::Session, r: &LogisticResult) -> anyhow::Result<()> {
    let d = &r.data;
    let curve = |x: &Array2<f32>, y: &[usize]| {
        r.descent
            .snapshots
            .iter()
            .map(|(step, m)| (*step as f64, logistic_loss(m, x.view(), y)))
            .collect::<Vec<_>>()
    };
    let series = [
        Series::new("train", curve(&d.x_train, &d.y_train)),
        Series::new("validation", curve(&r.x_validation, &r.y_validation)),
    ];
    plot::line_chart(
        &session.output("logistic_loss.svg"),
        "Logistic regression on breast cancer",
        "step",
        "cross-entropy",
        &series,
        Scale::Log,
    )?;
    plot::confusion_matrix(
        &session.output("logistic_confusion.svg"),
        "Breast cancer, test set",
        r.confusion.view(),
        &["benign", "malignant"],
    )?;
    Ok(())
}

fn softmax_figures(session: &mut run::Session, r: &SoftmaxResult) -> anyhow::Result<()> {
    let validation_curve = r
        .run
        .epochs
        .iter()
        .enumerate()
        .map(|(e, s)| ((e + 1) as f64, s.validation_loss));
    let series = [
        Series::new(
            "train (mean of each tenth of an epoch)",
            r.run.train_curve.clone(),
        ),
        Series::new("validation", validation_curve),
    ];
    plot::line_chart(
        &session.output("softmax_loss.svg"),
        "Softmax regression on MNIST",
        "epoch",
        "cross-entropy",
        &series,
        Scale::Linear,
    )?;

    // Column k of w: [784, 10] is the template class k's score is matched against.
    let (rows, cols) = r.image_shape;
    let templates: Vec<Array2<f32>> = r
        .run
        .model
        .w
        .columns()
        .into_iter()
        .map(|column| {
            column
                .to_owned()
                .into_shape_with_order((rows, cols)) // [784] -> [28, 28]
                .context("a weight column holds one value per pixel")
        })
        .collect::<anyhow::Result<_>>()?;
    let views: Vec<_> = templates.iter().map(|t| t.view()).collect();
    plot::image_grid(
        &session.output("softmax_templates.png"),
        &views,
        5,
        4,
        Normalise::PerImage,
    )?;

    let names: Vec<String> = (0..r.confusion.nrows()).map(|k| k.to_string()).collect();
    plot::confusion_matrix(
        &session.output("softmax_confusion.svg"),
        "MNIST test set, softmax regression",
        r.confusion.view(),
        &names,
    )?;
    Ok(())
}

// ANCHOR: report
/// The numbers for `metrics.json` and the `result:` line: the four headline results first,
/// then the ones the chapter discusses. Times go in the report's own fields, never among
/// the metrics, so that two runs with one seed give identical metrics.
pub fn report(results: &Results) -> run::Report {
    let mut report = run::Report::new(&datasets(results));
    let (mut seconds, mut examples) = (0.0, 0usize);
    if let Some(r) = &results.regression {
        report = report
            .metric("regression_r2", r.test_r2)
            .metric("regression_rmse", r.test_rmse);
    }
    if let Some(r) = &results.logistic {
        report = report.metric("logistic_test_accuracy", r.test_accuracy);
    }
    if let Some(r) = &results.softmax {
        report = report.metric("softmax_test_accuracy", r.test_accuracy);
    }
    if let Some(r) = &results.regression {
        report = report
            .metric("regression_baseline_rmse", r.baseline_rmse)
            .metric("regression_baseline_r2", r.baseline_r2)
            .metric("regression_gd_rmse", r.descent_test_rmse)
            .metric("regression_gd_weight_gap", f64::from(r.weight_gap))
            .metric("regression_lr_limit", r.lr_limit)
            .count(
                "regression_gd_steps_to_gap_1e-3",
                r.steps_to_gap_1e3.unwrap_or(r.descent.losses.len() - 1),
            )
            .metric("regression_largest_weight", f64::from(r.largest_weight))
            .metric(
                "regression_f32_spacing_at_largest_weight",
                f64::from(r.f32_spacing_at_largest_weight),
            );
        report.params += r.closed_form.params();
        seconds += r.seconds;
        examples += (r.descent.losses.len() - 1) * r.data.x_train.nrows();
    }
    if let Some(r) = &results.logistic {
        report = report
            .metric("logistic_precision_malignant", r.precision)
            .metric("logistic_recall_malignant", r.recall)
            .metric("logistic_test_loss", r.test_loss)
            .metric("logistic_train_accuracy", r.train_accuracy)
            .count("logistic_best_validation_step", r.best_validation_step)
            .count("logistic_train_tumours", r.data.y_train.len())
            .count("logistic_validation_tumours", r.y_validation.len())
            .count("logistic_test_tumours", r.data.y_test.len());
        report.params += r.descent.model.params();
        seconds += r.seconds;
        examples += (r.descent.losses.len() - 1) * r.data.x_train.nrows();
    }
    if let Some(r) = &results.softmax {
        let last = r.run.epochs.last();
        report = report
            .metric("softmax_test_loss", r.test_loss)
            .metric(
                "softmax_train_accuracy",
                last.map_or(f64::NAN, |e| e.train_accuracy),
            )
            .count("softmax_train_images", r.train_images)
            .count("softmax_validation_images", r.validation_images)
            .metric(
                "softmax_validation_accuracy",
                last.map_or(f64::NAN, |e| e.validation_accuracy),
            );
        report.params += r.run.model.params();
        report.epochs = Some(r.run.epochs.len());
        seconds += r.run.seconds;
        examples += r.run.examples;
    }
    report.train_seconds = Some(seconds);
    report.examples_per_second = examples as f64 / seconds.max(1e-9);
    report
}
// ANCHOR_END: report

fn datasets(results: &Results) -> String {
    let names = [
        results.regression.as_ref().map(|_| "diabetes"),
        results.logistic.as_ref().map(|_| "breast_cancer"),
        results.softmax.as_ref().map(|_| "mnist"),
    ];
    names.into_iter().flatten().collect::<Vec<_>>().join("+")
}
