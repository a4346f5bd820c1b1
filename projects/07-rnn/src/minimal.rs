//! Part 1: Karpathy's min-char-rnn, every gradient by hand, on `ndarray`.
//!
//! A vanilla RNN reads one character `x_t` at a time and keeps a hidden state `h_t`, a
//! vector of `H` numbers that is all it remembers of the text so far:
//!
//! ```text
//! a_t = W_xh[x_t] + h_{t-1}·W_hh + b_h       the character's row, plus the memory, mixed
//! h_t = tanh(a_t)                            the new memory, each unit in (-1, 1)
//! y_t = h_t·W_hy + b_y                       scores for the next character
//! p_t = softmax(y_t),  loss_t = -ln p_t[x_{t+1}]
//! ```
//!
//! Shapes: `V` characters in the vocabulary, `H` hidden units, `T` steps unrolled. Weights
//! use the workspace's layout, inputs along the first axis (`y = x·w + b`): `W_xh: [V, H]`
//! (reading character `x` as a one-hot vector times `W_xh` is just row `x`), `W_hh: [H, H]`,
//! `W_hy: [H, V]`. Karpathy's numpy stores each transposed and multiplies column vectors;
//! the arithmetic is the same.
//!
//! Training follows min-char-rnn: sweep the text from the start in chunks of `T = 25`
//! characters, carry the hidden state from chunk to chunk (zeroed when the sweep starts
//! over), backpropagate through each chunk's 25 steps, clip each gradient entry to ±5, and
//! take an Adagrad step with learning rate 0.1.

use std::time::Instant;

use ndarray::{s, Array1, Array2, ArrayView1, ArrayViewD, ArrayViewMutD, Zip};
use rand::Rng;

use crate::{backward_through_time, rnn_step, sample};

/// The names of the five parameter arrays, in the order of [`MinimalRnn::arrays`].
pub const PARTS: [&str; 5] = ["w_xh", "w_hh", "b_h", "w_hy", "b_y"];

// ANCHOR: params
/// The parameters of min-char-rnn (also used for their gradients, which have the same
/// shapes, and for Adagrad's running sums).
#[derive(Debug, Clone, PartialEq)]
pub struct MinimalRnn {
    /// `[V, H]`: row `x` is what reading character `x` adds to the hidden pre-activation.
    pub w_xh: Array2<f32>,
    /// `[H, H]`: how the previous hidden state feeds the next.
    pub w_hh: Array2<f32>,
    /// `[H]`
    pub b_h: Array1<f32>,
    /// `[H, V]`: from the hidden state to a score per character.
    pub w_hy: Array2<f32>,
    /// `[V]`
    pub b_y: Array1<f32>,
}
// ANCHOR_END: params

/// The gradient of the loss with respect to each parameter: the same five arrays.
pub type Gradients = MinimalRnn;

impl MinimalRnn {
    /// Weights drawn from N(0, 0.01²) and zero biases, as min-char-rnn starts.
    pub fn new(vocab: usize, hidden: usize, rng: &mut impl Rng) -> MinimalRnn {
        let mut normal = |rows, cols| {
            nn::init::normal(&[rows, cols], 0.0, 0.01, rng)
                .into_dimensionality()
                .expect("2-D")
        };
        MinimalRnn {
            w_xh: normal(vocab, hidden),
            w_hh: normal(hidden, hidden),
            b_h: Array1::zeros(hidden),
            w_hy: normal(hidden, vocab),
            b_y: Array1::zeros(vocab),
        }
    }

    /// All zeros: a gradient to add into, or Adagrad's sums before the first step.
    pub fn zeros(vocab: usize, hidden: usize) -> MinimalRnn {
        MinimalRnn {
            w_xh: Array2::zeros((vocab, hidden)),
            w_hh: Array2::zeros((hidden, hidden)),
            b_h: Array1::zeros(hidden),
            w_hy: Array2::zeros((hidden, vocab)),
            b_y: Array1::zeros(vocab),
        }
    }

    /// `V`, the number of characters.
    pub fn vocab(&self) -> usize {
        self.w_xh.nrows()
    }

    /// `H`, the number of hidden units.
    pub fn hidden(&self) -> usize {
        self.w_hh.nrows()
    }

    /// How many numbers the model learns: `V·H + H·H + H + H·V + V`.
    pub fn num_parameters(&self) -> usize {
        self.arrays().iter().map(|a| a.len()).sum()
    }

