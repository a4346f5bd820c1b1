//! `small-data`: what to do with little data. Chapter 5's CNN trained on 1,000 MNIST images,
//! with no regularisation, with each technique on its own, and with all of them together:
//! how much does each add, and how far does the gap between training and test accuracy
//! close?

use plot::{Scale, Series};
use serde::Serialize;

use super::{accuracy_spread, write_json, write_text, Clock, Finding, Lab};
use crate::models::{Arch, NetConfig};
use crate::optimizers::Method;
use crate::stats::{table, Spread};
use crate::train::{evaluate, train, Evaluation, Outcome, TrainConfig};

/// How big the experiment is.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Size {
    pub train_images: usize,
    pub epochs: usize,
    pub batch: usize,
    /// Evaluate every this many epochs (early stopping decides at each).
    pub eval_every_epochs: usize,
    pub validation_images: usize,
    pub test_images: usize,
}

/// The experiment's size: full, or with `--quick`.
pub fn size(lab: &Lab) -> Size {
    lab.size(
        Size {
            train_images: 1000,
            epochs: 30,
            batch: 32,
            eval_every_epochs: 2,
            validation_images: 1000,
            test_images: 10_000,
        },
        Size {
            train_images: 200,
            epochs: 2,
            batch: 32,
            eval_every_epochs: 1,
            validation_images: 200,
            test_images: 500,
        },
    )
}

/// Adam's learning rate throughout: chapter 5's.
pub const LR: f32 = 1e-3;
/// The L2 penalty's strength, the classic 5e-4 (AlexNet's, ResNet's).
pub const L2: f32 = 5e-4;
/// AdamW's decoupled weight decay.
pub const DECAY: f32 = 0.1;
/// The dropout probability after the hidden dense layer.
pub const DROPOUT: f32 = 0.5;
/// Early stopping's patience, in evaluations (every `eval_every_epochs` epochs).
pub const PATIENCE: usize = 5;

// ANCHOR: techniques
/// The configurations compared: none, each technique alone, all together.
pub fn techniques() -> Vec<(&'static str, Technique)> {
    let none = Technique::default();
    vec![
        ("none", none),
        ("L2 penalty (Adam)", Technique { l2: true, ..none }),
        (
            "weight decay (AdamW)",
            Technique {
                decay: true,
                ..none
            },
        ),
        (
            "dropout",
            Technique {
                dropout: true,
                ..none
            },
        ),
        (
            "augmentation",
            Technique {
                augment: true,
                ..none
            },
        ),
        (
            "early stopping",
            Technique {
                early_stopping: true,
                ..none
            },
        ),
        (
            "all together",
            Technique {
                decay: true,
                dropout: true,
                augment: true,
                early_stopping: true,
                ..none
            },
        ),
    ]
}
// ANCHOR_END: techniques

/// Which regularisation a run uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Technique {
    /// Adam with an L2 penalty of [`L2`] in the gradient.
    pub l2: bool,
    /// AdamW with a decoupled weight decay of [`DECAY`].
    pub decay: bool,
    /// Dropout of [`DROPOUT`] after the hidden dense layer.
    pub dropout: bool,
    /// Every training image shifted and rotated at random each time it is used.
    pub augment: bool,
    /// Stop when the validation loss has not improved for [`PATIENCE`] evaluations.
    pub early_stopping: bool,
}

impl Technique {
    /// The training run for this technique.
    pub fn config(self, size: &Size) -> TrainConfig {
        let net = NetConfig {
            dropout: if self.dropout { DROPOUT } else { 0.0 },
            ..NetConfig::new(Arch::keras_cnn())
        };
        let steps_per_epoch = size.train_images.div_ceil(size.batch);
        let method = if self.decay {
            Method::AdamW
        } else {
            Method::Adam
        };
        let mut config = TrainConfig::new(net, method, LR, size.epochs * steps_per_epoch);
        config.batch_size = size.batch;
        config.weight_decay = match (self.l2, self.decay) {
            (true, _) => L2,
            (_, true) => DECAY,
            _ => 0.0,
        };
        config.augment = self.augment;
        config.patience = self.early_stopping.then_some(PATIENCE);
        config.eval_every = size.eval_every_epochs * steps_per_epoch;
        config.log_every = steps_per_epoch;
        config
    }
}

#[derive(Debug, Serialize)]
struct TechniqueResult {
    technique: &'static str,
    train_accuracy: Spread,
    validation_accuracy: Spread,
    test_accuracy: Spread,
    /// Train accuracy minus test accuracy, run by run.
    gap: Spread,
    /// Steps taken (early stopping takes fewer).
    steps: Spread,
}

struct RunResult {
    outcome: Outcome,
    train: Evaluation,
    test: Evaluation,
}

