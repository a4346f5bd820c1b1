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
    // Sum the squares in f64: a few hundred thousand f32 squares lose digits in f32.
    let squares: f64 = grads
        .iter()
        .flat_map(|g| g.iter())
        .map(|&v| f64::from(v) * f64::from(v))
        .sum();
    let norm = squares.sqrt() as f32;
    if norm > max_norm {
        let scale = max_norm / norm;
        for g in grads.iter_mut() {
            g.mapv_inplace(|v| v * scale);
        }
    }
    norm
}
// ANCHOR_END: clip_grad_norm
