// Exercise 2 of chapter 10: the non-saturating generator loss. Its tests:
// `cargo exercises test generator_loss`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use tensor::Tensor;

// ANCHOR: generator_loss
/// The non-saturating generator loss, `-mean log D(G(z))`: the generator is rewarded for
/// images the discriminator calls real. `fake_logits: [N, 1]`, the discriminator's scores of
/// generated images; the result is a scalar.
///
/// Where the discriminator is sure an image is fake (`D(G(z))` near 0), this loss is steep,
/// so the generator learns fastest exactly when it is worst, which the minimax game's own
/// generator loss, `mean log(1 - D(G(z)))`, does not do (see [`crate::saturating_loss`]).
pub fn generator_loss(fake_logits: &Tensor) -> Tensor {
    // TODO: one binary cross-entropy from logits [N, 1]: the generator wants its images
    // labelled as real.
    todo!("generator_loss: -mean log σ(fake_logits)")
}
// ANCHOR_END: generator_loss
