//! Saving a trained [`CharModel`] with its vocabulary, and loading it back to sample from.
//!
//! The file is safetensors (via `nn::checkpoint`): the parameter arrays, and in the header's
//! metadata, as text, what it takes to rebuild the model from the file alone: the project
//! that wrote it, the cell, the hidden size, the number of layers and the vocabulary (its
//! characters, in order), as 07-rnn's checkpoints do.

use std::path::Path;

use anyhow::Context;
use data::text::Vocab;
use nn::checkpoint::Metadata;
use tensor::Tensor;

use crate::model::{Cell, CharModel, ModelConfig};

/// The metadata key naming the project, and its value.
const PROJECT: (&str, &str) = ("project", "08-lstm");

/// The model's parameters, as `nn::checkpoint` sees them.
struct Saved<'a>(&'a CharModel);

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
pub fn save(path: &Path, model: &CharModel, vocab: &Vocab) -> anyhow::Result<()> {
    let config = &model.config;
    let metadata = Metadata::from([
        (PROJECT.0.into(), PROJECT.1.into()),
        ("cell".into(), config.cell.name().into()),
        ("hidden".into(), config.hidden.to_string()),
        ("layers".into(), config.layers.to_string()),
        ("vocab".into(), vocab.chars().iter().collect::<String>()),
    ]);
    nn::checkpoint::save(path, &Saved(model), None, Some(&metadata))?;
    Ok(())
}

/// Reads a checkpoint written by [`save`].
///
/// # Errors
/// If the file is missing, unreadable, or not a checkpoint of this project.
pub fn load(path: &Path) -> anyhow::Result<(CharModel, Vocab)> {
    let not_ours = || {
        format!(
            "{}: not a checkpoint of 08-lstm (its metadata has no project = 08-lstm, cell, \
             hidden, layers and vocab); pass the model.safetensors that `08-lstm` wrote",
            path.display()
        )
    };
    let metadata = nn::checkpoint::read_metadata(path)?;
    anyhow::ensure!(
        metadata.get(PROJECT.0).map(String::as_str) == Some(PROJECT.1),
        not_ours()
    );
    let number = |key: &str| -> anyhow::Result<usize> {
        metadata
            .get(key)
            .and_then(|v| v.parse().ok())
            .filter(|&n: &usize| n > 0)
            .with_context(not_ours)
    };
    let cell_name = metadata.get("cell").with_context(not_ours)?;
    let cell = *Cell::ALL
        .iter()
        .find(|c| c.name() == cell_name)
        .with_context(not_ours)?;
    let chars = metadata.get("vocab").with_context(not_ours)?;
    let vocab = Vocab::from_text(chars);
    anyhow::ensure!(
        vocab
            .chars()
            .iter()
            .eq(chars.chars().collect::<Vec<_>>().iter()),
        not_ours()
    );
    let config = ModelConfig {
        cell,
        vocab: vocab.len(),
        hidden: number("hidden")?,
        layers: number("layers")?,
        dropout: 0.0,
    };
    // Any initial values: every one is replaced by the file's (load checks the shapes).
    let model = CharModel::new(
        config,
        &mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0),
    );
    nn::checkpoint::load(path, &Saved(&model), None)?;
    Ok((model, vocab))
}
