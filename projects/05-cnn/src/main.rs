//! `05-cnn`: the essay's Keras CNN on MNIST, in pure Rust. See the crate docs and chapter 5.
//!
//! `05-cnn` trains (and saves a checkpoint); `05-cnn eval` tests a checkpoint;
//! `05-cnn predict IMAGE...` classifies pictures of handwritten digits.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use cnn::{figures, Arch, Cnn, TrainConfig};
use nn::Module;

#[derive(Parser)]
#[command(
    version,
    about = "05 · a convolutional network on MNIST: the essay's Keras model, in pure Rust",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Train a network and save it (what running without a subcommand does).
    Train(TrainArgs),
    /// Evaluate a saved checkpoint on the test set.
    Eval(EvalArgs),
    /// Classify PNG or JPEG pictures of handwritten digits with a saved checkpoint.
    Predict(PredictArgs),
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    common: run::CommonArgs,
    /// Which network: the essay's Keras model or LeCun's LeNet-5.
    #[arg(long, value_enum, default_value_t = ModelArg::Keras)]
    model: ModelArg,
    /// Passes over the training set.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    epochs: u32,
    /// Training examples per gradient step.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=60_000))]
    batch_size: u32,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3, value_parser = learning_rate)]
    lr: f32,
    /// Lower the learning rate along half a cosine to lr/100 by the end, instead of keeping
    /// it constant.
    #[arg(long)]
    cosine: bool,
    /// Shift (±2 pixels) and rotate (±10°) every training image at random, anew each epoch.
    #[arg(long)]
    augment: bool,
    /// Train on only the first N training images (default: all of them), for quick runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    train_limit: Option<u32>,
    /// Test on only the first N test images (default: all of them), for quick runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    test_limit: Option<u32>,
    /// Hold out the last N training images as a validation set, as Keras's
    /// `validation_split` does, train on the others, and measure the network on the N only:
    /// the run never looks at the test set. For choosing settings by their results.
    /// (Default 0: train on every training image, and watch the test set, as the essay does.)
    #[arg(long, value_name = "N", default_value_t = 0)]
    validation: u32,
    #[command(flatten)]
    resume: run::resume::ResumeArgs,
}

#[derive(Args)]
struct EvalArgs {
    /// The checkpoint a training run saved.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "runs/05-cnn/model.safetensors"
    )]
    checkpoint: PathBuf,
    /// Folder holding the dataset (as for training).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Worker threads. Default: SMALLNETS_THREADS if set, else every core.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Test on only the first N test images.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    test_limit: Option<u32>,
}

#[derive(Args)]
struct PredictArgs {
    /// The checkpoint a training run saved.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "runs/05-cnn/model.safetensors"
    )]
    checkpoint: PathBuf,
    /// How many of the likeliest classes to show for each image.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    top: u32,
    /// Worker threads. Default: SMALLNETS_THREADS if set, else every core.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// PNG or JPEG pictures of one handwritten digit each, any size and colour.
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModelArg {
    Keras,
    Lenet5,
}

fn main() -> ExitCode {
    run::main_with(|| {
        let cli = Cli::parse();
        match cli.command {
            None => train(cli.train),
            Some(Command::Train(args)) => train(args),
            Some(Command::Eval(args)) => eval(args),
            Some(Command::Predict(args)) => predict(args),
        }
    })
}

