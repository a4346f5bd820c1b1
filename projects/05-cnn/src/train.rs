//! Training and evaluation: mini-batches, Adam, optional augmentation, and the numbers each
//! epoch reports.
//!
//! Legend: N = batch, H×W = image size, K = classes.

use std::time::Instant;

use data::mnist::ImageSet;
use nn::{Adam, Module, Optimizer};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use tensor::Tensor;

use crate::augment::augment;
use crate::checkpoint::Checkpoint;
use crate::model::Cnn;

/// How to train. The defaults are the essay's: 5 epochs of Adam (learning rate 1e-3) on
/// batches of 32, no augmentation.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per gradient step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f32,
    /// Lower the learning rate along half a cosine to `lr / 100` by the last step, instead of
    /// keeping it constant.
    pub cosine: bool,
    /// Shift and rotate each training image a little, differently every epoch.
    pub augment: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 5,
            batch_size: 32,
            lr: 1e-3,
            cosine: false,
            augment: false,
        }
    }
}

/// What one epoch measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Counting from 1.
    pub epoch: usize,
    /// Mean cross-entropy over the epoch's batches (the weights changed during the epoch).
    pub train_loss: f64,
    /// Fraction of the epoch's training examples classified correctly as they were seen.
    pub train_accuracy: f64,
    /// On the held-out images after the epoch (the validation split, or the test set).
    pub held_out_loss: f64,
    pub held_out_accuracy: f64,
    /// Wall time of the training part of the epoch (not the test pass), and its speed.
    pub seconds: f64,
    pub examples_per_second: f64,
}

/// The images a run measures the network on after each epoch, and what to call them.
///
/// To *choose* a setting (augmentation, a schedule), compare runs on a validation split
/// carved from the training images, so that the test set still measures a network nobody
/// tuned on it. The essay's recipe chooses nothing, and watches the test set, as Keras's
/// `validation_data=(test_images, test_labels)` does.
#[derive(Debug, Clone, Copy)]
pub struct HeldOut<'a> {
    /// `validation` or `test`: the figures and the per-epoch lines say which.
    pub name: &'a str,
    pub images: &'a ImageSet,
}

/// What training did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Training {
    /// What the held-out images were: `validation` or `test`.
    pub held_out: String,
    pub epochs: Vec<EpochStats>,
    /// Running mean of the training loss, every `log_every` steps: (epoch as a fraction, loss).
    pub loss_curve: Vec<(f64, f64)>,
    /// Seconds spent in training steps (not evaluation) over the whole run.
    pub train_seconds: f64,
}

impl Training {
    /// Training speed: the median over epochs 2 and later (the first warms caches and the
    /// allocator up), or the first epoch's when there is only one. The benchmark reports
    /// TensorFlow and PyTorch the same way.
    pub fn examples_per_second(&self) -> f64 {
        let mut speeds: Vec<f64> = self
            .epochs
            .iter()
            .skip(usize::from(self.epochs.len() > 1))
            .map(|e| e.examples_per_second)
            .collect();
        speeds.sort_by(f64::total_cmp);
        match speeds.len() {
            0 => 0.0,
            n if n % 2 == 1 => speeds[n / 2],
            n => (speeds[n / 2 - 1] + speeds[n / 2]) / 2.0,
        }
    }
}

// ANCHOR: batch
/// Images `indices` of `set` as a batch `[N, 1, H, W]` with pixels scaled to `[0, 1]`, as the
/// essay's `train_images / 255.0`.
pub fn batch(set: &ImageSet, indices: &[usize]) -> Tensor {
    let (h, w) = (set.rows(), set.cols());
    let mut pixels = Vec::with_capacity(indices.len() * h * w);
    for &i in indices {
        // As one slice of H·W bytes: walking a 2-D view index by index was 3% of a step.
        let bytes = set
            .image(i)
            .to_slice()
            .expect("images are stored row-major");
        pixels.extend(bytes.iter().map(|&p| f32::from(p) / 255.0));
    }
    Tensor::from_vec(pixels, &[indices.len(), 1, h, w])
}
// ANCHOR_END: batch

/// Like [`batch`], each image shifted and rotated at random by [`augment`].
pub fn augmented_batch(set: &ImageSet, indices: &[usize], rng: &mut impl Rng) -> Tensor {
    let (h, w) = (set.rows(), set.cols());
    let mut pixels = Vec::with_capacity(indices.len() * h * w);
    for &i in indices {
        let image = set.image(i).mapv(|p| f32::from(p) / 255.0);
        pixels.extend(augment(image.view(), rng).iter());
    }
    Tensor::from_vec(pixels, &[indices.len(), 1, h, w])
}

fn labels(set: &ImageSet, indices: &[usize]) -> Vec<usize> {
    indices
        .iter()
        .map(|&i| usize::from(set.labels[i]))
        .collect()
}

/// How a model does on a set of images.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Mean cross-entropy.
    pub loss: f64,
    /// Fraction classified correctly.
    pub accuracy: f64,
    /// The predicted class of each image, in order.
    pub predictions: Vec<usize>,
}

// ANCHOR: evaluate
/// Classifies every image of `set` (no gradients recorded), `chunk` images at a time.
pub fn evaluate(model: &Cnn, set: &ImageSet, chunk: usize) -> Evaluation {
    tensor::no_grad(|| {
        let (mut loss_sum, mut predictions) = (0.0, Vec::with_capacity(set.len()));
        let order: Vec<usize> = (0..set.len()).collect();
        for indices in order.chunks(chunk.max(1)) {
            let logits = model.forward(&batch(set, indices)); // [N, K]
            let loss = tensor::cross_entropy(&logits, &labels(set, indices)).item();
            loss_sum += f64::from(loss) * indices.len() as f64;
            predictions.extend(logits.argmax_last());
        }
        let correct = predictions
            .iter()
            .zip(&set.labels)
            .filter(|(&p, &l)| p == usize::from(l))
            .count();
        Evaluation {
            loss: loss_sum / set.len().max(1) as f64,
            accuracy: correct as f64 / set.len().max(1) as f64,
            predictions,
        }
    })
}
// ANCHOR_END: evaluate

