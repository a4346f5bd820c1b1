//! Resuming a run: what a training loop saves with its checkpoint, at the end of each epoch
//! (or every N steps), so that `--resume` continues to the same final metrics as a run never
//! stopped (same flags, seed and threads): equal, not close.
//!
//! The pattern, for a project whose training takes more than a minute:
//!
//! 1. Flatten [`ResumeArgs`] into the training flags. Right after [`Session::start`] (and
//!    `on_your_code`), `let resumed = session.resume_from(&path, || read_metadata(&path),
//!    args.resume.resume)?;` reads the checkpoint's header only, before any data is loaded
//!    (the project's own checkpoint code reads it): with `--resume` it fails if the
//!    file is missing, damaged, or from another project, seed or settings, and it puts the
//!    random streams back where they stood ([`Session::rngs`]).
//! 2. Train from epoch `resumed.epoch + 1` and step `resumed.step` (learning-rate schedules),
//!    after loading the weights and optimizer state from the checkpoint, and taking the
//!    project's own record so far (per-epoch metrics, loss curve, best so far) from
//!    [`ResumeState::history`].
//! 3. At the end of each epoch: `let state = session.resume_state(epoch, step, &rngs,
//!    &history)?;` and save the weights, the optimizer state and `state` in ONE file: the
//!    state goes into the checkpoint's metadata under [`ResumeState::METADATA_KEY`]
//!    ([`ResumeState::to_metadata`]), so that the weights and where the run stood can never
//!    disagree, whatever moment a kill comes at. The file is written atomically.
//! 4. Draw from the streams only in the same order as an unbroken run: the data order of
//!    epoch `e` comes from the shuffle stream as it stood after epoch `e - 1`.
//!
//! Timings (`train_seconds`, speeds) of a resumed run cover only what it ran itself plus what
//! the history recorded; everything else in `metrics.json` equals the unbroken run's.

use crate::{Rngs, Session};
use anyhow::Context;
use rand_chacha::ChaCha8Rng;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::BTreeMap;
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
        // Checked before slicing it two bytes at a time: a damaged key may hold characters of
        // several bytes, and a slice through one panics.
        anyhow::ensure!(
            self.seed.bytes().all(|b| b.is_ascii_hexdigit()),
            "a random stream's key is not hexadecimal"
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

/// The `--resume` flag, for the projects that train long enough to need it. Flatten it into
/// a project's training flags:
///
/// ```
/// use clap::Parser;
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     resume: run::resume::ResumeArgs,
/// }
/// assert!(Cli::parse_from(["05-cnn", "--resume"]).resume.resume);
/// ```
#[derive(Debug, Clone, Copy, Default, clap::Args)]
#[command(about = None, long_about = None)]
pub struct ResumeArgs {
    /// Continue the run whose checkpoint is in the output folder from its last saved epoch
    /// (or step), instead of starting afresh. Give the same flags, seed and threads: the run
    /// then ends with the same numbers as one that was never stopped.
    #[arg(long)]
    pub resume: bool,
}

/// Everything besides the weights and optimizer state that a run needs to continue, saved
/// in the checkpoint's metadata (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResumeState {
    /// The project that wrote it, e.g. `05-cnn`: another project's file is refused.
    pub project: String,
    /// The run's seed: resuming with another seed would not be the same run.
    pub seed: u64,
    /// The worker threads of the run that saved it (another count may change the last digits).
    pub threads: usize,
    /// The run's own settings, as its configuration line printed them: resuming with other
    /// settings (another `--epochs` moves a cosine schedule) would not be the same run.
    pub settings: Vec<(String, String)>,
    /// Epochs completed (0 for a project that counts only steps).
    pub epoch: usize,
    /// Optimizer steps taken (where a learning-rate schedule stands).
    pub step: usize,
    /// The random streams as they stood when the state was taken.
    pub rngs: RngStates,
    /// The project's own record so far (per-epoch metrics, loss curve, best so far), any
    /// serialisable value; read it back with [`ResumeState::history`].
    pub history: serde_json::Value,
}

impl ResumeState {
    /// The checkpoint metadata entry that holds the state.
    pub const METADATA_KEY: &'static str = "resume";

    /// The `(key, value)` to add to the checkpoint's metadata: the state as JSON.
    ///
    /// # Panics
    /// Never in practice: every field serialises.
    pub fn to_metadata(&self) -> (String, String) {
        let text = serde_json::to_string(self).expect("a resume state serialises");
        (Self::METADATA_KEY.to_owned(), text)
    }

