//! The bridge to tensors: chapter 3's MNIST network, `784 -> hidden (ReLU) -> 10` with
//! softmax cross-entropy, written with `shared/tensor`, whose `backward()` does for arrays
//! what [`crate::Value`] does for numbers. Beside it, chapter 3's hand-written backward pass,
//! derived again here, so that a test can show the two agree.
//!
//! Shapes in comments use `B` for the batch size, `I` for the inputs (784 pixels), `H` for
//! the hidden units and `C` for the classes (10). One weight layout: `y = x·w + b`,
//! `w: [inputs, outputs]`.

use std::time::Instant;

use anyhow::Context;
use data::split::{batches, select_rows, shuffled_indices, LastBatch};
use ndarray::{Array1, Array2, ArrayView2, Axis, Ix1, Ix2};
use nn::schedule::{Cosine, LrSchedule};
use nn::{Module, Optimizer, Sgd};
use rand::Rng;
use tensor::Tensor;

// ANCHOR: tensor_mlp
/// A two-layer perceptron whose parameters are tensors that record what is done with them.
pub struct MnistMlp {
    /// `[I, H]`.
    pub w1: Tensor,
    /// `[H]`.
    pub b1: Tensor,
    /// `[H, C]`.
    pub w2: Tensor,
    /// `[C]`.
    pub b2: Tensor,
}

impl MnistMlp {
    /// Kaiming-uniform weights for the ReLU layer, `U(±1/√H)` for the output layer, zero
    /// biases.
    pub fn init(inputs: usize, hidden: usize, classes: usize, rng: &mut impl Rng) -> MnistMlp {
        MnistMlp {
            w1: Tensor::param(nn::init::kaiming_uniform(&[inputs, hidden], inputs, rng)),
            b1: Tensor::param(ndarray::ArrayD::zeros(vec![hidden])),
            w2: Tensor::param(nn::init::default_uniform(&[hidden, classes], hidden, rng)),
            b2: Tensor::param(ndarray::ArrayD::zeros(vec![classes])),
        }
    }
}

impl Module for MnistMlp {
    /// Scores (logits) for a batch of images: `[B, I]` -> `[B, C]`. Every operation is
    /// recorded, one node per *array*, so the graph has five nodes, not a million.
    fn forward(&self, x: &Tensor) -> Tensor {
        let z1 = &x.matmul(&self.w1) + &self.b1; // [B, I]·[I, H] + [H] -> [B, H]
        let h = z1.relu();
        &h.matmul(&self.w2) + &self.b2 // [B, H]·[H, C] + [C] -> [B, C]
    }

    /// The four parameters by name, for the optimizer and the checkpoint.
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        vec![
            ("w1".into(), self.w1.clone()),
            ("b1".into(), self.b1.clone()),
            ("w2".into(), self.w2.clone()),
            ("b2".into(), self.b2.clone()),
        ]
    }
}

/// The mean cross-entropy of the network on `x: [B, I]` with the true classes `labels`,
/// and the gradient of every parameter from `backward()`.
///
/// # Panics
/// If `labels` does not have one class per row of `x`.
#[track_caller]
pub fn autograd_gradients(
    mlp: &MnistMlp,
    x: ArrayView2<f32>,
    labels: &[usize],
) -> (f32, Gradients) {
    for p in mlp.parameters() {
        p.zero_grad();
    }
    let loss = tensor::cross_entropy(&mlp.forward(&Tensor::new(x.to_owned())), labels);
    loss.backward();
    let grad = |t: &Tensor| t.grad().expect("backward() reached every parameter");
    let two = |t: &Tensor| grad(t).into_dimensionality::<Ix2>().expect("a matrix");
    let one = |t: &Tensor| grad(t).into_dimensionality::<Ix1>().expect("a vector");
    let grads = Gradients {
        w1: two(&mlp.w1),
        b1: one(&mlp.b1),
        w2: two(&mlp.w2),
        b2: one(&mlp.b2),
    };
    (loss.item(), grads)
}
// ANCHOR_END: tensor_mlp

/// The gradient of the loss with respect to each parameter, shaped like the parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients {
    pub w1: Array2<f32>,
    pub b1: Array1<f32>,
    pub w2: Array2<f32>,
    pub b2: Array1<f32>,
}

impl Gradients {
    /// The largest difference between two sets of gradients, element by element.
    pub fn max_abs_difference(&self, other: &Gradients) -> f32 {
        let worst = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max)
        };
        let flat = |g: &Gradients| {
            [
                g.w1.iter().copied().collect::<Vec<_>>(),
                g.b1.to_vec(),
                g.w2.iter().copied().collect(),
                g.b2.to_vec(),
            ]
        };
        flat(self)
            .iter()
            .zip(flat(other).iter())
            .map(|(a, b)| worst(a, b))
            .fold(0.0, f32::max)
    }
}

