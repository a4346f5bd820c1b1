//! The fast engine's matrix product: the `gemm` crate's kernels (`fast/gemm.rs`), on the
//! ops' threads, reading transposed operands where they are.

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};

use crate::fast::gemm::gemm;

/// `a·b` for `a: [m, k]`, `b: [k, n]`, as `ops::matmul`'s reference `mm`.
pub(crate) fn mm(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
    let mut c = Array2::zeros((a.nrows(), b.ncols()));
    gemm(1.0, a, b, 0.0, c.view_mut());
    c
}

/// `a[i]·b[i]` for each `i` of a batch, as `ops::matmul`'s reference `bmm`: each product
/// written in place in the output.
pub(crate) fn bmm(a: ArrayView3<f32>, b: ArrayView3<f32>) -> Array3<f32> {
    let mut c = Array3::zeros((a.len_of(Axis(0)), a.len_of(Axis(1)), b.len_of(Axis(2))));
    for ((a, b), c) in a.outer_iter().zip(b.outer_iter()).zip(c.outer_iter_mut()) {
        gemm(1.0, a, b, 0.0, c);
    }
    c
}
