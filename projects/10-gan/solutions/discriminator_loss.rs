use tensor::Tensor;

// ANCHOR: discriminator_loss
/// The discriminator's loss: binary cross-entropy that calls real images real and generated
/// ones fake, `-mean log D(x) - mean log(1 - D(G(z)))` with `D = σ(logit)`.
///
/// `real_logits` are the discriminator's scores of a batch of real images and `fake_logits`
/// of a batch of generated ones, both `[N, 1]`; the result is a scalar, the sum of the two
/// batches' mean losses (each batch counts the same, whatever its size).
pub fn discriminator_loss(real_logits: &Tensor, fake_logits: &Tensor) -> Tensor {
    let real_is_real = Tensor::ones(&real_logits.shape());
    let fake_is_fake = Tensor::zeros(&fake_logits.shape());
    // bce_with_logits(x, t) = -mean[t·log σ(x) + (1 - t)·log(1 - σ(x))], computed stably
    // from the logits: σ(x) itself rounds to 0 or 1 for |x| > 17 and its log would be -∞.
    tensor::bce_with_logits(real_logits, &real_is_real)
        + tensor::bce_with_logits(fake_logits, &fake_is_fake)
}
// ANCHOR_END: discriminator_loss
