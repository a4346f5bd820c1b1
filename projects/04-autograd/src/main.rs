//! `04-autograd`: a scalar autodiff engine, a network made of it, and the same idea for
//! tensors on MNIST. See the crate docs and chapter 4.

use autograd::experiment::{self, ExperimentConfig};
use autograd::mlp::ScalarConfig;
use autograd::tensor_mlp::{self, MnistConfig};
use clap::Parser;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    version,
    about = "04 · autograd: a scalar engine learns two moons, then tensors learn MNIST"
)]
struct Cli {
    #[command(flatten)]
    common: run::CommonArgs,
    /// Gradient descent steps for the scalar MLP on two moons (full batch).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    steps: u32,
    /// Learning rate of the scalar MLP.
    #[arg(long, default_value_t = 0.5, value_parser = run::flags::positive_f64)]
    scalar_lr: f64,
    /// Units in each of the scalar MLP's two hidden layers.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
    scalar_hidden: u32,
    /// Training points for the scalar MLP (as many again are held out to test it).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(10..=100_000))]
    points: u32,
    /// Standard deviation of the Gaussian noise on the moons.
    #[arg(long, default_value_t = 0.1, value_parser = noise)]
    noise: f64,
    /// Passes over the MNIST training images for the tensor MLP.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    epochs: u32,
    /// Starting learning rate of the tensor MLP (a cosine schedule takes it to 0).
    #[arg(long, default_value_t = 0.1, value_parser = run::flags::positive)]
    lr: f32,
    /// MNIST images per gradient step.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=60_000))]
    batch_size: u32,
    /// Hidden units of the tensor MLP on MNIST.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=8192))]
    hidden: u32,
    /// Train on only the first N MNIST training images (0: all of them).
    #[arg(long, default_value_t = 0)]
    train_limit: usize,
    /// Skip the micro-benchmark of the two engines (its speeds differ from run to run).
    #[arg(long)]
    no_bench: bool,
}

fn main() -> ExitCode {
    run::main_with(|| {
        let cli = Cli::parse();
        let config = ExperimentConfig {
            points: cli.points as usize,
            noise: cli.noise,
            scalar: ScalarConfig {
                hidden: cli.scalar_hidden as usize,
                steps: cli.steps as usize,
                lr: cli.scalar_lr,
            },
            mnist: MnistConfig {
                hidden: cli.hidden as usize,
                epochs: cli.epochs as usize,
                batch_size: cli.batch_size as usize,
                lr: cli.lr,
                ..MnistConfig::default()
            },
            train_limit: cli.train_limit,
            bench_seconds: (!cli.no_bench).then_some(1.0),
        };
        let settings = [
            ("steps", cli.steps.to_string()),
            ("scalar_lr", cli.scalar_lr.to_string()),
            ("points", cli.points.to_string()),
            ("epochs", cli.epochs.to_string()),
            ("batch", cli.batch_size.to_string()),
            ("lr", cli.lr.to_string()),
            ("hidden", cli.hidden.to_string()),
        ];
        let mut session = run::Session::start("04-autograd", &cli.common, &settings)?;
        let mnist = tensor_mlp::load_mnist(&session.data_dir)?;
        let results = experiment::run_all(&config, &mut session, &mnist)?;
        experiment::write_figures(&mut session, &config, &results)?;
        session.finish(&experiment::report(&config, &results))
    })
}

fn noise(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{text}` is not a noise level between 0 and 1")),
    }
}
