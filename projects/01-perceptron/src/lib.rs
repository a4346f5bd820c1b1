//! # 01 · The perceptron
//!
//! Rosenblatt's perceptron (1958) is the smallest learning machine worth the name: a weighted
//! sum of the inputs, a threshold, and a rule that nudges the weights after every mistake.
//!
//! **The idea.** A point `x` is classified by which side of the hyperplane `w·x + b = 0` it
//! falls on. When the perceptron gets a training point wrong, it moves the hyperplane
//! towards that point: `w ← w + η·y·x`, `b ← b + η·y`, with the label `y ∈ {-1, +1}`.
//!
//! **The guarantee.** If some hyperplane separates the two classes with margin `γ` and every
//! point lies within radius `R` of the origin, the perceptron makes at most `(R/γ)²`
//! mistakes, whatever the order of the examples (Novikoff, 1962). If no such hyperplane
//! exists (XOR, or two overlapping iris species) it never settles; the *pocket* variant
//! (Gallant, 1990) keeps the best weights seen so far in its pocket.
//!
//! **What is left out.** Kernels, averaging and voting perceptrons, and multi-class
//! perceptrons: each is a small step from here, and chapter 2 takes a bigger one, replacing
//! the hard threshold with a smooth function that gradient descent can optimise.
//!
//! The functions at the heart of the technique, [`predict`], [`update`], [`keep_if_better`]
//! and [`margin`], are the chapter's exercises: by default this crate is built with the
//! reference solutions in `solutions/`; the `learner` feature builds it with each file of
//! yours in `exercises/` that you have written, and the reference for the rest.

pub mod experiment;

use ndarray::{Array1, ArrayView2};
use rand::seq::SliceRandom;
use rand::Rng;

// ANCHOR: perceptron
/// A perceptron over `n` inputs: weights `w: [n]` and a bias `b`. It says `+1` when
/// `w·x + b > 0` and `-1` otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Perceptron {
    pub w: Array1<f32>,
    pub b: f32,
}

impl Perceptron {
    /// All-zero weights: the classic start, which makes the learning rate irrelevant (scaling
    /// every update by `η` scales `w` and `b` alike, so no prediction changes).
    pub fn zeros(inputs: usize) -> Self {
        Self {
            w: Array1::zeros(inputs),
            b: 0.0,
        }
    }
}
// ANCHOR_END: perceptron

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(yours_keep_if_better, path = "../exercises/keep_if_better.rs")]
#[cfg_attr(not(yours_keep_if_better), path = "../solutions/keep_if_better.rs")]
mod keep_if_better;
#[cfg_attr(yours_margin, path = "../exercises/margin.rs")]
#[cfg_attr(not(yours_margin), path = "../solutions/margin.rs")]
mod margin;
#[cfg_attr(yours_predict, path = "../exercises/predict.rs")]
#[cfg_attr(not(yours_predict), path = "../solutions/predict.rs")]
mod predict;
#[cfg_attr(yours_update, path = "../exercises/update.rs")]
#[cfg_attr(not(yours_update), path = "../solutions/update.rs")]
mod update;

pub use keep_if_better::keep_if_better;
pub use margin::margin;
pub use predict::predict;
pub use update::update;

/// The pocket: the best weights seen so far and how many training points they get wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Pocket {
    pub best: Perceptron,
    pub errors: usize,
}

/// How to train: at most `epochs` passes over the data, each in a fresh random order.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Passes over the training set before giving up on convergence.
    pub epochs: usize,
    /// The learning rate `η`; from zero weights it only scales them (see [`Perceptron::zeros`]).
    pub lr: f32,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 100,
            lr: 1.0,
        }
    }
}

/// What training did.
#[derive(Debug, Clone)]
pub struct Training {
    /// The weights after the last update.
    pub last: Perceptron,
    /// The weights with the fewest training errors, and that count.
    pub pocket: Pocket,
    /// Mistakes (and so updates) made during each epoch's pass.
    pub mistakes_per_epoch: Vec<usize>,
    /// Updates made in all.
    pub updates: usize,
    /// The epoch (counting from 1) in which a whole pass made no mistake, if one did.
    pub converged_in_epoch: Option<usize>,
    /// Examples visited in all (epochs run × training set size).
    pub examples_seen: usize,
}

