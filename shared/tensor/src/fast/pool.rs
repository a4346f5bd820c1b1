//! The fast engine's max and average pooling (the reference is `ops/pool.rs`): planes split
//! between threads, each output written once, max-pooling's comparisons as selects rather
//! than branches, and its argmax kept as `u32`. `pool_plane` is also what the fused
//! convolution and pooling (`conv_pool.rs`) pools each block with.

use std::ops::Range;

use ndarray::{Array4, ArrayD};

use crate::fast::parallel::{for_each_piece, map_zeroed_pieces, pieces_for};
use crate::ops::pool::pool_shape;
use crate::tensor::Tensor;

/// The fast version of [`crate::ops::pool::max_pool2d`]: the same numbers.
#[track_caller]
pub fn max_pool2d(x: &Tensor, k: usize, stride: usize) -> Tensor {
    let [n, c, h, w, oh, ow] = pool_shape(x, k, stride, "max_pool2d");
    let xv = x.value();
    let xv = xv.as_standard_layout(); // a view, no copy, if x is laid out row-major already
    let xs = xv.as_slice().expect("standard");
    let (plane_in, plane_out) = (h * w, oh * ow);
    // For each output, the largest value in its window, and where in its input plane that
    // value is (backward sends the gradient there). A run of planes per thread: each writes
    // its maxima in place and returns its planes' argmax.
    let planes = n * c;
    let pieces = pieces_for(planes * plane_in);
    let (maxima, argmax) =
        map_zeroed_pieces(planes * plane_out, planes, pieces, |range, maxima| {
            let mut argmax = Vec::with_capacity(maxima.len());
            for (p, maxima) in range.clone().zip(maxima.chunks_mut(plane_out)) {
                let plane = &xs[p * plane_in..][..plane_in];
                pool_plane(plane, w, k, stride, maxima, ow, &mut argmax);
            }
            (range, argmax)
        });
    let out = Array4::from_shape_vec((n, c, oh, ow), maxima)
        .expect("sized")
        .into_dyn();
    Tensor::from_op("max_pool2d", out, &[x], move |g, _| {
        let g = g.as_standard_layout();
        let g = g.as_slice().expect("standard");
        // Each input plane gets gradient only from its own outputs: planes split between
        // threads with nothing shared.
        let planes = n * c;
        let pieces = pieces_for(planes * plane_in);
        let (dx, _) = map_zeroed_pieces(planes * plane_in, planes, pieces, |range, piece| {
            for (p, plane) in range.zip(piece.chunks_mut(plane_in)) {
                let g = &g[p * plane_out..][..plane_out];
                for (&at, &g) in winners(&argmax, p, plane_out).iter().zip(g) {
                    plane[at as usize] += g;
                }
            }
        });
        vec![Some(
            ArrayD::from_shape_vec(ndarray::IxDyn(&[n, c, h, w]), dx).expect("sized"),
        )]
    })
}

/// Max-pools one plane (rows `w` long) with `k × k` windows `stride` apart into `maxima`
/// (rows `ow` long), and pushes where in the plane each maximum is onto `argmax`.
pub(crate) fn pool_plane(
    plane: &[f32],
    w: usize,
    k: usize,
    stride: usize,
    maxima: &mut [f32],
    ow: usize,
    argmax: &mut Vec<u32>,
) {
    for (oy, row) in maxima.chunks_mut(ow).enumerate() {
        for (ox, max) in row.iter_mut().enumerate() {
            let corner = oy * stride * w + ox * stride; // window's top left

            // The same function either way: called with a literal 2, the common window,
            // the compiler unrolls its loops into four comparisons.
            let (at, value) = if k == 2 {
                window_max(plane, corner, w, 2)
            } else {
                window_max(plane, corner, w, k)
            };
            argmax.push(at as u32);
            *max = value;
        }
    }
}

/// Plane `p`'s argmax, from the runs of planes the threads pooled.
pub(crate) fn winners(argmax: &[(Range<usize>, Vec<u32>)], p: usize, plane_out: usize) -> &[u32] {
    let (planes, winners) = argmax
        .iter()
        .find(|(planes, _)| planes.contains(&p))
        .expect("every plane was pooled");
    &winners[(p - planes.start) * plane_out..][..plane_out]
}

/// The largest value in the `k × k` window whose top left is `plane[corner]` (rows `w`
/// apart), and where it is: the first of equal maxima.
#[inline(always)]
fn window_max(plane: &[f32], corner: usize, w: usize, k: usize) -> (usize, f32) {
    let (mut best, mut best_value) = (corner, plane[corner]);
    for row in (0..k).map(|dy| corner + dy * w) {
        for (at, &v) in (row..).zip(&plane[row..row + k]) {
            // A select, not a branch: on real data which way it goes is a coin toss, and a
            // mispredicted branch costs more than the comparison.
            let better = v > best_value; // strictly: the first of equal maxima wins
            best = if better { at } else { best };
            best_value = if better { v } else { best_value };
        }
    }
    (best, best_value)
}

/// The fast version of [`crate::ops::pool::avg_pool2d`].
#[track_caller]
pub fn avg_pool2d(x: &Tensor, k: usize, stride: usize) -> Tensor {
    let [n, c, h, w, oh, ow] = pool_shape(x, k, stride, "avg_pool2d");
    let xv = x.value();
    let xv = xv.as_standard_layout(); // a view, no copy, if x is laid out row-major already
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
