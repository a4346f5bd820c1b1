//! Training: mini-batch SGD with momentum, a learning-rate schedule, and evaluation.

use crate::checkpoint::Checkpoint;
use crate::{
    argmax_rows, momentum_step, softmax_cross_entropy, softmax_cross_entropy_gradient, LinearGrads,
    Mlp,
};
use data::split::{batches, shuffled_indices, LastBatch};
use ndarray::{s, Array1, Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Labelled examples: `x: [n, features]`, one class per row in `labels`.
#[derive(Debug, Clone, PartialEq)]
pub struct Examples {
    pub x: Array2<f32>,
    pub labels: Vec<usize>,
}

impl Examples {
    /// MNIST-format images flattened to rows of pixels in `[0, 1]`: `[n, rows·cols]`.
    pub fn from_images(images: &data::mnist::ImageSet) -> Self {
        Self {
            x: images.to_f32(),
            labels: images.labels_usize(),
        }
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

// ANCHOR: sgd
/// SGD with momentum: one velocity per parameter array, shaped like it, starting at zero.
#[derive(Debug, Clone)]
pub struct Sgd {
    pub momentum: f32,
    /// `(for w, for b)` of each layer.
    pub(crate) velocity: Vec<(Array2<f32>, Array1<f32>)>,
}

impl Sgd {
    /// An optimiser for `mlp`'s parameters.
    pub fn new(mlp: &Mlp, momentum: f32) -> Self {
        let velocity = mlp
            .layers
            .iter()
            .map(|l| (Array2::zeros(l.w.raw_dim()), Array1::zeros(l.b.raw_dim())))
            .collect();
        Self { momentum, velocity }
    }

    /// Moves every parameter of `mlp` one step against its gradient in `grads` (one entry
    /// per layer, as [`Mlp::backward`] returns them), with learning rate `lr`.
    ///
    /// # Panics
    /// If `grads` does not match the network this optimiser was made for.
    #[track_caller]
    pub fn step(&mut self, mlp: &mut Mlp, grads: &[LinearGrads], lr: f32) {
        assert_eq!(grads.len(), mlp.layers.len(), "one gradient per layer");
        for ((layer, g), (vw, vb)) in mlp.layers.iter_mut().zip(grads).zip(&mut self.velocity) {
            momentum_step(
                layer.w.view_mut(),
                vw.view_mut(),
                g.dw.view(),
                lr,
                self.momentum,
            );
            momentum_step(
                layer.b.view_mut(),
                vb.view_mut(),
                g.db.view(),
                lr,
                self.momentum,
            );
        }
    }
}
// ANCHOR_END: sgd

/// How the learning rate changes over a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// The same rate throughout.
    Constant,
    /// From `lr` down to 0 along half a cosine (Loshchilov and Hutter, 2017): large steps
    /// early to make progress, small ones late to settle into a minimum.
    Cosine,
}

impl Schedule {
    /// The rate at `step` of `total` steps, starting from `lr`.
    pub fn lr_at(self, lr: f32, step: usize, total: usize) -> f32 {
        match self {
            Schedule::Constant => lr,
            Schedule::Cosine => {
                let t = step as f64 / total.max(1) as f64;
                (f64::from(lr) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())) as f32
            }
        }
    }
}

/// How to train.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per gradient step.
    pub batch_size: usize,
    /// The learning rate at the start.
    pub lr: f32,
    /// The momentum of [`Sgd`]; 0 for plain SGD.
    pub momentum: f32,
    pub schedule: Schedule,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 12,
            batch_size: 128,
            lr: 0.1,
            momentum: 0.9,
            schedule: Schedule::Cosine,
        }
    }
}

/// What one training step measured on its batch, before the update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    pub loss: f32,
    /// How many examples of the batch the network classified correctly.
    pub correct: usize,
}

// ANCHOR: train_step
/// One step of mini-batch SGD on the batch `x: [B, inputs]` with classes `labels`: forward,
/// loss, backward, update.
///
/// # Errors
/// If a gradient holds a NaN or an infinity (the learning rate is too high): the message
/// names the parameter, and the weights are left as they were.
#[track_caller]
pub fn train_step(
    mlp: &mut Mlp,
    sgd: &mut Sgd,
    x: ArrayView2<f32>,
    labels: &[usize],
    lr: f32,
) -> anyhow::Result<StepStats> {
    let trace = mlp.forward(x);
    let (loss, probs) = softmax_cross_entropy(trace.logits.view(), labels); // [B, C]
    let correct = count_correct(probs.view(), labels);
    let dlogits = softmax_cross_entropy_gradient(probs.view(), labels); // [B, C]
    let grads = mlp.backward(&trace, dlogits);
    check_gradients(&grads)?;
    sgd.step(mlp, &grads, lr);
    Ok(StepStats { loss, correct })
}
// ANCHOR_END: train_step

