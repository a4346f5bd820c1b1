use ndarray::{ArrayViewD, ArrayViewMutD, Zip};

use crate::optimizers::AdamSettings;

/// One step of Adam (Kingma and Ba, 2015) on one parameter array; `m`, `v` and `grad` have
/// the parameter's shape, and `t` counts the steps taken so far, this one included (1 on the
/// first step):
///
/// ```text
/// m ← β₁·m + (1 − β₁)·grad            a running mean of the gradient (momentum)
/// v ← β₂·v + (1 − β₂)·grad²           a running mean of its square
/// m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ) both started at 0: undo that bias
/// param ← param − lr · m̂ / (√v̂ + ε)
/// ```
///
/// Dividing by `√v̂` gives every parameter a step of about `lr` whatever the scale of its
/// gradient: a weight whose gradients are tiny moves as fast as one whose gradients are large.
///
/// # Panics
/// If the arrays differ in shape.
#[track_caller]
pub fn adam_step(
    param: ArrayViewMutD<f32>,
    m: ArrayViewMutD<f32>,
    v: ArrayViewMutD<f32>,
    grad: ArrayViewD<f32>,
    t: u32,
    settings: &AdamSettings,
) {
    let AdamSettings {
        lr,
        beta1,
        beta2,
        eps,
    } = *settings;
    // The bias corrections are the same for every element: compute them once.
    let t = i32::try_from(t).unwrap_or(i32::MAX);
    let (c1, c2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
    Zip::from(param)
        .and(m)
        .and(v)
        .and(grad)
        .for_each(|p, m, v, &g| {
            *m = beta1 * *m + (1.0 - beta1) * g;
            *v = beta2 * *v + (1.0 - beta2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
        });
}
