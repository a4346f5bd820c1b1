// Exercise 4 of chapter 1: the geometric margin. Its tests: `cargo exercises test margin`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::Perceptron;
use ndarray::ArrayView2;

// ANCHOR: margin
/// The geometric margin of `p` on points `x: [n, features]` with labels `y: [n]` (±1): the
/// smallest signed distance `y·(w·x + b) / ‖(w, b)‖` of any point to the hyperplane.
/// Positive exactly when every point is on its correct side.
pub fn margin(p: &Perceptron, x: ArrayView2<f32>, y: &[f32]) -> f32 {
    // TODO: ‖(w, b)‖ = sqrt(w·w + b²); for each row xi of x ([features]) the signed distance
    // yi·(w·xi + b) / ‖(w, b)‖; return the smallest.
    todo!("margin: the smallest signed distance to the hyperplane")
}
// ANCHOR_END: margin
