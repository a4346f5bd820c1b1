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
    let out = collect_values(xs.len(), |r| xs[r].iter().map(|&x| f(x)));
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
    let out = collect_values(xs.len(), |r| {
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
    let dx = collect_values(gs.len(), |r| {
        let (gs, xs, ys) = (&gs[r.clone()], &xs[r.clone()], &ys[r]);
        gs.iter().zip(xs).zip(ys).map(|((&g, &x), &y)| g * df(x, y))
    });
    Some(ArrayD::from_shape_vec(x.raw_dim(), dx).expect("same length"))
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

/// The elements of `x` in row-major (logical) order, as a vector. A contiguous array is one
/// copy; an array whose last axis is contiguous (a `narrow` of columns, heads permuted in
/// front of positions) is copied a run at a time; a 2-D transposed array in tiles (see
/// [`transposed_copy`]), and so is an n-D one whose last two axes are swapped (attention's
/// `kᵀ`, and the backward pass of that transpose); only other layouts go element by element.
pub(crate) fn standard_vec(x: &ndarray::ArrayViewD<f32>) -> Vec<f32> {
    if let Some(xs) = x.as_slice() {
        return xs.to_vec();
    }
    let n = x.ndim();
    if n >= 1 && (x.strides()[n - 1] == 1 || x.shape()[n - 1] == 1) {
        let mut out = Vec::with_capacity(x.len());
        for lane in x.lanes(ndarray::Axis(n - 1)) {
            match lane.as_slice() {
                Some(run) => out.extend_from_slice(run),
                None => out.extend(lane.iter().copied()),
            }
        }
        return out;
    }
    if n == 2 {
        if let Some(src) = x.t().as_slice() {
            return transposed_copy(src, x.shape()[1], x.shape()[0]);
        }
    }
    if n >= 2 && x.strides()[n - 2] == 1 && !x.is_empty() {
        return swapped_matrices_copy(x);
    }
    x.iter().copied().collect()
}

/// [`standard_vec`] of an array whose last two axes are swapped: in every matrix of its
/// last two axes the columns, not the rows, are contiguous runs. Each matrix is copied in
/// 16 × 16 tiles as in [`transposed_copy`]; ndarray's element-by-element iterator over
/// such a 4-D view cost a fifth of a transformer's training step.
fn swapped_matrices_copy(x: &ndarray::ArrayViewD<f32>) -> Vec<f32> {
    const TILE: usize = 16;
    let n = x.ndim();
    let (rows, cols) = (x.shape()[n - 2], x.shape()[n - 1]);
    // The columns of all matrices in order: matrix by matrix, column by column.
    let columns: Vec<&[f32]> = x
        .lanes(ndarray::Axis(n - 2))
        .into_iter()
        .map(|column| column.to_slice().expect("a column of unit stride"))
        .collect();
    let mut out = vec![0.0f32; x.len()];
    for (matrix, columns) in out
        .chunks_exact_mut(rows * cols)
        .zip(columns.chunks_exact(cols))
    {
        for c0 in (0..cols).step_by(TILE) {
            let c1 = (c0 + TILE).min(cols);
            for r0 in (0..rows).step_by(TILE) {
                let r1 = (r0 + TILE).min(rows);
                for (c, column) in (c0..c1).zip(&columns[c0..c1]) {
                    for (r, &v) in (r0..r1).zip(&column[r0..r1]) {
                        matrix[r * cols + c] = v;
                    }
                }
            }
        }
    }
    out
}

/// The transpose of the row-major `rows × cols` matrix `src`, row-major (`cols × rows`),
/// copied in 16 × 16 tiles: element by element, every read or every write would land in a
/// different cache line, one number used of each sixteen fetched.
pub(crate) fn transposed_copy(src: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    const TILE: usize = 16;
    assert_eq!(src.len(), rows * cols, "a rows × cols matrix");
    let mut out = vec![0.0f32; rows * cols];
    for r0 in (0..rows).step_by(TILE) {
        let r1 = (r0 + TILE).min(rows);
        for c0 in (0..cols).step_by(TILE) {
            let c1 = (c0 + TILE).min(cols);
            for r in r0..r1 {
                let row = &src[r * cols + c0..r * cols + c1];
                for (c, &v) in (c0..c1).zip(row) {
                    out[c * rows + r] = v;
                }
            }
        }
    }
    out
}

/// `x` in row-major order with `f` applied to it in place, a run at a time (on the ops'
/// threads when large). For the vectorised functions of `fast/math.rs`.
pub(crate) fn map_in_place(x: &Data, f: impl Fn(&mut [f32]) + Sync) -> ArrayD<f32> {
    let mut out = standard_vec(&x.view());
    in_pieces(&mut out, |_, piece| f(piece));
    ArrayD::from_shape_vec(x.shape(), out).expect("same length")
}

/// `g` in row-major order with `f(g_run, other_run)` applied in place, `other` read at the
/// same positions (laid out like `g` or not): a backward pass `g·f'(·)`.
pub(crate) fn zip_in_place(
    g: &ArrayD<f32>,
    other: &Data,
    f: impl Fn(&mut [f32], &[f32]) + Sync,
) -> ArrayD<f32> {
    let mut out = standard_vec(&g.view());
    let other = match other.as_slice() {
        Some(o) => std::borrow::Cow::Borrowed(o),
        None => std::borrow::Cow::Owned(standard_vec(&other.view())),
    };
    in_pieces(&mut out, |range, piece| f(piece, &other[range]));
    ArrayD::from_shape_vec(g.shape(), out).expect("same length")
}

/// From this many elements up to `PARALLEL_MIN_ELEMENTS`, [`in_pieces`] gives half of a run
/// to the partner thread (`fast::partner`), if the ops use more than one thread: an LSTM
/// step's gates (`[32, 1024]`) and cell (`[32, 256]`), one time step after another, too
/// small to wait for rayon's sleeping workers (see `fast::matmul::HALVES_FROM_MADDS`).
const PARTNER_FROM_ELEMENTS: usize = 1 << 13;

/// True if a run of `len` elements is cut in two halves for the partner thread: see
/// [`PARTNER_FROM_ELEMENTS`].
fn for_the_partner(len: usize) -> bool {
    (PARTNER_FROM_ELEMENTS..crate::fast::parallel::PARALLEL_MIN_ELEMENTS).contains(&len)
        && crate::fast::parallel::threads() > 1
}

/// `collect_pieces(len, 1, values)`, or, for a run of [`PARTNER_FROM_ELEMENTS`] elements or
/// more, in two halves, the second on the partner thread, as [`in_pieces`] does. For
/// `values` that compute each element on its own, so the values are the same bit for bit.
///
/// # Panics
/// If `values` yields fewer values than its range holds.
#[allow(unsafe_code)] // one `set_len`, after checking every element was written
fn collect_values<I: Iterator<Item = f32>>(
    len: usize,
    values: impl Fn(std::ops::Range<usize>) -> I + Sync,
) -> Vec<f32> {
    if !for_the_partner(len) {
        return collect_pieces(len, 1, values);
    }
    let at = super::partner::halfway(len);
    let fill = |range: std::ops::Range<usize>, piece: &mut [std::mem::MaybeUninit<f32>]| {
        let mut count = 0;
        for (slot, value) in piece.iter_mut().zip(values(range)) {
            slot.write(value);
            count += 1;
        }
        count == piece.len()
    };
    let mut out: Vec<f32> = Vec::with_capacity(len);
    let (first, second) = out.spare_capacity_mut()[..len].split_at_mut(at);
    let (mut first_full, second_full) = (false, std::sync::Mutex::new(false));
    super::partner::join_owned(
        || first_full = fill(0..at, first),
        second,
        |second| *second_full.lock().expect("not poisoned") = fill(at..len, second),
    );
    assert!(
        first_full && *second_full.lock().expect("not poisoned"),
        "collect_values: a half did not yield one value per element"
    );
    // SAFETY: the two halves cover `out[..len]`, and each wrote every one of its elements
    // (checked above; the second ran, on the partner or on this thread, before `join` returned).
    unsafe { out.set_len(len) };
    out
}

/// `f(range, run)` over the whole of `out` in runs: one run, or two halves with the second
/// on the partner thread (from [`PARTNER_FROM_ELEMENTS`] elements), or one per thread (from
/// `PARALLEL_MIN_ELEMENTS`). For `f`s that compute each element on its own (the same value
/// at any place in any run), so the values are the same bit for bit whatever the cut; the
/// halves are cut at a multiple of 64 elements, so that a vectorised loop takes each element
/// in the same kind of lane as it does over the whole.
fn in_pieces(out: &mut [f32], f: impl Fn(std::ops::Range<usize>, &mut [f32]) + Sync) {
    let len = out.len();
    if for_the_partner(len) {
        let at = super::partner::halfway(len);
        let (first, second) = out.split_at_mut(at);
        super::partner::join_owned(|| f(0..at, first), second, |second| f(at..len, second));
        return;
    }
    let pieces = crate::fast::parallel::pieces_for(len);
    crate::fast::parallel::map_pieces(out, len, pieces, f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fast::math;

    /// Runs cut in halves for the partner thread, or in a piece per thread, hold the same
    /// values bit for bit as the functions over the whole run on one thread (the vectorised
    /// ones in place, and the collected ones), at sizes below,
    /// at and between the thresholds, some not a multiple of 64.
    #[test]
    fn runs_cut_for_the_partner_equal_the_whole_run_bit_for_bit() {
        host::threads::use_threads(2);
        let sizes = [
            100,
            PARTNER_FROM_ELEMENTS - 1,
            PARTNER_FROM_ELEMENTS,
            8192 + 37,
            32 * 1024,
            32 * 1024 + 5,
            crate::fast::parallel::PARALLEL_MIN_ELEMENTS + 3,
        ];
        for len in sizes {
            let xs: Vec<f32> = (0..len)
                .map(|i| ((i * 37 % 1001) as f32 - 500.0) * 0.011)
                .collect();
            let gs: Vec<f32> = (0..len)
                .map(|i| ((i * 53 % 997) as f32 - 498.0) * 0.007)
                .collect();
            let x = Data::from_shape_vec(ndarray::IxDyn(&[len]), xs.clone()).expect("len");
            let g = ArrayD::from_shape_vec(ndarray::IxDyn(&[len]), gs.clone()).expect("len");
            for f in [math::tanh_in_place, math::sigmoid_in_place] {
                let mut want = xs.clone();
                f(&mut want);
                for _ in 0..10 {
                    assert_eq!(map_in_place(&x, f).as_slice(), Some(&want[..]), "{len}");
                }
            }
            // The collected ones (`map`, `zip_map`, `times_derivative`).
            let f = |x: f32| x * 0.7 + 0.3 * x * x;
            let f2 = |x: f32, y: f32| x * y + x;
            let gd = Data::from_shape_vec(ndarray::IxDyn(&[len]), gs.clone()).expect("len");
            let want: Vec<f32> = xs.iter().map(|&x| f(x)).collect();
            let want2: Vec<f32> = xs.iter().zip(&gs).map(|(&x, &y)| f2(x, y)).collect();
            let want3: Vec<f32> = gs.iter().zip(&xs).map(|(&g, &x)| g * f2(x, g)).collect();
            for _ in 0..10 {
                let got = map(&x, &f).expect("contiguous");
                assert_eq!(got.as_slice(), Some(&want[..]), "{len}");
                let got = zip_map(&x, &gd, &f2).expect("contiguous");
                assert_eq!(got.as_slice(), Some(&want2[..]), "{len}");
                let got = times_derivative(&g, &x, &gd, &f2).expect("contiguous");
                assert_eq!(got.as_slice(), Some(&want3[..]), "{len}");
            }
            let df = |y: f32| 1.0 - y * y;
            let mut want = gs.clone();
            math::times_function_of(&mut want, &xs, df);
            for _ in 0..10 {
                let got = zip_in_place(&g, &x, |g, y| math::times_function_of(g, y, df));
                assert_eq!(got.as_slice(), Some(&want[..]), "{len}");
            }
        }
    }
}
