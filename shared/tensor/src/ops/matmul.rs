//! Matrix multiplication, 2-D and batched. Everything after chapter 3 spends most of its
//! time here, so the backward pass multiplies by transposed *views*: no copies.

use ndarray::{Array2, Array3, ArrayD, ArrayView2, ArrayView3, Axis, Ix2, Ix3};

use crate::engine::{engine, Engine};
use crate::fast;
use crate::tensor::{Data, Grad, Tensor};

fn as2(x: &Data) -> ArrayView2<'_, f32> {
    x.view().into_dimensionality::<Ix2>().expect("checked 2-D")
}

fn as3(x: &Data) -> ArrayView3<'_, f32> {
    x.view().into_dimensionality::<Ix3>().expect("checked 3-D")
}

/// `a·b` for `a: [m, k]`, `b: [k, n]`.
///
/// The reference engine calls ndarray's `dot` (the `matrixmultiply` crate's kernels, which
/// work on cache-sized blocks, several numbers per instruction) rather than the triple loop
/// `c[i, j] = Σ_p a[i, p]·b[p, j]`. That loop is the definition, but written with ndarray's
/// indexing it ran 16 to 45 times slower than `dot` here (one thread), on the products of
/// 05-cnn's convolutions and a 256×256 square: too slow to train networks on.
/// The fast engine uses the `gemm` crate's AVX-512 kernels on the ops' threads
/// (`fast/matmul.rs`).
pub(crate) fn mm(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
    if engine() == Engine::Fast {
        return fast::matmul::mm(a, b);
    }
    a.dot(&b)
}

/// `a[i]·b[i]` for each `i` of a batch: `a: [B, m, k]`, `b: [B, k, n]` -> `[B, m, n]`.
fn bmm(a: ArrayView3<f32>, b: ArrayView3<f32>) -> Array3<f32> {
    if engine() == Engine::Fast {
        return fast::matmul::bmm(a, b);
    }
    let mut c = Array3::zeros((a.len_of(Axis(0)), a.len_of(Axis(1)), b.len_of(Axis(2))));
    for ((a, b), mut c) in a.outer_iter().zip(b.outer_iter()).zip(c.outer_iter_mut()) {
        ndarray::linalg::general_mat_mul(1.0, &a, &b, 0.0, &mut c); // c = a·b, in place
    }
    c
}

impl Tensor {
    // ANCHOR: matmul
    /// Matrix product.
    /// - `[m, k]·[k, n] -> [m, n]`;
    /// - `[..., m, k]·[k, n] -> [..., m, n]` (a linear layer applied to every position);
    /// - `[..., m, k]·[..., k, n] -> [..., m, n]` with the same leading (batch) axes.
    ///
    /// Backward, for `c = a·b`: `da = dc·bᵀ` and `db = aᵀ·dc`.
    ///
    /// # Panics
    /// If the inner sizes differ or the batch axes do not match; the message names both shapes.
    #[track_caller]
    pub fn matmul(&self, other: &Tensor) -> Tensor {
        let (sa, sb) = (self.shape(), other.shape());
        let ok = sa.len() >= 2
            && sb.len() >= 2
            && sa[sa.len() - 1] == sb[sb.len() - 2]
            && (sb.len() == 2 || sa[..sa.len() - 2] == sb[..sb.len() - 2]);
        assert!(ok, "matmul: cannot multiply shapes {sa:?} and {sb:?}");
        let (m, k, n) = (sa[sa.len() - 2], sa[sa.len() - 1], sb[sb.len() - 1]);
        let lead = &sa[..sa.len() - 2];
        let mut out_shape = lead.to_vec();
        out_shape.extend([m, n]);
        if sa.len() == 2 {
            matmul_2d(self, other)
        } else if sb.len() == 2 {
            // [..., m, k] -> [rows, k]: one big GEMM instead of many small ones.
            let rows = sa.iter().product::<usize>() / k;
            matmul_2d(&self.reshape(&[rows, k]), other).reshape(&out_shape)
        } else {
            let batch = lead.iter().product();
            let c = matmul_batched(
                &self.reshape(&[batch, m, k]),
                &other.reshape(&[batch, k, n]),
            );
            c.reshape(&out_shape)
        }
    }
    // ANCHOR_END: matmul
}

fn matmul_2d(a: &Tensor, b: &Tensor) -> Tensor {
    let (av, bv) = (a.value(), b.value());
    let c = mm(as2(&av), as2(&bv)).into_dyn();
    // The fast engine leaves a weight's gradient `aᵀ·dc` to be summed with the other steps'
    // (`Grad::Product`): a recurrent weight gets one per step.
    let defer = engine() == Engine::Fast && b.is_leaf();
    Tensor::from_op_grads("matmul", c.into_shared(), &[a, b], move |g, need| {
        let g2 = g.view().into_dimensionality::<Ix2>().expect("2-D");
        let da = need[0].then(|| Grad::Dense(mm(g2, as2(&bv).t()).into_dyn()));
        let db = need[1].then(|| match defer {
            true => Grad::Product(av, g.clone()),
            false => Grad::Dense(mm(as2(&av).t(), g2).into_dyn()),
        });
        vec![da, db]
    })
}

/// `Σ aᵢᵀ·gᵢ` for `aᵢ: [mᵢ, k]`, `gᵢ: [mᵢ, n]`: the `aᵢ` stacked into `[Σmᵢ, k]`, the `gᵢ`
/// into `[Σmᵢ, n]`, and one product of the two. A weight used at 64 steps of a recurrence
/// gets its gradient from one `[H, 64·B]·[64·B, G·H]` product instead of 64 thin
/// `[H, B]·[B, G·H]` ones, each written over the whole gradient and added to the rest.
pub(crate) fn sum_of_products(products: &[(Data, ArrayD<f32>)]) -> ArrayD<f32> {
    if let [(a, g)] = products {
        let g = g.view().into_dimensionality::<Ix2>().expect("2-D");
        return mm(as2(a).t(), g).into_dyn();
    }
    let rows: usize = products.iter().map(|(a, _)| a.shape()[0]).sum();
    let (k, n) = (products[0].0.shape()[1], products[0].1.shape()[1]);
    let (mut a_all, mut g_all) = (Vec::with_capacity(rows * k), Vec::with_capacity(rows * n));
    for (a, g) in products {
        a_all.extend(fast::elementwise::standard_vec(&a.view()));
        g_all.extend(fast::elementwise::standard_vec(&g.view()));
    }
    let a_all = Array2::from_shape_vec((rows, k), a_all).expect("stacked rows");
    let g_all = Array2::from_shape_vec((rows, n), g_all).expect("stacked rows");
    mm(a_all.t(), g_all.view()).into_dyn()
}

/// Swaps the last two axes of a view: only the strides change.
fn transposed(x: ArrayView3<'_, f32>) -> ArrayView3<'_, f32> {
    x.permuted_axes([0, 2, 1])
}

fn matmul_batched(a: &Tensor, b: &Tensor) -> Tensor {
    let (av, bv) = (a.value(), b.value());
    let c = bmm(as3(&av), as3(&bv)).into_dyn();
    Tensor::from_op("matmul", c, &[a, b], move |g, need| {
        let g = g.view().into_dimensionality::<Ix3>().expect("3-D");
        // Transposing the last two axes of a view swaps strides; nothing is copied.
        let da: Option<ArrayD<f32>> = need[0].then(|| bmm(g, transposed(as3(&bv))).into_dyn());
        let db = need[1].then(|| bmm(transposed(as3(&av)), g).into_dyn());
        vec![da, db]
    })
}
