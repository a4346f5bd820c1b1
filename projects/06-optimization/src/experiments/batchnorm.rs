//! `batchnorm`: the `init` experiment's 10-layer MLP with and without batch normalisation
//! (Ioffe and Szegedy, 2015), over a sweep of learning rates: which rates does each
//! tolerate?

use plot::{Scale, Series};
use serde::Serialize;

use super::init::{deep_mlp, METHOD};
use super::{accuracy_spread, cell, write_json, write_text, Arm, Clock, Finding, Lab, Tested};
use crate::models::{Init, NetConfig};
use crate::stats::{table, Spread};
use crate::train::{evaluate, train, TrainConfig};

/// How big the experiment is.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Size {
    /// Units in each of the 9 hidden layers.
    pub width: usize,
    pub train_images: usize,
    pub steps: usize,
    pub batch: usize,
    pub validation_images: usize,
    pub test_images: usize,
}

/// The experiment's size: full, or with `--quick`.
pub fn size(lab: &Lab) -> Size {
    lab.size(
        Size {
            width: 128,
            train_images: 50_000,
            steps: 1000,
            batch: 64,
            validation_images: 5000,
            test_images: 10_000,
        },
        Size {
            width: 32,
            train_images: 2000,
            steps: 20,
            batch: 128,
            validation_images: 500,
            test_images: 1000,
        },
    )
}

/// The rates swept, each about three times the last.
pub const RATES: [f32; 6] = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0];

/// A rate "trains" if the mean validation accuracy it reaches is at least this.
pub const TRAINS: f64 = 0.9;

#[derive(Debug, Serialize)]
struct Variant {
    batchnorm: bool,
    arms: Vec<Arm>,
    chosen_lr: f32,
    test_accuracy: Spread,
    /// How many of the rates reach [`TRAINS`] on validation.
    rates_that_train: usize,
}

/// The network with or without batch normalisation.
fn network(width: usize, batchnorm: bool) -> NetConfig {
    NetConfig {
        batchnorm,
        ..deep_mlp(width, Init::Standard)
    }
}

/// Runs the experiment, writes its figures and tables, and returns what it found.
///
/// # Errors
/// If a figure or table cannot be written.
pub fn run(lab: &Lab, session: &mut run::Session) -> anyhow::Result<Finding> {
    let clock = Clock::start();
    let size = size(lab);
    let (digits, seeds) = (lab.digits, &lab.seeds);
    let (validation, test) = (
        digits.validation_rows(size.validation_images),
        digits.test_rows(size.test_images),
    );
    let arms: Vec<(bool, f32)> = [false, true]
        .into_iter()
        .flat_map(|bn| RATES.map(|lr| (bn, lr)))
        .collect();
    let runs = lab.run(session, "batchnorm", arms.len() * seeds.len(), |i| {
        let ((batchnorm, lr), seed) = (arms[i / seeds.len()], seeds[i % seeds.len()]);
        let mut config = TrainConfig::new(network(size.width, batchnorm), METHOD, lr, size.steps);
        config.batch_size = size.batch;
        let rows = digits.training_rows(size.train_images, seed);
        let (mut net, outcome) = train(
            &config,
            &digits.train,
            &rows,
            &validation,
            digits.classes,
            seed,
        );
        let test = evaluate(&mut net, &digits.test, &test);
        Tested { outcome, test }
    });
    let runs_of = |a: usize| &runs[a * seeds.len()..(a + 1) * seeds.len()];

    let variants: Vec<Variant> = [false, true]
        .into_iter()
        .enumerate()
        .map(|(v, batchnorm)| {
            let first = v * RATES.len();
            let arms: Vec<Arm> = RATES
                .iter()
                .enumerate()
                .map(|(r, &lr)| Arm::over_seeds(lr, runs_of(first + r)))
                .collect();
            // Chosen on validation.
            let best = (0..arms.len())
                .max_by(|&a, &b| {
                    arms[a]
                        .validation_accuracy
                        .mean
                        .total_cmp(&arms[b].validation_accuracy.mean)
                })
                .expect("rates");
            Variant {
                batchnorm,
                chosen_lr: arms[best].lr,
                test_accuracy: accuracy_spread(runs_of(first + best).iter().map(|r| r.test)),
                rates_that_train: arms
                    .iter()
                    .filter(|a| a.validation_accuracy.mean >= TRAINS)
                    .count(),
                arms,
            }
        })
        .collect();

    let name = |bn: bool| {
        if bn {
            "with batch normalisation"
        } else {
            "without"
        }
    };
    let series: Vec<Series> = variants
        .iter()
        .map(|v| {
            let points = v
                .arms
                .iter()
                .map(|a| (f64::from(a.lr).log10(), a.validation_accuracy.mean));
            Series::new(name(v.batchnorm), points)
        })
        .collect();
    plot::line_chart(
        &session.output("rates.svg"),
        "10-layer MLP: validation accuracy against learning rate",
        "log10(learning rate)",
        "validation accuracy (mean of the seeds)",
        &series,
        Scale::Linear,
    )?;
    let rows: Vec<Vec<String>> = RATES
        .iter()
        .enumerate()
        .map(|(r, lr)| {
            let mut row = vec![lr.to_string()];
            row.extend(
                variants
                    .iter()
                    .map(|v| cell(&v.arms[r].validation_accuracy, v.arms[r].diverged)),
            );
            row
        })
        .collect();
    let header = [
        "learning rate",
        "without: validation accuracy",
        "with batch normalisation",
    ];
    let mut text = table(&header, &rows);
    text.push('\n');
    let summary: Vec<Vec<String>> = variants
        .iter()
        .map(|v| {
            vec![
                name(v.batchnorm).to_owned(),
                format!("{} of {}", v.rates_that_train, RATES.len()),
                v.chosen_lr.to_string(),
                v.test_accuracy.percent(),
            ]
        })
        .collect();
    let trains = format!("rates reaching {:.0}%", 100.0 * TRAINS);
    text.push_str(&table(
        &["", &trains, "chosen rate", "test accuracy"],
        &summary,
    ));
    write_text(session, "table.md", &text)?;
    write_json(
        session,
        "results.json",
        &serde_json::json!({ "size": size, "variants": variants }),
    )?;

    for v in &variants {
        println!(
            "{:25} trains at {} of {} rates; chosen {} -> test accuracy {}",
            name(v.batchnorm),
            v.rates_that_train,
            RATES.len(),
            v.chosen_lr,
            v.test_accuracy.percent()
        );
    }
    let mut finding = Finding {
        params: network(size.width, true).num_parameters((28, 28), digits.classes),
        ..Finding::default()
    };
    for v in &variants {
        let key = if v.batchnorm {
            "batchnorm_with"
        } else {
            "batchnorm_without"
        };
        finding.spread(&format!("{key}_test_accuracy"), &v.test_accuracy);
        finding
            .metrics
            .push((format!("{key}_lr"), f64::from(v.chosen_lr)));
        finding
            .metrics
            .push((format!("{key}_rates_that_train"), v.rates_that_train as f64));
    }
    finding.count(runs.iter().map(|r| &r.outcome));
    finding.seconds = clock.seconds();
    Ok(finding)
}
