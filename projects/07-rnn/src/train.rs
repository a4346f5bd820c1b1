//! Part 2's training: truncated backpropagation through time on a text, whole names on a
//! word list, both with gradient-norm clipping and Adam.

use std::time::Instant;

use charlm::batch::{name_batch, Streams};
use charlm::checkpoint::Resume;
use charlm::training::{evaluate_after, Carried, Cursor, Pass};
pub use charlm::training::{Point, Training};
use data::split::LastBatch;
use nn::{Adam, Optimizer};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use run::resume::RngState;
use tensor::Tensor;

use crate::model::{classes, CharRnn};
use crate::{clip_grad_norm, sample};

/// Settings of a Part 2 run.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Hidden units `H`.
    pub hidden: usize,
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
    /// Training steps (windows, or batches of names).
    pub steps: usize,
    /// Measure the validation loss every this many steps (and after the last).
    pub eval_every: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            hidden: 256,
            seq_len: 64,
            batch: 32,
            lr: 2e-3,
            final_lr_fraction: 0.05,
            clip: 1.0,
            steps: 5000,
            eval_every: 500,
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
        model: &'a CharRnn,
        optimizer: &'a dyn Optimizer,
        cursor: Box<Cursor>,
    },
}

// ANCHOR: step
/// One optimisation step on `loss`: backward, stop if a gradient is not a number (naming the
/// parameter and `at`), clip the gradient's global norm to `clip` (the learner's
/// [`clip_grad_norm`]), Adam. Returns the norm before clipping.
fn optimise(
    loss: &Tensor,
    params: &[(String, Tensor)],
    optimizer: &mut Adam,
    clip: f32,
    at: &str,
) -> Result<f32, nn::NonFiniteGradient> {
    optimizer.zero_grad();
    loss.backward();
    nn::check_named_gradients(params, at)?;
    let mut grads: Vec<_> = params
        .iter()
        .map(|(_, p)| p.grad().expect("every parameter takes part in the loss"))
        .collect();
    let norm = clip_grad_norm(&mut grads, clip);
    for ((_, p), g) in params.iter().zip(grads) {
        p.set_grad(Some(g));
    }
    optimizer.step();
    Ok(norm)
}
// ANCHOR_END: step

