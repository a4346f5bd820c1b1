//! Saving a trained [`CharRnn`] with its vocabulary, and loading it back to sample from.
//!
//! The file is safetensors (via `nn::checkpoint`): the five parameter arrays, plus the
//! vocabulary as a tensor named `vocab` holding each character's Unicode scalar value (an
//! f32 holds every one exactly: they are below 2²¹). The hidden size and vocabulary size
//! follow from the arrays' shapes.
// TODO(lead): once nn::checkpoint can write metadata (the `host` helper's change), keep the
// vocabulary and the training settings there, as text, instead of in the `vocab` tensor.

use std::path::Path;

use anyhow::Context;
use data::text::Vocab;
use ndarray::Array1;
use tensor::Tensor;

use crate::model::CharRnn;

/// The model's parameters and the vocabulary, as `nn::checkpoint` sees them.
struct Saved<'a> {
    model: &'a CharRnn,
    vocab: Tensor,
}

impl nn::Module for Saved<'_> {
    fn forward(&self, _x: &Tensor) -> Tensor {
        unreachable!("only saved and loaded, never run")
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.model.named_parameters()
    }

    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        vec![("vocab".into(), self.vocab.clone())]
    }
}

fn vocab_tensor(vocab: &Vocab) -> Tensor {
    Tensor::new(Array1::from_iter(
        vocab.chars().iter().map(|&c| c as u32 as f32),
    ))
}

/// Writes `model` and `vocab` to `path` (atomically: a temporary file, then a rename).
///
/// # Errors
/// If the folder is not writable.
pub fn save(path: &Path, model: &CharRnn, vocab: &Vocab) -> anyhow::Result<()> {
    let saved = Saved {
        model,
        vocab: vocab_tensor(vocab),
    };
    nn::checkpoint::save(path, &saved, None)?;
    Ok(())
}

/// Reads a checkpoint written by [`save`].
///
/// # Errors
/// If the file is missing, unreadable, or not a checkpoint of this project.
pub fn load(path: &Path) -> anyhow::Result<(CharRnn, Vocab)> {
    let not_ours = || {
        format!(
            "{}: not a checkpoint of 07-rnn (it has no `vocab` and `w_hh` tensors); pass the \
             model.safetensors that `07-rnn` wrote",
            path.display()
        )
    };
    let codes = nn::checkpoint::read_tensor(path, "vocab")?.with_context(not_ours)?;
    let w_hh = nn::checkpoint::read_tensor(path, "w_hh")?.with_context(not_ours)?;
    let chars: Option<String> = codes.iter().map(|&c| char::from_u32(c as u32)).collect();
    let vocab = Vocab::from_text(&chars.with_context(not_ours)?);
    anyhow::ensure!(vocab.len() == codes.len(), not_ours());
    let hidden = (w_hh.len() as f64).sqrt() as usize;
    anyhow::ensure!(hidden * hidden == w_hh.len(), not_ours());
    // Any initial values: every one is replaced by the file's.
    let model = CharRnn::new(
        vocab.len(),
        hidden,
        &mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0),
    );
    let saved = Saved {
        model: &model,
        vocab: vocab_tensor(&vocab),
    };
    nn::checkpoint::load(path, &saved, None)?;
    Ok((model, vocab))
}
