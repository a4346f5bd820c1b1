//! The fast engine's matrix product: the `gemm` crate's kernels (`fast/gemm.rs`), on the
//! ops' threads, reading transposed operands where they are.

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis, CowArray, Ix2};

use crate::fast::gemm::{gemm, gemm_on};
use crate::fast::parallel::{map_pieces, threads};

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
///
/// A product of fewer than [`SHARED_FROM_MADDS`] multiply-adds runs on this thread alone
/// (see there).
pub(crate) fn mm(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
    let (m, n) = (a.nrows(), b.ncols());
    let madds = m * a.ncols() * n;
    let threads = if madds < SHARED_FROM_MADDS {
        1
    } else {
        threads()
    };
    let halves = threads == 1 && madds >= HALVES_FROM_MADDS && super::parallel::threads() > 1;
    if m < TRANSPOSE_BELOW_M && m > 1 && n > 1 && b.t().is_standard_layout() {
        let a_t = row_major(a.t()); // [k, m]
        let c_t = product_into_new((n, m), |c_t| {
            if halves {
                gemm_halves(b.t(), a_t.view(), c_t);
            } else {
                gemm_on(threads, 1.0, b.t(), a_t.view(), 0.0, c_t);
            }
        });
        return row_major(c_t.t()).into_owned();
    }
    product_into_new((m, n), |c| {
        if halves {
            gemm_halves(a, b, c);
        } else {
            gemm_on(threads, 1.0, a, b, 0.0, c);
        }
    })
}

/// A new `[rows, cols]` array that `write` fills with a product, `beta = 0`, without first
/// filling it with zeros: with `beta = 0` the GEMM never reads its destination (`gemm_on`
/// hands the kernels `read_dst = false`, and every one of the crate's paths then writes
/// each element before reading it, or only writes it), so the zeros were written for
/// nothing. `write` must be one or more `gemm_on` calls with `beta = 0` that together cover
/// every element; the arrays are the same as with `Array2::zeros` bit for bit.
#[allow(unsafe_code)] // an output that the GEMM writes in full before anything reads it
fn product_into_new(
    (rows, cols): (usize, usize),
    write: impl FnOnce(ndarray::ArrayViewMut2<f32>),
) -> Array2<f32> {
    let len = rows * cols;
    let mut values: Vec<f32> = Vec::with_capacity(len);
    // SAFETY: the capacity holds `len` f32s, laid out row-major for `[rows, cols]`; the view
    // lives only during `write`, which only writes through it (see above), and `values` is
    // neither moved nor read meanwhile. Every element is then written (f32 has no invalid bit
    // patterns), so the length may be set.
    unsafe {
        let view = ndarray::ArrayViewMut2::from_shape_ptr((rows, cols), values.as_mut_ptr());
        write(view);
        values.set_len(len);
    }
    Array2::from_shape_vec((rows, cols), values).expect("rows × cols values")
}

/// From this many multiply-adds up to [`SHARED_FROM_MADDS`], [`mm`] cuts the product in two
/// halves, this thread computing one and the partner thread (`fast::partner`) the other, if
/// the ops use more than one thread. These are a recurrent step's products
/// (`[32, 256]·[256, 1024]` and back, 8.4 million multiply-adds): each depends on the step
/// before, so nothing else can run beside it, and handing half of it to rayon's workers,
/// which sleep between the steps, cost as much as it saved (see [`SHARED_FROM_MADDS`]).
/// The partner stays awake between them. Training steps (quiet, four rounds in turns):
/// `step_probe lstm 30 2` 108.6 / 113.9 / 112.8 / 111.9 ms against 126.8 / 125.8 / 134.3 /
/// 134.0 without, `step_probe gru 30 2` 85.7 / 93.6 / 95.0 / 92.8 against 96.7 / 102.8 /
/// 104.2 / 108.9; 09's `gpt_step_probe 30 2 64 12` no clear difference (62.1 / 50.3 / 54.1
/// / 50.0 against 49.9 / 53.4 / 58.9 / 52.7).
const HALVES_FROM_MADDS: usize = 1 << 21;

