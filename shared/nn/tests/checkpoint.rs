//! Checkpoints: a round trip restores parameters, buffers and optimizer state exactly;
//! a checkpoint of another architecture is refused with a message that names the tensor.

use nn::checkpoint::{load, read_metadata, save, Metadata};
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
    save(&path, &a, Some(&opt_a), None).unwrap();

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
    save(&path, &model(8, 1), None, None).unwrap();
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

#[test]
fn metadata_is_saved_in_the_header_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let metadata = Metadata::from([
        ("model".to_owned(), "mlp".to_owned()),
        ("hidden".to_owned(), "8".to_owned()),
    ]);
    save(&path, &model(8, 1), None, Some(&metadata)).unwrap();
    assert_eq!(read_metadata(&path).unwrap(), metadata);
    // Where Python's `safetensors` looks for it: the header's `__metadata__` entry.
    let bytes = std::fs::read(&path).unwrap();
    let length = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + length]).unwrap();
    assert_eq!(header["__metadata__"]["hidden"], "8", "{header}");
    // The metadata does not get in the way of loading the tensors.
    load(&path, &model(8, 2), None).unwrap();

    // Saved without metadata: an empty map, not an error.
    save(&path, &model(8, 1), None, None).unwrap();
    assert_eq!(read_metadata(&path).unwrap(), Metadata::new());
}

#[test]
fn metadata_of_an_unreadable_file_says_which_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.safetensors");
    std::fs::write(&path, b"not a checkpoint").unwrap();
    let msg = read_metadata(&path).unwrap_err().to_string();
    assert!(
        msg.contains("broken.safetensors") && msg.contains("not a readable safetensors"),
        "{msg}"
    );
    let msg = read_metadata(&dir.path().join("absent.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("absent.safetensors"), "{msg}");
}

#[test]
fn saving_into_an_unwritable_folder_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let path = blocker.join("model.safetensors");
    let err = save(&path, &model(8, 1), None, None).unwrap_err();
    assert!(matches!(err, CheckpointError::Write(_)), "{err}");
    assert!(
        err.to_string().contains("a-file/model.safetensors"),
        "{err}"
    );
}

/// Python's `safetensors` reads the metadata and the tensors. Needs a Python with
/// `safetensors` and `numpy` (`SMALLNETS_PYTHON=/path/to/venv/bin/python`, else `python3`);
/// without one the test says so and checks nothing else, since tests run offline and
/// install nothing.
#[test]
fn python_safetensors_reads_the_metadata() {
    let python = std::env::var("SMALLNETS_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let has_safetensors = std::process::Command::new(&python)
        .args(["-c", "import safetensors.numpy, numpy"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !has_safetensors {
        println!(
            "skipped: {python} cannot import safetensors and numpy; set SMALLNETS_PYTHON to a \
             Python that can (e.g. a venv with `pip install safetensors numpy`)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let metadata = Metadata::from([("model".to_owned(), "keras".to_owned())]);
    let m = model(8, 1);
    save(&path, &m, None, Some(&metadata)).unwrap();
    let script = "import sys\n\
                  from safetensors import safe_open\n\
                  with safe_open(sys.argv[1], 'np') as f:\n\
                  \x20   print(sorted(f.metadata().items()))\n\
                  \x20   print(f.get_tensor('0.weight').sum())\n";
    let output = std::process::Command::new(&python)
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("[('model', 'keras')]"), "{stdout}");
    let python_sum: f32 = lines.next().unwrap().parse().unwrap();
    let rust_sum: f32 = m.parameters()[0].to_vec().iter().sum();
    assert!(
        (python_sum - rust_sum).abs() < 1e-4,
        "{python_sum} vs {rust_sum}"
    );
}
