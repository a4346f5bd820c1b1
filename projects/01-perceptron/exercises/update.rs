// Exercise 2 of chapter 1: the update rule. Its tests: `cargo exercises test update`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::{predict, Perceptron};
use ndarray::ArrayView1;

// ANCHOR: update
/// Rosenblatt's rule for one example `x: [features]` with label `y` (±1): on a mistake, move
/// the hyperplane towards the point; return whether it updated.
pub fn update(p: &mut Perceptron, x: ArrayView1<f32>, y: f32, lr: f32) -> bool {
    // TODO: if predict(p, x) already equals y, change nothing and return false.
    // Otherwise w ← w + lr·y·x (w and x are [features]), b ← b + lr·y, and return true.
    todo!("update: the perceptron rule")
}
// ANCHOR_END: update
