use nn::Optimizer;
use tensor::Tensor;

use crate::gan::{Gan, StepLosses};

// ANCHOR: train_step
/// One round of the game on a batch of real images `real` and latent points `z`: first the
/// discriminator takes a step to tell `real` from `G(z)`, then the generator takes a step to
/// fool the discriminator as it now is. Returns both losses.
pub fn train_step(gan: &mut Gan, real: &Tensor, z: &Tensor) -> StepLosses {
    let fake = gan.generator.forward(z);

    // The discriminator's move. `detach` cuts the graph at the generated images: this loss
    // must not push the generator's weights.
    let real_logits = gan.discriminator.forward(real);
    let fake_logits = gan.discriminator.forward(&fake.detach());
    let d_loss = crate::discriminator_loss(&real_logits, &fake_logits);
    gan.d_optimizer.zero_grad();
    d_loss.backward();
    gan.d_optimizer.step();

    // The generator's move, against the updated discriminator. The gradient flows back
    // through the discriminator into the generator; the discriminator's own gradients from
    // this pass are cleared by its zero_grad before its next step.
    let fake_logits = gan.discriminator.forward(&fake);
    let g_loss = gan.objective.generator_loss(&fake_logits);
    gan.g_optimizer.zero_grad();
    g_loss.backward();
    gan.g_optimizer.step();

    StepLosses {
        discriminator: d_loss.item(),
        generator: g_loss.item(),
    }
}
// ANCHOR_END: train_step
