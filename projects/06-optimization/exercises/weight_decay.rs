// Exercise 3 of chapter 6: weight decay, as an L2 penalty in the gradient or decoupled from
// it (AdamW). Its tests: `cargo exercises test weight_decay`. With `--features learner`
// every optimiser step of every experiment starts with your function (see
// src/optimizers.rs).
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{ArrayViewMutD, Zip};

use crate::optimizers::WeightDecay;

// ANCHOR: weight_decay
/// Weight decay, applied at the start of an optimiser's step to one parameter array and its
/// gradient (same shape), before the optimiser's own update:
///
/// - `WeightDecay::L2(λ)`: the loss gains a penalty `λ/2 · ‖param‖²`, whose gradient is
///   `λ · param`, so `grad ← grad + λ · param`. The optimiser then treats the penalty like
///   any other part of the gradient: Adam divides it by `√v̂` too.
/// - `WeightDecay::Decoupled(λ)` (AdamW, Loshchilov and Hutter, 2019): the weights shrink
///   directly, `param ← param − lr · λ · param`, and the gradient is left alone, so every
///   weight decays at the same rate whatever the optimiser does with its gradient.
/// - `WeightDecay::None`: nothing changes.
///
/// For plain SGD the two are the same step; for Adam they are not.
///
/// # Panics
/// If the arrays differ in shape.
#[track_caller]
pub fn weight_decay(
    param: ArrayViewMutD<f32>,
    grad: ArrayViewMutD<f32>,
    lr: f32,
    decay: WeightDecay,
) {
    // TODO: match on decay. For L2(λ), add λ·param to every element of grad; for
    // Decoupled(λ), multiply every element of param by (1 − lr·λ); for None, do nothing.
    todo!("weight_decay: into the gradient (L2) or straight onto the weights (decoupled)")
}
// ANCHOR_END: weight_decay
