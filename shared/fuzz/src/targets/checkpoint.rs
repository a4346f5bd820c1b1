//! Checkpoints: `nn::checkpoint::load_from_bytes` (with and without optimizer state),
//! `cnn::Cnn::from_bytes` (05's `eval` and `predict`, which rebuild the network the file's
//! metadata describes) and `mlp::checkpoint::from_bytes` (03).
//!
//! Most inputs are valid safetensors files that hold the wrong thing (a tensor renamed,
//! reshaped or retyped with its data resized to match, metadata that describes another
//! network, floats that are NaN), since that is what a checkpoint from another run or
//! another version looks like; the rest are damaged bytes.

use super::{outcome, Outcome, Target};
use crate::mutate::{havoc, interesting_u32};
use nn::{Adam, Linear, Module, Optimizer, Relu, Sequential};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use safetensors::SafeTensors;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::path::Path;
use tensor::Tensor;

/// The small model the nn loader reads into, and its optimizer.
struct Small {
    model: Sequential,
    optimizer: Adam,
}

fn small_model() -> Small {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let model = Sequential::new()
        .add(Linear::new(4, 3, &mut rng))
        .add(Relu)
        .add(Linear::new(3, 2, &mut rng));
    let optimizer = Adam::new(model.parameters(), 0.01);
    Small { model, optimizer }
}

/// One training step of `small`, as a resumed run takes right after loading.
fn train_step(small: &mut Small) -> Vec<usize> {
    let x = Tensor::from_vec(vec![0.5, -1.0, 2.0, 0.0], &[1, 4]);
    let logits = small.model.forward(&x);
    let loss = tensor::cross_entropy(&logits, &[1]);
    small.optimizer.zero_grad();
    loss.backward();
    small.optimizer.step();
    logits.shape()
}

pub struct Checkpoint {
    seeds: Vec<Vec<u8>>,
    small: RefCell<Small>,
}

impl Checkpoint {
    /// Seeds: checkpoints written by each program's own saver: nn's (a small model with
    /// Adam's state and metadata), 05's (LeNet-5 and the Keras model, small inputs) and 03's.
    pub fn new() -> anyhow::Result<Checkpoint> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("model.safetensors");
        let mut seeds = Vec::new();

        let mut small = small_model();
        train_step(&mut small);
        let metadata = nn::checkpoint::Metadata::from([
            ("project".to_owned(), "fuzz".to_owned()),
            ("epoch".to_owned(), "1".to_owned()),
        ]);
        nn::checkpoint::save(&path, &small.model, Some(&small.optimizer), Some(&metadata))?;
        seeds.push(std::fs::read(&path)?);

        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for (arch, input, classes) in [
            (cnn::Arch::Lenet5, [1, 12, 12], 3),
            (cnn::Arch::Keras, [1, 18, 18], 2),
        ] {
            cnn::Cnn::new(arch, input, classes, &mut rng).save(&path)?;
            seeds.push(std::fs::read(&path)?);
        }

        let config = mlp::MlpConfig {
            inputs: 8,
            hidden: vec![4],
            outputs: 3,
            activation: mlp::Activation::Relu,
        };
        mlp::checkpoint::save(&config.init(&mut rng), &path)?;
        seeds.push(std::fs::read(&path)?);
        Ok(Checkpoint {
            seeds,
            small: RefCell::new(small_model()),
        })
    }
}

/// A safetensors file taken apart: metadata and tensors, each with its dtype and shape as
/// JSON values (so that they can be set to anything) and its bytes.
pub(super) struct File {
    pub(super) metadata: Option<Map<String, Value>>,
    pub(super) tensors: Vec<Entry>,
}

pub(super) struct Entry {
    name: String,
    dtype: Value,
    shape: Vec<Value>,
    data: Vec<u8>,
    /// Offsets to write instead of the true ones, to damage them on purpose.
    offsets: Option<(Value, Value)>,
}

/// Bytes per element of a dtype, 4 for one safetensors does not know.
fn element_size(dtype: &Value) -> u64 {
    match dtype.as_str().unwrap_or("") {
        "F64" | "I64" | "U64" | "C64" => 8,
        "F16" | "BF16" | "I16" | "U16" => 2,
        "I8" | "U8" | "BOOL" | "F8_E4M3" | "F8_E5M2" => 1,
        _ => 4,
    }
}

