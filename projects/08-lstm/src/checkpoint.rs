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
/// If the file is missing, unreadable, or not a checkpoint of this project (its metadata
/// claiming a larger model than its tensors hold included: refused before it is built).
pub fn load(path: &Path) -> anyhow::Result<(CharModel, Vocab)> {
    load_from_bytes(&charlm::checkpoint::read_bytes(path)?, path)
}

/// [`load`] on the bytes of a checkpoint (what the fuzzer feeds); `path` is only for messages.
///
/// # Errors
/// As [`load`].
pub fn load_from_bytes(bytes: &[u8], path: &Path) -> anyhow::Result<(CharModel, Vocab)> {
    let (metadata, vocab) = charlm::checkpoint::read_from_bytes(bytes, path, PROJECT, HOLDS)?;
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
    // The model is built only if the file holds its parameters: a damaged `hidden` or
    // `layers` must not allocate gigabytes first.
    let sizes = ["cell", "hidden", "layers"];
    let claimed = parameters(&config);
    charlm::checkpoint::check_sizes(bytes, path, PROJECT, &metadata, &sizes, claimed)?;
    // Any initial values: every one is replaced by the file's (load checks the shapes).
    let model = CharModel::new(
        config,
        &mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0),
    );
    charlm::checkpoint::load_into_from_bytes(bytes, path, model.named_parameters(), None)?;
    Ok((model, vocab))
}

/// How many parameters [`CharModel::new`] makes for `config`, without making them: per
/// layer `w_ih`, `w_hh`, `b_ih` (and the GRU's `b_hh`), then `w_out` and `b_out`.
fn parameters(config: &ModelConfig) -> u128 {
    let (v, h, g) = (config.vocab, config.hidden, config.cell.blocks());
    let gated = g.saturating_mul(h);
    let biases = if config.cell == Cell::Gru { 2 } else { 1 };
    let first = charlm::checkpoint::count(&[&[v, gated], &[h, gated], &[biases, gated]]);
    let next = charlm::checkpoint::count(&[&[h, gated], &[h, gated], &[biases, gated]]);
    let rest = next.saturating_mul(config.layers.saturating_sub(1) as u128);
    first
        .saturating_add(rest)
        .saturating_add(charlm::checkpoint::count(&[&[h, v], &[v]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(cell: Cell, hidden: usize, layers: usize) -> (CharModel, Vocab) {
        let vocab = Vocab::from_text("ab\nc");
        let config = ModelConfig {
            cell,
            vocab: vocab.len(),
            hidden,
            layers,
            dropout: 0.0,
        };
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
        (CharModel::new(config, &mut rng), vocab)
    }

    #[test]
    fn the_parameter_count_is_the_models() {
        for cell in Cell::ALL {
            for (hidden, layers) in [(1, 1), (3, 2), (5, 3)] {
                let (model, _) = small(cell, hidden, layers);
                let made = model.num_parameters() as u128;
                assert_eq!(
                    parameters(&model.config),
                    made,
                    "{cell:?} {hidden} {layers}"
                );
            }
        }
    }

    /// A checkpoint whose metadata claims `hidden` = 2^20 (or a million layers) would build
    /// a model of terabytes before its tensors were looked at; it is refused first, quickly.
    #[test]
    fn a_checkpoint_claiming_a_huge_size_is_refused_before_building_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.safetensors");
        for cell in Cell::ALL {
            let (model, vocab) = small(cell, 4, 2);
            for (key, value) in [("hidden", 1usize << 20), ("layers", 1 << 20)] {
                let mut header = header(&model, &vocab);
                header.extra.insert(key.into(), value.to_string());
                charlm::checkpoint::save(&path, model.named_parameters(), header, None, None)
                    .unwrap();
                let started = std::time::Instant::now();
                let message = load(&path).map(|_| ()).expect_err("refused").to_string();
                assert!(started.elapsed().as_secs_f64() < 1.0);
                assert!(
                    message.contains("huge.safetensors")
                        && message.contains(&format!("{key} = 1048576"))
                        && message.contains("more than the")
                        && message.contains("that `08-lstm` wrote"),
                    "{message}"
                );
            }
            // The saved model itself loads.
            save(&path, &model, &vocab).unwrap();
            assert_eq!(load(&path).unwrap().0.config.hidden, 4);
        }
    }
}