    /// The state in a checkpoint's metadata, `path` naming the file in messages.
    ///
    /// # Errors
    /// If the entry is missing (the checkpoint was saved without one) or damaged.
    pub fn from_metadata(metadata: &BTreeMap<String, String>, path: &Path) -> anyhow::Result<Self> {
        let text = metadata.get(Self::METADATA_KEY).with_context(|| {
            format!(
                "{} holds no resume state (it was written by an older version, or by a run \
                 that saves none); run without --resume to start afresh",
                path.display()
            )
        })?;
        let state: Self = serde_json::from_str(text).with_context(|| {
            format!(
                "the resume state in {} is damaged; run without --resume to start afresh",
                path.display()
            )
        })?;
        Rngs::restore(&state.rngs).with_context(|| format!("{} is damaged", path.display()))?;
        Ok(state)
    }

    /// The project's record so far, as the type it was saved from.
    ///
    /// # Errors
    /// If it does not have that type's fields (a damaged or foreign file).
    pub fn history<T: DeserializeOwned>(&self) -> anyhow::Result<T> {
        serde_json::from_value(self.history.clone())
            .context("the resume state's history is not this project's")
    }
}

/// Where a resumed run starts: nothing done for a fresh run.
#[derive(Debug, Clone, Default)]
pub struct Resumed {
    /// Epochs already completed.
    pub epoch: usize,
    /// Optimizer steps already taken.
    pub step: usize,
    /// The state read, `None` for a fresh run.
    pub state: Option<ResumeState>,
}

impl Resumed {
    /// The project's record so far ([`ResumeState::history`]), or `T::default()` for a fresh
    /// run.
    ///
    /// # Errors
    /// If the saved history is not a `T`.
    pub fn history<T: DeserializeOwned + Default>(&self) -> anyhow::Result<T> {
        self.state
            .as_ref()
            .map_or_else(|| Ok(T::default()), ResumeState::history)
    }
}

impl Session {
    /// Where this run stands, for its checkpoint: `epoch` epochs and `step` steps done, the
    /// streams `rngs` as they stand now, and the project's `history` so far.
    ///
    /// # Errors
    /// If `history` does not serialise to JSON.
    pub fn resume_state(
        &self,
        epoch: usize,
        step: usize,
        rngs: &Rngs,
        history: &impl Serialize,
    ) -> anyhow::Result<ResumeState> {
        Ok(ResumeState {
            project: self.project.clone(),
            seed: self.seed,
            threads: self.threads,
            settings: self.settings.clone(),
            epoch,
            step,
            rngs: rngs.state(),
            history: serde_json::to_value(history).context("serialising the run's history")?,
        })
    }

    /// With `resume` (the `--resume` flag), reads the resume state in the checkpoint
    /// `checkpoint`'s `metadata` (the caller reads the header, with its own checkpoint code),
    /// checks it is this project's with this seed and these settings, puts
    /// [`Session::rngs`] back where they stood, and says where the run continues from.
    /// Without it, a fresh start. Call it before loading data: a wrong file fails at once.
    ///
    /// # Errors
    /// If the state is missing or damaged, or from another project, seed or settings.
    pub fn resume_from(
        &mut self,
        checkpoint: &Path,
        metadata: impl FnOnce() -> anyhow::Result<BTreeMap<String, String>>,
        resume: bool,
    ) -> anyhow::Result<Resumed> {
        if !resume {
            return Ok(Resumed::default());
        }
        let metadata = metadata().with_context(|| {
            format!(
                "--resume: cannot read the checkpoint {}; run without --resume to start afresh",
                checkpoint.display()
            )
        })?;
        let state = ResumeState::from_metadata(&metadata, checkpoint)?;
        self.check_resumable(&state, checkpoint)?;
        self.rngs = Rngs::restore(&state.rngs)?;
        println!(
            "resuming from {}: {} epoch(s) and {} step(s) done",
            checkpoint.display(),
            state.epoch,
            state.step
        );
        Ok(Resumed {
            epoch: state.epoch,
            step: state.step,
            state: Some(state),
        })
    }

