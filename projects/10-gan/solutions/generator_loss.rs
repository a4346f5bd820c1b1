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
    let call_it_real = Tensor::ones(&fake_logits.shape());
    tensor::bce_with_logits(fake_logits, &call_it_real)
}
// ANCHOR_END: generator_loss
