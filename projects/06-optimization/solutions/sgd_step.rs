use ndarray::{ArrayViewD, ArrayViewMutD, Zip};

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
    Zip::from(param)
        .and(velocity)
        .and(grad)
        .for_each(|p, v, &g| {
            *v = momentum * *v + g;
            let step = if nesterov { g + momentum * *v } else { *v };
            *p -= lr * step;
        });
}
