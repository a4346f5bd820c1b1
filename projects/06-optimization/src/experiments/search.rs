//! `search`: random search against grid search over learning rate × weight decay, with the
//! same number of trials (Bergstra and Bengio, 2012). When one hyperparameter matters much
//! more than the other, a grid of n × n trials tries only n values of the one that matters;
//! n² random trials try n² of them.

use plot::{Guide, Scale, Series};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::{write_json, write_text, Clock, Finding, Lab, Tested};
use crate::models::{Arch, NetConfig};
use crate::optimizers::Method;
use crate::schedules::Schedule;
use crate::stats::{table, Spread};
use crate::train::{evaluate, train, TrainConfig};

/// How big the experiment is.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Size {
    /// Hidden units of the MLP `784 -> hidden -> 10`.
    pub hidden: usize,
    /// The grid is `side × side`; random search gets as many trials.
    pub side: usize,
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
            hidden: 128,
            side: 5,
            train_images: 5000,
            steps: 1000,
            batch: 64,
            validation_images: 2000,
            test_images: 10_000,
        },
        Size {
            hidden: 32,
            side: 3,
            train_images: 500,
            steps: 20,
            batch: 64,
            validation_images: 300,
            test_images: 1000,
        },
    )
}

/// The learning rates searched (SGD with momentum 0.9, cosine schedule), log-uniformly.
pub const LR_RANGE: (f64, f64) = (1e-3, 1.0);
/// The weight decays searched (an L2 penalty), log-uniformly.
pub const DECAY_RANGE: (f64, f64) = (1e-5, 1e-1);

/// One setting of the two hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Trial {
    pub lr: f32,
    pub weight_decay: f32,
}

// ANCHOR: trials
/// The grid: `side` values of each, evenly spaced in log, every pair, in a random order
/// (as trials are run one after another, stopping early leaves a random part of the grid).
pub fn grid(side: usize, rng: &mut impl Rng) -> Vec<Trial> {
    let spaced = |(low, high): (f64, f64), i: usize| {
        let t = i as f64 / (side - 1).max(1) as f64;
        (low.ln() + t * (high.ln() - low.ln())).exp() as f32
    };
    let mut trials: Vec<Trial> = (0..side * side)
        .map(|i| Trial {
            lr: spaced(LR_RANGE, i / side),
            weight_decay: spaced(DECAY_RANGE, i % side),
        })
        .collect();
    trials.shuffle(rng);
    trials
}

/// `count` random trials, each hyperparameter drawn log-uniformly from its range.
pub fn random(count: usize, rng: &mut impl Rng) -> Vec<Trial> {
    let draw = |(low, high): (f64, f64), rng: &mut dyn rand::RngCore| {
        rng.random_range(low.ln()..high.ln()).exp() as f32
    };
    (0..count)
        .map(|_| Trial {
            lr: draw(LR_RANGE, rng),
            weight_decay: draw(DECAY_RANGE, rng),
        })
        .collect()
}
// ANCHOR_END: trials

/// The number of trials at which the chapter compares the two searches early in the race.
pub const EARLY_TRIALS: usize = 5;

