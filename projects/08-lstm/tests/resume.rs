//! `--resume`: a run killed after an evaluation, then resumed, ends with the same numbers as
//! a run never stopped (same flags, seed and threads): every field of `metrics.json` but the
//! timings, and the same samples. The run is stopped in the middle of a pass over the text,
//! so the resumed run must put back the state carried from window to window.

use run::cli_test::{
    assert_resume_matches_unbroken, assert_resume_refusals,
    assert_resuming_a_finished_run_changes_nothing, sample_texts,
};

/// A short run that uses every random stream: pass offsets, dropout masks, samples; two
/// layers of LSTM, so that every layer's `h` and `c` are carried.
const FLAGS: [&str; 12] = [
    "--text-limit",
    "20000",
    "--steps",
    "180",
    "--hidden",
    "24",
    "--layers",
    "2",
    "--dropout",
    "0.1",
    "--threads",
    "1",
];

const BINARY: &str = env!("CARGO_BIN_EXE_08-lstm");

#[test]
fn a_killed_run_resumed_ends_with_the_numbers_of_an_unbroken_run() {
    let dir = tempfile::tempdir().unwrap();
    // 180 steps evaluate every 15: killed when step 90's checkpoint is announced, the one
    // of step 75 or 90 is on disk. 18,000 characters in 32 streams of 64 make 8 windows a
    // pass, so steps 75 and 90 stand in the middle of one: the resumed run must draw the
    // pass's offset again, skip its windows done and put back the carried state.
    let printed = assert_resume_matches_unbroken(
        BINARY,
        &FLAGS,
        "lstm: step 90,",
        dir.path(),
        &[],
        &["baselines.md"],
    );
    assert!(
        printed.contains(": 0 epoch(s) and 75 step(s)")
            || printed.contains(": 0 epoch(s) and 90 step(s)"),
        "resumed mid-run:\n{printed}"
    );
    let (unbroken, resumed) = (dir.path().join("unbroken"), dir.path().join("resumed"));
    assert_eq!(sample_texts(&unbroken), sample_texts(&resumed));

    // Resuming a finished run changes nothing: it has no step left to train.
    assert_resuming_a_finished_run_changes_nothing(BINARY, &FLAGS, dir.path(), &["180 step(s)"]);
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
            ("--lr", "0.005", "lr=0.01 (saved) vs lr=0.005 (now)"),
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
