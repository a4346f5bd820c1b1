//! Part 2's batched model against Part 1's hand-written one, and what surrounds it: the
//! state carried between windows, names padded in a batch, checkpoints.

use ndarray::{s, Array1, Array2, ArrayD};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rnn::minimal::{self, MinimalRnn};
use rnn::model::{classes, CharRnn};
use tensor::Tensor;

/// Part 1's model with random weights, and Part 2's with the same weights.
fn twin_models(vocab: usize, hidden: usize, seed: u64) -> (MinimalRnn, CharRnn) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut random =
        |rows, cols| Array2::from_shape_fn((rows, cols), |_| rng.random_range(-0.5..0.5f32));
    let minimal = MinimalRnn {
        w_xh: random(vocab, hidden),
        w_hh: random(hidden, hidden),
        b_h: random(1, hidden).row(0).to_owned(),
        w_hy: random(hidden, vocab),
        b_y: random(1, vocab).row(0).to_owned(),
    };
    let param = |a: ArrayD<f32>| Tensor::param(a);
    let batched = CharRnn {
        embedding: param(minimal.w_xh.clone().into_dyn()),
        w_hh: param(minimal.w_hh.clone().into_dyn()),
        b_h: param(minimal.b_h.clone().into_dyn()),
        w_hy: param(minimal.w_hy.clone().into_dyn()),
        b_y: param(minimal.b_y.clone().into_dyn()),
    };
    (minimal, batched)
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 * (1.0 + a.abs().max(b.abs()))
}

const SEQUENCES: [[u32; 6]; 3] = [[0, 3, 1, 4, 4, 2], [2, 2, 0, 1, 3, 0], [4, 1, 2, 3, 0, 1]];
const TARGETS: [[u32; 6]; 3] = [[3, 1, 4, 4, 2, 0], [2, 0, 1, 3, 0, 2], [1, 2, 3, 0, 1, 4]];

#[test]
fn the_batched_model_computes_part_ones_rnn() {
    let (minimal, batched) = twin_models(5, 7, 1);
    let inputs: Vec<u32> = SEQUENCES.concat();
    let out = batched.forward(&inputs, 3, &batched.zero_state(3));
    let probs = out.logits.softmax(1).to_array(); // [B·T, V], row b·T + t
    for (b, (seq, targets)) in SEQUENCES.iter().zip(&TARGETS).enumerate() {
        let pass = minimal::forward(&minimal, seq, targets, Array1::zeros(7).view());
        for t in 0..6 {
            for v in 0..5 {
                let (ours, theirs) = (probs[[b * 6 + t, v]], pass.probs[[t, v]]);
                assert!(
                    close(ours, theirs),
                    "sequence {b}, step {t}, character {v}: {ours} vs {theirs}"
                );
            }
        }
        let last = out.last.to_array();
        for (i, &h) in pass.hs.row(6).iter().enumerate() {
            assert!(close(last[[b, i]], h), "last hidden state of sequence {b}");
        }
    }
}

#[test]
fn autograd_agrees_with_backpropagation_through_time_by_hand() {
    let (minimal, batched) = twin_models(5, 7, 2);
    let inputs: Vec<u32> = SEQUENCES.concat();
    let targets: Vec<u32> = TARGETS.concat();
    let out = batched.forward(&inputs, 3, &batched.zero_state(3));
    tensor::cross_entropy(&out.logits, &classes(&targets)).backward();
    // The batched loss is the mean over 18 predictions; Part 1's is the sum over a chunk.
    let mut by_hand = MinimalRnn::zeros(5, 7);
    for (seq, tgt) in SEQUENCES.iter().zip(&TARGETS) {
        let pass = minimal::forward(&minimal, seq, tgt, Array1::zeros(7).view());
        let grads = rnn::backward_through_time(&minimal, seq, tgt, &pass);
        for (mut sum, g) in by_hand.arrays_mut().into_iter().zip(grads.arrays()) {
            sum.scaled_add(1.0 / 18.0, &g);
        }
    }
    for ((name, param), hand) in batched.named_parameters().iter().zip(by_hand.arrays()) {
        let auto = param.grad().expect("a gradient");
        for (a, h) in auto.iter().zip(hand.iter()) {
            assert!(close(*a, *h), "∂loss/∂{name}: autograd {a}, by hand {h}");
        }
    }
}

