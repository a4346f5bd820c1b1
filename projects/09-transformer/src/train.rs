//! Training: random windows of the text, AdamW with warm-up and a cosine decay, gradient
//! clipping, and the validation loss over the whole validation split.

use std::time::Instant;

use charlm::checkpoint::{Group, Resume};
use charlm::training::{evaluate_after, Cursor};
pub use charlm::training::{Point, Training};
use nn::schedule::LrSchedule;
use nn::{Adam, Optimizer};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use run::resume::RngState;
use tensor::Tensor;

use crate::model::{Dropout, Gpt};

/// Settings of a training run.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Windows per step, `B`.
    pub batch: usize,
    /// Characters per window, `T` (the model's context).
    pub seq_len: usize,
    /// Training steps.
    pub steps: usize,
    /// The peak learning rate, reached at the end of the warm-up.
    pub lr: f32,
    /// Steps of linear warm-up from near zero to `lr`.
    pub warmup: usize,
    /// The learning rate falls along half a cosine to `lr · final_lr_fraction`.
    pub final_lr_fraction: f32,
    /// AdamW's decoupled weight decay, on the matrices only (not biases, LayerNorms or
    /// embeddings' positions... see [`decays`]).
    pub weight_decay: f32,
    /// The largest global gradient norm a step may take.
    pub clip: f32,
    /// Dropout probability on the embeddings and on each sublayer's output.
    pub dropout: f32,
    /// Measure the validation loss every this many steps (and after the last).
    pub eval_every: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            batch: 12,
            seq_len: 64,
            steps: 9000,
            lr: 2e-3,
            warmup: 100,
            final_lr_fraction: 0.1,
            weight_decay: 0.1,
            clip: 1.0,
            dropout: 0.0,
            eval_every: 500,
        }
    }
}

// ANCHOR: schedule
impl TrainConfig {
    /// The learning rate at `step`: a linear ramp over the warm-up, then half a cosine
    /// down to `lr · final_lr_fraction` at the last step.
    pub fn schedule(&self) -> impl LrSchedule {
        nn::schedule::Warmup {
            steps: self.warmup,
            then: nn::schedule::Cosine {
                base: self.lr,
                min: self.lr * self.final_lr_fraction,
                total: self.steps.saturating_sub(self.warmup),
            },
        }
    }
}
// ANCHOR_END: schedule

/// Whether AdamW's weight decay applies to a parameter: the matrices of the linear layers
/// and the token embedding, as in nanoGPT, not the biases, LayerNorm scales and shifts (a
/// decayed LayerNorm scale would pull every activation towards zero).
pub fn decays(name: &str, shape: &[usize]) -> bool {
    shape.len() == 2 && name != "position_embedding"
}

/// What a training loop tells its caller as it goes.
pub enum Event<'a> {
    /// A step is done; its training loss.
    Step { step: usize, loss: f64 },
    /// The validation loss was measured: the model is there to sample from, and the
    /// optimizer and the cursor to save with it, for `--resume`.
    Evaluated {
        point: Point,
        model: &'a Gpt,
        optimizer: &'a dyn Optimizer,
        cursor: Box<Cursor>,
    },
}

/// `batch` windows of `seq_len + 1` characters at random places in `ids`: the first
/// `seq_len` of each are the inputs, the last `seq_len` the targets (each input's next
/// character). Returns `(inputs, targets)`, `[B·T]` each, row by row.
///
/// # Panics
/// If `ids` is shorter than one window.
pub fn random_windows(
    ids: &[u32],
    batch: usize,
    seq_len: usize,
    rng: &mut impl Rng,
) -> (Vec<u32>, Vec<usize>) {
    assert!(
        ids.len() > seq_len,
        "a text of {} characters has no window of {seq_len}",
        ids.len()
    );
    let mut inputs = Vec::with_capacity(batch * seq_len);
    let mut targets = Vec::with_capacity(batch * seq_len);
    for _ in 0..batch {
        let start = rng.random_range(0..ids.len() - seq_len);
        inputs.extend_from_slice(&ids[start..start + seq_len]);
        targets.extend(ids[start + 1..=start + seq_len].iter().map(|&i| i as usize));
    }
    (inputs, targets)
}

/// Mean cross-entropy (nats per character) of `logits: [B, T, V]` against `targets [B·T]`.
pub fn loss(logits: &Tensor, targets: &[usize]) -> Tensor {
    let v = logits.shape()[2];
    tensor::cross_entropy(&logits.reshape(&[targets.len(), v]), targets)
}

