//! Saving a trained [`CharRnn`] with its vocabulary, and loading it back to sample from.
//!
//! The file is safetensors (via `nn::checkpoint`): the five parameter arrays, and in the
//! header's metadata, as text, what it takes to rebuild the model from the file alone: the
//! project that wrote it, the hidden size and the vocabulary (its characters, in order).

use std::path::Path;

use anyhow::Context;
use data::text::Vocab;
use nn::checkpoint::Metadata;
use tensor::Tensor;

use crate::model::CharRnn;

/// The metadata key naming the project, and its value.
const PROJECT: (&str, &str) = ("project", "07-rnn");

/// The model's parameters, as `nn::checkpoint` sees them.
struct Saved<'a>(&'a CharRnn);

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
pub fn save(path: &Path, model: &CharRnn, vocab: &Vocab) -> anyhow::Result<()> {
    let metadata = Metadata::from([
        (PROJECT.0.into(), PROJECT.1.into()),
        ("hidden".into(), model.hidden().to_string()),
        ("vocab".into(), vocab.chars().iter().collect::<String>()),
    ]);
    nn::checkpoint::save(path, &Saved(model), None, Some(&metadata))?;
    Ok(())
}

/// Reads a checkpoint written by [`save`].
///
/// # Errors
/// If the file is missing, unreadable, or not a checkpoint of this project.
pub fn load(path: &Path) -> anyhow::Result<(CharRnn, Vocab)> {
    let not_ours = || {
        format!(
            "{}: not a checkpoint of 07-rnn (its metadata has no project = 07-rnn, hidden and \
             vocab); pass the model.safetensors that `07-rnn` wrote",
            path.display()
        )
    };
    let metadata = nn::checkpoint::read_metadata(path)?;
    anyhow::ensure!(
        metadata.get(PROJECT.0).map(String::as_str) == Some(PROJECT.1),
        not_ours()
    );
    let chars = metadata.get("vocab").with_context(not_ours)?;
    let hidden: usize = metadata
        .get("hidden")
        .and_then(|h| h.parse().ok())
        .with_context(not_ours)?;
    let vocab = Vocab::from_text(chars);
    anyhow::ensure!(
        vocab
            .chars()
            .iter()
            .eq(chars.chars().collect::<Vec<_>>().iter()),
        not_ours()
    );
    // Any initial values: every one is replaced by the file's (load checks the shapes).
    let model = CharRnn::new(
        vocab.len(),
        hidden,
        &mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0),
    );
    nn::checkpoint::load(path, &Saved(&model), None)?;
    Ok((model, vocab))
}
