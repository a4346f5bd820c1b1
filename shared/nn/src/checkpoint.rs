//! Saving and loading a model's parameters (and an optimizer's state) as safetensors: a
//! small JSON header naming each tensor's dtype, shape and byte range, then the raw
//! little-endian numbers. The header may also hold [`Metadata`], text settings such as which
//! architecture was saved, so that a program can rebuild the model from the file alone.
//! Python's `safetensors` reads the same files:
//!
//! ```python
//! from safetensors import safe_open
//! with safe_open("runs/05-cnn/model.safetensors", "np") as f:
//!     print(f.metadata())              # {'model': 'keras', 'classes': '10', ...}
//!     print(f.get_tensor("conv1.weight").shape)
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ndarray::{ArrayD, IxDyn};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use tensor::Tensor;

use crate::module::Module;
use crate::optim::Optimizer;

/// Names of optimizer entries in the file start with this.
const OPTIMIZER_PREFIX: &str = "optimizer.";

/// Settings stored beside the tensors, in the safetensors header (its `__metadata__` entry):
/// text keys to text values, which is all the format allows. Numbers are written as text
/// (`"classes": "10"`) and parsed back by the program that reads them.
pub type Metadata = BTreeMap<String, String>;

/// Why a checkpoint could not be saved or loaded. Each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The checkpoint could not be written (the message names the file and the step).
    #[error(transparent)]
    Write(#[from] host::files::WriteError),
    #[error("{path}: cannot {action} the checkpoint: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a readable safetensors checkpoint ({reason}); was it written by this program, and completely?")]
    Format { path: PathBuf, reason: String },
    #[error(
        "{path}: tensor `{name}` has shape {in_file:?} in the checkpoint but {in_model:?} in this model; \
         the checkpoint was saved from a different architecture (check the layer sizes and flags)"
    )]
    ShapeMismatch {
        path: PathBuf,
        name: String,
        in_file: Vec<usize>,
        in_model: Vec<usize>,
    },
    #[error(
        "{path}: the checkpoint has no tensor `{name}` (shape {in_model:?} in this model); \
         it was saved from a different architecture{hint}"
    )]
    Missing {
        path: PathBuf,
        name: String,
        in_model: Vec<usize>,
        hint: &'static str,
    },
    #[error(
        "{path}: the checkpoint holds tensor `{name}` (shape {in_file:?}) that this model does not have; \
         it was saved from a different architecture"
    )]
    Unexpected {
        path: PathBuf,
        name: String,
        in_file: Vec<usize>,
    },
    /// The checkpoint's [`Metadata`] is missing, or does not describe what the program that
    /// reads it expects (the program says what, in `reason`).
    #[error("{path}: {reason}")]
    Metadata { path: PathBuf, reason: String },
}

/// Everything a module keeps: parameters, then buffers.
fn model_tensors(model: &dyn Module) -> Vec<(String, Tensor)> {
    let mut all = model.named_parameters();
    all.extend(model.named_buffers());
    all
}

// ANCHOR: save
/// Writes `model`'s parameters and buffers, `optimizer`'s state if given, and `metadata` if
/// given, to `path`. The file is written through `host::files::write_atomic` (a temporary
/// file in the same folder, flushed, then renamed), so an interrupted save never leaves a
/// half-written checkpoint at `path`, nor destroys the one that was there.
///
/// # Errors
/// If the folder cannot be created or written to.
pub fn save(
    path: &Path,
    model: &dyn Module,
    optimizer: Option<&dyn Optimizer>,
    metadata: Option<&Metadata>,
) -> Result<(), CheckpointError> {
    let mut entries: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    let mut add = |name: String, value: &ArrayD<f32>| {
        let bytes: Vec<u8> = value.iter().flat_map(|v| v.to_le_bytes()).collect();
        entries.push((name, value.shape().to_vec(), bytes));
    };
    for (name, t) in model_tensors(model) {
        add(name, &t.to_array());
    }
    for (name, value) in optimizer.map(Optimizer::state).unwrap_or_default() {
        add(format!("{OPTIMIZER_PREFIX}{name}"), &value);
    }
    let views = entries.iter().map(|(name, shape, bytes)| {
        let view =
            TensorView::new(Dtype::F32, shape.clone(), bytes).expect("shape and byte count agree");
        (name.clone(), view)
    });
    let metadata = metadata.map(|m| m.clone().into_iter().collect::<HashMap<_, _>>());
    let bytes =
        safetensors::serialize(views, metadata).map_err(|e| format_error(path, e.to_string()))?;
    host::files::write_atomic(path, &bytes)?;
    Ok(())
}
// ANCHOR_END: save

