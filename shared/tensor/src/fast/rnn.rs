//! The fast engine's `rnn_tanh` (`ops/rnn.rs`): the whole recurrence of a tanh RNN layer,
//! `h_t = tanh(x_t + h_{t-1}·W_hh)`, as one op.
//!
//! The reference version is a loop of `T` steps of four ops each (narrow, matmul, add,
//! tanh), and its backward pass another `T` of each plus `T` gradients of `W_hh` to add up.
//! At the size of chapter 7's model (B 32, T 64, H 256) each of those ops is small, a
//! matrix product of `[32, 256]·[256, 256]` takes about 50 µs, and the bookkeeping around it
//! (allocating its output, recording it, handing it to a thread) is a large part of the cost.
//! Here:
//!
//! - **Forward**, each step is one GEMM that adds `h_{t-1}·W_hh` onto `x_t`, written
//!   straight into the output `[B, T, H]` (the step's rows are read with a stride of `T·H`:
//!   the GEMM takes any strides), then `tanh` in place, vectorised (`fast/math.rs`).
//! - **Backward**, from the last step to the first: `δa_t = (g_t + δh_t) ⊙ (1 - h_t²)` and
//!   `δh_{t-1} = δa_t·W_hhᵀ`, with `W_hhᵀ` copied once into an array of its own (read
//!   transposed in place, the GEMM ran at half speed at this size). The input's gradient is
//!   `δa` itself, and `W_hh`'s is `Σ_t h_{t-1}ᵀ·δa_t`: one GEMM of `[H, B·T]·[B·T, H]`
//!   rather than `T` small ones added up.
//! - **Threads.** The sequences of a batch never interact, so each thread takes its own rows
//!   for the whole sequence, forward and backward: one hand-off per op rather than one per
//!   step, where each step's GEMM is too small to be worth sharing. Each thread sums its
//!   part of `W_hh`'s gradient; the parts are added in thread order, so the same thread
//!   count gives the same numbers.

use ndarray::{
    s, Array2, Array3, ArrayD, ArrayView2, ArrayView3, ArrayViewMut3, Axis, Ix2, Ix3, IxDyn, Zip,
};

use crate::fast::gemm::gemm_on;
use crate::fast::math;
use crate::fast::parallel::{map_pieces, threads};
use crate::tensor::{Data, Tensor};

/// Below this many multiply-adds in the recurrence, `B·T·H·H`, one thread: see README.md.
const PARALLEL_MIN_MADDS: usize = 1 << 22;

/// How many pieces the batch's rows are split into.
fn pieces(batch: usize, steps: usize, hidden: usize) -> usize {
    if batch * steps * hidden * hidden < PARALLEL_MIN_MADDS {
        1
    } else {
        threads().min(batch)
    }
}

fn view3(x: &Data) -> ArrayView3<'_, f32> {
    x.view()
        .into_dimensionality::<Ix3>()
        .expect("checked [B, T, H]")
}

fn view2(x: &Data) -> ArrayView2<'_, f32> {
    x.view().into_dimensionality::<Ix2>().expect("checked 2-D")
}

/// `ops::rnn::rnn_tanh` on the fast engine; the shapes were checked there.
pub(crate) fn rnn_tanh(
    x: &Tensor,
    h0: &Tensor,
    w_hh: &Tensor,
    (batch, steps, hidden): (usize, usize, usize),
) -> Tensor {
    let (xv, h0v, wv) = (x.value(), h0.value(), w_hh.value());
    let (x3, h02, w2) = (view3(&xv), view2(&h0v), view2(&wv));
    let mut out = vec![0.0f32; batch * steps * hidden];
    map_pieces(
        &mut out,
        batch,
        pieces(batch, steps, hidden),
        |rows, piece| {
            let hs =
                ArrayViewMut3::from_shape((rows.len(), steps, hidden), piece).expect("whole rows");
            forward(
                x3.slice(s![rows.clone(), .., ..]),
                h02.slice(s![rows, ..]),
                w2,
                hs,
            );
        },
    );
    let hs = ArrayD::from_shape_vec(IxDyn(&[batch, steps, hidden]), out)
        .expect("sizes")
        .into_shared();
    let kept = hs.clone(); // shared, not copied: the states are what the backward pass needs
    Tensor::from_op_shared("rnn_tanh", hs, &[x, h0, w_hh], move |g, need| {
        backward(g, need, &kept, &h0v, &wv)
    })
}