// ANCHOR: hand_backward
/// Chapter 3's backward pass, by hand: the loss and the gradients of the same network for
/// the same batch `x: [B, I]`, computed with plain arrays and the chain rule written out.
///
/// # Panics
/// If `labels` does not have one class per row of `x`.
#[track_caller]
pub fn hand_backward(mlp: &MnistMlp, x: ArrayView2<f32>, labels: &[usize]) -> (f32, Gradients) {
    assert_eq!(x.nrows(), labels.len(), "one label per row of x");
    let matrix = |t: &Tensor| t.to_array().into_dimensionality::<Ix2>().expect("a matrix");
    let vector = |t: &Tensor| t.to_array().into_dimensionality::<Ix1>().expect("a vector");
    let (w1, b1, w2, b2) = (
        matrix(&mlp.w1),
        vector(&mlp.b1),
        matrix(&mlp.w2),
        vector(&mlp.b2),
    );
    let batch = x.nrows() as f32;

    // Forward, keeping what the backward pass needs.
    let z1 = x.dot(&w1) + &b1; // [B, H]
    let h = z1.mapv(|z| z.max(0.0)); // [B, H]
    let logits = h.dot(&w2) + &b2; // [B, C]
    let mut p = logits.clone();
    let mut loss = 0.0;
    for (mut row, &label) in p.outer_iter_mut().zip(labels) {
        // Softmax with the row's max subtracted, so that exp() cannot overflow.
        let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row /= sum;
        loss -= row[label].ln();
    }

    // Backward. Softmax and cross-entropy together: ∂L/∂logits = (p - onehot(y)) / B.
    let mut dlogits = p; // [B, C]
    for (mut row, &label) in dlogits.outer_iter_mut().zip(labels) {
        row[label] -= 1.0;
    }
    dlogits /= batch;
    let dw2 = h.t().dot(&dlogits); // [H, B]·[B, C] -> [H, C]
    let db2 = dlogits.sum_axis(Axis(0)); // [C]
    let dh = dlogits.dot(&w2.t()); // [B, C]·[C, H] -> [B, H]
    let dz1 = dh * z1.mapv(|z| if z > 0.0 { 1.0 } else { 0.0 }); // ReLU passes where z > 0
    let dw1 = x.t().dot(&dz1); // [I, B]·[B, H] -> [I, H]
    let db1 = dz1.sum_axis(Axis(0)); // [H]
    let grads = Gradients {
        w1: dw1,
        b1: db1,
        w2: dw2,
        b2: db2,
    };
    (loss / batch, grads)
}
// ANCHOR_END: hand_backward

/// How to train the MNIST network.
#[derive(Debug, Clone)]
pub struct MnistConfig {
    /// Hidden units.
    pub hidden: usize,
    /// Passes over the training images.
    pub epochs: usize,
    /// Images per step.
    pub batch_size: usize,
    /// The starting learning rate; a cosine schedule takes it to 0 by the last step.
    pub lr: f32,
    /// SGD momentum (chapter 3's optimiser).
    pub momentum: f32,
}

impl Default for MnistConfig {
    fn default() -> Self {
        Self {
            hidden: 512,
            epochs: 10,
            batch_size: 128,
            lr: 0.1,
            momentum: 0.9,
        }
    }
}

/// Images as `[n, pixels]` in `[0, 1]`, with their classes.
#[derive(Debug, Clone)]
pub struct Images {
    pub x: Array2<f32>,
    pub labels: Vec<usize>,
}

impl Images {
    /// Flattens and scales an MNIST image set.
    pub fn from_set(set: &data::mnist::ImageSet) -> Images {
        Images {
            x: set.to_f32(),
            labels: set.labels_usize(),
        }
    }
}

/// What training did.
#[derive(Debug, Clone)]
pub struct MnistTraining {
    /// Mean training loss of each epoch.
    pub epoch_losses: Vec<f64>,
    /// Test accuracy after each epoch.
    pub epoch_test_accuracy: Vec<f64>,
    pub test_accuracy: f64,
    pub test_loss: f64,
    /// Wall-clock seconds in the training steps (evaluation excluded).
    pub train_seconds: f64,
    /// Training images per second of training.
    pub examples_per_second: f64,
}

