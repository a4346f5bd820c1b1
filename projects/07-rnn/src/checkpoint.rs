//! Saving a trained [`CharRnn`] with its vocabulary, and loading it back to sample from.
//!
//! The file is safetensors (via `nn::checkpoint`): the five parameter arrays, and in the
//! header's metadata, as text, what it takes to rebuild the model from the file alone: the
//! project that wrote it, the hidden size and the vocabulary (its characters, in order); a
//! model of names also keeps the character that ends a name, so that sampling can write
//! names one at a time, as the model was trained to read them.

use std::path::Path;

use anyhow::Context;
use data::text::Vocab;
use nn::checkpoint::Metadata;
use tensor::Tensor;

use crate::model::CharRnn;

/// The metadata key naming the project, and its value.
const PROJECT: (&str, &str) = ("project", "07-rnn");

/// The metadata key of a names model's end mark.
const END_MARK: &str = "end_mark";

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
    save_with(path, model, vocab, None)
}

/// Like [`save`], for a model of names: `end` is the character that ends a name (and
/// starts the next), which [`end_mark`] gives back.
///
/// # Errors
/// If the folder is not writable.
pub fn save_names(path: &Path, model: &CharRnn, vocab: &Vocab, end: char) -> anyhow::Result<()> {
    save_with(path, model, vocab, Some(end))
}

fn save_with(path: &Path, model: &CharRnn, vocab: &Vocab, end: Option<char>) -> anyhow::Result<()> {
    let mut metadata = Metadata::from([
        (PROJECT.0.into(), PROJECT.1.into()),
        ("hidden".into(), model.hidden().to_string()),
        ("vocab".into(), vocab.chars().iter().collect::<String>()),
    ]);
    if let Some(end) = end {
        metadata.insert(END_MARK.into(), end.to_string());
    }
    nn::checkpoint::save(path, &Saved(model), None, Some(&metadata))?;
    Ok(())
}

/// The end mark of a names model saved by [`save_names`]; `None` for a model of text.
///
/// # Errors
/// If the file is missing or unreadable, or its end mark is not one character of its
/// vocabulary.
pub fn end_mark(path: &Path) -> anyhow::Result<Option<char>> {
    let metadata = nn::checkpoint::read_metadata(path)?;
    let Some(mark) = metadata.get(END_MARK) else {
        return Ok(None);
    };
    let mut chars = mark.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if metadata.get("vocab").is_some_and(|v| v.contains(c)) => Ok(Some(c)),
        _ => anyhow::bail!(
            "{}: its end mark {mark:?} is not one character of its vocabulary; pass a \
             checkpoint that `07-rnn` wrote",
            path.display()
        ),
    }
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
