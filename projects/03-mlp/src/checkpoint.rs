//! Saving and loading a trained network in the safetensors format.
//!
//! A safetensors file is an 8-byte little-endian header length, a JSON header naming each
//! tensor with its dtype, shape and byte range, then the raw little-endian data. Python reads
//! it with `safetensors.numpy.load_file("model.safetensors")`. The file holds, for each layer
//! `i` counting from 0, `layers.i.w` (`F32`, `[inputs, outputs]`, so `y = x·w + b`) and
//! `layers.i.b` (`F32`, `[outputs]`), and in its metadata the `activation` (`relu` or
//! `sigmoid`) and the number of `layers`.
//!
//! A training run saves it after every epoch with what `--resume` needs besides: SGD's
//! velocities (`velocity.i.w`, `velocity.i.b`) and, in the metadata's `resume` entry, where
//! the run stands ([`TrainState`] and the random streams), all in one file written
//! atomically, so a run killed at any moment continues to the numbers of an unbroken one.

use crate::train::{EpochStats, Sgd};
use crate::{Activation, Linear, Mlp};
use anyhow::{bail, Context};
use ndarray::{Array1, Array2};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Writes `mlp` to `path` as safetensors, through a temporary file renamed into place.
///
/// # Errors
/// If the file cannot be written.
pub fn save(mlp: &Mlp, path: &Path) -> anyhow::Result<()> {
    write(mlp, None, path)
}

/// One tensor to write: name, shape, little-endian bytes.
type Entry = (String, Vec<usize>, Vec<u8>);

/// The tensors of `arrays` (`(w, b)` pairs, one per layer) named `{prefix}.{i}.w` and `.b`.
fn entries<'a>(
    prefix: &str,
    arrays: impl Iterator<Item = (&'a Array2<f32>, &'a Array1<f32>)>,
) -> Vec<Entry> {
    let bytes = |values: &mut dyn Iterator<Item = &f32>| -> Vec<u8> {
        values.flat_map(|v| v.to_le_bytes()).collect()
    };
    // `iter()` walks in logical (row-major) order, whatever the memory layout.
    arrays
        .enumerate()
        .flat_map(|(i, (w, b))| {
            [
                (
                    format!("{prefix}.{i}.w"),
                    w.shape().to_vec(),
                    bytes(&mut w.iter()),
                ),
                (
                    format!("{prefix}.{i}.b"),
                    b.shape().to_vec(),
                    bytes(&mut b.iter()),
                ),
            ]
        })
        .collect()
}

/// Writes `mlp`, and with `resume` SGD's velocities and the `resume` metadata entry.
fn write(mlp: &Mlp, resume: Option<(&Sgd, (String, String))>, path: &Path) -> anyhow::Result<()> {
    let mut data = entries("layers", mlp.layers.iter().map(|l| (&l.w, &l.b)));
    if let Some((sgd, _)) = &resume {
        data.extend(entries(
            "velocity",
            sgd.velocity.iter().map(|(w, b)| (w, b)),
        ));
    }
    let views = data
        .iter()
        .map(|(name, shape, raw)| {
            let view = TensorView::new(Dtype::F32, shape.clone(), raw)
                .expect("shape and byte count agree by construction");
            (name.clone(), view)
        })
        .collect::<Vec<_>>();
    let mut metadata = HashMap::from([
        ("activation".to_owned(), mlp.activation.name().to_owned()),
        ("layers".to_owned(), mlp.layers.len().to_string()),
    ]);
    metadata.extend(resume.map(|(_, entry)| entry));
    let file = safetensors::serialize(views, Some(metadata))
        .with_context(|| format!("encoding the checkpoint {}", path.display()))?;
    run::write_atomic(path, &file)
}

/// Where a training run stands between two epochs: what [`crate::train::train`] needs,
/// besides the weights, the velocities and the shuffle stream, to carry on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainState {
    /// One entry per epoch done.
    pub history: Vec<EpochStats>,
    /// Gradient steps taken (where the schedule stands).
    pub step: usize,
    /// Seconds spent in training steps, and in the whole loop, so far.
    pub step_seconds: f64,
    pub seconds: f64,
}

/// Where training saves its checkpoint, and what it resumes from.
pub struct Checkpoint<'a> {
    /// `None`: save nothing (tests and experiments that keep no checkpoint).
    saving: Option<(&'a run::Session, PathBuf)>,
    resumed: run::resume::Resumed,
}

