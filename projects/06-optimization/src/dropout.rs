//! Dropout as a differentiable op, on the mask of [`dropout_mask`](crate::dropout_mask).

use rand::Rng;
use tensor::Tensor;

// ANCHOR: dropout
/// Inverted dropout of `x` (any shape) while training: every element is multiplied by its
/// entry of a fresh mask, 0 with probability `p` and `1/(1 − p)` otherwise, and so is its
/// gradient on the way back. (At evaluation the network simply does not call it.)
///
/// # Panics
/// If the mask does not have `x`'s shape (a bug in `dropout_mask`).
#[track_caller]
pub fn dropout(x: &Tensor, p: f32, rng: &mut impl Rng) -> Tensor {
    let shape = x.shape();
    let mask = crate::dropout_mask(&shape, p, rng);
    assert!(
        mask.shape() == shape.as_slice(),
        "dropout_mask returned a mask of shape {:?} for an activation of shape {shape:?}; \
         `cargo exercises test dropout_mask` checks it",
        mask.shape()
    );
    let y = &x.value() * &mask;
    // y = x · mask, elementwise, so ∂L/∂x = ∂L/∂y · mask.
    Tensor::from_op("dropout (06)", y, &[x], move |dy, _| vec![Some(dy * &mask)])
}
// ANCHOR_END: dropout

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_gradient_is_the_mask_the_tensor_crates_dropout_draws() {
        let x = Tensor::param(ndarray::Array2::from_shape_fn((4, 50), |(i, j)| {
            (i * 50 + j) as f32 * 0.01 - 1.3
        }));
        let ours = dropout(&x, 0.3, &mut rand_chacha::ChaCha8Rng::seed_from_u64(5));
        ours.sum().backward();
        // The tensor crate draws its mask the same way (one draw per element, in order), so
        // its dropout of a tensor of ones is the mask itself.
        let mask = tensor::dropout(
            &Tensor::ones(&[4, 50]),
            0.3,
            true,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(5),
        )
        .to_array();
        assert_eq!(x.grad().unwrap(), mask);
        assert_eq!(ours.to_array(), &x.to_array() * &mask);
        let dropped = mask.iter().filter(|&&m| m == 0.0).count();
        assert!(
            (40..=80).contains(&dropped),
            "{dropped} of 200 dropped at p = 0.3"
        );
    }
}