    /// Refuses a state from another project, seed or settings; warns about other threads.
    fn check_resumable(&self, state: &ResumeState, path: &Path) -> anyhow::Result<()> {
        let file = path.display();
        anyhow::ensure!(
            state.project == self.project,
            "{file} was written by {}, not {}; run without --resume to start afresh",
            state.project,
            self.project
        );
        anyhow::ensure!(
            state.seed == self.seed,
            "{file} is from a run with --seed {}; resume with that seed (this run has {})",
            state.seed,
            self.seed
        );
        let saved: BTreeMap<_, _> = state.settings.iter().cloned().collect();
        let now: BTreeMap<_, _> = self.settings.iter().cloned().collect();
        if saved != now {
            let differ: Vec<String> = saved
                .keys()
                .chain(now.keys())
                .filter(|k| saved.get(*k) != now.get(*k))
                .map(|k| {
                    let show = |v: Option<&String>| v.map_or("unset".to_owned(), Clone::clone);
                    format!(
                        "{k}={} (saved) vs {k}={} (now)",
                        show(saved.get(k)),
                        show(now.get(k))
                    )
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            anyhow::bail!(
                "{file} is from a run with other settings: {}; resume with the same flags, or \
                 run without --resume to start afresh",
                differ.join(", ")
            );
        }
        if state.threads != self.threads {
            eprintln!(
                "note: {file} was saved by a run with {} threads and this one has {}: the \
                 result may differ from an unbroken run's in the last digits (pass --threads {} \
                 for the same numbers)",
                state.threads, self.threads, state.threads
            );
        }
        Ok(())
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

    /// Found by `scripts/fuzz.sh charlm`: a key of 64 bytes holding two-byte characters was
    /// sliced through one of them (a panic); it is an error naming the file.
    #[test]
    fn a_key_of_several_byte_characters_is_an_error_not_a_panic() {
        let mut state = Rngs::new(1).state();
        state.noise.seed = "0".to_owned() + &"é".repeat(31) + "0";
        assert_eq!(state.noise.seed.len(), 64);
        let error = Rngs::restore(&state).unwrap_err();
        assert!(error.to_string().contains("not hexadecimal"), "{error}");

        let resume = ResumeState {
            project: "07-rnn".into(),
            seed: 1,
            threads: 1,
            settings: Vec::new(),
            epoch: 0,
            step: 0,
            rngs: state,
            history: serde_json::Value::Null,
        };
        let metadata = BTreeMap::from([resume.to_metadata()]);
        let error =
            ResumeState::from_metadata(&metadata, Path::new("run/model.safetensors")).unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("run/model.safetensors is damaged") && message.contains("hexadecimal"),
            "{message}"
        );
    }

    fn session(dir: &Path, seed: &str, epochs: &str) -> Session {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            common: crate::CommonArgs,
        }
        let out = dir.join("run");
        let args = ["x", "--quiet", "--threads", "1", "--seed", seed, "--out"];
        let cli = Cli::parse_from(args.iter().copied().chain([out.to_str().unwrap()]));
        Session::start("05-cnn", &cli.common, &[("epochs", epochs.into())]).unwrap()
    }

    #[test]
    fn a_state_round_trips_through_checkpoint_metadata_and_wrong_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let mut saver = session(dir.path(), "7", "3");
        let mut rngs = saver.rngs.clone();
        rngs.shuffle.next_u64();
        let history = serde_json::json!({"test_accuracy": [0.97, 0.1 + 0.2]});
        let state = saver.resume_state(2, 3750, &rngs, &history).unwrap();
        let metadata = BTreeMap::from([state.to_metadata()]);
        let read = || Ok(metadata.clone());

        // Without --resume: a fresh start, whatever the file holds.
        let fresh = saver.resume_from(&path, read, false).unwrap();
        assert_eq!((fresh.epoch, fresh.step), (0, 0));
        assert!(fresh.state.is_none());

        let mut resumer = session(dir.path(), "7", "3");
        let resumed = resumer.resume_from(&path, read, true).unwrap();
        assert_eq!((resumed.epoch, resumed.step), (2, 3750));
        assert_eq!(resumed.state.as_ref().unwrap(), &state);
        let back: serde_json::Value = resumed.history().unwrap();
        assert_eq!(back, history, "floats come back exactly");
        assert_eq!(resumer.rngs.shuffle.next_u64(), rngs.shuffle.next_u64());

        let message = |seed, epochs, read: &dyn Fn() -> anyhow::Result<_>| {
            let error = session(dir.path(), seed, epochs)
                .resume_from(&path, read, true)
                .unwrap_err();
            format!("{error:#}")
        };
        let seed = message("8", "3", &read);
        assert!(seed.contains("--seed 7"), "{seed}");
        let settings = message("7", "4", &read);
        assert!(
            settings.contains("epochs=3 (saved) vs epochs=4 (now)"),
            "{settings}"
        );
        let none = message("7", "3", &|| Ok(BTreeMap::new()));
        assert!(
            none.contains("model.safetensors") && none.contains("without --resume"),
            "{none}"
        );
        let unreadable = message("7", "3", &|| anyhow::bail!("no such file"));
        assert!(
            unreadable.contains("model.safetensors") && unreadable.contains("no such file"),
            "{unreadable}"
        );
        let mut cut = metadata.clone();
        let text = &cut["resume"];
        let half = text[..text.len() / 2].to_owned();
        cut.insert("resume".into(), half);
        let damaged = message("7", "3", &|| Ok(cut.clone()));
        assert!(damaged.contains("damaged"), "{damaged}");
        let mut other = state.clone();
        other.project = "03-mlp".into();
        let other = BTreeMap::from([other.to_metadata()]);
        let foreign = message("7", "3", &|| Ok(other.clone()));
        assert!(foreign.contains("written by 03-mlp"), "{foreign}");
    }
}