// ANCHOR: tensor_train
/// Trains `mlp` with SGD, momentum and a cosine learning-rate schedule, printing one line
/// per epoch; the order of the images is drawn from `rng`.
///
/// # Errors
/// If the loss stops being a finite number (the learning rate is too high).
pub fn train(
    mlp: &MnistMlp,
    train_set: &Images,
    test_set: &Images,
    config: &MnistConfig,
    session: &run::Session,
    rng: &mut impl Rng,
) -> anyhow::Result<MnistTraining> {
    let steps_per_epoch = train_set.labels.len().div_ceil(config.batch_size);
    let schedule = Cosine {
        base: config.lr,
        min: 0.0,
        total: steps_per_epoch * config.epochs,
    };
    let mut optimizer = Sgd::new(mlp.parameters(), config.lr).with_momentum(config.momentum, false);
    let (mut epoch_losses, mut epoch_test_accuracy) = (Vec::new(), Vec::new());
    let (mut train_seconds, mut examples, mut step) = (0.0, 0usize, 0usize);
    for epoch in 1..=config.epochs {
        let label = format!("epoch {epoch}/{}", config.epochs);
        let mut progress = session.progress(&label, steps_per_epoch as u64);
        let started = Instant::now();
        let order = shuffled_indices(train_set.labels.len(), rng);
        let mut loss_sum = 0.0;
        for batch in batches(&order, config.batch_size, LastBatch::Keep) {
            let x = Tensor::new(select_rows(&train_set.x, batch)); // [B, I]
            let labels: Vec<usize> = batch.iter().map(|&i| train_set.labels[i]).collect();
            let loss = tensor::cross_entropy(&mlp.forward(&x), &labels);
            let value = f64::from(loss.item());
            run::check_finite(value, &format!("{label}, step {}", step + 1))?;
            optimizer.set_learning_rate(schedule.lr(step));
            optimizer.zero_grad();
            loss.backward();
            nn::check_gradients(mlp, &format!("{label}, step {}", step + 1))?;
            optimizer.step();
            loss_sum += value * batch.len() as f64;
            step += 1;
            progress.advance(1, batch.len() as u64, &[("loss", value)]);
        }
        progress.finish();
        let seconds = started.elapsed().as_secs_f64();
        train_seconds += seconds;
        examples += train_set.labels.len();
        let (test_loss, test_accuracy) = evaluate(mlp, test_set);
        epoch_losses.push(loss_sum / train_set.labels.len() as f64);
        epoch_test_accuracy.push(test_accuracy);
        println!(
            "{label}  loss {:.4}  test_loss {test_loss:.4}  test_acc {test_accuracy:.4}  \
             {:.0} ex/s  ({seconds:.1} s)",
            loss_sum / train_set.labels.len() as f64,
            train_set.labels.len() as f64 / seconds.max(1e-9),
        );
    }
    let (test_loss, test_accuracy) = evaluate(mlp, test_set);
    Ok(MnistTraining {
        epoch_losses,
        epoch_test_accuracy,
        test_accuracy,
        test_loss,
        examples_per_second: examples as f64 / train_seconds.max(1e-9),
        train_seconds,
    })
}
// ANCHOR_END: tensor_train

/// Mean cross-entropy and accuracy on `set`, without recording anything.
pub fn evaluate(mlp: &MnistMlp, set: &Images) -> (f64, f64) {
    tensor::no_grad(|| {
        let (mut loss, mut correct) = (0.0, 0);
        let all: Vec<usize> = (0..set.labels.len()).collect();
        for batch in batches(&all, 1000, LastBatch::Keep) {
            let logits = mlp.forward(&Tensor::new(select_rows(&set.x, batch)));
            let labels: Vec<usize> = batch.iter().map(|&i| set.labels[i]).collect();
            loss += f64::from(tensor::cross_entropy(&logits, &labels).item()) * batch.len() as f64;
            correct += logits
                .argmax_last()
                .iter()
                .zip(&labels)
                .filter(|(p, l)| p == l)
                .count();
        }
        let n = set.labels.len().max(1) as f64;
        (loss / n, correct as f64 / n)
    })
}

/// The first `limit` images of `set` (all of them for 0), for short runs.
pub fn limited(set: &data::mnist::ImageSet, limit: usize) -> Images {
    if limit == 0 || limit >= set.len() {
        Images::from_set(set)
    } else {
        Images::from_set(&set.take(limit))
    }
}

/// Loads MNIST from `dir`, naming the folder in the error.
///
/// # Errors
/// If a file is missing or damaged.
pub fn load_mnist(dir: &std::path::Path) -> anyhow::Result<data::mnist::Mnist> {
    data::mnist::load(dir).with_context(|| format!("loading MNIST from {}", dir.display()))
}