// ANCHOR: train_text
/// Trains `model` on `train` (character ids) by truncated backpropagation through time:
/// `B` streams read `T` characters a step, the hidden state carried from window to window
/// and reset to zero at each pass over the text (each pass starting at a random offset,
/// drawn from `rng`). `report` hears of every step and every evaluation. `resume` (from
/// `--resume`) continues a run from its checkpoint instead of starting afresh.
///
/// # Errors
/// If the loss diverges (NaN, or far above a uniform guess), a resumed checkpoint does not
/// fit, or `report` fails (saving the checkpoint).
pub fn train_text(
    model: &CharRnn,
    train: &[u32],
    valid: &[u32],
    config: &TrainConfig,
    rng: &mut ChaCha8Rng,
    resume: Resume,
    mut report: impl FnMut(Event<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Training> {
    let params = model.named_parameters();
    let mut optimizer = Adam::new(model.parameters(), config.lr);
    let ceiling = 3.0 * (model.vocab() as f64).ln();
    let cursor = charlm::checkpoint::restore(resume, params.clone(), &mut optimizer)?;
    let (mut step, mut training) = (cursor.step, cursor.training);
    // Resuming mid-pass: the pass's offset drawn again, its windows done skipped, the
    // hidden state carried into the next one put back.
    let mut resumed_pass = cursor.pass;
    while step < config.steps {
        let (mut skip, mut h) = (0, model.zero_state(config.batch));
        if let Some(pass) = resumed_pass.take() {
            *rng = pass.rng_at_start.restore()?;
            skip = pass.windows_done;
            h = pass.carried.first().map_or(h, Carried::tensor);
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
            let out = model.forward(&window.inputs, window.batch, &h);
            let loss = tensor::cross_entropy(&out.logits, &classes(&window.targets));
            let at = format!("step {}", step + 1);
            let norm = optimise(&loss, &params, &mut optimizer, config.clip, &at)?;
            h = out.last.detach(); // carried on, but the gradient stops here

            let loss = f64::from(loss.item());
            let chars = window.inputs.len();
            training.step_done(started, loss, chars, norm > config.clip);
            run::check_diverged(loss, ceiling, &format!("step {}", step + 1))?;
            step += 1;
            report(Event::Step { step, loss })?;
            if evaluate_after(step, config.eval_every, config.steps) {
                let point = training.evaluated(step, evaluate_text(model, valid));
                let pass = Pass {
                    rng_at_start: pass_start.clone(),
                    windows_done: w + 1,
                    carried: vec![Carried::of(&h)],
                };
                report(Event::Evaluated {
                    point,
                    model,
                    optimizer: &optimizer,
                    cursor: Box::new(cursor_at(step, &training, pass)),
                })?;
            }
        }
    }
    Ok(training)
}
// ANCHOR_END: train_text

/// Where a loop stands after `step` steps, with its record so far, inside `pass`.
fn cursor_at(step: usize, training: &Training, pass: Pass) -> Cursor {
    Cursor {
        step,
        training: training.clone(),
        rngs: Vec::new(), // no random stream besides the pass's own (no dropout here)
        pass: Some(pass),
    }
}

/// Mean loss per character (nats) of `model` over `ids[1..]`, read as 16 streams with the
/// hidden state carried (so each stream starts cold once): the validation loss.
pub fn evaluate_text(model: &CharRnn, ids: &[u32]) -> f64 {
    tensor::no_grad(|| {
        let streams = Streams::new(ids, 16, 0);
        let mut h = model.zero_state(16);
        let (mut total, mut count) = (0.0, 0);
        for window in streams.windows(256, LastBatch::Keep) {
            let out = model.forward(&window.inputs, window.batch, &h);
            let loss = tensor::cross_entropy(&out.logits, &classes(&window.targets));
            total += f64::from(loss.item()) * window.targets.len() as f64;
            count += window.targets.len();
            h = out.last;
        }
        total / count as f64
    })
}

// ANCHOR: train_names
/// Trains `model` on names, each read from a zero hidden state: batches of `B` names
/// (reshuffled every pass, with `rng`), padded to the longest, only each name's own
/// predictions scored. `resume` continues a run from its checkpoint, as in [`train_text`].
///
/// # Errors
/// If the loss diverges, a resumed checkpoint does not fit, or `report` fails.
#[allow(clippy::too_many_arguments)] // train_text's, and the names' end mark
pub fn train_names(
    model: &CharRnn,
    train: &[Vec<u32>],
    valid: &[Vec<u32>],
    end: u32,
    config: &TrainConfig,
    rng: &mut ChaCha8Rng,
    resume: Resume,
    mut report: impl FnMut(Event<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Training> {
    let params = model.named_parameters();
    let mut optimizer = Adam::new(model.parameters(), config.lr);
    let ceiling = 3.0 * (model.vocab() as f64).ln();
    let cursor = charlm::checkpoint::restore(resume, params.clone(), &mut optimizer)?;
    let (mut step, mut training) = (cursor.step, cursor.training);
    // Resuming mid-pass: the pass's order drawn again, its batches done skipped.
    let mut resumed_pass = cursor.pass;
    while step < config.steps {
        let mut skip = 0;
        if let Some(pass) = resumed_pass.take() {
            *rng = pass.rng_at_start.restore()?;
            skip = pass.windows_done;
        }
        let pass_start = RngState::of(rng);
        let order = data::split::shuffled_indices(train.len(), rng);
        let batches = data::split::batches(&order, config.batch, LastBatch::Drop);
        for (b, indices) in batches.enumerate().skip(skip) {
            if step == config.steps {
                break;
            }
            let started = Instant::now();
            optimizer.set_learning_rate(config.lr_at(step));
            let names: Vec<&[u32]> = indices.iter().map(|&i| train[i].as_slice()).collect();
            let (loss, chars) = names_loss(model, &names, end);
            let at = format!("step {}", step + 1);
            let norm = optimise(&loss, &params, &mut optimizer, config.clip, &at)?;

            let loss = f64::from(loss.item());
            training.step_done(started, loss, chars, norm > config.clip);
            run::check_diverged(loss, ceiling, &format!("step {}", step + 1))?;
            step += 1;
            report(Event::Step { step, loss })?;
            if evaluate_after(step, config.eval_every, config.steps) {
                let point = training.evaluated(step, evaluate_names(model, valid, end));
                let pass = Pass {
                    rng_at_start: pass_start.clone(),
                    windows_done: b + 1,
                    carried: Vec::new(), // each name starts from a zero state
                };
                report(Event::Evaluated {
                    point,
                    model,
                    optimizer: &optimizer,
                    cursor: Box::new(cursor_at(step, &training, pass)),
                })?;
            }
        }
    }
    Ok(training)
}
// ANCHOR_END: train_names

/// The mean loss of a batch of names (each from a zero state, padding not scored) and how
/// many characters it scored.
fn names_loss(model: &CharRnn, names: &[&[u32]], end: u32) -> (Tensor, usize) {
    let batch = name_batch(names, end);
    let b = batch.window.batch;
    let out = model.forward(&batch.window.inputs, b, &model.zero_state(b));
    // Row b·len + t of the logits scores position t of name b: the scored positions are rows.
    let rows = &batch.scored;
    let targets: Vec<usize> = batch.scored_targets().iter().map(|&t| t as usize).collect();
    let loss = tensor::cross_entropy(&out.logits.index_select(rows), &targets);
    (loss, rows.len())
}

/// Mean loss per character (nats, end marks included) of `model` on `names`.
pub fn evaluate_names(model: &CharRnn, names: &[Vec<u32>], end: u32) -> f64 {
    tensor::no_grad(|| {
        let (mut total, mut count) = (0.0, 0);
        for chunk in names.chunks(512) {
            let chunk: Vec<&[u32]> = chunk.iter().map(Vec::as_slice).collect();
            let (loss, chars) = names_loss(model, &chunk, end);
            total += f64::from(loss.item()) * chars as f64;
            count += chars;
        }
        total / count as f64
    })
}

/// `length` characters generated after reading `prompt` from a zero state, at `temperature`.
pub fn generate(
    model: &CharRnn,
    prompt: &[u32],
    length: usize,
    temperature: f32,
    rng: &mut impl Rng,
) -> Vec<u32> {
    generate_until(model, prompt, length, None, temperature, rng)
}

/// Like [`generate`], stopping early after `stop` (a name's end mark) if given; the stop
/// character is not returned.
pub fn generate_until(
    model: &CharRnn,
    prompt: &[u32],
    length: usize,
    stop: Option<u32>,
    temperature: f32,
    rng: &mut impl Rng,
) -> Vec<u32> {
    tensor::no_grad(|| {
        // Read the whole prompt as one sequence, then one character at a time.
        let out = model.forward(prompt, 1, &model.zero_state(1));
        let mut h = out.last;
        let mut logits = out.logits.narrow(0, prompt.len() - 1, 1).to_vec();
        let mut text = Vec::with_capacity(length);
        for _ in 0..length {
            let x = sample(&logits, temperature, rng);
            if Some(x) == stop {
                break;
            }
            text.push(x);
            let out = model.forward(&[x], 1, &h);
            (h, logits) = (out.last, out.logits.to_vec());
        }
        text
    })
}
