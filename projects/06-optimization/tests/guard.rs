//! A training whose gradients stop being numbers ends there, as a diverged run that says at
//! which step and in which parameter, before the bad numbers reach the weights.

use optimization::digits::Digits;
use optimization::models::{Arch, NetConfig};
use optimization::optimizers::Method;
use optimization::train::{train, TrainConfig};

#[test]
fn a_nan_gradient_ends_the_training_naming_the_step_and_the_parameter() {
    let dir = data::resolve_data_dir(None);
    let digits = Digits::new(&data::mnist::load(&dir).expect("the committed MNIST files"));
    let rows = digits.training_rows(256, 1);
    let validation = digits.validation_rows(100);
    // An infinite rate: the first step sends the weights to infinity, and the second step's
    // gradients are NaN.
    let config = TrainConfig::new(
        NetConfig::new(Arch::Mlp(vec![16])),
        Method::Sgd,
        f32::INFINITY,
        20,
    );
    let (_, outcome) = train(&config, &digits.train, &rows, &validation, 10, 1);
    assert_eq!(outcome.diverged_at, Some(2), "{outcome:?}");
    assert_eq!(outcome.steps, 2);
    let why = outcome
        .diverged_because
        .expect("the gradient check said why");
    assert!(
        why.contains("at step 2") && why.contains("dense") && why.contains("--lr"),
        "{why}"
    );

    // A sane rate trains on without a word.
    let config = TrainConfig::new(NetConfig::new(Arch::Mlp(vec![16])), Method::Sgd, 0.05, 20);
    let (_, outcome) = train(&config, &digits.train, &rows, &validation, 10, 1);
    assert_eq!(
        (outcome.diverged_at, outcome.diverged_because),
        (None, None)
    );
}
