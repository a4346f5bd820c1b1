use ndarray::{ArrayD, IxDyn};
use rand::Rng;

/// The mask of inverted dropout for an activation of shape `shape`: each element is `0`
/// with probability `p` (that unit is dropped for this example, this step) and `1/(1 − p)`
/// otherwise. The forward pass multiplies the activation by the mask, and so does the
/// backward pass (the gradient of `x · mask` with respect to `x` is the mask).
///
/// Scaling the kept units by `1/(1 − p)` keeps every unit's expected value what it was,
/// so that at test time, when nothing is dropped, the network needs no correction.
///
/// The elements are drawn in row-major order, one `rng.random::<f32>()` each, dropped
/// when the draw is below `p`: the same seed drops the same units.
///
/// # Panics
/// If `p` is not in `[0, 1)`.
#[track_caller]
pub fn dropout_mask(shape: &[usize], p: f32, rng: &mut impl Rng) -> ArrayD<f32> {
    assert!(
        (0.0..1.0).contains(&p),
        "dropout_mask: p must be in [0, 1), got {p}"
    );
    let keep = 1.0 / (1.0 - p);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        if rng.random::<f32>() < p {
            0.0
        } else {
            keep
        }
    })
}
