//! `--resume`: a run killed after an evaluation, then resumed, ends with the same numbers as
//! a run never stopped (same flags, seed and threads): every field of `metrics.json` but the
//! timings, and the same samples.

use run::cli_test::{assert_clean_failure, assert_resume_matches_unbroken, run_binary, text};
use std::path::Path;

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

fn run(extra: &[&str], out: &Path) -> std::process::Output {
    let args: Vec<&str> = FLAGS.iter().chain(extra).copied().collect();
    run_binary(BINARY, &args, out)
}

/// The sample texts of `samples.md`, without their headings (which give seconds of training).
fn sample_texts(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("samples.md"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("**"))
        .map(str::to_owned)
        .collect()
}

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
    let output = run(&["--resume"], &resumed);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("200 step(s)"), "{}", text(&output));
    run::cli_test::assert_same_metrics(&unbroken, &resumed, &[]);
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
        message.contains("lr=0.002 (saved) vs lr=0.01 (now)"),
        "{message}"
    );
    // Another cut of the text is another run.
    let mut other_cut: Vec<&str> = FLAGS.to_vec();
    other_cut[1] = "30000";
    other_cut.push("--resume");
    let message = assert_clean_failure(&run_binary(BINARY, &other_cut, &out));
    assert!(
        message.contains("text_limit=20000 (saved) vs text_limit=30000 (now)"),
        "{message}"
    );
    let output = run(&["--resume", "--seed", "9"], &out);
    let message = assert_clean_failure(&output);
    assert!(message.contains("--seed 42"), "{message}");
}