/// `c = a·b` in two halves of `c` (its longer side cut at a multiple of 64), the second on
/// the partner thread if it takes it before the first is done, else on this thread too.
/// Each element of `c` is the same sum, in the same order, as one product over all of `c`
/// would compute: the halves split the output, never the sums (the tests check it bit for bit).
fn gemm_halves(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ndarray::ArrayViewMut2<f32>) {
    let (m, n) = c.dim();
    // Cut the output's longer side, and the operand that side comes from.
    let (c1, c2) = if n >= m {
        c.split_at(Axis(1), super::partner::halfway(n))
    } else {
        c.split_at(Axis(0), super::partner::halfway(m))
    };
    let ((a1, b1), (a2, b2)) = if n >= m {
        let (b1, b2) = b.split_at(Axis(1), c1.ncols());
        ((a, b1), (a, b2))
    } else {
        let (a1, a2) = a.split_at(Axis(0), c1.nrows());
        ((a1, b), (a2, b))
    };
    super::partner::join_owned(
        || gemm_on(1, 1.0, a1, b1, 0.0, c1),
        c2,
        |c2| gemm_on(1, 1.0, a2, b2, 0.0, c2),
    );
}

/// From this many multiply-adds on, [`mm`] lets the GEMM share a product between the ops'
/// threads; below it the product runs on the calling thread. A recurrent step's products
/// (`[32, 256]·[256, 1024]` and back, 8.4 million multiply-adds, 256 of them per 08-lstm
/// training step) were handed to rayon's workers and waited for, and 08-lstm's step ran no
/// faster on two threads than on one (about 160 ms/step either way). On the calling thread
/// (`step_probe lstm 40 2`, three runs each, quiet but others' niced jobs running): 169 to
/// 184 ms/step against 223 to 232 before; on an idler machine 144 to 147 against 152 to
/// 158 in one comparison, no clear difference in another. The same numbers either way:
/// the GEMM splits the output, not the sums, between threads.
const SHARED_FROM_MADDS: usize = 1 << 24;

