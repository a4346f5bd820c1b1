// Exercise 3 of chapter 10: one round of the game. Its tests: `cargo exercises test train_step`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use nn::Optimizer;
use tensor::Tensor;

use crate::gan::{Gan, StepLosses};

// ANCHOR: train_step
/// One round of the game on a batch of real images `real` and latent points `z`: first the
/// discriminator takes a step to tell `real` from `G(z)`, then the generator takes a step to
/// fool the discriminator as it now is. Returns both losses.
pub fn train_step(gan: &mut Gan, real: &Tensor, z: &Tensor) -> StepLosses {
    // TODO: fake = G(z). The discriminator's move: its loss on D(real) and D(fake, detached),
    // zero_grad, backward, step. Then the generator's move: gan.objective's generator loss
    // on D(fake) (not detached), zero_grad, backward, step.
    todo!("train_step: a discriminator update, then a generator update")
}
// ANCHOR_END: train_step