/// The states of some rows of the batch, every step, into `hs: [n, T, H]`.
fn forward(
    x: ArrayView3<f32>,
    h0: ArrayView2<f32>,
    w: ArrayView2<f32>,
    mut hs: ArrayViewMut3<f32>,
) {
    for t in 0..x.len_of(Axis(1)) {
        let (before, mut after) = hs.view_mut().split_at(Axis(1), t);
        let mut h_t = after.index_axis_mut(Axis(1), 0); // [n, H], rows T·H apart
        h_t.assign(&x.index_axis(Axis(1), t));
        let h_prev = if t == 0 {
            h0
        } else {
            before.index_axis(Axis(1), t - 1)
        };
        gemm_on(1, 1.0, h_prev, w, 1.0, h_t.view_mut()); // h_t = x_t + h_{t-1}·W_hh
        for mut row in h_t.rows_mut() {
            math::tanh_in_place(row.as_slice_mut().expect("a row of H is contiguous"));
        }
    }
}

/// Backpropagation through time: the gradients of `x`, `h0` and `w_hh` from `g`, the
/// gradient of every state.
fn backward(
    g: &ArrayD<f32>,
    need: &[bool],
    hs: &Data,
    h0: &Data,
    w: &Data,
) -> Vec<Option<ArrayD<f32>>> {
    let (hs3, h02, w2) = (view3(hs), view2(h0), view2(w));
    let g3 = g
        .view()
        .into_dimensionality::<Ix3>()
        .expect("the gradient has the output's shape");
    let (batch, steps, hidden) = hs3.dim();
    let w_t = w2.t().as_standard_layout().into_owned(); // W_hhᵀ, contiguous
    let mut da = vec![0.0f32; batch * steps * hidden];
    let parts = map_pieces(
        &mut da,
        batch,
        pieces(batch, steps, hidden),
        |rows, piece| {
            let mut da3 =
                ArrayViewMut3::from_shape((rows.len(), steps, hidden), piece).expect("whole rows");
            let (hs_r, g_r, h0_r) = (
                hs3.slice(s![rows.clone(), .., ..]),
                g3.slice(s![rows.clone(), .., ..]),
                h02.slice(s![rows.clone(), ..]),
            );
            // ∂loss/∂h_t through h_{t+1} (nothing after the last step).
            let mut dh = Array2::<f32>::zeros((rows.len(), hidden));
            for t in (0..steps).rev() {
                let mut da_t = da3.index_axis_mut(Axis(1), t);
                Zip::from(&mut da_t)
                    .and(g_r.index_axis(Axis(1), t))
                    .and(&dh)
                    .and(hs_r.index_axis(Axis(1), t))
                    .for_each(|da, &g, &dh, &h| *da = (g + dh) * (1.0 - h * h));
                gemm_on(1, 1.0, da_t.view(), w_t.view(), 0.0, dh.view_mut()); // δh_{t-1} = δa_t·W_hhᵀ
            }
            // Σ over rows and steps of h_{t-1}ᵀ·δa_t, as one product: the states each step
            // started from (h0, then h_1 .. h_{T-1}) laid out as [n·T, H], against δa.
            let dw = need[2].then(|| {
                let mut prev = Array3::<f32>::zeros((rows.len(), steps, hidden));
                prev.index_axis_mut(Axis(1), 0).assign(&h0_r);
                prev.slice_mut(s![.., 1.., ..])
                    .assign(&hs_r.slice(s![.., ..steps - 1, ..]));
                let prev = prev
                    .into_shape_with_order((rows.len() * steps, hidden))
                    .expect("contiguous");
                let da2 = da3
                    .view()
                    .into_shape_with_order((rows.len() * steps, hidden))
                    .expect("contiguous");
                let mut dw = Array2::<f32>::zeros((hidden, hidden));
                gemm_on(1, 1.0, prev.t(), da2, 0.0, dw.view_mut());
                dw
            });
            (dh, dw)
        },
    );
    let dh0 = need[1].then(|| {
        let views: Vec<_> = parts.iter().map(|(dh, _)| dh.view()).collect();
        ndarray::concatenate(Axis(0), &views)
            .expect("same widths")
            .into_dyn()
    });
    let dw = need[2].then(|| {
        let mut parts = parts.into_iter().filter_map(|(_, dw)| dw);
        let mut sum = parts.next().expect("at least one piece");
        for part in parts {
            sum += &part; // in thread order: the same numbers every run
        }
        sum.into_dyn()
    });
    let dx =
        need[0].then(|| ArrayD::from_shape_vec(IxDyn(&[batch, steps, hidden]), da).expect("sizes"));
    vec![dx, dh0, dw]
}
