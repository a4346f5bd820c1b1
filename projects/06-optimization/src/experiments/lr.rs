//! `lr`: how to find a learning rate, and how to move it during training.
//!
//! First the learning-rate range test (Smith, 2017): one short run whose rate grows by the
//! same factor every step, from far too small to far too large, recording the loss. The loss
//! falls faster as the rate grows, bottoms out, then explodes; a safe peak rate is a tenth
//! of the rate at the bottom. Then the five schedules of [`Schedule`], with the same budget
//! of steps, at that peak and at ten times it.

use plot::{Scale, Series};
use rand::seq::SliceRandom;
use serde::Serialize;

use super::{
    accuracy_spread, cell, mean_curve, write_json, write_text, Clock, Finding, Lab, Tested,
};
use crate::digits::Examples;
use crate::models::{Arch, Net, NetConfig};
use crate::optimizers::{Method, Optimizer};
use crate::schedules::Schedule;
use crate::stats::{table, Spread};
use crate::train::{evaluate, train, TrainConfig};

/// How big the experiment is.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Size {
    /// Hidden units of the MLP `784 -> hidden -> 10` (the `optimizers` experiment's).
    pub hidden: usize,
    pub train_images: usize,
    /// Steps of the range test, from [`RANGE`]'s first rate to its last.
    pub range_steps: usize,
    /// Steps of each schedule's run.
    pub steps: usize,
    pub batch: usize,
    pub validation_images: usize,
    pub test_images: usize,
}

/// The experiment's size: full, or with `--quick`.
pub fn size(lab: &Lab) -> Size {
    lab.size(
        Size {
            hidden: 128,
            train_images: 50_000,
            range_steps: 400,
            steps: 3000,
            batch: 64,
            validation_images: 5000,
            test_images: 10_000,
        },
        Size {
            hidden: 32,
            train_images: 2000,
            range_steps: 60,
            steps: 100,
            batch: 64,
            validation_images: 500,
            test_images: 1000,
        },
    )
}

/// The range test's first and last rates.
pub const RANGE: (f32, f32) = (1e-4, 10.0);

/// The optimiser of the whole experiment: SGD with Nesterov momentum, whose results depend
/// on the rate and its schedule more than adaptive methods' do.
pub const METHOD: Method = Method::Nesterov;

// ANCHOR: range_test
/// The learning-rate range test: a fresh network trained with a rate growing from `from`
/// to `to` by the same factor every step, for `steps` steps. Returns each step's rate and
/// the loss smoothed by a running mean (bias-corrected, as Adam corrects its means), up to
/// where the smoothed loss is four times the lowest it reached: past that, it only explodes.
#[allow(clippy::too_many_arguments)] // each is one thing the test is about
pub fn range_test(
    net: &NetConfig,
    set: &Examples,
    rows: &[usize],
    classes: usize,
    (from, to): (f32, f32),
    steps: usize,
    batch_size: usize,
    seed: u64,
) -> RangeTest {
    let mut rngs = run::Rngs::new(seed);
    let net = Net::new(net, (set.height, set.width), classes, &mut rngs.init);
    let mut optimizer = Optimizer::new(net.parameters(), METHOD, from, 0.0);
    let growth = (to / from).powf(1.0 / (steps - 1).max(1) as f32); // the same factor every step
    let mut order = rows.to_vec();
    order.shuffle(&mut rngs.shuffle);
    let (beta, mut mean, mut lowest) = (0.98, 0.0, f64::INFINITY);
    let mut curve = Vec::new();
    for (step, batch) in order
        .chunks_exact(batch_size)
        .cycle()
        .take(steps)
        .enumerate()
    {
        let (x, labels) = set.batch(batch, None::<&mut rand_chacha::ChaCha8Rng>);
        let loss = tensor::cross_entropy(&net.forward(&x, None), &labels);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        optimizer.lr *= growth;

        let loss = f64::from(loss.item());
        mean = beta * mean + (1.0 - beta) * loss;
        let smoothed = mean / (1.0 - beta.powi(step as i32 + 1));
        if !smoothed.is_finite() || smoothed > 4.0 * lowest {
            break;
        }
        lowest = lowest.min(smoothed);
        curve.push((from * growth.powi(step as i32), smoothed));
    }
    RangeTest { curve }
}
// ANCHOR_END: range_test

