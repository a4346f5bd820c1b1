//! The binary as a user runs it: a short run of every part, sampling from its checkpoint,
//! a text of one's own, and errors that name the file, flag or character at fault.

use run::cli_test::{
    arg, assert_clean_failure, assert_positive_metrics, assert_usage_errors, metrics, run_args,
    text,
};
use std::process::Output;

fn run(args: &[&str]) -> Output {
    run_args(env!("CARGO_BIN_EXE_07-rnn"), args)
}

/// A quick run's arguments: every part, a few steps each, on a slice of the data.
const QUICK: [&str; 14] = [
    "--quiet",
    "--threads",
    "2",
    "--text-limit",
    "20000",
    "--names-limit",
    "2000",
    "--minimal-iterations",
    "60",
    "--steps",
    "10",
    "--names-steps",
    "10",
    "--hidden=32",
];

#[test]
fn a_short_run_writes_its_results_and_sampling_its_checkpoint_repeats_itself() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = run(&[&QUICK[..], &["--out", arg(&out)]].concat());
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    let m = metrics(&out);
    assert_positive_metrics(
        &m,
        &[
            "val_loss",
            "names_test_loss",
            "ngram4_val_loss",
            "bigram_names_test_loss",
            "minimal_val_loss",
        ],
    );
    assert!(m["train_seconds"].as_f64().unwrap() > 0.0);
    run::cli_test::assert_svg_figures(&out, &["loss_time.svg", "minimal_loss.svg"]);
    for file in [
        "samples.md",
        "minimal_samples.md",
        "names.md",
        "baselines.md",
        "activations.html",
        "timings.md",
    ] {
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
            "80",
            "--temperature",
            "0.8",
            "--seed",
            seed,
        ]);
        assert!(output.status.success(), "{}", text(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let first = sample("3");
    println!("{first}");
    assert!(
        first.starts_with("ROMEO:") && first.chars().count() >= 86,
        "{first}"
    );
    assert_eq!(first, sample("3"), "the same seed writes the same text");
    assert_ne!(first, sample("4"), "another seed writes another text");

    // The names model writes names, one a line, each from the prompt, without end marks.
    let names = |seed: &str| {
        let output = run(&[
            "sample",
            "--checkpoint",
            arg(&out.join("names.safetensors")),
            "--prompt",
            "a",
            "--length",
            "60",
            "--seed",
            seed,
        ]);
        assert!(output.status.success(), "{}", text(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let made = names("5");
    println!("{made}");
    assert!(made.lines().count() >= 2, "{made}");
    assert!(
        made.lines()
            .all(|name| name.starts_with('a') && !name.contains('.')),
        "{made}"
    );
    assert_eq!(made, names("5"), "the same seed writes the same names");
}

#[test]
fn a_prompt_with_characters_the_model_never_saw_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let quick = [&QUICK[..], &["--part", "batched", "--out", arg(&out)]].concat();
    assert!(run(&quick).status.success());
    let output = run(&[
        "sample",
        "--checkpoint",
        arg(&out.join("model.safetensors")),
        "--prompt",
        "Roméo€",
    ]);
    let all = assert_clean_failure(&output);
    println!("{all}");
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
    let verse = "Tyger Tyger, burning bright,\nIn the forests of the night;\n";
    std::fs::write(&poem, verse.repeat(200)).unwrap();
    let output = run(&[
        "--quiet",
        "--text",
        arg(&poem),
        "--part",
        "batched",
        "--steps",
        "5",
        "--hidden",
        "16",
        "--out",
        arg(&out),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(metrics(&out)["dataset"], "poem");

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let binary = dir.path().join("image.png");
    std::fs::write(&binary, b"\x89PNG\r\n\x1a\n\xff\xfe").unwrap();
    let short = dir.path().join("short.txt");
    std::fs::write(&short, "Tyger Tyger, burning bright").unwrap();
    for (file, says) in [
        (&empty, "the file is empty"),
        (&binary, "not UTF-8 text"),
        (&short, "holds only 27 characters, too short to train on"),
    ] {
        let output = run(&["--quiet", "--text", arg(file), "--out", arg(&out)]);
        let all = assert_clean_failure(&output);
        println!("{all}");
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
        env!("CARGO_BIN_EXE_07-rnn"),
        &[
            &["--hidden", "0"],
            &["--lr", "-1"],
            &["--temperature", "0"],
            &["--part", "everything"],
            &["sample", "--length", "0"],
        ],
        &dir.path().join("run"),
    );
}

#[test]
fn an_unwritable_out_fails_before_loading_data_or_training() {
    let dir = tempfile::tempdir().unwrap();
    run::cli_test::assert_fails_before_the_work(
        env!("CARGO_BIN_EXE_07-rnn"),
        &[
            "--text-limit",
            "20000",
            "--names-limit",
            "2000",
            "--minimal-iterations",
            "60",
            "--steps",
            "8",
            "--names-steps",
            "8",
            "--hidden",
            "32",
        ],
        dir.path(),
    );
}
