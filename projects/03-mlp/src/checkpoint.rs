//! Saving and loading a trained network in the safetensors format.
//!
//! A safetensors file is an 8-byte little-endian header length, a JSON header naming each
//! tensor with its dtype, shape and byte range, then the raw little-endian data. Python reads
//! it with `safetensors.numpy.load_file("model.safetensors")`. The file holds, for each layer
//! `i` counting from 0, `layers.i.w` (`F32`, `[inputs, outputs]`, so `y = x·w + b`) and
//! `layers.i.b` (`F32`, `[outputs]`), and in its metadata the `activation` (`relu` or
//! `sigmoid`) and the number of `layers`.

use crate::{Activation, Linear, Mlp};
use anyhow::{bail, Context};
use ndarray::{Array1, Array2};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::collections::HashMap;
use std::path::Path;

/// Writes `mlp` to `path` as safetensors, through a temporary file renamed into place.
///
/// # Errors
/// If the file cannot be written.
pub fn save(mlp: &Mlp, path: &Path) -> anyhow::Result<()> {
    let bytes = |values: &mut dyn Iterator<Item = &f32>| -> Vec<u8> {
        values.flat_map(|v| v.to_le_bytes()).collect()
    };
    // `iter()` walks in logical (row-major) order, whatever the memory layout.
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = mlp
        .layers
        .iter()
        .enumerate()
        .flat_map(|(i, layer)| {
            [
                (
                    format!("layers.{i}.w"),
                    layer.w.shape().to_vec(),
                    bytes(&mut layer.w.iter()),
                ),
                (
                    format!("layers.{i}.b"),
                    layer.b.shape().to_vec(),
                    bytes(&mut layer.b.iter()),
                ),
            ]
        })
        .collect();
    let views = data
        .iter()
        .map(|(name, shape, raw)| {
            let view = TensorView::new(Dtype::F32, shape.clone(), raw)
                .expect("shape and byte count agree by construction");
            (name.clone(), view)
        })
        .collect::<Vec<_>>();
    let metadata = HashMap::from([
        ("activation".to_owned(), mlp.activation.name().to_owned()),
        ("layers".to_owned(), mlp.layers.len().to_string()),
    ]);
    let file = safetensors::serialize(views, Some(metadata))
        .with_context(|| format!("encoding the checkpoint {}", path.display()))?;
    run::write_atomic(path, &file)
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
    parse(&bytes).with_context(|| {
        format!(
            "{} is not a checkpoint of this project (a safetensors file written by 03-mlp); \
             train again to write a fresh one",
            path.display()
        )
    })
}

fn parse(bytes: &[u8]) -> anyhow::Result<Mlp> {
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
