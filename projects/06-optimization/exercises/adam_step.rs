// Exercise 2 of chapter 6: Adam. Its tests: `cargo exercises test adam_step`. With
// `--features learner` the optimisers Adam and AdamW of every experiment step with your
// function (see src/optimizers.rs).
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{ArrayViewD, ArrayViewMutD, Zip};

use crate::optimizers::AdamSettings;

// ANCHOR: adam_step
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
    // TODO: take lr, beta1, beta2 and eps from settings. The two bias corrections,
    // 1 − β₁ᵗ and 1 − β₂ᵗ, are the same for every element: compute them once. Then for
    // each element update m and v, and step the parameter with the corrected means.
    todo!("adam_step: update both running means, then step the parameter")
}
// ANCHOR_END: adam_step
