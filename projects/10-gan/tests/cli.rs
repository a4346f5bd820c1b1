//! The binary as a user runs it: a short run of both parts, a generator that `sample` and
//! `interpolate` use, an IDX file the data crate reads back, and errors with the right exit
//! status.

use run::cli_test::{arg, assert_clean_failure, assert_usage_errors, run_args, text};
use std::path::Path;
use std::process::Output;

const BINARY: &str = env!("CARGO_BIN_EXE_10-gan");

fn run(args: &[&str]) -> Output {
    run_args(BINARY, args)
}

/// A quick run of both parts into `out`: 300 steps on the mixture for each loss, 40 on MNIST
/// with a scorer trained for two epochs on 4,000 images.
fn short_run(out: &Path) -> Output {
    run(&[
        "--quiet",
        "--threads",
        "2",
        "--mixture-steps",
        "300",
        "--steps",
        "40",
        "--train-limit",
        "1000",
        "--samples",
        "300",
        "--scorer-epochs",
        "2",
        "--scorer-train-limit",
        "4000",
        "--out",
        arg(out),
    ])
}

#[test]
fn a_short_run_writes_figures_metrics_and_a_generator_that_sample_and_interpolate_use() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = short_run(&out);
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    println!("{all}");
    assert!(all.contains("training the scorer"), "{all}");

    let metrics = run::cli_test::metrics(&out);
    assert_eq!(metrics["project"], "10-gan");
    assert_eq!(metrics["steps"], 40);
    assert!(
        metrics.get("your_functions").is_none(),
        "a run on the reference solutions is not a run on your code"
    );
    let m = &metrics["metrics"];
    for key in [
        "mnist_score",
        "min_class_share",
        "real_test_score",
        "scorer_test_accuracy",
        "modes_covered",
        "modes_covered_saturating",
        "high_quality_share",
    ] {
        assert!(m[key].is_number(), "{key} missing from {m}");
    }
    assert!(
        metrics["train_seconds"].as_f64().unwrap() > 0.0,
        "both parts' training time, at the top level"
    );
    // Two epochs on 4,000 images already make a usable scorer, and real digits score high
    // on it; 40 steps of the game make blobs that score low.
    let accuracy = m["scorer_test_accuracy"].as_f64().unwrap();
    let (real, fake) = (
        m["real_test_score"].as_f64().unwrap(),
        m["mnist_score"].as_f64().unwrap(),
    );
    assert!(accuracy > 0.8, "scorer accuracy {accuracy}");
    assert!(real > 7.0 && fake < real, "real {real}, generated {fake}");
    assert!(m["modes_covered"].as_u64().unwrap() <= 8);
    for file in [
        "generator.safetensors",
        "scorer.safetensors",
        "mnist_samples.png",
        "mnist_progress.png",
        "mnist_interpolation.png",
        "mnist_losses.svg",
        "mnist_classes.svg",
        "mnist_score.md",
        "mixture_coverage.svg",
        "mixture_nonsaturating_00000.svg",
        "mixture_saturating_00300.svg",
    ] {
        assert!(out.join(file).exists(), "{file} missing");
    }

    // `sample`: a PNG grid and an IDX file that the data crate (any MNIST reader) reads back.
    let checkpoint = out.join("generator.safetensors");
    let (png, idx) = (
        dir.path().join("sample.png"),
        dir.path().join("sample-idx3-ubyte"),
    );
    let sample = |idx: &Path| {
        run(&[
            "sample",
            "--checkpoint",
            arg(&checkpoint),
            "--count",
            "20",
            "--png",
            arg(&png),
            "--idx",
            arg(idx),
        ])
    };
    let output = sample(&idx);
    assert!(output.status.success(), "{}", text(&output));
    assert!(png.exists());
    let images = data::idx::read_images(&idx).unwrap();
    assert_eq!(images.dim(), (20, 28, 28));
    // The same seed draws the same digits.
    let again = dir.path().join("again-idx3-ubyte");
    assert!(sample(&again).status.success());
    assert_eq!(data::idx::read_images(&again).unwrap(), images);

    let walk = dir.path().join("walk.png");
    let output = run(&[
        "interpolate",
        "--checkpoint",
        arg(&checkpoint),
        "--walks",
        "3",
        "--steps",
        "5",
        "--png",
        arg(&walk),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(walk.exists());

    // A checkpoint that is not a generator (the scorer) is refused with a clear message.
    let scorer = out.join("scorer.safetensors");
    let output = run(&["sample", "--checkpoint", arg(&scorer), "--png", arg(&png)]);
    let message = assert_clean_failure(&output);
    assert!(
        message.contains("scorer.safetensors") && message.contains("--checkpoint"),
        "{message}"
    );
}

#[test]
fn the_mixture_part_alone_covers_modes_and_repeats_itself_with_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    let metrics: Vec<serde_json::Value> = ["a", "b"]
        .iter()
        .map(|name| {
            let out = dir.path().join(name);
            let args = [
                "--part",
                "mixture",
                "--mixture-steps",
                "6000",
                "--quiet",
                "--threads",
                "2",
            ];
            let output = run(&[&args[..], &["--seed", "42", "--out", arg(&out)]].concat());
            assert!(output.status.success(), "{}", text(&output));
            run::cli_test::metrics(&out)
        })
        .collect();
    assert_eq!(metrics[0]["metrics"], metrics[1]["metrics"]);
    assert_eq!(metrics[0]["dataset"], "eight-gaussians");
    let covered = metrics[0]["metrics"]["modes_covered"].as_u64().unwrap();
    println!("{}", metrics[0]["metrics"]);
    assert!(
        covered >= 6,
        "only {covered} of 8 modes covered after 6,000 steps"
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert_usage_errors(
        BINARY,
        &[
            &["--beta1", "1.5"],
            &["--steps", "0"],
            &["--lr", "-1"],
            &["--model", "transformer"],
            &["--part", "three"],
            &["sample", "--count", "0"],
        ],
        &dir.path().join("out"),
    );
}

#[test]
fn a_missing_or_broken_checkpoint_is_a_clear_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.safetensors");
    let output = run(&["sample", "--checkpoint", arg(&missing)]);
    let message = assert_clean_failure(&output);
    assert!(message.contains("nowhere.safetensors"), "{message}");

    let broken = dir.path().join("broken.safetensors");
    std::fs::write(&broken, b"not a checkpoint at all").unwrap();
    let output = run(&["interpolate", "--checkpoint", arg(&broken)]);
    let message = assert_clean_failure(&output);
    assert!(message.contains("broken.safetensors"), "{message}");
}

#[test]
fn a_missing_dataset_or_an_unwritable_output_folder_fails_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let output = run(&[
        "--part",
        "mnist",
        "--quiet",
        "--data-dir",
        arg(&empty),
        "--out",
        arg(&dir.path().join("o")),
    ]);
    let message = assert_clean_failure(&output);
    assert!(message.contains("train-images-idx3-ubyte"), "{message}");

    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let output = run(&[
        "--part",
        "mixture",
        "--quiet",
        "--out",
        arg(&blocker.join("out")),
    ]);
    let message = assert_clean_failure(&output);
    assert!(
        message.contains("a-file") && message.contains("--out"),
        "{message}"
    );
}

#[test]
fn an_unwritable_out_fails_before_loading_data_or_training() {
    let dir = tempfile::tempdir().unwrap();
    run::cli_test::assert_fails_before_the_work(
        env!("CARGO_BIN_EXE_10-gan"),
        &[
            "--mixture-steps",
            "300",
            "--steps",
            "40",
            "--train-limit",
            "512",
            "--samples",
            "500",
            "--scorer-epochs",
            "1",
            "--scorer-train-limit",
            "1000",
        ],
        dir.path(),
    );
}
