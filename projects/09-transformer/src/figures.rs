//! The figures and tables the chapter shows, written by the run itself.

use std::fmt::Write as _;
use std::path::Path;

use charlm::Baseline;
use plot::{Scale, Series};

use crate::train::Training;

/// The validation loss (and training loss) against seconds of training, with the n-gram
/// baselines from bigram up drawn across as flat lines.
///
/// # Errors
/// If the figure cannot be written.
pub fn loss_against_time(
    path: &Path,
    title: &str,
    training: &Training,
    baselines: &[Baseline],
) -> anyhow::Result<()> {
    let end = training.train_seconds;
    let mut series = vec![
        Series::new(
            "transformer, validation",
            training.curve.iter().map(|p| (p.seconds, p.valid_loss)),
        ),
        Series::new(
            "transformer, training",
            training.curve.iter().map(|p| (p.seconds, p.train_loss)),
        ),
    ];
    for b in baselines.iter().filter(|b| b.order >= 2) {
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

/// Samples as a markdown document: a heading per point of training, the text in a block.
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
