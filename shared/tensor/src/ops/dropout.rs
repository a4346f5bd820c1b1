//! Dropout: during training, zero each element with probability `p` and scale the rest by
//! `1/(1-p)` so the expected value is unchanged; at evaluation, do nothing.

use ndarray::ArrayD;
use rand::Rng;

use crate::tensor::Tensor;

/// Inverted dropout. The mask is drawn from `rng`, so the same seed drops the same
/// elements. Backward multiplies by the same mask.
///
/// # Panics
/// If `p` is not in `[0, 1)`.
#[track_caller]
pub fn dropout(x: &Tensor, p: f32, training: bool, rng: &mut impl Rng) -> Tensor {
    assert!(
        (0.0..1.0).contains(&p),
        "dropout: probability must be in [0, 1), got {p}"
    );
    if !training || p == 0.0 {
        return x.clone();
    }
    let keep_scale = 1.0 / (1.0 - p);
    let xv = x.value();
    // Drawn in the tensor's logical (row-major) order, whatever its memory layout.
    let mask: ArrayD<f32> = xv.map(|_| {
        if rng.random::<f32>() < p {
            0.0
        } else {
            keep_scale
        }
    });
    let out = &xv * &mask;
    Tensor::from_op("dropout", out, &[x], move |g, _| vec![Some(g * &mask)])
}
