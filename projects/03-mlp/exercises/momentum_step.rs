// Exercise 4 of chapter 3: the optimiser. Its tests: `cargo exercises test momentum_step`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{ArrayView, ArrayViewMut, Dimension, Zip};

// ANCHOR: momentum_step
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
    // TODO: param, velocity and grad have one shape (e.g. [I, O] for weights, [O] for a
    // bias). For each element: v = momentum·v + g, then p = p − lr·v. Change them in place.
    todo!("momentum_step: update the velocity, then the parameter")
}
// ANCHOR_END: momentum_step
