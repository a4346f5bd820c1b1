//! `03-mlp`: a multilayer perceptron on MNIST, backpropagation by hand. See the crate docs
//! and chapter 3.

use anyhow::Context;
use clap::{Parser, ValueEnum};
use mlp::experiment::{self, ExperimentConfig};
use mlp::train::{Schedule, TrainConfig};
use mlp::Activation;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    version,
    about = "03 · a multilayer perceptron on MNIST, backpropagation by hand"
)]
struct Cli {
    #[command(flatten)]
    common: run::CommonArgs,
    /// Passes over the training set.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=1000))]
    epochs: u32,
    /// Learning rate at the start (the schedule lowers it from there).
    #[arg(long, default_value_t = 0.1, value_parser = run::flags::positive)]
    lr: f32,
    /// Training examples per gradient step.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=60_000))]
    batch_size: u32,
    /// Units in each hidden layer.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=8192))]
    hidden_size: u32,
    /// Number of hidden layers (0 gives softmax regression, chapter 2's model).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=16))]
    hidden_layers: u32,
    /// The nonlinearity after each hidden layer.
    #[arg(long, value_enum, default_value_t = ActivationArg::Relu)]
    activation: ActivationArg,
    /// Momentum of SGD, from 0 (plain SGD) up to but not including 1.
    #[arg(long, default_value_t = 0.9, value_parser = momentum)]
    momentum: f32,
    /// How the learning rate changes: cosine (down to 0 by the end) or constant.
    #[arg(long, value_enum, default_value_t = ScheduleArg::Cosine)]
    schedule: ScheduleArg,
    /// Train on only the first N training images (default: all of them), for quick runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    train_limit: Option<u32>,
    #[command(flatten)]
    resume: run::resume::ResumeArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ActivationArg {
    Relu,
    Sigmoid,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ScheduleArg {
    Cosine,
    Constant,
}

fn main() -> ExitCode {
    run::main_with(|| {
        let cli = Cli::parse();
        let config = ExperimentConfig {
            hidden: vec![cli.hidden_size as usize; cli.hidden_layers as usize],
            activation: match cli.activation {
                ActivationArg::Relu => Activation::Relu,
                ActivationArg::Sigmoid => Activation::Sigmoid,
            },
            train: TrainConfig {
                epochs: cli.epochs as usize,
                batch_size: cli.batch_size as usize,
                lr: cli.lr,
                momentum: cli.momentum,
                schedule: match cli.schedule {
                    ScheduleArg::Cosine => Schedule::Cosine,
                    ScheduleArg::Constant => Schedule::Constant,
                },
            },
            train_limit: cli.train_limit.map(|n| n as usize),
        };
        let mut settings = vec![
            ("hidden_size", cli.hidden_size.to_string()),
            ("hidden_layers", cli.hidden_layers.to_string()),
            ("activation", config.activation.name().to_owned()),
            ("epochs", cli.epochs.to_string()),
            ("batch", cli.batch_size.to_string()),
            ("lr", cli.lr.to_string()),
            ("momentum", cli.momentum.to_string()),
            ("schedule", format!("{:?}", cli.schedule).to_lowercase()),
        ];
        // Shown only when given, so that a resumed run is checked against it too.
        if let Some(n) = cli.train_limit {
            settings.push(("train_limit", n.to_string()));
        }
        // Also gives ndarray's matrix products (matrixmultiply) the thread count.
        let mut session = run::Session::start("03-mlp", &cli.common, &settings)?;

        #[cfg(feature = "learner")]
        session.on_your_code(mlp::YOUR_FUNCTIONS);
        // The checkpoint is saved after every epoch; `--resume` continues from it (and checks
        // it now, before the data is loaded).
        let checkpoint_path = session.output("model.safetensors");
        let resumed = session.resume_from(
            &checkpoint_path,
            || mlp::checkpoint::read_metadata(&checkpoint_path),
            cli.resume.resume,
        )?;
        let mnist = data::mnist::load(&session.data_dir).context("loading MNIST")?;
        let mut init = session.rngs.init.clone();
        let mut shuffle = session.rngs.shuffle.clone();
        let mut noise = session.rngs.noise.clone();
        let checkpoint = mlp::checkpoint::Checkpoint::new(&session, checkpoint_path, resumed);
        let results = experiment::run_mnist(
            &mnist,
            &config,
            &mut init,
            &mut shuffle,
            &|label, steps| session.progress(label, steps),
            &checkpoint,
        )?;
        let xor = experiment::run_xor(&mut noise)?;
        experiment::print_summary(&results, &xor);
        experiment::write_outputs(&mut session, &results, &xor)?;
        let report = experiment::report(&results, &xor);
        // Ten digits: guessing scores 0.1.
        session.warn_if_at_chance(&report, &[("test_accuracy", 0.1)]);
        session.finish(&report)
    })
}

fn momentum(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "`{text}` is not a momentum in [0, 1): try 0.9, or 0 for plain SGD"
        )),
    }
}
