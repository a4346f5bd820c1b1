use ndarray::{Array4, ArrayView4};

/// The backward pass of `k × k` max-pooling with stride `k`: given the pooling's
/// input `x: [N, C, H, W]` and the gradient of the loss with respect to its output
/// `dy: [N, C, H/k, W/k]`, the gradient with respect to `x`, `[N, C, H, W]`. Each
/// window's output was its largest input, so the window's gradient goes to that one
/// input (the first in row-major order if several tie) and every other input of the
/// window gets 0.
pub fn max_pool_backward(x: ArrayView4<f32>, dy: ArrayView4<f32>, k: usize) -> Array4<f32> {
    let mut dx = Array4::zeros(x.dim());
    for ((n, c, i, j), &g) in dy.indexed_iter() {
        // The window's largest input and where it is; only a strictly larger value moves it,
        // so the first of a tie wins.
        let (mut best, mut at) = (f32::NEG_INFINITY, (i * k, j * k));
        for u in 0..k {
            for v in 0..k {
                let value = x[[n, c, i * k + u, j * k + v]];
                if value > best {
                    (best, at) = (value, (i * k + u, j * k + v));
                }
            }
        }
        dx[[n, c, at.0, at.1]] += g;
    }
    dx
}
