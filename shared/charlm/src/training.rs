//! The record every character model's training loop keeps: the learning curve (a point at
//! each evaluation), the time spent in training steps, and when to evaluate.
//!
//! The loops themselves stay in their projects, where the learner reads them top to bottom
//! (truncated backpropagation through time in 07 and 08, random windows in 09); what they
//! all do around each step, timing it, averaging its loss until the next evaluation, is
//! here once. The record is serialisable so that `--resume` can carry it in a checkpoint.

use std::time::Instant;

use run::resume::RngState;
use serde::{Deserialize, Serialize};
use tensor::Tensor;

/// A point of the learning curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Steps trained so far.
    pub step: usize,
    /// Seconds of training so far (evaluation excluded).
    pub seconds: f64,
    /// Mean training loss of the steps since the last point.
    pub train_loss: f64,
    /// Validation loss at this point.
    pub valid_loss: f64,
}

/// What a run produced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Training {
    pub curve: Vec<Point>,
    /// Seconds spent in training steps (evaluation excluded).
    pub train_seconds: f64,
    /// Seconds each training step took.
    pub step_seconds: Vec<f64>,
    /// Characters predicted in training, in all.
    pub chars: u64,
    /// Steps whose gradient norm was above the clipping threshold.
    pub clipped_steps: usize,
    /// The sum and count of the training losses since the last point (for its mean).
    since_last: (f64, usize),
}

impl Training {
    /// The validation loss at the end.
    pub fn final_valid_loss(&self) -> f64 {
        self.curve.last().map_or(f64::NAN, |p| p.valid_loss)
    }

    /// The median time of a training step, in milliseconds (the median, so that the first
    /// steps, which find the memory allocator and caches cold, do not count).
    pub fn ms_per_step(&self) -> f64 {
        let mut times = self.step_seconds.clone();
        times.sort_by(f64::total_cmp);
        times.get(times.len() / 2).map_or(f64::NAN, |t| 1000.0 * t)
    }

    /// Books a training step that started at `started` (timed up to now), its `loss`, the
    /// `chars` it predicted and whether its gradient was clipped.
    pub fn step_done(&mut self, started: Instant, loss: f64, chars: usize, clipped: bool) {
        let seconds = started.elapsed().as_secs_f64();
        self.train_seconds += seconds;
        self.step_seconds.push(seconds);
        self.chars += chars as u64;
        self.clipped_steps += usize::from(clipped);
        self.since_last.0 += loss;
        self.since_last.1 += 1;
    }

    /// Adds the point of the curve after `step` steps, at validation loss `valid_loss`, with
    /// the mean training loss since the last point; returns it.
    pub fn evaluated(&mut self, step: usize, valid_loss: f64) -> Point {
        let (sum, count) = std::mem::take(&mut self.since_last);
        let point = Point {
            step,
            seconds: self.train_seconds,
            train_loss: sum / count as f64,
            valid_loss,
        };
        self.curve.push(point);
        point
    }
}

/// Whether to measure the validation loss after `step` of `steps`: every `eval_every`
/// steps, after the last, and early on at 50, 100, 200, 400, ... steps, where the loss
/// moves fastest.
pub fn evaluate_after(step: usize, eval_every: usize, steps: usize) -> bool {
    let early = step < eval_every && step >= 50 && step % 50 == 0 && (step / 50).is_power_of_two();
    step % eval_every == 0 || step == steps || early
}

/// The learning rate at `step` of `steps`: half a cosine from `lr` down to
/// `lr · final_fraction` at the last step.
pub fn cosine_lr(lr: f32, final_fraction: f32, step: usize, steps: usize) -> f32 {
    let progress = step as f32 / steps.max(1) as f32;
    let floor = lr * final_fraction;
    floor + 0.5 * (lr - floor) * (1.0 + (std::f32::consts::PI * progress).cos())
}