#[test]
fn carrying_the_state_equals_reading_the_whole_sequence() {
    let (_, model) = twin_models(5, 6, 3);
    let seq: Vec<u32> = (0..12).map(|i| (i * 7 % 5) as u32).collect();
    let whole = model.forward(&seq, 1, &model.zero_state(1));
    let first = model.forward(&seq[..5], 1, &model.zero_state(1));
    let second = model.forward(&seq[5..], 1, &first.last);
    let halves = Tensor::concat(&[first.logits, second.logits], 0).to_array();
    for (a, b) in whole.logits.to_array().iter().zip(halves.iter()) {
        assert!(close(*a, *b), "{a} vs {b}");
    }
}

#[test]
fn names_in_a_batch_score_as_if_each_were_alone() {
    let (_, model) = twin_models(6, 8, 4);
    let names = vec![vec![1u32, 2, 3, 4, 5], vec![3], vec![5, 4, 1]];
    let together = rnn::train::evaluate_names(&model, &names, 0);
    let mut total = 0.0;
    for name in &names {
        total += rnn::train::evaluate_names(&model, std::slice::from_ref(name), 0)
            * (name.len() + 1) as f64;
    }
    let alone = total / 12.0;
    assert!(
        (together - alone).abs() < 1e-5,
        "padded batch {together}, one by one {alone}"
    );
}

#[test]
fn the_batched_rnn_learns_names() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    // Names of the form consonant-vowel-consonant-vowel: learnable, not memorisable.
    let name = |rng: &mut ChaCha8Rng| -> Vec<u32> {
        (0..rng.random_range(2..4))
            .flat_map(|_| [rng.random_range(1..6), rng.random_range(6..9)])
            .collect()
    };
    let train: Vec<Vec<u32>> = (0..400).map(|_| name(&mut rng)).collect();
    let valid: Vec<Vec<u32>> = (0..50).map(|_| name(&mut rng)).collect();
    let config = rnn::train::TrainConfig {
        hidden: 24,
        batch: 16,
        lr: 1e-2,
        steps: 120,
        eval_every: 120,
        ..rnn::train::TrainConfig::default()
    };
    let model = CharRnn::new(9, 24, &mut rng);
    let before = rnn::train::evaluate_names(&model, &valid, 0);
    let training =
        rnn::train::train_names(&model, &train, &valid, 0, &config, &mut rng, None, |_| {
            Ok(())
        })
        .unwrap();
    let after = training.final_valid_loss();
    // A perfect model still has to guess among 5 consonants, 3 vowels and when to stop.
    println!("validation loss {before:.3} -> {after:.3}");
    assert!(after < before - 0.6, "{before:.3} -> {after:.3}");
}

#[test]
fn a_checkpoint_gives_back_the_model_and_its_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let vocab = data::text::Vocab::from_text("hello, wörld\n");
    let model = CharRnn::new(vocab.len(), 5, &mut ChaCha8Rng::seed_from_u64(6));
    rnn::checkpoint::save(&path, &model, &vocab).unwrap();
    let (loaded, loaded_vocab) = rnn::checkpoint::load(&path).unwrap();
    assert_eq!(loaded_vocab, vocab);
    for ((name, a), (_, b)) in model
        .named_parameters()
        .iter()
        .zip(loaded.named_parameters())
    {
        assert_eq!(a.to_array(), b.to_array(), "{name}");
    }
    let slice = loaded.w_hy.to_array();
    assert_eq!(slice.slice(s![.., 0]).len(), 5);
    assert_eq!(
        rnn::checkpoint::end_mark(&path).unwrap(),
        None,
        "a model of text"
    );

    let names = dir.path().join("names.safetensors");
    let vocab = data::text::Vocab::from_text("anna.bob.");
    let model = CharRnn::new(vocab.len(), 5, &mut ChaCha8Rng::seed_from_u64(7));
    rnn::checkpoint::save_names(&names, &model, &vocab, '.').unwrap();
    assert_eq!(rnn::checkpoint::end_mark(&names).unwrap(), Some('.'));
    assert_eq!(rnn::checkpoint::load(&names).unwrap().1, vocab);
}

#[test]
fn a_file_that_is_not_our_checkpoint_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.safetensors");
    std::fs::write(&path, b"not a checkpoint").unwrap();
    let err = format!("{:#}", rnn::checkpoint::load(&path).unwrap_err());
    println!("{err}");
    assert!(err.contains("other.safetensors"), "{err}");
}
