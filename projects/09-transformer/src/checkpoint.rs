//! Saving a trained [`Gpt`] with its vocabulary and shape, and loading it back to sample.
//!
//! The file is safetensors (via `nn::checkpoint`): the parameters, plus two small tensors:
//! `vocab` (each character's Unicode scalar value; an f32 holds every one exactly, they are
//! below 2²¹) and `config` (vocabulary, context, layers, heads, width, tied as 0 or 1).

use std::path::Path;

use anyhow::Context;
use data::text::Vocab;
use ndarray::Array1;
use rand::SeedableRng;
use tensor::Tensor;

use crate::model::{Gpt, GptConfig};

struct Saved<'a> {
    model: &'a Gpt,
    vocab: Tensor,
}

impl Saved<'_> {
    fn config_tensor(&self) -> Tensor {
        let c = self.model.config;
        let values = [c.vocab, c.context, c.layers, c.heads, c.width, usize::from(c.tied)];
        Tensor::new(Array1::from_iter(values.iter().map(|&v| v as f32)))
    }
}

impl nn::Module for Saved<'_> {
    fn forward(&self, _x: &Tensor) -> Tensor {
        unreachable!("only saved and loaded, never run")
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.model.named_parameters()
    }

    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        vec![
            ("vocab".into(), self.vocab.clone()),
            ("config".into(), self.config_tensor()),
        ]
    }
}

fn vocab_tensor(vocab: &Vocab) -> Tensor {
    Tensor::new(Array1::from_iter(vocab.chars().iter().map(|&c| c as u32 as f32)))
}

/// Writes `model` and `vocab` to `path` (atomically: a temporary file, then a rename).
///
/// # Errors
/// If the folder is not writable.
pub fn save(path: &Path, model: &Gpt, vocab: &Vocab) -> anyhow::Result<()> {
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
pub fn load(path: &Path) -> anyhow::Result<(Gpt, Vocab)> {
    let not_ours = || {
        format!(
            "{}: not a checkpoint of 09-transformer (it has no `vocab` and `config` tensors); \
             pass the model.safetensors that `09-transformer` wrote",
            path.display()
        )
    };
    let codes = nn::checkpoint::read_tensor(path, "vocab")?.with_context(not_ours)?;
    let shape = nn::checkpoint::read_tensor(path, "config")?.with_context(not_ours)?;
    anyhow::ensure!(shape.len() == 6, not_ours());
    let chars: Option<String> = codes.iter().map(|&c| char::from_u32(c as u32)).collect();
    let vocab = Vocab::from_text(&chars.with_context(not_ours)?);
    anyhow::ensure!(vocab.len() == codes.len(), not_ours());
    let n = |i: usize| shape[i] as usize;
    let config = GptConfig {
        vocab: n(0),
        context: n(1),
        layers: n(2),
        heads: n(3),
        width: n(4),
        tied: n(5) == 1,
    };
    anyhow::ensure!(
        config.vocab == vocab.len() && config.heads > 0 && config.width % config.heads == 0,
        not_ours()
    );
    // Any initial values: every one is replaced by the file's.
    let model = Gpt::new(config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    let saved = Saved {
        model: &model,
        vocab: vocab_tensor(&vocab),
    };
    nn::checkpoint::load(path, &saved, None)?;
    Ok((model, vocab))
}
