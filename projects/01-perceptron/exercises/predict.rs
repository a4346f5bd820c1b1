// Exercise 1 of chapter 1: predict. Its tests: `cargo exercises test predict`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::Perceptron;
use ndarray::ArrayView1;

// ANCHOR: predict
/// The perceptron's answer for one point `x: [features]`: `+1.0` when `w·x + b > 0`, else `-1.0`.
pub fn predict(p: &Perceptron, x: ArrayView1<f32>) -> f32 {
    // TODO: the weighted sum p.w · x (both [features]) plus p.b, then the threshold at 0.
    todo!("predict: return +1.0 or -1.0")
}
// ANCHOR_END: predict
