//! Saving where training stands at the end of each epoch, and continuing from there
//! (`--resume`): the weights, Adam's moments and the run's own record go into one
//! safetensors file, written atomically, so a run killed at any moment can be continued to
//! the numbers an unbroken run ends with (same flags, seed and threads).

use std::path::{Path, PathBuf};

use anyhow::Context;
use nn::Adam;
use serde::{Deserialize, Serialize};

use crate::model::Cnn;
use crate::train::Training;

/// Where a training run stands between two epochs: what [`crate::train`] needs, besides the
/// weights, the optimizer and the random streams, to carry on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainState {
    /// The record so far: one entry per epoch done, the loss curve, the time spent.
    pub training: Training,
    /// Optimizer steps taken (where the cosine schedule stands).
    pub step: usize,
    /// The training images' order in the last epoch: each epoch reshuffles the previous
    /// epoch's order. Empty before the first epoch.
    pub order: Vec<usize>,
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
    /// and Adam's moments loaded into `model` and `optimizer`.
    ///
    /// # Errors
    /// If the checkpoint does not fit `model` (the message names the file and the tensor).
    pub fn restore(&self, model: &Cnn, optimizer: &mut Adam) -> anyhow::Result<TrainState> {
        let (Some(_), Some((_, path))) = (&self.resumed.state, &self.saving) else {
            return Ok(TrainState::default());
        };
        nn::checkpoint::load(path, model, Some(optimizer))
            .with_context(|| format!("--resume: loading {}", path.display()))?;
        self.resumed.history()
    }

    /// Saves `model`, `optimizer` and `state`, with the random streams `rngs` as they stand.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn save(
        &self,
        model: &Cnn,
        optimizer: &Adam,
        rngs: &run::Rngs,
        state: &TrainState,
    ) -> anyhow::Result<()> {
        let Some((session, path)) = &self.saving else {
            return Ok(());
        };
        let epochs = state.training.epochs.len();
        let resume = session.resume_state(epochs, state.step, rngs, state)?;
        let mut metadata = model.metadata();
        metadata.extend([resume.to_metadata()]);
        nn::checkpoint::save(path, model, Some(optimizer), Some(&metadata))?;
        Ok(())
    }
}

/// The checkpoint's metadata, for `Session::resume_from`.
///
/// # Errors
/// If the file cannot be read or is not safetensors.
pub fn read_metadata(path: &Path) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    Ok(nn::checkpoint::read_metadata(path)?)
}
