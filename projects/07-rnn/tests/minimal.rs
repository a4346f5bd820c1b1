//! Part 1's pieces around the exercises: the chunked forward pass against the step-by-step
//! evaluation, and Adagrad's update.

use ndarray::{array, Array1};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rnn::minimal::{self, Adagrad, MinimalRnn};

#[test]
fn the_chunk_loss_and_the_validation_loss_agree() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut rnn = MinimalRnn::new(6, 8, &mut rng);
    rnn.w_hh *= 30.0; // away from the uniform guess, so that a mistake would show
    rnn.w_xh *= 30.0;
    rnn.w_hy *= 30.0;
    let ids = [0u32, 5, 2, 2, 3, 1, 4, 0, 5];
    let pass = minimal::forward(&rnn, &ids[..8], &ids[1..], Array1::zeros(8).view());
    let per_char = pass.loss / 8.0;
    let evaluated = minimal::evaluate(&rnn, &ids);
    println!("{per_char} {evaluated}");
    assert!(
        (per_char - evaluated).abs() < 1e-5,
        "{per_char} vs {evaluated}"
    );
    assert!((per_char - 6f64.ln()).abs() > 0.05);
}

#[test]
fn adagrad_divides_each_step_by_the_root_of_the_summed_squares() {
    let mut rnn = MinimalRnn::zeros(1, 1);
    let mut grads = MinimalRnn::zeros(1, 1);
    grads.b_h = array![2.0];
    let mut adagrad = Adagrad::new(&rnn, 0.1);
    adagrad.step(&mut rnn, &grads); // m = 4: step 0.1·2/2 = 0.1
    adagrad.step(&mut rnn, &grads); // m = 8: step 0.1·2/√8
    let want = -0.1 - 0.2 / 8f32.sqrt();
    assert!((rnn.b_h[0] - want).abs() < 1e-6, "{} vs {want}", rnn.b_h[0]);
    assert_eq!(rnn.w_hh[[0, 0]], 0.0, "no gradient, no step");
}

#[test]
fn training_wraps_around_a_short_text_and_samples_as_it_goes() {
    let ids: Vec<u32> = (0..60).map(|i| (i % 4) as u32).collect();
    let config = minimal::MinimalConfig {
        hidden: 8,
        iterations: 30, // 30 chunks of 25 from 60 characters: the sweep restarts many times
        sample_every: 10,
        sample_len: 12,
        ..minimal::MinimalConfig::default()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut seen = Vec::new();
    let run = minimal::train(
        &config,
        &ids,
        4,
        &mut rng.clone(),
        &mut rng,
        |i, _, sample| {
            seen.push((i, sample.len()));
        },
    )
    .unwrap();
    assert_eq!(seen, [(0, 12), (10, 12), (20, 12)]);
    assert_eq!(run.samples.len(), 3);
    assert_eq!(run.curve.last().unwrap().iteration, 30);
    assert!(run.curve.last().unwrap().loss < 4f64.ln());
}

#[test]
fn a_nan_gradient_or_an_exploding_run_stops_with_the_iteration_the_parameter_and_the_fix() {
    let mut grads = MinimalRnn::zeros(4, 3);
    minimal::check_finite(1.2, &grads, "iteration 7").unwrap();
    grads.w_hh[[1, 2]] = f32::NAN;
    let message = minimal::check_finite(1.2, &grads, "iteration 7")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("`w_hh`") && message.contains("iteration 7") && message.contains("--lr"),
        "{message}"
    );
    let message = minimal::check_finite(f64::INFINITY, &MinimalRnn::zeros(4, 3), "iteration 3")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("iteration 3") && message.contains("--lr"),
        "{message}"
    );

    // A learning rate far too high: the run stops with that message instead of training on
    // numbers that mean nothing.
    let ids: Vec<u32> = (0..60).map(|i| (i * 7 % 4) as u32).collect();
    let config = minimal::MinimalConfig {
        hidden: 8,
        iterations: 50,
        sample_every: 100,
        sample_len: 0,
        lr: 1e38,
        ..minimal::MinimalConfig::default()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let Err(error) = minimal::train(&config, &ids, 4, &mut rng.clone(), &mut rng, |_, _, _| {})
    else {
        panic!("training at lr 1e38 should diverge");
    };
    let message = error.to_string();
    assert!(
        message.contains("iteration") && message.contains("--lr"),
        "{message}"
    );
}
