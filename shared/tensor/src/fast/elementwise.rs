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
