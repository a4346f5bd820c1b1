// Exercise 2 of chapter 3: the ReLU's backward pass. Its tests: `cargo exercises test relu_backward`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use ndarray::{Array2, ArrayView2};

// ANCHOR: relu_backward
/// The ReLU's backward pass: given the pre-activation `z` and `dh = ∂L/∂h` for
/// `h = max(0, z)`, returns `dz = ∂L/∂z`. All three are `[B, O]`.
///
/// The ReLU's slope is 1 where `z > 0` and 0 where `z < 0`, so the gradient passes through
/// the active units unchanged and stops at the others. At exactly `z = 0` the slope is
/// undefined; like most libraries, take it as 0.
///
/// # Panics
/// If `z` and `dh` differ in shape.
#[track_caller]
pub fn relu_backward(z: ArrayView2<f32>, dh: ArrayView2<f32>) -> Array2<f32> {
    // TODO: dz has the shape of dh, [B, O]: dz[i, j] = dh[i, j] where z[i, j] > 0, else 0.
    todo!("relu_backward: pass the gradient where z > 0")
}
// ANCHOR_END: relu_backward
