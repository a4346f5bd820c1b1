//! The figures and tables the chapter shows, written by the runs themselves.

use std::fmt::Write as _;
use std::path::Path;

use charlm::Baseline;
use plot::{Scale, Series};

use crate::train::Training;

/// Validation loss against seconds of training for each run in `runs` (a name and its
/// training), with the n-gram baselines from bigram up drawn across as flat lines.
///
/// # Errors
/// If the figure cannot be written.
pub fn loss_against_time(
    path: &Path,
    title: &str,
    runs: &[(String, &Training)],
    baselines: &[Baseline],
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
    for b in baselines.iter().filter(|b| b.order >= 3) {
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

/// A markdown table: a header row and rows of cells.
pub fn markdown_table(header: &[&str], align_right: &[bool], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", header.join(" | "));
    for &right in align_right {
        out.push_str(if right { "---:|" } else { "---|" });
    }
    out.push('\n');
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}
