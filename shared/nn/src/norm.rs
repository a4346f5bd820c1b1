//! Normalisation layers: LayerNorm (per example) and BatchNorm (per channel, over a batch).

use ndarray::Array1;
use tensor::Tensor;

use crate::module::Module;

/// Normalises each vector along the last axis, then scales and shifts (see
/// [`tensor::layer_norm`]).
pub struct LayerNorm {
    /// `[dim]`, starts at 1.
    pub gamma: Tensor,
    /// `[dim]`, starts at 0.
    pub beta: Tensor,
    pub eps: f32,
}

impl LayerNorm {
    /// For vectors of length `dim`.
    pub fn new(dim: usize) -> LayerNorm {
        LayerNorm {
            gamma: Tensor::param(Array1::ones(dim)),
            beta: Tensor::param(Array1::zeros(dim)),
            eps: 1e-5,
        }
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor) -> Tensor {
        tensor::layer_norm(x, &self.gamma, &self.beta, self.eps)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        vec![
            ("gamma".into(), self.gamma.clone()),
            ("beta".into(), self.beta.clone()),
        ]
    }
}

/// Batch normalisation of `[N, C]` or `[N, C, H, W]` inputs, per channel C.
///
/// Training: normalise with the batch's mean and variance, and keep exponential moving
/// averages of them (`running = (1 - momentum)·running + momentum·batch`). Evaluation:
/// normalise with those running statistics, so one example's output does not depend on
/// the others in its batch.
pub struct BatchNorm {
    /// `[C]`, starts at 1.
    pub gamma: Tensor,
    /// `[C]`, starts at 0.
    pub beta: Tensor,
    /// `[C]`, a buffer (saved in checkpoints, not trained).
    pub running_mean: Tensor,
    /// `[C]`, a buffer; the unbiased variance, as PyTorch keeps it.
    pub running_var: Tensor,
    pub momentum: f32,
    pub eps: f32,
    training: bool,
}

impl BatchNorm {
    /// For `channels` channels, in training mode.
    pub fn new(channels: usize) -> BatchNorm {
        BatchNorm {
            gamma: Tensor::param(Array1::ones(channels)),
            beta: Tensor::param(Array1::zeros(channels)),
            running_mean: Tensor::new(Array1::zeros(channels)),
            running_var: Tensor::new(Array1::ones(channels)),
            momentum: 0.1,
            eps: 1e-5,
            training: true,
        }
    }
}

impl Module for BatchNorm {
    /// # Panics
    /// If `x` is not `[N, C]` or `[N, C, H, W]` with C = `channels`.
    #[track_caller]
    fn forward(&self, x: &Tensor) -> Tensor {
        let shape = x.shape();
        let c = self.gamma.len();
        assert!(
            (shape.len() == 2 || shape.len() == 4) && shape[1] == c,
            "BatchNorm({c}): input must be [N, {c}] or [N, {c}, H, W], got {shape:?}"
        );
        if self.training {
            // One fused op (see `tensor::batch_norm`); it also returns the batch statistics.
            let (y, mean, var) = tensor::batch_norm(x, &self.gamma, &self.beta, self.eps);
            let count = (x.len() / c) as f32;
            let unbiased = var * (count / (count - 1.0).max(1.0));
            let m = self.momentum;
            let blend = |running: &Tensor, batch: ndarray::Array1<f32>| {
                running.set_value(running.value().mapv(|r| (1.0 - m) * r) + batch.into_dyn() * m);
            };
            blend(&self.running_mean, mean);
            blend(&self.running_var, unbiased);
            return y;
        }
        // Per-channel tensors are viewed as [1, C] or [1, C, 1, 1] to broadcast.
        let mut channel_shape = vec![1; shape.len()];
        channel_shape[1] = c;
        let mean = self.running_mean.reshape(&channel_shape);
        let var = self.running_var.reshape(&channel_shape);
        let x_hat = &(x - &mean) / &(var + self.eps).sqrt();
        &(&x_hat * &self.gamma.reshape(&channel_shape)) + &self.beta.reshape(&channel_shape)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        vec![
            ("gamma".into(), self.gamma.clone()),
            ("beta".into(), self.beta.clone()),
        ]
    }

    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        vec![
            ("running_mean".into(), self.running_mean.clone()),
            ("running_var".into(), self.running_var.clone()),
        ]
    }

    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}