/// Stops the step if a gradient is not a number, naming the layer's parameter as the
/// checkpoint does (`layers.0.w`), before the update spreads it into every weight.
fn check_gradients(grads: &[LinearGrads]) -> anyhow::Result<()> {
    for (i, g) in grads.iter().enumerate() {
        run::check_gradient(&format!("layers.{i}.w"), &g.dw, "")?;
        run::check_gradient(&format!("layers.{i}.b"), &g.db, "")?;
    }
    Ok(())
}

fn count_correct(scores: ArrayView2<f32>, labels: &[usize]) -> usize {
    argmax_rows(scores)
        .iter()
        .zip(labels)
        .filter(|(p, l)| p == l)
        .count()
}

/// How many times the loss of a uniform guess (`ln C`) a batch's loss may reach before the
/// run counts as diverged. A fresh network scores about `ln C`, and training only lowers
/// that; a loss ten times higher means confident wrong answers everywhere, which a sane
/// learning rate does not produce.
pub const DIVERGENCE_FACTOR: f32 = 10.0;

/// Stops a run whose batch loss is NaN, infinite, or above [`DIVERGENCE_FACTOR`] times
/// `ln classes`, with a message that says so and how to fix it.
///
/// # Errors
/// If the run diverged.
pub fn check_diverged(loss: f32, classes: usize, at: &str) -> anyhow::Result<()> {
    let ceiling = DIVERGENCE_FACTOR * (classes.max(2) as f32).ln();
    run::check_diverged(f64::from(loss), f64::from(ceiling), at)
}

/// Loss, accuracy and predictions of a network on a set of examples.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub loss: f64,
    pub accuracy: f64,
    /// The predicted class of each example.
    pub predictions: Vec<usize>,
}

/// Evaluates `mlp` on `examples`, 1000 at a time to bound the memory.
pub fn evaluate(mlp: &Mlp, examples: &Examples) -> Evaluation {
    const CHUNK: usize = 1000;
    let n = examples.len();
    let (mut loss_sum, mut predictions) = (0.0f64, Vec::with_capacity(n));
    for start in (0..n).step_by(CHUNK) {
        let end = (start + CHUNK).min(n);
        let logits = mlp.logits(examples.x.slice(s![start..end, ..]));
        let labels = &examples.labels[start..end];
        let (loss, _) = softmax_cross_entropy(logits.view(), labels);
        loss_sum += f64::from(loss) * labels.len() as f64;
        predictions.extend(argmax_rows(logits.view()));
    }
    let correct = predictions
        .iter()
        .zip(&examples.labels)
        .filter(|(p, l)| p == l)
        .count();
    Evaluation {
        loss: loss_sum / n.max(1) as f64,
        accuracy: correct as f64 / n.max(1) as f64,
        predictions,
    }
}

/// One epoch's numbers, for the summary line and the curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Counting from 1.
    pub epoch: usize,
    /// Mean loss and accuracy over the epoch's batches, each measured just before its
    /// update: a running measure of a network that changes as it goes.
    pub train_loss: f64,
    pub train_accuracy: f64,
    /// Measured on the whole test set after the epoch.
    pub test_loss: f64,
    pub test_accuracy: f64,
    /// Training examples per second in this epoch's steps (evaluation not counted).
    pub examples_per_second: f64,
    /// Seconds since training started, at the end of this epoch (evaluation counted).
    pub elapsed_seconds: f64,
}

/// What a training run did.
#[derive(Debug, Clone)]
pub struct Training {
    pub history: Vec<EpochStats>,
    /// The last evaluation on the test set.
    pub test: Evaluation,
    /// Training examples processed in all (epochs × training set size).
    pub examples: usize,
    /// Gradient steps taken.
    pub steps: usize,
    /// Wall-clock seconds of the whole loop, per-epoch test evaluations included.
    pub seconds: f64,
    /// Of those, the seconds spent in training steps: `examples / step_seconds` is the
    /// training throughput.
    pub step_seconds: f64,
}

