//! Saving a trained [`CharRnn`] with its vocabulary, and loading it back to sample from.
//!
//! The file is safetensors (via `charlm::checkpoint`): the five parameter arrays, and in the
//! header's metadata, as text, what it takes to rebuild the model from the file alone: the
//! project that wrote it, the hidden size and the vocabulary (its characters, in order); a
//! model of names also keeps the character that ends a name, so that sampling can write
//! names one at a time, as the model was trained to read them. Saved during training, it
//! also holds Adam's moments and where the run stands, for `--resume`.

use std::path::Path;

use anyhow::Context;
use charlm::checkpoint::{Header, Metadata};
use data::text::Vocab;

use crate::model::CharRnn;

/// The project that writes the checkpoints.
const PROJECT: &str = "07-rnn";

/// What the metadata holds, for the message when a file is not one of ours.
const HOLDS: &str = "hidden and vocab";

/// The metadata key of a names model's end mark.
const END_MARK: &str = "end_mark";

/// Writes `model` and `vocab` to `path` (atomically: a temporary file, then a rename).
///
/// # Errors
/// If the folder is not writable.
pub fn save(path: &Path, model: &CharRnn, vocab: &Vocab) -> anyhow::Result<()> {
    let header = header(model, vocab, None);
    charlm::checkpoint::save(path, model.named_parameters(), header, None, None)
}

/// Like [`save`], for a model of names: `end` is the character that ends a name (and
/// starts the next), which [`end_mark`] gives back.
///
/// # Errors
/// If the folder is not writable.
pub fn save_names(path: &Path, model: &CharRnn, vocab: &Vocab, end: char) -> anyhow::Result<()> {
    let header = header(model, vocab, Some(end));
    charlm::checkpoint::save(path, model.named_parameters(), header, None, None)
}

/// Like [`save`] (or [`save_names`] with `end`), during training: with Adam's state and the
/// run's resume state, for `--resume`.
///
/// # Errors
/// If the folder is not writable.
pub fn save_training(
    path: &Path,
    model: &CharRnn,
    vocab: &Vocab,
    end: Option<char>,
    optimizer: &dyn nn::Optimizer,
    resume: &run::resume::ResumeState,
) -> anyhow::Result<()> {
    let header = header(model, vocab, end);
    let params = model.named_parameters();
    charlm::checkpoint::save(path, params, header, Some(optimizer), Some(resume))
}

fn header<'a>(model: &CharRnn, vocab: &'a Vocab, end: Option<char>) -> Header<'a> {
    let mut extra = Metadata::from([("hidden".into(), model.hidden().to_string())]);
    if let Some(end) = end {
        extra.insert(END_MARK.into(), end.to_string());
    }
    Header {
        project: PROJECT,
        vocab,
        extra,
    }
}

/// The end mark of a names model saved by [`save_names`]; `None` for a model of text.
///
/// # Errors
/// If the file is missing or unreadable, or its end mark is not one character of its
/// vocabulary.
pub fn end_mark(path: &Path) -> anyhow::Result<Option<char>> {
    end_mark_in(&nn::checkpoint::read_metadata(path)?, path)
}

/// [`end_mark`] from a checkpoint's metadata (what the fuzzer feeds); `path` is only for
/// messages.
///
/// # Errors
/// As [`end_mark`].
pub fn end_mark_in(metadata: &Metadata, path: &Path) -> anyhow::Result<Option<char>> {
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
/// If the file is missing, unreadable, or not a checkpoint of this project (its metadata
/// claiming a larger model than its tensors hold included: refused before it is built).
pub fn load(path: &Path) -> anyhow::Result<(CharRnn, Vocab)> {
    load_from_bytes(&charlm::checkpoint::read_bytes(path)?, path)
}

/// [`load`] on the bytes of a checkpoint (what the fuzzer feeds); `path` is only for messages.
///
/// # Errors
/// As [`load`].
pub fn load_from_bytes(bytes: &[u8], path: &Path) -> anyhow::Result<(CharRnn, Vocab)> {
    let (metadata, vocab) = charlm::checkpoint::read_from_bytes(bytes, path, PROJECT, HOLDS)?;
    let hidden = charlm::checkpoint::number(&metadata, "hidden")
        .with_context(|| charlm::checkpoint::not_ours(path, PROJECT, HOLDS))?;
    // The model is built only if the file holds its parameters: a damaged `hidden` must not
    // allocate gigabytes first.
    let claimed = parameters(vocab.len(), hidden);
    charlm::checkpoint::check_sizes(bytes, path, PROJECT, &metadata, &["hidden"], claimed)?;
    // Any initial values: every one is replaced by the file's (load checks the shapes).
    let model = CharRnn::new(
        vocab.len(),
        hidden,
        &mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0),
    );
    charlm::checkpoint::load_into_from_bytes(bytes, path, model.named_parameters(), None)?;
    Ok((model, vocab))
}

/// How many parameters [`CharRnn::new`] makes for `vocab` characters and `hidden` units,
/// without making them: `embedding`, `w_hh`, `b_h`, `w_hy`, `b_y`.
fn parameters(vocab: usize, hidden: usize) -> u128 {
    charlm::checkpoint::count(&[
        &[vocab, hidden],
        &[hidden, hidden],
        &[hidden],
        &[hidden, vocab],
        &[vocab],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(hidden: usize) -> (CharRnn, Vocab) {
        let vocab = Vocab::from_text("ab\nc");
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
        (CharRnn::new(vocab.len(), hidden, &mut rng), vocab)
    }

    #[test]
    fn the_parameter_count_is_the_models() {
        for hidden in [1, 3, 8] {
            let (model, vocab) = small(hidden);
            let made: usize = model.parameters().iter().map(tensor::Tensor::len).sum();
            assert_eq!(parameters(vocab.len(), hidden), made as u128);
        }
    }

    /// A checkpoint whose metadata claims `hidden` = 2^20 would build a model of 4 TiB of
    /// weights before its tensors were looked at; it is refused first, quickly.
    #[test]
    fn a_checkpoint_claiming_a_huge_hidden_size_is_refused_before_building_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.safetensors");
        let (model, vocab) = small(4);
        let mut header = header(&model, &vocab, None);
        header
            .extra
            .insert("hidden".into(), (1usize << 20).to_string());
        charlm::checkpoint::save(&path, model.named_parameters(), header, None, None).unwrap();
        let started = std::time::Instant::now();
        let message = load(&path).map(|_| ()).expect_err("refused").to_string();
        assert!(started.elapsed().as_secs_f64() < 1.0);
        assert!(
            message.contains("huge.safetensors")
                && message.contains("hidden = 1048576")
                && message.contains("more than the")
                && message.contains("that `07-rnn` wrote"),
            "{message}"
        );
        // The saved model itself loads.
        save(&path, &model, &vocab).unwrap();
        assert_eq!(load(&path).unwrap().0.hidden(), 4);
    }
}
