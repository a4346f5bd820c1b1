//! The figures and tables the chapter shows, written by the runs themselves.

use std::fmt::Write as _;
use std::path::Path;

use plot::{Scale, Series};
use tensor::Tensor;

use crate::model::CharModel;

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

// ANCHOR: gradient_through_time
/// How strongly the loss at the last of `len` steps depends on the hidden states before
/// it: `‖∂loss_T/∂h_{T-k}‖` (every layer's `h` together) for `k = 0 .. len`, relative to
/// `k = 0`, averaged over `chunks` passages of `ids`, each read after a warm-up of 64
/// characters so that the state is a typical one.
///
/// Autograd computes it: after each step a zero tensor made a parameter is added to each
/// layer's `h`, which changes no value; the gradient that backward leaves on it is the
/// gradient reaching that `h`.
///
/// # Panics
/// If `ids` is shorter than `chunks · (len + 64) + 1`.
#[track_caller]
pub fn gradient_through_time(
    model: &CharModel,
    ids: &[u32],
    len: usize,
    chunks: usize,
) -> Vec<f64> {
    let warm = 64;
    assert!(
        ids.len() > chunks * (len + warm),
        "{} characters for {chunks} passages",
        ids.len()
    );
    let hidden = model.config.hidden;
    let mut norms = vec![0.0f64; len];
    for c in 0..chunks {
        let start = c * (len + warm);
        let warm_up = model.forward(&ids[start..start + warm], 1, &model.zero_state(1), None);
        let mut state = crate::carry_state(&warm_up.last);
        let mut probes: Vec<Vec<Tensor>> = Vec::with_capacity(len);
        let mut top = None;
        for &x in &ids[start + warm..start + warm + len] {
            top = Some(model.step(&[x as usize], &mut state, None));
            let mut at_step = Vec::new();
            for layer in state.iter_mut() {
                let probe = Tensor::param(ndarray::Array2::<f32>::zeros((1, hidden)));
                layer.h = layer.h.add(&probe);
                at_step.push(probe);
            }
            probes.push(at_step);
        }
        // The last step's top h, as the model reads it out (its probe added).
        let top = state.last().map(|s| s.h.clone()).or(top).expect("a step");
        let logits = top.matmul(&model.w_out).add(&model.b_out);
        let target = ids[start + warm + len] as usize;
        tensor::cross_entropy(&logits, &[target]).backward();
        for (k, at_step) in probes.iter().rev().enumerate() {
            let squares: f64 = at_step
                .iter()
                // A probe the loss does not reach has no gradient: zero. (A lower layer's
                // state at the last step only feeds later steps, so the loss never sees it.)
                .flat_map(|p| p.grad().into_iter().flatten())
                .map(|g| f64::from(g) * f64::from(g))
                .sum();
            norms[k] += squares.sqrt();
        }
        for p in model.parameters() {
            p.zero_grad(); // leave the model as it was
        }
    }
    let first = norms[0];
    norms.iter().map(|n| n / first).collect()
}
// ANCHOR_END: gradient_through_time

/// The figure of [`gradient_through_time`]: one curve per model, on a log scale.
///
/// # Errors
/// If the figure cannot be written.
pub fn gradient_decay(path: &Path, curves: &[(String, Vec<f64>)]) -> anyhow::Result<()> {
    let series: Vec<Series> = curves
        .iter()
        .map(|(name, norms)| {
            Series::new(
                name.clone(),
                norms.iter().enumerate().map(|(k, &n)| (k as f64, n)),
            )
        })
        .collect();
    plot::line_chart(
        path,
        "How far back the gradient reaches: RNN and LSTM",
        "steps back in time, k",
        "‖∂loss_T / ∂h_(T−k)‖, relative to k = 0",
        &series,
        Scale::Log,
    )?;
    Ok(())
}

// ANCHOR: line_ends
/// The long-range test: the mean loss (nats) on the newlines that end a line of at least
/// `min_len` characters, and the mean loss on every other character. Where a long line
/// ends depends on how many characters it already has, which lies further back than an
/// n-gram or a quickly forgetting state can see. `losses[i]` is the loss on `ids[i + 1]`
/// ([`crate::train::losses_per_char`]).
pub fn line_end_losses(
    ids: &[u32],
    losses: &[f64],
    newline: u32,
    min_len: usize,
) -> (f64, usize, f64) {
    let (mut ends, mut n_ends, mut rest, mut n_rest) = (0.0, 0usize, 0.0, 0usize);
    let mut line_len = 0;
    for (i, &loss) in losses.iter().enumerate() {
        let next = ids[i + 1];
        line_len = if ids[i] == newline { 0 } else { line_len + 1 };
        if loss.is_nan() {
            continue;
        }
        if next == newline && line_len >= min_len {
            (ends, n_ends) = (ends + loss, n_ends + 1);
        } else {
            (rest, n_rest) = (rest + loss, n_rest + 1);
        }
    }
    (
        ends / n_ends.max(1) as f64,
        n_ends,
        rest / n_rest.max(1) as f64,
    )
}
// ANCHOR_END: line_ends

