//! Saving a trained [`CharModel`] with its vocabulary, and loading it back to sample from.
//!
//! The file is safetensors (via `charlm::checkpoint`): the parameter arrays, and in the
//! header's metadata, as text, what it takes to rebuild the model from the file alone: the
//! project that wrote it, the cell, the hidden size, the number of layers and the vocabulary
//! (its characters, in order), as 07-rnn's checkpoints do. Saved during training, it also
//! holds Adam's moments and where the run stands, for `--resume`.

use std::path::Path;

use anyhow::Context;
use charlm::checkpoint::{Header, Metadata};
use data::text::Vocab;

use crate::model::{Cell, CharModel, ModelConfig};

/// The project that writes the checkpoints.
const PROJECT: &str = "08-lstm";

/// What the metadata holds, for the message when a file is not one of ours.
const HOLDS: &str = "cell, hidden, layers and vocab";

/// Writes `model` and `vocab` to `path` (atomically: a temporary file, then a rename).
///
/// # Errors
/// If the folder is not writable.
pub fn save(path: &Path, model: &CharModel, vocab: &Vocab) -> anyhow::Result<()> {
    charlm::checkpoint::save(
        path,
        model.named_parameters(),
        header(model, vocab),
        None,
        None,
    )
}

/// Like [`save`], during training: with Adam's state and the run's resume state, for
/// `--resume`.
///
/// # Errors
/// If the folder is not writable.
pub fn save_training(
    path: &Path,
    model: &CharModel,
    vocab: &Vocab,
    optimizer: &dyn nn::Optimizer,
    resume: &run::resume::ResumeState,
) -> anyhow::Result<()> {
    charlm::checkpoint::save(
        path,
        model.named_parameters(),
        header(model, vocab),
        Some(optimizer),
        Some(resume),
    )
}

fn header<'a>(model: &CharModel, vocab: &'a Vocab) -> Header<'a> {
    let config = &model.config;
    Header {
        project: PROJECT,
        vocab,
        extra: Metadata::from([
            ("cell".into(), config.cell.name().into()),
            ("hidden".into(), config.hidden.to_string()),
            ("layers".into(), config.layers.to_string()),
        ]),
    }
}

/// Reads a checkpoint written by [`save`].
///
/// # Errors
/// If the file is missing, unreadable, or not a checkpoint of this project.
pub fn load(path: &Path) -> anyhow::Result<(CharModel, Vocab)> {
    let (metadata, vocab) = charlm::checkpoint::read(path, PROJECT, HOLDS)?;
    let not_ours = || charlm::checkpoint::not_ours(path, PROJECT, HOLDS);
    let number = |key: &str| charlm::checkpoint::number(&metadata, key).with_context(not_ours);
    let cell_name = metadata.get("cell").with_context(not_ours)?;
    let cell = *Cell::ALL
        .iter()
        .find(|c| c.name() == cell_name)
        .with_context(not_ours)?;
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
    charlm::checkpoint::load_into(path, model.named_parameters(), None)?;
    Ok((model, vocab))
}
