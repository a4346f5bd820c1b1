//! The binary as a user runs it: a short run, sampling from its checkpoint with and without
//! the cache, a text of one's own, and errors that name the file or flag at fault.

use run::cli_test::{
    arg, assert_clean_failure, assert_positive_metrics, assert_usage_errors, metrics, run_args,
    text,
};
use std::process::Output;

fn run(args: &[&str]) -> Output {
    run_args(env!("CARGO_BIN_EXE_09-transformer"), args)
}

const QUICK: [&str; 17] = [
    "--quiet",
    "--threads",
    "2",
    "--text-limit",
    "20000",
    "--steps",
    "10",
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
];

#[test]
fn a_short_run_writes_its_results_and_sampling_repeats_itself_with_or_without_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = run(&[&QUICK[..], &["--out", arg(&out)]].concat());
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    let m = metrics(&out);
    assert_positive_metrics(&m, &["val_loss", "ngram4_val_loss"]);
    assert!(m["train_seconds"].as_f64().unwrap() > 0.0);
    run::cli_test::assert_svg_figures(&out, &["loss_time.svg", "attention.svg"]);
    for file in ["samples.md", "baselines.md", "speed.json"] {
        assert!(out.join(file).is_file(), "no {file}");
    }
    let checkpoint = out.join("model.safetensors");
    let sample = |extra: &[&str]| {
        let args = [
            &[
                "sample",
                "--checkpoint",
                arg(&checkpoint),
                "--prompt",
                "ROMEO:",
                "--length",
                "60",
                "--top-k",
                "5",
            ][..],
            extra,
        ]
        .concat();
        let output = run(&args);
        assert!(output.status.success(), "{}", text(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let cached = sample(&[]);
    assert!(
        cached.starts_with("ROMEO:") && cached.chars().count() > 60,
        "{cached}"
    );
    assert_eq!(
        cached,
        sample(&["--no-cache"]),
        "the cache changed the text"
    );
    assert_ne!(
        cached,
        sample(&["--seed", "7"]),
        "another seed, the same text"
    );
}

#[test]
fn a_text_of_ones_own_trains_with_its_own_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("own.txt");
    let line = "fn main() { println!(\"hello, attention\"); }\n";
    std::fs::write(&own, line.repeat(200)).unwrap();
    let out = dir.path().join("run");
    let output = run(&[&QUICK[..], &["--text", arg(&own), "--out", arg(&out)]].concat());
    assert!(output.status.success(), "{}", text(&output));
    let m = metrics(&out);
    assert_eq!(m["dataset"], "own");
    let loss = m["metrics"]["val_loss"].as_f64().unwrap();
    let uniform = (line
        .chars()
        .collect::<std::collections::BTreeSet<_>>()
        .len() as f64)
        .ln();
    assert!(
        loss < uniform,
        "validation loss {loss} is not below a uniform guess {uniform}"
    );
}

#[test]
fn bad_flags_and_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    assert_usage_errors(
        env!("CARGO_BIN_EXE_09-transformer"),
        &[
            &["--steps", "0"],
            &["--dropout", "1.5"],
            &["--lr", "-1"],
            &["--heads", "0"],
        ],
        &out,
    );
    let output = run(&[
        "--quiet",
        "--width",
        "30",
        "--heads",
        "4",
        "--out",
        arg(&out),
    ]);
    let message = assert_clean_failure(&output);
    assert!(
        message.contains("--width") && message.contains("--heads"),
        "{message}"
    );

    let short = dir.path().join("short.txt");
    std::fs::write(&short, "too short").unwrap();
    let output = run(&[&QUICK[..], &["--text", arg(&short), "--out", arg(&out)]].concat());
    let message = assert_clean_failure(&output);
    assert!(message.contains("short.txt"), "{message}");

    let missing = dir.path().join("nothing.safetensors");
    let output = run(&["sample", "--checkpoint", arg(&missing)]);
    let message = assert_clean_failure(&output);
    assert!(message.contains("nothing.safetensors"), "{message}");
}

#[test]
fn an_unwritable_out_fails_before_loading_data_or_training() {
    let dir = tempfile::tempdir().unwrap();
    run::cli_test::assert_fails_before_the_work(
        env!("CARGO_BIN_EXE_09-transformer"),
        &[
            "--text-limit",
            "20000",
            "--steps",
            "8",
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
        ],
        dir.path(),
    );
}
