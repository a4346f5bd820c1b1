//! Saving where the MNIST game stands at the end of each epoch, and continuing from there
//! (`--resume`): both players' weights, both Adams' moments, the generator's running average
//! if there is one, and the run's own record (in the metadata) go into ONE safetensors file,
//! written atomically, so that a run killed at any moment continues to the numbers an
//! unbroken run ends with (same flags, seed and threads).
//!
//! The checkpoint code of `shared/nn` saves one network and one optimiser; the game has two
//! of each. [`Players`] and [`Optimizers`] show the pair as one of each, their tensors named
//! `generator.…`, `discriminator.…` and `average.…`.

use std::path::Path;

use anyhow::Context;
use ndarray::ArrayD;
use nn::checkpoint::Metadata;
use nn::{Adam, Module, Optimizer};
use tensor::Tensor;

use crate::gan::{Averaged, Gan};

/// The game's networks as one module, for the checkpoint.
struct Players<'a> {
    generator: &'a dyn Module,
    discriminator: &'a dyn Module,
    average: Option<&'a dyn Module>,
}

impl Players<'_> {
    fn each(&self) -> Vec<(&'static str, &dyn Module)> {
        let mut all = vec![
            ("generator", self.generator),
            ("discriminator", self.discriminator),
        ];
        all.extend(self.average.map(|a| ("average", a)));
        all
    }
}

fn prefixed(prefix: &str, named: Vec<(String, Tensor)>) -> Vec<(String, Tensor)> {
    let with = |(name, t)| (format!("{prefix}.{name}"), t);
    named.into_iter().map(with).collect()
}

impl Module for Players<'_> {
    /// The game draws samples with its generator.
    fn forward(&self, z: &Tensor) -> Tensor {
        self.generator.forward(z)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let each = self.each().into_iter();
        each.flat_map(|(name, net)| prefixed(name, net.named_parameters()))
            .collect()
    }

    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let each = self.each().into_iter();
        each.flat_map(|(name, net)| prefixed(name, net.named_buffers()))
            .collect()
    }
}

/// The players' two Adams as one optimiser, for the checkpoint.
struct Optimizers<'a> {
    generator: &'a mut Adam,
    discriminator: &'a mut Adam,
    parameters: Vec<Tensor>,
}

impl<'a> Optimizers<'a> {
    fn new(generator: &'a mut Adam, discriminator: &'a mut Adam) -> Self {
        let mut parameters = generator.parameters().to_vec();
        parameters.extend_from_slice(discriminator.parameters());
        Optimizers {
            generator,
            discriminator,
            parameters,
        }
    }
}

impl Optimizer for Optimizers<'_> {
    fn step(&mut self) {
        self.generator.step();
        self.discriminator.step();
    }

    fn parameters(&self) -> &[Tensor] {
        &self.parameters
    }

    fn learning_rate(&self) -> f32 {
        self.generator.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.generator.set_learning_rate(lr);
        self.discriminator.set_learning_rate(lr);
    }

    fn state(&self) -> Vec<(String, ArrayD<f32>)> {
        let with = |prefix: &str, state: Vec<(String, ArrayD<f32>)>| {
            let named = state
                .into_iter()
                .map(|(name, value)| (format!("{prefix}.{name}"), value));
            named.collect::<Vec<_>>()
        };
        let mut all = with("generator", self.generator.state());
        all.extend(with("discriminator", self.discriminator.state()));
        all
    }

    fn set_state(&mut self, name: &str, value: ArrayD<f32>) {
        if let Some(name) = name.strip_prefix("generator.") {
            self.generator.set_state(name, value);
        } else if let Some(name) = name.strip_prefix("discriminator.") {
            self.discriminator.set_state(name, value);
        }
    }
}

/// Saves both players, their optimisers, the running average if any, and `metadata` (the
/// resume state) to `path`, atomically.
///
/// # Errors
/// If the file cannot be written.
pub fn save(
    path: &Path,
    gan: &mut Gan,
    averaged: Option<&Averaged>,
    metadata: &Metadata,
) -> anyhow::Result<()> {
    let players = Players {
        generator: gan.generator.as_ref(),
        discriminator: gan.discriminator.as_ref(),
        average: averaged.map(|a| a.generator.as_ref()),
    };
    let optimizers = Optimizers::new(&mut gan.g_optimizer, &mut gan.d_optimizer);
    nn::checkpoint::save(path, &players, Some(&optimizers), Some(metadata))?;
    Ok(())
}

/// Loads what [`save`] wrote into the game (and the running average, if the run keeps one).
///
/// # Errors
/// If the file does not fit the players (the message names the file and the tensor).
pub fn load(path: &Path, gan: &mut Gan, averaged: Option<&Averaged>) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(path).with_context(|| format!("--resume: cannot read {}", path.display()))?;
    load_from_bytes(&bytes, path, gan, averaged)
}

/// [`load`] on the bytes of a checkpoint (what the fuzzer feeds); `path` is only for messages.
///
/// # Errors
/// As [`load`].
pub fn load_from_bytes(
    bytes: &[u8],
    path: &Path,
    gan: &mut Gan,
    averaged: Option<&Averaged>,
) -> anyhow::Result<()> {
    let players = Players {
        generator: gan.generator.as_ref(),
        discriminator: gan.discriminator.as_ref(),
        average: averaged.map(|a| a.generator.as_ref()),
    };
    let mut optimizers = Optimizers::new(&mut gan.g_optimizer, &mut gan.d_optimizer);
    nn::checkpoint::load_from_bytes(bytes, path, &players, Some(&mut optimizers))
        .with_context(|| format!("--resume: loading {}", path.display()))
}

/// The checkpoint's metadata, for `Session::resume_from`.
///
/// # Errors
/// If the file cannot be read or is not safetensors.
pub fn read_metadata(path: &Path) -> anyhow::Result<Metadata> {
    Ok(nn::checkpoint::read_metadata(path)?)
}
