//! The figures the chapter shows, written into the run's output folder, and the layer table.

use anyhow::Context;
use data::mnist::ImageSet;
use ndarray::{Array2, Axis};
use plot::{Normalise, Scale, Series};
use tensor::Tensor;

use crate::model::Cnn;
use crate::train::{batch, Evaluation, Training};

/// Training and held-out loss and accuracy per epoch (`loss.svg`, `accuracy.svg`).
pub fn curves(session: &mut run::Session, training: &Training) -> anyhow::Result<()> {
    let epochs = &training.epochs;
    let held_out = format!("{} (end of epoch)", training.held_out);
    let per_epoch = |f: fn(&crate::train::EpochStats) -> f64| -> Vec<(f64, f64)> {
        epochs.iter().map(|e| (e.epoch as f64, f(e))).collect()
    };
    let mut losses = vec![
        Series::new("train (epoch mean)", per_epoch(|e| e.train_loss)),
        Series::new(&held_out, per_epoch(|e| e.held_out_loss)),
    ];
    if !training.loss_curve.is_empty() {
        losses.insert(
            0,
            Series::new("train (running)", training.loss_curve.clone()),
        );
    }
    plot::line_chart(
        &session.output("loss.svg"),
        "Cross-entropy loss",
        "epoch",
        "loss",
        &losses,
        Scale::Log,
    )?;
    let accuracy = [
        Series::new("train (during the epoch)", per_epoch(|e| e.train_accuracy)),
        Series::new(&held_out, per_epoch(|e| e.held_out_accuracy)),
    ];
    plot::line_chart(
        &session.output("accuracy.svg"),
        "Accuracy",
        "epoch",
        "fraction correct",
        &accuracy,
        Scale::Linear,
    )?;
    Ok(())
}

// ANCHOR: filters
/// The first layer's filters, each `kernel × kernel` (one input channel), enlarged:
/// `filters.png`, black the most negative weight of each filter, white the most positive.
pub fn filters(session: &mut run::Session, model: &Cnn) -> anyhow::Result<()> {
    let w = model.convs[0].conv.weight.to_array(); // [filters, channels, k, k]
    let (filters, k) = (w.shape()[0], w.shape()[2]);
    let kernels: Vec<Array2<f32>> = (0..filters)
        .map(|f| {
            let taps = w.index_axis(Axis(0), f).index_axis(Axis(0), 0).to_owned();
            taps.into_shape_with_order((k, k)).expect("a k×k kernel")
        })
        .collect();
    let views: Vec<_> = kernels.iter().map(|a| a.view()).collect();
    plot::image_grid(
        &session.output("filters.png"),
        &views,
        8,
        48 / k,
        Normalise::PerImage,
    )?;
    Ok(())
}
// ANCHOR_END: filters

/// The feature maps of held-out image `index` after each convolution's ReLU:
/// `feature_maps_conv1.png`, ... (one tile per filter, each scaled to its own range), and the
/// digit itself, `feature_maps_input.png`.
pub fn feature_maps(
    session: &mut run::Session,
    model: &Cnn,
    held_out: &ImageSet,
    index: usize,
) -> anyhow::Result<()> {
    let x = batch(held_out, &[index]); // [1, 1, H, W]
    let (_, maps) = tensor::no_grad(|| model.forward_with_maps(&x));
    let digit = x
        .to_array()
        .index_axis_move(Axis(0), 0)
        .index_axis_move(Axis(0), 0);
    let digit = digit.into_dimensionality::<ndarray::Ix2>().expect("2-D");
    plot::image_grid(
        &session.output("feature_maps_input.png"),
        &[digit.view()],
        1,
        8,
        Normalise::Clamp,
    )?;
    for (layer, map) in maps.iter().enumerate() {
        let tiles = planes(map);
        let views: Vec<_> = tiles.iter().map(|a| a.view()).collect();
        let size = tiles[0].nrows();
        plot::image_grid(
            &session.output(&format!("feature_maps_conv{}.png", layer + 1)),
            &views,
            if views.len() > 16 { 16 } else { 8 },
            (96 / size).clamp(2, 24),
            Normalise::PerImage,
        )
        .with_context(|| format!("drawing the maps of conv{}", layer + 1))?;
    }
    Ok(())
}

/// The channels of a `[1, C, H, W]` tensor as C images.
fn planes(map: &Tensor) -> Vec<Array2<f32>> {
    let a = map.to_array();
    let a = a.index_axis(Axis(0), 0);
    a.outer_iter()
        .map(|p| p.to_owned().into_dimensionality().expect("2-D"))
        .collect()
}

/// The confusion matrix on the held-out images (`confusion.svg`) and up to 40 of them that
/// the network gets wrong, with its answer and the true class (`misclassified.svg`).
/// `name` says which images they are: `test` or `validation`.
pub fn mistakes(
    session: &mut run::Session,
    name: &str,
    held_out: &ImageSet,
    classes: usize,
    evaluation: &Evaluation,
) -> anyhow::Result<()> {
    let mut counts = Array2::zeros((classes, classes));
    for (&p, &l) in evaluation.predictions.iter().zip(&held_out.labels) {
        counts[[usize::from(l), p]] += 1;
    }
    let names: Vec<String> = (0..classes).map(|c| c.to_string()).collect();
    let title = format!("{name} set: true class (rows) against predicted class (columns)");
    plot::confusion_matrix(
        &session.output("confusion.svg"),
        &(title[..1].to_uppercase() + &title[1..]),
        counts.view(),
        &names,
    )?;
    let all_wrong: Vec<usize> = (0..held_out.len())
        .filter(|&i| evaluation.predictions[i] != usize::from(held_out.labels[i]))
        .collect();
    let wrong = &all_wrong[..all_wrong.len().min(40)];
    if wrong.is_empty() {
        return Ok(());
    }
    let images: Vec<Array2<f32>> = wrong
        .iter()
        .map(|&i| held_out.image(i).mapv(|p| f32::from(p) / 255.0))
        .collect();
    let views: Vec<_> = images.iter().map(|a| a.view()).collect();
    let captions: Vec<String> = wrong
        .iter()
        .map(|&i| {
            // Two short lines, so ten digits fit across the book's column.
            format!(
                "said {}\nis {}",
                evaluation.predictions[i], held_out.labels[i]
            )
        })
        .collect();
    let title = format!(
        "The first {} of {} {name} digits the network gets wrong",
        wrong.len(),
        all_wrong.len()
    );
    plot::captioned_image_grid(
        &session.output("misclassified.svg"),
        &title,
        &views,
        &captions,
        10,
        2,
        Normalise::Clamp,
    )?;
    Ok(())
}

/// The layer table (`layers.md`), for the chapter to set beside the Keras summary.
pub fn layer_table(session: &mut run::Session, model: &Cnn) -> anyhow::Result<()> {
    let mut table = String::from("| layer | output shape | parameters |\n|---|---|---:|\n");
    for row in model.summary() {
        let shape: Vec<String> = row.output.iter().map(usize::to_string).collect();
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            row.name,
            shape.join(" × "),
            row.params
        ));
    }
    let total: usize = model.summary().iter().map(|r| r.params).sum();
    table.push_str(&format!("| total | | {total} |\n"));
    run::write_atomic(&session.output("layers.md"), table.as_bytes())
}
