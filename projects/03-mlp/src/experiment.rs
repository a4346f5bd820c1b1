//! The chapter's experiments: an MLP on MNIST and a small one on XOR, with the figures and
//! numbers the book shows.

use crate::checkpoint::Checkpoint;
use crate::train::{evaluate, train, train_step, Evaluation, Examples, Sgd, TrainConfig, Training};
use crate::{argmax_rows, softmax_cross_entropy, xor, Activation, Mlp, MlpConfig};
use anyhow::Context;
use data::mnist::Mnist;
use ndarray::{Array2, ArrayView2, Axis};
use plot::{Boundary, Normalise, Scale, Series};
use rand::Rng;
use std::path::Path;

/// What to run on MNIST.
#[derive(Debug, Clone)]
pub struct ExperimentConfig {
    /// Widths of the hidden layers (the input and output sizes come from the data).
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub train: TrainConfig,
    /// Train on only the first this-many training images (all if `None`): quick runs.
    pub train_limit: Option<usize>,
}

impl Default for ExperimentConfig {
    fn default() -> Self {
        Self {
            hidden: MlpConfig::default().hidden,
            activation: Activation::Relu,
            train: TrainConfig::default(),
            train_limit: None,
        }
    }
}

/// A trained MNIST network and how it did.
#[derive(Debug, Clone)]
pub struct MnistResults {
    pub mlp: Mlp,
    pub training: Training,
    /// The trained network on the whole training set (after training, unlike the running
    /// numbers in the history).
    pub train: Evaluation,
    /// The test examples, for the figures.
    pub test_examples: Examples,
    /// Image height and width in pixels.
    pub image_size: (usize, usize),
    pub classes: usize,
}

impl MnistResults {
    /// The test set's confusion matrix, `[true, predicted]`.
    pub fn confusion(&self) -> Array2<usize> {
        let mut counts = Array2::zeros((self.classes, self.classes));
        for (&t, &p) in self
            .test_examples
            .labels
            .iter()
            .zip(&self.training.test.predictions)
        {
            counts[[t, p]] += 1;
        }
        counts
    }

    /// Indices of the test examples the network gets wrong.
    pub fn mistakes(&self) -> Vec<usize> {
        (0..self.test_examples.len())
            .filter(|&i| self.training.test.predictions[i] != self.test_examples.labels[i])
            .collect()
    }
}

// ANCHOR: run_mnist
/// Builds the network for `mnist`'s image size and classes, initialises it from `init`, and
/// trains it, shuffling with `shuffle`, saving (or resuming from) `checkpoint`.
///
/// # Errors
/// If training diverges, or the checkpoint cannot be saved or resumed from.
pub fn run_mnist(
    mnist: &Mnist,
    config: &ExperimentConfig,
    init: &mut impl Rng,
    shuffle: &mut rand_chacha::ChaCha8Rng,
    progress: &dyn Fn(&str, u64) -> run::Progress,
    checkpoint: &Checkpoint<'_>,
) -> anyhow::Result<MnistResults> {
    let train_set = match config.train_limit {
        Some(n) => mnist.train.take(n),
        None => mnist.train.clone(),
    };
    let train_examples = Examples::from_images(&train_set);
    let test_examples = Examples::from_images(&mnist.test);
    let model = MlpConfig {
        inputs: train_examples.x.ncols(), // 28·28 = 784 for MNIST
        hidden: config.hidden.clone(),
        outputs: mnist.classes,
        activation: config.activation,
    };
    let mut mlp = model.init(init);
    let training = train(
        &mut mlp,
        &train_examples,
        &test_examples,
        &config.train,
        shuffle,
        progress,
        checkpoint,
    )?;
    Ok(MnistResults {
        train: evaluate(&mlp, &train_examples),
        mlp,
        training,
        test_examples,
        image_size: (mnist.train.rows(), mnist.train.cols()),
        classes: mnist.classes,
    })
}
// ANCHOR_END: run_mnist

/// A network trained on XOR.
#[derive(Debug, Clone)]
pub struct XorResult {
    pub mlp: Mlp,
    /// Fraction of the four points classified correctly.
    pub accuracy: f64,
    /// Loss on the four points after training.
    pub loss: f32,
    /// Loss before each step.
    pub losses: Vec<f32>,
}

/// Hidden units of the XOR network: two suffice in principle, four make a bad start rarer.
pub const XOR_HIDDEN: usize = 4;
/// Full-batch gradient steps on XOR's four points.
pub const XOR_STEPS: usize = 300;
/// The XOR network's learning rate: sigmoid units learn slowly at small rates (their
/// gradient is at most 1/4), and four points leave no noise to fear.
pub const XOR_LR: f32 = 0.5;
/// How many seeds [`xor_solved_count`] tries.
pub const XOR_SEEDS: u64 = 50;