// ANCHOR: train
/// Trains `mlp` on `train` for `config.epochs` epochs, each in a fresh random order from
/// `rng`, evaluating on `test` after each. `progress(label, steps)` makes the display for
/// one epoch (see [`run::Session::progress`]). After each epoch, `checkpoint` saves the
/// weights, the velocities and where the run stands; a resumed run starts from there.
///
/// # Errors
/// If the loss of a batch becomes NaN, infinite or far too large, or a gradient NaN or
/// infinite: the run diverged (see [`check_diverged`]). If a checkpoint cannot be written or
/// resumed from.
///
/// # Panics
/// If `config.batch_size` is 0, or the examples do not fit the network.
pub fn train(
    mlp: &mut Mlp,
    train: &Examples,
    test: &Examples,
    config: &TrainConfig,
    rng: &mut ChaCha8Rng,
    progress: &dyn Fn(&str, u64) -> run::Progress,
    checkpoint: &Checkpoint<'_>,
) -> anyhow::Result<Training> {
    let started = Instant::now();
    let mut sgd = Sgd::new(mlp, config.momentum);
    let steps_per_epoch = train.len().div_ceil(config.batch_size);
    let total_steps = config.epochs * steps_per_epoch;
    // One buffer for the batch, refilled at every step.
    let mut xb = Array2::zeros((config.batch_size, train.x.ncols())); // [B, inputs]
    let mut yb = Vec::with_capacity(config.batch_size);
    // Nothing done yet; or, resuming, what the checkpoint saved (and its weights and
    // velocities, now in `mlp` and `sgd`).
    let mut state = checkpoint.restore(mlp, &mut sgd)?;
    let seconds_before = state.seconds;
    let mut test_eval = evaluate(mlp, test);
    let probs_width = mlp.sizes().last().copied().unwrap_or(1); // C, the classes
    for epoch in state.history.len() + 1..=config.epochs {
        let label = format!("epoch {epoch}/{}", config.epochs);
        let mut bar = progress(&label, steps_per_epoch as u64);
        let order = shuffled_indices(train.len(), rng);
        let (mut loss_sum, mut correct) = (0.0f64, 0);
        for batch in batches(&order, config.batch_size, LastBatch::Keep) {
            yb.clear();
            for (r, &i) in batch.iter().enumerate() {
                xb.row_mut(r).assign(&train.x.row(i));
                yb.push(train.labels[i]);
            }
            let lr = config.schedule.lr_at(config.lr, state.step, total_steps);
            let x = xb.slice(s![..batch.len(), ..]);
            state.step += 1;
            let at = format!("{label}, step {}", state.step);
            // One message, naming the step: "epoch 1/12, step 9: training diverged: ...".
            let stats =
                train_step(mlp, &mut sgd, x, &yb, lr).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
            check_diverged(stats.loss, probs_width, &at)?;
            loss_sum += f64::from(stats.loss) * batch.len() as f64;
            correct += stats.correct;
            bar.advance(1, batch.len() as u64, &[("loss", f64::from(stats.loss))]);
        }
        let examples_per_second = bar.examples_per_second();
        state.step_seconds += bar.finish().as_secs_f64();
        test_eval = evaluate(mlp, test);
        state.seconds = seconds_before + started.elapsed().as_secs_f64();
        let stats = EpochStats {
            epoch,
            train_loss: loss_sum / train.len() as f64,
            train_accuracy: correct as f64 / train.len() as f64,
            test_loss: test_eval.loss,
            test_accuracy: test_eval.accuracy,
            examples_per_second,
            elapsed_seconds: state.seconds,
        };
        println!(
            "{label}  loss {:.4}  train_acc {:.4}  test_loss {:.4}  test_acc {:.4}  {:.0} ex/s  ({:.1} s)",
            stats.train_loss,
            stats.train_accuracy,
            stats.test_loss,
            stats.test_accuracy,
            stats.examples_per_second,
            stats.elapsed_seconds
        );
        state.history.push(stats);
        // Weights, velocities and where the run stands: `--resume` continues from here.
        checkpoint.save(mlp, &sgd, rng, &state)?;
    }
    Ok(Training {
        history: state.history,
        test: test_eval,
        examples: config.epochs * train.len(),
        steps: state.step,
        seconds: seconds_before + started.elapsed().as_secs_f64(),
        step_seconds: state.step_seconds,
    })
}
// ANCHOR_END: train

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cosine_schedule_starts_at_lr_halves_midway_and_ends_at_zero() {
        let lr = |step| Schedule::Cosine.lr_at(0.1, step, 100);
        assert!((lr(0) - 0.1).abs() < 1e-7);
        assert!((lr(50) - 0.05).abs() < 1e-7);
        assert!(lr(100).abs() < 1e-7);
        assert!((1..=100).all(|s| lr(s) <= lr(s - 1)));
        assert_eq!(Schedule::Constant.lr_at(0.1, 70, 100), 0.1);
    }

    #[test]
    fn a_gradient_that_is_not_a_number_stops_the_step_naming_the_layer() {
        use rand::SeedableRng;
        let config = crate::MlpConfig {
            inputs: 3,
            hidden: vec![4],
            outputs: 2,
            activation: crate::Activation::Sigmoid,
        };
        let mut mlp = config.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        let mut sgd = Sgd::new(&mlp, 0.9);
        let before = mlp.clone();
        let x = ndarray::array![[1.0f32, f32::NAN, 0.5]];
        let message = train_step(&mut mlp, &mut sgd, x.view(), &[1], 0.1)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("`layers.0.w` holds NaN") && message.contains("--lr"),
            "{message}"
        );
        assert_eq!(mlp, before, "the weights are left as they were");
    }

    #[test]
    fn nan_infinite_and_exploding_losses_count_as_divergence() {
        assert!(check_diverged(2.3, 10, "step 1").is_ok());
        assert!(check_diverged(20.0, 10, "step 1").is_ok());
        for loss in [f32::NAN, f32::INFINITY, 23.1] {
            let message = check_diverged(loss, 10, "epoch 1/3, step 9")
                .unwrap_err()
                .to_string();
            assert!(
                message.contains("diverged") && message.contains("--lr"),
                "{message}"
            );
            assert!(message.contains("epoch 1/3, step 9"), "{message}");
        }
    }
}
