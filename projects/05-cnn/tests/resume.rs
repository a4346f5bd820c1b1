//! `--resume`: a run killed after an epoch, then resumed, ends with the same numbers as a run
//! never stopped (same flags, seed and threads): every field of `metrics.json` but the
//! timings, and the curves drawn from the whole history.

use run::cli_test::{assert_clean_failure, assert_resume_matches_unbroken, run_binary, text};
use std::path::Path;

/// Four short epochs that use every random stream and the schedule: LeNet-5 on 320 images,
/// shuffled, augmented, with the cosine learning rate.
const FLAGS: [&str; 14] = [
    "--model",
    "lenet5",
    "--epochs",
    "4",
    "--batch-size",
    "32",
    "--train-limit",
    "320",
    "--test-limit",
    "100",
    "--cosine",
    "--augment",
    "--threads",
    "1",
];

const BINARY: &str = env!("CARGO_BIN_EXE_05-cnn");

fn run(extra: &[&str], out: &Path) -> std::process::Output {
    let args: Vec<&str> = FLAGS.iter().chain(extra).copied().collect();
    run_binary(BINARY, &args, out)
}

#[test]
fn a_killed_run_resumed_ends_with_the_numbers_of_an_unbroken_run() {
    let dir = tempfile::tempdir().unwrap();
    // Killed when epoch 2's line is printed: the checkpoint of epoch 1 is on disk, the one of
    // epoch 2 is being written; epochs 3 and 4 are not done.
    let printed = assert_resume_matches_unbroken(
        BINARY,
        &FLAGS,
        "epoch 2/4",
        dir.path(),
        &[],
        &["loss.svg", "accuracy.svg", "confusion.svg", "layers.md"],
    );
    assert!(
        printed.contains(": 1 epoch(s)") || printed.contains(": 2 epoch(s)"),
        "resumed mid-run:\n{printed}"
    );

    // Resuming a finished run changes nothing: it has no epoch left to train.
    let resumed = dir.path().join("resumed");
    let output = run(&["--resume"], &resumed);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains(": 4 epoch(s)"), "{}", text(&output));
    run::cli_test::assert_same_metrics(&dir.path().join("unbroken"), &resumed, &[]);
}

#[test]
fn resuming_with_other_settings_or_without_a_checkpoint_fails_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = run(&["--resume"], &out);
    let message = assert_clean_failure(&output);
    assert!(
        message.contains("model.safetensors") && message.contains("without --resume"),
        "{message}"
    );

    let output = run(&[], &out);
    assert!(output.status.success(), "{}", text(&output));
    let output = run(&["--resume", "--lr", "0.01"], &out);
    let message = assert_clean_failure(&output);
    assert!(
        message.contains("lr=0.001 (saved) vs lr=0.01 (now)"),
        "{message}"
    );
    assert!(
        !message.contains("epoch 1/"),
        "it trained first:\n{message}"
    );
    let output = run(&["--resume", "--seed", "9"], &out);
    let message = assert_clean_failure(&output);
    assert!(message.contains("--seed 42"), "{message}");
}