pub(super) fn parse(bytes: &[u8]) -> Option<File> {
    let file = SafeTensors::deserialize(bytes).ok()?;
    let (_, header) = SafeTensors::read_metadata(bytes).ok()?;
    let metadata = header.metadata().as_ref().map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect()
    });
    let mut tensors: Vec<Entry> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| Entry {
            name,
            dtype: json!(format!("{:?}", view.dtype())),
            shape: view.shape().iter().map(|&d| json!(d)).collect(),
            data: view.data().to_vec(),
            offsets: None,
        })
        .collect();
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    Some(File { metadata, tensors })
}

/// The bytes of `file`: the header's length, the header (JSON padded to 8 bytes), the data.
pub(super) fn serialize(file: &File) -> Vec<u8> {
    let mut header = Map::new();
    if let Some(metadata) = &file.metadata {
        header.insert("__metadata__".into(), Value::Object(metadata.clone()));
    }
    let mut data: Vec<u8> = Vec::new();
    for entry in &file.tensors {
        let start = data.len() as u64;
        data.extend(&entry.data);
        let offsets = entry
            .offsets
            .clone()
            .unwrap_or_else(|| (json!(start), json!(data.len() as u64)));
        header.insert(
            entry.name.clone(),
            json!({"dtype": entry.dtype, "shape": entry.shape, "data_offsets": [offsets.0, offsets.1]}),
        );
    }
    let mut text = Value::Object(header).to_string().into_bytes();
    while text.len() % 8 != 0 {
        text.push(b' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend(text);
    out.extend(data);
    out
}

/// Sizes a tensor's data to what its shape and dtype call for, when that is small: the file
/// stays valid safetensors, wrong only in what it holds.
fn fit_data(entry: &mut Entry) {
    let elements = entry
        .shape
        .iter()
        .try_fold(1u64, |acc, d| acc.checked_mul(d.as_u64()?));
    let Some(bytes) = elements.and_then(|n| n.checked_mul(element_size(&entry.dtype))) else {
        return;
    };
    if bytes <= 1 << 22 {
        let old = std::mem::take(&mut entry.data);
        entry.data = (0..bytes as usize)
            .map(|i| {
                if old.is_empty() {
                    0
                } else {
                    old[i % old.len()]
                }
            })
            .collect();
    }
}

const NAMES: [&str; 10] = [
    "conv1.weight",
    "dense1.bias",
    "dense3.weight",
    "layers.0.w",
    "layers.1.b",
    "0.weight",
    "2.bias",
    "optimizer.step",
    "optimizer.m.0",
    "",
];

const DTYPES: [&str; 12] = [
    "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "Q4",
];

const KEYS: [&str; 10] = [
    "project",
    "model",
    "channels",
    "height",
    "width",
    "classes",
    "layers",
    "activation",
    "epoch",
    "resume",
];

const VALUES: [&str; 20] = [
    "",
    "0",
    "1",
    "2",
    "3",
    "10",
    "12",
    "18",
    "28",
    "-1",
    "99999",
    "100000",
    "100001",
    "4294967296",
    "18446744073709551616",
    " 10",
    "keras",
    "lenet5",
    "relu",
    "05-cnn",
];

/// An edge value for a dimension: 0, 1, a neighbour of the old value, or something huge.
fn dimension(rng: &mut ChaCha8Rng, old: u64) -> Value {
    match rng.random_range(0..5) {
        0 => json!(old.saturating_add(1)),
        1 => json!(old.saturating_sub(1)),
        2 => json!(u64::from(interesting_u32(rng))),
        3 => json!(
            [0u64, 1, 2, 3, 99_999, 1 << 31, 1 << 32, 1 << 53, u64::MAX][rng.random_range(0..9)]
        ),
        _ => json!(-1),
    }
}

/// One knowing edit of a taken-apart checkpoint.
pub(super) fn edit(file: &mut File, rng: &mut ChaCha8Rng) {
    let n = file.tensors.len();
    match rng.random_range(0..9) {
        // A tensor renamed: to another's name, a name of another program, a prefix more.
        0 if n > 0 => {
            let i = rng.random_range(0..n);
            file.tensors[i].name = match rng.random_range(0..4) {
                0 => file.tensors[rng.random_range(0..n)].name.clone(),
                1 => NAMES[rng.random_range(0..NAMES.len())].to_owned(),
                2 => format!("optimizer.{}", file.tensors[i].name),
                _ => format!("{}x", file.tensors[i].name),
            };
        }
        // A shape changed, its data resized to match (mostly).
        1 | 2 if n > 0 => {
            let entry = &mut file.tensors[rng.random_range(0..n)];
            match rng.random_range(0..4) {
                0 if !entry.shape.is_empty() => {
                    let d = rng.random_range(0..entry.shape.len());
                    let old = entry.shape[d].as_u64().unwrap_or(0);
                    entry.shape[d] = dimension(rng, old);
                }
                1 => entry.shape.push(json!(1)),
                2 if !entry.shape.is_empty() => {
                    entry.shape.pop();
                }
                _ => entry.shape.reverse(),
            }
            if rng.random_bool(0.8) {
                fit_data(entry);
            }
        }
        // Another dtype.
        3 if n > 0 => {
            let entry = &mut file.tensors[rng.random_range(0..n)];
            entry.dtype = json!(DTYPES[rng.random_range(0..DTYPES.len())]);
            if rng.random_bool(0.8) {
                fit_data(entry);
            }
        }
        // Metadata: an entry set to an edge value, removed, or all of it gone.
        4 | 5 => {
            let metadata = file.metadata.get_or_insert_with(Map::new);
            let key = KEYS[rng.random_range(0..KEYS.len())];
            match rng.random_range(0..5) {
                0 => {
                    metadata.remove(key);
                }
                1 => file.metadata = None,
                _ => {
                    metadata.insert(key.into(), json!(VALUES[rng.random_range(0..VALUES.len())]));
                }
            }
        }
        // Values that are not numbers: NaN, infinities, the largest float.
        6 if n > 0 => {
            let entry = &mut file.tensors[rng.random_range(0..n)];
            for _ in 0..rng.random_range(1..=4) {
                if entry.data.len() >= 4 {
                    let at = 4 * rng.random_range(0..entry.data.len() / 4);
                    let value = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, -1e30]
                        [rng.random_range(0..5)];
                    entry.data[at..at + 4].copy_from_slice(&value.to_le_bytes());
                }
            }
        }
        // A tensor dropped or doubled.
        7 if n > 0 => {
            let i = rng.random_range(0..n);
            if rng.random_bool(0.5) {
                file.tensors.remove(i);
            } else {
                let e = &file.tensors[i];
                let copy = Entry {
                    name: format!("{}.copy", e.name),
                    dtype: e.dtype.clone(),
                    shape: e.shape.clone(),
                    data: e.data.clone(),
                    offsets: None,
                };
                file.tensors.insert(i, copy);
            }
        }
        // Offsets that do not fit the data.
        _ if n > 0 => {
            let entry = &mut file.tensors[rng.random_range(0..n)];
            let value = json!(u64::from(interesting_u32(rng)));
            entry.offsets = Some(if rng.random_bool(0.5) {
                (json!(0), value)
            } else {
                (value, json!(0))
            });
        }
        _ => {}
    }
}

impl Target for Checkpoint {
    fn name(&self) -> &'static str {
        "checkpoint"
    }

    fn describe(&self) -> &'static str {
        "safetensors checkpoints (nn::checkpoint::load_from_bytes, cnn::Cnn::from_bytes, \
         mlp::checkpoint::from_bytes)"
    }

    fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    fn mutate(&self, seed: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
        let original = &self.seeds[seed];
        match rng.random_range(0..10) {
            // Valid safetensors holding the wrong thing.
            0..=6 => {
                let mut file = parse(original).expect("the seeds are valid safetensors");
                for _ in 0..rng.random_range(1..=3) {
                    edit(&mut file, rng);
                }
                serialize(&file)
            }
            // A damaged header, its length prefix fixed up to match.
            7 | 8 => {
                let len = u64::from_le_bytes(original[..8].try_into().expect("8 bytes")) as usize;
                let mut header = original[8..8 + len].to_vec();
                havoc(&mut header, rng, &[]);
                let mut out = (header.len() as u64).to_le_bytes().to_vec();
                out.extend(header);
                out.extend(&original[8 + len..]);
                out
            }
            // Damaged bytes anywhere.
            _ => {
                let mut data = original.clone();
                havoc(&mut data, rng, &self.seeds);
                data
            }
        }
    }

    fn run(&self, input: &[u8]) -> Vec<Outcome> {
        let path = Path::new("fuzz/model.safetensors");
        let mut small = self.small.borrow_mut();
        let small = &mut *small;
        let with_optimizer =
            nn::checkpoint::load_from_bytes(input, path, &small.model, Some(&mut small.optimizer));
        if with_optimizer.is_ok() {
            // A resumed run trains on right away: that must work (or diverge visibly, as
            // NaN, which the numeric guard reports), never panic.
            assert_eq!(train_step(small), [1, 2]);
        }
        let weights_only = nn::checkpoint::load_from_bytes(input, path, &small.model, None);
        let cnn = cnn::Cnn::from_bytes(input, path);
        if let Ok(model) = &cnn {
            let [c, h, w] = model.input();
            let x = Tensor::zeros(&[1, c, h, w]);
            let scores = tensor::no_grad(|| model.forward(&x));
            assert_eq!(
                scores.shape(),
                [1, model.classes()],
                "scores of the wrong shape"
            );
        }
        let mlp = mlp::checkpoint::from_bytes(input);
        if let Ok(net) = &mlp {
            let inputs = net.sizes()[0];
            let logits = net.logits(ndarray::Array2::zeros((1, inputs)).view());
            let outputs = *net.sizes().last().expect("a layer");
            assert_eq!(logits.dim(), (1, outputs), "logits of the wrong shape");
        }
        vec![
            outcome("nn+adam", &with_optimizer),
            outcome("nn", &weights_only),
            outcome("05", &cnn.map(|_| ())),
            outcome("03", &mlp.map(|_| ())),
        ]
    }
}

