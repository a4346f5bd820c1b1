// Exercise 3 of chapter 5: the backward pass of max-pooling. Its tests:
// `cargo exercises test max_pool_backward`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{Array4, ArrayView4};

// ANCHOR: max_pool_backward
/// The backward pass of `k × k` max-pooling with stride `k`: given the pooling's
/// input `x: [N, C, H, W]` and the gradient of the loss with respect to its output
/// `dy: [N, C, H/k, W/k]`, the gradient with respect to `x`, `[N, C, H, W]`. Each
/// window's output was its largest input, so the window's gradient goes to that one
/// input (the first in row-major order if several tie) and every other input of the
/// window gets 0.
pub fn max_pool_backward(x: ArrayView4<f32>, dy: ArrayView4<f32>, k: usize) -> Array4<f32> {
    // TODO: start from zeros of x's shape [N, C, H, W]. For each (n, c, i, j) of
    // dy, find the largest x[n, c, i·k + u, j·k + v] over u, v < k, and add
    // dy[n, c, i, j] there.
    todo!("max_pool_backward: each window's gradient to its largest input")
}
// ANCHOR_END: max_pool_backward
