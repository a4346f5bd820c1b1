//! 10-gan's checkpoints, as its own code reads them: the game state `--resume` continues
//! from (`gan::checkpoint::load_from_bytes`: both players, both Adams, the running average;
//! the resume state in the metadata, `run::resume::ResumeState::from_metadata`), and the
//! generator `sample` and `interpolate` rebuild from the file alone
//! (`gan::models::Generator::from_bytes`, then a forward pass).

use super::charlm::mutate_checkpoint;
use super::{outcome, Outcome, Target};
use gan::gan::Averaged;
use gan::models::{Arch, GanConfig, Generator};
use gan::{Gan, Objective};
use nn::Module;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use run::resume::ResumeState;
use std::cell::RefCell;
use std::path::Path;
use tensor::Tensor;

const CONFIG: GanConfig = GanConfig {
    arch: Arch::Mlp,
    latent: 2,
    width: 3,
};

/// A small game (MLP players of width 3) and its generator's running average.
struct Game {
    gan: Gan,
    averaged: Averaged,
}

fn small_game() -> Game {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let generator = Generator::new(CONFIG, &mut rng);
    let discriminator = gan::models::discriminator(CONFIG, 1, &mut rng);
    let shadow = Generator::new(CONFIG, &mut rng);
    // No statistics batches: loading a checkpoint never samples from the average.
    let averaged = Averaged::new(Box::new(shadow), &generator, 0.999, Vec::new());
    let gan = Gan::new(
        Box::new(generator),
        discriminator,
        2e-4,
        0.5,
        Objective::NonSaturating,
    );
    Game { gan, averaged }
}

pub struct GanCheckpoint {
    seeds: Vec<Vec<u8>>,
    game: RefCell<Game>,
}

impl GanCheckpoint {
    /// Seeds: a game saved by `gan::checkpoint::save` with a resume state (the epoch-end
    /// checkpoint of a training run), and a generator saved by `Generator::save`.
    pub fn new() -> anyhow::Result<GanCheckpoint> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("model.safetensors");
        let mut game = small_game();
        let resume = ResumeState {
            project: "10-gan".into(),
            seed: 1,
            threads: 1,
            settings: vec![
                ("model".into(), "mlp".into()),
                ("steps".into(), "40".into()),
            ],
            epoch: 1,
            step: 40,
            rngs: run::Rngs::new(1).state(),
            history: serde_json::json!({"d_loss": [1.25], "g_loss": [0.75]}),
        };
        let mut metadata = CONFIG.metadata();
        metadata.extend([resume.to_metadata()]);
        gan::checkpoint::save(&path, &mut game.gan, Some(&game.averaged), &metadata)?;
        let mut seeds = vec![std::fs::read(&path)?];
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        Generator::new(CONFIG, &mut rng).save(&path)?;
        seeds.push(std::fs::read(&path)?);
        Ok(GanCheckpoint {
            seeds,
            game: RefCell::new(small_game()),
        })
    }
}

const KEYS: [&str; 5] = ["project", "model", "latent", "width", "resume"];

const VALUES: [&str; 12] = [
    "",
    "10-gan",
    "mlp",
    "dcgan",
    "0",
    "1",
    "2",
    "3",
    "65536",
    "65537",
    "4294967296",
    "-1",
];

impl Target for GanCheckpoint {
    fn name(&self) -> &'static str {
        "gan"
    }

    fn describe(&self) -> &'static str {
        "10-gan's checkpoints (gan::checkpoint::load_from_bytes, \
         run::resume::ResumeState::from_metadata, gan::models::Generator::from_bytes)"
    }

    fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    fn mutate(&self, seed: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
        mutate_checkpoint(&self.seeds, seed, rng, &KEYS, &VALUES)
    }

    fn run(&self, input: &[u8]) -> Vec<Outcome> {
        let path = Path::new("fuzz/model.safetensors");
        let resume = nn::checkpoint::metadata_from_bytes(input, path)
            .map_err(anyhow::Error::from)
            .and_then(|metadata| ResumeState::from_metadata(&metadata, path))
            .and_then(|state| state.history::<serde_json::Value>());
        let mut game = self.game.borrow_mut();
        let game = &mut *game;
        let loaded =
            gan::checkpoint::load_from_bytes(input, path, &mut game.gan, Some(&game.averaged));
        let generator = Generator::from_bytes(input, path);
        if let Ok(generator) = &generator {
            let z = Tensor::zeros(&[1, generator.config.latent]);
            let images = tensor::no_grad(|| generator.forward(&z));
            assert_eq!(
                images.shape().iter().product::<usize>(),
                28 * 28,
                "a generator that does not draw one 28x28 picture"
            );
        }
        vec![
            outcome("resume", &resume.map_err(|e| e.to_string())),
            game_outcome(&loaded),
            outcome("generator", &generator.map(|_| ())),
        ]
    }
}

/// How loading the game ended: the kind of `nn::checkpoint` error under `load`'s context
/// (`--resume: loading ...`), which alone would hide it.
fn game_outcome(loaded: &anyhow::Result<()>) -> Outcome {
    match loaded {
        Ok(()) => "game: ok",
        Err(e) => match e.downcast_ref::<nn::checkpoint::CheckpointError>() {
            Some(kind) => outcome("game", &Err::<(), _>(kind)),
            None => outcome("game", &Err::<(), _>(e.to_string())),
        },
    }
}
