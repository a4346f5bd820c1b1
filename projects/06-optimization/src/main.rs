//! `06-optimization`: the chapter's seven experiments. See the crate docs and chapter 6.
//!
//! `06-optimization` runs them all; `06-optimization optimizers` (or `lr`, `small-data`,
//! `init`, `batchnorm`, `search`, `learning-curve`) runs one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use optimization::digits::Digits;
use optimization::experiments::{self, Finding, Lab, NAMES};
use optimization::jobs::Parallel;

#[derive(Parser)]
#[command(
    version,
    about = "06 · training well: optimisers, learning rates, initialisation, batch normalisation, \
             regularisation and small data, each answered by an experiment on MNIST",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    lab: LabArgs,
}

#[derive(Subcommand)]
enum Command {
    /// SGD, momentum, Nesterov, RMSprop, Adam and AdamW at three learning rates each.
    Optimizers(LabArgs),
    /// The learning-rate range test, then five schedules at equal budget.
    Lr(LabArgs),
    /// 1,000 training images: no regularisation, each technique alone, all together.
    SmallData(LabArgs),
    /// A 10-layer MLP from five initialisations: activations, gradients, training.
    Init(LabArgs),
    /// The 10-layer MLP with and without batch normalisation, over six learning rates.
    Batchnorm(LabArgs),
    /// Random against grid search over learning rate and weight decay.
    Search(LabArgs),
    /// Test accuracy against training-set size for the linear model, the MLP and the CNN.
    LearningCurve(LabArgs),
}

#[derive(Args, Clone)]
struct LabArgs {
    #[command(flatten)]
    common: run::CommonArgs,
    /// Shrink every experiment to a few seconds (for tests; the numbers mean little).
    #[arg(long)]
    quick: bool,
    /// Runs of each configuration, with seeds --seed, --seed + 1, ...
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=10))]
    seeds: u64,
    /// How to share the threads out: independent trainings side by side, one thread each
    /// (runs), or one training at a time with every op split between the threads (ops).
    #[arg(long, value_enum, default_value_t = Parallel::Runs)]
    parallel: Parallel,
    /// Keep the experiments a killed run of the same lab (same flags, seed and threads)
    /// finished, read back from their folders (`finding.json`), and run only the rest.
    #[command(flatten)]
    resume: run::resume::ResumeArgs,
}

fn main() -> ExitCode {
    run::main_with(|| {
        let cli = Cli::parse();
        let (args, names) = match cli.command {
            None => (cli.lab, &NAMES[..]),
            Some(command) => {
                let (args, index) = match command {
                    Command::Optimizers(a) => (a, 0),
                    Command::Lr(a) => (a, 1),
                    Command::SmallData(a) => (a, 2),
                    Command::Init(a) => (a, 3),
                    Command::Batchnorm(a) => (a, 4),
                    Command::Search(a) => (a, 5),
                    Command::LearningCurve(a) => (a, 6),
                };
                (args, &NAMES[index..=index])
            }
        };
        lab(&args, names)
    })
}