impl<'a> Checkpoint<'a> {
    /// Save to `path` after each epoch, with the run `session` describes; continue from what
    /// `resumed` read (`Session::resume_from`, nothing for a fresh run).
    pub fn new(session: &'a run::Session, path: PathBuf, resumed: run::resume::Resumed) -> Self {
        Self {
            saving: Some((session, path)),
            resumed,
        }
    }

    /// Neither save nor resume.
    pub fn none() -> Self {
        Self {
            saving: None,
            resumed: run::resume::Resumed::default(),
        }
    }

    /// A fresh start, or, when resuming, the state saved with the checkpoint, with the weights
    /// and velocities loaded into `mlp` and `sgd`.
    ///
    /// # Errors
    /// If the checkpoint cannot be read or does not fit `mlp`.
    pub fn restore(&self, mlp: &mut Mlp, sgd: &mut Sgd) -> anyhow::Result<TrainState> {
        let (Some(_), Some((_, path))) = (&self.resumed.state, &self.saving) else {
            return Ok(TrainState::default());
        };
        let bytes = std::fs::read(path)
            .with_context(|| format!("--resume: cannot read {}", path.display()))?;
        let mut restore = || -> anyhow::Result<()> {
            let saved = from_bytes(&bytes)?;
            if (saved.sizes(), saved.activation) != (mlp.sizes(), mlp.activation) {
                bail!(
                    "it holds a {} network of sizes {:?}, this run builds {} of {:?}",
                    saved.activation.name(),
                    saved.sizes(),
                    mlp.activation.name(),
                    mlp.sizes()
                );
            }
            let tensors = SafeTensors::deserialize(&bytes)?;
            for (i, (vw, vb)) in sgd.velocity.iter_mut().enumerate() {
                let (w_name, b_name) = (format!("velocity.{i}.w"), format!("velocity.{i}.b"));
                let (w_shape, w) = floats(&tensors, &w_name, 2)?;
                let (b_shape, b) = floats(&tensors, &b_name, 1)?;
                if w_shape != vw.shape() || b_shape != vb.shape() {
                    bail!("`{w_name}` or `{b_name}` does not have its layer's shape");
                }
                let shape = vw.raw_dim();
                vw.assign(&Array2::from_shape_vec(shape, w)?);
                vb.assign(&Array1::from(b));
            }
            // Into the arrays as they are, so their memory layout (and so the order in which
            // the matrix products add up) stays what an unbroken run has.
            for (layer, saved) in mlp.layers.iter_mut().zip(&saved.layers) {
                layer.w.assign(&saved.w);
                layer.b.assign(&saved.b);
            }
            Ok(())
        };
        restore().with_context(|| format!("--resume: {} does not fit this run", path.display()))?;
        self.resumed.history()
    }

    /// Saves `mlp`, `sgd`'s velocities and `state`, with the shuffle stream `shuffle` as it
    /// stands.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn save(
        &self,
        mlp: &Mlp,
        sgd: &Sgd,
        shuffle: &rand_chacha::ChaCha8Rng,
        state: &TrainState,
    ) -> anyhow::Result<()> {
        let Some((session, path)) = &self.saving else {
            return Ok(());
        };
        let rngs = run::Rngs {
            shuffle: shuffle.clone(),
            ..session.rngs.clone()
        };
        let resume = session.resume_state(state.history.len(), state.step, &rngs, state)?;
        write(mlp, Some((sgd, resume.to_metadata())), path)
    }
}

/// The checkpoint's metadata, for `Session::resume_from`.
///
/// # Errors
/// If the file cannot be read or is not safetensors.
pub fn read_metadata(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (_, header) = SafeTensors::read_metadata(&bytes)
        .with_context(|| format!("{} is not a safetensors file", path.display()))?;
    Ok(header
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect())
}

/// Reads a network written by [`save`].
///
/// # Errors
/// If the file is missing, is not safetensors, or does not hold a network as [`save`]
/// writes one; the message names the file.
pub fn load(path: &Path) -> anyhow::Result<Mlp> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "cannot read the checkpoint {}; check the path, or train again to write it",
            path.display()
        )
    })?;
    from_bytes(&bytes).with_context(|| {
        format!(
            "{} is not a checkpoint of this project (a safetensors file written by 03-mlp); \
             train again to write a fresh one",
            path.display()
        )
    })
}

