//! The figures and tables the chapter shows, written by the run itself.

use std::fmt::Write as _;
use std::path::Path;

use charlm::Baseline;
use data::text::Vocab;
use plot::{Scale, Series};
use tensor::Tensor;

use crate::minimal::MinimalRun;
use crate::model::CharRnn;
use crate::train::Training;

/// Part 2's validation loss (and training loss) against seconds of training, with the
/// n-gram baselines from bigram up drawn across as flat lines.
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
            "RNN, validation",
            training.curve.iter().map(|p| (p.seconds, p.valid_loss)),
        ),
        Series::new(
            "RNN, training",
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

/// min-char-rnn's smoothed training loss against iterations.
///
/// # Errors
/// If the figure cannot be written.
pub fn minimal_loss(path: &Path, run: &MinimalRun) -> anyhow::Result<()> {
    let series = [Series::new(
        "min-char-rnn, smoothed training loss",
        run.curve.iter().map(|p| (p.iteration as f64, p.loss)),
    )];
    plot::line_chart(
        path,
        "Part 1: min-char-rnn on Tiny Shakespeare",
        "iterations (chunks of 25 characters)",
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

/// The hidden state `[T, H]` of `model` after each character of `ids`, read from zero.
pub fn hidden_states(model: &CharRnn, ids: &[u32]) -> ndarray::Array2<f32> {
    tensor::no_grad(|| {
        let mut h = model.zero_state(1);
        let mut states = Vec::with_capacity(ids.len());
        for &x in ids {
            h = model.forward(&[x], 1, &h).last;
            states.push(h.clone());
        }
        Tensor::concat(&states, 0)
            .to_array()
            .into_dimensionality()
            .expect("[T, H]")
    })
}

/// Which feature of the text a unit follows best.
#[derive(Debug, Clone)]
pub struct TrackedUnit {
    /// The hidden unit.
    pub unit: usize,
    /// What it was compared with, in words.
    pub feature: &'static str,
    /// Pearson correlation of the unit's activation with the feature over the passage.
    pub correlation: f64,
}

/// Finds the hidden unit whose activation follows "how far into the line we are" most
/// closely over `ids` (as the line-length cell of Karpathy's "Visualizing and
/// Understanding Recurrent Networks"), and the one that best tells a speaker's name line
/// (all capitals, ending in a colon) from the speech.
pub fn find_units(states: &ndarray::Array2<f32>, ids: &[u32], vocab: &Vocab) -> Vec<TrackedUnit> {
    let text: Vec<char> = ids
        .iter()
        .map(|&id| vocab.char(id).unwrap_or(' '))
        .collect();
    // Characters since the last newline.
    let mut column = Vec::with_capacity(text.len());
    let mut c = 0.0;
    for &ch in &text {
        c = if ch == '\n' { 0.0 } else { c + 1.0 };
        column.push(c);
    }
    // 1 inside a line that ends in ':' (a speaker's name), else 0.
    let mut name_line = vec![0.0; text.len()];
    let mut start = 0;
    for (i, &ch) in text.iter().enumerate() {
        if ch == '\n' {
            if i > start && text[i - 1] == ':' {
                name_line[start..i].iter_mut().for_each(|v| *v = 1.0);
            }
            start = i + 1;
        }
    }
    let features: [(&'static str, &[f64]); 2] = [
        ("the position in the line", &column),
        ("being in a speaker's name", &name_line),
    ];
    features
        .iter()
        .map(|&(feature, values)| {
            let (unit, correlation) = (0..states.ncols())
                .map(|u| {
                    let acts: Vec<f64> = states.column(u).iter().map(|&a| f64::from(a)).collect();
                    (u, pearson(&acts, values))
                })
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .expect("at least one unit");
            TrackedUnit {
                unit,
                feature,
                correlation,
            }
        })
        .collect()
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

/// An HTML fragment: the passage with each character's background coloured by one hidden
/// unit's activation after reading it (blue for -1, white for 0, red for +1).
pub fn activation_html(
    states: &ndarray::Array2<f32>,
    ids: &[u32],
    vocab: &Vocab,
    unit: &TrackedUnit,
) -> String {
    let mut out = format!(
        "<pre style=\"line-height: 1.35; padding: 0.6em; background: #fff; color: #000\">\
         <!-- unit {} of the hidden state; correlation {:.2} with {} -->\n",
        unit.unit, unit.correlation, unit.feature
    );
    for (&id, &a) in ids.iter().zip(states.column(unit.unit)) {
        let ch = vocab.char(id).unwrap_or('?');
        let a = a.clamp(-1.0, 1.0);
        // Fade from white to red (positive) or blue (negative) with |a|.
        let fade = (255.0 * (1.0 - a.abs())) as u8;
        let (r, g, b) = if a >= 0.0 {
            (255, fade, fade)
        } else {
            (fade, fade, 255)
        };
        let shown = match ch {
            '\n' => "↵\n".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            c => c.to_string(),
        };
        let _ = write!(
            out,
            "<span style=\"background:rgb({r},{g},{b})\">{shown}</span>"
        );
    }
    out.push_str("</pre>\n");
    out
}
