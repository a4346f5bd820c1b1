//! The binary as a user runs it: results, files, and errors with the right exit status.
//! Runs are short (`--epochs 1 --train-limit 2000`), so these check behaviour, not the
//! 98% of a full run (see the chapter and `runs/03-mlp/metrics.json` for that).

use run::cli_test::{assert_clean_failure, assert_svg_figures, metrics, run_binary, text};
use std::path::Path;
use std::process::Output;

const QUICK: [&str; 4] = ["--epochs", "1", "--train-limit", "2000"];

fn run(args: &[&str], out: &Path) -> Output {
    run_binary(env!("CARGO_BIN_EXE_03-mlp"), args, out)
}

#[test]
fn a_short_run_writes_metrics_figures_and_a_checkpoint_and_ends_with_the_result_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&QUICK, dir.path());
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("epoch 1/1  loss"), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("result: test_accuracy="), "{last}");
    let m = metrics(dir.path());
    assert_eq!(m["project"], "03-mlp");
    assert_eq!(m["dataset"], "mnist");
    let accuracy = m["metrics"]["test_accuracy"].as_f64().unwrap();
    println!("one epoch on 2000 digits: test accuracy {accuracy}");
    assert!(accuracy > 0.7, "{accuracy}");
    assert_eq!(m["metrics"]["xor_accuracy"], 1.0);
    assert_eq!(m["params"], 784 * 512 + 512 + 512 * 10 + 10);
    assert_eq!(m["epochs"], 1);
    assert!(m["examples_per_second"].as_f64().unwrap() > 0.0);
    assert_svg_figures(
        dir.path(),
        &[
            "loss.svg",
            "accuracy.svg",
            "confusion.svg",
            "mistakes.svg",
            "xor_boundary.svg",
        ],
    );
    let png = std::fs::read(dir.path().join("weights.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let model = mlp::checkpoint::load(&dir.path().join("model.safetensors")).unwrap();
    assert_eq!(model.sizes(), [784, 512, 10]);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_same_seed_gives_the_same_metrics_and_depth_and_activation_are_flags() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        &QUICK[..],
        &["--seed", "7", "--hidden-size", "64", "--hidden-layers", "2"],
    ]
    .concat();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let output = run(&args, out);
        assert!(output.status.success(), "{}", text(&output));
    }
    assert_eq!(metrics(&a)["metrics"], metrics(&b)["metrics"]);
    assert_eq!(
        metrics(&a)["params"],
        784 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10
    );

    let sigmoid = dir.path().join("sigmoid");
    let output = run(
        &[&QUICK[..], &["--activation", "sigmoid", "--lr", "0.5"]].concat(),
        &sigmoid,
    );
    assert!(output.status.success(), "{}", text(&output));
    let model = mlp::checkpoint::load(&sigmoid.join("model.safetensors")).unwrap();
    assert_eq!(model.activation, mlp::Activation::Sigmoid);
}

#[test]
fn a_data_folder_without_mnist_names_the_missing_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        &["--data-dir", dir.path().to_str().unwrap()],
        &dir.path().join("out"),
    );
    let all = assert_clean_failure(&output);
    println!("{all}");
    assert!(all.contains("train-images-idx3-ubyte"), "{all}");
    assert!(all.contains("--data-dir"), "{all}");
    assert!(!dir.path().join("out/metrics.json").exists());
}

#[test]
fn a_damaged_mnist_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = data::workspace_data_dir().join("mnist");
    for name in [
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        std::fs::copy(data.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("train-images-idx3-ubyte.gz"), b"not gzip").unwrap();
    let output = run(
        &["--data-dir", dir.path().to_str().unwrap()],
        &dir.path().join("out"),
    );
    let all = assert_clean_failure(&output);
    println!("{all}");
    assert!(all.contains("train-images-idx3-ubyte.gz"), "{all}");
}

#[test]
fn a_diverging_run_stops_with_advice_and_writes_no_results() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&[&QUICK[..], &["--lr", "100"]].concat(), dir.path());
    let all = assert_clean_failure(&output);
    println!("{all}");
    assert!(all.contains("diverged") && all.contains("--lr"), "{all}");
    assert!(!dir.path().join("metrics.json").exists());
}

#[test]
fn bad_flags_are_usage_errors_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--lr=-1"][..],
        &["--lr", "nan"],
        &["--epochs", "0"],
        &["--batch-size", "0"],
        &["--hidden-size", "0"],
        &["--hidden-layers", "17"],
        &["--activation", "tanh"],
        &["--momentum", "1"],
        &["--schedule", "step"],
        &["--train-limit", "0"],
        &["--threads", "0"],
    ] {
        let output = run(args, dir.path());
        let all = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {all}");
        let flag = args[0].split('=').next().unwrap_or_default();
        assert!(all.contains(flag), "{args:?}: {all}");
    }
    assert!(!dir.path().join("metrics.json").exists());
}

#[test]
fn an_unwritable_out_fails_before_loading_data_or_training() {
    let dir = tempfile::tempdir().unwrap();
    run::cli_test::assert_fails_before_the_work(env!("CARGO_BIN_EXE_03-mlp"), &[], dir.path());
}
