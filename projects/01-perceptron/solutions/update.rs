use crate::{predict, Perceptron};
use ndarray::ArrayView1;

/// Rosenblatt's rule for one example `x: [features]` with label `y` (±1): on a mistake, move
/// the hyperplane towards the point; return whether it updated.
pub fn update(p: &mut Perceptron, x: ArrayView1<f32>, y: f32, lr: f32) -> bool {
    if predict(p, x) == y {
        return false;
    }
    // Adding y·x turns w·x by y·‖x‖² > 0 in the right direction for this point.
    p.w.scaled_add(lr * y, &x);
    p.b += lr * y;
    true
}
