//! The figures the chapter shows, written into the output folder by the run itself.

use std::path::Path;

use anyhow::Context;
use ndarray::{Array2, Array3, ArrayView3, Axis};
use plot::{Bars, Boundary, Normalise, Scale, Series};

use crate::mixture::{Mixture, MixtureRun, Snapshot, GRID, GRID_EXTENT};
use crate::score::{Origin, Score};

/// Images as bytes `[N, H, W]` in a grid of `cols` columns, each pixel 3×3, as a PNG.
///
/// # Errors
/// If the file cannot be written.
pub fn image_grid(path: &Path, images: ArrayView3<u8>, cols: usize) -> anyhow::Result<()> {
    let grey: Vec<Array2<f32>> = images
        .outer_iter()
        .map(|image| image.mapv(|p| f32::from(p) / 255.0))
        .collect();
    let views: Vec<_> = grey.iter().map(|g| g.view()).collect();
    plot::image_grid(path, &views, cols, 3, Normalise::Clamp)
        .with_context(|| format!("writing {}", path.display()))
}

/// The samples drawn from the same latent points after each epoch: one row per epoch.
///
/// # Errors
/// If the file cannot be written.
pub fn progress_strip(path: &Path, rows: &[Array3<u8>]) -> anyhow::Result<()> {
    let cols = rows.first().map_or(1, |r| r.len_of(Axis(0)));
    let views: Vec<ArrayView3<u8>> = rows.iter().map(|r| r.view()).collect();
    let all = ndarray::concatenate(Axis(0), &views).context("rows of the same size")?;
    image_grid(path, all.view(), cols)
}

/// Both players' losses on MNIST, `(epoch, discriminator, generator)`.
///
/// # Errors
/// If the file cannot be written.
pub fn mnist_losses(path: &Path, losses: &[(f64, f64, f64)]) -> anyhow::Result<()> {
    let series = [
        Series::new("discriminator", losses.iter().map(|&(e, d, _)| (e, d))),
        Series::new("generator", losses.iter().map(|&(e, _, g)| (e, g))),
    ];
    plot::line_chart(
        path,
        "MNIST: the two players' losses",
        "epoch",
        "loss (binary cross-entropy)",
        &series,
        Scale::Linear,
    )
    .with_context(|| format!("writing {}", path.display()))
}

/// One picture of the 2-D game: the real mixture and the generated points, over the plane
/// shaded by what the discriminator calls it (real where `D > 0.5`).
///
/// # Errors
/// If the file cannot be written.
pub fn mixture_snapshot(
    path: &Path,
    title: &str,
    real: &[(f64, f64)],
    snapshot: &Snapshot,
) -> anyhow::Result<()> {
    let points: Vec<(f64, f64)> = real.iter().chain(&snapshot.points).copied().collect();
    let labels: Vec<usize> = (0..points.len())
        .map(|i| usize::from(i >= real.len()))
        .collect();
    // The surface was sampled on a grid; each place takes its nearest grid point's verdict.
    let cell = |v: f64| {
        let i = ((v + GRID_EXTENT) / (2.0 * GRID_EXTENT) * (GRID - 1) as f64).round();
        i.clamp(0.0, (GRID - 1) as f64) as usize
    };
    let says = |x: f64, y: f64| usize::from(snapshot.surface[cell(y) * GRID + cell(x)] < 0.5);
    plot::decision_boundary(
        path,
        title,
        "x",
        "y",
        &points,
        &labels,
        &["real (D: real)", "generated (D: fake)"],
        Boundary::Regions(&says),
    )
    .with_context(|| format!("writing {}", path.display()))
}

/// Modes covered after each snapshot, one line per objective.
///
/// # Errors
/// If the file cannot be written.
pub fn mixture_coverage(
    path: &Path,
    runs: &[&MixtureRun],
    mixture: &Mixture,
) -> anyhow::Result<()> {
    let series: Vec<Series> = runs
        .iter()
        .map(|run| {
            let points = run
                .snapshots
                .iter()
                .map(|s| (s.step as f64, s.coverage.modes_covered as f64));
            Series::new(format!("{} loss", run.objective.name()), points)
        })
        .collect();
    plot::line_chart(
        path,
        &format!("Modes covered (of {})", mixture.modes),
        "step",
        "modes with >= 5% of samples within 3σ",
        &series,
        Scale::Linear,
    )
    .with_context(|| format!("writing {}", path.display()))
}

/// The share of samples the scorer puts in each class, beside the real test set's, over the
/// even share (10%) and the target's floor (5%).
///
/// # Errors
/// If the file cannot be written.
pub fn class_shares(path: &Path, generated: &Score, real: &Score) -> anyhow::Result<()> {
    let percent = |s: &Score| s.class_shares.iter().map(|v| 100.0 * v).collect::<Vec<_>>();
    let classes: Vec<String> = (0..generated.class_shares.len())
        .map(|c| c.to_string())
        .collect();
    plot::bar_chart(
        path,
        "What the scorer calls each sample",
        "class (the scorer's most likely digit)",
        "share of images (%)",
        &classes,
        &[
            Bars::new("generated", percent(generated)),
            Bars::new("real test set", percent(real)),
        ],
        &[(10.0, "even share (10%)"), (5.0, "target's floor (5%)")],
    )
    .with_context(|| format!("writing {}", path.display()))
}

/// The scores and class shares as a markdown table, for the chapter.
///
/// # Errors
/// If the file cannot be written.
pub fn score_table(
    path: &Path,
    generated: &Score,
    real: &Score,
    origin: &Origin,
) -> anyhow::Result<()> {
    let mut table = String::from("| | score | rarest class |");
    for c in 0..generated.class_shares.len() {
        table.push_str(&format!(" {c} |"));
    }
    table.push_str("\n|---|---:|---:|");
    table.push_str(&"---:|".repeat(generated.class_shares.len()));
    for (name, s) in [
        ("generated (10,000 samples)", generated),
        ("real test set", real),
    ] {
        table.push_str(&format!(
            "\n| {name} | {:.2} | {:.1}% |",
            s.inception,
            100.0 * s.min_share()
        ));
        for share in &s.class_shares {
            table.push_str(&format!(" {:.1}% |", 100.0 * share));
        }
    }
    table.push_str(&format!("\n\nScored by {}.\n", origin.describe()));
    run::write_atomic(path, table.as_bytes())
}
