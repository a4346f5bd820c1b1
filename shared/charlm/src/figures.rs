//! The figure and the markdown every character model's run writes the same way: the
//! validation loss against seconds of training beside the n-gram baselines (and the same
//! curves as data, so that chapter 9 can draw the three models' runs on one figure), and
//! samples under headings.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use plot::{Scale, Series};
use serde::{Deserialize, Serialize};

use crate::training::{Point, Training};
use crate::Baseline;

/// What [`loss_against_time`] draws, as data: written next to the figure (`loss_time.svg`
/// gets `loss_time.json`), read back by the `beside` binary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossTime {
    /// The figure's title.
    pub title: String,
    /// Each run's curve.
    pub runs: Vec<RunCurve>,
    /// Every n-gram baseline of the run (not only those the figure draws).
    pub baselines: Vec<BaselineLoss>,
}

/// One run's learning curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCurve {
    pub name: String,
    /// Steps trained (the last point's).
    pub steps: usize,
    /// Seconds spent in training steps (evaluation excluded).
    pub train_seconds: f64,
    /// A point at each evaluation: step, seconds, train_loss, valid_loss.
    pub points: Vec<Point>,
}

/// An n-gram baseline's validation loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineLoss {
    /// "bigram", ..., "5-gram".
    pub name: String,
    pub order: usize,
    pub valid_loss: f64,
}

impl LossTime {
    /// The record of `runs` and `baselines` that a figure titled `title` draws.
    pub fn of(title: &str, runs: &[(String, &Training)], baselines: &[Baseline]) -> Self {
        Self {
            title: title.into(),
            runs: runs
                .iter()
                .map(|(name, training)| RunCurve {
                    name: name.clone(),
                    steps: training.curve.last().map_or(0, |p| p.step),
                    train_seconds: training.train_seconds,
                    points: training.curve.clone(),
                })
                .collect(),
            baselines: baselines
                .iter()
                .map(|b| BaselineLoss {
                    name: b.name(),
                    order: b.order,
                    valid_loss: b.valid_loss,
                })
                .collect(),
        }
    }

    /// Reads the record at `path`; `made_by` names the command that writes it, for the
    /// error when it is missing.
    ///
    /// # Errors
    /// If the file is missing (the message names it and `made_by`) or is not such a record.
    pub fn read(path: &Path, made_by: &str) -> anyhow::Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
                "{} does not exist: it is written by `{made_by}` (runs made before the curves \
                 were kept as data have only the figure)",
                path.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a loss-against-time record; make it again with `{made_by}`",
                path.display()
            )
        })
    }
}

impl RunCurve {
    /// What the curve reads at `seconds` of training, by straight lines between its points:
    /// the validation loss and the steps done by then. `None` outside the curve (before its
    /// first point or after its last).
    pub fn at(&self, seconds: f64) -> Option<(f64, f64)> {
        let first = self.points.first()?;
        if seconds < first.seconds {
            return None;
        }
        if seconds == first.seconds {
            return Some((first.valid_loss, first.step as f64));
        }
        self.points.windows(2).find_map(|w| {
            let (a, b) = (w[0], w[1]);
            (a.seconds < seconds && seconds <= b.seconds).then(|| {
                let t = (seconds - a.seconds) / (b.seconds - a.seconds);
                (
                    a.valid_loss + t * (b.valid_loss - a.valid_loss),
                    a.step as f64 + t * (b.step as f64 - a.step as f64),
                )
            })
        })
    }

    /// The validation loss at the last point.
    pub fn final_valid_loss(&self) -> f64 {
        self.points.last().map_or(f64::NAN, |p| p.valid_loss)
    }
}

/// The common budget of `runs`: the shortest run's seconds of training.
pub fn common_budget(runs: &[RunCurve]) -> f64 {
    runs.iter()
        .map(|r| r.points.last().map_or(0.0, |p| p.seconds))
        .fold(f64::INFINITY, f64::min)
}

