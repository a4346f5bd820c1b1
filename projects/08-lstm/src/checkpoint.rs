//! Saving a trained [`CharModel`] with its vocabulary, and loading it back to sample from.
//!
//! The file is safetensors (via `nn::checkpoint`): the parameter arrays, plus two small
//! tensors: `vocab`, each character's Unicode scalar value (an f32 holds every one exactly:
//! they are below 2²¹), and `shape`, the cell (0 RNN, 1 GRU, 2 LSTM), `V`, `H` and the number
//! of layers.

use std::path::Path;

use anyhow::Context;
use data::text::Vocab;
use ndarray::Array1;
use tensor::Tensor;

use crate::model::{Cell, CharModel, ModelConfig};

/// The model's parameters, the vocabulary and the shape, as `nn::checkpoint` sees them.
struct Saved<'a> {
    model: &'a CharModel,
    vocab: Tensor,
    shape: Tensor,
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
            ("shape".into(), self.shape.clone()),
        ]
    }
}

fn vocab_tensor(vocab: &Vocab) -> Tensor {
    Tensor::new(Array1::from_iter(
        vocab.chars().iter().map(|&c| c as u32 as f32),
    ))
}

fn shape_tensor(config: &ModelConfig) -> Tensor {
    let cell = Cell::ALL
        .iter()
        .position(|&c| c == config.cell)
        .expect("a cell") as f32;
    Tensor::new(ndarray::array![
        cell,
        config.vocab as f32,
        config.hidden as f32,
        config.layers as f32
    ])
}

/// Writes `model` and `vocab` to `path` (atomically: a temporary file, then a rename).
///
/// # Errors
/// If the folder is not writable.
pub fn save(path: &Path, model: &CharModel, vocab: &Vocab) -> anyhow::Result<()> {
    let saved = Saved {
        model,
        vocab: vocab_tensor(vocab),
        shape: shape_tensor(&model.config),
    };
    nn::checkpoint::save(path, &saved, None)?;
    Ok(())
}

/// Reads a checkpoint written by [`save`].
///
/// # Errors
/// If the file is missing, unreadable, or not a checkpoint of this project.
pub fn load(path: &Path) -> anyhow::Result<(CharModel, Vocab)> {
    let not_ours = || {
        format!(
            "{}: not a checkpoint of 08-lstm (it has no `vocab` and `shape` tensors); pass the \
             model.safetensors that `08-lstm` wrote",
            path.display()
        )
    };
    let codes = nn::checkpoint::read_tensor(path, "vocab")?.with_context(not_ours)?;
    let shape = nn::checkpoint::read_tensor(path, "shape")?.with_context(not_ours)?;
    let chars: Option<String> = codes.iter().map(|&c| char::from_u32(c as u32)).collect();
    let vocab = Vocab::from_text(&chars.with_context(not_ours)?);
    anyhow::ensure!(vocab.len() == codes.len() && shape.len() == 4, not_ours());
    let cell = *Cell::ALL.get(shape[0] as usize).with_context(not_ours)?;
    let config = ModelConfig {
        cell,
        vocab: shape[1] as usize,
        hidden: shape[2] as usize,
        layers: shape[3] as usize,
        dropout: 0.0,
    };
    anyhow::ensure!(
        config.vocab == vocab.len() && config.hidden > 0 && config.layers > 0,
        not_ours()
    );
    // Any initial values: every one is replaced by the file's.
    let model = CharModel::new(
        config,
        &mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0),
    );
    let saved = Saved {
        model: &model,
        vocab: vocab_tensor(&vocab),
        shape: shape_tensor(&config),
    };
    nn::checkpoint::load(path, &saved, None)?;
    Ok((model, vocab))
}
