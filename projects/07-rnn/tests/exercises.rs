//! The tests of chapter 7's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).

use ndarray::{array, Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rnn::minimal::MinimalRnn;

/// A small model with weights large enough that every gradient is far from zero.
fn small_model(vocab: usize, hidden: usize, seed: u64) -> MinimalRnn {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut random =
        |rows, cols| Array2::from_shape_fn((rows, cols), |_| rng.random_range(-0.6..0.6f32));
    let mut rnn = MinimalRnn::zeros(vocab, hidden);
    rnn.w_xh = random(vocab, hidden);
    rnn.w_hh = random(hidden, hidden);
    rnn.w_hy = random(hidden, vocab);
    rnn.b_h = random(1, hidden).row(0).to_owned();
    rnn.b_y = random(1, vocab).row(0).to_owned();
    rnn
}

/// A text of `len` ids below `vocab` with some structure to learn.
fn text(vocab: u32, len: usize) -> Vec<u32> {
    (0..len)
        .map(|i| ((i * i / 3 + i) % vocab as usize) as u32)
        .collect()
}

mod rnn_step {
    use super::*;
    use rnn::rnn_step;

    #[test]
    fn one_step_by_hand() {
        // a = W_xh[1] + h_prev·W_hh + b_h = [1, 2] + [0.3, 0.2] + [0.1, 0.2] = [1.4, 2.4].
        let mut rnn = MinimalRnn::zeros(2, 2);
        rnn.w_xh = array![[0.5, -0.5], [1.0, 2.0]];
        rnn.w_hh = array![[1.0, 2.0], [0.0, -1.0]];
        rnn.b_h = array![0.1, 0.2];
        let h = rnn_step(&rnn, 1, array![0.3f32, 0.4].view());
        let want = [1.4f32.tanh(), 2.4f32.tanh()];
        assert!(
            (h[0] - want[0]).abs() < 1e-6 && (h[1] - want[1]).abs() < 1e-6,
            "got {h}, expected {want:?}: h_prev times W_hh is a row vector times the matrix \
             (W_hh times h_prev would give [1.1, -0.4] inside the tanh)"
        );
    }

    #[test]
    fn equals_the_one_hot_matrix_products() {
        let rnn = small_model(7, 5, 1);
        let h_prev = Array1::from_shape_fn(5, |i| 0.2 * i as f32 - 0.4);
        for x in 0..7u32 {
            let mut one_hot = Array2::<f32>::zeros((1, 7));
            one_hot[[0, x as usize]] = 1.0;
            let a = one_hot.dot(&rnn.w_xh)
                + h_prev.view().insert_axis(ndarray::Axis(0)).dot(&rnn.w_hh)
                + &rnn.b_h;
            let want = a.row(0).mapv(f32::tanh);
            let got = rnn_step(&rnn, x, h_prev.view());
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() < 1e-5,
                    "character {x}: got {got}, expected {want}"
                );
            }
        }
    }
}

mod backward_through_time {
    use super::*;
    use rnn::backward_through_time;
    use rnn::minimal::{forward, MinimalConfig, PARTS};

    #[test]
    fn every_gradient_matches_finite_differences() {
        let rnn = small_model(4, 5, 2);
        let (inputs, targets) = ([0u32, 3, 1, 1, 2, 0], [3u32, 1, 1, 2, 0, 2]);
        let h0 = array![0.1f32, -0.2, 0.3, 0.0, 0.5];
        let pass = forward(&rnn, &inputs, &targets, h0.view());
        let grads = backward_through_time(&rnn, &inputs, &targets, &pass);
        let loss = |m: &MinimalRnn| forward(m, &inputs, &targets, h0.view()).loss;
        let step = 1e-2f32;
        let mut worst = 0.0f64;
        for (part, name) in PARTS.iter().enumerate() {
            let analytic = grads.arrays()[part].to_owned();
            for i in 0..analytic.len() {
                let nudged = |delta: f32| {
                    let mut m = rnn.clone();
                    let mut arrays = m.arrays_mut();
                    let value = arrays[part].iter_mut().nth(i).expect("in range");
                    *value += delta;
                    loss(&m)
                };
                let numeric = (nudged(step) - nudged(-step)) / (2.0 * f64::from(step));
                let a = f64::from(*analytic.iter().nth(i).expect("in range"));
                let error = (a - numeric).abs() / (a.abs() + numeric.abs()).max(1.0);
                worst = worst.max(error);
                assert!(
                    error < 5e-3,
                    "∂loss/∂{name}[{i}]: backpropagation gives {a:.5}, finite differences \
                     {numeric:.5}"
                );
            }
        }
        println!("largest relative error {worst:.1e}");
    }

    #[test]
    fn the_gradient_stops_at_the_state_carried_in() {
        // Gradients depend on h_0's value, but nothing flows into it: a chunk of one step
        // gives W_hh the outer product h_0ᵀ·da_1 and no more.
        let rnn = small_model(3, 4, 3);
        let h0 = array![0.5f32, -0.5, 0.25, 0.0];
        let pass = forward(&rnn, &[2], &[0], h0.view());
        let grads = backward_through_time(&rnn, &[2], &[0], &pass);
        // da_1 is the gradient of b_h when there is only one step.
        let want = h0
            .view()
            .insert_axis(ndarray::Axis(1))
            .dot(&grads.b_h.view().insert_axis(ndarray::Axis(0)));
        for (g, w) in grads.w_hh.iter().zip(&want) {
            assert!(
                (g - w).abs() < 1e-6,
                "W_hh's gradient is h_0ᵀ·da_1: got {}, expected {want}",
                grads.w_hh
            );
        }
        assert_eq!(
            grads.w_xh.row(0),
            Array1::<f32>::zeros(4),
            "character 0 was not read"
        );
        assert_eq!(
            grads.w_xh.row(2),
            grads.b_h,
            "character 2 was read at the only step"
        );
    }

