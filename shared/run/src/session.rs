//! A training run from start to `result:` line.

use crate::{files::write_atomic, CommonArgs, Progress, Rngs};
use anyhow::Context;
use serde_json::{json, Map, Value};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One run of a project: its resolved configuration, random streams, output folder and clock.
///
/// ```no_run
/// # fn main() -> anyhow::Result<()> {
/// # let common: run::CommonArgs = todo!();
/// let mut session = run::Session::start("01-perceptron", &common, &[("epochs", "20".into())])?;
/// // ... train, using session.rngs and session.progress(..) ...
/// let report = run::Report::new("iris").metric("test_accuracy", 1.0);
/// session.finish(&report)?; // writes metrics.json, prints the `result:` line
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Session {
    /// The project's binary name, e.g. `01-perceptron`.
    pub project: String,
    /// Where results go: `--out`, else `runs/<project>`.
    pub out_dir: PathBuf,
    /// Where datasets are read from.
    pub data_dir: PathBuf,
    /// The seed every random stream derives from.
    pub seed: u64,
    /// Worker threads for numeric work.
    pub threads: usize,
    /// One seeded random stream per purpose.
    pub rngs: Rngs,
    /// The project's own settings, as the configuration line shows them (a resumed run must
    /// have the same).
    pub(crate) settings: Vec<(String, String)>,
    animated: bool,
    started: Instant,
    written: Vec<String>,
    /// The exercises this run uses the learner's code for (see `learner.rs`).
    pub(crate) your_functions: Option<&'static [&'static str]>,
    /// True when `--out` was not given, so that a run on the learner's code may move it.
    pub(crate) out_is_default: bool,
}

impl Session {
    /// Sets up the machine (the allocator setting, then the thread count from `--threads` or
    /// `SMALLNETS_THREADS`, applied to every backend), resolves the other common flags, prints
    /// the configuration line (the project's own settings in `config`, then seed, threads and
    /// data folder) and starts the clock. Call it first in `main`, before any other thread
    /// exists (see [`host::memory::keep_freed_memory`]).
    ///
    /// Checks first that the output folder can be written (creating it), and removes the
    /// temporary files of runs killed while they wrote there.
    ///
    /// # Errors
    /// If `SMALLNETS_THREADS` is malformed, or the output folder cannot be written.
    pub fn start(
        project: &str,
        common: &CommonArgs,
        config: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        host::memory::keep_freed_memory();
        let threads = common.threads()?;
        host::threads::use_threads(threads);
        let data_dir = common.data_dir();
        let out_dir = common.out_dir(project);
        // Before any work: a mistyped or read-only --out fails now, not after training.
        host::files::check_writable(&out_dir)?;
        let settings: String = config
            .iter()
            .map(|(name, value)| format!(" {name}={value}"))
            .collect();
        println!(
            "{project}  seed={} threads={threads}{settings}  data={}",
            common.seed,
            data_dir.display()
        );
        Ok(Self {
            project: project.to_owned(),
            out_dir,
            data_dir,
            seed: common.seed,
            threads,
            rngs: Rngs::new(common.seed),
            settings: config
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect(),
            animated: !common.quiet && std::io::stderr().is_terminal(),
            started: Instant::now(),
            written: Vec::new(),
            your_functions: None,
            out_is_default: common.out.is_none(),
        })
    }

    /// A progress display over `total` steps, animated only on a terminal without `--quiet`.
    pub fn progress(&self, label: &str, total: u64) -> Progress {
        Progress::new(label, total, self.animated)
    }

    /// The path of output file `name` in the output folder, remembered for the closing
    /// "wrote ..." line. Writers must still write atomically ([`write_atomic`] or `plot`).
    pub fn output(&mut self, name: &str) -> PathBuf {
        self.written.push(name.to_owned());
        self.out_dir.join(name)
    }