/// Reads a network from the bytes of a checkpoint written by [`save`].
///
/// # Errors
/// If the bytes are not safetensors or do not hold a network as [`save`] writes one.
pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<Mlp> {
    let (_, header) = SafeTensors::read_metadata(bytes)?;
    let metadata = header.metadata().clone().unwrap_or_default();
    let tensors = SafeTensors::deserialize(bytes)?;
    let activation = match metadata.get("activation").map(String::as_str) {
        Some("relu") => Activation::Relu,
        Some("sigmoid") => Activation::Sigmoid,
        other => bail!("the metadata names no known activation (found {other:?})"),
    };
    let count: usize = metadata
        .get("layers")
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .context("the metadata has no layer count")?;
    // Two tensors a layer: a count the file cannot hold is damage, not a size to allocate.
    if count > tensors.len() / 2 {
        bail!(
            "the metadata counts {count} layers but the file holds {} tensors",
            tensors.len()
        );
    }
    let mut layers: Vec<Linear> = Vec::with_capacity(count);
    for i in 0..count {
        let w = floats(&tensors, &format!("layers.{i}.w"), 2)?;
        let b = floats(&tensors, &format!("layers.{i}.b"), 1)?;
        let (shape, b_len) = (w.0, b.0[0]);
        if b_len != shape[1] {
            bail!("layers.{i}.b has {b_len} values for {} outputs", shape[1]);
        }
        if let Some(previous) = layers.last() {
            if previous.w.ncols() != shape[0] {
                bail!(
                    "layers.{i}.w takes {} inputs but layer {} gives {}",
                    shape[0],
                    i - 1,
                    previous.w.ncols()
                );
            }
        }
        layers.push(Linear {
            w: Array2::from_shape_vec((shape[0], shape[1]), w.1)?,
            b: Array1::from(b.1),
        });
    }
    Ok(Mlp { layers, activation })
}

/// The tensor `name` as f32 values with its shape, which must have `rank` dimensions.
fn floats(
    tensors: &SafeTensors,
    name: &str,
    rank: usize,
) -> anyhow::Result<(Vec<usize>, Vec<f32>)> {
    let view = tensors
        .tensor(name)
        .with_context(|| format!("no tensor `{name}`"))?;
    if view.dtype() != Dtype::F32 || view.shape().len() != rank {
        bail!(
            "`{name}` is {:?} of shape {:?}; expected F32 with {rank} dimension(s)",
            view.dtype(),
            view.shape()
        );
    }
    let values = view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok((view.shape().to_vec(), values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MlpConfig;
    use rand::SeedableRng;

    #[test]
    fn a_saved_network_loads_back_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let config = MlpConfig {
            inputs: 5,
            hidden: vec![4, 3],
            outputs: 2,
            activation: Activation::Sigmoid,
        };
        let mlp = config.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        save(&mlp, &path).unwrap();
        assert_eq!(load(&path).unwrap(), mlp);
        // The temporary file was renamed into place, not left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["model.safetensors"]);
    }

    #[test]
    fn a_layer_count_larger_than_the_file_is_an_error_not_an_allocation() {
        let config = MlpConfig {
            inputs: 3,
            hidden: vec![2],
            outputs: 2,
            activation: Activation::Relu,
        };
        let mlp = config.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        save(&mlp, &path).unwrap();
        // The same file with its `layers` entry edited: 2 becomes 2^60.
        let bytes = std::fs::read(&path).unwrap();
        let file = SafeTensors::deserialize(&bytes).unwrap().tensors();
        let mut metadata = HashMap::new();
        metadata.insert("activation".to_owned(), "relu".to_owned());
        metadata.insert("layers".to_owned(), (1usize << 60).to_string());
        let edited = safetensors::serialize(file, Some(metadata)).unwrap();
        let message = format!("{:#}", from_bytes(&edited).unwrap_err());
        println!("{message}");
        assert!(
            message.contains("counts 1152921504606846976 layers"),
            "{message}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_checkpoint_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        std::fs::write(&path, b"not safetensors at all").unwrap();
        let message = format!("{:#}", load(&path).unwrap_err());
        println!("{message}");
        assert!(
            message.contains("model.safetensors") && message.contains("train again"),
            "{message}"
        );
        let missing = format!(
            "{:#}",
            load(&dir.path().join("none.safetensors")).unwrap_err()
        );
        assert!(missing.contains("none.safetensors"), "{missing}");
    }
}
