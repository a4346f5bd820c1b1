//! The scalar MLP learns two moons: loss falls, and held-out points are classified correctly.

use autograd::mlp::{self, Activation, Mlp, ScalarConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn a_scalar_mlp_classifies_held_out_moons_at_least_97_percent_right() {
    let mut data = ChaCha8Rng::seed_from_u64(7);
    let train = mlp::moons(100, 0.1, &mut data);
    let test = mlp::moons(200, 0.1, &mut data);
    let net = Mlp::new(
        &[2, 16, 16, 1],
        Activation::Tanh,
        &mut ChaCha8Rng::seed_from_u64(8),
    );
    let before = net.accuracy(&test);
    let config = ScalarConfig {
        hidden: 16,
        steps: 250,
        lr: 0.5,
    };
    let training = mlp::train(&net, &train, &config, |_, _| {}).unwrap();
    let (first, last) = (training.losses[0], *training.losses.last().unwrap());
    let accuracy = net.accuracy(&test);
    println!("loss {first:.4} -> {last:.4}, held-out accuracy {before:.3} -> {accuracy:.3}");
    assert!(last < first / 5.0, "loss {first} -> {last}");
    assert!(accuracy >= 0.97, "held-out accuracy {accuracy}");
}

#[test]
fn a_learning_rate_far_too_high_stops_with_advice() {
    let train = mlp::moons(20, 0.1, &mut ChaCha8Rng::seed_from_u64(1));
    let net = Mlp::new(
        &[2, 4, 1],
        Activation::Relu,
        &mut ChaCha8Rng::seed_from_u64(2),
    );
    let config = ScalarConfig {
        hidden: 4,
        steps: 50,
        lr: 1e6,
    };
    let error = mlp::train(&net, &train, &config, |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("diverged") && error.contains("--lr"),
        "{error}"
    );
}