/// `x` if it is row-major already, else a row-major copy (a transposed one in tiles:
/// `fast::elementwise::standard_vec`).
fn row_major(x: ArrayView2<'_, f32>) -> CowArray<'_, f32, Ix2> {
    if x.is_standard_layout() {
        return CowArray::from(x);
    }
    let out = crate::fast::elementwise::standard_vec(&x.into_dyn());
    CowArray::from(Array2::from_shape_vec(x.dim(), out).expect("rows × cols values"))
}

/// `a[i]·b[i]` for each `i` of a batch, as `ops::matmul`'s reference `bmm`: each product
/// written in place in the output.
///
/// Attention's products are many and small (`[64, 32]·[32, 64]` for each of 48 heads of a
/// batch), each too small for the GEMM to share between threads: so the batch is split
/// between the threads instead, each running its products on one thread. Each product is
/// computed the same way whatever the split.
pub(crate) fn bmm(a: ArrayView3<f32>, b: ArrayView3<f32>) -> Array3<f32> {
    let (batch, m, n) = (a.len_of(Axis(0)), a.len_of(Axis(1)), b.len_of(Axis(2)));
    let k = a.len_of(Axis(2));
    if batch == 0 || m * k * n * batch < PARALLEL_MIN_MADDS || m * k * n >= PARALLEL_MIN_MADDS {
        // Too little work to share, or products big enough to share themselves.
        let mut c = Array3::zeros((batch, m, n));
        for ((a, b), c) in a.outer_iter().zip(b.outer_iter()).zip(c.outer_iter_mut()) {
            gemm(1.0, a, b, 0.0, c);
        }
        return c;
    }
    let mut out = vec![0.0f32; batch * m * n];
    map_pieces(&mut out, batch, threads(), |range, piece| {
        let mut c = ndarray::ArrayViewMut3::from_shape((range.len(), m, n), piece).expect("whole");
        let (a, b) = (
            a.slice(ndarray::s![range.clone(), .., ..]),
            b.slice(ndarray::s![range, .., ..]),
        );
        for ((a, b), c) in a.outer_iter().zip(b.outer_iter()).zip(c.outer_iter_mut()) {
            gemm_on(1, 1.0, a, b, 0.0, c);
        }
    });
    Array3::from_shape_vec((batch, m, n), out).expect("batch × m × n")
}

/// Below this many multiply-adds in all, a batch of products runs on one thread; at or
/// above it for one product, the GEMM shares each product between threads itself.
const PARALLEL_MIN_MADDS: usize = 1 << 18;

#[cfg(test)]
mod tests {
    use super::*;

    /// `mm` on two threads (a recurrent step's products, cut in halves for the partner
    /// thread) gives the one-thread GEMM's result bit for bit, in both of its paths.
    #[test]
    fn products_cut_in_halves_equal_the_whole_product_bit_for_bit() {
        host::threads::use_threads(2);
        let values = |rows: usize, cols: usize, seed: usize| {
            Array2::from_shape_fn((rows, cols), |(i, j)| {
                (((i * 31 + j * 17 + seed) % 97) as f32 - 48.0) * 0.013
            })
        };
        let (a, w) = (values(32, 256, 1), values(256, 1024, 2));
        let g = values(32, 1024, 3);
        // Forward (x·W, W row-major) and backward (g·Wᵀ, Wᵀ a transposed view).
        for (x, b) in [(a.view(), w.view()), (g.view(), w.t())] {
            assert!(x.nrows() * x.ncols() * b.ncols() >= HALVES_FROM_MADDS);
            let mut whole = Array2::zeros((x.nrows(), b.ncols()));
            if b.t().is_standard_layout() {
                let x_t = row_major(x.t());
                let mut c_t = Array2::zeros((b.ncols(), x.nrows()));
                gemm_on(1, 1.0, b.t(), x_t.view(), 0.0, c_t.view_mut());
                whole.assign(&c_t.t());
            } else {
                gemm_on(1, 1.0, x, b, 0.0, whole.view_mut());
            }
            for _ in 0..20 {
                assert_eq!(mm(x, b), whole);
            }
        }
    }

    /// `mm` writes its output without zeroing it first (`product_into_new`): every path
    /// (one row, one column, no depth, the transposed path, threads, halves) gives the same
    /// values bit for bit as the same path's GEMM into zeros.
    #[test]
    fn products_into_unzeroed_outputs_equal_products_into_zeros() {
        host::threads::use_threads(2);
        let values = |rows: usize, cols: usize, seed: usize| {
            Array2::from_shape_fn((rows, cols), |(i, j)| {
                (((i * 29 + j * 13 + seed) % 89) as f32 - 44.0) * 0.017
            })
        };
        let shapes = [
            (1, 7, 5),
            (5, 7, 1),
            (4, 0, 3),
            (3, 9, 4),
            (32, 256, 1024),
            (32, 1024, 256),
            (300, 500, 400),
        ];
        for (m, k, n) in shapes {
            let (a, b) = (values(m, k, 1), values(k, n, 2));
            let b_cols = values(n, k, 3); // used transposed: the small-m path
            for b in [b.view(), b_cols.t()] {
                // The product as `mm` computed it into zeros, in the same path.
                let mut want = Array2::zeros((m, n));
                if m < TRANSPOSE_BELOW_M && m > 1 && n > 1 && b.t().is_standard_layout() {
                    let mut c_t = Array2::zeros((n, m));
                    gemm_on(1, 1.0, b.t(), row_major(a.t()).view(), 0.0, c_t.view_mut());
                    want.assign(&c_t.t());
                } else {
                    gemm_on(1, 1.0, a.view(), b, 0.0, want.view_mut());
                }
                assert_eq!(mm(a.view(), b), want, "[{m}, {k}]·[{k}, {n}]");
            }
        }
    }
}