/// Runs the experiments `names`. One experiment writes into `--out` (default
/// `runs/06-optimization/NAME`); all of them write each into its own folder under `--out`
/// (default `runs/06-optimization`), and the lab's metrics.json beside them. A build on
/// your exercise code (`--features learner`) defaults to `runs/06-optimization-yours`.
fn lab(args: &LabArgs, names: &[&str]) -> anyhow::Result<()> {
    let all = names.len() > 1;
    let default = if cfg!(feature = "learner") {
        PathBuf::from("runs/06-optimization-yours")
    } else {
        PathBuf::from("runs/06-optimization")
    };
    let out = match (&args.common.out, all) {
        (Some(dir), _) => dir.clone(),
        (None, true) => default,
        (None, false) => default.join(names[0]),
    };
    let settings = |what: String| {
        vec![
            ("experiments", what),
            ("seeds", args.seeds.to_string()),
            ("parallel", format!("{:?}", args.parallel).to_lowercase()),
            ("quick", args.quick.to_string()),
        ]
    };
    let with_out = |dir: &Path| run::CommonArgs {
        out: Some(dir.to_path_buf()),
        ..args.common.clone()
    };
    let first = if all {
        "all".to_owned()
    } else {
        names[0].to_owned()
    };
    let mut session = run::Session::start("06-optimization", &with_out(&out), &settings(first))?;
    // A run on your exercise code says so, and its metrics.json lists your functions.
    #[cfg(feature = "learner")]
    session.on_your_code(optimization::YOUR_FUNCTIONS);
    check_writable(&out)?;

    let mnist = data::mnist::load(&session.data_dir).context("loading MNIST")?;
    let digits = Digits::new(&mnist);
    let lab = Lab {
        digits: &digits,
        seeds: (0..args.seeds).map(|i| session.seed + i).collect(),
        threads: session.threads,
        parallel: args.parallel,
        quick: args.quick,
    };
    println!(
        "MNIST: {} training images ({} to train on, the last {} for validation), {} test images",
        digits.train.len(),
        digits.trainable(),
        digits.train.len() - digits.trainable(),
        digits.test.len()
    );

    if !all {
        let record = Record::new(&session, settings(names[0].to_owned()));
        let finding = match record.kept(&out, args.resume.resume)? {
            Some(finding) => finding,
            None => experiment(&lab, names[0], &mut session)?,
        };
        session.finish(&finding.report())?;
        return record.save(&out, &finding);
    }
    let mut findings = Vec::new();
    for &name in names {
        let dir = out.join(name);
        check_writable(&dir)?;
        println!();
        let mut part = run::Session::start(
            "06-optimization",
            &with_out(&dir),
            &settings(name.to_owned()),
        )?;
        #[cfg(feature = "learner")]
        part.on_your_code(optimization::YOUR_FUNCTIONS);
        let record = Record::new(&part, settings(name.to_owned()));
        let finding = match record.kept(&dir, args.resume.resume)? {
            Some(finding) => finding,
            None => experiment(&lab, name, &mut part)?,
        };
        part.finish(&finding.report())?;
        // Last, once its figures and metrics are all written: the experiment is done.
        record.save(&dir, &finding)?;
        findings.push((name, finding));
    }
    println!();
    let times = times_table(&findings);
    print!("{times}");
    run::write_atomic(&session.output("times.md"), times.as_bytes())?;
    session.finish(&lab_report(&findings))
}

/// What each experiment took: trainings, steps, images and wall time, as a markdown table.
fn times_table(findings: &[(&str, Finding)]) -> String {
    let mut rows: Vec<Vec<String>> = findings
        .iter()
        .map(|(name, f)| {
            let seconds = format!("{:.0}", f.seconds);
            vec![
                format!("`{name}`"),
                f.runs.to_string(),
                f.steps.to_string(),
                f.examples.to_string(),
                seconds,
            ]
        })
        .collect();
    let total = |f: fn(&Finding) -> usize| {
        findings
            .iter()
            .map(|(_, x)| f(x))
            .sum::<usize>()
            .to_string()
    };
    let seconds: f64 = findings.iter().map(|(_, f)| f.seconds).sum();
    rows.push(vec![
        "all".into(),
        total(|f| f.runs),
        total(|f| f.steps),
        total(|f| f.examples),
        format!("{seconds:.0}"),
    ]);
    let header = [
        "experiment",
        "trainings",
        "optimiser steps",
        "training images",
        "seconds",
    ];
    optimization::stats::table(&header, &rows)
}

/// Runs experiment `name` into `session`'s folder.
fn experiment(lab: &Lab, name: &str, session: &mut run::Session) -> anyhow::Result<Finding> {
    let finding = match name {
        "optimizers" => experiments::optimizers::run(lab, session),
        "lr" => experiments::lr::run(lab, session),
        "small-data" => experiments::small_data::run(lab, session),
        "init" => experiments::init::run(lab, session),
        "batchnorm" => experiments::batchnorm::run(lab, session),
        "search" => experiments::search::run(lab, session),
        "learning-curve" => experiments::learning_curve::run(lab, session),
        other => unreachable!("no experiment {other}"),
    };
    finding.with_context(|| format!("experiment {name}"))
}

