//! The fast engine's `softmax` along the last axis (`ops/softmax.rs`): each row shifted by
//! its max, exponentiated by the vectorised `exp` of `fast/math.rs`, divided by its sum;
//! rows split between the ops' threads when there are many. Attention takes the softmax of
//! every row of its `[B, H, T, T]` scores, forward and backward, in every layer.

use ndarray::ArrayD;

use crate::fast::elementwise::standard_vec;
use crate::fast::math;
use crate::fast::parallel::{map_pieces, pieces_for};
use crate::tensor::Data;

/// The softmax of each row (along the last axis) of `x`, whose last axis has `n > 0`
/// elements.
pub(crate) fn softmax_rows(x: &Data) -> ArrayD<f32> {
    let n = *x.shape().last().expect("at least one axis");
    let mut y = standard_vec(&x.view());
    let rows = y.len() / n;
    map_pieces(&mut y, rows, pieces_for(rows * n), |_, piece| {
        for row in piece.chunks_exact_mut(n) {
            let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            row.iter_mut().for_each(|v| *v -= max);
            math::exp_in_place(row);
            let inverse = 1.0 / row.iter().sum::<f32>();
            row.iter_mut().for_each(|v| *v *= inverse);
        }
    });
    ArrayD::from_shape_vec(x.shape(), y).expect("same length")
}

/// The backward pass of [`softmax_rows`]: `dx = y ⊙ (g - Σ g⊙y)`, the sum along each row,
/// for the softmax's output `y` (row-major, as `softmax_rows` made it).
pub(crate) fn softmax_rows_backward(g: &ArrayD<f32>, y: &Data) -> ArrayD<f32> {
    let n = *y.shape().last().expect("at least one axis");
    let ys = y.as_slice().expect("the softmax's own output is row-major");
    let mut dx = standard_vec(&g.view());
    let rows = dx.len() / n;
    map_pieces(&mut dx, rows, pieces_for(rows * n), |range, piece| {
        let ys = &ys[range.start * n..range.end * n];
        for (d, y) in piece.chunks_exact_mut(n).zip(ys.chunks_exact(n)) {
            let dot: f32 = d.iter().zip(y).map(|(&d, &y)| d * y).sum();
            d.iter_mut().zip(y).for_each(|(d, &y)| *d = y * (*d - dot));
        }
    });
    ArrayD::from_shape_vec(g.shape(), dx).expect("same length")
}