/// The [`Metadata`] a checkpoint was saved with: empty if it was saved without any.
///
/// # Errors
/// If the file cannot be read or is not safetensors; the message names the file.
pub fn read_metadata(path: &Path) -> Result<Metadata, CheckpointError> {
    let bytes = read_bytes(path)?;
    let (_, header) =
        SafeTensors::read_metadata(&bytes).map_err(|e| format_error(path, e.to_string()))?;
    Ok(header
        .metadata()
        .iter()
        .flatten()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect())
}

/// The whole file, or an error naming it.
fn read_bytes(path: &Path) -> Result<Vec<u8>, CheckpointError> {
    std::fs::read(path).map_err(|source| CheckpointError::Io {
        path: path.to_path_buf(),
        action: "read",
        source,
    })
}

fn format_error(path: &Path, reason: String) -> CheckpointError {
    CheckpointError::Format {
        path: path.to_path_buf(),
        reason,
    }
}

/// A tensor's bytes as little-endian `f32`s, as safetensors stores them.
fn f32_values(view: &TensorView<'_>) -> Vec<f32> {
    view.data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Reads a checkpoint written by [`save`] into `model` (and `optimizer`, if given). Nothing
/// is changed unless every tensor is present with the right shape.
///
/// # Errors
/// If the file cannot be read or parsed, or it was saved from a different architecture:
/// the error names the first tensor that differs and both shapes.
pub fn load(
    path: &Path,
    model: &dyn Module,
    optimizer: Option<&mut dyn Optimizer>,
) -> Result<(), CheckpointError> {
    let bytes = read_bytes(path)?;
    let format = |reason: String| format_error(path, reason);
    let file = SafeTensors::deserialize(&bytes).map_err(|e| format(e.to_string()))?;
    let mut in_file: HashMap<String, TensorView<'_>> = file.tensors().into_iter().collect();

    // Check everything first, collecting the new values.
    let mut take =
        |name: &str, want: &[usize], hint: &'static str| -> Result<ArrayD<f32>, CheckpointError> {
            let view = in_file
                .remove(name)
                .ok_or_else(|| CheckpointError::Missing {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                    in_model: want.to_vec(),
                    hint,
                })?;
            if view.shape() != want {
                return Err(CheckpointError::ShapeMismatch {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                    in_file: view.shape().to_vec(),
                    in_model: want.to_vec(),
                });
            }
            if view.dtype() != Dtype::F32 {
                return Err(format(format!(
                    "tensor `{name}` is stored as {:?}, expected F32",
                    view.dtype()
                )));
            }
            ArrayD::from_shape_vec(IxDyn(want), f32_values(&view))
                .map_err(|e| format(format!("tensor `{name}`: {e}")))
        };
    let mut model_values = Vec::new();
    for (name, t) in model_tensors(model) {
        model_values.push((t.clone(), take(&name, &t.shape(), "")?));
    }
    let mut optimizer_values = Vec::new();
    if let Some(opt) = &optimizer {
        for (name, current) in opt.state() {
            let hint = " (or it was saved without optimizer state, or with another optimizer)";
            let value = take(&format!("{OPTIMIZER_PREFIX}{name}"), current.shape(), hint)?;
            optimizer_values.push((name, value));
        }
    }
    // Optimizer entries are allowed to be left over when no optimizer is being loaded.
    let mut extra: Vec<_> = in_file
        .iter()
        .filter(|(name, _)| optimizer.is_some() || !name.starts_with(OPTIMIZER_PREFIX))
        .collect();
    extra.sort_by(|a, b| a.0.cmp(b.0));
    if let Some((name, view)) = extra.first() {
        return Err(CheckpointError::Unexpected {
            path: path.to_path_buf(),
            name: name.to_string(),
            in_file: view.shape().to_vec(),
        });
    }

    // All present and the right shapes: now change the model.
    for (t, value) in model_values {
        t.set_value(value);
    }
    if let Some(opt) = optimizer {
        for (name, value) in optimizer_values {
            opt.set_state(&name, value);
        }
    }
    Ok(())
}