/// The table beside the figure of several models' runs: each run's steps, seconds and final
/// validation loss, and what its curve reads at the common budget (the shortest run's
/// seconds); the best n-gram last, for scale.
pub fn beside_table(runs: &[RunCurve], best: Option<&BaselineLoss>) -> String {
    let budget = common_budget(runs);
    let mut out = format!(
        "| model | steps | seconds of training | final validation loss | \
         validation loss at {budget:.0} s | steps by {budget:.0} s |\n\
         |---|---:|---:|---:|---:|---:|\n"
    );
    for run in runs {
        let (loss, steps) = run
            .at(budget)
            .map_or(("–".into(), "–".into()), |(loss, steps)| {
                (format!("{loss:.3}"), format!("{steps:.0}"))
            });
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {:.3} | {loss} | {steps} |",
            run.name,
            run.steps,
            run.train_seconds,
            run.final_valid_loss()
        );
    }
    if let Some(b) = best {
        let _ = writeln!(
            out,
            "| {} (the best n-gram) | | | {:.3} | {:.3} | |",
            b.name, b.valid_loss, b.valid_loss
        );
    }
    out
}

/// The figure of several models' runs on the same axes: each run's validation loss against
/// seconds of training, the best n-gram across, and the common budget marked.
///
/// # Errors
/// If the figure cannot be written.
pub fn beside_figure(
    path: &Path,
    title: &str,
    runs: &[RunCurve],
    best: Option<&BaselineLoss>,
) -> anyhow::Result<()> {
    let end = runs.iter().map(|r| r.train_seconds).fold(0.0, f64::max);
    let mut series: Vec<Series> = runs
        .iter()
        .map(|r| {
            Series::new(
                format!("{}, validation", r.name),
                r.points.iter().map(|p| (p.seconds, p.valid_loss)),
            )
        })
        .collect();
    if let Some(b) = best {
        series.push(Series::new(
            format!("{}, validation", b.name),
            [(0.0, b.valid_loss), (end, b.valid_loss)],
        ));
    }
    let ys = runs
        .iter()
        .flat_map(|r| r.points.iter().map(|p| p.valid_loss));
    let (low, high) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let budget = common_budget(runs);
    if low.is_finite() && budget.is_finite() {
        series.push(Series::new(
            format!("the common budget, {budget:.0} s"),
            [(budget, low), (budget, high)],
        ));
    }
    plot::line_chart(
        path,
        title,
        "seconds of training",
        "validation loss (nats per character)",
        &series,
        Scale::Linear,
    )?;
    Ok(())
}

/// Validation loss against seconds of training for each run in `runs` (a name and its
/// training), with the n-gram baselines of order `from_order` and up drawn across as flat
/// lines. A single run also shows its training loss; several (a comparison) show only
/// their validation losses, to keep the figure readable. The curves are also written as
/// data next to the figure, with the extension `.json` ([`LossTime`]).
///
/// # Errors
/// If the figure or its data cannot be written.
pub fn loss_against_time(
    path: &Path,
    title: &str,
    runs: &[(String, &Training)],
    baselines: &[Baseline],
    from_order: usize,
) -> anyhow::Result<()> {
    let end = runs
        .iter()
        .map(|(_, t)| t.train_seconds)
        .fold(0.0, f64::max);
    let mut series = Vec::new();
    for (name, training) in runs {
        series.push(Series::new(
            format!("{name}, validation"),
            training.curve.iter().map(|p| (p.seconds, p.valid_loss)),
        ));
    }
    if let [(name, training)] = runs {
        series.push(Series::new(
            format!("{name}, training"),
            training.curve.iter().map(|p| (p.seconds, p.train_loss)),
        ));
    }
    for b in baselines.iter().filter(|b| b.order >= from_order) {
        series.push(Series::new(
            format!("{}, validation", b.name()),
            [(0.0, b.valid_loss), (end, b.valid_loss)],
        ));
    }
    plot::line_chart(
        path,
        title,
        "seconds of training",
        "loss (nats per character)",
        &series,
        Scale::Linear,
    )?;
    let data = serde_json::to_string_pretty(&LossTime::of(title, runs, baselines))?;
    run::write_atomic(&path.with_extension("json"), data.as_bytes())?;
    Ok(())
}

