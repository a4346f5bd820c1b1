//! Training by truncated backpropagation through time, evaluation, and generation.
//!
//! Chapter 7's loop, unchanged in kind: `B` streams of the text read `T` characters a step,
//! the state carried from window to window ([`carry_state`]), the gradient's global norm
//! clipped, Adam with a learning rate that falls along half a cosine. New here: several
//! layers of state to carry, and dropout between the layers in training.

use std::time::Instant;

use charlm::batch::Streams;
use data::split::LastBatch;
use nn::{Adam, Optimizer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tensor::Tensor;

use crate::carry_state;
use crate::model::{time_major, CharModel};

/// Settings of a training run.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Steps backpropagated through per window, `T`.
    pub seq_len: usize,
    /// Sequences side by side, `B`.
    pub batch: usize,
    /// Adam's learning rate at the start.
    pub lr: f32,
    /// The learning rate falls along half a cosine to `lr · final_lr_fraction` by the last step.
    pub final_lr_fraction: f32,
    /// The largest global gradient norm a step may take.
    pub clip: f32,
    /// Training steps (windows).
    pub steps: usize,
    /// Measure the validation loss every this many steps (and after the last).
    pub eval_every: usize,
    /// Measure the validation loss on at most this many characters (all of it if `None`).
    pub eval_chars: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            seq_len: 64,
            batch: 32,
            lr: 2e-3,
            final_lr_fraction: 0.05,
            clip: 1.0,
            steps: 5000,
            eval_every: 500,
            eval_chars: None,
        }
    }
}

impl TrainConfig {
    /// The learning rate at step `step`: half a cosine from `lr` down to
    /// `lr · final_lr_fraction`.
    pub fn lr_at(&self, step: usize) -> f32 {
        let progress = step as f32 / self.steps.max(1) as f32;
        let floor = self.lr * self.final_lr_fraction;
        floor + 0.5 * (self.lr - floor) * (1.0 + (std::f32::consts::PI * progress).cos())
    }
}

/// A point of the learning curve.
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// What a training loop tells its caller as it goes.
pub enum Event<'a> {
    /// A step is done; its training loss.
    Step { step: usize, loss: f64 },
    /// The validation loss was measured (the model is there to sample from).
    Evaluated { point: Point, model: &'a CharModel },
}

/// What a run produced.
#[derive(Debug, Clone, Default)]
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
}

/// Whether to measure the validation loss after `step`: every `eval_every` steps, after
/// the last, and early on at 50, 100, 200, 400, ... steps, where the loss moves fastest.
fn evaluate_after(step: usize, config: &TrainConfig) -> bool {
    let early =
        step < config.eval_every && step >= 50 && (step / 50).is_power_of_two() && step % 50 == 0;
    step % config.eval_every == 0 || step == config.steps || early
}

