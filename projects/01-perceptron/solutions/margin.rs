use crate::Perceptron;
use ndarray::ArrayView2;

/// The geometric margin of `p` on points `x: [n, features]` with labels `y: [n]` (±1): the
/// smallest signed distance `y·(w·x + b) / ‖(w, b)‖` of any point to the hyperplane.
/// Positive exactly when every point is on its correct side.
pub fn margin(p: &Perceptron, x: ArrayView2<f32>, y: &[f32]) -> f32 {
    // The bias counts as a weight on a constant input 1, as in the convergence theorem.
    let norm = (p.w.dot(&p.w) + p.b * p.b).sqrt();
    x.rows()
        .into_iter()
        .zip(y)
        .map(|(xi, &yi)| yi * (p.w.dot(&xi) + p.b) / norm)
        .fold(f32::INFINITY, f32::min)
}
