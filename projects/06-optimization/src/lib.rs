//! # 06 · Training well: optimisers, schedules, regularisation, small data
//!
//! The essay behind this course ends with questions every practitioner asks: which
//! optimiser, which learning rate, what to do with little data, how to tell and fight
//! overfitting, which regularisation helps. This project answers each with an experiment
//! that runs in minutes, repeated over three seeds, with a figure and a table.
//!
//! **Nothing new as architecture.** The networks are chapter 2's linear model, chapter 3's
//! multilayer perceptron and chapter 5's CNN, built from `nn`'s layers ([`models`]). What is
//! new is how they are trained:
//!
//! - [`optimizers`]: SGD, momentum, Nesterov, RMSprop, Adam and AdamW, stepped by the
//!   chapter's exercises [`sgd_step`], [`adam_step`] and [`weight_decay`];
//! - [`schedules`]: constant, step, cosine, warm-up + cosine and one-cycle learning rates;
//! - regularisation: weight decay, dropout ([`dropout`], on the exercise [`dropout_mask`]),
//!   augmentation ([`augment`]) and early stopping ([`early`], on the exercise
//!   [`early_stopping`]);
//! - [`train`]: one training run, and [`jobs`]: many of them on a few cores.
//!
//! The experiments are in [`experiments`], one file each. Every setting an experiment
//! chooses by looking at results it chooses on a validation split carved from the training
//! images ([`digits`]); the test set reports the chosen configuration, once.
//!
//! **What is left out.** Second-order methods (L-BFGS, natural gradient), learning-rate-free
//! methods, gradient clipping (chapter 7, where it matters), label smoothing and mixup, and
//! hyperparameter search smarter than random (Bayesian optimisation, successive halving):
//! each is a short step from what is here.
//!
//! By default this crate is built with the reference solutions in `solutions/`; with the
//! `learner` feature, each exercise you have written comes from your file in `exercises/`
//! instead ([`YOUR_FUNCTIONS`] lists them).

pub mod augment;
pub mod digits;
pub mod dropout;
pub mod early;
pub mod experiments;
pub mod jobs;
pub mod models;
pub mod optimizers;
pub mod schedules;
pub mod stats;
pub mod train;

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(yours_adam_step, path = "../exercises/adam_step.rs")]
#[cfg_attr(not(yours_adam_step), path = "../solutions/adam_step.rs")]
mod adam_step;
#[cfg_attr(yours_dropout_mask, path = "../exercises/dropout_mask.rs")]
#[cfg_attr(not(yours_dropout_mask), path = "../solutions/dropout_mask.rs")]
mod dropout_mask;
#[cfg_attr(yours_early_stopping, path = "../exercises/early_stopping.rs")]
#[cfg_attr(not(yours_early_stopping), path = "../solutions/early_stopping.rs")]
mod early_stopping;
#[cfg_attr(yours_sgd_step, path = "../exercises/sgd_step.rs")]
#[cfg_attr(not(yours_sgd_step), path = "../solutions/sgd_step.rs")]
mod sgd_step;
#[cfg_attr(yours_weight_decay, path = "../exercises/weight_decay.rs")]
#[cfg_attr(not(yours_weight_decay), path = "../solutions/weight_decay.rs")]
mod weight_decay;

pub use adam_step::adam_step;
pub use dropout_mask::dropout_mask;
pub use early_stopping::early_stopping;
pub use sgd_step::sgd_step;
pub use weight_decay::weight_decay;
