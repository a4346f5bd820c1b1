//! # 10 · Generative adversarial networks
//!
//! Two networks play a game. The generator turns random noise `z` into a sample; the
//! discriminator sees real samples and generated ones and says which is which. The
//! discriminator minimises [`discriminator_loss`] (binary cross-entropy, real against fake);
//! the generator minimises the non-saturating [`generator_loss`] (it maximises the log of
//! the discriminator's belief that its samples are real), and [`train_step`] alternates the
//! two. Nothing tells the generator what the data look like: only the discriminator's
//! gradients do.
//!
//! **Part 1** ([`mixture`]) plays the game on a mixture of eight Gaussians on a circle, small
//! enough to draw every sample and the discriminator's whole decision surface, and to count
//! the modes the generator covers; it shows mode collapse, the saturating loss beside the
//! non-saturating one, and packing (the discriminator judging pairs) as a remedy.
//! **Part 2** ([`digits`]) plays it on MNIST with multilayer perceptrons (or DCGAN's
//! convolutional pair, [`models`]) and measures the generator ([`score`]): a digit
//! classifier's [`inception_score`] of 10,000 samples, and the share of each digit.
//!
//! **What is left out.** Conditional GANs, Wasserstein losses and gradient penalties,
//! spectral normalisation, and the large image models; chapter 10 says where to read next.
//!
//! By default this crate is built with the reference solutions in `solutions/`; the
//! `learner` feature builds it with each file of yours in `exercises/` that you have written,
//! and the reference for the rest.

pub mod checkpoint;
pub mod digits;
pub mod export;
pub mod figures;
pub mod gan;
pub mod mixture;
pub mod models;
pub mod score;

pub use gan::{generate, saturating_loss, Gan, Objective, StepLosses};

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(yours_discriminator_loss, path = "../exercises/discriminator_loss.rs")]
#[cfg_attr(
    not(yours_discriminator_loss),
    path = "../solutions/discriminator_loss.rs"
)]
mod discriminator_loss;
#[cfg_attr(yours_generator_loss, path = "../exercises/generator_loss.rs")]
#[cfg_attr(not(yours_generator_loss), path = "../solutions/generator_loss.rs")]
mod generator_loss;
#[cfg_attr(yours_inception_score, path = "../exercises/inception_score.rs")]
#[cfg_attr(not(yours_inception_score), path = "../solutions/inception_score.rs")]
mod inception_score;
#[cfg_attr(yours_train_step, path = "../exercises/train_step.rs")]
#[cfg_attr(not(yours_train_step), path = "../solutions/train_step.rs")]
mod train_step;

pub use discriminator_loss::discriminator_loss;
pub use generator_loss::generator_loss;
pub use inception_score::inception_score;
pub use train_step::train_step;
