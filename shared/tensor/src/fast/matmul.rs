//! The fast engine's matrix product: the `gemm` crate's kernels (`fast/gemm.rs`), on the
//! ops' threads, reading transposed operands where they are.

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis, CowArray, Ix2};

use crate::fast::gemm::gemm;

/// Below this many rows of `a`, a product whose right operand is stored column by column
/// is computed transposed (see [`mm`]).
const TRANSPOSE_BELOW_M: usize = 128;

/// `a·b` for `a: [m, k]`, `b: [k, n]`, as `ops::matmul`'s reference `mm`.
///
/// The backward pass of `x·W` multiplies by `Wᵀ`, a view of `W` with its strides swapped:
/// column-major. When `x` has few rows (a recurrent step: `[32, 1024]·[1024, 256]`) the
/// gemm crate reads such an operand across its rows, about 5x slower than a row-major one.
/// So the product is computed transposed, `a·b = (bᵀ·aᵀ)ᵀ`, where `bᵀ` (`W` itself) is
/// row-major; only the small `aᵀ` and the result are copied (see shared/tensor/README.md).
pub(crate) fn mm(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
    let (m, n) = (a.nrows(), b.ncols());
    if m < TRANSPOSE_BELOW_M && m > 1 && n > 1 && b.t().is_standard_layout() {
        let a_t = row_major(a.t()); // [k, m]
        let mut c_t = Array2::zeros((n, m));
        gemm(1.0, b.t(), a_t.view(), 0.0, c_t.view_mut());
        return row_major(c_t.t()).into_owned();
    }
    let mut c = Array2::zeros((m, n));
    gemm(1.0, a, b, 0.0, c.view_mut());
    c
}

/// `x` if it is row-major already, else a row-major copy.
fn row_major(x: ArrayView2<'_, f32>) -> CowArray<'_, f32, Ix2> {
    if x.is_standard_layout() {
        return CowArray::from(x);
    }
    let (rows, cols) = x.dim();
    let mut out = Vec::with_capacity(rows * cols);
    for row in x.rows() {
        out.extend(row.iter().copied());
    }
    CowArray::from(Array2::from_shape_vec((rows, cols), out).expect("rows × cols values"))
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