fn train(args: TrainArgs) -> anyhow::Result<()> {
    let arch = match args.model {
        ModelArg::Keras => Arch::Keras,
        ModelArg::Lenet5 => Arch::Lenet5,
    };
    let config = TrainConfig {
        epochs: args.epochs as usize,
        batch_size: args.batch_size as usize,
        lr: args.lr,
        cosine: args.cosine,
        augment: args.augment,
    };
    let mut settings = vec![
        ("model", arch.name().to_owned()),
        ("epochs", args.epochs.to_string()),
        ("batch", args.batch_size.to_string()),
        ("lr", args.lr.to_string()),
        (
            "schedule",
            if args.cosine { "cosine" } else { "constant" }.into(),
        ),
        ("augment", args.augment.to_string()),
        ("validation", args.validation.to_string()),
    ];
    // Shown only when given, so that a resumed run is checked against them too.
    for (name, limit) in [
        ("train_limit", args.train_limit),
        ("test_limit", args.test_limit),
    ] {
        if let Some(n) = limit {
            settings.push((name, n.to_string()));
        }
    }
    let mut session = run::Session::start("05-cnn", &args.common, &settings)?;

    #[cfg(feature = "learner")]
    session.on_your_code(cnn::YOUR_FUNCTIONS);
    // The checkpoint is saved after every epoch; `--resume` continues from it (and checks
    // it now, before the data is loaded).
    let checkpoint_path = session.output("model.safetensors");
    let resumed = session.resume_from(
        &checkpoint_path,
        || cnn::checkpoint::read_metadata(&checkpoint_path),
        args.resume.resume,
    )?;
    let mut mnist = data::mnist::load(&session.data_dir).context("loading the dataset")?;
    if let Some(n) = args.train_limit {
        mnist.train = mnist.train.take(n as usize);
    }
    if let Some(n) = args.test_limit {
        mnist.test = mnist.test.take(n as usize);
    }
    // What the run measures the network on: a validation split carved from the training
    // images when it is one of several runs to choose between, else the test set.
    let (held_out_name, held_out) = match args.validation as usize {
        0 => ("test", mnist.test.clone()),
        n => {
            let kept = mnist.train.len().checked_sub(n).filter(|&k| k > 0);
            let kept = kept.with_context(|| {
                format!(
                    "--validation {n} would hold out all {} training images; hold out fewer",
                    mnist.train.len()
                )
            })?;
            let validation = mnist
                .train
                .select(&(kept..mnist.train.len()).collect::<Vec<_>>());
            mnist.train = mnist.train.take(kept);
            ("validation", validation)
        }
    };
    let (h, w) = (mnist.train.rows(), mnist.train.cols());
    anyhow::ensure!(
        arch.fits(h, w),
        "the images in {} are {h}x{w}, too small for the {} model; use --model lenet5 or \
         images of at least 18x18",
        session.data_dir.display(),
        arch.name()
    );
    let model = Cnn::new(arch, [1, h, w], mnist.classes, &mut session.rngs.init);
    println!(
        "{} model: {} parameters; {} training and {} {held_out_name} images of {h}x{w}, {} \
         classes",
        arch.name(),
        model.num_parameters(),
        mnist.train.len(),
        held_out.len(),
        mnist.classes
    );
    if model.conv_path == cnn::ConvPath::Lesson {
        println!(
            "convolutions and pooling: the lesson path (src/ops.rs: im2col, one matrix \
             multiply, col2im; max-pooling with max_pool_backward)"
        );
    }

    let mut rngs = session.rngs.clone();
    let watched = cnn::HeldOut {
        name: held_out_name,
        images: &held_out,
    };
    let checkpoint = cnn::checkpoint::Checkpoint::new(&session, checkpoint_path, resumed);
    let training = cnn::train(
        &model,
        &mnist.train,
        watched,
        &config,
        &mut rngs,
        &|label, steps| session.progress(label, steps),
        &checkpoint,
    )?;
    let measured = cnn::evaluate(&model, &held_out, 500);
    let last = training.epochs.last().expect("at least one epoch");

    figures::curves(&mut session, &training)?;
    figures::filters(&mut session, &model)?;
    figures::feature_maps(&mut session, &model, &held_out, 0)?;
    figures::mistakes(
        &mut session,
        held_out_name,
        &held_out,
        mnist.classes,
        &measured,
    )?;
    figures::layer_table(&mut session, &model)?;

    let report = run::Report {
        epochs: Some(config.epochs),
        train_seconds: Some(training.train_seconds),
        examples_per_second: training.examples_per_second(),
        params: model.num_parameters(),
        ..run::Report::new(&dataset_name(&session.data_dir))
            .metric(&format!("{held_out_name}_accuracy"), measured.accuracy)
            .metric(&format!("{held_out_name}_loss"), measured.loss)
            .metric("train_accuracy", last.train_accuracy)
            .metric("train_loss", last.train_loss)
    };
    // Ten digits: guessing scores 0.1.
    let accuracy = format!("{held_out_name}_accuracy");
    session.warn_if_at_chance(&report, &[(accuracy.as_str(), 0.1)]);
    session.finish(&report)
}

