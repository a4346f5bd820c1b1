//! `--resume`: a run killed after an epoch of the MNIST game, then resumed, ends with the same
//! numbers as a run never stopped (same flags, seed and threads): every field of
//! `metrics.json` but the timings, and the same bytes in the figures drawn from the whole
//! game (the progress strip, the losses) and in the generator.

use nn::Module;
use run::cli_test::{
    assert_resume_matches_unbroken, assert_resume_refusals,
    assert_resuming_a_finished_run_changes_nothing,
};

/// Both parts, small: four epochs of eight steps of a narrow DCGAN on 256 images, with every
/// random stream the game has in use (the shuffle, the latent points, the `--monitor`
/// samples) and a running average of the generator, which the checkpoint must keep too.
const FLAGS: [&str; 23] = [
    "--mixture-steps",
    "100",
    "--steps",
    "32",
    "--batch-size",
    "32",
    "--train-limit",
    "256",
    "--width",
    "8",
    "--latent",
    "16",
    "--average",
    "0.9",
    "--monitor",
    "--samples",
    "100",
    "--scorer-epochs",
    "1",
    "--scorer-train-limit",
    "500",
    "--threads",
    "1",
];

const BINARY: &str = env!("CARGO_BIN_EXE_10-gan");

#[test]
fn a_killed_game_resumed_ends_with_the_numbers_of_an_unbroken_one() {
    let dir = tempfile::tempdir().unwrap();
    // Killed when epoch 2 is reported: the checkpoint of epoch 1 is on disk, the one of
    // epoch 2 is being written or not yet; epochs 3 and 4 are not played.
    let printed = assert_resume_matches_unbroken(
        BINARY,
        &FLAGS,
        "epoch 2/4",
        dir.path(),
        &[],
        &[
            "mnist_progress.png",
            "mnist_losses.svg",
            "mnist_classes.svg",
            "mnist_samples.png",
            "mixture_coverage.svg",
        ],
    );
    // The generator's numbers (the file's header lists its metadata in no fixed order).
    let load = |run: &str| {
        let path = dir.path().join(run).join("generator.safetensors");
        let generator = gan::models::Generator::load(&path).unwrap();
        let mut tensors = generator.named_parameters();
        tensors.extend(generator.named_buffers());
        let values: Vec<(String, Vec<f32>)> = tensors
            .into_iter()
            .map(|(name, t)| (name, t.to_array().iter().copied().collect()))
            .collect();
        values
    };
    assert!(load("unbroken") == load("resumed"), "the generators differ");
    assert!(
        printed.contains(": 1 epoch(s)") || printed.contains(": 2 epoch(s)"),
        "resumed mid-run:\n{printed}"
    );
    assert!(
        !printed.contains("epoch 1/4"),
        "the resumed run played epoch 1 again:\n{printed}"
    );

    // Resuming a finished run changes nothing: it has no epoch left to play.
    assert_resuming_a_finished_run_changes_nothing(BINARY, &FLAGS, dir.path(), &[": 4 epoch(s)"]);
}

#[test]
fn resuming_with_other_settings_or_without_a_checkpoint_fails_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let messages = assert_resume_refusals(
        BINARY,
        &FLAGS,
        &dir.path().join("run"),
        "game.safetensors",
        &[
            ("--lr", "0.002", "lr=0.001 (saved) vs lr=0.002 (now)"),
            ("--seed", "9", "--seed 42"),
        ],
    );
    for message in &messages[..2] {
        assert!(!message.contains("part 1"), "it trained first:\n{message}");
    }
}
