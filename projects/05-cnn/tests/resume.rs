//! `--resume`: a run killed after an epoch, then resumed, ends with the same numbers as a run
//! never stopped (same flags, seed and threads): every field of `metrics.json` but the
//! timings, and the curves drawn from the whole history.

use run::cli_test::{assert_clean_failure, assert_same_metrics, kill_when_printed, run_binary};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Four short epochs that use every random stream and the schedule: LeNet-5 on 320 images,
/// shuffled, augmented, with the cosine learning rate.
const FLAGS: [&str; 16] = [
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
    "--data-dir",
    "", // filled in by `flags`
];

fn flags() -> Vec<String> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let mut flags: Vec<String> = FLAGS.iter().map(|s| (*s).to_owned()).collect();
    *flags.last_mut().unwrap() = data.to_str().unwrap().to_owned();
    flags
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_05-cnn")
}

fn run(extra: &[&str], out: &Path) -> std::process::Output {
    let flags = flags();
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    args.extend(extra);
    run_binary(binary(), &args, out)
}

#[test]
fn a_killed_run_resumed_ends_with_the_numbers_of_an_unbroken_run() {
    let dir = tempfile::tempdir().unwrap();
    let (unbroken, resumed) = (dir.path().join("unbroken"), dir.path().join("resumed"));
    let output = run(&[], &unbroken);
    assert!(output.status.success(), "{}", run::cli_test::text(&output));

    // Killed when epoch 2 starts printing: the checkpoint of epoch 1 is on disk, the one of
    // epoch 2 perhaps too; epochs 3 and 4 are not done.
    let mut command = Command::new(binary());
    command
        .args(flags())
        .arg("--out")
        .arg(&resumed)
        .env_remove("SMALLNETS_THREADS");
    kill_when_printed(&mut command, "epoch 2/4");
    assert!(
        !resumed.join("metrics.json").exists(),
        "killed before the end"
    );
    let output = run(&["--resume"], &resumed);
    let printed = run::cli_test::text(&output);
    assert!(output.status.success(), "{printed}");
    assert!(
        printed.contains("1 epoch(s)") || printed.contains("2 epoch(s)"),
        "resumed mid-run:\n{printed}"
    );
    assert_same_metrics(&unbroken, &resumed, &[]);
    // The curves are drawn from the whole history: the part before the kill came from the
    // checkpoint.
    for figure in ["loss.svg", "accuracy.svg", "confusion.svg"] {
        let read = |dir: &PathBuf| std::fs::read_to_string(dir.join(figure)).unwrap();
        assert!(read(&unbroken) == read(&resumed), "{figure} differs");
    }

    // Resuming a finished run changes nothing: it has no epoch left to train.
    let output = run(&["--resume"], &resumed);
    assert!(output.status.success(), "{}", run::cli_test::text(&output));
    assert_same_metrics(&unbroken, &resumed, &[]);
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
    assert!(output.status.success(), "{}", run::cli_test::text(&output));
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
