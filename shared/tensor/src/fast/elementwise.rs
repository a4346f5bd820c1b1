//! The fast engine's elementwise loops: those of `ops/elementwise.rs`, with a large
//! contiguous array split between threads, and each output allocated once and written once
//! (built in place, never zeroed first). Each returns `None` where it has nothing faster to
//! offer (an array laid out out of order, two shapes to broadcast), and the reference loop
//! runs instead. Every element is computed by the same expression either way: the results
//! are identical.

use ndarray::ArrayD;

use crate::fast::parallel::collect_pieces;
use crate::tensor::Data;

/// `f` applied to each element of a contiguous `x`.
pub(crate) fn map(x: &Data, f: &(impl Fn(f32) -> f32 + Sync)) -> Option<ArrayD<f32>> {
    let xs = x.as_slice()?;
    let out = collect_pieces(xs.len(), 1, |r| xs[r].iter().map(|&x| f(x)));
    Some(ArrayD::from_shape_vec(x.raw_dim(), out).expect("same length"))
}

/// `f` applied to pairs of elements of two contiguous arrays of the same shape.
pub(crate) fn zip_map(
    a: &Data,
    b: &Data,
    f: &(impl Fn(f32, f32) -> f32 + Sync),
) -> Option<ArrayD<f32>> {
    if a.shape() != b.shape() {
        return None;
    }
    let (xs, ys) = (a.as_slice()?, b.as_slice()?);
    let out = collect_pieces(xs.len(), 1, |r| {
        xs[r.clone()].iter().zip(&ys[r]).map(|(&x, &y)| f(x, y))
    });
    Some(ArrayD::from_shape_vec(a.raw_dim(), out).expect("same length"))
}

/// `g · df(x, y)` at each element, when `g`, `x` and `y` are all laid out alike.
pub(crate) fn times_derivative(
    g: &ArrayD<f32>,
    x: &Data,
    y: &Data,
    df: &(impl Fn(f32, f32) -> f32 + Sync),
) -> Option<ArrayD<f32>> {
    let (gs, xs, ys) = (g.as_slice()?, x.as_slice()?, y.as_slice()?);
    let dx = collect_pieces(gs.len(), 1, |r| {
        let (gs, xs, ys) = (&gs[r.clone()], &xs[r.clone()], &ys[r]);
        gs.iter().zip(xs).zip(ys).map(|((&g, &x), &y)| g * df(x, y))
    });
    Some(ArrayD::from_shape_vec(x.raw_dim(), dx).expect("same length"))
}

/// `tanh` of each element of a contiguous `x`, vectorised (`fast/math.rs`), in pieces
/// on the ops' threads when it is large.
pub(crate) fn tanh(x: &Data) -> Option<ArrayD<f32>> {
    let xs = x.as_slice()?;
    let mut out = xs.to_vec();
    let pieces = crate::fast::parallel::pieces_for(out.len());
    let len = out.len();
    crate::fast::parallel::map_pieces(&mut out, len, pieces, |_, piece| {
        crate::fast::math::tanh_in_place(piece)
    });
    Some(ArrayD::from_shape_vec(x.raw_dim(), out).expect("same length"))
}

/// `reduce_to_shape` when the axes summed over are the leading ones (a bias's gradient:
/// `[rows, features]` down to `[features]`): the rows of a contiguous `grad` added one after
/// another, each a vectorised pass. Summed in the same order as the reference (each element
/// down its column), so the same numbers; `None` for any other reduction.
pub(crate) fn sum_leading_axes(
    grad: &ndarray::ArrayViewD<f32>,
    shape: &[usize],
) -> Option<ArrayD<f32>> {
    let values = grad.as_slice()?;
    let added = grad.ndim().checked_sub(shape.len())?;
    // The kept axes must be a tail of grad's axes, every axis before them summed.
    let first_kept = (0..shape.len())
        .find(|&a| shape[a..] == grad.shape()[added + a..])
        .unwrap_or(shape.len());
    if shape[..first_kept].iter().any(|&s| s != 1) {
        return None;
    }
    let width: usize = shape.iter().product();
    let mut sum = vec![0.0f32; width];
    if width > 0 {
        for row in values.chunks_exact(width) {
            for (s, &v) in sum.iter_mut().zip(row) {
                *s += v;
            }
        }
    }
    Some(ArrayD::from_shape_vec(ndarray::IxDyn(shape), sum).expect("the shape's size"))
}
