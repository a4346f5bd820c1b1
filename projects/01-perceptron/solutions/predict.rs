use crate::Perceptron;
use ndarray::ArrayView1;

/// The perceptron's answer for one point `x: [features]`: `+1.0` when `w·x + b > 0`, else `-1.0`.
pub fn predict(p: &Perceptron, x: ArrayView1<f32>) -> f32 {
    if p.w.dot(&x) + p.b > 0.0 {
        1.0
    } else {
        -1.0
    }
}
