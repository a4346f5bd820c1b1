//! Checkpoints: a round trip restores parameters, buffers and optimizer state exactly;
//! a checkpoint of another architecture is refused with a message that names the tensor.

use nn::checkpoint::{load, save};
use nn::{Adam, BatchNorm, CheckpointError, Linear, Module, Optimizer, Relu, Sequential};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn model(hidden: usize, seed: u64) -> Sequential {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Sequential::new()
        .add(Linear::new(4, hidden, &mut rng))
        .add(BatchNorm::new(hidden))
        .add(Relu)
        .add(Linear::new(hidden, 3, &mut rng))
}

fn train_a_step(m: &Sequential, opt: &mut Adam) {
    let x = tensor::Tensor::new(ndarray::Array2::from_shape_fn((5, 4), |(i, j)| {
        (i * 4 + j) as f32 * 0.1
    }));
    opt.zero_grad();
    tensor::cross_entropy(&m.forward(&x), &[0, 1, 2, 0, 1]).backward();
    opt.step();
}

#[test]
fn a_round_trip_restores_parameters_buffers_and_optimizer_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let a = model(8, 1);
    let mut opt_a = Adam::new(a.parameters(), 0.01);
    train_a_step(&a, &mut opt_a);
    save(&path, &a, Some(&opt_a)).unwrap();

    let b = model(8, 2); // different initial weights
    let mut opt_b = Adam::new(b.parameters(), 0.01);
    load(&path, &b, Some(&mut opt_b)).unwrap();
    let all = |m: &Sequential| {
        m.named_parameters()
            .into_iter()
            .chain(m.named_buffers())
            .map(|(n, t)| (n, t.to_vec()))
            .collect::<Vec<_>>()
    };
    assert_eq!(all(&a), all(&b));
    assert_eq!(opt_a.state(), opt_b.state());
    // Training on from both gives the same next step.
    train_a_step(&a, &mut opt_a);
    train_a_step(&b, &mut opt_b);
    assert_eq!(all(&a), all(&b));
    // Only the checkpoint is in the folder: the temporary file was renamed, not left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // The model alone loads without an optimizer, ignoring the optimizer entries.
    load(&path, &model(8, 3), None).unwrap();
}

#[test]
fn a_checkpoint_of_another_architecture_names_the_first_mismatching_tensor_and_both_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    save(&path, &model(8, 1), None).unwrap();
    let wrong = model(16, 1);
    let before = wrong.parameters()[0].to_vec();
    let err = load(&path, &wrong, None).unwrap_err();
    let msg = err.to_string();
    println!("{msg}");
    assert!(matches!(err, CheckpointError::ShapeMismatch { .. }));
    assert!(
        msg.contains("`0.weight`") && msg.contains("[4, 8]") && msg.contains("[4, 16]"),
        "{msg}"
    );
    assert!(msg.contains("model.safetensors"), "{msg}");
    assert_eq!(
        wrong.parameters()[0].to_vec(),
        before,
        "a failed load changes nothing"
    );

    // A model with an extra layer: the checkpoint lacks its tensors.
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let bigger = model(8, 1).add(Linear::new(3, 2, &mut rng));
    let msg = load(&path, &bigger, None).unwrap_err().to_string();
    assert!(
        msg.contains("no tensor `4.weight`") && msg.contains("[3, 2]"),
        "{msg}"
    );

    // A model with a layer fewer: the checkpoint has tensors the model lacks.
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let smaller = Sequential::new()
        .add(Linear::new(4, 8, &mut rng))
        .add(BatchNorm::new(8));
    let msg = load(&path, &smaller, None).unwrap_err().to_string();
    assert!(
        msg.contains("`3.bias`") && msg.contains("does not have"),
        "{msg}"
    );

    // Asking for optimizer state from a checkpoint saved without it.
    let m = model(8, 1);
    let mut opt = Adam::new(m.parameters(), 0.1);
    let msg = load(&path, &m, Some(&mut opt)).unwrap_err().to_string();
    assert!(
        msg.contains("optimizer.step") && msg.contains("without optimizer state"),
        "{msg}"
    );
}

#[test]
fn an_unreadable_checkpoint_says_which_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.safetensors");
    std::fs::write(&path, b"not a checkpoint").unwrap();
    let msg = load(&path, &model(8, 1), None).unwrap_err().to_string();
    assert!(
        msg.contains("broken.safetensors") && msg.contains("not a readable safetensors"),
        "{msg}"
    );
    let missing = dir.path().join("absent.safetensors");
    let msg = load(&missing, &model(8, 1), None).unwrap_err().to_string();
    assert!(
        msg.contains("absent.safetensors") && msg.contains("cannot read"),
        "{msg}"
    );
}
