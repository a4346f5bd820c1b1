//! Saving a character model with its vocabulary, and reading it back: what 07, 08 and 09
//! do the same way around their own models.
//!
//! The file is safetensors (via `nn::checkpoint`): the model's parameters, and in the
//! header's metadata, as text, the project that wrote it, the vocabulary (its characters,
//! in order) and whatever else the project needs to rebuild its model from the file alone
//! (its sizes). A checkpoint saved during training also holds the optimizer's state and
//! the run's resume state (`run::resume`), so that `--resume` continues from it; sampling
//! reads only the parameters.

use std::path::Path;

use anyhow::Context;
use data::text::Vocab;
pub use nn::checkpoint::Metadata;
use nn::Optimizer;
use tensor::Tensor;

/// A model's named parameters, as `nn::checkpoint` sees them (it saves and loads a
/// `Module`; the character models are not run through that trait).
pub struct Params(pub Vec<(String, Tensor)>);

impl nn::Module for Params {
    fn forward(&self, _x: &Tensor) -> Tensor {
        unreachable!("only saved and loaded, never run")
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.0.clone()
    }
}

/// The metadata key naming the project that wrote a checkpoint.
const PROJECT: &str = "project";

/// What a checkpoint holds besides the parameters.
pub struct Header<'a> {
    /// The project that writes it, e.g. `07-rnn`: another project's file is refused.
    pub project: &'a str,
    pub vocab: &'a Vocab,
    /// The project's own entries (its model's sizes, ...).
    pub extra: Metadata,
}

/// Writes `params` with `header` to `path` (atomically: a temporary file, then a rename),
/// with the optimizer's state and the resume state if given.
///
/// # Errors
/// If the folder is not writable.
pub fn save(
    path: &Path,
    params: Vec<(String, Tensor)>,
    header: Header<'_>,
    optimizer: Option<&dyn Optimizer>,
    resume: Option<&run::resume::ResumeState>,
) -> anyhow::Result<()> {
    let mut metadata = Metadata::from([
        (PROJECT.into(), header.project.into()),
        (
            "vocab".into(),
            header.vocab.chars().iter().collect::<String>(),
        ),
    ]);
    metadata.extend(header.extra);
    metadata.extend(resume.map(run::resume::ResumeState::to_metadata));
    nn::checkpoint::save(path, &Params(params), optimizer, Some(&metadata))?;
    Ok(())
}

/// The metadata and vocabulary of a checkpoint `project` wrote; `holds` lists its entries
/// for the message if it is not one (e.g. `"hidden and vocab"`).
///
/// # Errors
/// If the file is missing or unreadable, or not a checkpoint of `project`.
pub fn read(path: &Path, project: &str, holds: &str) -> anyhow::Result<(Metadata, Vocab)> {
    let metadata = nn::checkpoint::read_metadata(path)?;
    check(metadata, path, project, holds)
}

/// [`read`] on the bytes of a checkpoint (what the fuzzer feeds); `path` is only for messages.
///
/// # Errors
/// As [`read`].
pub fn read_from_bytes(
    bytes: &[u8],
    path: &Path,
    project: &str,
    holds: &str,
) -> anyhow::Result<(Metadata, Vocab)> {
    let metadata = nn::checkpoint::metadata_from_bytes(bytes, path)?;
    check(metadata, path, project, holds)
}

/// The metadata and vocabulary, if `metadata` is that of a checkpoint `project` wrote.
fn check(
    metadata: Metadata,
    path: &Path,
    project: &str,
    holds: &str,
) -> anyhow::Result<(Metadata, Vocab)> {
    let not_ours = || not_ours(path, project, holds);
    anyhow::ensure!(
        metadata.get(PROJECT).map(String::as_str) == Some(project),
        not_ours()
    );
    let chars = metadata.get("vocab").with_context(not_ours)?;
    let vocab = Vocab::from_text(chars);
    anyhow::ensure!(
        vocab
            .chars()
            .iter()
            .eq(chars.chars().collect::<Vec<_>>().iter()),
        not_ours()
    );
    Ok((metadata, vocab))
}

/// The message for a file that is not a checkpoint of `project`.
pub fn not_ours(path: &Path, project: &str, holds: &str) -> String {
    format!(
        "{}: not a checkpoint of {project} (its metadata has no project = {project}, {holds}); \
         pass the model.safetensors that `{project}` wrote",
        path.display()
    )
}

/// A positive whole number from the metadata, `None` if missing or not one.
pub fn number(metadata: &Metadata, key: &str) -> Option<usize> {
    metadata
        .get(key)
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
}

/// The prefix of the optimizer's entries in a checkpoint (`nn::checkpoint` writes them so).
const OPTIMIZER_PREFIX: &str = "optimizer.";

