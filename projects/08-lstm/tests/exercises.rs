//! The tests of chapter 8's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).

use ndarray::{Array2, ArrayD};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tensor::Tensor;

/// A `[rows, cols]` array of values in ±`scale`, seeded.
fn random(rows: usize, cols: usize, scale: f32, seed: u64) -> Array2<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-scale..scale))
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The largest difference between two arrays of the same shape.
fn max_diff(a: &ArrayD<f32>, b: &ArrayD<f32>) -> f32 {
    assert_eq!(a.shape(), b.shape(), "shapes differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A text of `len` ids below `vocab` to learn: one seeded random phrase of 37 characters,
/// repeated. Which character comes next is certain once the model knows where it is in
/// the phrase, which takes a few characters of context, never the last one alone.
fn text(vocab: u32, len: usize) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(37);
    let phrase: Vec<u32> = (0..37).map(|_| rng.random_range(0..vocab)).collect();
    (0..len).map(|i| phrase[i % phrase.len()]).collect()
}

mod lstm_step {
    use super::*;
    use lstm::lstm_step;

    #[test]
    fn one_unit_by_hand() {
        // H = 1, so the four blocks are single numbers: z = xw + h·W_hh.
        // xw = [0.5, 1.0, -0.5, 2.0], h = 0.5, W_hh = [0.2, -0.4, 1.0, 0.0]:
        // z = [0.6, 0.8, 0.0, 2.0]; c' = σ(0.8)·c + σ(0.6)·tanh(0) = σ(0.8)·c; h' = σ(2)·tanh(c').
        let xw = Tensor::new(ndarray::array![[0.5f32, 1.0, -0.5, 2.0]]);
        let h = Tensor::new(ndarray::array![[0.5f32]]);
        let c = Tensor::new(ndarray::array![[-1.5f32]]);
        let w_hh = Tensor::new(ndarray::array![[0.2f32, -0.4, 1.0, 0.0]]);
        let (h2, c2) = lstm_step(&xw, &h, &c, &w_hh);
        let want_c = sigmoid(0.8) * -1.5;
        let want_h = sigmoid(2.0) * want_c.tanh();
        assert!(
            (c2.item() - want_c).abs() < 1e-6,
            "c' = {}, expected {want_c}: the forget gate (block 1, σ(0.8)) times the old c, plus \
             the input gate (block 0) times the candidate (block 2, tanh(0) = 0)",
            c2.item()
        );
        assert!(
            (h2.item() - want_h).abs() < 1e-6,
            "h' = {}, expected {want_h}: the output gate (block 3, σ(2)) times tanh of the NEW c",
            h2.item()
        );
    }

    #[test]
    fn a_batch_matches_the_equations_element_by_element() {
        let (b, hidden) = (3, 5);
        let xw = random(b, 4 * hidden, 1.5, 1);
        let h = random(b, hidden, 1.0, 2);
        let c = random(b, hidden, 2.0, 3);
        let w = random(hidden, 4 * hidden, 0.7, 4);
        let z = &xw + &h.dot(&w);
        let (mut want_h, mut want_c) = (Array2::zeros((b, hidden)), Array2::zeros((b, hidden)));
        for r in 0..b {
            for j in 0..hidden {
                let gate = |k: usize| z[[r, k * hidden + j]];
                let cell = sigmoid(gate(1)) * c[[r, j]] + sigmoid(gate(0)) * gate(2).tanh();
                want_c[[r, j]] = cell;
                want_h[[r, j]] = sigmoid(gate(3)) * cell.tanh();
            }
        }
        let (got_h, got_c) = lstm_step(
            &Tensor::new(xw),
            &Tensor::new(h),
            &Tensor::new(c),
            &Tensor::new(w),
        );
        assert_eq!(got_h.shape(), vec![b, hidden], "h' is [B, H]");
        assert_eq!(got_c.shape(), vec![b, hidden], "c' is [B, H]");
        let (dh, dc) = (
            max_diff(&got_h.to_array(), &want_h.into_dyn()),
            max_diff(&got_c.to_array(), &want_c.into_dyn()),
        );
        assert!(
            dh < 1e-5 && dc < 1e-5,
            "h' off by up to {dh}, c' by up to {dc}: the blocks are, in order, input, forget, \
             candidate, output, each H columns wide"
        );
    }

    #[test]
    fn its_gradients_match_finite_differences() {
        let (b, hidden) = (2, 3);
        let inputs = [
            random(b, 4 * hidden, 1.0, 5).into_dyn(),
            random(b, hidden, 1.0, 6).into_dyn(),
            random(b, hidden, 1.0, 7).into_dyn(),
            random(hidden, 4 * hidden, 0.8, 8).into_dyn(),
        ];
        let worst = tensor::gradcheck::check_gradients(
            |t| {
                let (h, c) = lstm_step(&t[0], &t[1], &t[2], &t[3]);
                h.add(&c.scale(0.5))
            },
            &inputs,
            tensor::gradcheck::DEFAULT_STEP,
            tensor::gradcheck::DEFAULT_TOLERANCE,
        );
        assert!(
            worst.is_ok(),
            "a gradient of (h', c') disagrees with finite differences: {worst:?}; build the \
             step from tensor ops only, so that autograd sees every one"
        );
    }
}

mod gru_step {
    use super::*;
    use lstm::gru_step;

    #[test]
    fn a_batch_matches_the_equations_element_by_element() {
        let (b, hidden) = (3, 4);
        let xw = random(b, 3 * hidden, 1.5, 11);
        let h = random(b, hidden, 1.0, 12);
        let w = random(hidden, 3 * hidden, 0.7, 13);
        let bias = random(1, 3 * hidden, 0.5, 14).row(0).to_owned();
        let hw = h.dot(&w) + &bias;
        let mut want = Array2::zeros((b, hidden));
        for r in 0..b {
            for j in 0..hidden {
                let (x, hh) = (
                    |k: usize| xw[[r, k * hidden + j]],
                    |k: usize| hw[[r, k * hidden + j]],
                );
                let reset = sigmoid(x(0) + hh(0));
                let update = sigmoid(x(1) + hh(1));
                let candidate = (x(2) + reset * hh(2)).tanh();
                want[[r, j]] = (1.0 - update) * candidate + update * h[[r, j]];
            }
        }
        let got = gru_step(
            &Tensor::new(xw),
            &Tensor::new(h),
            &Tensor::new(w),
            &Tensor::new(bias),
        );
        assert_eq!(got.shape(), vec![b, hidden], "h' is [B, H]");
        let diff = max_diff(&got.to_array(), &want.into_dyn());
        assert!(
            diff < 1e-5,
            "h' off by up to {diff}: blocks are reset, update, candidate; the reset gate multiplies \
             only h's share of the candidate (h·W_hh + b_hh, block 2), and h' = (1 - z)·n + z·h"
        );
    }

    #[test]
    fn a_closed_update_gate_keeps_the_state() {
        // A large update pre-activation makes z ≈ 1: the new state is the old one.
        let hidden = 3;
        let mut xw = random(2, 3 * hidden, 1.0, 15);
        xw.slice_mut(ndarray::s![.., hidden..2 * hidden]).fill(30.0);
        let h = random(2, hidden, 1.0, 16);
        let got = gru_step(
            &Tensor::new(xw),
            &Tensor::new(h.clone()),
            &Tensor::new(random(hidden, 3 * hidden, 0.5, 17)),
            &Tensor::new(ndarray::Array1::<f32>::zeros(3 * hidden)),
        );
        let diff = max_diff(&got.to_array(), &h.into_dyn());
        assert!(
            diff < 1e-5,
            "with z = 1 the GRU should copy h through (off by {diff}): z weighs the OLD state"
        );
    }

    #[test]
    fn its_gradients_match_finite_differences() {
        let hidden = 3;
        let inputs = [
            random(2, 3 * hidden, 1.0, 18).into_dyn(),
            random(2, hidden, 1.0, 19).into_dyn(),
            random(hidden, 3 * hidden, 0.8, 20).into_dyn(),
            random(1, 3 * hidden, 0.5, 21).row(0).to_owned().into_dyn(),
        ];
        let worst = tensor::gradcheck::check_gradients(
            |t| gru_step(&t[0], &t[1], &t[2], &t[3]),
            &inputs,
            tensor::gradcheck::DEFAULT_STEP,
            tensor::gradcheck::DEFAULT_TOLERANCE,
        );
        assert!(
            worst.is_ok(),
            "a gradient of h' disagrees with finite differences: {worst:?}"
        );
    }
}

mod carry_state {
    use super::*;
    use lstm::carry_state;
    use lstm::model::{Cell, CharModel, LayerState, ModelConfig};
    use lstm::train::{self, TrainConfig};

    fn small_model(cell: Cell, hidden: usize, seed: u64) -> CharModel {
        let config = ModelConfig {
            cell,
            vocab: 11,
            hidden,
            layers: 2,
            dropout: 0.0,
        };
        CharModel::new(config, &mut ChaCha8Rng::seed_from_u64(seed))
    }

    #[test]
    fn the_values_carry_on_and_the_graph_stops() {
        let model = small_model(Cell::Lstm, 16, 1);
        let ids = text(11, 2 * 8);
        let out = model.forward(&ids, 2, &model.zero_state(2), None);
        // Under autograd the states were computed from the weights: they have a record.
        assert!(out.last[0].h.requires_grad());
        let carried = carry_state(&out.last);
        assert_eq!(carried.len(), 2, "one state per layer");
        for (before, after) in out.last.iter().zip(&carried) {
            assert_eq!(before.h.to_vec(), after.h.to_vec(), "h keeps its values");
            let (c0, c1) = (before.c.as_ref().unwrap(), after.c.as_ref());
            let c1 = c1.expect("an LSTM's cell state is carried too");
            assert_eq!(c0.to_vec(), c1.to_vec(), "c keeps its values");
            assert!(
                !after.h.requires_grad() && !c1.requires_grad(),
                "the carried states still record how they were made: detach them"
            );
        }
        let gru = small_model(Cell::Gru, 16, 1);
        let out = gru.forward(&ids, 2, &gru.zero_state(2), None);
        let carried: Vec<LayerState> = carry_state(&out.last);
        assert!(
            carried.iter().all(|s| s.c.is_none()),
            "a GRU has no cell state to carry"
        );
    }

    #[test]
    fn memory_stays_flat_over_many_windows() {
        let model = small_model(Cell::Lstm, 16, 2);
        let ids = text(11, 4000);
        let config = TrainConfig {
            seq_len: 8,
            batch: 4,
            steps: 60,
            eval_every: 1000,
            eval_chars: Some(50),
            ..TrainConfig::default()
        };
        let mut live = Vec::new();
        train::train_text(
            &model,
            &ids,
            &ids[..100],
            &config,
            &mut ChaCha8Rng::seed_from_u64(3),
            None,
            |e| {
                if let train::Event::Step { step, .. } = e {
                    if step == 10 || step == 50 {
                        live.push(tensor::live_tensors());
                    }
                }
                Ok(())
            },
        )
        .expect("trains");
        assert!(
            live[1] <= live[0] + 100, // a window's graph is thousands of tensors
            "{} tensors alive after 10 windows, {} after 50: the graph grows from window to \
             window, so the state is carried with its history; detach it",
            live[0],
            live[1]
        );
    }

    #[test]
    fn lstm_and_gru_learn_a_small_text() {
        let ids = text(11, 6000);
        let (train_ids, valid) = ids.split_at(5400);
        for cell in [Cell::Lstm, Cell::Gru] {
            let model = small_model(cell, 32, 4);
            let before = train::evaluate_text(&model, valid);
            let config = TrainConfig {
                seq_len: 16,
                batch: 8,
                lr: 2e-2,
                steps: 150,
                eval_every: 150,
                ..TrainConfig::default()
            };
            let run = train::train_text(
                &model,
                train_ids,
                valid,
                &config,
                &mut ChaCha8Rng::seed_from_u64(5),
                None,
                |_| Ok(()),
            )
            .expect("trains");
            let after = run.final_valid_loss();
            println!("{}: validation loss {before:.3} -> {after:.3}", cell.name());
            assert!(
                after < 0.5 * before,
                "{}: validation loss {before:.3} -> {after:.3}, expected to fall by half or more \
                 in 150 steps on a repeated phrase",
                cell.name()
            );
        }
    }
}