/// An explanatory diagram, as SVG: the LSTM cell, its gates, and the cell state running
/// straight through (the gradient highway).
pub fn lstm_cell_svg() -> String {
    let (w, h) = (760, 360);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"sans-serif\" font-size=\"15\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n\
         <defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\">\
         <path d=\"M0,0 L8,4 L0,8 z\" fill=\"#444\"/></marker></defs>\n"
    );
    let line = |svg: &mut String, x1: i32, y1: i32, x2: i32, y2: i32, colour: &str, width: i32| {
        let _ = writeln!(
            svg,
            "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{colour}\" stroke-width=\"{width}\" marker-end=\"url(#arrow)\"/>"
        );
    };
    let text = |svg: &mut String, x: i32, y: i32, s: &str| {
        let _ = writeln!(
            svg,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\">{s}</text>"
        );
    };
    let node = |svg: &mut String, x: i32, y: i32, s: &str, fill: &str| {
        let _ = writeln!(
            svg,
            "<circle cx=\"{x}\" cy=\"{y}\" r=\"18\" fill=\"{fill}\" stroke=\"#444\"/>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"18\">{s}</text>",
            y + 6
        );
    };
    let gate = |svg: &mut String, x: i32, y: i32, s: &str, fill: &str| {
        let _ = writeln!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"64\" height=\"34\" rx=\"6\" fill=\"{fill}\" stroke=\"#444\"/>",
            x - 32,
            y - 17
        );
        text(svg, x, y + 5, s);
    };
    // The cell state: one straight line from c_{t-1} to c_t, touched only by × and +.
    let _ = writeln!(svg, "<rect x=\"90\" y=\"40\" width=\"580\" height=\"270\" rx=\"14\" fill=\"#f7f7f7\" stroke=\"#999\"/>");
    line(&mut svg, 20, 80, 222, 80, "#c0392b", 4);
    node(&mut svg, 240, 80, "×", "#fdecea");
    line(&mut svg, 258, 80, 402, 80, "#c0392b", 4);
    node(&mut svg, 420, 80, "+", "#fdecea");
    line(&mut svg, 438, 80, 740, 80, "#c0392b", 4);
    text(&mut svg, 45, 68, "c_{t−1}");
    text(&mut svg, 715, 68, "c_t");
    text(&mut svg, 330, 62, "cell state: the gradient highway");
    // The gates, read from [x_t, h_{t-1}].
    line(&mut svg, 20, 290, 600, 290, "#444", 2);
    text(&mut svg, 50, 330, "h_{t−1}, x_t");
    gate(&mut svg, 240, 210, "f = σ", "#fef5e7");
    gate(&mut svg, 360, 210, "i = σ", "#eafaf1");
    gate(&mut svg, 470, 210, "g = tanh", "#eaf2f8");
    gate(&mut svg, 590, 210, "o = σ", "#f4ecf7");
    for x in [240, 360, 470, 590] {
        line(&mut svg, x, 290, x, 230, "#444", 1);
    }
    line(&mut svg, 240, 193, 240, 100, "#444", 2);
    node(&mut svg, 420, 150, "×", "white");
    line(&mut svg, 360, 193, 405, 163, "#444", 1);
    line(&mut svg, 470, 193, 435, 163, "#444", 1);
    line(&mut svg, 420, 132, 420, 100, "#444", 2);
    // The output: h_t = o ⊙ tanh(c_t).
    gate(&mut svg, 590, 130, "tanh", "white");
    line(&mut svg, 560, 80, 590, 110, "#444", 1);
    node(&mut svg, 650, 170, "×", "white");
    line(&mut svg, 610, 145, 636, 158, "#444", 1);
    line(&mut svg, 610, 200, 634, 180, "#444", 1);
    line(&mut svg, 668, 170, 740, 170, "#444", 2);
    text(&mut svg, 715, 160, "h_t");
    text(&mut svg, 240, 262, "forget");
    text(&mut svg, 360, 262, "input");
    text(&mut svg, 470, 262, "candidate");
    text(&mut svg, 590, 262, "output");
    svg.push_str("</svg>\n");
    svg
}
