//! 07-09's checkpoints, as their own code reads them: `charlm::checkpoint::read_from_bytes`
//! (the project's name and the vocabulary in the metadata), the model's settings
//! (`charlm::checkpoint::number`), the resume state (`run::resume::ResumeState::from_metadata`
//! and its history) and the parameters with the optimizer's state
//! (`nn::checkpoint::load_from_bytes` into `charlm::checkpoint::Params`, then one step).
//!
//! Besides the edits of [`super::checkpoint`], inputs change what only these programs look
//! at: the vocabulary, the sizes, and values deep inside the resume state's JSON.

use super::checkpoint::{edit, edit_metadata, parse, serialize};
use super::{outcome, Outcome, Target};
use crate::mutate::havoc;
use charlm::checkpoint::{Header, Metadata, Params};
use data::text::Vocab;
use nn::{Adam, Optimizer};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use run::resume::ResumeState;
use std::cell::RefCell;
use std::path::Path;
use tensor::Tensor;

const PROJECT: &str = "07-rnn";
const HOLDS: &str = "hidden and vocab";

/// A tiny character model's parameters (an embedding and an output layer) and its Adam.
struct Small {
    params: Vec<(String, Tensor)>,
    optimizer: Adam,
}

fn small_model() -> Small {
    let embed = Tensor::param(ndarray::Array2::from_shape_fn((4, 3), |(i, j)| {
        (i * 3 + j) as f32 / 10.0
    }));
    let out = Tensor::param(ndarray::Array2::from_shape_fn((3, 4), |(i, j)| {
        0.5 - (i * 4 + j) as f32 / 20.0
    }));
    let optimizer = Adam::new(vec![embed.clone(), out.clone()], 0.01);
    Small {
        params: vec![("embed".into(), embed), ("out".into(), out)],
        optimizer,
    }
}

/// One training step, as a resumed run takes right after loading.
fn train_step(small: &mut Small) {
    let x = Tensor::from_vec(vec![1.0, 0.0, -1.0, 0.5], &[1, 4]);
    let loss = x
        .matmul(&small.params[0].1)
        .matmul(&small.params[1].1)
        .sum();
    small.optimizer.zero_grad();
    loss.backward();
    small.optimizer.step();
}

pub struct Charlm {
    seeds: Vec<Vec<u8>>,
    small: RefCell<Small>,
}

impl Charlm {
    /// Seeds: what `charlm::checkpoint::save` writes for 07-09, with the optimizer's state
    /// and a resume state (a training checkpoint), and without (a model for sampling).
    pub fn new() -> anyhow::Result<Charlm> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("model.safetensors");
        let vocab = Vocab::from_text("a\nbc");
        let mut small = small_model();
        train_step(&mut small);
        let header = || Header {
            project: PROJECT,
            vocab: &vocab,
            extra: Metadata::from([("hidden".to_owned(), "3".to_owned())]),
        };
        let resume = ResumeState {
            project: PROJECT.into(),
            seed: 1,
            threads: 1,
            settings: vec![("hidden".into(), "3".into()), ("steps".into(), "10".into())],
            epoch: 0,
            step: 1,
            rngs: run::Rngs::new(1).state(),
            history: serde_json::json!({"steps": [1], "losses": [1.25], "best": null}),
        };
        let mut seeds = Vec::new();
        charlm::checkpoint::save(
            &path,
            small.params.clone(),
            header(),
            Some(&small.optimizer),
            Some(&resume),
        )?;
        seeds.push(std::fs::read(&path)?);
        charlm::checkpoint::save(&path, small.params.clone(), header(), None, None)?;
        seeds.push(std::fs::read(&path)?);
        Ok(Charlm {
            seeds,
            small: RefCell::new(small_model()),
        })
    }
}

const KEYS: [&str; 5] = ["project", "vocab", "hidden", "end", "resume"];

const VALUES: [&str; 14] = [
    "",
    "07-rnn",
    "08-lstm",
    "0",
    "3",
    "-1",
    "4294967296",
    "18446744073709551616",
    "a\nbc",
    "aab",
    "é",
    "a\nbcd",
    "\u{0}",
    "{}",
];

impl Target for Charlm {
    fn name(&self) -> &'static str {
        "charlm"
    }

    fn describe(&self) -> &'static str {
        "07-09's checkpoints (charlm::checkpoint::read_from_bytes, number, \
         run::resume::ResumeState::from_metadata, nn::checkpoint::load_from_bytes into Params)"
    }

    fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    fn mutate(&self, seed: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
        mutate_checkpoint(&self.seeds, seed, rng, &KEYS, &VALUES)
    }

    fn run(&self, input: &[u8]) -> Vec<Outcome> {
        let path = Path::new("fuzz/model.safetensors");
        let read = charlm::checkpoint::read_from_bytes(input, path, PROJECT, HOLDS);
        let mut outcomes = vec![outcome("read", &read)];
        if let Ok((metadata, vocab)) = &read {
            assert!(
                vocab.chars().iter().collect::<String>() == metadata["vocab"],
                "the vocabulary read is not the file's"
            );
            let hidden = charlm::checkpoint::number(metadata, "hidden").ok_or("no hidden size");
            let resume = ResumeState::from_metadata(metadata, path).and_then(|state| {
                run::Rngs::restore(&state.rngs)?;
                state.history::<serde_json::Value>()
            });
            outcomes.push(outcome("hidden", &hidden));
            outcomes.push(outcome("resume", &resume.map_err(|e| e.to_string())));
        }
        let mut small = self.small.borrow_mut();
        let small = &mut *small;
        let params = Params(small.params.clone());
        let loaded =
            nn::checkpoint::load_from_bytes(input, path, &params, Some(&mut small.optimizer));
        if loaded.is_ok() {
            train_step(small);
        }
        outcomes.push(outcome("params+adam", &loaded));
        outcomes
    }
}

/// An input made from seed `seed` of a project's checkpoints: mostly valid safetensors
/// holding the wrong thing (the edits of any checkpoint, and of the metadata entries `keys`
/// the project reads itself), the rest damaged bytes.
pub(super) fn mutate_checkpoint(
    seeds: &[Vec<u8>],
    seed: usize,
    rng: &mut ChaCha8Rng,
    keys: &[&str],
    values: &[&str],
) -> Vec<u8> {
    let original = &seeds[seed];
    match rng.random_range(0..10) {
        0..=6 => {
            let mut file = parse(original).expect("the seeds are valid safetensors");
            for _ in 0..rng.random_range(1..=3) {
                if rng.random_bool(0.5) {
                    edit_metadata(&mut file, keys, values, rng);
                } else {
                    edit(&mut file, rng);
                }
            }
            serialize(&file)
        }
        _ => {
            let mut data = original.clone();
            havoc(&mut data, rng, seeds);
            data
        }
    }
}