/// Where a training loop stands after an evaluation: what `--resume` needs, besides the
/// weights and the optimizer's moments, to carry on exactly as a run never stopped would.
/// The loop saves it with the checkpoint at each evaluation (see `crate::checkpoint`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cursor {
    /// Steps done.
    pub step: usize,
    /// The record so far.
    pub training: Training,
    /// The loop's own random streams as they stand (which, and in what order, is the
    /// loop's business: 09 draws its windows from one and its dropout masks from another).
    pub rngs: Vec<RngState>,
    /// Truncated backpropagation through time only: where it stands in its pass over the
    /// text.
    pub pass: Option<Pass>,
}

/// What a run keeps in its checkpoint's resume state besides the weights and the
/// optimizer (the `history` of `run::resume`): the training loop's cursor, and the samples
/// taken so far, of type `S` (07 and 08 keep each with its point of the curve, 09 with its
/// heading), with the random stream they are drawn from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct History<S> {
    pub cursor: Option<Cursor>,
    pub samples: Vec<S>,
    pub sample_rng: Option<RngState>,
}

impl<S> Default for History<S> {
    fn default() -> Self {
        Self {
            cursor: None,
            samples: Vec::new(),
            sample_rng: None,
        }
    }
}

/// Where truncated backpropagation through time stands in a pass over the text: a resumed
/// run puts the data stream back where it stood when the pass began (so it draws the same
/// starting offset), skips the windows already done, and starts from the carried state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pass {
    /// The data stream as it stood before the pass drew its offset.
    pub rng_at_start: RngState,
    /// Windows of this pass already trained on.
    pub windows_done: usize,
    /// The state carried into the next window, tensor by tensor (07: `h`; 08: each
    /// layer's `h`, and `c` for an LSTM).
    pub carried: Vec<Carried>,
}

/// A carried state tensor's values, exactly (JSON writes each `f32` so that it reads back
/// the same).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Carried {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

impl Carried {
    /// The values of `t`.
    pub fn of(t: &Tensor) -> Self {
        Self {
            shape: t.shape(),
            values: t.to_vec(),
        }
    }

    /// The tensor again (a constant: the graph that computed it is gone).
    pub fn tensor(&self) -> Tensor {
        Tensor::from_vec(self.values.clone(), &self.shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluations_come_early_then_every_n_and_at_the_end() {
        let at: Vec<usize> = (1..=1000)
            .filter(|&s| evaluate_after(s, 300, 1000))
            .collect();
        assert_eq!(at, [50, 100, 200, 300, 600, 900, 1000]);
    }

    #[test]
    fn a_point_averages_the_losses_since_the_last_one() {
        let mut training = Training::default();
        for loss in [3.0, 2.0] {
            training.step_done(Instant::now(), loss, 10, loss > 2.5);
        }
        let first = training.evaluated(2, 2.2);
        training.step_done(Instant::now(), 1.0, 10, false);
        let second = training.evaluated(3, 1.9);
        assert_eq!((first.train_loss, second.train_loss), (2.5, 1.0));
        assert_eq!((training.chars, training.clipped_steps), (30, 1));
        assert_eq!(training.step_seconds.len(), 3);
        assert_eq!(training.final_valid_loss(), 1.9);
    }

    #[test]
    fn the_record_round_trips_through_json_exactly() {
        let mut training = Training::default();
        training.step_done(Instant::now(), 0.1 + 0.2, 7, true);
        training.evaluated(1, 1.0 / 3.0);
        let back: Training =
            serde_json::from_str(&serde_json::to_string(&training).unwrap()).unwrap();
        assert_eq!(back.curve, training.curve);
        assert_eq!(back.step_seconds, training.step_seconds);
    }

    #[test]
    fn the_cosine_falls_from_lr_to_its_floor() {
        assert_eq!(cosine_lr(2e-3, 0.05, 0, 100), 2e-3);
        assert!((cosine_lr(2e-3, 0.05, 100, 100) - 1e-4).abs() < 1e-9);
    }
}
