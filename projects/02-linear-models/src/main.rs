//! `02-linear-models`: linear, logistic and softmax regression with hand-written gradients.
//! See the crate docs and chapter 2.

use clap::{Parser, ValueEnum};
use linear_models::experiment::{self, LOGISTIC, REGRESSION, SOFTMAX};
use linear_models::figures::{self, Results};
use linear_models::softmax::SgdConfig;
use linear_models::DescentConfig;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    version,
    about = "02 · Linear, logistic and softmax regression with hand-written gradients"
)]
struct Cli {
    /// Which model to train: all three (linear regression on diabetes, logistic regression
    /// on breast cancer, softmax regression on MNIST), or one of them.
    #[arg(value_enum, default_value_t = Model::All)]
    model: Model,
    #[command(flatten)]
    common: run::CommonArgs,
    /// Learning rate for every model that runs. Default: each model's own, 0.2 for
    /// regression, 0.5 for logistic and 0.2 for softmax regression.
    #[arg(long, value_parser = run::flags::positive)]
    lr: Option<f32>,
    /// Full-batch gradient-descent steps for linear and logistic regression. Default: 5000
    /// for regression, 2000 for logistic.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    steps: Option<u32>,
    /// Passes over the MNIST training images (softmax regression).
    #[arg(long, default_value_t = SOFTMAX.epochs as u32, value_parser = clap::value_parser!(u32).range(1..=1000))]
    epochs: u32,
    /// Images per gradient step (softmax regression).
    #[arg(long, default_value_t = SOFTMAX.batch_size as u32, value_parser = clap::value_parser!(u32).range(1..=60_000))]
    batch_size: u32,
    /// Train softmax regression on only the first N MNIST training images (all 60000 if
    /// not given); the test set is always whole.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    train_limit: Option<u32>,
    /// Fraction of the diabetes and breast cancer rows held out for testing.
    #[arg(long, default_value_t = 0.2, value_parser = run::flags::test_fraction)]
    test_fraction: f64,
}

/// The models the positional argument chooses from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Model {
    All,
    Regression,
    Logistic,
    Softmax,
}

impl Model {
    fn runs(self, which: Model) -> bool {
        self == Model::All || self == which
    }
}

fn main() -> ExitCode {
    run::main_with(|| {
        let cli = Cli::parse();
        let descent = |defaults: DescentConfig| DescentConfig {
            steps: cli.steps.map_or(defaults.steps, |s| s as usize),
            lr: cli.lr.unwrap_or(defaults.lr),
        };
        let sgd = SgdConfig {
            epochs: cli.epochs as usize,
            batch_size: cli.batch_size as usize,
            lr: cli.lr.unwrap_or(SOFTMAX.lr),
        };
        let settings = [
            ("model", format!("{:?}", cli.model).to_lowercase()),
            ("lr", cli.lr.map_or("default".into(), |lr| lr.to_string())),
            (
                "steps",
                cli.steps.map_or("default".into(), |s| s.to_string()),
            ),
            ("epochs", cli.epochs.to_string()),
            ("batch", cli.batch_size.to_string()),
            (
                "train_limit",
                cli.train_limit.map_or("all".into(), |n| n.to_string()),
            ),
        ];
        let mut session = run::Session::start("02-linear-models", &cli.common, &settings)?;
        #[cfg(feature = "learner")]
        session.on_your_code(linear_models::YOUR_FUNCTIONS);
        let progress = |label: &str, total: u64| session.progress(label, total);
        // Each experiment draws from its own copy of the shuffle stream, so that running one
        // model alone gives the same numbers as running it among all three.
        let rng = &session.rngs.shuffle;
        let mut results = Results::default();

        if cli.model.runs(Model::Regression) {
            let path = data::data_file(&session.data_dir, "csv/diabetes.csv")?;
            let r = experiment::run_regression(
                &path,
                descent(REGRESSION),
                cli.test_fraction,
                &mut rng.clone(),
                progress,
            )?;
            experiment::print_regression(&r);
            results.regression = Some(r);
        }
        if cli.model.runs(Model::Logistic) {
            let path = data::data_file(&session.data_dir, "csv/breast_cancer.csv")?;
            let r = experiment::run_logistic(
                &path,
                descent(LOGISTIC),
                cli.test_fraction,
                &mut rng.clone(),
                progress,
            )?;
            experiment::print_logistic(&r);
            results.logistic = Some(r);
        }
        if cli.model.runs(Model::Softmax) {
            let mnist = data::mnist::load(&session.data_dir)?;
            let limit = cli.train_limit.map(|n| n as usize);
            let r = experiment::run_softmax(&mnist, sgd, limit, &mut rng.clone(), progress)?;
            results.softmax = Some(r);
        }

        figures::write_figures(&mut session, &results)?;
        let report = figures::report(&results);
        // What a model that learned nothing scores: R² 0 by predicting the mean; 0.63 by
        // calling every tumour benign (357 of the 569); 0.1 by guessing one of ten digits.
        let chance = [
            ("regression_r2", 0.0),
            ("logistic_test_accuracy", 0.63),
            ("softmax_test_accuracy", 0.1),
        ];
        session.warn_if_at_chance(&report, &chance);
        session.finish(&report)
    })
}
