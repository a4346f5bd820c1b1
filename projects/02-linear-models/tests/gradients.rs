//! Every hand-written gradient against central finite differences, over many random small
//! problems, and gradient descent doing what the chapter says it does.
//!
//! Tolerance: `|a − n| / max(1, |a| + |n|) < 1e-3` with `h = 1e-2` in f32. The losses are
//! smooth, so the central difference's truncation error is about h² = 1e-4 times the third
//! derivative, and its rounding error about 1e-7 / h = 1e-5.

use linear_models::{
    gradient_descent, gradient_error, logistic_gradient, logistic_loss, mse_gradient, mse_loss,
    numeric_gradient, softmax_cross_entropy, softmax_cross_entropy_gradient, DescentConfig, Linear,
};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const H: f32 = 1e-2;
const TOLERANCE: f32 = 1e-3;

fn random(rows: usize, cols: usize, scale: f32, rng: &mut ChaCha8Rng) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-scale..scale))
}

/// A random problem: `n` examples of `inputs` features and a model with `outputs` outputs.
fn problem(seed: u64, outputs: usize) -> (Array2<f32>, Linear, ChaCha8Rng) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (n, inputs) = (rng.random_range(1..12), rng.random_range(1..6));
    let x = random(n, inputs, 2.0, &mut rng);
    let model = Linear {
        w: random(inputs, outputs, 1.0, &mut rng),
        b: random(1, outputs, 1.0, &mut rng).row(0).to_owned(),
    };
    (x, model, rng)
}

#[test]
fn the_mse_gradient_matches_finite_differences_on_50_random_problems() {
    for seed in 0..50 {
        let (x, model, mut rng) = problem(seed, 1 + seed as usize % 3);
        let y = random(x.nrows(), model.b.len(), 2.0, &mut rng);
        let numeric = numeric_gradient(|m| mse_loss(m, x.view(), y.view()), &model, H);
        let error = gradient_error(&mse_gradient(&model, x.view(), y.view()), &numeric);
        assert!(error < TOLERANCE, "seed {seed}: {error}");
    }
}

#[test]
fn the_logistic_gradient_matches_finite_differences_on_50_random_problems() {
    for seed in 0..50 {
        let (x, model, mut rng) = problem(seed, 1);
        let labels: Vec<usize> = (0..x.nrows()).map(|_| rng.random_range(0..2)).collect();
        let numeric = numeric_gradient(|m| logistic_loss(m, x.view(), &labels), &model, H);
        let error = gradient_error(&logistic_gradient(&model, x.view(), &labels), &numeric);
        assert!(error < TOLERANCE, "seed {seed}: {error}");
    }
}

#[test]
fn the_softmax_gradient_matches_finite_differences_on_50_random_problems() {
    for seed in 0..50 {
        let classes = 2 + seed as usize % 5;
        let (x, model, mut rng) = problem(seed, classes);
        let labels: Vec<usize> = (0..x.nrows())
            .map(|_| rng.random_range(0..classes))
            .collect();
        let numeric = numeric_gradient(|m| softmax_cross_entropy(m, x.view(), &labels), &model, H);
        let analytic = softmax_cross_entropy_gradient(&model, x.view(), &labels);
        let error = gradient_error(&analytic, &numeric);
        assert!(error < TOLERANCE, "seed {seed}: {error}");
    }
}

#[test]
fn a_wrong_gradient_is_caught() {
    // The check is only worth having if it fails: forget the 2 of the MSE gradient.
    let (x, model, mut rng) = problem(7, 1);
    let y = random(x.nrows(), 1, 2.0, &mut rng);
    let mut halved = mse_gradient(&model, x.view(), y.view());
    halved.dw /= 2.0;
    halved.db /= 2.0;
    let numeric = numeric_gradient(|m| mse_loss(m, x.view(), y.view()), &model, H);
    assert!(gradient_error(&halved, &numeric) > 0.05);
}

#[test]
fn gradient_descent_lowers_the_loss_at_every_step_with_a_small_rate() {
    let (x, _, mut rng) = problem(11, 1);
    let y = random(x.nrows(), 1, 2.0, &mut rng);
    let config = DescentConfig {
        steps: 200,
        lr: 0.01,
    };
    let mut progress = run::Progress::new("test", 200, false);
    let descent = gradient_descent(
        Linear::zeros(x.ncols(), 1),
        config,
        |m| mse_loss(m, x.view(), y.view()),
        |m| mse_gradient(m, x.view(), y.view()),
        "test",
        &mut progress,
        x.nrows(),
    )
    .unwrap();
    assert_eq!(descent.losses.len(), 201);
    let first = descent.losses[0];
    let last = *descent.losses.last().unwrap();
    println!("loss {first:.4} -> {last:.4}");
    assert!(descent.losses.windows(2).all(|w| w[1] <= w[0]));
    assert!(last < 0.9 * first, "{first} -> {last}");
    assert_eq!(descent.snapshots.first().unwrap().0, 0);
    assert_eq!(descent.snapshots.last().unwrap().0, 200);
}

#[test]
fn too_large_a_rate_stops_with_a_message_that_says_so() {
    let (x, _, mut rng) = problem(11, 1);
    let y = random(x.nrows(), 1, 2.0, &mut rng);
    let config = DescentConfig {
        steps: 10_000,
        lr: 1000.0,
    };
    let mut progress = run::Progress::new("test", 10_000, false);
    let error = gradient_descent(
        Linear::zeros(x.ncols(), 1),
        config,
        |m| mse_loss(m, x.view(), y.view()),
        |m| mse_gradient(m, x.view(), y.view()),
        "regression",
        &mut progress,
        x.nrows(),
    )
    .unwrap_err()
    .to_string();
    println!("{error}");
    assert!(
        error.contains("diverged") && error.contains("regression step") && error.contains("--lr"),
        "{error}"
    );
}