/// The whole lab's report: the small-data result the chapter is built to reach, and the
/// time and work of everything.
fn lab_report(findings: &[(&str, Finding)]) -> run::Report {
    let small = &findings
        .iter()
        .find(|(name, _)| *name == "small-data")
        .expect("the lab runs small-data")
        .1;
    let mut total = Finding {
        params: small.params,
        ..Finding::default()
    };
    for key in [
        "small_data_best_test_accuracy",
        "small_data_best_test_accuracy_std",
        "small_data_none_test_accuracy",
        "small_data_none_test_accuracy_std",
    ] {
        let value = small
            .metrics
            .iter()
            .find(|(k, _)| k == key)
            .map_or(f64::NAN, |m| m.1);
        total.metrics.push((key.to_owned(), value));
    }
    for (_, finding) in findings {
        total.steps += finding.steps;
        total.examples += finding.examples;
        total.seconds += finding.seconds;
    }
    total.report()
}

/// An experiment's result as its folder keeps it (`finding.json`), with the run it came
/// from: `--resume` keeps it instead of running the experiment again if that run had the same
/// seed, threads and settings.
///
/// Why a lab resumes by experiment: the whole lab takes minutes, but it is hundreds of
/// trainings of a few seconds each (`times.md`), so what a kill loses is the experiment it
/// interrupts (two minutes at most, `small-data`), not a long training's epochs.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Record {
    seed: u64,
    threads: usize,
    settings: Vec<(String, String)>,
    finding: Finding,
}

impl Record {
    const FILE: &'static str = "finding.json";

    /// The record an experiment run by `session` with `settings` would leave (its finding
    /// still empty).
    fn new(session: &run::Session, settings: Vec<(&str, String)>) -> Record {
        Record {
            seed: session.seed,
            threads: session.threads,
            settings: settings
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
            finding: Finding::default(),
        }
    }

    /// With `resume`, the finding an earlier run of this experiment left in `dir`, if it
    /// left one from the same seed, threads and settings (a damaged or foreign one is run
    /// again, and says why).
    ///
    /// # Errors
    /// Never for a missing or mismatched file; only if `dir` cannot be read at all.
    fn kept(&self, dir: &Path, resume: bool) -> anyhow::Result<Option<Finding>> {
        let path = dir.join(Self::FILE);
        if !resume {
            return Ok(None);
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("--resume: reading {}", path.display()))
            }
        };
        let saved: Record = match serde_json::from_str(&text) {
            Ok(saved) => saved,
            Err(e) => {
                println!(
                    "--resume: {} is damaged ({e}): running it again",
                    path.display()
                );
                return Ok(None);
            }
        };
        let same = (saved.seed, saved.threads, &saved.settings)
            == (self.seed, self.threads, &self.settings);
        if !same {
            println!(
                "--resume: {} is from a run with other flags, seed or threads: running it again",
                path.display()
            );
            return Ok(None);
        }
        println!(
            "resuming from {}: the experiment is done, its result kept ({:.0} s of training)",
            path.display(),
            saved.finding.seconds
        );
        Ok(Some(saved.finding))
    }

    /// Writes the record, with `finding`, into `dir` (atomically).
    ///
    /// # Errors
    /// If the file cannot be written.
    fn save(self, dir: &Path, finding: &Finding) -> anyhow::Result<()> {
        let record = Record {
            finding: finding.clone(),
            ..self
        };
        let text = serde_json::to_string_pretty(&record).context("serialising the finding")?;
        run::write_atomic(&dir.join(Self::FILE), (text + "\n").as_bytes())
    }
}

/// Creates `dir` and checks that a file can be written in it, before any training.
fn check_writable(dir: &Path) -> anyhow::Result<()> {
    let probe = dir.join(".write-test");
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe))
        .with_context(|| {
            format!(
                "cannot write into {}; pass --out with a writable folder",
                dir.display()
            )
        })
}