/// Where [`train`] reports progress: a display per epoch, from `run::Session::progress`.
pub type ProgressFactory<'a> = &'a dyn Fn(&str, u64) -> run::Progress;

// ANCHOR: train
/// Trains `model` on `train_set` with Adam and cross-entropy, measuring it on `held_out`
/// after each epoch, and prints a summary line per epoch. The data order comes from
/// `rngs.shuffle`, augmentation from `rngs.noise`. After each epoch, `checkpoint` saves the
/// weights, Adam's moments and where the run stands; a resumed run starts from there.
///
/// # Errors
/// If the loss stops being finite or explodes (the learning rate is too high), or a
/// checkpoint cannot be saved or resumed from.
pub fn train(
    model: &Cnn,
    train_set: &ImageSet,
    held_out: HeldOut<'_>,
    config: &TrainConfig,
    rngs: &mut run::Rngs,
    progress: ProgressFactory<'_>,
    checkpoint: &Checkpoint<'_>,
) -> anyhow::Result<Training> {
    let mut optimizer = Adam::new(model.parameters(), config.lr);
    let steps_per_epoch = train_set.len().div_ceil(config.batch_size);
    let total_steps = steps_per_epoch * config.epochs;
    let schedule = nn::schedule::Cosine {
        base: config.lr,
        min: config.lr / 100.0,
        total: total_steps,
    };
    let log_every = (steps_per_epoch / 20).max(1);
    // A few times the loss of a uniform guess, ln(classes): no learning run gets there.
    let ceiling = 4.0 * (model.classes() as f64).ln().max(1.0);
    // Nothing done yet; or, resuming, what the checkpoint saved (and its weights and Adam's
    // moments, now in `model` and `optimizer`).
    let mut state = checkpoint.restore(model, &mut optimizer)?;
    if state.order.is_empty() {
        state.order = (0..train_set.len()).collect();
    }
    state.training.held_out = held_out.name.to_owned();
    let name = held_out.name;
    for epoch in state.training.epochs.len() + 1..=config.epochs {
        let order = &mut state.order;
        order.shuffle(&mut rngs.shuffle);
        let label = format!("epoch {epoch}/{}", config.epochs);
        let mut bar = progress(&label, steps_per_epoch as u64);
        let started = Instant::now();
        let (mut loss_sum, mut correct, mut seen) = (0.0, 0, 0);
        let (mut recent, mut recent_steps) = (0.0, 0);
        for indices in order.chunks(config.batch_size) {
            let x = if config.augment {
                augmented_batch(train_set, indices, &mut rngs.noise)
            } else {
                batch(train_set, indices)
            }; // [N, 1, H, W]
            let targets = labels(train_set, indices);
            if config.cosine {
                optimizer.set_learning_rate(nn::schedule::LrSchedule::lr(&schedule, state.step));
            }
            let logits = model.forward(&x); // [N, K]
            let loss = tensor::cross_entropy(&logits, &targets);
            optimizer.zero_grad();
            loss.backward();
            state.step += 1;
            let at = format!("epoch {epoch}, step {}", state.step);
            let loss = f64::from(loss.item());
            run::check_diverged(loss, ceiling, &at)?;
            // A NaN or infinite gradient stops the run before it reaches the weights.
            nn::check_gradients(model, &at)?;
            optimizer.step();
            let hits = logits
                .argmax_last()
                .iter()
                .zip(&targets)
                .filter(|(p, t)| p == t)
                .count();
            (loss_sum, correct, seen) = (
                loss_sum + loss * indices.len() as f64,
                correct + hits,
                seen + indices.len(),
            );
            (recent, recent_steps) = (recent + loss, recent_steps + 1);
            if recent_steps == log_every {
                let at = (epoch - 1) as f64 + seen as f64 / order.len() as f64;
                state
                    .training
                    .loss_curve
                    .push((at, recent / recent_steps as f64));
                (recent, recent_steps) = (0.0, 0);
            }
            let metrics = [
                ("loss", loss_sum / seen as f64),
                ("acc", correct as f64 / seen as f64),
            ];
            bar.advance(1, indices.len() as u64, &metrics);
        }
        let seconds = started.elapsed().as_secs_f64();
        bar.finish();
        state.training.train_seconds += seconds;
        let measured = evaluate(model, held_out.images, 500);
        let stats = EpochStats {
            epoch,
            train_loss: loss_sum / seen.max(1) as f64,
            train_accuracy: correct as f64 / seen.max(1) as f64,
            held_out_loss: measured.loss,
            held_out_accuracy: measured.accuracy,
            seconds,
            examples_per_second: seen as f64 / seconds.max(1e-9),
        };
        println!(
            "epoch {epoch}/{}  loss {:.4}  train_acc {:.4}  {name}_loss {:.4}  {name}_acc {:.4}  {:.0} ex/s  ({:.1} s)",
            config.epochs,
            stats.train_loss,
            stats.train_accuracy,
            stats.held_out_loss,
            stats.held_out_accuracy,
            stats.examples_per_second,
            seconds
        );
        state.training.epochs.push(stats);
        // Weights, Adam's moments and where the run stands: `--resume` continues from here.
        checkpoint.save(model, &optimizer, rngs, &state)?;
    }
    Ok(state.training)
}
// ANCHOR_END: train
