use ndarray::{ArrayView, ArrayViewMut, Dimension, Zip};

/// One step of SGD with momentum on one parameter array (any shape, all three alike):
///
/// ```text
/// velocity ← momentum · velocity + grad
/// param    ← param − lr · velocity
/// ```
///
/// The velocity is a running sum of past gradients, each step's weight shrinking by
/// `momentum` (0.9: the last ten or so steps count). Directions in which the gradients
/// agree build up speed; directions in which they flip sign from batch to batch cancel out.
/// With `momentum = 0` this is plain gradient descent. (The form PyTorch's `SGD` uses.)
///
/// # Panics
/// If the three arrays differ in shape.
#[track_caller]
pub fn momentum_step<D: Dimension>(
    param: ArrayViewMut<f32, D>,
    velocity: ArrayViewMut<f32, D>,
    grad: ArrayView<f32, D>,
    lr: f32,
    momentum: f32,
) {
    Zip::from(param)
        .and(velocity)
        .and(grad)
        .for_each(|p, v, &g| {
            *v = momentum * *v + g;
            *p -= lr * *v;
        });
}