    /// Seconds since [`Session::start`].
    pub fn elapsed_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Writes `metrics.json` (the schema of `CONTRACT.md`) and `metrics.md` (the same numbers
    /// as a table for the book), says what was written, and prints the `result:` line.
    ///
    /// # Errors
    /// If the output folder is not writable.
    pub fn finish(mut self, report: &Report) -> anyhow::Result<()> {
        let json = self.metrics_json(report);
        let text = serde_json::to_string_pretty(&json).context("serialising metrics")? + "\n";
        let metrics_path = self.output("metrics.json");
        write_atomic(&metrics_path, text.as_bytes())?;
        let table_path = self.output("metrics.md");
        write_atomic(&table_path, metrics_table(report).as_bytes())?;
        let mut written = self.written.iter();
        let first = written.next().expect("metrics.json was just recorded");
        let rest: String = written.map(|name| format!(", {name}")).collect();
        println!("wrote {}{rest}", self.out_dir.join(first).display());
        println!("{}", report.result_line());
        Ok(())
    }

    fn metrics_json(&self, report: &Report) -> Value {
        let metrics: Map<String, Value> = report
            .metrics
            .iter()
            .map(|(name, value)| {
                let value = match *value {
                    Metric::Real(x) => json!(x),
                    Metric::Count(n) => json!(n),
                };
                (name.clone(), value)
            })
            .collect();
        let mut json = json!({
            "project": self.project,
            "dataset": report.dataset,
            "metrics": metrics,
            "train_seconds": round(report.train_seconds.unwrap_or_else(|| self.elapsed_seconds()), 3),
            "examples_per_second": round(report.examples_per_second, 1),
            "seed": self.seed,
            "threads": self.threads,
            "params": report.params,
            "peak_rss_mib": peak_rss_mib(),
        });
        if let Some(epochs) = report.epochs {
            json["epochs"] = json!(epochs);
        }
        if let Some(steps) = report.steps {
            json["steps"] = json!(steps);
        }
        if let Some(yours) = self.your_functions {
            json["your_functions"] = json!(yours);
        }
        json
    }
}

/// What a run measured, handed to [`Session::finish`].
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The dataset trained on, e.g. `iris` or `mnist`.
    pub dataset: String,
    /// Named results, in the order the `result:` line shows them.
    pub metrics: Vec<(String, Metric)>,
    /// Epochs trained, if the project counts epochs.
    pub epochs: Option<usize>,
    /// Optimisation steps taken, if the project counts steps.
    pub steps: Option<usize>,
    /// Seconds spent training; defaults to the whole run's time.
    pub train_seconds: Option<f64>,
    /// Training examples processed per second.
    pub examples_per_second: f64,
    /// Number of trained parameters.
    pub params: usize,
}

impl Report {
    /// An empty report about `dataset`.
    pub fn new(dataset: &str) -> Self {
        Self {
            dataset: dataset.to_owned(),
            ..Self::default()
        }
    }

    /// Adds a measured number (units in the name: `train_seconds`, not `train_time`).
    pub fn metric(mut self, name: &str, value: f64) -> Self {
        self.metrics.push((name.to_owned(), Metric::Real(value)));
        self
    }

    /// Adds a count (updates, mistakes, epochs to converge): a whole number in the JSON.
    pub fn count(mut self, name: &str, value: usize) -> Self {
        self.metrics
            .push((name.to_owned(), Metric::Count(value as u64)));
        self
    }

    /// The value of metric `name`, if reported.
    pub fn get(&self, name: &str) -> Option<Metric> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| *m)
    }

    /// The closing line, e.g. `result: test_accuracy=1.0000 updates=7`.
    pub fn result_line(&self) -> String {
        let parts: Vec<String> = self
            .metrics
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        format!("result: {}", parts.join(" "))
    }
}

/// One reported number: a measurement, shown with four decimals, or a count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    Real(f64),
    Count(u64),
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Metric::Real(x) => write!(f, "{x:.4}"),
            Metric::Count(n) => write!(f, "{n}"),
        }
    }
}

/// Stops a diverging run with a message that says so and how to fix it.
///
/// # Errors
/// If `loss` is NaN or infinite.
pub fn check_finite(loss: f64, at: &str) -> anyhow::Result<()> {
    if loss.is_finite() {
        return Ok(());
    }
    anyhow::bail!(
        "training diverged: the loss is {loss} at {at}. Lower the learning rate (--lr), or \
         clip the gradients, and run again; earlier results were left untouched"
    )
}

/// Stops a run whose loss exploded: NaN, infinite, or above `ceiling` (for a classifier, a few
/// times the loss of a uniform guess, `ln(classes)`), with a message that says how to fix it.
///
/// # Errors
/// If `loss` is not finite or exceeds `ceiling`.
pub fn check_diverged(loss: f64, ceiling: f64, at: &str) -> anyhow::Result<()> {
    check_finite(loss, at)?;
    if loss > ceiling {
        anyhow::bail!(
            "training diverged: the loss is {loss:.1} at {at}, above {ceiling:.2}, where no \
             learning run should be. Lower the learning rate (--lr), or clip the gradients, and \
             run again; earlier results were left untouched"
        );
    }
    Ok(())
}

