use crate::LinearGrads;
use ndarray::{ArrayView2, Axis};

/// The backward pass of a linear layer `y = x·w + b`: given its input `x: [B, I]`, its
/// weights `w: [I, O]` and `dy = ∂L/∂y: [B, O]`, the gradients
///
/// - `dw = xᵀ·dy`, `[I, O]`: weight `w[i, j]` meets input `x[n, i]` in output `y[n, j]`
///   of every row `n`, so its gradient sums `x[n, i]·dy[n, j]` over the batch;
/// - `db = Σ_n dy[n, ·]`, `[O]`: the bias is added to every row;
/// - `dx = dy·wᵀ`, `[B, I]`: input `x[n, i]` feeds every output `y[n, j]` through `w[i, j]`;
///   computed only when `input_grad` is true.
///
/// # Panics
/// If the shapes do not fit together.
#[track_caller]
pub fn linear_backward(
    x: ArrayView2<f32>,
    w: ArrayView2<f32>,
    dy: ArrayView2<f32>,
    input_grad: bool,
) -> LinearGrads {
    assert_eq!(x.nrows(), dy.nrows(), "x and dy need one row per example");
    assert_eq!(
        w.dim(),
        (x.ncols(), dy.ncols()),
        "w must be [inputs, outputs]"
    );
    LinearGrads {
        dw: x.t().dot(&dy),                     // [I, B]·[B, O] -> [I, O]
        db: dy.sum_axis(Axis(0)),               // [B, O] -> [O]
        dx: input_grad.then(|| dy.dot(&w.t())), // [B, O]·[O, I] -> [B, I]
    }
}
