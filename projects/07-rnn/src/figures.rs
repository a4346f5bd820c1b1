//! The figures and tables the chapter shows, written by the run itself.

use std::fmt::Write as _;
use std::path::Path;

use data::text::Vocab;
use plot::{Scale, Series};
use tensor::Tensor;

use crate::minimal::MinimalRun;
use crate::model::CharRnn;

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
    // The caption says which unit, and how closely it follows its feature over the passage
    // (a correlation of ±1 would be a perfect, straight-line match). The blank line after
    // it lets Markdown (the chapter includes this file) take the <pre> block whole.
    let mut out = format!(
        "<p><em>Hidden unit {} follows {}: correlation {:.2} over this passage.</em></p>\n\n\
         <pre style=\"line-height: 1.35; padding: 0.6em; background: #fff; color: #000\">",
        unit.unit, unit.feature, unit.correlation
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

/// How strongly the loss at the last of `len` steps depends on each hidden state before
/// it: `‖∂loss_T/∂h_{T-k}‖` for `k = 0 .. len`, relative to `k = 0`, averaged over
/// `chunks` passages of `ids` (each read after a warm-up of 64 characters, so the state is
/// a typical one). Computed with the chain rule of backpropagation through time:
/// `∂loss/∂h_{t-1} = (∂loss/∂h_t ⊙ (1 - h_t²))·W_hhᵀ`.
///
/// # Panics
/// If `ids` is shorter than `chunks · (len + 64) + 1`.
#[track_caller]
pub fn gradient_through_time(model: &CharRnn, ids: &[u32], len: usize, chunks: usize) -> Vec<f64> {
    use ndarray::{Array1, Array2};
    let two_d = |t: &Tensor| -> Array2<f32> { t.to_array().into_dimensionality().expect("2-D") };
    let one_d = |t: &Tensor| -> Array1<f32> { t.to_array().into_dimensionality().expect("1-D") };
    let (embedding, w_hh, w_hy) = (
        two_d(&model.embedding),
        two_d(&model.w_hh),
        two_d(&model.w_hy),
    );
    let (b_h, b_y) = (one_d(&model.b_h), one_d(&model.b_y));
    let warm = 64;
    assert!(
        ids.len() > chunks * (len + warm),
        "{} characters for {chunks} passages",
        ids.len()
    );
    let mut norms = vec![0.0f64; len];
    for c in 0..chunks {
        let start = c * (len + warm);
        let mut h = Array1::<f32>::zeros(w_hh.nrows());
        let mut hs = Vec::with_capacity(len);
        for (t, &x) in ids[start..start + warm + len].iter().enumerate() {
            h = (&embedding.row(x as usize) + &b_h + &h.dot(&w_hh)).mapv(f32::tanh);
            if t >= warm {
                hs.push(h.clone());
            }
        }
        let target = ids[start + warm + len] as usize;
        let y = h.dot(&w_hy) + &b_y;
        let max = y.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let e = y.mapv(|v| (v - max).exp());
        let mut dy = &e / e.sum();
        dy[target] -= 1.0;
        let mut dh = w_hy.dot(&dy); // dy·W_hyᵀ
        for k in 0..len {
            norms[k] += f64::from(dh.dot(&dh).sqrt());
            let h_t = &hs[len - 1 - k];
            let da = &dh * &h_t.mapv(|v| 1.0 - v * v);
            dh = w_hh.dot(&da); // da·W_hhᵀ
        }
    }
    let first = norms[0];
    norms.iter().map(|n| n / first).collect()
}

/// The figure of [`gradient_through_time`]: one curve per model, on a log scale.
///
/// # Errors
/// If the figure cannot be written.
pub fn gradient_decay(path: &Path, curves: &[(&str, Vec<f64>)]) -> anyhow::Result<()> {
    let series: Vec<Series> = curves
        .iter()
        .map(|(name, norms)| {
            Series::new(*name, norms.iter().enumerate().map(|(k, &n)| (k as f64, n)))
        })
        .collect();
    plot::line_chart(
        path,
        "How far back the gradient reaches",
        "steps back in time, k",
        "‖∂loss_T / ∂h_(T−k)‖, relative to k = 0",
        &series,
        Scale::Log,
    )?;
    Ok(())
}

/// An explanatory diagram, as SVG: the RNN unrolled over four steps, the same three weight
/// matrices at every step.
pub fn unrolled_svg() -> String {
    let (w, h) = (720, 300);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"sans-serif\" font-size=\"15\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n\
         <defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\">\
         <path d=\"M0,0 L8,4 L0,8 z\" fill=\"#444\"/></marker></defs>\n"
    );
    let box_at = |svg: &mut String, x: i32, y: i32, label: &str, fill: &str| {
        let _ = writeln!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"64\" height=\"40\" rx=\"8\" fill=\"{fill}\" stroke=\"#444\"/>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
            x - 32,
            y - 20,
            y + 5
        );
    };
    let arrow = |svg: &mut String,
                 (x1, y1): (i32, i32),
                 (x2, y2): (i32, i32),
                 label: &str,
                 dx: i32,
                 dy: i32| {
        let _ = writeln!(
            svg,
            "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"#444\" stroke-width=\"1.5\" \
             marker-end=\"url(#arrow)\"/><text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#444\">{label}</text>",
            (x1 + x2) / 2 + dx,
            (y1 + y2) / 2 + dy
        );
    };
    box_at(&mut svg, 60, 150, "h₀", "#eeeeee");
    for t in 1..=4 {
        let x = 60 + 150 * t;
        let (ys, hs, xs) = (50, 150, 250);
        box_at(&mut svg, x, xs, &format!("x{}", sub(t as usize)), "#dbe9f6");
        box_at(&mut svg, x, hs, &format!("h{}", sub(t as usize)), "#fde3c8");
        box_at(&mut svg, x, ys, &format!("p{}", sub(t as usize)), "#d9f0d3");
        arrow(&mut svg, (x, xs - 20), (x, hs + 20), "W_xh", 6, 4);
        arrow(&mut svg, (x, hs - 20), (x, ys + 20), "W_hy", 6, 4);
        arrow(&mut svg, (x - 150 + 32, hs), (x - 32, hs), "W_hh", -18, -8);
    }
    let _ = writeln!(
        svg,
        "<text x=\"360\" y=\"292\" text-anchor=\"middle\" font-size=\"13\" fill=\"#444\">\
         the same W_xh, W_hh, W_hy at every step; pₜ predicts xₜ₊₁</text>"
    );
    svg.push_str("</svg>\n");
    svg
}

/// `t` as subscript digits.
fn sub(t: usize) -> String {
    t.to_string()
        .chars()
        .map(|c| char::from_u32(0x2080 + c.to_digit(10).expect("a digit")).expect("a subscript"))
        .collect()
}
