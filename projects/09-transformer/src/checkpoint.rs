//! Saving a [`Gpt`] with its vocabulary and shape, and loading it back to sample.
//!
//! The file is safetensors (via `charlm::checkpoint`): the parameters, and in its header, as
//! text, the project, the vocabulary (`vocab`, every character in order) and the model's
//! shape (`context`, `layers`, `heads`, `width`, `tied`). Saved during training, it also
//! holds AdamW's moments and where the run stands, for `--resume`.

use std::path::Path;

use charlm::checkpoint::{Header, Metadata};
use data::text::Vocab;
use rand::SeedableRng;

use crate::model::{Gpt, GptConfig};

/// The project that writes the checkpoints.
const PROJECT: &str = "09-transformer";

/// Writes `model` and `vocab` to `path` (atomically: a temporary file, then a rename).
///
/// # Errors
/// If the folder is not writable.
pub fn save(path: &Path, model: &Gpt, vocab: &Vocab) -> anyhow::Result<()> {
    save_training(path, model, vocab, None, None)
}

/// Like [`save`], during training: with the optimizer's state and the run's resume state,
/// for `--resume`.
///
/// # Errors
/// If the folder is not writable.
pub fn save_training(
    path: &Path,
    model: &Gpt,
    vocab: &Vocab,
    optimizer: Option<&dyn nn::Optimizer>,
    resume: Option<&run::resume::ResumeState>,
) -> anyhow::Result<()> {
    let c = model.config;
    let extra: Metadata = [
        ("context", c.context),
        ("layers", c.layers),
        ("heads", c.heads),
        ("width", c.width),
        ("tied", usize::from(c.tied)),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_string()))
    .collect();
    let header = Header {
        project: PROJECT,
        vocab,
        extra,
    };
    charlm::checkpoint::save(path, model.named_parameters(), header, optimizer, resume)
}

/// Reads a checkpoint written by [`save`].
///
/// # Errors
/// If the file is missing, unreadable, or not a checkpoint of this project.
pub fn load(path: &Path) -> anyhow::Result<(Gpt, Vocab)> {
    let holds = "vocab, context, layers, heads, width and tied";
    let (metadata, vocab) = charlm::checkpoint::read(path, PROJECT, holds)?;
    let not_ours = || anyhow::anyhow!(charlm::checkpoint::not_ours(path, PROJECT, holds));
    let number = |key: &str| charlm::checkpoint::number(&metadata, key).ok_or_else(not_ours);
    let tied = match metadata.get("tied").map(String::as_str) {
        Some("1") => true,
        Some("0") => false,
        _ => return Err(not_ours()),
    };
    let config = GptConfig {
        vocab: vocab.len(),
        context: number("context")?,
        layers: number("layers")?,
        heads: number("heads")?,
        width: number("width")?,
        tied,
    };
    anyhow::ensure!(config.width % config.heads == 0, not_ours());
    // Any initial values: every one is replaced by the file's.
    let model = Gpt::new(config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    charlm::checkpoint::load_into(path, model.named_parameters(), None)?;
    Ok((model, vocab))
}
