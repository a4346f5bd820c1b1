// Exercise 4 of chapter 6: inverted dropout. Its tests: `cargo exercises test dropout_mask`.
// With `--features learner` every network that uses dropout draws its masks with your
// function (see src/dropout.rs).
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{ArrayD, IxDyn};
use rand::Rng;

// ANCHOR: dropout_mask
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
    // TODO: check p (assert!), then build an array of shape `shape` (IxDyn(shape)) whose
    // every element comes from one draw: 0.0 if the draw is below p, else 1/(1 − p).
    // ArrayD::from_shape_simple_fn fills an array in row-major order.
    todo!("dropout_mask: 0 with probability p, 1/(1 − p) otherwise")
}
// ANCHOR_END: dropout_mask