/// What a range test measured.
pub struct RangeTest {
    /// `(learning rate, smoothed loss)` at each step, until the loss exploded.
    pub curve: Vec<(f32, f64)>,
}

impl RangeTest {
    /// The peak rate it suggests: a tenth of the rate with the lowest smoothed loss.
    pub fn suggested_peak(&self) -> f32 {
        let lowest = self
            .curve
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("the range test ran at least one step");
        lowest.0 / 10.0
    }
}

#[derive(Debug, Serialize)]
struct ScheduleResult {
    schedule: &'static str,
    peak: f32,
    validation_accuracy: Spread,
    test_accuracy: Spread,
    final_train_loss: Spread,
    diverged: usize,
}

/// The two peaks the schedules are tried at: the range test's suggestion, and ten times
/// more (the rate at the bottom of the range test's curve), where a constant rate is too
/// high to settle.
const PEAKS: [(&str, f32); 2] = [("suggested peak", 1.0), ("ten times higher", 10.0)];

/// Runs the experiment, writes its figures and tables, and returns what it found.
///
/// # Errors
/// If a figure or table cannot be written.
pub fn run(lab: &Lab, session: &mut run::Session) -> anyhow::Result<Finding> {
    let clock = Clock::start();
    let size = size(lab);
    let net = NetConfig::new(Arch::Mlp(vec![size.hidden]));
    let (digits, seeds) = (lab.digits, &lab.seeds);

    // The range test, once per seed.
    let tests = lab.run(session, "lr range test", seeds.len(), |i| {
        let rows = digits.training_rows(size.train_images, seeds[i]);
        let (set, classes) = (&digits.train, digits.classes);
        range_test(
            &net,
            set,
            &rows,
            classes,
            RANGE,
            size.range_steps,
            size.batch,
            seeds[i],
        )
    });
    let suggestions: Vec<f32> = tests.iter().map(RangeTest::suggested_peak).collect();
    // The geometric mean: rates are compared by ratios.
    let log_mean =
        suggestions.iter().map(|r| f64::from(r.ln())).sum::<f64>() / suggestions.len() as f64;
    let peak = (log_mean.exp() as f32 * 1e4).round() / 1e4; // four decimals read better
    println!("range test: suggested peak rates {suggestions:?}, geometric mean {peak}");

    // The schedules at both peaks, with the same budget.
    let (validation, test) = (
        digits.validation_rows(size.validation_images),
        digits.test_rows(size.test_images),
    );
    let at = |times: f32| (peak * times * 1e4).round() / 1e4;
    let arms: Vec<(f32, Schedule)> = PEAKS
        .iter()
        .flat_map(|&(_, times)| Schedule::ALL.map(|s| (at(times), s)))
        .collect();
    let runs = lab.run(session, "lr schedules", arms.len() * seeds.len(), |i| {
        let ((peak, schedule), seed) = (arms[i / seeds.len()], seeds[i % seeds.len()]);
        let mut config = TrainConfig::new(net.clone(), METHOD, peak, size.steps);
        config.schedule = schedule;
        config.batch_size = size.batch;
        let rows = digits.training_rows(size.train_images, seed);
        let (mut trained, outcome) = train(
            &config,
            &digits.train,
            &rows,
            &validation,
            digits.classes,
            seed,
        );
        let test = evaluate(&mut trained, &digits.test, &test);
        Tested { outcome, test }
    });
    let runs_of = |a: usize| &runs[a * seeds.len()..(a + 1) * seeds.len()];
    let results: Vec<ScheduleResult> = arms
        .iter()
        .enumerate()
        .map(|(a, &(peak, schedule))| {
            let runs = runs_of(a);
            let last_loss = |r: &Tested| r.outcome.train_loss.last().map_or(f64::NAN, |p| p.1);
            ScheduleResult {
                schedule: schedule.name(),
                peak,
                validation_accuracy: accuracy_spread(
                    runs.iter().map(|r| r.outcome.final_validation()),
                ),
                test_accuracy: accuracy_spread(runs.iter().map(|r| r.test)),
                final_train_loss: Spread::of(runs.iter().map(last_loss)),
                diverged: runs
                    .iter()
                    .filter(|r| r.outcome.diverged_at.is_some())
                    .count(),
            }
        })
        .collect();

    // Figures: the range test with the two peaks, the schedules' shapes, their losses.
    let mut range: Vec<Series> = tests
        .iter()
        .zip(seeds)
        .map(|(test, seed)| {
            let points = test
                .curve
                .iter()
                .map(|&(lr, loss)| (f64::from(lr).log10(), loss));
            Series::new(format!("seed {seed}"), points)
        })
        .collect();
    let top = range
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    for (name, times) in PEAKS {
        let x = f64::from(at(times)).log10();
        range.push(Series::new(
            format!("{name} {}", at(times)),
            [(x, 0.0), (x, top)],
        ));
    }
    plot::line_chart(
        &session.output("range_test.svg"),
        "Learning-rate range test: loss as the rate grows every step",
        "log10(learning rate)",
        "training loss (smoothed)",
        &range,
        Scale::Linear,
    )?;
    let shapes: Vec<Series> = Schedule::ALL
        .iter()
        .map(|s| {
            let every = (size.steps / 200).max(1);
            let points = (0..size.steps)
                .step_by(every)
                .map(|t| (t as f64, f64::from(s.lr(1.0, t, size.steps))));
            Series::new(s.name(), points)
        })
        .collect();
    plot::line_chart(
        &session.output("schedules.svg"),
        "The five schedules: the learning rate as a fraction of the peak",
        "step",
        "learning rate / peak",
        &shapes,
        Scale::Linear,
    )?;
    for (p, (name, times)) in PEAKS.iter().enumerate() {
        let losses: Vec<Series> = Schedule::ALL
            .iter()
            .enumerate()
            .map(|(s, schedule)| {
                let curve = mean_curve(
                    runs_of(p * Schedule::ALL.len() + s)
                        .iter()
                        .map(|r| &r.outcome),
                );
                Series::new(schedule.name(), curve)
            })
            .collect();
        plot::line_chart(
            &session.output(&format!("loss_peak_{}.svg", p + 1)),
            &format!(
                "Training loss, peak rate {} ({name}), mean of the seeds",
                at(*times)
            ),
            "step",
            "cross-entropy (running mean)",
            &losses,
            Scale::Log,
        )?;
    }
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.schedule.to_owned(),
                r.peak.to_string(),
                r.final_train_loss.plain(4),
                cell(&r.validation_accuracy, r.diverged),
                r.test_accuracy.percent(),
            ]
        })
        .collect();
    let header = [
        "schedule",
        "peak rate",
        "final training loss",
        "validation accuracy",
        "test accuracy",
    ];
    write_text(session, "table.md", &table(&header, &rows))?;
    let range_curves: Vec<&Vec<(f32, f64)>> = tests.iter().map(|t| &t.curve).collect();
    write_json(
        session,
        "results.json",
        &serde_json::json!({ "size": size, "range_test": range_curves, "suggested_peaks": suggestions,
            "peak": peak, "schedules": results }),
    )?;

    println!("schedule          peak    training loss    test accuracy");
    for r in &results {
        let loss = r.final_train_loss.plain(4);
        println!(
            "{:17} {:7} {loss:16} {}",
            r.schedule,
            r.peak,
            r.test_accuracy.percent()
        );
    }
    let mut finding = Finding {
        params: net.num_parameters((28, 28), digits.classes),
        ..Finding::default()
    };
    finding
        .metrics
        .push(("lr_range_test_peak".into(), f64::from(peak)));
    for (r, &(peak_rate, _)) in results.iter().zip(&arms) {
        let key = r.schedule.replace(" + ", "_").replace('-', "_");
        let at = if peak_rate == peak { "" } else { "high_" };
        finding.spread(&format!("lr_{at}{key}_test_accuracy"), &r.test_accuracy);
    }
    finding.count(runs.iter().map(|r| &r.outcome));
    let range_steps: usize = tests.iter().map(|t| t.curve.len()).sum();
    finding.runs += tests.len();
    finding.steps += range_steps;
    finding.examples += range_steps * size.batch;
    finding.seconds = clock.seconds();
    Ok(finding)
}
