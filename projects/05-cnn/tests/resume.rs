//! `--resume`: a run killed after an epoch, then resumed, ends with the same numbers as a run
//! never stopped (same flags, seed and threads): every field of `metrics.json` but the
//! timings, and the curves drawn from the whole history.

use run::cli_test::{
    assert_resume_matches_unbroken, assert_resume_refusals,
    assert_resuming_a_finished_run_changes_nothing,
};

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
    assert_resuming_a_finished_run_changes_nothing(BINARY, &FLAGS, dir.path(), &[": 4 epoch(s)"]);
}

#[test]
fn resuming_with_other_settings_or_without_a_checkpoint_fails_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let messages = assert_resume_refusals(
        BINARY,
        &FLAGS,
        &dir.path().join("run"),
        "model.safetensors",
        &[
            ("--lr", "0.01", "lr=0.001 (saved) vs lr=0.01 (now)"),
            ("--seed", "9", "--seed 42"),
        ],
    );
    assert!(
        !messages[1].contains("epoch 1/"),
        "it trained first:\n{}",
        messages[1]
    );
}
