//! Part 2: the game on MNIST. Batches of real digits, the training loop, and what it records.
//!
//! Legend: N = batch, Z = latent size.

use std::time::Instant;

use data::mnist::ImageSet;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use tensor::Tensor;

use crate::gan::{Averaged, Gan};
use crate::models::latent;

/// How long to train on MNIST, and on what batches. (The players' optimisers are set up by
/// [`Gan::new`].)
#[derive(Debug, Clone)]
pub struct DigitsConfig {
    /// Training steps (one discriminator and one generator update each).
    pub steps: usize,
    pub batch_size: usize,
    /// Z.
    pub latent: usize,
}

// ANCHOR: real_batch
/// Images `indices` of `set` as a batch `[N, 1, 28, 28]` with pixels scaled to `[-1, 1]`, the
/// range of the generator's `tanh`.
pub fn real_batch(set: &ImageSet, indices: &[usize]) -> Tensor {
    let (h, w) = (set.rows(), set.cols());
    let mut pixels = Vec::with_capacity(indices.len() * h * w);
    for &i in indices {
        let bytes = set
            .image(i)
            .to_slice()
            .expect("images are stored row-major");
        pixels.extend(bytes.iter().map(|&p| f32::from(p) / 127.5 - 1.0));
    }
    Tensor::from_vec(pixels, &[indices.len(), 1, h, w])
}
// ANCHOR_END: real_batch

/// What training recorded.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DigitsTraining {
    /// Mean losses over each stretch of `log_every` steps: (epoch, discriminator, generator).
    pub losses: Vec<(f64, f64, f64)>,
    /// Seconds spent in training steps.
    pub train_seconds: f64,
    /// Steps taken.
    pub steps: usize,
    /// Passes over the training images (steps × batch / images).
    pub epochs: f64,
}

/// Where training stands between two epochs: with the players' weights, their optimisers'
/// state and the random streams, what the loop needs to carry on (`--resume`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DigitsState {
    /// The record so far.
    pub record: DigitsTraining,
    /// Steps taken.
    pub step: usize,
    /// The training images' order in the last epoch: each epoch reshuffles the previous
    /// epoch's order. Empty before the first epoch.
    pub order: Vec<usize>,
    /// Sums of the discriminator's and generator's losses, and the steps they add up, since
    /// the last point of the loss curve (a stretch of `log_every` steps may span two epochs).
    pub pending: (f64, f64, usize),
}

/// Called at the end of each epoch (and after the last step) with the epoch number, the game,
/// where training stands and the random streams: to draw samples, measure the game, or save
/// it. Its time is not counted as training.
pub type EpochHook<'a> = &'a mut dyn FnMut(
    usize,
    &mut Gan,
    Option<&mut Averaged>,
    &DigitsState,
    &run::Rngs,
) -> anyhow::Result<()>;

// ANCHOR: train_digits
/// Plays `config.steps` rounds of the game on `train`: each step a batch of real images (in a
/// fresh random order every epoch, from `rngs.shuffle`) and a batch of latent points (from
/// `rngs.noise`), then [`crate::train_step`], then the update of the generator's running
/// average if there is one. It starts from `state`: nothing done for a fresh run, or where a
/// resumed run's checkpoint stood (its weights already in the players).
///
/// # Errors
/// If a loss stops being finite (the game diverged), or the hook fails.
// Each argument is one thing the loop needs; bundling them would only hide that.
#[allow(clippy::too_many_arguments)]
pub fn train_digits(
    gan: &mut Gan,
    mut averaged: Option<&mut Averaged>,
    train: &ImageSet,
    config: &DigitsConfig,
    rngs: &mut run::Rngs,
    mut state: DigitsState,
    progress: &dyn Fn(&str, u64) -> run::Progress,
    on_epoch: EpochHook<'_>,
) -> anyhow::Result<DigitsTraining> {
    let batch = config.batch_size;
    let steps_per_epoch = train.len().div_ceil(batch);
    let epochs = config.steps.div_ceil(steps_per_epoch);
    let log_every = (steps_per_epoch / 20).clamp(1, 50);
    if state.order.is_empty() {
        state.order = (0..train.len()).collect();
    }
    // A resumed run continues after the last whole epoch it saved.
    for epoch in state.step / steps_per_epoch + 1..=epochs {
        let DigitsState {
            record,
            step,
            order,
            pending: (d_sum, g_sum, counted),
        } = &mut state;
        order.shuffle(&mut rngs.shuffle);
        let this_epoch = steps_per_epoch.min(config.steps - *step);
        let mut bar = progress(&format!("epoch {epoch}/{epochs}"), this_epoch as u64);
        let started = Instant::now();
        let (mut epoch_d, mut epoch_g) = (0.0, 0.0);
        for indices in order.chunks(batch).take(this_epoch) {
            let real = real_batch(train, indices); // [N, 1, 28, 28]
            let z = latent(indices.len(), config.latent, &mut rngs.noise); // [N, Z]
            let losses = crate::train_step(gan, &real, &z);
            if let Some(average) = averaged.as_deref() {
                average.update(gan.generator.as_ref());
            }
            *step += 1;
            let (d, g) = (f64::from(losses.discriminator), f64::from(losses.generator));
            run::check_finite(d + g, &format!("step {step}"))?;
            gan.check_gradients(&format!("step {step}"))?;
            (*d_sum, *g_sum, *counted) = (*d_sum + d, *g_sum + g, *counted + 1);
            (epoch_d, epoch_g) = (epoch_d + d, epoch_g + g);
            if *counted == log_every {
                let at = *step as f64 / steps_per_epoch as f64;
                let n = *counted as f64;
                record.losses.push((at, *d_sum / n, *g_sum / n));
                (*d_sum, *g_sum, *counted) = (0.0, 0.0, 0);
            }
            let done = (*step - (epoch - 1) * steps_per_epoch) as f64;
            bar.advance(
                1,
                indices.len() as u64,
                &[("d_loss", epoch_d / done), ("g_loss", epoch_g / done)],
            );
        }
        let seconds = started.elapsed().as_secs_f64();
        bar.finish();
        record.train_seconds += seconds;
        let done = this_epoch.max(1) as f64;
        println!(
            "epoch {epoch}/{epochs}  d_loss {:.4}  g_loss {:.4}  {:.0} images/s  ({seconds:.1} s)",
            epoch_d / done,
            epoch_g / done,
            (this_epoch * batch) as f64 / seconds.max(1e-9)
        );
        on_epoch(epoch, gan, averaged.as_deref_mut(), &state, rngs)?;
    }
    let mut record = state.record;
    record.steps = state.step;
    record.epochs = (state.step * batch) as f64 / train.len() as f64;
    Ok(record)
}
// ANCHOR_END: train_digits