/// Refuses a checkpoint whose metadata describes a model of `claimed` parameters (counted
/// from the sizes it claims, without building anything) when its tensors hold fewer: a
/// damaged `hidden` or `width` (1048576 is a size) must not make a program allocate
/// gigabytes before it looks at the file. `sizes` are the metadata entries the count comes
/// from, named in the message. Called by 07-09's loaders before they build their model; the
/// shapes themselves are checked when the tensors are loaded.
///
/// # Errors
/// If the bytes are not safetensors, or hold fewer parameters than the metadata claims; the
/// message names the file and what to pass instead.
pub fn check_sizes(
    bytes: &[u8],
    path: &Path,
    project: &str,
    metadata: &Metadata,
    sizes: &[&str],
    claimed: u128,
) -> anyhow::Result<()> {
    let held = nn::checkpoint::shapes_from_bytes(bytes, path)?
        .iter()
        .filter(|(name, _)| !name.starts_with(OPTIMIZER_PREFIX))
        .map(|(_, shape)| {
            shape
                .iter()
                .fold(1u128, |n, &d| n.saturating_mul(d as u128))
        })
        .fold(0u128, u128::saturating_add);
    if claimed > held {
        let described: Vec<String> = sizes
            .iter()
            .map(|key| {
                let value = metadata.get(*key).map_or("?", String::as_str);
                format!("{key} = {value}")
            })
            .collect();
        anyhow::bail!(
            "{}: its metadata describes a model of {claimed} parameters ({}), more than the \
             {held} its tensors hold, so the file is damaged; pass the model.safetensors that \
             `{project}` wrote",
            path.display(),
            described.join(", ")
        );
    }
    Ok(())
}

/// The parameters a model has, from sizes that may be absurd (a damaged file's): products
/// and sums that saturate instead of overflowing, for [`check_sizes`].
pub fn count(terms: &[&[usize]]) -> u128 {
    terms
        .iter()
        .map(|factors| {
            factors
                .iter()
                .fold(1u128, |n, &f| n.saturating_mul(f as u128))
        })
        .fold(0u128, u128::saturating_add)
}

/// The whole checkpoint at `path`, or an error naming it.
///
/// # Errors
/// If the file is missing or unreadable.
pub fn read_bytes(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| {
        nn::checkpoint::CheckpointError::Io {
            path: path.to_path_buf(),
            action: "read",
            source,
        }
        .into()
    })
}

/// [`load_into`] from the bytes of a checkpoint; `path` is only for messages.
///
/// # Errors
/// As [`load_into`].
pub fn load_into_from_bytes(
    bytes: &[u8],
    path: &Path,
    params: Vec<(String, Tensor)>,
    optimizer: Option<&mut dyn Optimizer>,
) -> anyhow::Result<()> {
    nn::checkpoint::load_from_bytes(bytes, path, &Params(params), optimizer)?;
    Ok(())
}

/// Loads the checkpoint's parameters into `params` (and its optimizer state into
/// `optimizer`, if given), checking every shape first.
///
/// # Errors
/// If the file is unreadable or holds another architecture (the message names the tensor).
pub fn load_into(
    path: &Path,
    params: Vec<(String, Tensor)>,
    optimizer: Option<&mut dyn Optimizer>,
) -> anyhow::Result<()> {
    nn::checkpoint::load(path, &Params(params), optimizer)?;
    Ok(())
}

/// Where a training loop starts: afresh (`None`), or, with `--resume`, from the checkpoint
/// at the path with the cursor its resume state holds.
pub type Resume = Option<(std::path::PathBuf, crate::training::Cursor)>;

/// The cursor a training loop starts from: nothing done for a fresh run; when resuming,
/// the saved one, with the checkpoint's weights loaded into `params` and the optimizer's
/// moments into `optimizer`.
///
/// # Errors
/// If the checkpoint does not fit the model (the message names the file and the tensor).
pub fn restore(
    resume: Resume,
    params: Vec<(String, Tensor)>,
    optimizer: &mut dyn Optimizer,
) -> anyhow::Result<crate::training::Cursor> {
    let Some((path, cursor)) = resume else {
        return Ok(crate::training::Cursor::default());
    };
    nn::checkpoint::load(&path, &Params(params), Some(optimizer))
        .with_context(|| format!("--resume: loading {}", path.display()))?;
    Ok(cursor)
}

/// Several optimizers over separate parameters seen as one (09's AdamW with weight decay on
/// the matrices, without on the rest), so that one checkpoint holds all their states: each
/// entry is saved under its optimizer's index, `0.m.3`, `1.step`, ...
pub struct Group<O> {
    pub parts: Vec<O>,
    params: Vec<Tensor>,
}

impl<O: Optimizer> Group<O> {
    pub fn new(parts: Vec<O>) -> Self {
        let params = parts.iter().flat_map(|o| o.parameters().to_vec()).collect();
        Self { parts, params }
    }
}

impl<O: Optimizer> Optimizer for Group<O> {
    fn step(&mut self) {
        for o in &mut self.parts {
            o.step();
        }
    }

    fn parameters(&self) -> &[Tensor] {
        &self.params
    }

    fn learning_rate(&self) -> f32 {
        self.parts.first().map_or(0.0, Optimizer::learning_rate)
    }

    fn set_learning_rate(&mut self, lr: f32) {
        for o in &mut self.parts {
            o.set_learning_rate(lr);
        }
    }

    fn state(&self) -> Vec<(String, ndarray::ArrayD<f32>)> {
        let mut state = Vec::new();
        for (i, o) in self.parts.iter().enumerate() {
            state.extend(o.state().into_iter().map(|(k, v)| (format!("{i}.{k}"), v)));
        }
        state
    }

    fn set_state(&mut self, name: &str, value: ndarray::ArrayD<f32>) {
        let Some((i, rest)) = name.split_once('.') else {
            return;
        };
        if let Some(o) = i.parse::<usize>().ok().and_then(|i| self.parts.get_mut(i)) {
            o.set_state(rest, value);
        }
    }
}
