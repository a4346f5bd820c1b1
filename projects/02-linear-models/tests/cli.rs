//! The binary as a user runs it: results, files, and errors with the right exit status.

use run::cli_test::{
    assert_clean_failure, assert_svg_figures, assert_usage_errors, metrics, run_binary, text,
};
use std::path::Path;
use std::process::Output;

/// A short run: one epoch on 2000 MNIST images and short gradient descents (the smoke-test
/// flags in Cargo.toml), so that a debug build finishes in seconds.
const SHORT: [&str; 6] = ["--epochs", "1", "--train-limit", "2000", "--steps", "300"];

fn run(args: &[&str], out: &Path) -> Output {
    run_binary(env!("CARGO_BIN_EXE_02-linear-models"), args, out)
}

#[test]
fn a_short_run_of_all_three_writes_metrics_figures_and_the_result_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&SHORT, dir.path());
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    println!("{last}");
    assert!(
        last.starts_with("result: regression_r2=") && last.contains(" softmax_test_accuracy="),
        "{last}"
    );
    let json = metrics(dir.path());
    assert_eq!(json["project"], "02-linear-models");
    assert_eq!(json["dataset"], "diabetes+breast_cancer+mnist");
    for key in [
        "regression_r2",
        "regression_rmse",
        "logistic_test_accuracy",
        "softmax_test_accuracy",
    ] {
        assert!(json["metrics"][key].is_f64(), "{key} in {json}");
    }
    assert_eq!(json["params"], 11 + 31 + 7850);
    assert!(json["train_seconds"].as_f64().unwrap() > 0.0);
    assert!(json["examples_per_second"].as_f64().unwrap() > 0.0);
    assert_svg_figures(
        dir.path(),
        &[
            "regression_loss.svg",
            "regression_weight_gap.svg",
            "regression_scatter.svg",
            "logistic_loss.svg",
            "logistic_confusion.svg",
            "softmax_loss.svg",
            "softmax_confusion.svg",
        ],
    );
    let png = std::fs::read(dir.path().join("softmax_templates.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn one_model_alone_gives_the_numbers_it_gives_among_all_three() {
    let (all, alone) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert!(run(&SHORT, all.path()).status.success());
    let mut args = vec!["logistic"];
    args.extend(SHORT);
    let output = run(&args, alone.path());
    assert!(output.status.success(), "{}", text(&output));
    let (all, alone) = (metrics(all.path()), metrics(alone.path()));
    assert_eq!(alone["dataset"], "breast_cancer");
    assert!(alone["metrics"].get("softmax_test_accuracy").is_none());
    assert_eq!(
        all["metrics"]["logistic_test_accuracy"],
        alone["metrics"]["logistic_test_accuracy"]
    );
}

#[test]
fn the_same_seed_gives_the_same_metrics() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut args = vec!["--seed", "7"];
    args.extend(SHORT);
    assert!(run(&args, a.path()).status.success());
    assert!(run(&args, b.path()).status.success());
    assert_eq!(metrics(a.path())["metrics"], metrics(b.path())["metrics"]);
}

#[test]
fn a_data_folder_without_the_tables_says_which_file_and_how_to_get_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().to_str().unwrap();
    let output = run(&["--data-dir", empty], &dir.path().join("out"));
    let all = assert_clean_failure(&output);
    assert!(
        all.contains("diabetes.csv") && all.contains("git checkout"),
        "{all}"
    );

    let output = run(&["softmax", "--data-dir", empty], &dir.path().join("out"));
    let all = assert_clean_failure(&output);
    assert!(all.contains("train-images-idx3-ubyte"), "{all}");
    assert!(!dir.path().join("out/metrics.json").exists());
}

#[test]
fn a_non_numeric_cell_names_the_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("csv")).unwrap();
    std::fs::write(
        dir.path().join("csv/diabetes.csv"),
        "age,sex,bmi,progression\n59,2,32.1,151\n48,1,twenty,75\n",
    )
    .unwrap();
    let output = run(
        &["regression", "--data-dir", dir.path().to_str().unwrap()],
        &dir.path().join("out"),
    );
    let all = assert_clean_failure(&output);
    assert!(
        all.contains("line 3") && all.contains("bmi") && all.contains("twenty"),
        "{all}"
    );
}

#[test]
fn a_learning_rate_that_diverges_stops_the_run_and_says_to_lower_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&["regression", "--lr", "1000"], dir.path());
    let all = assert_clean_failure(&output);
    assert!(
        all.contains("diverged") && all.contains("--lr") && all.contains("regression step"),
        "{all}"
    );
    assert!(!dir.path().join("metrics.json").exists());
}

#[test]
fn bad_flags_are_usage_errors_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_usage_errors(
        env!("CARGO_BIN_EXE_02-linear-models"),
        &[
            &["--lr", "-1"][..],
            &["--lr", "NaN"],
            &["--epochs", "0"],
            &["--batch-size", "0"],
            &["--steps", "0"],
            &["--train-limit", "0"],
            &["--test-fraction", "2"],
            &["perceptron"],
        ],
        dir.path(),
    );
}

#[test]
fn an_unwritable_out_fails_before_loading_data_or_training() {
    let dir = tempfile::tempdir().unwrap();
    run::cli_test::assert_fails_before_the_work(
        env!("CARGO_BIN_EXE_02-linear-models"),
        &[],
        dir.path(),
    );
}