/// How many of the points `x: [n, features]` with labels `y: [n]` (each ±1) `p` gets wrong.
pub fn count_errors(p: &Perceptron, x: ArrayView2<f32>, y: &[f32]) -> usize {
    x.rows()
        .into_iter()
        .zip(y)
        .filter(|(xi, &yi)| predict(p, *xi) != yi)
        .count()
}

/// The fraction of points `p` classifies correctly.
pub fn accuracy(p: &Perceptron, x: ArrayView2<f32>, y: &[f32]) -> f64 {
    1.0 - count_errors(p, x, y) as f64 / y.len().max(1) as f64
}

// ANCHOR: train
/// Rosenblatt's training loop with Gallant's pocket: visit the examples `x: [n, features]`
/// (labels `y`, each ±1) in a fresh random order each epoch, update on every mistake, and
/// stop after the first epoch without one.
pub fn train(x: ArrayView2<f32>, y: &[f32], config: &TrainConfig, rng: &mut impl Rng) -> Training {
    assert_eq!(x.nrows(), y.len(), "one label per row of x");
    let mut perceptron = Perceptron::zeros(x.ncols());
    let mut pocket = Pocket {
        errors: count_errors(&perceptron, x, y),
        best: perceptron.clone(),
    };
    let mut mistakes_per_epoch = Vec::new();
    let mut converged_in_epoch = None;
    let mut order: Vec<usize> = (0..y.len()).collect();

    for epoch in 1..=config.epochs {
        // The convergence theorem holds for any order; shuffling keeps a bad order from
        // repeating every epoch, which is what makes the pocket useful on overlapping data.
        order.shuffle(rng);
        let mut mistakes = 0;
        for &i in &order {
            if update(&mut perceptron, x.row(i), y[i], config.lr) {
                mistakes += 1;
                // Only weights that just changed can beat the pocket.
                keep_if_better(&mut pocket, &perceptron, count_errors(&perceptron, x, y));
            }
        }
        mistakes_per_epoch.push(mistakes);
        if mistakes == 0 {
            converged_in_epoch = Some(epoch);
            break;
        }
    }
    Training {
        updates: mistakes_per_epoch.iter().sum(),
        examples_seen: mistakes_per_epoch.len() * y.len(),
        last: perceptron,
        pocket,
        mistakes_per_epoch,
        converged_in_epoch,
    }
}
// ANCHOR_END: train

// ANCHOR: bound
/// The radius `R` of the data: the largest `‖(x, 1)‖`. The bias is a weight on a constant
/// input 1, so the theorem sees each point with that extra coordinate.
pub fn radius(x: ArrayView2<f32>) -> f32 {
    x.rows()
        .into_iter()
        .map(|xi| (xi.dot(&xi) + 1.0).sqrt())
        .fold(0.0, f32::max)
}

/// Novikoff's bound on the number of updates, `(R/γ)²`, for a separator with margin `γ`.
/// Any separator's margin gives a valid bound, so the final weights' margin (a lower bound on
/// the best possible margin) gives a bound the run can check itself against.
pub fn mistake_bound(radius: f32, margin: f32) -> f32 {
    (radius / margin).powi(2)
}
// ANCHOR_END: bound

/// The four points of XOR with labels ±1: the smallest problem no line separates.
pub fn xor() -> (ndarray::Array2<f32>, Vec<f32>) {
    let x = ndarray::array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    (x, vec![-1.0, 1.0, 1.0, -1.0])
}

/// Labels for a two-class problem: `+1` where `class == positive`, else `-1`.
pub fn signed_labels(classes: &[usize], positive: usize) -> Vec<f32> {
    classes
        .iter()
        .map(|&c| if c == positive { 1.0 } else { -1.0 })
        .collect()
}
