//! `--resume`: a run killed after an evaluation, then resumed, ends with the same numbers as
//! a run never stopped (same flags, seed and threads): every field of `metrics.json` but the
//! timings, and the same samples and names. It is stopped once in the middle of a pass over
//! the text (the resumed run must put back the hidden state carried from window to window)
//! and once in the middle of a pass over the names (the text part then only reloads its
//! finished checkpoint). Part 1, min-char-rnn, simply runs again.

use run::cli_test::{
    assert_resume_matches_unbroken, assert_resume_refusals,
    assert_resuming_a_finished_run_changes_nothing, sample_texts,
};

/// A short run of every part that uses every random stream: pass offsets and orders,
/// samples, names.
const FLAGS: [&str; 14] = [
    "--text-limit",
    "20000",
    "--names-limit",
    "3000",
    "--minimal-iterations",
    "500",
    "--steps",
    "240",
    "--names-steps",
    "120",
    "--hidden",
    "24",
    "--threads",
    "1",
];

const BINARY: &str = env!("CARGO_BIN_EXE_07-rnn");

/// Text files the resumed run must write byte for byte as the unbroken one (`samples.md`
/// is compared without its headings, which give seconds of training).
const SAME_FILES: [&str; 5] = [
    "baselines.md",
    "temperatures.md",
    "names.md",
    "activations.html",
    "minimal_samples.md",
];

#[test]
fn a_run_killed_mid_text_resumed_ends_with_the_numbers_of_an_unbroken_run() {
    let dir = tempfile::tempdir().unwrap();
    // 240 steps evaluate every 20: killed when step 100's checkpoint is announced (it is on
    // disk by then). 18,000 characters in 32 streams of 64 make 8 windows a pass, so step
    // 100 stands in the middle of the 13th: the resumed run must draw the pass's offset
    // again, skip its windows done and put back the carried hidden state.
    let printed = assert_resume_matches_unbroken(
        BINARY,
        &FLAGS,
        "part 2: step 100,",
        dir.path(),
        &[],
        &SAME_FILES,
    );
    assert!(
        printed.contains("and 100 step(s) done"),
        "resumed mid-run:\n{printed}"
    );
    assert!(
        printed.contains("part 1 (min-char-rnn, a few seconds) runs again"),
        "{printed}"
    );
    let (unbroken, resumed) = (dir.path().join("unbroken"), dir.path().join("resumed"));
    assert_eq!(sample_texts(&unbroken), sample_texts(&resumed));

    // Resuming a finished run changes nothing: neither part has a step left to train.
    assert_resuming_a_finished_run_changes_nothing(
        BINARY,
        &FLAGS,
        dir.path(),
        &["240 step(s)", "120 step(s)"],
    );
    assert_eq!(sample_texts(&unbroken), sample_texts(&resumed));
}

#[test]
fn a_run_killed_mid_names_resumed_ends_with_the_numbers_of_an_unbroken_run() {
    let dir = tempfile::tempdir().unwrap();
    // The names part evaluates every 20 steps too; about 2,400 training names make 75
    // batches of 32 a pass, so step 100 stands in the second pass: the resumed run must
    // draw that pass's order again and skip its batches done.
    let printed = assert_resume_matches_unbroken(
        BINARY,
        &FLAGS,
        "names: step 100,",
        dir.path(),
        &[],
        &SAME_FILES,
    );
    assert!(
        printed.contains("and 240 step(s) done") && printed.contains("and 100 step(s) done"),
        "resumed the text's finished checkpoint and the names' mid-run:\n{printed}"
    );
    let (unbroken, resumed) = (dir.path().join("unbroken"), dir.path().join("resumed"));
    assert_eq!(sample_texts(&unbroken), sample_texts(&resumed));
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