    /// The five arrays, in the order of [`PARTS`].
    pub fn arrays(&self) -> [ArrayViewD<'_, f32>; 5] {
        [
            self.w_xh.view().into_dyn(),
            self.w_hh.view().into_dyn(),
            self.b_h.view().into_dyn(),
            self.w_hy.view().into_dyn(),
            self.b_y.view().into_dyn(),
        ]
    }

    /// The five arrays, writable, in the order of [`PARTS`].
    pub fn arrays_mut(&mut self) -> [ArrayViewMutD<'_, f32>; 5] {
        [
            self.w_xh.view_mut().into_dyn(),
            self.w_hh.view_mut().into_dyn(),
            self.b_h.view_mut().into_dyn(),
            self.w_hy.view_mut().into_dyn(),
            self.b_y.view_mut().into_dyn(),
        ]
    }

    /// The scores for the next character from hidden state `h`: `h·W_hy + b_y`, `[V]`.
    pub fn logits(&self, h: ArrayView1<f32>) -> Array1<f32> {
        // Σ_i h[i]·(row i of W_hy): reads W_hy in memory order (see `rnn_step`).
        let mut y = self.b_y.clone();
        for (&h, w_row) in h.iter().zip(self.w_hy.rows()) {
            y.scaled_add(h, &w_row);
        }
        y
    }
}

// ANCHOR: unrolled
/// What the forward pass over a chunk keeps for the backward pass.
#[derive(Debug, Clone)]
pub struct Unrolled {
    /// `[T + 1, H]`: row 0 is the hidden state carried in, row `t + 1` is `h_t`.
    pub hs: Array2<f32>,
    /// `[T, V]`: `probs[t]` is the predicted distribution of the character after `x_t`.
    pub probs: Array2<f32>,
    /// The summed loss of the chunk, `Σ_t -ln probs[t, target_t]` (min-char-rnn's loss; its
    /// mean per character is `loss / T`).
    pub loss: f64,
}

/// Runs the RNN over `inputs` from hidden state `h_prev`, scoring each `targets[t]`.
///
/// # Panics
/// If `inputs` and `targets` differ in length or are empty.
#[track_caller]
pub fn forward(
    rnn: &MinimalRnn,
    inputs: &[u32],
    targets: &[u32],
    h_prev: ArrayView1<f32>,
) -> Unrolled {
    assert!(
        !inputs.is_empty() && inputs.len() == targets.len(),
        "forward: {} inputs and {} targets",
        inputs.len(),
        targets.len()
    );
    let steps = inputs.len();
    let mut hs = Array2::zeros((steps + 1, rnn.hidden()));
    hs.row_mut(0).assign(&h_prev);
    // The recurrence: each step needs the one before, so this loop cannot be batched.
    for (t, &x) in inputs.iter().enumerate() {
        let h = rnn_step(rnn, x, hs.row(t));
        hs.row_mut(t + 1).assign(&h);
    }
    // The output layer looks at each h_t on its own: one matrix product for all steps.
    let logits = hs.slice(s![1.., ..]).dot(&rnn.w_hy) + &rnn.b_y; // [T, H]·[H, V] -> [T, V]
    let probs = softmax_rows(logits);
    let loss = targets
        .iter()
        .enumerate()
        .map(|(t, &y)| -f64::from(probs[[t, y as usize]]).ln())
        .sum();
    Unrolled { hs, probs, loss }
}
// ANCHOR_END: unrolled

/// Softmax of each row: `[T, V]` scores in, `[T, V]` probabilities out.
fn softmax_rows(mut logits: Array2<f32>) -> Array2<f32> {
    for mut row in logits.rows_mut() {
        // exp() overflows f32 above ~88; subtracting the row's max changes no ratio.
        let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row /= sum;
    }
    logits
}

