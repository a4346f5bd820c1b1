//! Softmax regression: one linear score per class, turned into a probability distribution by
//! the softmax, trained by cross-entropy with mini-batch stochastic gradient descent.

use crate::{accuracy, argmax_rows, softmax_cross_entropy_gradient, Linear};
use data::split::{batches, shuffled_indices, LastBatch};
use ndarray::{Array2, ArrayView2, Axis};
use rand::Rng;
use std::time::Instant;

// ANCHOR: softmax
/// Turns each row of scores into probabilities: `[n, classes]` in, same shape out, every
/// row positive and summing to 1.
pub fn softmax(z: ArrayView2<f32>) -> Array2<f32> {
    let mut p = z.to_owned();
    for mut row in p.axis_iter_mut(Axis(0)) {
        // exp() overflows f32 above ~88. Subtracting the row's largest score changes no
        // ratio and keeps every exponent at or below zero.
        let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row /= sum;
    }
    p
}
// ANCHOR_END: softmax

// ANCHOR: softmax_cross_entropy
/// The cross-entropy of a softmax classifier on `x: [n, inputs]` with class `labels`: the
/// mean over examples of `−ln p_y`, minus the log of the probability given to the right
/// class.
///
/// # Panics
/// If there is not one label per row, or a label is not below the number of outputs.
#[track_caller]
pub fn softmax_cross_entropy(model: &Linear, x: ArrayView2<f32>, labels: &[usize]) -> f64 {
    assert_eq!(x.nrows(), labels.len(), "one label per row of x");
    let z = model.forward(x); // [n, classes]
    let sum: f64 = z
        .axis_iter(Axis(0))
        .zip(labels)
        .map(|(row, &y)| {
            // −ln p_y = ln Σ_k e^(z_k) − z_y, with the log-sum-exp shifted by the largest
            // score so that no exponent overflows.
            let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let sum_exp: f64 = row.iter().map(|&v| f64::from(v - max).exp()).sum();
            f64::from(max) + sum_exp.ln() - f64::from(row[y])
        })
        .sum();
    sum / labels.len() as f64
}
// ANCHOR_END: softmax_cross_entropy

/// The most probable class of each row: the highest score (softmax keeps the order).
pub fn predict(model: &Linear, x: ArrayView2<f32>) -> Vec<usize> {
    argmax_rows(model.forward(x).view())
}

/// How mini-batch SGD runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per gradient step.
    pub batch_size: usize,
    /// The step size η.
    pub lr: f32,
}

/// One epoch's summary line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochSummary {
    /// Mean of the batch losses during the epoch.
    pub train_loss: f64,
    /// Accuracy on each batch just before its step, over the epoch.
    pub train_accuracy: f64,
    /// On the validation images, after the epoch.
    pub validation_loss: f64,
    pub validation_accuracy: f64,
}

/// What [`train`] did.
#[derive(Debug, Clone)]
pub struct SgdRun {
    pub model: Linear,
    pub epochs: Vec<EpochSummary>,
    /// `(epoch, loss)`: the training loss averaged over each tenth of an epoch, at the end of
    /// that tenth (x = 0.1, 0.2, …).
    pub train_curve: Vec<(f64, f64)>,
    /// Training examples processed (epochs × training set size).
    pub examples: usize,
    /// Wall-clock seconds spent training, evaluation included.
    pub seconds: f64,
}

