//! Matrix multiply, the engine under `matmul` and the convolutions.
//!
//! One function, so the backend can change in one place. The backend is the pure-Rust
//! `gemm` crate: it picks AVX-512, AVX2 or NEON kernels at run time and splits the output
//! between threads itself. On the 2-core AVX-512 machine this course was built on it ran
//! about twice as fast as `matrixmultiply` (ndarray's own backend, AVX2 kernels only); the
//! numbers are in this crate's README. Like `matrixmultiply`, it takes any row and column
//! strides, so a transposed operand is a view with swapped strides, never a copy.

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::fast::parallel::threads;

/// Below this many multiply-adds, one thread: waking a second one costs more than it saves.
const PARALLEL_MIN_MADDS: usize = 1 << 18;

// ANCHOR: gemm
/// `c = alpha * a·b + beta * c` for `a: [m, k]`, `b: [k, n]`, `c: [m, n]`, any strides.
///
/// # Panics
/// If the shapes do not line up.
#[track_caller]
pub fn gemm(alpha: f32, a: ArrayView2<f32>, b: ArrayView2<f32>, beta: f32, c: ArrayViewMut2<f32>) {
    gemm_on(threads(), alpha, a, b, beta, c);
}

/// [`gemm`] on at most `threads` threads (1 inside code that is already split between threads).
#[track_caller]
#[allow(unsafe_code)] // the one call into the GEMM kernels, which take raw pointers
pub(crate) fn gemm_on(
    threads: usize,
    alpha: f32,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    beta: f32,
    mut c: ArrayViewMut2<f32>,
) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert!(
        k == k2 && c.dim() == (m, n),
        "gemm: cannot multiply [{m}, {k}] by [{k2}, {n}] into {:?}",
        c.shape()
    );
    if m == 0 || n == 0 {
        return;
    }
    let parallelism = match threads {
        t if t > 1 && m * n * k >= PARALLEL_MIN_MADDS => gemm::Parallelism::Rayon(t),
        _ => gemm::Parallelism::None,
    };
    let ([a_rs, a_cs], [b_rs, b_cs], [c_rs, c_cs]) = (strides(&a), strides(&b), strides(&c));
    // SAFETY: the pointers and strides come from live ndarray views whose shapes were checked
    // above to be [m, k], [k, n] and [m, n], so every element the kernel touches is inside
    // them; `c` is borrowed mutably, so nothing else reads or writes it meanwhile.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            beta != 0.0, // read c only if it contributes: it may hold garbage otherwise
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            beta,  // the crate's `alpha` scales the old c...
            alpha, // ...and its `beta` the product.
            false,
            false,
            false,
            parallelism,
        );
    }
}
// ANCHOR_END: gemm

/// A view's strides in elements, with axes of length 1 given a harmless stride: ndarray may
/// report 0 for them, which the kernels could mistake for a broadcast.
fn strides<S: ndarray::RawData>(x: &ndarray::ArrayBase<S, ndarray::Ix2>) -> [isize; 2] {
    let s = x.strides();
    let (rows, cols) = x.dim();
    [
        if rows == 1 { cols as isize } else { s[0] },
        if cols == 1 { 1 } else { s[1] },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn gemm_matches_the_naive_triple_loop_on_two_threads() {
        let (m, k, n) = (300, 70, 130);
        let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let b = Array2::from_shape_fn((n, k), |(i, j)| ((i * 5 + j) % 13) as f32 - 6.0);
        let mut c = Array2::<f32>::zeros((m, n));
        host::threads::use_threads(2);
        gemm(1.0, a.view(), b.t(), 0.0, c.view_mut()); // b used transposed, no copy
        for i in 0..m {
            for j in 0..n {
                let want: f32 = (0..k).map(|p| a[[i, p]] * b[[j, p]]).sum();
                assert_eq!(c[[i, j]], want);
            }
        }
    }

    #[test]
    fn a_large_threaded_gemm_gives_identical_results_every_time() {
        let (a, b) = (
            Array2::from_shape_fn((300, 500), |(i, j)| {
                ((i * 13 + j * 7) % 23) as f32 * 0.1 - 1.1
            }),
            Array2::from_shape_fn((500, 400), |(i, j)| {
                ((i * 3 + j * 11) % 19) as f32 * 0.1 - 0.9
            }),
        );
        host::threads::use_threads(2);
        let run = || {
            let mut c = Array2::<f32>::zeros((300, 400));
            gemm(1.0, a.view(), b.view(), 0.0, c.view_mut());
            c
        };
        let first = run();
        for _ in 0..5 {
            assert_eq!(run(), first);
        }
    }
}