// ANCHOR: loss_and_gradients
/// The loss of one chunk, the gradient of every parameter, and the hidden state to carry
/// into the next chunk: min-char-rnn's `lossFun`.
pub fn loss_and_gradients(
    rnn: &MinimalRnn,
    inputs: &[u32],
    targets: &[u32],
    h_prev: ArrayView1<f32>,
) -> (f64, Gradients, Array1<f32>) {
    let pass = forward(rnn, inputs, targets, h_prev);
    let mut grads = backward_through_time(rnn, inputs, targets, &pass);
    // min-char-rnn's guard against exploding gradients: clip every entry to [-5, 5].
    for mut g in grads.arrays_mut() {
        g.mapv_inplace(|v| v.clamp(-5.0, 5.0));
    }
    let h_last = pass.hs.row(inputs.len()).to_owned();
    (pass.loss, grads, h_last)
}
// ANCHOR_END: loss_and_gradients

// ANCHOR: adagrad
/// Adagrad: each parameter's step is divided by the root of the sum of all its squared
/// gradients so far, so parameters that get large gradients slow down and rarely-used
/// ones (the rows of rare characters) keep taking big steps.
#[derive(Debug, Clone)]
pub struct Adagrad {
    pub lr: f32,
    /// Σ g², one array per parameter.
    memory: MinimalRnn,
}

impl Adagrad {
    /// Adagrad for `rnn`'s parameters with learning rate `lr` (min-char-rnn: 0.1).
    pub fn new(rnn: &MinimalRnn, lr: f32) -> Adagrad {
        Adagrad {
            lr,
            memory: MinimalRnn::zeros(rnn.vocab(), rnn.hidden()),
        }
    }

    /// `m += g²; p -= lr · g / √(m + 1e-8)` for every parameter.
    pub fn step(&mut self, rnn: &mut MinimalRnn, grads: &Gradients) {
        let lr = self.lr;
        let params = rnn.arrays_mut();
        let memories = self.memory.arrays_mut();
        for ((p, g), m) in params.into_iter().zip(grads.arrays()).zip(memories) {
            Zip::from(p).and(&g).and(m).for_each(|p, &g, m| {
                *m += g * g;
                *p -= lr * g / (*m + 1e-8).sqrt();
            });
        }
    }
}
// ANCHOR_END: adagrad

/// Generates `length` character ids: reads `first`, samples the next character at
/// `temperature`, reads that, and so on, starting from hidden state `h`.
pub fn generate(
    rnn: &MinimalRnn,
    h: ArrayView1<f32>,
    first: u32,
    length: usize,
    temperature: f32,
    rng: &mut impl Rng,
) -> Vec<u32> {
    let mut h = h.to_owned();
    let mut x = first;
    let mut out = Vec::with_capacity(length);
    for _ in 0..length {
        h = rnn_step(rnn, x, h.view());
        let logits = rnn.logits(h.view());
        x = sample(logits.as_slice().expect("contiguous"), temperature, rng);
        out.push(x);
    }
    out
}

/// Mean loss per character (nats) over `ids[1..]`, reading `ids` from a zero hidden state:
/// the validation loss.
///
/// # Panics
/// If `ids` has fewer than two characters.
#[track_caller]
pub fn evaluate(rnn: &MinimalRnn, ids: &[u32]) -> f64 {
    assert!(ids.len() >= 2, "evaluate: need at least two characters");
    let mut h = Array1::zeros(rnn.hidden());
    let mut total = 0.0;
    for pair in ids.windows(2) {
        h = rnn_step(rnn, pair[0], h.view());
        let logits = rnn.logits(h.view());
        let max = logits.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let log_sum = logits.mapv(|v| (v - max).exp()).sum().ln() + max;
        total += f64::from(log_sum - logits[pair[1] as usize]);
    }
    total / (ids.len() - 1) as f64
}

/// Settings of a min-char-rnn run.
#[derive(Debug, Clone)]
pub struct MinimalConfig {
    /// Hidden units (min-char-rnn: 100).
    pub hidden: usize,
    /// Steps unrolled per chunk (min-char-rnn: 25).
    pub seq_len: usize,
    /// Adagrad's learning rate (min-char-rnn: 0.1).
    pub lr: f32,
    /// Chunks to train on.
    pub iterations: usize,
    /// Sample a text every this many iterations (min-char-rnn: 100).
    pub sample_every: usize,
    /// Characters per sample (min-char-rnn: 200).
    pub sample_len: usize,
}

impl Default for MinimalConfig {
    fn default() -> Self {
        MinimalConfig {
            hidden: 100,
            seq_len: 25,
            lr: 0.1,
            iterations: 100_000,
            sample_every: 100,
            sample_len: 200,
        }
    }
}

