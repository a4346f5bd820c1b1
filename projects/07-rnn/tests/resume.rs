//! `--resume`: a run killed after an evaluation, then resumed, ends with the same numbers as
//! a run never stopped (same flags, seed and threads): every field of `metrics.json` but the
//! timings, and the same samples and names. It is stopped once in the middle of a pass over
//! the text (the resumed run must put back the hidden state carried from window to window)
//! and once in the middle of a pass over the names (the text part then only reloads its
//! finished checkpoint). Part 1, min-char-rnn, simply runs again.

use run::cli_test::{assert_clean_failure, assert_resume_matches_unbroken, run_binary, text};
use std::path::Path;

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

fn run(extra: &[&str], out: &Path) -> std::process::Output {
    let args: Vec<&str> = FLAGS.iter().chain(extra).copied().collect();
    run_binary(BINARY, &args, out)
}

/// The sample texts of `samples.md`, without their headings.
fn sample_texts(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("samples.md"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("**"))
        .map(str::to_owned)
        .collect()
}

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
    let output = run(&["--resume"], &resumed);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("240 step(s)"), "{}", text(&output));
    assert!(text(&output).contains("120 step(s)"), "{}", text(&output));
    run::cli_test::assert_same_metrics(&unbroken, &resumed, &[]);
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
    let output = run_binary(BINARY, &other_cut, &out);
    let message = assert_clean_failure(&output);
    assert!(
        message.contains("text_limit=20000 (saved) vs text_limit=30000 (now)"),
        "{message}"
    );
    let output = run(&["--resume", "--seed", "9"], &out);
    let message = assert_clean_failure(&output);
    assert!(message.contains("--seed 42"), "{message}");
}
