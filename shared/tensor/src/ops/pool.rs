//! Max and average pooling over `k × k` windows (no padding), one window at a time.

use ndarray::{s, Array4, Ix4};

use crate::engine::{engine, Engine};
use crate::fast;
use crate::tensor::Tensor;

/// Checks the input and the window, and returns `[N, C, H, W, OH, OW]`, where
/// `OH = (H - k)/stride + 1` (the same for `OW`).
#[track_caller]
pub(crate) fn pool_shape(x: &Tensor, k: usize, stride: usize, op: &str) -> [usize; 6] {
    let s = x.shape();
    assert!(
        s.len() == 4,
        "{op}: input must be [N, C, H, W], got shape {s:?}"
    );
    assert!(
        k >= 1 && stride >= 1,
        "{op}: window ({k}) and stride ({stride}) must be at least 1"
    );
    assert!(
        s[2] >= k && s[3] >= k,
        "{op}: a {k}x{k} window does not fit an input of shape {s:?}"
    );
    let (oh, ow) = ((s[2] - k) / stride + 1, (s[3] - k) / stride + 1);
    [s[0], s[1], s[2], s[3], oh, ow]
}

// ANCHOR: max_pool2d
/// Largest element of each `k × k` window, stepping by `stride`: `[N, C, H, W]` ->
/// `[N, C, OH, OW]` with `OH = (H - k)/stride + 1`. Backward sends each output's gradient
/// to the input element that was the max (the first in reading order, if several tie).
///
/// # Panics
/// If `x` is not 4-D or the window does not fit; the message names the shape.
#[track_caller]
pub fn max_pool2d(x: &Tensor, k: usize, stride: usize) -> Tensor {
    if engine() == Engine::Fast {
        return fast::pool::max_pool2d(x, k, stride);
    }
    let [n, c, h, w, oh, ow] = pool_shape(x, k, stride, "max_pool2d");
    let xv = x.value().into_dimensionality::<Ix4>().expect("checked 4-D");
    let mut out = Array4::zeros((n, c, oh, ow));
    // For each output, the (row, column) of its maximum: where backward sends its gradient.
    let mut argmax = Array4::from_elem((n, c, oh, ow), (0, 0));
    for ((i, ch, oy, ox), max) in out.indexed_iter_mut() {
        // The window's top left is (top, left); read it row by row.
        let (top, left) = (oy * stride, ox * stride);
        let (mut best, mut best_value) = ((top, left), xv[[i, ch, top, left]]);
        for (dy, dx) in ndarray::indices((k, k)) {
            let (iy, ix) = (top + dy, left + dx);
            if xv[[i, ch, iy, ix]] > best_value {
                // Strictly greater: the first of equal maxima stays.
                (best, best_value) = ((iy, ix), xv[[i, ch, iy, ix]]);
            }
        }
        *max = best_value;
        argmax[[i, ch, oy, ox]] = best;
    }
    Tensor::from_op("max_pool2d", out.into_dyn(), &[x], move |g, _| {
        let mut dx = Array4::zeros((n, c, h, w));
        for ((i, ch, oy, ox), &(iy, ix)) in argmax.indexed_iter() {
            dx[[i, ch, iy, ix]] += g[[i, ch, oy, ox]];
        }
        vec![Some(dx.into_dyn())]
    })
}
// ANCHOR_END: max_pool2d

/// Mean of each `k × k` window, stepping by `stride`. Backward spreads each output's
/// gradient evenly, `g / k²`, over its window.
///
/// # Panics
/// If `x` is not 4-D or the window does not fit; the message names the shape.
#[track_caller]
pub fn avg_pool2d(x: &Tensor, k: usize, stride: usize) -> Tensor {
    if engine() == Engine::Fast {
        return fast::pool::avg_pool2d(x, k, stride);
    }
    let [n, c, h, w, oh, ow] = pool_shape(x, k, stride, "avg_pool2d");
    let xv = x.value().into_dimensionality::<Ix4>().expect("checked 4-D");
    let scale = 1.0 / (k * k) as f32;
    let window = move |oy: usize, ox: usize| {
        let (top, left) = (oy * stride, ox * stride);
        s![top..top + k, left..left + k]
    };
    let out = Array4::from_shape_fn((n, c, oh, ow), |(i, ch, oy, ox)| {
        xv.slice(s![i, ch, .., ..]).slice(window(oy, ox)).sum() * scale
    });
    Tensor::from_op("avg_pool2d", out.into_dyn(), &[x], move |g, _| {
        let mut dx = Array4::<f32>::zeros((n, c, h, w));
        for (i, ch, oy, ox) in ndarray::indices((n, c, oh, ow)) {
            let share = g[[i, ch, oy, ox]] * scale;
            let mut plane = dx.slice_mut(s![i, ch, .., ..]);
            plane.slice_mut(window(oy, ox)).map_inplace(|d| *d += share);
        }
        vec![Some(dx.into_dyn())]
    })
}
