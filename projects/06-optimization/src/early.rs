//! Early stopping: watch the validation loss, keep the best weights seen, stop when they
//! have not improved for a while, and go back to them.
//!
//! The decision is the exercise [`early_stopping`](crate::early_stopping); this file holds
//! what the training loop does with it.

use ndarray::ArrayD;
use tensor::Tensor;

/// What [`early_stopping`](crate::early_stopping) decides after an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The best validation loss so far: keep these weights.
    Improved,
    /// Not better, but not for long enough to give up.
    Wait,
    /// No improvement for `patience` evaluations: stop, and go back to the best weights.
    Stop,
}

/// A copy of every parameter's value, to go back to.
pub struct Snapshot(Vec<ArrayD<f32>>);

impl Snapshot {
    /// Copies the current values of `params`.
    pub fn take(params: &[Tensor]) -> Snapshot {
        Snapshot(params.iter().map(Tensor::to_array).collect())
    }

    /// Puts the copied values back into `params` (the same tensors, in the same order).
    pub fn restore(&self, params: &[Tensor]) {
        for (p, value) in params.iter().zip(&self.0) {
            p.set_value(value.clone());
        }
    }
}
