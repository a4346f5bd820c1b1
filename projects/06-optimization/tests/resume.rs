//! `--resume`: the lab is hundreds of trainings of a few seconds each, seven experiments
//! in all; a lab killed after some experiments, then resumed, keeps those experiments'
//! results, runs the rest, and ends with the numbers of a lab never stopped (same flags,
//! seed and threads): every experiment's `metrics.json` and the lab's, timings aside.

use run::cli_test::{assert_resume_matches_unbroken, assert_same_metrics, run_binary, text};

const FLAGS: [&str; 3] = ["--quick", "--threads", "2"];

const BINARY: &str = env!("CARGO_BIN_EXE_06-optimization");

const EXPERIMENTS: [&str; 7] = [
    "optimizers",
    "lr",
    "small-data",
    "init",
    "batchnorm",
    "search",
    "learning-curve",
];

#[test]
fn a_killed_lab_resumed_keeps_the_experiments_it_finished_and_ends_with_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    // Killed as the fourth experiment starts: the first three are done and recorded.
    let printed = assert_resume_matches_unbroken(
        BINARY,
        &FLAGS,
        "06-optimization  seed=42 threads=2 experiments=init",
        dir.path(),
        &[],
        &[],
    );
    for name in &EXPERIMENTS[..3] {
        assert!(
            printed.contains(&format!("{name}/finding.json: the experiment is done")),
            "{name} ran again:\n{printed}"
        );
    }
    for name in EXPERIMENTS {
        let (unbroken, resumed) = (dir.path().join("unbroken"), dir.path().join("resumed"));
        assert_same_metrics(&unbroken.join(name), &resumed.join(name), &[]);
    }

    // Other flags: nothing is kept, every experiment runs again.
    let output = run_binary(
        BINARY,
        &[
            "small-data",
            "--quick",
            "--threads",
            "2",
            "--seeds",
            "1",
            "--resume",
        ],
        &dir.path().join("resumed").join("small-data"),
    );
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("is from a run with other flags"),
        "{}",
        text(&output)
    );
}
