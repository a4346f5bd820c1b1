//! The binary as a user runs it: results, files, and errors with the right exit status.

use run::cli_test::{
    assert_clean_failure, assert_svg_figures, assert_usage_errors, run_binary, text,
};
use std::path::Path;
use std::process::{Command, Output};

/// A short run: few scalar steps, a slice of MNIST, no benchmark.
const SHORT: [&str; 11] = [
    "--steps",
    "30",
    "--points",
    "60",
    "--epochs",
    "1",
    "--train-limit",
    "2000",
    "--hidden",
    "64",
    "--no-bench",
];

fn run(args: &[&str], out: &Path) -> Output {
    run_binary(env!("CARGO_BIN_EXE_04-autograd"), args, out)
}

#[test]
fn a_short_run_writes_metrics_figures_and_the_graph_and_ends_with_the_result_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&SHORT, dir.path());
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("result: scalar_mlp_accuracy=") && last.contains(" test_accuracy="),
        "{last}"
    );
    assert!(last.contains("micrograd_g=24.7041"), "{last}");
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(metrics["project"], "04-autograd");
    assert_eq!(metrics["epochs"], 1);
    assert_eq!(metrics["steps"], 30);
    for name in ["scalar_mlp_accuracy", "test_accuracy", "micrograd_dg_db"] {
        assert!(metrics["metrics"][name].is_number(), "{name}");
    }
    assert!(
        metrics["metrics"].get("tensor_speedup").is_none(),
        "--no-bench"
    );
    assert_svg_figures(dir.path(), &["moons_boundary.svg", "moons_loss.svg"]);
    assert!(
        dir.path().join("mnist_mlp.safetensors").is_file(),
        "the checkpoint"
    );
    let dot = std::fs::read_to_string(dir.path().join("graph.dot")).unwrap();
    assert!(dot.starts_with("digraph") && dot.contains("tanh"), "{dot}");
    // graph.svg exists exactly when Graphviz is installed, and the run says which.
    if dir.path().join("graph.svg").exists() {
        assert!(stdout.contains("rendered to graph.svg"), "{stdout}");
    } else {
        assert!(stdout.contains("not on the PATH"), "{stdout}");
    }
}

#[test]
fn without_graphviz_the_run_writes_graph_dot_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_04-autograd"))
        .args(SHORT)
        .args(["--quiet", "--out"])
        .arg(dir.path())
        .env("PATH", dir.path()) // an empty PATH: no `dot`
        .output()
        .expect("the binary runs");
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    assert!(
        all.contains("graph.dot only") && all.contains("install graphviz"),
        "{all}"
    );
    assert!(dir.path().join("graph.dot").exists());
    assert!(!dir.path().join("graph.svg").exists());
}

#[test]
fn a_data_folder_without_mnist_names_the_file_and_stops_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        &["--data-dir", dir.path().to_str().unwrap()],
        &dir.path().join("out"),
    );
    let all = assert_clean_failure(&output);
    assert!(all.contains("train-images-idx3-ubyte"), "{all}");
    assert!(!all.contains("scalar mlp"), "MNIST is checked first: {all}");
    assert!(!dir.path().join("out/metrics.json").exists());
}

#[test]
fn a_damaged_mnist_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/mnist");
    for name in [
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        std::fs::copy(source.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(
        dir.path().join("train-images-idx3-ubyte.gz"),
        b"not gzip at all",
    )
    .unwrap();
    let output = run(
        &["--data-dir", dir.path().to_str().unwrap()],
        &dir.path().join("out"),
    );
    let all = assert_clean_failure(&output);
    assert!(all.contains("train-images-idx3-ubyte"), "{all}");
}

#[test]
fn bad_flags_are_usage_errors_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_usage_errors(
        env!("CARGO_BIN_EXE_04-autograd"),
        &[
            &["--lr", "-1"][..],
            &["--scalar-lr", "0"],
            &["--steps", "0"],
            &["--epochs", "0"],
            &["--points", "3"],
            &["--noise", "2"],
            &["--batch-size", "0"],
            &["--hidden", "many"],
            &["--no-such-flag"],
        ],
        dir.path(),
    );
}

#[test]
fn a_diverging_scalar_run_stops_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        &["--scalar-lr", "1e9", "--steps", "20", "--points", "20"],
        dir.path(),
    );
    let all = assert_clean_failure(&output);
    assert!(all.contains("diverged") && all.contains("--lr"), "{all}");
    assert!(!dir.path().join("metrics.json").exists());
}

#[test]
fn an_unwritable_out_fails_before_loading_data_or_training() {
    let dir = tempfile::tempdir().unwrap();
    run::cli_test::assert_fails_before_the_work(env!("CARGO_BIN_EXE_04-autograd"), &[], dir.path());
}
