//! The game: two players, their optimisers, and which loss the generator minimises.

use nn::{Adam, Module};
use tensor::Tensor;

/// The generator's loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// The minimax game's own loss, `mean log(1 - D(G(z)))` ([`saturating_loss`]): flat
    /// where the discriminator wins, so a generator that starts badly barely learns.
    Saturating,
    /// `-mean log D(G(z))` ([`crate::generator_loss`]): the same fixed point, steep where
    /// the discriminator wins. What everyone trains with.
    NonSaturating,
}

impl Objective {
    /// The name in figures and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Saturating => "saturating",
            Objective::NonSaturating => "non-saturating",
        }
    }

    /// This objective's generator loss of the discriminator's scores `fake_logits: [N, 1]`.
    pub fn generator_loss(self, fake_logits: &Tensor) -> Tensor {
        match self {
            Objective::Saturating => saturating_loss(fake_logits),
            Objective::NonSaturating => crate::generator_loss(fake_logits),
        }
    }
}

// ANCHOR: saturating_loss
/// The minimax game's generator loss, `mean log(1 - D(G(z)))`, which the generator
/// minimises. It is minus the discriminator's cross-entropy on the fake batch:
/// `log(1 - σ(x)) = -bce(x, 0)`.
///
/// Its gradient with respect to the logit is `-σ(x)/N`: when the discriminator is sure the
/// images are fake, `σ(x) ≈ 0`, and the generator gets almost no gradient at all.
pub fn saturating_loss(fake_logits: &Tensor) -> Tensor {
    -tensor::bce_with_logits(fake_logits, &Tensor::zeros(&fake_logits.shape()))
}
// ANCHOR_END: saturating_loss

// ANCHOR: gan
/// The two players of the game and their optimisers.
pub struct Gan {
    /// `G`: latent points `[N, Z]` to samples (points `[N, 2]` or images `[N, 1, 28, 28]`).
    pub generator: Box<dyn Module>,
    /// `D`: samples to logits `[N, 1]`, the log-odds that each sample is real.
    pub discriminator: Box<dyn Module>,
    pub g_optimizer: Adam,
    pub d_optimizer: Adam,
    pub objective: Objective,
}
// ANCHOR_END: gan

impl Gan {
    /// The two players, each with its own Adam (learning rate `lr`, β₁ = `beta1`).
    pub fn new(
        generator: Box<dyn Module>,
        discriminator: Box<dyn Module>,
        lr: f32,
        beta1: f32,
        objective: Objective,
    ) -> Gan {
        let adam = |net: &dyn Module| {
            let mut adam = Adam::new(net.parameters(), lr);
            adam.beta1 = beta1;
            adam
        };
        Gan {
            g_optimizer: adam(generator.as_ref()),
            d_optimizer: adam(discriminator.as_ref()),
            generator,
            discriminator,
            objective,
        }
    }
}

impl Gan {
    /// Stops the run if a gradient of the last [`crate::train_step`] (still held by each
    /// parameter) is NaN or infinite, naming the network and the parameter
    /// (`discriminator.conv1.weight`) and the step `at`: the check the training loops make
    /// after every step.
    ///
    /// # Errors
    /// The first parameter whose gradient is not a number.
    pub fn check_gradients(&self, at: &str) -> Result<(), nn::NonFiniteGradient> {
        for (name, net) in [
            ("discriminator", self.discriminator.as_ref()),
            ("generator", self.generator.as_ref()),
        ] {
            let named: Vec<_> = net
                .named_parameters()
                .into_iter()
                .map(|(parameter, t)| (format!("{name}.{parameter}"), t))
                .collect();
            nn::check_named_gradients(&named, at)?;
        }
        Ok(())
    }
}

/// The two losses of one [`crate::train_step`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLosses {
    /// The discriminator's, before its update.
    pub discriminator: f32,
    /// The generator's, before its update (against the updated discriminator).
    pub generator: f32,
}

/// `G(z)` in evaluation mode (batch normalisation with its running statistics, so one
/// sample does not depend on the others drawn with it) and without recording gradients.
pub fn generate(generator: &mut dyn Module, z: &Tensor) -> Tensor {
    generator.eval();
    let samples = tensor::no_grad(|| generator.forward(z));
    generator.train();
    samples
}