/// A knowing edit of the metadata entries a project interprets itself: `key` set to one of
/// `values` or removed, or, for an entry that holds JSON (a resume state), one value deep
/// inside it changed (a string cut, lengthened or given a two-byte character, a number set
/// to an edge value, a field removed), the JSON kept valid.
pub(super) fn edit_metadata(file: &mut File, keys: &[&str], values: &[&str], rng: &mut ChaCha8Rng) {
    let metadata = file.metadata.get_or_insert_with(Map::new);
    let key = keys[rng.random_range(0..keys.len())];
    let json = metadata
        .get(key)
        .and_then(Value::as_str)
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .filter(Value::is_object);
    match (rng.random_range(0..4), json) {
        (0, _) => {
            metadata.remove(key);
        }
        (1, _) | (_, None) => {
            metadata.insert(key.into(), json!(values[rng.random_range(0..values.len())]));
        }
        (_, Some(mut value)) => {
            edit_json(&mut value, rng);
            metadata.insert(key.into(), json!(value.to_string()));
        }
    }
}

/// Changes one value somewhere inside `value`.
fn edit_json(value: &mut Value, rng: &mut ChaCha8Rng) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[rng.random_range(0..keys.len())];
            if rng.random_bool(0.1) {
                map.remove(key);
            } else if let Some(inner) = map.get_mut(key) {
                edit_json(inner, rng);
            }
        }
        Value::Array(items) if !items.is_empty() && rng.random_bool(0.8) => {
            let i = rng.random_range(0..items.len());
            edit_json(&mut items[i], rng);
        }
        Value::String(text) => match rng.random_range(0..4) {
            0 => {
                let keep = rng.random_range(0..=text.len());
                *text = text.chars().take(keep).collect();
            }
            // Two-byte characters after one one-byte character: the same length in bytes,
            // character boundaries at odd offsets.
            1 if !text.is_empty() => {
                let rest = text.len() - 1;
                *text = "0".to_owned() + &"é".repeat(rest / 2) + &"0".repeat(rest % 2);
            }
            2 => text.push_str(&"f".repeat(rng.random_range(1..40))),
            _ => *text = ["", "-1", "1e400", "0x10", "zz"][rng.random_range(0..5)].to_owned(),
        },
        _ => {
            *value = [
                json!(0),
                json!(-1),
                json!(u64::MAX),
                json!(1e300),
                json!(null),
                json!("1"),
                json!([]),
                json!({}),
            ][rng.random_range(0..8)]
            .clone();
        }
    }
}
