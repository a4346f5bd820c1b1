//! The binary as a user runs it: every experiment shrunk by `--quick`, what each writes, the
//! same numbers on one thread as on two, and errors with the right exit status.

use run::cli_test::{arg, assert_clean_failure, metrics, run_args, text};
use std::process::Output;

fn run(args: &[&str]) -> Output {
    run_args(env!("CARGO_BIN_EXE_06-optimization"), args)
}

/// What each experiment writes besides metrics.json, metrics.md, table.md, results.json.
const FIGURES: [(&str, &[&str]); 7] = [
    ("optimizers", &["paths.svg", "loss.svg", "rates.svg"]),
    (
        "lr",
        &[
            "range_test.svg",
            "schedules.svg",
            "loss_peak_1.svg",
            "loss_peak_2.svg",
        ],
    ),
    ("small-data", &["curves.svg"]),
    (
        "init",
        &[
            "activations.svg",
            "gradients.svg",
            "loss.svg",
            "histogram_activations_kaiming.svg",
            "histogram_gradients_normal_0_01.svg",
        ],
    ),
    ("batchnorm", &["rates.svg"]),
    (
        "search",
        &["best_so_far.svg", "trials.svg", "accuracy_by_rate.svg"],
    ),
    ("learning-curve", &["learning_curve.svg"]),
];

#[test]
fn the_whole_lab_runs_quickly_and_writes_every_experiment_into_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lab");
    let output = run(&["--quick", "--quiet", "--threads", "2", "--out", arg(&out)]);
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    println!("{all}");
    for (name, figures) in FIGURES {
        let folder = out.join(name);
        for file in
            figures
                .iter()
                .chain(&["table.md", "results.json", "metrics.json", "metrics.md"])
        {
            assert!(folder.join(file).is_file(), "{name}: {file} missing");
        }
        let m = metrics(&folder);
        assert_eq!(m["project"], "06-optimization");
        assert!(m["steps"].as_u64().unwrap() > 0, "{name}: {m}");
        assert!(m["metrics"].as_object().unwrap().len() >= 2, "{name}: {m}");
    }
    let lab = metrics(&out);
    let best = lab["metrics"]["small_data_best_test_accuracy"]
        .as_f64()
        .unwrap();
    assert!((0.0..=1.0).contains(&best) && best > 0.2, "{lab}");
    assert!(lab["train_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(
        lab["params"], 93322,
        "the lab reports the small-data CNN's size"
    );
    let last = all
        .lines()
        .rev()
        .find(|l| l.starts_with("result:"))
        .unwrap();
    assert!(last.contains("small_data_best_test_accuracy="), "{last}");
}

#[test]
fn one_experiment_writes_into_out_and_gives_the_same_numbers_on_one_thread_as_on_two() {
    let dir = tempfile::tempdir().unwrap();
    let numbers = |threads: &str| {
        let out = dir.path().join(threads);
        let output = run(&[
            "lr",
            "--quick",
            "--quiet",
            "--threads",
            threads,
            "--out",
            arg(&out),
        ]);
        assert!(output.status.success(), "{}", text(&output));
        for file in [
            "range_test.svg",
            "schedules.svg",
            "table.md",
            "metrics.json",
        ] {
            assert!(out.join(file).is_file(), "{file} missing from --out");
        }
        metrics(&out)["metrics"].clone()
    };
    // Each training runs on one thread whatever --threads says (two trainings side by side
    // on two), so the numbers cannot depend on it.
    assert_eq!(numbers("1"), numbers("2"));
}

#[test]
fn bad_flags_are_usage_errors_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--seeds", "0"][..],
        &["--seeds", "11"],
        &["--parallel", "gpu"],
        &["sgd"],
        &["lr", "--lr", "0.1"],
        &["--quick", "search"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--out", arg(dir.path())]);
        let output = run(&all);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
    }
    assert!(!dir.path().join("metrics.json").exists());
}

#[test]
fn a_folder_without_mnist_names_the_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&[
        "init",
        "--quick",
        "--data-dir",
        arg(dir.path()),
        "--out",
        arg(&dir.path().join("o")),
    ]);
    let all = assert_clean_failure(&output);
    assert!(all.contains("train-images-idx3-ubyte"), "{all}");
}

#[test]
fn an_unwritable_output_folder_fails_before_any_training() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let output = run(&["small-data", "--quick", "--out", arg(&blocker.join("run"))]);
    let all = assert_clean_failure(&output);
    assert!(all.contains("a-file") && all.contains("--out"), "{all}");
    assert!(
        !all.contains("technique"),
        "it trained before failing:\n{all}"
    );
}
