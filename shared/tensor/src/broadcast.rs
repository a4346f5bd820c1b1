//! Numpy-style broadcasting, forwards and backwards.
//!
//! Forwards, two shapes are lined up from the right; each pair of sizes must be equal or
//! one of them 1, and a missing axis counts as 1: `[4, 1, 3]` with `[5, 3]` gives `[4, 5, 3]`.
//! A size-1 axis is *repeated* to match. Backwards, each repeated copy received its own
//! gradient, and the input's gradient is their sum: sum over the axes that were added in
//! front, and over the axes that were 1 (keeping them, so the shape comes out unchanged).

use ndarray::{ArrayD, Axis, CowArray, IxDyn};

use crate::engine::{engine, Engine};
use crate::fast;

/// The shape two operands broadcast to.
///
/// # Panics
/// If the shapes are incompatible; the message names both.
#[track_caller]
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Vec<usize> {
    let n = a.len().max(b.len());
    // Size of axis `i` (counted in the output) of a shape with fewer axes: 1 if missing.
    let size = |s: &[usize], i: usize| {
        if i + s.len() < n {
            1
        } else {
            s[i + s.len() - n]
        }
    };
    (0..n)
        .map(|i| match (size(a, i), size(b, i)) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => panic!("shapes {a:?} and {b:?} cannot be broadcast together (axis {i} of {n})"),
        })
        .collect()
}

// ANCHOR: reduce_to_shape
/// Undoes a broadcast in the backward pass: sums `grad` (of the broadcast shape) down to
/// `shape`, the shape of the operand before broadcasting. Each element of the result is the
/// sum of `grad` over the axes that broadcasting added in front or repeated from size 1,
/// at that element's position along the others. Nothing is allocated but the result (and
/// a gradient that needs no reducing is returned as it is, not copied).
pub fn reduce_to_shape<'a>(
    grad: impl Into<CowArray<'a, f32, IxDyn>>,
    shape: &[usize],
) -> ArrayD<f32> {
    let grad = grad.into();
    if grad.shape() == shape {
        return grad.into_owned();
    }
    if engine() == Engine::Fast {
        if let Some(sum) = fast::elementwise::sum_leading_axes(&grad.view(), shape) {
            return sum;
        }
    }
    let added = grad.ndim() - shape.len(); // axes put in front by broadcasting
    ArrayD::from_shape_fn(IxDyn(shape), |position| {
        let mut part = grad.view();
        // From the last axis down, so that removing one leaves the lower numbers valid.
        for axis in (0..shape.len()).rev() {
            if shape[axis] == grad.shape()[added + axis] {
                part = part.index_axis_move(Axis(added + axis), position[axis]);
            } // else: size 1, repeated by the broadcast: left in `part`, to be summed
        }
        part.sum()
    })
}
// ANCHOR_END: reduce_to_shape

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    #[test]
    fn shapes_broadcast_from_the_right() {
        assert_eq!(broadcast_shapes(&[4, 1, 3], &[5, 3]), vec![4, 5, 3]);
        assert_eq!(broadcast_shapes(&[], &[2, 2]), vec![2, 2]);
        assert_eq!(broadcast_shapes(&[2, 1], &[1, 7]), vec![2, 7]);
    }

    #[test]
    #[should_panic(expected = "shapes [2, 3] and [4, 3] cannot be broadcast")]
    fn incompatible_shapes_name_both() {
        broadcast_shapes(&[2, 3], &[4, 3]);
    }

    #[test]
    fn reducing_sums_over_repeated_axes() {
        let g = ArrayD::<f32>::ones(IxDyn(&[4, 5, 3]));
        let r = reduce_to_shape(g, &[5, 1]);
        assert_eq!(r.shape(), &[5, 1]);
        assert!(r.iter().all(|&x| x == 12.0));
        // A bias's gradient: the rows summed, on both engines, to the same numbers.
        let g = ndarray::Array::from_shape_fn((7, 2, 3), |(i, j, k)| {
            (i as f32 * 0.37 + j as f32 - k as f32).sin()
        })
        .into_dyn();
        let sums = [crate::Engine::Reference, crate::Engine::Fast]
            .map(|e| crate::with_engine(e, || reduce_to_shape(g.view(), &[2, 3])));
        assert_eq!(sums[0], sums[1]);
        let mut want = 0.0f32;
        for i in 0..7 {
            want += g[[i, 1, 2]]; // down the column, in order
        }
        assert_eq!(sums[1][[1, 2]], want);
        // From a view, summing an added axis and a repeated one, by the definition.
        let g = ndarray::Array::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 12 + j * 4 + k) as f32)
            .into_dyn();
        let r = reduce_to_shape(g.view(), &[1, 4]);
        for k in 0..4 {
            let want: f32 = (0..2)
                .flat_map(|i| (0..3).map(move |j| (i * 12 + j * 4 + k) as f32))
                .sum();
            assert_eq!(r[[0, k]], want);
        }
    }
}
