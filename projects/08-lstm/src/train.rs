//! Training by truncated backpropagation through time, evaluation, and generation.
//!
//! Chapter 7's loop, unchanged in kind: `B` streams of the text read `T` characters a step,
//! the state carried from window to window ([`carry_state`]), the gradient's global norm
//! clipped, Adam with a learning rate that falls along half a cosine. New here: several
//! layers of state to carry, and dropout between the layers in training.

use std::time::Instant;

use charlm::batch::Streams;
use charlm::checkpoint::Resume;
use charlm::training::{evaluate_after, Carried, Cursor, Pass};
pub use charlm::training::{Point, Training};
use data::split::LastBatch;
use nn::{Adam, Optimizer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use run::resume::RngState;
use tensor::Tensor;

use crate::carry_state;
use crate::model::{time_major, CharModel, LayerState};

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
            lr: 1e-2,
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
        charlm::training::cosine_lr(self.lr, self.final_lr_fraction, step, self.steps)
    }
}

/// What a training loop tells its caller as it goes.
pub enum Event<'a> {
    /// A step is done; its training loss.
    Step { step: usize, loss: f64 },
    /// The validation loss was measured: the model is there to sample from, and the
    /// optimizer and the cursor to save with it, for `--resume`.
    Evaluated {
        point: Point,
        model: &'a CharModel,
        optimizer: &'a dyn Optimizer,
        cursor: Box<Cursor>,
    },
}

// ANCHOR: train_text
/// Trains `model` on `train` (character ids): `B` streams read `T` characters a step, every
/// layer's state carried from window to window and reset to zero at each pass over the
/// text (each pass starting at a random offset). `rng` draws the offsets and the dropout
/// masks; `report` hears of every step and every evaluation. `resume` (from `--resume`)
/// continues a run from its checkpoint instead of starting afresh.
///
/// # Errors
/// If the loss diverges (NaN, or far above a uniform guess), a resumed checkpoint does not
/// fit, or `report` fails (saving the checkpoint).
pub fn train_text(
    model: &CharModel,
    train: &[u32],
    valid: &[u32],
    config: &TrainConfig,
    rng: &mut ChaCha8Rng,
    resume: Resume,
    mut report: impl FnMut(Event<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Training> {
    let params = model.parameters();
    let named = model.named_parameters();
    let mut optimizer = Adam::new(params.clone(), config.lr);
    let ceiling = 3.0 * (model.config.vocab as f64).ln();
    let mut dropout = ChaCha8Rng::seed_from_u64(rng.random());
    let cursor = charlm::checkpoint::restore(resume, named.clone(), &mut optimizer)?;
    let (mut step, mut training) = (cursor.step, cursor.training);
    // Resuming mid-pass: the pass's offset drawn again, its windows done skipped, the state
    // carried into the next one put back.
    let mut resumed_pass = cursor.pass;
    if let [masks] = cursor.rngs.as_slice() {
        dropout = masks.restore()?;
    }
    while step < config.steps {
        let (mut skip, mut state) = (0, model.zero_state(config.batch));
        if let Some(pass) = resumed_pass.take() {
            *rng = pass.rng_at_start.restore()?;
            skip = pass.windows_done;
            state = restore_state(state, &pass.carried);
        }
        let pass_start = RngState::of(rng);
        let streams = Streams::new(train, config.batch, rng.random_range(0..config.seq_len));
        let windows = streams.windows(config.seq_len, LastBatch::Drop);
        for (w, window) in windows.enumerate().skip(skip) {
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

            let loss = f64::from(loss.item());
            let clipped = norm > config.clip;
            training.step_done(started, loss, window.inputs.len(), clipped);
            run::check_diverged(loss, ceiling, &format!("step {}", step + 1))?;
            step += 1;
            report(Event::Step { step, loss })?;
            if evaluate_after(step, config.eval_every, config.steps) {
                let ids = match config.eval_chars {
                    Some(n) => &valid[..n.min(valid.len())],
                    None => valid,
                };
                let point = training.evaluated(step, evaluate_text(model, ids));
                let cursor = Box::new(Cursor {
                    step,
                    training: training.clone(),
                    rngs: vec![RngState::of(&dropout)],
                    pass: Some(Pass {
                        rng_at_start: pass_start.clone(),
                        windows_done: w + 1,
                        carried: save_state(&state),
                    }),
                });
                report(Event::Evaluated {
                    point,
                    model,
                    optimizer: &optimizer,
                    cursor,
                })?;
            }
        }
    }
    Ok(training)
}
// ANCHOR_END: train_text

/// Every layer's carried state as values, for the resume cursor.
fn save_state(state: &[LayerState]) -> Vec<Carried> {
    state
        .iter()
        .flat_map(|layer| std::iter::once(&layer.h).chain(&layer.c))
        .map(Carried::of)
        .collect()
}

/// The state [`save_state`] saved, in the shape of `zero` (the model's zero state).
fn restore_state(zero: Vec<LayerState>, carried: &[Carried]) -> Vec<LayerState> {
    let mut saved = carried.iter().map(Carried::tensor);
    zero.into_iter()
        .map(|layer| LayerState {
            h: saved.next().unwrap_or(layer.h),
            c: layer.c.map(|c| saved.next().unwrap_or(c)),
        })
        .collect()
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
