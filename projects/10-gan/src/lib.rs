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
