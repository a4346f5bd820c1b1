//! The chapter's run, start to finish: micrograd's example, the graph of one neuron, the
//! scalar MLP on two moons, the micro-benchmark, and the tensor MLP on MNIST; the figures
//! and numbers the book shows.

use std::time::Instant;

use plot::{Boundary, Scale, Series};

use crate::bench::{self, Benchmark};
use crate::graph::{self, Rendering};
use crate::mlp::{self, Activation, Mlp, Points, ScalarConfig, ScalarTraining};
use crate::tensor_mlp::{self, MnistConfig, MnistMlp, MnistTraining};
use nn::Module;

/// Everything the run can be asked to do differently.
#[derive(Debug, Clone)]
pub struct ExperimentConfig {
    /// Training points for the scalar MLP (the same number again are held out).
    pub points: usize,
    /// Standard deviation of the noise added to the moons.
    pub noise: f64,
    pub scalar: ScalarConfig,
    pub mnist: MnistConfig,
    /// Use only the first this-many MNIST training images (0: all 60,000).
    pub train_limit: usize,
    /// Seconds to time each engine for, or `None` to skip the benchmark.
    pub bench_seconds: Option<f64>,
}

impl Default for ExperimentConfig {
    fn default() -> Self {
        Self {
            points: 200,
            noise: 0.1,
            scalar: ScalarConfig::default(),
            mnist: MnistConfig::default(),
            train_limit: 0,
            bench_seconds: Some(1.0),
        }
    }
}

/// The two-moons part of the run.
pub struct MoonsResult {
    pub mlp: Mlp,
    pub train: Points,
    pub test: Points,
    pub training: ScalarTraining,
    pub train_accuracy: f64,
    pub test_accuracy: f64,
    pub seconds: f64,
}

/// Everything the run measured.
pub struct Results {
    /// micrograd's example: g, ∂g/∂a, ∂g/∂b.
    pub micrograd: [f64; 3],
    pub moons: MoonsResult,
    pub bench: Option<Benchmark>,
    /// The largest difference between autograd's and the hand-written gradients on a batch.
    pub hand_vs_autograd: f32,
    pub mnist: MnistTraining,
    pub mnist_params: usize,
}

/// Runs micrograd's example and prints it beside micrograd's own numbers.
pub fn micrograd() -> [f64; 3] {
    let (a, b, g) = crate::micrograd_example();
    let numbers = [g.data(), a.grad(), b.grad()];
    println!(
        "micrograd's example  g {:.4}  dg/da {:.4}  dg/db {:.4}  (micrograd: 24.7041 138.8338 645.5773)",
        numbers[0], numbers[1], numbers[2]
    );
    numbers
}

/// Writes the graph of [`graph::neuron_example`] as `graph.dot`, and as `graph.svg` when
/// Graphviz is installed; says which.
///
/// # Errors
/// If a file cannot be written, or Graphviz is installed but fails.
pub fn write_graph(session: &mut run::Session) -> anyhow::Result<()> {
    let dot_path = session.output("graph.dot");
    run::write_atomic(
        &dot_path,
        graph::to_dot(&graph::neuron_example()).as_bytes(),
    )?;
    let svg_path = session.out_dir.join("graph.svg");
    match graph::render_svg(&dot_path, &svg_path)? {
        Rendering::Rendered => {
            session.output("graph.svg");
            println!("computation graph    graph.dot, rendered to graph.svg by Graphviz");
        }
        Rendering::NoGraphviz => println!(
            "computation graph    graph.dot only: Graphviz's `dot` is not on the PATH \
             (install graphviz, or paste graph.dot into any DOT viewer)"
        ),
    }
    Ok(())
}

// ANCHOR: run_moons
/// Draws training and held-out moons, and trains a `2 -> hidden -> hidden -> 1` tanh MLP
/// of `Value`s on them.
///
/// # Errors
/// If training diverges.
pub fn run_moons(
    config: &ExperimentConfig,
    session: &run::Session,
    data_rng: &mut impl rand::Rng,
    init_rng: &mut impl rand::Rng,
) -> anyhow::Result<MoonsResult> {
    let train = mlp::moons(config.points, config.noise, data_rng);
    let test = mlp::moons(config.points, config.noise, data_rng);
    let hidden = config.scalar.hidden;
    let mlp = Mlp::new(&[2, hidden, hidden, 1], Activation::Tanh, init_rng);
    let mut progress = session.progress("scalar mlp", config.scalar.steps as u64);
    let started = Instant::now();
    let training = mlp::train(&mlp, &train, &config.scalar, |_, loss| {
        progress.advance(1, train.x.len() as u64, &[("loss", loss)]);
    })?;
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    Ok(MoonsResult {
        train_accuracy: mlp.accuracy(&train),
        test_accuracy: mlp.accuracy(&test),
        mlp,
        train,
        test,
        training,
        seconds,
    })
}
// ANCHOR_END: run_moons