/// Samples as a markdown document: a heading per sample, the text in a block.
pub fn samples_markdown(samples: &[(String, String)]) -> String {
    let mut out = String::new();
    for (heading, text) in samples {
        let _ = write!(
            out,
            "**{heading}**\n\n```text\n{}\n```\n\n",
            text.trim_end()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(name: &str, points: &[(usize, f64, f64)]) -> RunCurve {
        RunCurve {
            name: name.into(),
            steps: points.last().unwrap().0,
            train_seconds: points.last().unwrap().1,
            points: points
                .iter()
                .map(|&(step, seconds, valid_loss)| Point {
                    step,
                    seconds,
                    train_loss: valid_loss + 0.1,
                    valid_loss,
                })
                .collect(),
        }
    }

    #[test]
    fn a_curve_reads_between_its_points_and_nothing_outside() {
        let c = curve("a", &[(50, 10.0, 3.0), (100, 20.0, 2.0), (300, 60.0, 1.0)]);
        assert_eq!(c.at(10.0), Some((3.0, 50.0)));
        assert_eq!(c.at(15.0), Some((2.5, 75.0)));
        assert_eq!(c.at(40.0), Some((1.5, 200.0)));
        assert_eq!(c.at(60.0), Some((1.0, 300.0)));
        assert_eq!((c.at(5.0), c.at(61.0)), (None, None));
    }

    #[test]
    fn the_table_compares_every_run_at_the_shortest_runs_seconds() {
        let short = curve("RNN", &[(50, 10.0, 3.0), (100, 20.0, 2.0)]);
        let long = curve(
            "LSTM",
            &[(50, 10.0, 3.5), (100, 30.0, 2.5), (200, 40.0, 2.0)],
        );
        let best = BaselineLoss {
            name: "5-gram".into(),
            order: 5,
            valid_loss: 1.75,
        };
        assert_eq!(common_budget(&[short.clone(), long.clone()]), 20.0);
        let table = beside_table(&[short, long], Some(&best));
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert!(lines[0].contains("validation loss at 20 s"), "{table}");
        assert_eq!(lines[2], "| RNN | 100 | 20 | 2.000 | 2.000 | 100 |");
        assert_eq!(lines[3], "| LSTM | 200 | 40 | 2.000 | 3.000 | 75 |");
        assert_eq!(
            lines[4],
            "| 5-gram (the best n-gram) | | | 1.750 | 1.750 | |"
        );
    }

    #[test]
    fn the_figure_writes_its_curves_as_data_that_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut training = Training::default();
        training.step_done(std::time::Instant::now(), 3.0, 10, false);
        training.evaluated(1, 2.5);
        let baselines = [Baseline {
            order: 2,
            k: 0.5,
            valid_loss: 2.4,
            test_loss: None,
        }];
        let svg = dir.path().join("loss_time.svg");
        loss_against_time(&svg, "t", &[("RNN".into(), &training)], &baselines, 2).unwrap();
        let back = LossTime::read(&dir.path().join("loss_time.json"), "make it").unwrap();
        assert_eq!(
            back,
            LossTime::of("t", &[("RNN".into(), &training)], &baselines)
        );
        assert_eq!(
            (back.runs[0].steps, back.baselines[0].name.as_str()),
            (1, "bigram")
        );
    }

    #[test]
    fn a_missing_record_names_the_file_and_the_command_that_makes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("07-rnn/loss_time.json");
        let error = LossTime::read(&path, "bash scripts/book-figures.sh 07-rnn").unwrap_err();
        let message = format!("{error:#}");
        assert!(message.contains("07-rnn/loss_time.json"), "{message}");
        assert!(
            message.contains("`bash scripts/book-figures.sh 07-rnn`"),
            "{message}"
        );
    }
}
