//! The chapter's experiments, one file each, and what they share: the [`Lab`] (data, seeds,
//! threads), running a batch of trainings with a progress display, and writing what an
//! experiment found.
//!
//! Every experiment repeats each configuration over the lab's seeds (three by default),
//! reports mean ± standard deviation, chooses anything it chooses on the validation split,
//! and evaluates the chosen configurations on the test set once. `--quick` shrinks every
//! experiment to a few seconds (for the tests); its numbers mean little.

pub mod batchnorm;
pub mod init;
pub mod learning_curve;
pub mod lr;
pub mod optimizers;
pub mod search;
pub mod small_data;

use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use crate::digits::Digits;
use crate::jobs::{run_jobs, Parallel};
use crate::stats::Spread;
use crate::train::{Evaluation, Outcome};

/// The experiments, in the chapter's order (and the subcommands' names).
pub const NAMES: [&str; 7] = [
    "optimizers",
    "lr",
    "small-data",
    "init",
    "batchnorm",
    "search",
    "learning-curve",
];

/// What every experiment works with.
pub struct Lab<'a> {
    pub digits: &'a Digits,
    /// One run per seed for each configuration.
    pub seeds: Vec<u64>,
    pub threads: usize,
    pub parallel: Parallel,
    /// Shrink everything to a few seconds.
    pub quick: bool,
}

impl Lab<'_> {
    /// `full` normally, `quick` with `--quick`.
    pub fn size<T>(&self, full: T, quick: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }

    /// Trains `count` runs, `job(i)` for `i` in `0..count`, as the lab's threads allow,
    /// with a progress display labelled `label`; the results in order.
    pub fn run<T: Send>(
        &self,
        session: &run::Session,
        label: &str,
        count: usize,
        job: impl Fn(usize) -> T + Sync,
    ) -> Vec<T> {
        let mut progress = session.progress(label, count as u64);
        let results = run_jobs(count, self.threads, self.parallel, &mut progress, job);
        progress.finish();
        results
    }
}

/// What most jobs hand back: what training did, and the trained network's score on the
/// test set (computed in the job, as the network stays on its thread; reported only for
/// the configurations the experiment chooses on validation).
pub struct Tested {
    pub outcome: Outcome,
    pub test: Evaluation,
}

/// One setting at one learning rate, over the seeds: the row a rate sweep's table and
/// figure are drawn from.
#[derive(Debug, Serialize)]
pub struct Arm {
    pub lr: f32,
    pub validation_accuracy: Spread,
    /// How many of the seeds' runs diverged (each counts as 0% in the mean).
    pub diverged: usize,
}

impl Arm {
    /// The arm of the runs (one per seed) trained at `lr`.
    pub fn over_seeds(lr: f32, runs: &[Tested]) -> Arm {
        Arm {
            lr,
            validation_accuracy: accuracy_spread(runs.iter().map(|r| r.outcome.final_validation())),
            diverged: runs
                .iter()
                .filter(|r| r.outcome.diverged_at.is_some())
                .count(),
        }
    }
}

/// What an experiment found, for its `metrics.json` and the lab's (and, saved as
/// `finding.json`, for a lab resumed with `--resume`).
#[derive(Debug, Default, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Finding {
    /// Named numbers, the means and standard deviations the chapter quotes.
    pub metrics: Vec<(String, f64)>,
    /// Trainings run (a range test counts as one).
    pub runs: usize,
    /// Optimiser steps over all of the experiment's trainings.
    pub steps: usize,
    /// Training images processed (steps × batch) over all of its trainings.
    pub examples: usize,
    /// Parameters of the experiment's main network.
    pub params: usize,
    /// Wall time of the whole experiment.
    pub seconds: f64,
}

impl Finding {
    /// Adds `name` = the mean of `spread`, and `name_std` = its standard deviation.
    pub fn spread(&mut self, name: &str, spread: &Spread) {
        self.metrics.push((name.to_owned(), spread.mean));
        self.metrics.push((format!("{name}_std"), spread.std));
    }

    /// Counts the steps and training images of `outcomes`, and says how many diverged on a
    /// gradient that stopped being a number, and where the first did.
    pub fn count<'a>(&mut self, outcomes: impl IntoIterator<Item = &'a Outcome>) {
        let (mut diverged, mut first) = (0, None);
        for outcome in outcomes {
            self.runs += 1;
            self.steps += outcome.steps;
            self.examples += outcome.examples;
            if let Some(why) = &outcome.diverged_because {
                diverged += 1;
                first.get_or_insert(why);
            }
        }
        if let Some(why) = first {
            println!(
                "  {diverged} training(s) stopped on a gradient that was not a number, counted \
                 as diverged (a rate too high is one of this lab's results); the first: {why}"
            );
        }
    }

    /// The run's report for [`run::Session::finish`].
    pub fn report(&self) -> run::Report {
        let mut report = run::Report::new("mnist");
        for (name, value) in &self.metrics {
            report = report.metric(name, *value);
        }
        run::Report {
            steps: Some(self.steps),
            train_seconds: Some(self.seconds),
            examples_per_second: self.examples as f64 / self.seconds.max(1e-9),
            params: self.params,
            ..report
        }
    }
}

/// A stopwatch for [`Finding::seconds`].
pub struct Clock(Instant);

impl Clock {
    pub fn start() -> Clock {
        Clock(Instant::now())
    }

    pub fn seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

/// Writes `value` as pretty JSON into the session's output folder as `name`.
pub fn write_json(
    session: &mut run::Session,
    name: &str,
    value: &impl Serialize,
) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value).context("serialising results")? + "\n";
    run::write_atomic(&session.output(name), text.as_bytes())
}

/// Writes `text` into the session's output folder as `name`.
pub fn write_text(session: &mut run::Session, name: &str, text: &str) -> anyhow::Result<()> {
    run::write_atomic(&session.output(name), text.as_bytes())
}

/// The mean over runs of their training-loss curves (each `(step, loss)` at the same
/// steps), as points `(step, loss)`; a run that diverged ends its curve early, and the mean
/// at each step is over the runs that got there.
pub fn mean_curve<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Vec<(f64, f64)> {
    let curves: Vec<&Vec<(usize, f64)>> = outcomes.into_iter().map(|o| &o.train_loss).collect();
    let longest = curves.iter().map(|c| c.len()).max().unwrap_or(0);
    (0..longest)
        .map(|i| {
            let at: Vec<(usize, f64)> = curves.iter().filter_map(|c| c.get(i).copied()).collect();
            let mean = at.iter().map(|p| p.1).sum::<f64>() / at.len() as f64;
            (at[0].0 as f64, mean)
        })
        .collect()
}

/// The spread over runs of a number each run's outcome gives.
pub fn spread_of<'a>(
    outcomes: impl IntoIterator<Item = &'a Outcome>,
    f: impl Fn(&Outcome) -> f64,
) -> Spread {
    Spread::of(outcomes.into_iter().map(f))
}

/// The spread of the accuracies of some evaluations.
pub fn accuracy_spread(evaluations: impl IntoIterator<Item = Evaluation>) -> Spread {
    Spread::of(evaluations.into_iter().map(|e| e.accuracy))
}

/// A validation accuracy for a table, with "diverged" when a run of the configuration did
/// (a diverged run counts as 0% in the mean).
pub fn cell(spread: &Spread, diverged: usize) -> String {
    match diverged {
        0 => spread.percent(),
        d if d == spread.values.len() => format!("diverged ({d} of {d})"),
        d => format!("{} ({d} diverged)", spread.percent()),
    }
}
