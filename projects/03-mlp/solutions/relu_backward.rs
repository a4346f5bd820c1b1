use ndarray::{Array2, ArrayView2};

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
    assert_eq!(z.shape(), dh.shape(), "z and dh must have one shape");
    let mut dz = dh.to_owned(); // [B, O]
    dz.zip_mut_with(&z, |d, &v| {
        if v <= 0.0 {
            *d = 0.0;
        }
    });
    dz
}
