//! Initial weights. Too small and the signal fades layer by layer, too large and it explodes;
//! these choose the spread from the number of inputs (fan-in) and outputs (fan-out) of a
//! unit so that the variance of activations stays about the same through the network.

use ndarray::{ArrayD, IxDyn};
use ndarray_rand::rand_distr::{Normal, Uniform};
use ndarray_rand::RandomExt;
use rand::Rng;

/// Uniform in `[low, high)`.
///
/// # Panics
/// If `low >= high`.
#[track_caller]
pub fn uniform(shape: &[usize], low: f32, high: f32, rng: &mut impl Rng) -> ArrayD<f32> {
    let dist = Uniform::new(low, high).unwrap_or_else(|e| panic!("uniform({low}, {high}): {e}"));
    ArrayD::random_using(IxDyn(shape), dist, rng)
}

/// Normal with mean `mean` and standard deviation `std`.
///
/// # Panics
/// If `std` is negative or not finite.
#[track_caller]
pub fn normal(shape: &[usize], mean: f32, std: f32, rng: &mut impl Rng) -> ArrayD<f32> {
    let dist = Normal::new(mean, std).unwrap_or_else(|e| panic!("normal({mean}, {std}): {e}"));
    ArrayD::random_using(IxDyn(shape), dist, rng)
}

/// Xavier/Glorot uniform, for tanh and sigmoid layers: `U(±√(6/(fan_in + fan_out)))`,
/// which keeps the variance equal forwards and backwards.
pub fn xavier_uniform(
    shape: &[usize],
    fan_in: usize,
    fan_out: usize,
    rng: &mut impl Rng,
) -> ArrayD<f32> {
    let bound = (6.0 / (fan_in + fan_out) as f32).sqrt();
    uniform(shape, -bound, bound, rng)
}

/// Xavier/Glorot normal: `N(0, 2/(fan_in + fan_out))`.
pub fn xavier_normal(
    shape: &[usize],
    fan_in: usize,
    fan_out: usize,
    rng: &mut impl Rng,
) -> ArrayD<f32> {
    normal(shape, 0.0, (2.0 / (fan_in + fan_out) as f32).sqrt(), rng)
}

/// Kaiming/He uniform, for ReLU layers: `U(±√(6/fan_in))`. ReLU zeros half its inputs, so
/// the variance is doubled compared with Xavier to make up for it.
pub fn kaiming_uniform(shape: &[usize], fan_in: usize, rng: &mut impl Rng) -> ArrayD<f32> {
    let bound = (6.0 / fan_in as f32).sqrt();
    uniform(shape, -bound, bound, rng)
}

/// Kaiming/He normal: `N(0, 2/fan_in)`.
pub fn kaiming_normal(shape: &[usize], fan_in: usize, rng: &mut impl Rng) -> ArrayD<f32> {
    normal(shape, 0.0, (2.0 / fan_in as f32).sqrt(), rng)
}

/// The default for layers in this crate (as in PyTorch): `U(±1/√fan_in)` for weights and
/// biases alike. A safe middle ground between Xavier and Kaiming for any activation.
pub fn default_uniform(shape: &[usize], fan_in: usize, rng: &mut impl Rng) -> ArrayD<f32> {
    let bound = 1.0 / (fan_in as f32).sqrt();
    uniform(shape, -bound, bound, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn kaiming_normal_has_the_stated_spread_and_is_seeded() {
        let draw = || kaiming_normal(&[200, 100], 50, &mut ChaCha8Rng::seed_from_u64(3));
        let w = draw();
        let var = w.mapv(|x| x * x).mean().unwrap();
        assert!((var - 2.0 / 50.0).abs() < 0.002, "variance {var}");
        assert_eq!(w, draw());
        let u = xavier_uniform(&[1000], 3, 3, &mut ChaCha8Rng::seed_from_u64(4));
        assert!(u.iter().all(|&x| x.abs() <= 1.0));
    }
}