/// The whole run. MNIST is loaded by the caller first, so that a bad `--data-dir` fails in
/// a second, not after the scalar training.
///
/// # Errors
/// If a file cannot be written or training diverges.
pub fn run_all(
    config: &ExperimentConfig,
    session: &mut run::Session,
    mnist: &data::mnist::Mnist,
) -> anyhow::Result<Results> {
    let (mut init_rng, mut data_rng, mut shuffle_rng) = (
        session.rngs.init.clone(),
        session.rngs.noise.clone(),
        session.rngs.shuffle.clone(),
    );
    let micrograd = micrograd();
    write_graph(session)?;

    let moons = run_moons(config, session, &mut data_rng, &mut init_rng)?;
    println!(
        "scalar mlp           {} steps on {} points  loss {:.4}  train_acc {:.4}  test_acc {:.4}  \
         {} values per step  ({:.1} s)",
        moons.training.losses.len(),
        moons.train.x.len(),
        moons.training.losses.last().copied().unwrap_or(f64::NAN),
        moons.train_accuracy,
        moons.test_accuracy,
        moons.training.graph_values,
        moons.seconds
    );

    let bench = config.bench_seconds.map(|seconds| {
        let result = bench::run(&moons.mlp, &moons.train, seconds);
        println!(
            "benchmark            scalar engine {:.0} ex/s  tensor engine one at a time {:.0} ex/s, \
             all at once {:.0} ex/s  ({:.0}x the scalar engine)",
            result.scalar_examples_per_second,
            result.tensor_single_examples_per_second,
            result.tensor_examples_per_second,
            result.speedup()
        );
        result
    });

    let train_set = tensor_mlp::limited(&mnist.train, config.train_limit);
    let test_set = tensor_mlp::Images::from_set(&mnist.test);
    let pixels = train_set.x.ncols();
    let net = MnistMlp::init(pixels, config.mnist.hidden, mnist.classes, &mut init_rng);
    let check_rows = train_set.labels.len().min(64);
    let check_x = train_set.x.slice(ndarray::s![..check_rows, ..]);
    let check_labels = &train_set.labels[..check_rows];
    let (_, by_hand) = tensor_mlp::hand_backward(&net, check_x, check_labels);
    let (_, by_autograd) = tensor_mlp::autograd_gradients(&net, check_x, check_labels);
    let hand_vs_autograd = by_hand.max_abs_difference(&by_autograd);
    println!(
        "tensor mlp           {pixels} -> {} -> {}  autograd vs hand-written backward on {check_rows} \
         images: largest difference {hand_vs_autograd:.1e}",
        config.mnist.hidden, mnist.classes
    );
    let mnist_training = tensor_mlp::train(
        &net,
        &train_set,
        &test_set,
        &config.mnist,
        session,
        &mut shuffle_rng,
    )?;
    nn::checkpoint::save(&session.output("mnist_mlp.safetensors"), &net, None, None)?;
    Ok(Results {
        micrograd,
        moons,
        bench,
        hand_vs_autograd,
        mnist: mnist_training,
        mnist_params: net.num_parameters(),
    })
}

/// Writes the moons figures: the decision boundary and the loss curve.
///
/// # Errors
/// If a figure cannot be written.
pub fn write_figures(
    session: &mut run::Session,
    config: &ExperimentConfig,
    results: &Results,
) -> anyhow::Result<()> {
    let moons = &results.moons;
    let points: Vec<(f64, f64)> = moons.train.x.iter().map(|p| (p[0], p[1])).collect();
    let classify = |x: f64, y: f64| moons.mlp.classify([x, y]);
    let hidden = config.scalar.hidden;
    plot::decision_boundary(
        &session.output("moons_boundary.svg"),
        &format!("A 2-{hidden}-{hidden}-1 MLP of scalar Values on two moons"),
        "x",
        "y",
        &points,
        &moons.train.class,
        &["upper moon", "lower moon"],
        Boundary::Regions(&classify),
    )?;
    plot::line_chart(
        &session.output("moons_loss.svg"),
        "Scalar MLP on two moons: loss per step",
        "gradient descent step",
        "mean logistic loss (log scale)",
        &[Series::from_values(
            "training loss",
            moons.training.losses.iter().copied(),
        )],
        Scale::Log,
    )?;
    Ok(())
}

/// The numbers for `metrics.json` and the `result:` line.
pub fn report(config: &ExperimentConfig, results: &Results) -> run::Report {
    let moons = &results.moons;
    let mnist = &results.mnist;
    let mut report = run::Report {
        epochs: Some(config.mnist.epochs),
        steps: Some(config.scalar.steps),
        train_seconds: Some(moons.seconds + mnist.train_seconds),
        examples_per_second: mnist.examples_per_second,
        params: results.mnist_params,
        ..run::Report::new("moons+mnist")
            .metric("scalar_mlp_accuracy", moons.test_accuracy)
            .metric("test_accuracy", mnist.test_accuracy)
            .metric("test_loss", mnist.test_loss)
            .metric("scalar_mlp_train_accuracy", moons.train_accuracy)
            .metric(
                "scalar_mlp_loss",
                moons.training.losses.last().copied().unwrap_or(f64::NAN),
            )
            .count("scalar_mlp_params", moons.mlp.parameters().len())
            .count("scalar_graph_values", moons.training.graph_values)
            .metric("micrograd_g", results.micrograd[0])
            .metric("micrograd_dg_da", results.micrograd[1])
            .metric("micrograd_dg_db", results.micrograd[2])
    };
    if let Some(bench) = &results.bench {
        report = report
            .metric(
                "scalar_examples_per_second",
                bench.scalar_examples_per_second,
            )
            .metric(
                "tensor_single_examples_per_second",
                bench.tensor_single_examples_per_second,
            )
            .metric(
                "tensor_examples_per_second",
                bench.tensor_examples_per_second,
            )
            .metric("tensor_speedup", bench.speedup());
    }
    report
}