// ANCHOR: train
/// Trains `model` on `train` (character ids): each step `B` random windows of `T`
/// characters, the mean loss of all `B·T` predictions, backward, the gradient clipped to a
/// global norm of `clip`, and an AdamW step at the schedule's learning rate.
/// `report` hears of every step and every evaluation on `valid`. `resume` (from
/// `--resume`) continues a run from its checkpoint instead of starting afresh.
///
/// # Errors
/// If the loss diverges (NaN, or far above a uniform guess), a resumed checkpoint does not
/// fit, or `report` fails (saving the checkpoint).
pub fn train(
    model: &Gpt,
    train: &[u32],
    valid: &[u32],
    config: &TrainConfig,
    rng: &mut ChaCha8Rng,
    resume: Resume,
    mut report: impl FnMut(Event<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Training> {
    // Two optimizers with the same settings: one decays its weights, the other does not.
    let (decayed, plain): (Vec<_>, Vec<_>) = model
        .named_parameters()
        .into_iter()
        .partition(|(name, t)| decays(name, &t.shape()));
    let named = model.named_parameters();
    let adamw = |params: Vec<(String, Tensor)>, decay: f32| {
        let mut adam = Adam::adamw(
            params.into_iter().map(|(_, t)| t).collect(),
            config.lr,
            decay,
        );
        adam.beta2 = 0.99; // as nanoGPT for small models: the second moment adapts faster
        adam
    };
    let mut optimizer = Group::new(vec![adamw(decayed, config.weight_decay), adamw(plain, 0.0)]);
    let params = model.parameters();
    let schedule = config.schedule();
    let ceiling = 3.0 * (model.config.vocab as f64).ln();
    let mut dropout_rng = rng.clone();
    dropout_rng.set_stream(7); // dropout's masks never shift which windows are drawn
    let Cursor {
        step: done,
        mut training,
        rngs,
        ..
    } = charlm::checkpoint::restore(resume, named.clone(), &mut optimizer)?;
    if let [windows, masks] = rngs.as_slice() {
        (*rng, dropout_rng) = (windows.restore()?, masks.restore()?);
    }
    for step in done + 1..=config.steps {
        let started = Instant::now();
        let (inputs, targets) = random_windows(train, config.batch, config.seq_len, rng);
        let mut dropout = Dropout::training(config.dropout, &mut dropout_rng);
        let logits = model.forward(&inputs, config.batch, 0, None, &mut dropout);
        let loss = loss(&logits, &targets);
        optimizer.zero_grad();
        optimizer.set_learning_rate(schedule.lr(step - 1));
        loss.backward();
        // A NaN or infinite gradient stops the run, naming the parameter, before Adam.
        nn::check_named_gradients(&named, &format!("step {step}"))?;
        nn::clip_grad_norm(&params, config.clip);
        optimizer.step();

        let loss = f64::from(loss.item());
        training.step_done(started, loss, targets.len(), false);
        run::check_diverged(loss, ceiling, &format!("step {step}"))?;
        report(Event::Step { step, loss })?;
        if evaluate_after(step, config.eval_every, config.steps) {
            let point = training.evaluated(step, evaluate(model, valid, config.seq_len));
            let cursor = Box::new(Cursor {
                step,
                training: training.clone(),
                rngs: vec![RngState::of(rng), RngState::of(&dropout_rng)],
                pass: None,
            });
            report(Event::Evaluated {
                point,
                model,
                optimizer: &optimizer,
                cursor,
            })?;
        }
    }
    Ok(training)
}
// ANCHOR_END: train

/// Mean loss per character (nats) over all of `ids`, read in consecutive windows of
/// `seq_len` characters (each window predicting its own next characters, from the context
/// within it), 32 windows at a time: the validation loss.
pub fn evaluate(model: &Gpt, ids: &[u32], seq_len: usize) -> f64 {
    tensor::no_grad(|| {
        let windows = (ids.len() - 1) / seq_len;
        let (mut total, mut count) = (0.0, 0usize);
        let starts: Vec<usize> = (0..windows).map(|w| w * seq_len).collect();
        for chunk in starts.chunks(32) {
            let mut inputs = Vec::with_capacity(chunk.len() * seq_len);
            let mut targets = Vec::with_capacity(chunk.len() * seq_len);
            for &s in chunk {
                inputs.extend_from_slice(&ids[s..s + seq_len]);
                targets.extend(ids[s + 1..=s + seq_len].iter().map(|&i| i as usize));
            }
            let logits = model.forward(&inputs, chunk.len(), 0, None, &mut Dropout::off());
            total += f64::from(loss(&logits, &targets).item()) * targets.len() as f64;
            count += targets.len();
        }
        total / count.max(1) as f64
    })
}
