//! The figures and tables the chapter shows, written by the run itself.

use std::fmt::Write as _;

use ndarray::{Array2, Axis};
use nn::Module;

use crate::model::{Dropout, Gpt};
use crate::{block_forward, causal_mask, split_heads};

/// The attention weights of every head of every layer for one sequence `ids` (at most the
/// context): `[layer][head]`, each `[T, T]`, row `i` what position `i` takes from each
/// position (zero after `i`). Recomputed from the model's own parameters with the lesson's
/// functions ([`split_heads`], [`causal_mask`]), since training never keeps them.
pub fn attention_weights(model: &Gpt, ids: &[u32]) -> Vec<Vec<Array2<f32>>> {
    tensor::no_grad(|| {
        let (t, c) = (ids.len(), model.config.width);
        let as_usize: Vec<usize> = ids.iter().map(|&i| i as usize).collect();
        let tokens = model
            .token_embedding
            .index_select(&as_usize)
            .reshape(&[1, t, c]);
        let mut x = tokens.add(&model.position_embedding.narrow(0, 0, t));
        let mut layers = Vec::new();
        for block in &model.blocks {
            let qkv = block.attention.qkv.forward(&block.ln1.forward(&x));
            let heads = block.attention.heads;
            let q = split_heads(&qkv.narrow(2, 0, c), heads);
            let k = split_heads(&qkv.narrow(2, c, c), heads);
            let d = (c / heads) as f32;
            let weights = q
                .matmul(&k.transpose(2, 3))
                .scale(1.0 / d.sqrt())
                .add(&causal_mask(t, t))
                .softmax(3)
                .to_array(); // [1, H, T, T]
            layers.push(
                (0..heads)
                    .map(|h| {
                        weights
                            .index_axis(Axis(0), 0)
                            .index_axis(Axis(0), h)
                            .to_owned()
                            .into_dimensionality()
                            .expect("[T, T]")
                    })
                    .collect(),
            );
            x = block_forward(block, &x, None, &mut Dropout::off());
        }
        layers
    })
}

/// The attention maps of the heads of `layers` (indices) as one SVG: a grid per head, row
/// `i` the position reading, column `j` the position read, darker for more weight; the
/// characters along both axes. Two heads side by side, so that the figure fits the book's
/// column at full size.
pub fn attention_svg(maps: &[Vec<Array2<f32>>], layers: &[usize], chars: &[char]) -> String {
    let t = chars.len();
    let cell = 11.0;
    let label = 14.0;
    let grid = t as f64 * cell;
    let gap = 30.0;
    let heads = maps.first().map_or(0, Vec::len);
    let across = heads.clamp(1, 2);
    let rows_per_layer = heads.div_ceil(across);
    let width = across as f64 * (label + grid + gap) + gap;
    let height = (layers.len() * rows_per_layer) as f64 * (label + grid + 2.0 * gap) + gap;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"9\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    let shown = |c: char| match c {
        '\n' => "⏎".to_string(),
        ' ' => "·".to_string(),
        '<' => "&lt;".to_string(),
        '>' => "&gt;".to_string(),
        '&' => "&amp;".to_string(),
        c => c.to_string(),
    };
    for (n, &layer) in layers.iter().enumerate() {
        for (h, map) in maps[layer].iter().enumerate() {
            let row = n * rows_per_layer + h / across;
            let top = gap + row as f64 * (label + grid + 2.0 * gap);
            let left = gap + (h % across) as f64 * (label + grid + gap);
            let _ = writeln!(
                svg,
                "<text x=\"{left}\" y=\"{}\" font-size=\"12\">layer {}, head {}</text>",
                top - 8.0,
                layer + 1,
                h + 1
            );
            for (i, &ch) in chars.iter().enumerate() {
                let y = top + label + i as f64 * cell;
                let x = left + label + i as f64 * cell;
                let _ = writeln!(
                    svg,
                    "<text x=\"{left}\" y=\"{:.1}\">{}</text><text x=\"{x:.1}\" y=\"{:.1}\">{}</text>",
                    y + 8.5,
                    shown(ch),
                    top + 10.0,
                    shown(ch)
                );
                for j in 0..=i {
                    let w = map[[i, j]];
                    let _ = writeln!(
                        svg,
                        "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{cell}\" height=\"{cell}\" \
                         fill=\"#1f4e9c\" fill-opacity=\"{w:.3}\"/>",
                        left + label + j as f64 * cell
                    );
                }
            }
            let _ = writeln!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"{grid}\" height=\"{grid}\" fill=\"none\" \
                 stroke=\"#999\"/>",
                left + label,
                top + label
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}
