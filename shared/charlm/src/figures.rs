//! The figure and the markdown every character model's run writes the same way: the
//! validation loss against seconds of training beside the n-gram baselines, and samples
//! under headings.

use std::fmt::Write as _;
use std::path::Path;

use plot::{Scale, Series};

use crate::training::Training;
use crate::Baseline;

/// Validation loss against seconds of training for each run in `runs` (a name and its
/// training), with the n-gram baselines of order `from_order` and up drawn across as flat
/// lines. A single run also shows its training loss; several (a comparison) show only
/// their validation losses, to keep the figure readable.
///
/// # Errors
/// If the figure cannot be written.
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
