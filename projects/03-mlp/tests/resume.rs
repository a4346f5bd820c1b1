//! `--resume`: a run killed after an epoch, then resumed, ends with the same numbers as a run
//! never stopped (same flags, seed and threads): every field of `metrics.json` but the
//! timings, and the curves drawn from the whole history.

use run::cli_test::{assert_resume_matches_unbroken, assert_resume_refused, run_binary, with_flag};

/// Four short epochs on 1,000 digits, with the cosine schedule and momentum (the defaults).
const FLAGS: [&str; 10] = [
    "--epochs",
    "4",
    "--train-limit",
    "1000",
    "--hidden-size",
    "32",
    "--batch-size",
    "50",
    "--threads",
    "1",
];

const BINARY: &str = env!("CARGO_BIN_EXE_03-mlp");

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
        &["loss.svg", "accuracy.svg", "confusion.svg", "mistakes.svg"],
    );
    assert!(
        printed.contains(": 1 epoch(s)") || printed.contains(": 2 epoch(s)"),
        "resumed mid-run:\n{printed}"
    );
}

#[test]
fn resuming_with_other_settings_fails_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_binary(BINARY, &FLAGS, dir.path());
    assert!(output.status.success(), "{}", run::cli_test::text(&output));
    let message = assert_resume_refused(
        BINARY,
        &with_flag(&FLAGS, "--epochs", "5"),
        dir.path(),
        "epochs=4 (saved) vs epochs=5 (now)",
    );
    assert!(
        !message.contains("epoch 1/"),
        "it trained first:\n{message}"
    );
}
