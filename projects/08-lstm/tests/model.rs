//! The model around the cells: stacking, carrying the state, dropout, checkpoints.

use lstm::model::{Cell, CharModel, ModelConfig};
use lstm::{carry_state, checkpoint, train};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn model(cell: Cell, dropout: f32) -> CharModel {
    let config = ModelConfig {
        cell,
        vocab: 7,
        hidden: 12,
        layers: 2,
        dropout,
    };
    CharModel::new(config, &mut ChaCha8Rng::seed_from_u64(9))
}

fn ids(len: usize) -> Vec<u32> {
    (0..len).map(|i| ((i * 5 + i / 3) % 7) as u32).collect()
}

#[test]
fn carrying_the_state_equals_reading_the_whole_sequence() {
    for cell in Cell::ALL {
        let m = model(cell, 0.0);
        let seq = ids(12);
        let whole = m.forward(&seq, 1, &m.zero_state(1), None).logits.to_vec();
        let first = m.forward(&seq[..5], 1, &m.zero_state(1), None);
        let second = m.forward(&seq[5..], 1, &carry_state(&first.last), None);
        let pieces = [first.logits.to_vec(), second.logits.to_vec()].concat();
        let worst = whole
            .iter()
            .zip(&pieces)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-5, "{}: off by {worst}", cell.name());
    }
}

/// `forward` (layer by layer, each layer's input products for the whole window at once)
/// against `step` (every layer one step at a time, as the chapter's diagram reads): the same
/// scores and the same gradients for every parameter.
#[test]
fn layer_by_layer_equals_step_by_step() {
    for cell in Cell::ALL {
        let m = model(cell, 0.0);
        let (batch, steps) = (3, 8);
        let seq = ids(batch * steps); // [B, T], row by row
        let targets = lstm::model::time_major(&ids(batch * steps + 1)[1..], batch);
        let loss_and_grads = |logits: &tensor::Tensor| {
            for p in m.parameters() {
                p.zero_grad();
            }
            tensor::cross_entropy(logits, &targets).backward();
            let grads: Vec<Vec<f32>> = m
                .parameters()
                .iter()
                .map(|p| {
                    p.grad()
                        .expect("every parameter is used")
                        .iter()
                        .copied()
                        .collect()
                })
                .collect();
            (logits.to_vec(), grads)
        };
        let fast = loss_and_grads(&m.forward(&seq, batch, &m.zero_state(batch), None).logits);
        let mut state = m.zero_state(batch);
        let tops: Vec<tensor::Tensor> = (0..steps)
            .map(|t| {
                let ids: Vec<usize> = (0..batch).map(|b| seq[b * steps + t] as usize).collect();
                m.step(&ids, &mut state, None)
            })
            .collect();
        let logits = tensor::Tensor::concat(&tops, 0)
            .matmul(&m.w_out)
            .add(&m.b_out);
        let plain = loss_and_grads(&logits);
        let worst = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f32::max)
        };
        assert!(
            worst(&fast.0, &plain.0) < 1e-5,
            "{}: scores differ",
            cell.name()
        );
        for (i, (f, p)) in fast.1.iter().zip(&plain.1).enumerate() {
            assert!(worst(f, p) < 1e-5, "{}: gradient {i} differs", cell.name());
        }
    }
}

#[test]
fn each_sequence_of_a_batch_is_read_alone() {
    let m = model(Cell::Lstm, 0.0);
    let (a, b) = (ids(6), ids(9)[3..].to_vec());
    let batch = m.forward(&[a.clone(), b.clone()].concat(), 2, &m.zero_state(2), None);
    let alone = m.forward(&b, 1, &m.zero_state(1), None).logits.to_array();
    let logits = batch.logits.to_array(); // time-major: row 2t + 1 is sequence b at step t
    for t in 0..6 {
        for v in 0..7 {
            assert!((logits[[2 * t + 1, v]] - alone[[t, v]]).abs() < 1e-5);
        }
    }
}

#[test]
fn dropout_acts_in_training_only() {
    let m = model(Cell::Lstm, 0.5);
    let seq = ids(10);
    let eval = || m.forward(&seq, 1, &m.zero_state(1), None).logits.to_vec();
    assert_eq!(eval(), eval(), "evaluation is deterministic");
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let trained = m
        .forward(&seq, 1, &m.zero_state(1), Some(&mut rng))
        .logits
        .to_vec();
    assert_ne!(trained, eval(), "dropout changes the training pass");
}

#[test]
fn the_forget_gate_starts_open() {
    let m = model(Cell::Lstm, 0.0);
    let b = m.layers[0].b_ih.to_vec();
    assert!(b[12..24].iter().all(|&v| v == 1.0) && b[..12].iter().all(|&v| v == 0.0));
}

#[test]
fn per_character_losses_average_to_the_validation_loss() {
    let m = model(Cell::Gru, 0.0);
    let seq = ids(300);
    let losses = train::losses_per_char(&m, &seq);
    assert_eq!(losses.len(), seq.len() - 1);
    let scored: Vec<f64> = losses.iter().copied().filter(|l| !l.is_nan()).collect();
    // Not scored: each of the 16 streams' first character, and the few past the last stream.
    assert!(
        scored.len() >= seq.len() - 32,
        "almost every character is scored"
    );
    let mean = scored.iter().sum::<f64>() / scored.len() as f64;
    assert!((mean - train::evaluate_text(&m, &seq)).abs() < 1e-9);
}

#[test]
fn a_checkpoint_gives_back_the_model_and_its_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let vocab = data::text::Vocab::from_text("abcdefg");
    for cell in Cell::ALL {
        let m = model(cell, 0.0);
        checkpoint::save(&path, &m, &vocab).unwrap();
        let (back, v) = checkpoint::load(&path).unwrap();
        assert_eq!(v.chars(), vocab.chars());
        assert_eq!(back.config.cell, cell);
        let seq = ids(8);
        let a = m.forward(&seq, 1, &m.zero_state(1), None).logits.to_vec();
        let b = back
            .forward(&seq, 1, &back.zero_state(1), None)
            .logits
            .to_vec();
        assert_eq!(
            a,
            b,
            "{}: the loaded model computes the same scores",
            cell.name()
        );
    }
}

#[test]
fn a_file_that_is_not_our_checkpoint_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.safetensors");
    std::fs::write(&path, b"not a checkpoint").unwrap();
    let error = format!("{:#}", checkpoint::load(&path).err().unwrap());
    assert!(error.contains("other.safetensors"), "{error}");
}

/// `08-lstm compare` measures how far back the gradient reaches on the stacked (two-layer)
/// models; the lower layer's state at the last step does not reach the loss, and that must
/// count as a zero gradient, not stop the run.
#[test]
fn the_gradient_through_time_of_a_stacked_model_is_measured_at_every_step() {
    for cell in [Cell::Rnn, Cell::Lstm] {
        let m = model(cell, 0.0);
        let norms = lstm::figures::gradient_through_time(&m, &ids(400), 16, 3);
        assert_eq!(norms.len(), 16);
        assert_eq!(norms[0], 1.0, "relative to the last step");
        assert!(
            norms.iter().all(|n| n.is_finite() && *n > 0.0),
            "{}: {norms:?}",
            cell.name()
        );
    }
}
