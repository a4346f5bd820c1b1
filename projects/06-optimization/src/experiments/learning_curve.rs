//! `learning-curve`: test accuracy against the number of training images, from 500 to all
//! 60,000, for the linear model, the MLP and the CNN. When does more data beat a better
//! model?
//!
//! Nothing is chosen here, so there is no validation split: each training set is drawn
//! from all 60,000 training images (a larger set keeps the images of a smaller one).

use plot::{Scale, Series};
use serde::Serialize;

use super::{accuracy_spread, write_json, write_text, Clock, Finding, Lab, Tested};
use crate::models::{Arch, NetConfig};
use crate::optimizers::Method;
use crate::stats::{table, Spread};
use crate::train::{evaluate, train, TrainConfig};

/// How big the experiment is.
#[derive(Clone, Debug, Serialize)]
pub struct Size {
    /// Training-set sizes; larger than the training set means all of it.
    pub train_images: Vec<usize>,
    /// Passes over a small training set...
    pub epochs: usize,
    /// ...but at most this many steps, for each model.
    pub max_steps: usize,
    /// Hidden units of the MLP `784 -> hidden -> 10`.
    pub hidden: usize,
    pub test_images: usize,
}

/// The experiment's size: full, or with `--quick`.
pub fn size(lab: &Lab) -> Size {
    lab.size(
        Size {
            train_images: vec![500, 1000, 2000, 5000, 10_000, 60_000],
            epochs: 20,
            max_steps: 1000,
            hidden: 128,
            test_images: 10_000,
        },
        Size {
            train_images: vec![100, 300],
            epochs: 2,
            max_steps: 20,
            hidden: 32,
            test_images: 1000,
        },
    )
}

/// Adam at chapter 5's rate for every model and size: nothing is tuned per point.
pub const LR: f32 = 1e-3;

/// The three models, with the batch size each trains with.
fn models(size: &Size) -> [(&'static str, NetConfig, usize); 3] {
    [
        ("linear", NetConfig::new(Arch::Linear), 64),
        ("MLP", NetConfig::new(Arch::Mlp(vec![size.hidden])), 64),
        ("CNN", NetConfig::new(Arch::keras_cnn()), 32),
    ]
}

/// Steps for `n` training images at `batch` per step: `epochs` passes, at most `max_steps`.
pub fn steps(size: &Size, n: usize, batch: usize) -> usize {
    (size.epochs * n.div_ceil(batch)).min(size.max_steps)
}

#[derive(Debug, Serialize)]
struct Point {
    model: &'static str,
    train_images: usize,
    steps: usize,
    test_accuracy: Spread,
}

/// Runs the experiment, writes its figures and tables, and returns what it found.
///
/// # Errors
/// If a figure or table cannot be written.
pub fn run(lab: &Lab, session: &mut run::Session) -> anyhow::Result<Finding> {
    let clock = Clock::start();
    let size = size(lab);
    let models = models(&size);
    let (digits, seeds) = (lab.digits, &lab.seeds);
    let sizes: Vec<usize> = size
        .train_images
        .iter()
        .map(|&n| n.min(digits.train.len()))
        .collect();
    let test = digits.test_rows(size.test_images);
    // The slowest runs first, so that neither thread is left with a long one at the end.
    let mut points: Vec<(usize, usize)> = (0..models.len())
        .flat_map(|m| (0..sizes.len()).map(move |n| (m, n)))
        .collect();
    points.sort_by_key(|&(m, n)| std::cmp::Reverse((m, steps(&size, sizes[n], models[m].2))));
    let runs = lab.run(session, "learning curve", points.len() * seeds.len(), |i| {
        let ((m, n), seed) = (points[i / seeds.len()], seeds[i % seeds.len()]);
        let (_, net, batch) = &models[m];
        let mut config = TrainConfig::new(
            net.clone(),
            Method::Adam,
            LR,
            steps(&size, sizes[n], *batch),
        );
        config.batch_size = *batch;
        let rows = digits.any_training_rows(sizes[n], seed);
        // No validation split: nothing is chosen, and the test set is evaluated once.
        let (mut trained, outcome) =
            train(&config, &digits.train, &rows, &[], digits.classes, seed);
        let test = evaluate(&mut trained, &digits.test, &test);
        Tested { outcome, test }
    });
    let runs_at = |m: usize, n: usize| {
        let p = points
            .iter()
            .position(|&q| q == (m, n))
            .expect("every point ran");
        &runs[p * seeds.len()..(p + 1) * seeds.len()]
    };
    let mut results = Vec::new();
    for (m, (name, _, batch)) in models.iter().enumerate() {
        for (n, &images) in sizes.iter().enumerate() {
            results.push(Point {
                model: name,
                train_images: images,
                steps: steps(&size, images, *batch),
                test_accuracy: accuracy_spread(runs_at(m, n).iter().map(|r| r.test)),
            });
        }
    }
    let point = |m: usize, n: usize| &results[m * sizes.len() + n];

    let series: Vec<Series> = models
        .iter()
        .enumerate()
        .map(|(m, (name, _, _))| {
            let points = (0..sizes.len())
                .map(|n| ((sizes[n] as f64).log10(), point(m, n).test_accuracy.mean));
            Series::new(*name, points)
        })
        .collect();
    plot::line_chart(
        &session.output("learning_curve.svg"),
        "Test accuracy against training-set size (mean of the seeds)",
        "log10(training images)",
        "test accuracy",
        &series,
        Scale::Linear,
    )?;
    let rows: Vec<Vec<String>> = sizes
        .iter()
        .enumerate()
        .map(|(n, images)| {
            let mut row = vec![images.to_string()];
            row.extend((0..models.len()).map(|m| point(m, n).test_accuracy.percent()));
            row
        })
        .collect();
    write_text(
        session,
        "table.md",
        &table(&["training images", "linear", "MLP", "CNN"], &rows),
    )?;
    write_json(
        session,
        "results.json",
        &serde_json::json!({ "size": size, "points": results }),
    )?;

    println!("training images  linear          MLP             CNN");
    for row in &rows {
        println!("{:15}  {:15} {:15} {}", row[0], row[1], row[2], row[3]);
    }
    let mut finding = Finding {
        params: models[2].1.num_parameters((28, 28), digits.classes),
        ..Finding::default()
    };
    let last = sizes.len() - 1;
    for (m, key) in ["linear", "mlp", "cnn"].iter().enumerate() {
        finding.spread(
            &format!("learning_curve_{key}_smallest_test_accuracy"),
            &point(m, 0).test_accuracy,
        );
        finding.spread(
            &format!("learning_curve_{key}_largest_test_accuracy"),
            &point(m, last).test_accuracy,
        );
    }
    finding.count(runs.iter().map(|r| &r.outcome));
    finding.seconds = clock.seconds();
    Ok(finding)
}
