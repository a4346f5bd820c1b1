// Exercise 4 of chapter 7: clipping the gradient's norm. Its tests:
// `cargo exercises test clip_grad_norm`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::ArrayD;

// ANCHOR: clip_grad_norm
/// Scales the gradients `grads` (one array per parameter) down together so that their
/// global norm `√(Σ g²)` over every entry of every array is at most `max_norm`, leaving
/// them alone if it already is. Returns the norm before clipping.
///
/// Scaling all of them by the same factor keeps the step's direction and only shortens
/// it: the cure for the rare huge gradient of a recurrent network, which would otherwise
/// throw the weights far away in one step.
pub fn clip_grad_norm(grads: &mut [ArrayD<f32>], max_norm: f32) -> f32 {
    // TODO: the norm is the square root of the sum of the squares of every entry of every
    // array; if it exceeds max_norm, multiply every entry by max_norm / norm. Return the norm.
    todo!("clip_grad_norm: scale every gradient by max_norm / norm when norm > max_norm")
}
// ANCHOR_END: clip_grad_norm
