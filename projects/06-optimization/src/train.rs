//! One training run, the unit every experiment repeats: a network, an optimiser with its
//! learning rate, schedule and weight decay, mini-batches (augmented or not), a fixed number
//! of steps, evaluations on the validation split, and optionally early stopping.
//!
//! Everything random in a run comes from one seed, one stream per purpose ([`run::Rngs`]):
//! the initial weights, the order of the batches, and the noise (dropout masks and
//! augmentation). Runs of different configurations with the same seed start from the same
//! weights and see the same batches, so their differences are the configurations'.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rand::seq::SliceRandom;

use crate::digits::Examples;
use crate::early::{Snapshot, Verdict};
use crate::models::{Net, NetConfig};
use crate::optimizers::{Method, Optimizer};
use crate::schedules::Schedule;

/// Training images processed by every run of this process so far, on any thread: what the
/// progress display counts while runs are under way.
static IMAGES_TRAINED: AtomicUsize = AtomicUsize::new(0);

/// Training images processed by every run so far (for progress displays).
pub fn images_trained() -> usize {
    IMAGES_TRAINED.load(Ordering::Relaxed)
}

/// How to train.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    pub net: NetConfig,
    pub method: Method,
    /// The peak learning rate (the schedule moves it from there).
    pub lr: f32,
    pub schedule: Schedule,
    /// Weight decay λ, applied as the method applies it (see [`Method::decay`]).
    pub weight_decay: f32,
    pub batch_size: usize,
    /// Optimiser steps (the budget; early stopping may use fewer).
    pub steps: usize,
    /// Move every training image at random each time it is used.
    pub augment: bool,
    /// Evaluate on the validation split every this many steps (and after the last).
    pub eval_every: usize,
    /// Stop when the validation loss has not improved for this many evaluations, and go
    /// back to the best weights; `None` trains for every step and keeps the last weights.
    pub patience: Option<usize>,
    /// Record the mean training loss of every this many steps.
    pub log_every: usize,
    /// At each evaluation, evaluate on the training images too (as they are, without
    /// augmentation or dropout), to see the gap between the two open up.
    pub eval_train: bool,
}

impl TrainConfig {
    /// `net` trained by `method` at `lr` for `steps` steps of 64 images: constant rate, no
    /// weight decay, no augmentation, no early stopping, evaluated at the end only.
    pub fn new(net: NetConfig, method: Method, lr: f32, steps: usize) -> TrainConfig {
        TrainConfig {
            net,
            method,
            lr,
            schedule: Schedule::Constant,
            weight_decay: 0.0,
            batch_size: 64,
            steps,
            augment: false,
            eval_every: steps,
            patience: None,
            log_every: (steps / 50).max(1),
            eval_train: false,
        }
    }
}

/// Loss and accuracy on a set of images.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// Mean cross-entropy.
    pub loss: f64,
    /// Fraction classified correctly.
    pub accuracy: f64,
}

/// What a run did, as plain numbers (a run's network stays on the thread that trained it).
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// `(step, mean training loss over the last log_every steps)`.
    pub train_loss: Vec<(usize, f64)>,
    /// `(step, evaluation on the validation split)`, every `eval_every` steps.
    pub validation: Vec<(usize, Evaluation)>,
    /// `(step, evaluation on the training images)` at the same steps, if asked for.
    pub training: Vec<(usize, Evaluation)>,
    /// Steps taken (fewer than the budget if early stopping stopped the run or it diverged).
    pub steps: usize,
    /// Training images processed: the steps' batches added up.
    pub examples: usize,
    /// The step whose weights the run ended with (the best evaluation, with early stopping).
    pub kept_step: usize,
    /// The step at which the loss stopped being finite or exploded, if it did.
    pub diverged_at: Option<usize>,
    /// Why, when a gradient stopped being finite: the message naming the step and the
    /// parameter.
    pub diverged_because: Option<String>,
    /// Wall time of the training steps and evaluations.
    pub seconds: f64,
}

impl Outcome {
    /// The validation evaluation of the weights the run ended with.
    pub fn final_validation(&self) -> Evaluation {
        self.validation
            .iter()
            .rev()
            .find(|(step, _)| *step == self.kept_step)
            .map(|&(_, e)| e)
            .unwrap_or_default()
    }
}

// ANCHOR: evaluate
/// Loss and accuracy of `net` on the images `rows` of `set`, without dropout, with batch
/// normalisation's running statistics, and without recording a graph.
pub fn evaluate(net: &mut Net, set: &Examples, rows: &[usize]) -> Evaluation {
    net.set_training(false);
    let (mut loss, mut correct) = (0.0, 0);
    tensor::no_grad(|| {
        // A few hundred at a time: the CNN's first feature maps for 1,000 images would be
        // 86 MB.
        for chunk in rows.chunks(250) {
            let (x, labels) = set.batch(chunk, None::<&mut rand_chacha::ChaCha8Rng>);
            let logits = net.forward(&x, None); // [n, K]
            loss += f64::from(tensor::cross_entropy(&logits, &labels).item()) * chunk.len() as f64;
            let predictions = logits.argmax_last();
            correct += predictions
                .iter()
                .zip(&labels)
                .filter(|(p, l)| p == l)
                .count();
        }
    });
    net.set_training(true);
    let n = rows.len().max(1) as f64;
    Evaluation {
        loss: loss / n,
        accuracy: correct as f64 / n,
    }
}
// ANCHOR_END: evaluate