// ANCHOR: solve_xor
/// Trains a `2 -> 4 -> 2` network on XOR's four points with full-batch gradient descent and
/// momentum: the same code as for MNIST, on the problem no line can solve.
///
/// # Errors
/// If a gradient stops being a number (with the reference code, it never does).
pub fn solve_xor(activation: Activation, rng: &mut impl Rng) -> anyhow::Result<XorResult> {
    let (x, labels) = xor();
    let config = MlpConfig {
        inputs: 2,
        hidden: vec![XOR_HIDDEN],
        outputs: 2,
        activation,
    };
    let mut mlp = config.init(rng);
    let mut sgd = Sgd::new(&mlp, 0.9);
    let losses = (0..XOR_STEPS)
        .map(|_| Ok(train_step(&mut mlp, &mut sgd, x.view(), &labels, XOR_LR)?.loss))
        .collect::<anyhow::Result<_>>()
        .context("training the XOR network")?;
    let logits = mlp.logits(x.view());
    let (loss, _) = softmax_cross_entropy(logits.view(), &labels);
    let predictions = argmax_rows(logits.view());
    let correct = predictions
        .iter()
        .zip(&labels)
        .filter(|(p, l)| p == l)
        .count();
    Ok(XorResult {
        accuracy: correct as f64 / labels.len() as f64,
        loss,
        losses,
        mlp,
    })
}
// ANCHOR_END: solve_xor

// ANCHOR: xor_solved_count
/// Of seeds `0..XOR_SEEDS`, how many starting points [`solve_xor`] takes to all four
/// points right with `activation` (a start whose gradients stop being numbers counts as not
/// solved).
///
/// With ReLU many starts fail, for a reason worth seeing: at the point (0, 0) every hidden
/// unit's pre-activation is its bias, which starts at exactly 0, where the ReLU passes no
/// gradient; and a unit whose pre-activation is negative at all four points never learns
/// again. The sigmoid has no such dead zone.
pub fn xor_solved_count(activation: Activation) -> usize {
    (0..XOR_SEEDS)
        .filter(|&seed| {
            solve_xor(activation, &mut run::Rngs::new(seed).noise)
                .is_ok_and(|net| net.accuracy == 1.0)
        })
        .count()
}
// ANCHOR_END: xor_solved_count

/// The XOR experiment: the network the figure shows, and how often each activation solves it.
#[derive(Debug, Clone)]
pub struct XorResults {
    /// The sigmoid network trained from the run's seed.
    pub net: XorResult,
    pub sigmoid_solved: usize,
    pub relu_solved: usize,
}

/// Runs the XOR experiment, the figure's network drawn from `rng`.
///
/// # Errors
/// If the figure's network diverges (see [`solve_xor`]).
pub fn run_xor(rng: &mut impl Rng) -> anyhow::Result<XorResults> {
    Ok(XorResults {
        net: solve_xor(Activation::Sigmoid, rng)?,
        sigmoid_solved: xor_solved_count(Activation::Sigmoid),
        relu_solved: xor_solved_count(Activation::Relu),
    })
}

/// Prints what the final network does on the training set and on XOR.
pub fn print_summary(results: &MnistResults, xor: &XorResults) {
    println!(
        "final  train_loss {:.4}  train_acc {:.4}  test_loss {:.4}  test_acc {:.4}  ({} of {} test digits wrong)",
        results.train.loss,
        results.train.accuracy,
        results.training.test.loss,
        results.training.test.accuracy,
        results.mistakes().len(),
        results.test_examples.len()
    );
    println!(
        "XOR    2-{XOR_HIDDEN}-2 sigmoid network after {XOR_STEPS} steps: accuracy {:.2}, loss {:.4}; \
         solved from {} of {XOR_SEEDS} seeds (ReLU: {} of {XOR_SEEDS})",
        xor.net.accuracy, xor.net.loss, xor.sigmoid_solved, xor.relu_solved
    );
}

/// The numbers for `metrics.json` and the `result:` line. Timings stay out of `metrics`, so
/// two runs with the same seed and threads report identical metrics.
pub fn report(results: &MnistResults, xor: &XorResults) -> run::Report {
    let training = &results.training;
    run::Report {
        epochs: Some(training.history.len()),
        params: results.mlp.params(),
        train_seconds: Some(training.seconds),
        examples_per_second: training.examples as f64 / training.step_seconds.max(1e-9),
        ..run::Report::new("mnist")
            .metric("test_accuracy", training.test.accuracy)
            .metric("test_loss", training.test.loss)
            .metric("train_accuracy", results.train.accuracy)
            .metric("train_loss", results.train.loss)
            .count("test_errors", results.mistakes().len())
            .count("steps", training.steps)
            .metric("xor_accuracy", xor.net.accuracy)
            .metric("xor_loss", f64::from(xor.net.loss))
            .count("xor_sigmoid_solved_of_50", xor.sigmoid_solved)
            .count("xor_relu_solved_of_50", xor.relu_solved)
    }
}