/// Runs the experiment, writes its figures and tables, and returns what it found.
///
/// # Errors
/// If a figure or table cannot be written.
pub fn run(lab: &Lab, session: &mut run::Session) -> anyhow::Result<Finding> {
    let clock = Clock::start();
    let size = size(lab);
    let techniques = techniques();
    let (digits, seeds) = (lab.digits, &lab.seeds);
    let (validation, test) = (
        digits.validation_rows(size.validation_images),
        digits.test_rows(size.test_images),
    );
    let runs = lab.run(session, "small-data", techniques.len() * seeds.len(), |i| {
        let (technique, seed) = (techniques[i / seeds.len()].1, seeds[i % seeds.len()]);
        // The same 1,000 images for every technique with this seed.
        let rows = digits.training_rows(size.train_images, seed);
        let mut config = technique.config(&size);
        // The figure of training against validation accuracy shows the first seed's runs.
        config.eval_train = seed == seeds[0];
        let (mut net, outcome) = train(
            &config,
            &digits.train,
            &rows,
            &validation,
            digits.classes,
            seed,
        );
        let train = evaluate(&mut net, &digits.train, &rows);
        let test = evaluate(&mut net, &digits.test, &test);
        RunResult {
            outcome,
            train,
            test,
        }
    });
    let runs_of = |t: usize| &runs[t * seeds.len()..(t + 1) * seeds.len()];
    let results: Vec<TechniqueResult> = techniques
        .iter()
        .enumerate()
        .map(|(t, (name, _))| {
            let runs = runs_of(t);
            TechniqueResult {
                technique: name,
                train_accuracy: accuracy_spread(runs.iter().map(|r| r.train)),
                validation_accuracy: accuracy_spread(
                    runs.iter().map(|r| r.outcome.final_validation()),
                ),
                test_accuracy: accuracy_spread(runs.iter().map(|r| r.test)),
                gap: Spread::of(runs.iter().map(|r| r.train.accuracy - r.test.accuracy)),
                steps: Spread::of(runs.iter().map(|r| r.outcome.kept_step as f64)),
            }
        })
        .collect();
    // The best and the worst, by validation accuracy: the test set chooses nothing.
    let by_validation = |a: &usize, b: &usize| {
        let accuracy = |t: &usize| results[*t].validation_accuracy.mean;
        accuracy(a).total_cmp(&accuracy(b))
    };
    let best = (0..results.len())
        .max_by(by_validation)
        .expect("techniques");
    let worst = (0..results.len())
        .min_by(by_validation)
        .expect("techniques");

    // The learning curves of the worst and the best: accuracy on the training images and on
    // the validation images, against epochs (the first seed's runs).
    let steps_per_epoch = size.train_images.div_ceil(size.batch) as f64;
    let mut curves = Vec::new();
    for t in [worst, best] {
        let outcome = &runs_of(t)[0].outcome;
        let epochs = |points: &[(usize, Evaluation)]| -> Vec<(f64, f64)> {
            points
                .iter()
                .map(|&(step, e)| (step as f64 / steps_per_epoch, e.accuracy))
                .collect()
        };
        let name = techniques[t].0;
        curves.push(Series::new(
            format!("{name}: training images"),
            epochs(&outcome.training),
        ));
        curves.push(Series::new(
            format!("{name}: validation images"),
            epochs(&outcome.validation),
        ));
    }
    plot::line_chart(
        &session.output("curves.svg"),
        "Accuracy during training, the worst and the best configuration",
        "epoch",
        "accuracy",
        &curves,
        Scale::Linear,
    )?;
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.technique.to_owned(),
                r.train_accuracy.percent(),
                r.test_accuracy.percent(),
                format!("{:.2} ± {:.2}", 100.0 * r.gap.mean, 100.0 * r.gap.std),
                r.validation_accuracy.percent(),
                format!("{:.0}", r.steps.mean),
            ]
        })
        .collect();
    let header = [
        "technique",
        "train accuracy",
        "test accuracy",
        "gap (points)",
        "validation accuracy",
        "steps kept",
    ];
    write_text(session, "table.md", &table(&header, &rows))?;
    write_json(
        session,
        "results.json",
        &serde_json::json!({ "size": size, "techniques": results, "best": results[best].technique,
            "worst": results[worst].technique }),
    )?;

    println!("technique              train acc        test acc         gap");
    for r in &results {
        let gap = format!("{:.2} points", 100.0 * r.gap.mean);
        println!(
            "{:22} {:16} {:16} {gap}",
            r.technique,
            r.train_accuracy.percent(),
            r.test_accuracy.percent()
        );
    }
    println!(
        "best on validation: {} ({} test accuracy from {} training images)",
        results[best].technique,
        results[best].test_accuracy.percent(),
        size.train_images
    );
    let mut finding = Finding {
        params: techniques[0]
            .1
            .config(&size)
            .net
            .num_parameters((28, 28), digits.classes),
        ..Finding::default()
    };
    finding.spread(
        "small_data_best_test_accuracy",
        &results[best].test_accuracy,
    );
    for r in &results {
        let key: String = r
            .technique
            .split(' ')
            .filter(|w| !w.starts_with('('))
            .collect::<Vec<_>>()
            .join("_")
            .to_lowercase();
        finding.spread(&format!("small_data_{key}_test_accuracy"), &r.test_accuracy);
        finding.spread(&format!("small_data_{key}_gap"), &r.gap);
        finding
            .metrics
            .push((format!("small_data_{key}_steps_kept"), r.steps.mean));
    }
    finding.count(runs.iter().map(|r| &r.outcome));
    finding.seconds = clock.seconds();
    Ok(finding)
}
