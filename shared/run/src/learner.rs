//! Runs on the learner's own exercise code (a project built with `--features learner`).
//!
//! Such a run says before it trains which functions are the learner's, writes its results
//! beside the reference ones instead of over them, and, when it ends no better than chance,
//! says that an exercise is probably wrong rather than leaving the learner to tune flags.

use crate::{Metric, Report, Session};
use std::path::PathBuf;

impl Session {
    /// Marks this run as one on the learner's code: `yours` is the project's
    /// `YOUR_FUNCTIONS` (the exercises built from `exercises/`). Prints them, and moves the
    /// output folder from `runs/<project>` to `runs/<project>-yours` unless `--out` was given.
    /// Call it right after [`Session::start`], in the `learner` build only:
    ///
    /// ```no_run
    /// # fn main() -> anyhow::Result<()> {
    /// # let common: run::CommonArgs = todo!();
    /// # const YOUR_FUNCTIONS: &[&str] = &["predict"];
    /// let mut session = run::Session::start("01-perceptron", &common, &[])?;
    /// #[cfg(feature = "learner")]
    /// session.on_your_code(YOUR_FUNCTIONS);
    /// # Ok(()) }
    /// ```
    pub fn on_your_code(&mut self, yours: &'static [&'static str]) {
        self.your_functions = Some(yours);
        if self.out_is_default {
            self.out_dir = PathBuf::from("runs").join(format!("{}-yours", self.project));
        }
        println!("{}", your_code_line(yours));
        println!(
            "results go to {} (the reference results stay where they are)",
            self.out_dir.display()
        );
    }

    /// Warns, on standard error, when a run on the learner's code ends at chance: `chance`
    /// lists metrics of `report` where higher is better and 1 is perfect (accuracy, R²) with
    /// what guessing would score. Does nothing on the reference code or for metrics the
    /// report lacks. Returns whether it warned. Call it before [`Session::finish`], so that
    /// the `result:` line stays last.
    pub fn warn_if_at_chance(&self, report: &Report, chance: &[(&str, f64)]) -> bool {
        let warning = self
            .your_functions
            .and_then(|yours| chance_warning(yours, report, chance));
        if let Some(warning) = &warning {
            eprintln!("{warning}");
        }
        warning.is_some()
    }
}

/// The line a run on the learner's code prints before it trains.
fn your_code_line(yours: &[&str]) -> String {
    if yours.is_empty() {
        return "your code: none yet. Every exercise file still holds its todo!() stub, so this \
                run uses the reference solutions; write one and run again"
            .to_owned();
    }
    format!(
        "your code: {} (from exercises/); every other exercise runs its reference solution",
        yours.join(", ")
    )
}

/// True when `value` has come less than a tenth of the way from `chance` to a perfect 1:
/// the run learned nothing worth the name, or did worse than guessing.
pub(crate) fn at_chance(value: f64, chance: f64) -> bool {
    value < chance + (1.0 - chance) / 10.0
}

/// The warning for the metrics of `report` at chance, if any of them is.
fn chance_warning(yours: &[&str], report: &Report, chance: &[(&str, f64)]) -> Option<String> {
    if yours.is_empty() {
        return None;
    }
    let low: Vec<String> = chance
        .iter()
        .filter_map(|&(name, guess)| match report.get(name)? {
            Metric::Real(value) if at_chance(value, guess) => Some(format!(
                "{name} is {value:.4}, where guessing scores {guess:.2}"
            )),
            _ => None,
        })
        .collect();
    if low.is_empty() {
        return None;
    }
    Some(format!(
        "warning: {}. The model learned nothing, so one of your exercises is probably wrong: \
         this run used your {}. `cargo exercises` shows which of their tests fail; \
         `cargo exercises test NAME` shows a test's message.",
        low.join("; "),
        yours.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chance_is_less_than_a_tenth_of_the_way_to_perfect() {
        assert!(at_chance(0.5, 0.5) && at_chance(0.54, 0.5) && at_chance(0.0, 0.5));
        assert!(!at_chance(0.56, 0.5) && !at_chance(0.98, 0.1));
        assert!(at_chance(0.11, 0.1) && !at_chance(0.2, 0.1));
    }

    #[test]
    fn the_warning_names_the_metric_and_every_function_of_the_learner() {
        let report = Report::new("iris")
            .metric("test_accuracy", 0.4667)
            .metric("train_accuracy", 1.0);
        let chance = [("test_accuracy", 0.5), ("missing_metric", 0.5)];
        let warning = chance_warning(&["predict", "update"], &report, &chance).unwrap();
        assert!(
            warning.contains("test_accuracy is 0.4667")
                && warning.contains("predict, update")
                && warning.contains("probably wrong"),
            "{warning}"
        );
        assert!(chance_warning(&["predict"], &report, &[("train_accuracy", 0.5)]).is_none());
        assert!(
            chance_warning(&[], &report, &chance).is_none(),
            "the reference code is not the learner's fault"
        );
    }

    fn session(args: &[&str]) -> Session {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            common: crate::CommonArgs,
        }
        let cli = Cli::parse_from([&["x", "--quiet", "--threads", "1"], args].concat());
        Session::start("01-test", &cli.common, &[]).unwrap()
    }

    #[test]
    fn a_run_on_your_code_writes_beside_the_reference_unless_told_where() {
        let mut yours = session(&[]);
        yours.on_your_code(&["predict"]);
        assert_eq!(yours.out_dir, PathBuf::from("runs/01-test-yours"));
        let mut told = session(&["--out", "elsewhere"]);
        told.on_your_code(&["predict"]);
        assert_eq!(told.out_dir, PathBuf::from("elsewhere"));
    }

    #[test]
    fn only_a_run_on_your_code_warns_and_its_metrics_name_your_functions() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let report = Report::new("iris").metric("test_accuracy", 0.5);
        let chance = [("test_accuracy", 0.5)];
        assert!(!session(&[]).warn_if_at_chance(&report, &chance));
        let mut yours = session(&["--out", out.to_str().unwrap()]);
        yours.on_your_code(&["predict", "update"]);
        assert!(yours.warn_if_at_chance(&report, &chance));
        yours.finish(&report).unwrap();
        let metrics = std::fs::read_to_string(out.join("metrics.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&metrics).unwrap();
        assert_eq!(
            json["your_functions"],
            serde_json::json!(["predict", "update"])
        );
    }

    #[test]
    fn the_first_line_says_whose_code_runs() {
        assert!(your_code_line(&["predict"]).contains("your code: predict"));
        assert!(your_code_line(&[]).contains("reference solutions"));
    }
}
