// Exercise 1 of chapter 10: the discriminator's loss. Its tests:
// `cargo exercises test discriminator_loss`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use tensor::Tensor;

// ANCHOR: discriminator_loss
/// The discriminator's loss: binary cross-entropy that calls real images real and generated
/// ones fake, `-mean log D(x) - mean log(1 - D(G(z)))` with `D = σ(logit)`.
///
/// `real_logits` are the discriminator's scores of a batch of real images and `fake_logits`
/// of a batch of generated ones, both `[N, 1]`; the result is a scalar, the sum of the two
/// batches' mean losses (each batch counts the same, whatever its size).
pub fn discriminator_loss(real_logits: &Tensor, fake_logits: &Tensor) -> Tensor {
    // TODO: two binary cross-entropies from logits, one per batch, each against the label
    // that batch should get (1 = real, 0 = fake); targets have the logits' shape [N, 1].
    todo!("discriminator_loss: real batch labelled 1, fake batch labelled 0")
}
// ANCHOR_END: discriminator_loss