// ANCHOR: train
/// Trains a new network on the images `rows` of `set`, evaluating on the images
/// `validation` of `set`, with every random draw from `seed`. Returns the network (with the
/// weights the run ended with) and what happened.
///
/// A run whose loss stops being finite, or climbs above 20 (a uniform guess over ten
/// classes is 2.3), is stopped and marked as diverged rather than failing the experiment: a
/// learning rate too high for an optimiser is one of the results.
pub fn train(
    config: &TrainConfig,
    set: &Examples,
    rows: &[usize],
    validation: &[usize],
    classes: usize,
    seed: u64,
) -> (Net, Outcome) {
    let mut rngs = run::Rngs::new(seed);
    let mut net = Net::new(
        &config.net,
        (set.height, set.width),
        classes,
        &mut rngs.init,
    );
    let mut optimizer = Optimizer::new(
        net.parameters(),
        config.method,
        config.lr,
        config.weight_decay,
    );
    let state = net.state();
    let started = Instant::now();
    let mut outcome = Outcome::default();
    let (mut losses, mut best): (Vec<f64>, Option<Snapshot>) = (Vec::new(), None);
    let (mut window, mut window_steps) = (0.0, 0);
    let mut order: Vec<usize> = Vec::new();
    let mut step = 0;
    'training: while step < config.steps {
        if order.len() < config.batch_size {
            // A new epoch: every training image once more, in a new order.
            let mut epoch = rows.to_vec();
            epoch.shuffle(&mut rngs.shuffle);
            order.extend(epoch);
        }
        let batch: Vec<usize> = order.drain(..config.batch_size.min(order.len())).collect();
        let augment = config.augment.then_some(&mut rngs.noise);
        let (x, labels) = set.batch(&batch, augment);

        optimizer.lr = config.schedule.lr(config.lr, step, config.steps);
        let logits = net.forward(&x, Some(&mut rngs.noise)); // [N, K]
        let loss = tensor::cross_entropy(&logits, &labels);
        optimizer.zero_grad();
        loss.backward();
        // A NaN or infinite gradient never reaches the weights: it ends this training as a
        // diverged run, and says where (the step and the parameter).
        let at = format!("step {}", step + 1);
        let bad_gradient = nn::check_named_gradients(&net.named_parameters(), &at).err();
        if bad_gradient.is_none() {
            optimizer.step();
        }
        step += 1;
        outcome.examples += batch.len();
        IMAGES_TRAINED.fetch_add(batch.len(), Ordering::Relaxed);

        let loss = f64::from(loss.item());
        outcome.diverged_because = bad_gradient.map(|bad| bad.to_string());
        if outcome.diverged_because.is_some() || !loss.is_finite() || loss > 20.0 {
            outcome.diverged_at = Some(step);
            outcome.train_loss.push((step, loss)); // the curve shows where it went
            break 'training;
        }
        (window, window_steps) = (window + loss, window_steps + 1);
        if window_steps == config.log_every {
            outcome
                .train_loss
                .push((step, window / window_steps as f64));
            (window, window_steps) = (0.0, 0);
        }

        if step % config.eval_every == 0 || step == config.steps {
            let evaluation = evaluate(&mut net, set, validation);
            outcome.validation.push((step, evaluation));
            if config.eval_train {
                outcome.training.push((step, evaluate(&mut net, set, rows)));
            }
            outcome.kept_step = step;
            let Some(patience) = config.patience else {
                continue;
            };
            losses.push(evaluation.loss);
            match crate::early_stopping(&losses, patience) {
                Verdict::Improved => best = Some(Snapshot::take(&state)),
                Verdict::Wait => {}
                Verdict::Stop => break 'training,
            }
        }
    }
    if let (Some(snapshot), Some(_)) = (&best, config.patience) {
        // Back to the weights of the lowest validation loss.
        snapshot.restore(&state);
        let lowest = losses.iter().copied().fold(f64::INFINITY, f64::min);
        let at = losses.iter().position(|&l| l == lowest).unwrap_or(0);
        outcome.kept_step = outcome.validation[at].0;
    }
    outcome.steps = step;
    outcome.seconds = started.elapsed().as_secs_f64();
    (net, outcome)
}
// ANCHOR_END: train

/// The fraction of `rows` of `set` that `net` classifies correctly (a shortcut for
/// [`evaluate`]).
pub fn accuracy(net: &mut Net, set: &Examples, rows: &[usize]) -> f64 {
    evaluate(net, set, rows).accuracy
}