// ANCHOR: train_text
/// Trains `model` on `train` (character ids): `B` streams read `T` characters a step, every
/// layer's state carried from window to window and reset to zero at each pass over the
/// text (each pass starting at a random offset). `rng` draws the offsets and the dropout
/// masks; `report` hears of every step and every evaluation.
///
/// # Errors
/// If the loss diverges (NaN, or far above a uniform guess).
pub fn train_text(
    model: &CharModel,
    train: &[u32],
    valid: &[u32],
    config: &TrainConfig,
    rng: &mut ChaCha8Rng,
    mut report: impl FnMut(Event<'_>),
) -> anyhow::Result<Training> {
    let params = model.parameters();
    let named = model.named_parameters();
    let mut optimizer = Adam::new(params.clone(), config.lr);
    let ceiling = 3.0 * (model.config.vocab as f64).ln();
    let mut dropout = ChaCha8Rng::seed_from_u64(rng.random());
    let mut training = Training::default();
    let (mut loss_sum, mut loss_count) = (0.0, 0usize);
    let mut step = 0;
    while step < config.steps {
        let streams = Streams::new(train, config.batch, rng.random_range(0..config.seq_len));
        let mut state = model.zero_state(config.batch);
        for window in streams.windows(config.seq_len, LastBatch::Drop) {
            if step == config.steps {
                break;
            }
            let started = Instant::now();
            optimizer.set_learning_rate(config.lr_at(step));
            let out = model.forward(&window.inputs, window.batch, &state, Some(&mut dropout));
            let targets = time_major(&window.targets, window.batch);
            let loss = tensor::cross_entropy(&out.logits, &targets);
            optimizer.zero_grad();
            loss.backward();
            // A NaN or infinite gradient stops the run, naming the parameter, before Adam.
            nn::check_named_gradients(&named, &format!("step {}", step + 1))?;
            let norm = nn::clip_grad_norm(&params, config.clip);
            optimizer.step();
            state = carry_state(&out.last);
            training.record(started);

            let loss = f64::from(loss.item());
            run::check_diverged(loss, ceiling, &format!("step {}", step + 1))?;
            training.clipped_steps += usize::from(norm > config.clip);
            training.chars += window.inputs.len() as u64;
            (loss_sum, loss_count) = (loss_sum + loss, loss_count + 1);
            step += 1;
            report(Event::Step { step, loss });
            if evaluate_after(step, config) {
                let ids = match config.eval_chars {
                    Some(n) => &valid[..n.min(valid.len())],
                    None => valid,
                };
                let point = Point {
                    step,
                    seconds: training.train_seconds,
                    train_loss: loss_sum / loss_count as f64,
                    valid_loss: evaluate_text(model, ids),
                };
                training.curve.push(point);
                report(Event::Evaluated { point, model });
                (loss_sum, loss_count) = (0.0, 0);
            }
        }
    }
    Ok(training)
}
// ANCHOR_END: train_text

impl Training {
    fn record(&mut self, step_started: Instant) {
        let seconds = step_started.elapsed().as_secs_f64();
        self.train_seconds += seconds;
        self.step_seconds.push(seconds);
    }
}

/// Mean loss per character (nats) of `model` over `ids[1..]`, read as 16 streams with the
/// state carried (so each stream starts cold once): the validation loss.
pub fn evaluate_text(model: &CharModel, ids: &[u32]) -> f64 {
    let scored: Vec<f64> = losses_per_char(model, ids)
        .into_iter()
        .filter(|l| !l.is_nan())
        .collect();
    scored.iter().sum::<f64>() / scored.len() as f64
}

/// The loss (nats) of predicting each character of `ids[1..]`, in order, from everything
/// before it in its stream: `ids` is read as up to 16 streams side by side, the state carried.
/// Entry `i` is the loss on `ids[1 + i]`, NaN for the few characters no stream predicts
/// (each stream's first, and those past the last whole stream).
pub fn losses_per_char(model: &CharModel, ids: &[u32]) -> Vec<f64> {
    tensor::no_grad(|| {
        let batch = 16.min(ids.len() / 2).max(1);
        let streams = Streams::new(ids, batch, 0);
        let stream_len = ids.len() / batch;
        let mut state = model.zero_state(batch);
        let mut losses = vec![f64::NAN; ids.len() - 1];
        let mut start = 0;
        for window in streams.windows(256, LastBatch::Keep) {
            let out = model.forward(&window.inputs, window.batch, &state, None);
            let log_probs = out.logits.log_softmax(1).to_array();
            for t in 0..window.len {
                for b in 0..window.batch {
                    let target = window.targets[b * window.len + t] as usize;
                    // Stream b's character start + t + 1 is ids[b·stream_len + start + t + 1].
                    let at = b * stream_len + start + t;
                    losses[at] = -f64::from(log_probs[[t * window.batch + b, target]]);
                }
            }
            start += window.len;
            state = out.last;
        }
        losses
    })
}

/// `length` characters generated after reading `prompt` from a zero state, at `temperature`.
pub fn generate(
    model: &CharModel,
    prompt: &[u32],
    length: usize,
    temperature: f32,
    rng: &mut impl Rng,
) -> Vec<u32> {
    tensor::no_grad(|| {
        // Read the whole prompt as one sequence, then one character at a time.
        let out = model.forward(prompt, 1, &model.zero_state(1), None);
        let mut state = out.last;
        let mut logits = out.logits.narrow(0, prompt.len() - 1, 1).to_vec();
        let mut text = Vec::with_capacity(length);
        for _ in 0..length {
            let x = charlm::sample::sample(&logits, temperature, rng);
            text.push(x);
            let out = model.forward(&[x], 1, &state, None);
            (state, logits) = (out.last, out.logits.to_vec());
        }
        text
    })
}

/// The training loss of one window, for tests and probes: forward and loss, no update.
pub fn window_loss(model: &CharModel, inputs: &[u32], targets: &[u32], batch: usize) -> Tensor {
    let out = model.forward(inputs, batch, &model.zero_state(batch), None);
    tensor::cross_entropy(&out.logits, &time_major(targets, batch))
}
