//! `01-perceptron`: Rosenblatt's perceptron on Fisher's iris. See the crate docs and chapter 1.

use clap::Parser;
use perceptron::experiment::{self, ExperimentConfig};
use perceptron::TrainConfig;
use std::process::ExitCode;

#[derive(Parser)]
#[command(version, about = "01 · Rosenblatt's perceptron on Fisher's iris")]
struct Cli {
    #[command(flatten)]
    common: run::CommonArgs,
    /// Most passes over the training set before giving up on convergence.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    epochs: u32,
    /// Learning rate η of the update w ← w + η·y·x (from zero weights it only scales them),
    /// above 0 and at most 1e6.
    #[arg(long, default_value_t = 1.0, value_parser = learning_rate)]
    lr: f32,
    /// The two iris measurements to learn from, as columns of data/csv/iris.csv.
    #[arg(long, default_value = "sepal_length,petal_length", value_parser = two_columns)]
    features: Columns,
    /// Fraction of each species held out for testing.
    #[arg(long, default_value_t = 0.3, value_parser = run::flags::test_fraction)]
    test_fraction: f64,
}

fn main() -> ExitCode {
    run::main_with(|| {
        let cli = Cli::parse();
        let config = ExperimentConfig {
            features: cli.features.0.clone(),
            train: TrainConfig {
                epochs: cli.epochs as usize,
                lr: cli.lr,
            },
            test_fraction: cli.test_fraction,
        };
        let settings = [
            ("epochs", cli.epochs.to_string()),
            ("lr", cli.lr.to_string()),
            ("features", cli.features.0.join(",")),
        ];
        let mut session = run::Session::start("01-perceptron", &cli.common, &settings)?;
        #[cfg(feature = "learner")]
        session.on_your_code(perceptron::YOUR_FUNCTIONS);
        let iris = data::data_file(&session.data_dir, "csv/iris.csv")?;
        let results = experiment::run_all(&iris, &config, &mut session.rngs.shuffle)?;
        experiment::print_summary(&results);
        experiment::write_figures(&mut session, &results, &config.features)?;
        let report = experiment::report(&results, config.features.len());
        // Setosa and versicolor are half of the test flowers each: a coin toss scores 0.5.
        session.warn_if_at_chance(&report, &[("test_accuracy", 0.5)]);
        session.finish(&report)
    })
}

/// Two column names, given on the command line as `a,b`.
#[derive(Debug, Clone)]
struct Columns(Vec<String>);

/// A positive learning rate of at most 1e6. The rule only scales the weights by it, and the
/// cap keeps them finite (no NaN or infinity, the perceptron's only way to break numerically):
/// at most 10^6 epochs of 150 updates by 10^6 times a finite feature cannot overflow `f32`.
fn learning_rate(text: &str) -> Result<f32, String> {
    match run::flags::positive(text) {
        Ok(lr) if lr <= 1e6 => Ok(lr),
        _ => Err(format!(
            "`{text}` is not a learning rate: give a number above 0 and at most 1e6, e.g. 1 \
             (the perceptron's rule only scales its weights by it)"
        )),
    }
}

fn two_columns(text: &str) -> Result<Columns, String> {
    let names: Vec<String> = text.split(',').map(|name| name.trim().to_owned()).collect();
    if names.len() != 2 || names.iter().any(String::is_empty) {
        return Err(format!(
            "`{text}` is not two column names separated by a comma, e.g. sepal_length,petal_length"
        ));
    }
    Ok(Columns(names))
}
