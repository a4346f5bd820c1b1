//! Max and average pooling over `k × k` windows (no padding).

use ndarray::{Array4, ArrayD};

use crate::parallel::for_each_piece;
use crate::tensor::Tensor;

/// Output size and checks shared by both poolings.
#[track_caller]
fn pool_shape(x: &Tensor, k: usize, stride: usize, op: &str) -> [usize; 6] {
    let s = x.shape();
    assert!(
        s.len() == 4,
        "{op}: input must be [N, C, H, W], got shape {s:?}"
    );
    assert!(
        k >= 1 && stride >= 1,
        "{op}: window and stride must be at least 1"
    );
    assert!(
        s[2] >= k && s[3] >= k,
        "{op}: a {k}x{k} window does not fit an input of shape {s:?}"
    );
    let (oh, ow) = ((s[2] - k) / stride + 1, (s[3] - k) / stride + 1);
    [s[0], s[1], s[2], s[3], oh, ow]
}

/// Largest element of each `k × k` window, stepping by `stride`: `[N, C, H, W]` ->
/// `[N, C, OH, OW]` with `OH = (H - k)/stride + 1`. Backward sends each output's gradient
/// to the input element that was the max (the first, if several tie).
#[track_caller]
pub fn max_pool2d(x: &Tensor, k: usize, stride: usize) -> Tensor {
    let [n, c, h, w, oh, ow] = pool_shape(x, k, stride, "max_pool2d");
    let xv = x.value().as_standard_layout().into_owned();
    let xs = xv.as_slice().expect("standard");
    // For each output, the flat index (within its plane) of the max: backward needs it.
    let mut argmax = vec![0usize; n * c * oh * ow];
    for_each_piece(&mut argmax, oh * ow, |first, piece| {
        for (i, plane_out) in piece.chunks_mut(oh * ow).enumerate() {
            let plane = &xs[(first + i) * h * w..][..h * w];
            for (pos, best) in plane_out.iter_mut().enumerate() {
                let (y0, x0) = (pos / ow * stride, pos % ow * stride);
                let mut best_at = y0 * w + x0;
                for dy in 0..k {
                    for dx in 0..k {
                        let at = (y0 + dy) * w + x0 + dx;
                        if plane[at] > plane[best_at] {
                            best_at = at;
                        }
                    }
                }
                *best = best_at;
            }
        }
    });
    let out: Vec<f32> = argmax
        .iter()
        .enumerate()
        .map(|(j, &at)| xs[j / (oh * ow) * h * w + at])
        .collect();
    let out = Array4::from_shape_vec((n, c, oh, ow), out)
        .expect("sized")
        .into_dyn();
    Tensor::from_op("max_pool2d", out, &[x], move |g, _| {
        let mut dx = ArrayD::zeros(ndarray::IxDyn(&[n, c, h, w]));
        let d = dx.as_slice_mut().expect("fresh array");
        for ((j, &at), &g) in argmax.iter().enumerate().zip(g.iter()) {
            d[j / (oh * ow) * h * w + at] += g;
        }
        vec![Some(dx)]
    })
}

/// Mean of each `k × k` window, stepping by `stride`. Backward spreads each output's
/// gradient evenly, `g / k²`, over its window.
#[track_caller]
pub fn avg_pool2d(x: &Tensor, k: usize, stride: usize) -> Tensor {
    let [n, c, h, w, oh, ow] = pool_shape(x, k, stride, "avg_pool2d");
    let xv = x.value().as_standard_layout().into_owned();
    let xs = xv.as_slice().expect("standard");
    let scale = 1.0 / (k * k) as f32;
    let mut out = vec![0.0f32; n * c * oh * ow];
    for_each_piece(&mut out, oh * ow, |first, piece| {
        for (i, plane_out) in piece.chunks_mut(oh * ow).enumerate() {
            let plane = &xs[(first + i) * h * w..][..h * w];
            for (pos, o) in plane_out.iter_mut().enumerate() {
                let (y0, x0) = (pos / ow * stride, pos % ow * stride);
                let sum: f32 = (0..k)
                    .flat_map(|dy| (0..k).map(move |dx| (dy, dx)))
                    .map(|(dy, dx)| plane[(y0 + dy) * w + x0 + dx])
                    .sum();
                *o = sum * scale;
            }
        }
    });
    let out = Array4::from_shape_vec((n, c, oh, ow), out)
        .expect("sized")
        .into_dyn();
    Tensor::from_op("avg_pool2d", out, &[x], move |g, _| {
        let mut dx = ArrayD::zeros(ndarray::IxDyn(&[n, c, h, w]));
        let d = dx.as_slice_mut().expect("fresh array");
        for (j, &g) in g.iter().enumerate() {
            let (plane, pos) = (j / (oh * ow), j % (oh * ow));
            let (y0, x0) = (pos / ow * stride, pos % ow * stride);
            for dy in 0..k {
                for dx in 0..k {
                    d[plane * h * w + (y0 + dy) * w + x0 + dx] += g * scale;
                }
            }
        }
        vec![Some(dx)]
    })
}