// ANCHOR: averaged
/// An exponential moving average of a generator's weights, `ā ← decay·ā + (1 - decay)·θ` after
/// every step: the average of the last ~`1/(1 - decay)` generators. The game keeps the live
/// generator circling around a good answer; the average sits nearer its middle, and draws
/// cleaner samples for nothing but a copy of the weights (Yazıcı et al., 2019).
pub struct Averaged {
    /// A second generator of the same shape, holding the averages.
    pub generator: Box<dyn Module>,
    pub decay: f32,
    /// The latent batches [`Averaged::ready`] measures the average's batch-norm statistics on:
    /// the same ones every time, so that a resumed run measures what the first run did.
    pub statistics_batches: Vec<Tensor>,
}

impl Averaged {
    /// Starts the average at `live`'s current weights; `shadow` is a generator of the same
    /// architecture (its own weights are overwritten).
    pub fn new(
        shadow: Box<dyn Module>,
        live: &dyn Module,
        decay: f32,
        statistics_batches: Vec<Tensor>,
    ) -> Averaged {
        let averaged = Averaged {
            generator: shadow,
            decay,
            statistics_batches,
        };
        averaged.average_weights(live, 0.0);
        // A start for the running statistics, until `ready` measures the average's own.
        let buffers = averaged.generator.named_buffers().into_iter();
        for ((_, average), (_, value)) in buffers.zip(live.named_buffers()) {
            average.set_value(value.to_array());
        }
        averaged
    }

    /// Moves the average towards `live`'s weights.
    pub fn update(&self, live: &dyn Module) {
        self.average_weights(live, self.decay);
    }

    fn average_weights(&self, live: &dyn Module, keep: f32) {
        let pairs = self.generator.named_parameters().into_iter();
        for ((name, average), (live_name, weight)) in pairs.zip(live.named_parameters()) {
            debug_assert_eq!(name, live_name, "the same architecture");
            let w = weight.value();
            average.update(|a| a.zip_mut_with(&w, |a, &w| *a = keep * *a + (1.0 - keep) * w));
        }
    }

    // ANCHOR: ready
    /// The averaged generator, ready to sample from. Batch normalisation samples with running
    /// means and variances of what each layer produced, and the live generator's describe *its*
    /// layers, not the averaged weights': an average that borrowed them would draw with one
    /// network's weights and another's statistics. So the average measures its own: a forward
    /// pass over each statistics batch in training mode updates the running statistics
    /// (momentum 0.1, so after 100 batches what came before weighs 0.9¹⁰⁰ ≈ 0.003%).
    pub fn ready(&mut self) -> &mut dyn Module {
        let generator = &mut self.generator;
        generator.train();
        tensor::no_grad(|| {
            for z in &self.statistics_batches {
                generator.forward(z);
            }
        });
        generator.as_mut()
    }
    // ANCHOR_END: ready
}
// ANCHOR_END: averaged

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{latent, Arch, GanConfig, Generator};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Mean absolute difference between two tensors of the same shape.
    fn mean_gap(a: &Tensor, b: &Tensor) -> f32 {
        (a.value() - b.value()).mapv(f32::abs).mean().unwrap()
    }

    #[test]
    fn the_average_samples_with_statistics_of_its_own() {
        let config = GanConfig {
            arch: Arch::Dcgan,
            latent: 8,
            width: 4,
        };
        let rng = &mut ChaCha8Rng::seed_from_u64(3);
        // A live generator with running statistics of its own layers, as after training.
        let live = Generator::new(config, rng);
        tensor::no_grad(|| (0..30).for_each(|_| drop(live.forward(&latent(64, 8, rng)))));
        let batches = (0..100).map(|_| latent(100, 8, rng)).collect();
        let shadow = Generator::new(config, &mut ChaCha8Rng::seed_from_u64(0));
        let mut averaged = Averaged::new(Box::new(shadow), &live, 0.999, batches);
        // Averaged weights that differ from the live ones, as they do after a few steps: here
        // three times as large, so that their layers' outputs vary three times as much.
        for (_, weight) in averaged.generator.named_parameters() {
            weight.update(|w| w.mapv_inplace(|w| 3.0 * w));
        }

        // What the averaged weights draw with the statistics of a large batch of their own.
        let z = latent(2000, 8, rng);
        let borrowed = generate(averaged.generator.as_mut(), &z);
        averaged.generator.train();
        let own = tensor::no_grad(|| averaged.generator.forward(&z));
        let measured = generate(averaged.ready(), &z);
        let (before, after) = (mean_gap(&borrowed, &own), mean_gap(&measured, &own));
        assert!(
            after < before / 20.0,
            "after ready(), sampling should come close to the average's own statistics: \
             off by {after} (borrowed: {before})"
        );
    }
}
