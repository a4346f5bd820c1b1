//! Saving a trained [`Gpt`] with its vocabulary and shape, and loading it back to sample.
//!
//! The file is safetensors (via `nn::checkpoint`): the parameters, and in its header, as
//! text, the vocabulary (`vocab`, every character in order) and the model's shape
//! (`context`, `layers`, `heads`, `width`, `tied`).

use std::path::Path;

use data::text::Vocab;
use nn::checkpoint::Metadata;
use rand::SeedableRng;
use tensor::Tensor;

use crate::model::{Gpt, GptConfig};

/// The model's parameters, as `nn::checkpoint` sees them.
struct Saved<'a>(&'a Gpt);

impl nn::Module for Saved<'_> {
    fn forward(&self, _x: &Tensor) -> Tensor {
        unreachable!("only saved and loaded, never run")
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.0.named_parameters()
    }
}

/// Writes `model` and `vocab` to `path` (atomically: a temporary file, then a rename).
///
/// # Errors
/// If the folder is not writable.
pub fn save(path: &Path, model: &Gpt, vocab: &Vocab) -> anyhow::Result<()> {
    let c = model.config;
    let mut metadata = Metadata::new();
    metadata.insert("project".into(), "09-transformer".into());
    metadata.insert("vocab".into(), vocab.chars().iter().collect());
    for (key, value) in [
        ("context", c.context),
        ("layers", c.layers),
        ("heads", c.heads),
        ("width", c.width),
        ("tied", usize::from(c.tied)),
    ] {
        metadata.insert(key.into(), value.to_string());
    }
    nn::checkpoint::save(path, &Saved(model), None, Some(&metadata))?;
    Ok(())
}

/// Reads a checkpoint written by [`save`].
///
/// # Errors
/// If the file is missing, unreadable, or not a checkpoint of this project.
pub fn load(path: &Path) -> anyhow::Result<(Gpt, Vocab)> {
    let metadata = nn::checkpoint::read_metadata(path)?;
    let not_ours = || {
        anyhow::anyhow!(
            "{}: not a checkpoint of 09-transformer (its header does not describe one); pass \
             the model.safetensors that `09-transformer` wrote",
            path.display()
        )
    };
    if metadata.get("project").map(String::as_str) != Some("09-transformer") {
        return Err(not_ours());
    }
    let number = |key: &str| -> anyhow::Result<usize> {
        metadata
            .get(key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(not_ours)
    };
    let vocab = Vocab::from_text(metadata.get("vocab").ok_or_else(not_ours)?);
    let config = GptConfig {
        vocab: vocab.len(),
        context: number("context")?,
        layers: number("layers")?,
        heads: number("heads")?,
        width: number("width")?,
        tied: number("tied")? == 1,
    };
    anyhow::ensure!(
        config.heads > 0 && config.width % config.heads == 0,
        not_ours()
    );
    // Any initial values: every one is replaced by the file's.
    let model = Gpt::new(config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    nn::checkpoint::load(path, &Saved(&model), None)?;
    Ok((model, vocab))
}