    #[test]
    fn min_char_rnn_learns_a_short_text() {
        let ids = text(6, 3000);
        let config = MinimalConfig {
            hidden: 24,
            iterations: 600,
            sample_len: 0, // no samples: this test needs only the forward and backward passes
            ..MinimalConfig::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let run = rnn::minimal::train(&config, &ids, 6, &mut rng.clone(), &mut rng, |_, _, _| {})
            .unwrap();
        let before = 6f64.ln();
        let after = rnn::minimal::evaluate(&run.rnn, &ids[..500]);
        println!("loss {before:.3} -> {after:.3}");
        assert!(
            after < 0.6 * before,
            "after 600 iterations the loss should fall from {before:.3} (a uniform guess) to \
             below {:.3}, but it is {after:.3}: the gradients do not descend the loss",
            0.6 * before
        );
    }
}

mod sample {
    use super::*;
    use rnn::sample;

    fn frequencies(logits: &[f32], temperature: f32) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 40_000;
        let mut counts = vec![0usize; logits.len()];
        for _ in 0..n {
            counts[sample(logits, temperature, &mut rng) as usize] += 1;
        }
        counts.iter().map(|&c| c as f64 / n as f64).collect()
    }

    #[test]
    fn at_temperature_one_draws_follow_the_softmax() {
        let logits = [0.0f32, 1.0, 2.0, -1.0];
        let z: f64 = logits.iter().map(|&l| f64::from(l).exp()).sum();
        let seen = frequencies(&logits, 1.0);
        for (f, &l) in seen.iter().zip(&logits) {
            let p = f64::from(l).exp() / z;
            assert!(
                (f - p).abs() < 0.01,
                "drawn {f:.3} of the time, but its softmax probability is {p:.3}"
            );
        }
    }

    #[test]
    fn temperature_sharpens_or_flattens() {
        let logits = [0.0f32, 1.0, 2.0];
        let cold = frequencies(&logits, 0.05);
        assert!(
            cold[2] > 0.999,
            "at temperature 0.05 the likeliest should win nearly always: {cold:?}"
        );
        let hot = frequencies(&logits, 100.0);
        assert!(
            hot.iter().all(|&f| (f - 1.0 / 3.0).abs() < 0.02),
            "at temperature 100 every character should be about equally likely: {hot:?}"
        );
    }

    #[test]
    fn huge_logits_do_not_overflow() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let drawn = sample(&[1000.0, -1000.0, 999.0], 1.0, &mut rng);
        assert!(
            drawn == 0 || drawn == 2,
            "exp(1000) overflows f32 and f64: subtract the max first"
        );
    }
}

mod clip_grad_norm {
    use super::*;
    use rnn::clip_grad_norm;

    #[test]
    fn a_large_gradient_is_scaled_to_the_limit_keeping_its_direction() {
        // Entries 3, 4 and 12 over two arrays: norm √(9 + 16 + 144) = 13.
        let mut grads = vec![array![3.0f32, 4.0].into_dyn(), array![[12.0f32]].into_dyn()];
        let norm = clip_grad_norm(&mut grads, 6.5);
        assert!(
            (norm - 13.0).abs() < 1e-5,
            "returns the norm before clipping: got {norm}, expected 13"
        );
        let want = [array![1.5f32, 2.0].into_dyn(), array![[6.0f32]].into_dyn()];
        for (g, w) in grads.iter().zip(&want) {
            assert!(
                g.iter().zip(w).all(|(a, b)| (a - b).abs() < 1e-5),
                "every entry is halved (6.5 / 13): got {g}, expected {w}"
            );
        }
    }

    #[test]
    fn a_small_gradient_is_left_alone() {
        let mut grads = vec![array![0.3f32, -0.4].into_dyn()];
        let norm = clip_grad_norm(&mut grads, 1.0);
        assert!((norm - 0.5).abs() < 1e-6, "norm {norm}, expected 0.5");
        assert_eq!(grads[0], array![0.3f32, -0.4].into_dyn());
    }

    #[test]
    fn the_batched_rnn_learns_with_clipped_gradients() {
        let ids = text(20, 6000);
        let (train, valid) = ids.split_at(5400);
        let config = rnn::train::TrainConfig {
            hidden: 32,
            seq_len: 16,
            batch: 8,
            lr: 1e-2,
            clip: 0.5,
            steps: 80,
            eval_every: 80,
            ..rnn::train::TrainConfig::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let model = rnn::model::CharRnn::new(20, 32, &mut rng);
        let training =
            rnn::train::train_text(&model, train, valid, &config, &mut rng, None, |_| Ok(()))
                .unwrap();
        let (before, after) = (20f64.ln(), training.final_valid_loss());
        println!(
            "loss {before:.3} -> {after:.3}, {} of 80 steps clipped",
            training.clipped_steps
        );
        assert!(
            after < 0.5 * before,
            "after 80 clipped Adam steps the validation loss should fall from {before:.3} to \
             below {:.3}, but it is {after:.3}",
            0.5 * before
        );
        assert!(
            training.clipped_steps > 0,
            "with a limit of 0.5 some steps must have been clipped"
        );
    }
}