/// Writes the figures into the session's output folder (training saved the checkpoint).
///
/// # Errors
/// If a file cannot be written.
pub fn write_outputs(
    session: &mut run::Session,
    results: &MnistResults,
    xor: &XorResults,
) -> anyhow::Result<()> {
    plot_curves(session, results)?;
    let digits: Vec<String> = (0..results.classes).map(|c| c.to_string()).collect();
    plot::confusion_matrix(
        &session.output("confusion.svg"),
        "MNIST test set: true digit (rows) against prediction (columns)",
        results.confusion().view(),
        &digits,
    )?;
    plot_mistakes(&session.output("mistakes.svg"), results)?;
    plot_weights(&session.output("weights.png"), results)?;
    plot_xor(&session.output("xor_boundary.svg"), &xor.net)
}

fn plot_curves(session: &mut run::Session, results: &MnistResults) -> anyhow::Result<()> {
    let history = &results.training.history;
    let series = |name: &str, value: fn(&crate::train::EpochStats) -> f64| {
        Series::new(name, history.iter().map(|e| (e.epoch as f64, value(e))))
    };
    plot::line_chart(
        &session.output("loss.svg"),
        "Cross-entropy loss per epoch",
        "epoch",
        "loss (log scale)",
        &[
            series("train (running mean)", |e| e.train_loss),
            series("test", |e| e.test_loss),
        ],
        Scale::Log,
    )?;
    plot::line_chart(
        &session.output("accuracy.svg"),
        "Accuracy per epoch",
        "epoch",
        "accuracy",
        &[
            series("train (running mean)", |e| e.train_accuracy),
            series("test", |e| e.test_accuracy),
        ],
        Scale::Linear,
    )?;
    Ok(())
}

/// How many wrongly classified test digits the grid shows.
pub const MISTAKES_SHOWN: usize = 40;

/// The first test digits the network gets wrong, captioned with prediction and truth.
fn plot_mistakes(path: &Path, results: &MnistResults) -> anyhow::Result<()> {
    let mistakes = results.mistakes();
    if mistakes.is_empty() {
        return Ok(());
    }
    let (rows, cols) = results.image_size;
    let shown = &mistakes[..mistakes.len().min(MISTAKES_SHOWN)];
    let images: Vec<ArrayView2<f32>> = shown
        .iter()
        .map(|&i| image(results.test_examples.x.row(i), rows, cols))
        .collect();
    let captions: Vec<String> = shown
        .iter()
        .map(|&i| {
            format!(
                // Two short lines, so ten digits fit across the book's column.
                "pred {}\ntrue {}",
                results.training.test.predictions[i], results.test_examples.labels[i]
            )
        })
        .collect();
    let title = format!(
        "The first {} of {} test digits the network gets wrong",
        shown.len(),
        mistakes.len()
    );
    plot::captioned_image_grid(path, &title, &images, &captions, 10, 2, Normalise::Clamp)?;
    Ok(())
}

/// How many first-layer units the weight grid shows.
pub const UNITS_SHOWN: usize = 32;

/// Each first-layer unit's 784 input weights, drawn as a 28×28 image (its own min black,
/// max white): what pattern of ink excites that unit.
fn plot_weights(path: &Path, results: &MnistResults) -> anyhow::Result<()> {
    let (rows, cols) = results.image_size;
    let w = &results.mlp.layers[0].w; // [784, hidden]
    let units = w.ncols().min(UNITS_SHOWN);
    let columns: Vec<ndarray::Array1<f32>> = (0..units)
        .map(|j| w.index_axis(Axis(1), j).to_owned())
        .collect();
    let images: Vec<ArrayView2<f32>> = columns
        .iter()
        .map(|c| image(c.view(), rows, cols))
        .collect();
    plot::image_grid(path, &images, 8, 3, Normalise::PerImage)?;
    Ok(())
}

fn image<'a>(
    pixels: ndarray::ArrayView1<'a, f32>,
    rows: usize,
    cols: usize,
) -> ArrayView2<'a, f32> {
    pixels
        .into_shape_with_order((rows, cols))
        .expect("a contiguous row of rows·cols pixels")
}

/// XOR's four points over the regions the trained network assigns to each class.
fn plot_xor(path: &Path, xor: &XorResult) -> anyhow::Result<()> {
    let (x, labels) = crate::xor();
    let points: Vec<(f64, f64)> = x
        .rows()
        .into_iter()
        .map(|r| (f64::from(r[0]), f64::from(r[1])))
        .collect();
    let classify = |a: f64, b: f64| {
        let input = ndarray::array![[a as f32, b as f32]];
        argmax_rows(xor.mlp.logits(input.view()).view())[0]
    };
    plot::decision_boundary(
        path,
        &format!("XOR solved by a 2-{XOR_HIDDEN}-2 sigmoid network"),
        "x1",
        "x2",
        &points,
        &labels,
        &["0 (x1 = x2)", "1 (x1 ≠ x2)"],
        Boundary::Regions(&classify),
    )
    .context("drawing the XOR figure")?;
    Ok(())
}