/// The best validation accuracy found after each number of trials.
fn best_so_far(accuracies: &[f64]) -> Vec<f64> {
    accuracies
        .iter()
        .scan(f64::NEG_INFINITY, |best, &a| {
            *best = best.max(a);
            Some(*best)
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct SearchResult {
    search: &'static str,
    /// Per seed: every trial and its validation accuracy, in the order run.
    trials: Vec<Vec<(Trial, f64)>>,
    best_validation_accuracy: Spread,
    /// The chosen trial's test accuracy, per seed.
    test_accuracy: Spread,
    distinct_rates: usize,
}

/// Runs the experiment, writes its figures and tables, and returns what it found.
///
/// # Errors
/// If a figure or table cannot be written.
pub fn run(lab: &Lab, session: &mut run::Session) -> anyhow::Result<Finding> {
    let clock = Clock::start();
    let size = size(lab);
    let (digits, seeds) = (lab.digits, &lab.seeds);
    let trials_per_search = size.side * size.side;
    // Per seed, the grid (in its own random order) and the random trials.
    let searches: Vec<[Vec<Trial>; 2]> = seeds
        .iter()
        .map(|&seed| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(11);
            [
                grid(size.side, &mut rng),
                random(trials_per_search, &mut rng),
            ]
        })
        .collect();
    let (validation, test) = (
        digits.validation_rows(size.validation_images),
        digits.test_rows(size.test_images),
    );
    let net = NetConfig::new(Arch::Mlp(vec![size.hidden]));
    let per_seed = 2 * trials_per_search;
    let runs = lab.run(session, "search", seeds.len() * per_seed, |i| {
        let (s, search, t) = (
            i / per_seed,
            (i % per_seed) / trials_per_search,
            i % trials_per_search,
        );
        let (trial, seed) = (searches[s][search][t], seeds[s]);
        let mut config = TrainConfig::new(net.clone(), Method::Momentum, trial.lr, size.steps);
        // Annealed to 0, so that a trial's score is its hyperparameters' and not the noise
        // of wherever a constant rate left the last step.
        config.schedule = Schedule::Cosine;
        config.weight_decay = trial.weight_decay;
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
        // Computed for every trial, reported only for the one each search chooses on
        // validation.
        let test = evaluate(&mut trained, &digits.test, &test);
        Tested { outcome, test }
    });
    let run_of =
        |s: usize, search: usize, t: usize| &runs[s * per_seed + search * trials_per_search + t];

    let results: Vec<SearchResult> = ["grid", "random"]
        .into_iter()
        .enumerate()
        .map(|(search, name)| {
            let mut trials = Vec::new();
            let (mut best, mut tests, mut rates) = (Vec::new(), Vec::new(), Vec::new());
            for (s, planned) in searches.iter().enumerate() {
                let done: Vec<(Trial, f64)> = (0..trials_per_search)
                    .map(|t| {
                        let accuracy = run_of(s, search, t).outcome.final_validation().accuracy;
                        (planned[search][t], accuracy)
                    })
                    .collect();
                let chosen = (0..done.len())
                    .max_by(|&a, &b| done[a].1.total_cmp(&done[b].1))
                    .expect("trials");
                best.push(done[chosen].1);
                tests.push(run_of(s, search, chosen).test.accuracy);
                rates.extend(done.iter().map(|(trial, _)| trial.lr.to_bits()));
                trials.push(done);
            }
            rates.sort_unstable();
            rates.dedup();
            SearchResult {
                search: name,
                trials,
                best_validation_accuracy: Spread::of(best),
                test_accuracy: Spread::of(tests),
                distinct_rates: rates.len(),
            }
        })
        .collect();

    // Best found against trials spent, mean over the seeds.
    let curves: Vec<Series> = results
        .iter()
        .map(|r| {
            let per_seed: Vec<Vec<f64>> = r
                .trials
                .iter()
                .map(|done| best_so_far(&done.iter().map(|d| d.1).collect::<Vec<_>>()))
                .collect();
            let points = (0..trials_per_search).map(|k| {
                let mean = per_seed.iter().map(|c| c[k]).sum::<f64>() / per_seed.len() as f64;
                ((k + 1) as f64, mean)
            });
            Series::new(format!("{} search", r.search), points)
        })
        .collect();
    plot::line_chart(
        &session.output("best_so_far.svg"),
        "Best validation accuracy found against trials spent (mean of the seeds)",
        "trials",
        "best validation accuracy so far",
        &curves,
        Scale::Linear,
    )?;
    // Where the first seed's trials fell, and what each scored against its rate alone.
    let placed: Vec<Series> = results
        .iter()
        .map(|r| {
            let points = r.trials[0]
                .iter()
                .map(|(t, _)| (f64::from(t.lr).log10(), f64::from(t.weight_decay).log10()));
            Series::new(format!("{} trials", r.search), points)
        })
        .collect();
    plot::scatter(
        &session.output("trials.svg"),
        "Where the trials fell (first seed)",
        "log10(learning rate)",
        "log10(weight decay)",
        &placed,
        Guide::None,
    )?;
    let scored: Vec<Series> = results
        .iter()
        .map(|r| {
            let points = r.trials[0]
                .iter()
                .map(|(t, acc)| (f64::from(t.lr).log10(), *acc));
            Series::new(format!("{} trials", r.search), points)
        })
        .collect();
    plot::scatter(
        &session.output("accuracy_by_rate.svg"),
        "Validation accuracy of each trial against its learning rate (first seed)",
        "log10(learning rate)",
        "validation accuracy",
        &scored,
        Guide::None,
    )?;
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.search.to_owned(),
                trials_per_search.to_string(),
                r.distinct_rates.to_string(),
                r.best_validation_accuracy.percent(),
                r.test_accuracy.percent(),
            ]
        })
        .collect();
    let header = [
        "search",
        "trials",
        "learning rates tried (all seeds)",
        "best validation accuracy",
        "test accuracy of the chosen trial",
    ];
    write_text(session, "table.md", &table(&header, &rows))?;
    write_json(
        session,
        "results.json",
        &serde_json::json!({ "size": size, "searches": results }),
    )?;

    for r in &results {
        println!(
            "{:6} search: best validation accuracy {}, chosen trial's test accuracy {}",
            r.search,
            r.best_validation_accuracy.percent(),
            r.test_accuracy.percent()
        );
    }
    let mut finding = Finding {
        params: net.num_parameters((28, 28), digits.classes),
        ..Finding::default()
    };
    for r in &results {
        finding.spread(
            &format!("search_{}_best_validation_accuracy", r.search),
            &r.best_validation_accuracy,
        );
        finding.spread(
            &format!("search_{}_test_accuracy", r.search),
            &r.test_accuracy,
        );
        // The race early on: the best validation accuracy after the first few trials.
        let early = EARLY_TRIALS.min(trials_per_search);
        let after_few = Spread::of(
            r.trials
                .iter()
                .map(|done| best_so_far(&done.iter().map(|d| d.1).collect::<Vec<_>>())[early - 1]),
        );
        finding.spread(
            &format!("search_{}_best_after_{EARLY_TRIALS}_trials", r.search),
            &after_few,
        );
    }
    finding.count(runs.iter().map(|r| &r.outcome));
    finding.seconds = clock.seconds();
    Ok(finding)
}