/// Stops a run whose gradient for `parameter` holds a NaN or an infinity, naming the
/// parameter, the place `at` (`epoch 2/12, step 900`; empty when the caller names it) and the
/// fix: for the chapters that
/// compute their gradients by hand (the tensor chapters have `nn::check_gradients`). Call it
/// between the backward pass and the update, so the bad number never reaches the weights.
///
/// # Errors
/// If a value of `gradient` is NaN or infinite.
pub fn check_gradient<'a, T: Copy + Into<f64> + 'a>(
    parameter: &str,
    gradient: impl IntoIterator<Item = &'a T>,
    at: &str,
) -> anyhow::Result<()> {
    let at = if at.is_empty() {
        String::new()
    } else {
        format!(" at {at}")
    };
    match gradient
        .into_iter()
        .map(|&g| g.into())
        .find(|g| !g.is_finite())
    {
        None => Ok(()),
        Some(value) => anyhow::bail!(
            "training diverged: the gradient of `{parameter}` holds {value}{at}. Lower the \
             learning rate (--lr), or clip the gradients, and run again; earlier results were \
             left untouched"
        ),
    }
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// The results as a markdown table, included by the book so that no number is typed by hand.
fn metrics_table(report: &Report) -> String {
    let mut table = String::from("| metric | value |\n|---|---|\n");
    for (name, value) in &report.metrics {
        table.push_str(&format!("| `{name}` | {value} |\n"));
    }
    table
}

/// The most memory this process has held, from Linux's `/proc/self/status` (`VmHWM`);
/// `None` on systems without it.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string(Path::new("/proc/self/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(round(kib / 1024.0, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        common: CommonArgs,
    }

    #[test]
    fn finish_writes_the_contract_schema_and_a_table() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let cli = Cli::parse_from([
            "x",
            "--quiet",
            "--seed",
            "7",
            "--threads",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
        let session = Session::start("01-test", &cli.common, &[("epochs", "3".into())]).unwrap();
        let report = Report {
            epochs: Some(3),
            params: 3,
            examples_per_second: 123.456,
            ..Report::new("iris")
                .metric("test_accuracy", 1.0)
                .metric("test_loss", 0.02712)
                .count("updates", 7)
        };
        assert_eq!(
            report.result_line(),
            "result: test_accuracy=1.0000 test_loss=0.0271 updates=7"
        );
        session.finish(&report).unwrap();
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap())
                .unwrap();
        assert_eq!(json["project"], "01-test");
        assert_eq!(json["dataset"], "iris");
        assert_eq!(json["metrics"]["test_accuracy"], 1.0);
        assert!(json["metrics"]["updates"].is_u64());
        assert_eq!(json["epochs"], 3);
        assert_eq!(json["seed"], 7);
        assert_eq!(json["threads"], 1);
        assert_eq!(json["params"], 3);
        assert_eq!(json["examples_per_second"], 123.5);
        assert!(json["train_seconds"].as_f64().unwrap() >= 0.0);
        assert!(
            json["peak_rss_mib"].as_f64().unwrap() > 0.0,
            "Linux reports VmHWM"
        );
        let table = std::fs::read_to_string(out.join("metrics.md")).unwrap();
        assert!(table.contains("| `test_loss` | 0.0271 |"), "{table}");
    }

    #[test]
    fn an_exploding_loss_stops_the_run_too() {
        assert!(check_diverged(2.0, 23.0, "epoch 1").is_ok());
        let message = check_diverged(3500.0, 23.0, "epoch 1, batch 9")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("3500.0") && message.contains("--lr"),
            "{message}"
        );
        assert!(check_diverged(f64::INFINITY, 23.0, "x").is_err());
    }

    #[test]
    fn a_nan_or_infinite_gradient_stops_the_run_naming_the_parameter() {
        assert!(check_gradient("layers.0.w", &[1.0, -2.0], "step 1").is_ok());
        let message = check_gradient("layers.1.b", &[0.5, f32::NAN], "epoch 2/3, step 40")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("`layers.1.b` holds NaN at epoch 2/3, step 40")
                && message.contains("--lr"),
            "{message}"
        );
        let message = check_gradient("w", &[f32::INFINITY], "step 2").unwrap_err();
        assert!(message.to_string().contains("holds inf"), "{message}");
    }

    #[test]
    fn a_nan_loss_stops_the_run_and_suggests_a_lower_learning_rate() {
        assert!(check_finite(0.5, "epoch 1").is_ok());
        let message = check_finite(f64::NAN, "epoch 3").unwrap_err().to_string();
        assert!(
            message.contains("diverged") && message.contains("epoch 3") && message.contains("--lr")
        );
    }
}