/// One point of a loss curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Iterations (chunks) trained so far.
    pub iteration: usize,
    /// Seconds of training so far.
    pub seconds: f64,
    /// min-char-rnn's smoothed loss (an exponential moving average with weight 0.001 on
    /// the newest chunk), per character.
    pub loss: f64,
}

/// What a min-char-rnn run produced.
#[derive(Debug, Clone)]
pub struct MinimalRun {
    pub rnn: MinimalRnn,
    /// The smoothed loss every `sample_every` iterations.
    pub curve: Vec<CurvePoint>,
    /// `(iteration, character ids)`: the sample drawn every `sample_every` iterations.
    pub samples: Vec<(usize, Vec<u32>)>,
    /// Seconds spent in the training loop (sampling included, as in min-char-rnn).
    pub seconds: f64,
}

impl MinimalRun {
    /// Iterations per second of the training loop.
    pub fn iterations_per_second(&self, iterations: usize) -> f64 {
        iterations as f64 / self.seconds.max(1e-9)
    }
}

// ANCHOR: train
/// min-char-rnn's training loop over `text` (character ids of a vocabulary of `vocab`).
/// `on_sample(iteration, smoothed loss, sample)` is called every `sample_every` iterations.
///
/// # Errors
/// If the loss or a gradient stops being finite (the message names the iteration and the
/// parameter, and says to lower the learning rate).
///
/// # Panics
/// If `text` is not longer than one chunk.
#[track_caller]
pub fn train(
    config: &MinimalConfig,
    text: &[u32],
    vocab: usize,
    init_rng: &mut impl Rng,
    sample_rng: &mut impl Rng,
    mut on_sample: impl FnMut(usize, f64, &[u32]),
) -> anyhow::Result<MinimalRun> {
    let steps = config.seq_len;
    assert!(
        text.len() > steps + 1,
        "a text of {} characters",
        text.len()
    );
    let mut rnn = MinimalRnn::new(vocab, config.hidden, init_rng);
    let mut adagrad = Adagrad::new(&rnn, config.lr);
    let mut h = Array1::zeros(config.hidden);
    let mut position = 0;
    // The loss of a model that knows nothing, for a start: uniform over V characters.
    let mut smooth_loss = (vocab as f64).ln();
    let (mut curve, mut samples) = (Vec::new(), Vec::new());
    let started = Instant::now();
    for iteration in 0..config.iterations {
        if position + steps + 1 >= text.len() {
            position = 0; // back to the start of the text, with a fresh memory
            h.fill(0.0);
        }
        let inputs = &text[position..position + steps];
        let targets = &text[position + 1..position + steps + 1];
        if iteration % config.sample_every == 0 {
            let ids = generate(
                &rnn,
                h.view(),
                inputs[0],
                config.sample_len,
                1.0,
                sample_rng,
            );
            on_sample(iteration, smooth_loss, &ids);
            curve.push(CurvePoint {
                iteration,
                seconds: started.elapsed().as_secs_f64(),
                loss: smooth_loss,
            });
            samples.push((iteration, ids));
        }
        let (loss, grads, h_last) = loss_and_gradients(&rnn, inputs, targets, h.view());
        // A NaN or infinity stops the run here, before it reaches the weights.
        check_finite(loss, &grads, &format!("iteration {}", iteration + 1))?;
        smooth_loss = 0.999 * smooth_loss + 0.001 * loss / steps as f64;
        adagrad.step(&mut rnn, &grads);
        h = h_last;
        position += steps;
    }
    let seconds = started.elapsed().as_secs_f64();
    curve.push(CurvePoint {
        iteration: config.iterations,
        seconds,
        loss: smooth_loss,
    });
    Ok(MinimalRun {
        rnn,
        curve,
        samples,
        seconds,
    })
}
// ANCHOR_END: train

/// Stops training if the loss of a chunk or a value of its gradients is NaN or infinite,
/// naming the parameter (`w_hh`), the place `at` and the fix (a lower learning rate).
///
/// # Errors
/// The first parameter whose gradient is not a number, else a loss that is not.
pub fn check_finite(loss: f64, grads: &Gradients, at: &str) -> anyhow::Result<()> {
    for (name, gradient) in PARTS.iter().zip(grads.arrays()) {
        run::check_gradient(name, gradient.iter(), at)?;
    }
    run::check_finite(loss, at)
}
