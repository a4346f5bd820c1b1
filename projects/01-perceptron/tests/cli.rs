//! The binary as a user runs it: results, files, and errors with the right exit status.

use run::cli_test::{
    assert_clean_failure, assert_svg_figures, assert_usage_errors, last_line, metrics, run_binary,
    text,
};
use std::path::Path;
use std::process::Output;

fn run(args: &[&str], out: &Path) -> Output {
    run_binary(env!("CARGO_BIN_EXE_01-perceptron"), args, out)
}

#[test]
fn a_default_run_reaches_full_test_accuracy_and_writes_metrics_and_figures() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&[], dir.path());
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    let last = last_line(&output);
    assert!(last.starts_with("result: test_accuracy=1.0000"), "{last}");
    let metrics = metrics(dir.path());
    assert_eq!(metrics["project"], "01-perceptron");
    assert_eq!(metrics["metrics"]["test_accuracy"], 1.0);
    assert!(metrics["metrics"]["updates"].as_u64().unwrap() > 0);
    assert_svg_figures(
        dir.path(),
        &[
            "boundary_setosa_versicolor.svg",
            "boundary_versicolor_virginica.svg",
            "mistakes_per_epoch.svg",
        ],
    );
}

#[test]
fn a_data_folder_without_iris_says_which_file_and_how_to_get_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        &["--data-dir", dir.path().to_str().unwrap()],
        &dir.path().join("out"),
    );
    let all = assert_clean_failure(&output);
    assert!(
        all.contains("iris.csv") && all.contains("git checkout"),
        "{all}"
    );
}

#[test]
fn a_non_numeric_cell_names_the_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("csv")).unwrap();
    std::fs::write(
        dir.path().join("csv/iris.csv"),
        "sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n4.9,3.0,long,0.2,setosa\n",
    )
    .unwrap();
    let output = run(
        &["--data-dir", dir.path().to_str().unwrap()],
        &dir.path().join("out"),
    );
    let all = assert_clean_failure(&output);
    assert!(
        all.contains("line 3") && all.contains("petal_length") && all.contains("long"),
        "{all}"
    );
}

#[test]
fn bad_flags_are_usage_errors_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_usage_errors(
        env!("CARGO_BIN_EXE_01-perceptron"),
        &[
            &["--lr", "-1"][..],
            // Weights this large would overflow to infinity and give NaN predictions.
            &["--lr", "1e30"],
            &["--features", "sepal_length"],
            &["--epochs", "0"],
            &["--test-fraction", "2"],
        ],
        dir.path(),
    );
}

#[test]
fn an_unwritable_out_fails_before_loading_data_or_training() {
    let dir = tempfile::tempdir().unwrap();
    run::cli_test::assert_fails_before_the_work(
        env!("CARGO_BIN_EXE_01-perceptron"),
        &[],
        dir.path(),
    );
}
