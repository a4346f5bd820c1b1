//! `--resume`: a run killed after an evaluation, then resumed, ends with the same numbers as
//! a run never stopped (same flags, seed and threads): every field of `metrics.json` but the
//! timings, and the same samples.

use run::cli_test::{
    assert_resume_matches_unbroken, assert_resume_refusals,
    assert_resuming_a_finished_run_changes_nothing, sample_texts,
};

/// A short run that uses every random stream: random windows, dropout masks, samples.
const FLAGS: [&str; 20] = [
    "--text-limit",
    "20000",
    "--steps",
    "200",
    "--layers",
    "1",
    "--width",
    "32",
    "--heads",
    "2",
    "--seq-len",
    "32",
    "--batch-size",
    "4",
    "--dropout",
    "0.1",
    "--eval-every",
    "20",
    "--threads",
    "1",
];

const BINARY: &str = env!("CARGO_BIN_EXE_09-transformer");

#[test]
fn a_killed_run_resumed_ends_with_the_numbers_of_an_unbroken_run() {
    let dir = tempfile::tempdir().unwrap();
    // Killed when step 100's evaluation is printed: the checkpoint of step 80 is on disk,
    // the one of step 100 is being written.
    let printed = assert_resume_matches_unbroken(
        BINARY,
        &FLAGS,
        "step 100 (",
        dir.path(),
        &[],
        &["baselines.md"],
    );
    assert!(
        printed.contains(": 0 epoch(s) and 80 step(s)")
            || printed.contains(": 0 epoch(s) and 100 step(s)"),
        "resumed mid-run:\n{printed}"
    );
    let (unbroken, resumed) = (dir.path().join("unbroken"), dir.path().join("resumed"));
    assert_eq!(sample_texts(&unbroken), sample_texts(&resumed));

    // Resuming a finished run changes nothing: it has no step left to train.
    assert_resuming_a_finished_run_changes_nothing(BINARY, &FLAGS, dir.path(), &["200 step(s)"]);
}

#[test]
fn resuming_with_other_settings_or_without_a_checkpoint_fails_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    assert_resume_refusals(
        BINARY,
        &FLAGS,
        &dir.path().join("run"),
        "model.safetensors",
        &[
            ("--lr", "0.01", "lr=0.002 (saved) vs lr=0.01 (now)"),
            // Another cut of the text is another run.
            (
                "--text-limit",
                "30000",
                "text_limit=20000 (saved) vs text_limit=30000 (now)",
            ),
            ("--seed", "9", "--seed 42"),
        ],
    );
}