fn eval(args: EvalArgs) -> anyhow::Result<()> {
    set_up_machine(args.threads)?;
    let model = Cnn::load(&args.checkpoint)?;
    let data_dir = data::resolve_data_dir(args.data_dir.as_deref());
    let mut mnist = data::mnist::load(&data_dir).context("loading the dataset")?;
    if let Some(n) = args.test_limit {
        mnist.test = mnist.test.take(n as usize);
    }
    let [_, h, w] = model.input();
    anyhow::ensure!(
        (mnist.test.rows(), mnist.test.cols()) == (h, w) && mnist.classes <= model.classes(),
        "{} holds {} classes of {}x{} images, but the checkpoint {} was trained on {} classes \
         of {h}x{w}; pass the --data-dir it was trained on",
        data_dir.display(),
        mnist.classes,
        mnist.test.rows(),
        mnist.test.cols(),
        args.checkpoint.display(),
        model.classes()
    );
    println!(
        "05-cnn eval  checkpoint={} ({}, {} parameters)  data={} ({} test images)",
        args.checkpoint.display(),
        model.arch.name(),
        model.num_parameters(),
        data_dir.display(),
        mnist.test.len()
    );
    let test = cnn::evaluate(&model, &mnist.test, 500);
    println!(
        "result: test_accuracy={:.4} test_loss={:.4}",
        test.accuracy, test.loss
    );
    Ok(())
}

fn predict(args: PredictArgs) -> anyhow::Result<()> {
    set_up_machine(args.threads)?;
    let model = Cnn::load(&args.checkpoint)?;
    let [_, h, w] = model.input();
    let mut digits = Vec::with_capacity(args.images.len() * h * w);
    for path in &args.images {
        digits.extend(cnn::digit::load_digit(path, (h, w))?);
    }
    let x = tensor::Tensor::from_vec(digits, &[args.images.len(), 1, h, w]);
    let probabilities = tensor::no_grad(|| model.forward(&x).softmax(1)).to_array(); // [N, K]
    for (path, row) in args.images.iter().zip(probabilities.outer_iter()) {
        let mut ranked: Vec<(usize, f32)> = row.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let top: Vec<String> = ranked
            .iter()
            .take(args.top as usize)
            .map(|(class, p)| format!("{class} ({:.2}%)", 100.0 * p))
            .collect();
        println!("{}: {}", path.display(), top.join(", "));
    }
    Ok(())
}

/// What `run::Session::start` does for training, for the subcommands that start no session:
/// the allocator setting, then the thread count (`--threads`, else `SMALLNETS_THREADS`, else
/// every core) applied to every backend.
///
/// # Errors
/// If `SMALLNETS_THREADS` is malformed (the same message as for training).
fn set_up_machine(threads: Option<u16>) -> anyhow::Result<()> {
    host::memory::keep_freed_memory();
    host::threads::use_threads(host::threads::resolve(threads.map(usize::from))?);
    Ok(())
}

/// `mnist` for the committed data, else the dataset folder's name.
fn dataset_name(dir: &Path) -> String {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    match name.as_deref() {
        None | Some("data") | Some("mnist") => "mnist".into(),
        Some(other) => other.to_owned(),
    }
}

fn learning_rate(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 10.0 => Ok(v),
        _ => Err(format!(
            "`{text}` is not a learning rate: give a number above 0 and at most 10, e.g. 0.001"
        )),
    }
}
