//! The binary as a user runs it: a short run, sampling from its checkpoint, a text of one's
//! own, the comparison, and errors that name the file, flag or character at fault.

use run::cli_test::{
    arg, assert_clean_failure, assert_positive_metrics, assert_usage_errors, metrics, run_args,
    text,
};
use std::process::Output;

fn run(args: &[&str]) -> Output {
    run_args(env!("CARGO_BIN_EXE_08-lstm"), args)
}

const QUICK: [&str; 9] = [
    "--quiet",
    "--threads",
    "2",
    "--text-limit",
    "20000",
    "--steps",
    "8",
    "--hidden",
    "24",
];

#[test]
fn a_short_run_writes_its_results_and_sampling_its_checkpoint_repeats_itself() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = run(&[&QUICK[..], &["--out", arg(&out)]].concat());
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    let m = metrics(&out);
    assert_positive_metrics(&m, &["val_loss", "best_ngram_val_loss"]);
    assert!(m["train_seconds"].as_f64().unwrap() > 0.0);
    run::cli_test::assert_svg_figures(&out, &["loss_time.svg"]);
    for file in ["samples.md", "baselines.md", "speed.json"] {
        assert!(out.join(file).is_file(), "no {file}");
    }
    let checkpoint = out.join("model.safetensors");
    let sample = |seed: &str| {
        let output = run(&[
            "sample",
            "--checkpoint",
            arg(&checkpoint),
            "--prompt",
            "ROMEO:",
            "--length",
            "60",
            "--seed",
            seed,
        ]);
        assert!(output.status.success(), "{}", text(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let first = sample("3");
    assert!(
        first.starts_with("ROMEO:") && first.chars().count() >= 66,
        "{first}"
    );
    assert_eq!(first, sample("3"), "the same seed writes the same text");
    assert_ne!(first, sample("4"), "another seed writes another text");
}

#[test]
fn every_cell_trains_and_the_comparison_tables_them() {
    let dir = tempfile::tempdir().unwrap();
    for cell in ["rnn", "gru"] {
        let out = dir.path().join(cell);
        let output = run(&[&QUICK[..], &["--cell", cell, "--out", arg(&out)]].concat());
        assert!(output.status.success(), "{}", text(&output));
    }
    let out = dir.path().join("compare");
    let output = run(&[
        "compare",
        "--quiet",
        "--threads",
        "2",
        "--text-limit",
        "20000",
        "--hidden",
        "16",
        "--seconds",
        "0.5",
        "--out",
        arg(&out),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let table = std::fs::read_to_string(out.join("compare.md")).unwrap();
    println!("{table}");
    for row in ["RNN 2 × 16", "GRU 2 × 16", "LSTM 2 × 16", "(add-k, k = "] {
        assert!(table.contains(row), "no row {row} in\n{table}");
    }
}

#[test]
fn a_prompt_with_characters_the_model_never_saw_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    assert!(run(&[&QUICK[..], &["--out", arg(&out)]].concat())
        .status
        .success());
    let output = run(&[
        "sample",
        "--checkpoint",
        arg(&out.join("model.safetensors")),
        "--prompt",
        "Roméo€",
    ]);
    let all = assert_clean_failure(&output);
    assert!(all.contains("'é' '€'") && all.contains("--prompt"), "{all}");
}

#[test]
fn a_missing_checkpoint_is_named() {
    let output = run(&["sample", "--checkpoint", "/nowhere/model.safetensors"]);
    let all = assert_clean_failure(&output);
    assert!(all.contains("/nowhere/model.safetensors"), "{all}");
}

#[test]
fn a_text_of_ones_own_trains_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let poem = dir.path().join("poem.txt");
    std::fs::write(
        &poem,
        "Tyger Tyger, burning bright,\nIn the forests of the night;\n".repeat(200),
    )
    .unwrap();
    let output = run(&[
        "--quiet",
        "--text",
        arg(&poem),
        "--steps",
        "4",
        "--hidden",
        "16",
        "--out",
        arg(&out),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(metrics(&out)["dataset"], "poem");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let short = dir.path().join("short.txt");
    std::fs::write(&short, "Tyger Tyger, burning bright").unwrap();
    for (file, says) in [
        (&empty, "the file is empty"),
        (&short, "holds only 27 characters, too short to train on"),
    ] {
        let output = run(&["--quiet", "--text", arg(file), "--out", arg(&out)]);
        let all = assert_clean_failure(&output);
        assert!(
            all.contains(&format!("{}: {says}", file.display())),
            "{all}"
        );
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert_usage_errors(
        env!("CARGO_BIN_EXE_08-lstm"),
        &[
            &["--hidden", "0"],
            &["--lr", "-1"],
            &["--dropout", "1"],
            &["--cell", "transformer"],
            &["sample", "--length", "0"],
            &["compare", "--seconds", "0"],
        ],
        &dir.path().join("run"),
    );
}

#[test]
fn an_unwritable_out_fails_before_loading_data_or_training() {
    let dir = tempfile::tempdir().unwrap();
    run::cli_test::assert_fails_before_the_work(
        env!("CARGO_BIN_EXE_08-lstm"),
        &["--text-limit", "20000", "--steps", "6", "--hidden", "24"],
        dir.path(),
    );
}
