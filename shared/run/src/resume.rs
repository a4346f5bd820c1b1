//! Resuming a run: what a training loop must save beside its checkpoint, at the end of each
//! epoch, so that `--resume` continues to the same final metrics as a run never stopped
//! (same seed, same threads): equal, not close.
//!
//! The pattern, for a project whose training takes more than a minute:
//!
//! 1. At the end of each epoch: `nn::checkpoint::save(&ckpt, &model, Some(&optimizer), ..)`
//!    (weights and optimizer moments), then [`ResumeState::save`] next to it (epochs and
//!    steps done, the random streams' positions from [`Rngs::state`], and the project's own
//!    history: per-epoch metrics, the loss curve, the best so far). Both writes are atomic;
//!    the resume file goes second, so it never points past the checkpoint.
//! 2. With `--resume`: [`ResumeState::load`] (before any work: it fails if the file is
//!    missing, damaged, or from another project or seed), `nn::checkpoint::load` with the
//!    optimizer, [`Rngs::restore`] the streams, and start the epoch loop at `epoch + 1` with
//!    the step counter (learning-rate schedules) at `step`.
//! 3. Draw from the streams only in the same order as an unbroken run: the data order of
//!    epoch `e` comes from the shuffle stream as it stood after epoch `e - 1`.

use crate::Rngs;
use anyhow::Context;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Where one ChaCha8 stream stands: its key, stream number and position, enough to restore
/// it exactly (the position as a string: JSON numbers cannot hold a `u128`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    /// The 32-byte key, in hexadecimal.
    pub seed: String,
    /// The stream number.
    pub stream: u64,
    /// The position in the stream, in 32-bit words, in decimal.
    pub word_pos: String,
}

impl RngState {
    /// Where `rng` stands.
    pub fn of(rng: &ChaCha8Rng) -> Self {
        Self {
            seed: rng.get_seed().iter().map(|b| format!("{b:02x}")).collect(),
            stream: rng.get_stream(),
            word_pos: rng.get_word_pos().to_string(),
        }
    }

    /// The stream, at the position it was saved at.
    ///
    /// # Errors
    /// If the fields are damaged.
    pub fn restore(&self) -> anyhow::Result<ChaCha8Rng> {
        use rand::SeedableRng;
        anyhow::ensure!(
            self.seed.len() == 64,
            "a random stream's key is not 32 bytes"
        );
        let mut seed = [0u8; 32];
        for (i, byte) in seed.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&self.seed[2 * i..2 * i + 2], 16)
                .context("a random stream's key is not hexadecimal")?;
        }
        let word_pos: u128 = self
            .word_pos
            .parse()
            .context("a random stream's position is not a number")?;
        let mut rng = ChaCha8Rng::from_seed(seed);
        rng.set_stream(self.stream);
        rng.set_word_pos(word_pos);
        Ok(rng)
    }
}

/// The positions of a run's three streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngStates {
    pub init: RngState,
    pub shuffle: RngState,
    pub noise: RngState,
}

impl Rngs {
    /// Where each stream stands, for [`ResumeState`].
    pub fn state(&self) -> RngStates {
        RngStates {
            init: RngState::of(&self.init),
            shuffle: RngState::of(&self.shuffle),
            noise: RngState::of(&self.noise),
        }
    }

    /// The streams as they stood when `state` was taken.
    ///
    /// # Errors
    /// If `state` is damaged.
    pub fn restore(state: &RngStates) -> anyhow::Result<Self> {
        Ok(Self {
            init: state.init.restore()?,
            shuffle: state.shuffle.restore()?,
            noise: state.noise.restore()?,
        })
    }
}

/// Everything besides the weights and optimizer state that a run needs to continue: saved
/// as JSON next to the checkpoint (e.g. `resume.json`) at the end of each epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResumeState {
    /// The project that wrote it, e.g. `05-cnn`: another project's file is refused.
    pub project: String,
    /// The run's seed: resuming with another seed would not be the same run.
    pub seed: u64,
    /// Epochs completed.
    pub epoch: usize,
    /// Optimizer steps taken (where a learning-rate schedule stands).
    pub step: usize,
    /// The random streams after epoch `epoch`.
    pub rngs: RngStates,
    /// The project's own record so far (per-epoch metrics, loss curve, best so far), as it
    /// likes; `serde_json::to_value` of a struct is the usual.
    pub history: serde_json::Value,
}

impl ResumeState {
    /// Writes the state to `path`, atomically.
    ///
    /// # Errors
    /// If the file cannot be written; the message names it.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self).context("serialising the resume state")?;
        crate::write_atomic(path, (text + "\n").as_bytes())
    }

    /// Reads the state a run of `project` with `seed` saved at `path`.
    ///
    /// # Errors
    /// If the file is missing or damaged, or was written by another project or with another
    /// seed; the message names the file and what to do.
    pub fn load(path: &Path, project: &str, seed: u64) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read {} to resume from; run without --resume to start afresh",
                path.display()
            )
        })?;
        let state: Self = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a resume state of this version; run without --resume to start \
                 afresh",
                path.display()
            )
        })?;
        anyhow::ensure!(
            state.project == project,
            "{} was written by {}, not {project}",
            path.display(),
            state.project
        );
        anyhow::ensure!(
            state.seed == seed,
            "{} is from a run with --seed {}; resume with that seed (this run has {seed})",
            path.display(),
            state.seed
        );
        Rngs::restore(&state.rngs).with_context(|| format!("{} is damaged", path.display()))?;
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngCore};

    #[test]
    fn restored_streams_continue_exactly_where_they_stood() {
        let mut rngs = Rngs::new(42);
        // Uneven draws, as a training loop makes them (a u32, then u64s, then floats).
        rngs.shuffle.next_u32();
        for _ in 0..1001 {
            rngs.noise.next_u64();
        }
        let _: f32 = rngs.init.random();
        let state = rngs.state();
        let mut restored = Rngs::restore(&state).unwrap();
        for _ in 0..100 {
            assert_eq!(rngs.shuffle.next_u64(), restored.shuffle.next_u64());
            assert_eq!(rngs.noise.next_u32(), restored.noise.next_u32());
            assert_eq!(rngs.init.random::<f64>(), restored.init.random::<f64>());
        }
    }

    #[test]
    fn a_state_round_trips_through_its_file_and_wrong_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("resume.json");
        let state = ResumeState {
            project: "05-cnn".into(),
            seed: 7,
            epoch: 2,
            step: 3750,
            rngs: Rngs::new(7).state(),
            history: serde_json::json!({"test_accuracy": [0.97, 0.98]}),
        };
        state.save(&path).unwrap();
        assert_eq!(ResumeState::load(&path, "05-cnn", 7).unwrap(), state);

        let other = ResumeState::load(&path, "03-mlp", 7)
            .unwrap_err()
            .to_string();
        assert!(other.contains("written by 05-cnn"), "{other}");
        let seed = ResumeState::load(&path, "05-cnn", 8)
            .unwrap_err()
            .to_string();
        assert!(seed.contains("--seed 7"), "{seed}");
        let missing = format!(
            "{:#}",
            ResumeState::load(&dir.path().join("nope.json"), "05-cnn", 7).unwrap_err()
        );
        assert!(
            missing.contains("nope.json") && missing.contains("--resume"),
            "{missing}"
        );
        std::fs::write(&path, &std::fs::read(&path).unwrap()[..40]).unwrap();
        let cut = format!("{:#}", ResumeState::load(&path, "05-cnn", 7).unwrap_err());
        assert!(cut.contains("resume.json"), "{cut}");
    }
}