// ANCHOR: sgd
/// Mini-batch stochastic gradient descent for softmax regression from all-zero weights:
/// each epoch visits `x: [n, inputs]` in a fresh order drawn from `rng`, in batches of
/// `batch_size`, and takes one step per batch. After each epoch it measures the validation
/// set (held out from the training images; the test set is not looked at here) and prints a
/// summary line.
///
/// `progress` makes the display for one epoch (an animated bar or plain lines).
///
/// # Errors
/// If a batch's loss becomes NaN or infinite.
#[allow(clippy::too_many_arguments)] // each is one thing a learner sets or watches
pub fn train(
    x: ArrayView2<f32>,
    labels: &[usize],
    validation_x: ArrayView2<f32>,
    validation_labels: &[usize],
    classes: usize,
    config: SgdConfig,
    rng: &mut impl Rng,
    progress: impl Fn(&str, u64) -> run::Progress,
) -> anyhow::Result<SgdRun> {
    assert_eq!(x.nrows(), labels.len(), "one label per row of x");
    let started = Instant::now();
    let mut model = Linear::zeros(x.ncols(), classes);
    let mut epochs = Vec::new();
    let mut train_curve = Vec::new();
    let steps_per_epoch = x.nrows().div_ceil(config.batch_size);
    let tenth = steps_per_epoch.div_ceil(10);

    for epoch in 1..=config.epochs {
        let mut bar = progress(
            &format!("epoch {epoch}/{}", config.epochs),
            steps_per_epoch as u64,
        );
        let order = shuffled_indices(x.nrows(), rng);
        let (mut loss_sum, mut right, mut window) = (0.0, 0, Vec::new());
        for (step, batch) in batches(&order, config.batch_size, LastBatch::Keep).enumerate() {
            let xb = x.select(Axis(0), batch); // [B, inputs]
            let yb: Vec<usize> = batch.iter().map(|&i| labels[i]).collect();
            let loss = softmax_cross_entropy(&model, xb.view(), &yb);
            run::check_finite(loss, &format!("epoch {epoch}, batch {}", step + 1))?;
            right += predict(&model, xb.view())
                .iter()
                .zip(&yb)
                .filter(|(p, y)| p == y)
                .count();
            let grads = softmax_cross_entropy_gradient(&model, xb.view(), &yb);
            grads.check(&format!("epoch {epoch}, batch {}", step + 1))?;
            model.step(&grads, config.lr);

            loss_sum += loss * batch.len() as f64;
            window.push(loss);
            if window.len() == tenth || step + 1 == steps_per_epoch {
                let at = epoch as f64 - 1.0 + (step + 1) as f64 / steps_per_epoch as f64;
                train_curve.push((at, window.iter().sum::<f64>() / window.len() as f64));
                window.clear();
            }
            bar.advance(1, batch.len() as u64, &[("loss", loss)]);
        }
        let examples_per_second = bar.examples_per_second();
        bar.finish();

        let summary = EpochSummary {
            train_loss: loss_sum / x.nrows() as f64,
            train_accuracy: right as f64 / x.nrows() as f64,
            validation_loss: softmax_cross_entropy(&model, validation_x, validation_labels),
            validation_accuracy: accuracy(&predict(&model, validation_x), validation_labels),
        };
        println!(
            "epoch {epoch}/{}  loss {:.4}  train_acc {:.4}  val_loss {:.4}  val_acc {:.4}  \
             {examples_per_second:.0} ex/s  ({:.1} s)",
            config.epochs,
            summary.train_loss,
            summary.train_accuracy,
            summary.validation_loss,
            summary.validation_accuracy,
            started.elapsed().as_secs_f64()
        );
        epochs.push(summary);
    }
    Ok(SgdRun {
        model,
        epochs,
        train_curve,
        examples: config.epochs * x.nrows(),
        seconds: started.elapsed().as_secs_f64(),
    })
}
// ANCHOR_END: sgd

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn softmax_rows_are_distributions_even_for_huge_scores() {
        let p = softmax(array![[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]].view());
        for row in p.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-6, "{row}");
            assert!(row.iter().all(|v| v.is_finite() && *v >= 0.0), "{row}");
        }
        assert!((p[[1, 0]] - 0.5).abs() < 1e-6);
        // Adding a constant to every score changes nothing.
        let q = softmax(array![[11.0, 12.0, 13.0]].view());
        assert!((&p.row(0) - &q.row(0)).iter().all(|d| d.abs() < 1e-6));
    }

    #[test]
    fn cross_entropy_of_uniform_scores_is_ln_classes() {
        let model = Linear::zeros(3, 10);
        let x = array![[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]];
        let loss = softmax_cross_entropy(&model, x.view(), &[3, 7]);
        assert!((loss - 10f64.ln()).abs() < 1e-6, "{loss}");
    }
}
