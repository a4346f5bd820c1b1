// Exercise 1 of chapter 6: SGD with momentum, classical and Nesterov. Its tests:
// `cargo exercises test sgd_step`. With `--features learner` the optimisers SGD, momentum and
// Nesterov of every experiment step with your function (see src/optimizers.rs).
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{ArrayViewD, ArrayViewMutD, Zip};

// ANCHOR: sgd_step
/// One step of stochastic gradient descent with momentum on one parameter array (all three
/// arrays have the parameter's shape), in the form PyTorch's `SGD` uses:
///
/// ```text
/// velocity ← momentum · velocity + grad
/// param    ← param − lr · velocity                        (classical momentum)
/// param    ← param − lr · (grad + momentum · velocity)    (Nesterov)
/// ```
///
/// With `momentum = 0` both are plain SGD, `param ← param − lr · grad`. Nesterov's form
/// steps as if it had already taken the next momentum step and looked at the slope there:
/// it brakes earlier when the velocity carries it past a minimum.
///
/// # Panics
/// If the arrays differ in shape.
#[track_caller]
pub fn sgd_step(
    param: ArrayViewMutD<f32>,
    velocity: ArrayViewMutD<f32>,
    grad: ArrayViewD<f32>,
    lr: f32,
    momentum: f32,
    nesterov: bool,
) {
    // TODO: for each element (p, v, g) of the three arrays: first the new velocity
    // v = momentum·v + g, then the step, v (classical) or g + momentum·v (Nesterov, with
    // the new v), and p = p − lr·step. Change param and velocity in place.
    todo!("sgd_step: update the velocity, then step the parameter")
}
// ANCHOR_END: sgd_step
