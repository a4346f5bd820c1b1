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

/// What the metadata holds, for the message when a file is not one of ours.
const HOLDS: &str = "vocab, context, layers, heads, width and tied";

/// Reads a checkpoint written by [`save`].
///
/// # Errors
/// If the file is missing, unreadable, or not a checkpoint of this project (its metadata
/// claiming a larger model than its tensors hold included: refused before it is built).
pub fn load(path: &Path) -> anyhow::Result<(Gpt, Vocab)> {
    load_from_bytes(&charlm::checkpoint::read_bytes(path)?, path)
}

/// [`load`] on the bytes of a checkpoint (what the fuzzer feeds); `path` is only for messages.
///
/// # Errors
/// As [`load`].
pub fn load_from_bytes(bytes: &[u8], path: &Path) -> anyhow::Result<(Gpt, Vocab)> {
    let (metadata, vocab) = charlm::checkpoint::read_from_bytes(bytes, path, PROJECT, HOLDS)?;
    let not_ours = || anyhow::anyhow!(charlm::checkpoint::not_ours(path, PROJECT, HOLDS));
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
    // The model is built only if the file holds its parameters: a damaged `width`,
    // `context` or `layers` must not allocate gigabytes first.
    let sizes = ["context", "layers", "width", "tied"];
    let claimed = parameters(&config);
    charlm::checkpoint::check_sizes(bytes, path, PROJECT, &metadata, &sizes, claimed)?;
    // Any initial values: every one is replaced by the file's.
    let model = Gpt::new(config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    charlm::checkpoint::load_into_from_bytes(bytes, path, model.named_parameters(), None)?;
    Ok((model, vocab))
}

/// How many parameters [`Gpt::new`] makes for `config`, without making them: the two
/// embeddings; per block two LayerNorms (a scale and a shift each), the attention's `qkv`
/// and projection, the MLP's two layers (weights and biases); the last LayerNorm; the head
/// (its bias alone when tied to the token embedding).
fn parameters(config: &GptConfig) -> u128 {
    use charlm::checkpoint::count;
    let GptConfig {
        vocab: v,
        context,
        layers,
        width: c,
        tied,
        ..
    } = *config;
    let block = count(&[
        &[2, c],
        &[c, 3, c],
        &[3, c],
        &[c, c],
        &[c],
        &[2, c],
        &[c, 4, c],
        &[4, c],
        &[4, c, c],
        &[c],
    ]);
    let head = if tied {
        count(&[&[v]])
    } else {
        count(&[&[c, v], &[v]])
    };
    count(&[&[v, c], &[context, c], &[2, c]])
        .saturating_add(block.saturating_mul(layers as u128))
        .saturating_add(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(tied: bool) -> (Gpt, Vocab) {
        let vocab = Vocab::from_text("ab\nc");
        let config = GptConfig {
            vocab: vocab.len(),
            context: 5,
            layers: 2,
            heads: 2,
            width: 4,
            tied,
        };
        (
            Gpt::new(config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)),
            vocab,
        )
    }

    #[test]
    fn the_parameter_count_is_the_models() {
        for tied in [false, true] {
            let (model, _) = small(tied);
            let made: usize = model.parameters().iter().map(tensor::Tensor::len).sum();
            assert_eq!(parameters(&model.config), made as u128, "tied {tied}");
        }
    }

    /// A checkpoint whose metadata claims `width` = 2^20 (or such a context, or a million
    /// blocks) would build a model of terabytes before its tensors were looked at; it is
    /// refused first, quickly.
    #[test]
    fn a_checkpoint_claiming_a_huge_size_is_refused_before_building_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.safetensors");
        for tied in [false, true] {
            let (model, vocab) = small(tied);
            for key in ["width", "context", "layers"] {
                save(&path, &model, &vocab).unwrap();
                let mut metadata = nn::checkpoint::read_metadata(&path).unwrap();
                metadata.insert(key.into(), (1usize << 20).to_string());
                let params = charlm::checkpoint::Params(model.named_parameters());
                nn::checkpoint::save(&path, &params, None, Some(&metadata)).unwrap();
                let started = std::time::Instant::now();
                let message = load(&path).map(|_| ()).expect_err("refused").to_string();
                assert!(started.elapsed().as_secs_f64() < 1.0);
                assert!(
                    message.contains("huge.safetensors")
                        && message.contains(&format!("{key} = 1048576"))
                        && message.contains("more than the")
                        && message.contains("that `09-transformer` wrote"),
                    "{message}"
                );
            }
            // The saved model itself loads.
            save(&path, &model, &vocab).unwrap();
            assert_eq!(load(&path).unwrap().0.config, model.config);
        }
    }
}
