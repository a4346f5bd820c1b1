//! # 10 · Generative adversarial networks
//!
//! (The crate documentation is written with the chapter.)

pub mod digits;
pub mod export;
pub mod figures;
pub mod gan;
pub mod mixture;
pub mod models;
pub mod score;

pub use gan::{generate, saturating_loss, Gan, Objective, StepLosses};

// The heart of the technique: your files in exercises/ with the `learner` feature, the
// reference solutions in solutions/ without it.
#[cfg_attr(feature = "learner", path = "../exercises/discriminator_loss.rs")]
#[cfg_attr(not(feature = "learner"), path = "../solutions/discriminator_loss.rs")]
mod discriminator_loss;
#[cfg_attr(feature = "learner", path = "../exercises/generator_loss.rs")]
#[cfg_attr(not(feature = "learner"), path = "../solutions/generator_loss.rs")]
mod generator_loss;
#[cfg_attr(feature = "learner", path = "../exercises/inception_score.rs")]
#[cfg_attr(not(feature = "learner"), path = "../solutions/inception_score.rs")]
mod inception_score;
#[cfg_attr(feature = "learner", path = "../exercises/train_step.rs")]
#[cfg_attr(not(feature = "learner"), path = "../solutions/train_step.rs")]
mod train_step;

pub use discriminator_loss::discriminator_loss;
pub use generator_loss::generator_loss;
pub use inception_score::inception_score;
pub use train_step::train_step;
