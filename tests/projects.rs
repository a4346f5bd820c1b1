//! Every project's binary, run as a user runs it: a few steps with `--quiet`, a valid
//! `metrics.json` and a `result:` line, and the same seed giving the same metrics twice.
//!
//! A project says how to make its run short in its Cargo.toml:
//!
//! ```toml
//! [package.metadata.smallnets]
//! smoke-args = ["--epochs", "1", "--train-limit", "2000"]
//! ```

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use workspace_checks::{projects, workspace_root, Project};

/// Builds the project's binary with the cargo running these tests and returns its path.
fn build(project: &Project) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "build",
            "--quiet",
            "--message-format=json",
            "--bin",
            &project.binary,
        ])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "building {} failed:\n{}",
        project.binary,
        String::from_utf8_lossy(&output.stderr)
    );
    // Cargo reports each artifact as a JSON line; the binary's has an "executable".
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|message| message["executable"].as_str().map(PathBuf::from))
        .find(|path| {
            path.file_stem()
                .is_some_and(|stem| stem == project.binary.as_str())
        })
        .unwrap_or_else(|| panic!("cargo built no executable named {}", project.binary))
}

/// The project's `[package.metadata.smallnets] smoke-args`, or none.
fn smoke_args(project: &Project) -> Vec<String> {
    let manifest = std::fs::read_to_string(project.dir.join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&manifest).unwrap();
    manifest
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("smallnets"))
        .and_then(|s| s.get("smoke-args"))
        .and_then(|a| a.as_array())
        .map(|args| {
            args.iter()
                .map(|a| a.as_str().expect("smoke-args are strings").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the binary once into `out` and returns its metrics.json, after checking the run's
/// output and the file's schema (CONTRACT.md).
fn run_once(project: &Project, binary: &Path, out: &Path) -> Value {
    let output = Command::new(binary)
        .args(["--quiet", "--seed", "7", "--threads", "2", "--out"])
        .arg(out)
        .args(smoke_args(project))
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed:\n{stdout}\n{stderr}",
        project.binary
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("result: "),
        "{}: last line is {last:?}",
        project.binary
    );

    let text = std::fs::read_to_string(out.join("metrics.json")).unwrap_or_else(|e| {
        panic!(
            "{}: no metrics.json in {}: {e}",
            project.binary,
            out.display()
        )
    });
    let metrics: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(metrics["project"], project.binary.as_str());
    assert!(metrics["dataset"].as_str().is_some_and(|d| !d.is_empty()));
    let results = metrics["metrics"].as_object().expect("a metrics object");
    assert!(!results.is_empty(), "{}: no metrics", project.binary);
    assert!(
        results.values().all(Value::is_number),
        "{}: {results:?}",
        project.binary
    );
    assert_eq!(metrics["seed"], 7);
    assert_eq!(metrics["threads"], 2);
    for key in ["train_seconds", "examples_per_second", "params"] {
        assert!(
            metrics[key].is_number(),
            "{}: {key} missing",
            project.binary
        );
    }
    assert!(
        metrics["epochs"].is_number() || metrics["steps"].is_number(),
        "{}: epochs or steps",
        project.binary
    );
    // Every metric is also in the result line.
    for name in results.keys() {
        assert!(
            last.contains(&format!("{name}=")),
            "{}: {name} not in {last:?}",
            project.binary
        );
    }
    metrics
}

#[test]
fn every_project_runs_quietly_writes_valid_metrics_and_repeats_itself_with_the_same_seed() {
    let projects = projects();
    assert!(!projects.is_empty(), "no projects found under projects/");
    for project in &projects {
        let binary = build(project);
        let dir = tempfile::tempdir().unwrap();
        let first = run_once(project, &binary, &dir.path().join("first"));
        let second = run_once(project, &binary, &dir.path().join("second"));
        assert_eq!(
            first["metrics"], second["metrics"],
            "{}: the same seed and thread count gave different metrics",
            project.binary
        );
        println!("{}: {}", project.binary, first["metrics"]);
    }
}

#[test]
fn every_project_follows_the_naming_convention() {
    for project in projects() {
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(project.dir.join("Cargo.toml")).unwrap())
                .unwrap();
        let (number, name) = project.binary.split_once('-').expect("NN-name");
        assert!(
            number.len() == 2 && number.chars().all(|c| c.is_ascii_digit()),
            "{}",
            project.binary
        );
        assert_eq!(
            manifest["package"]["name"].as_str(),
            Some(name),
            "{}: package name",
            project.binary
        );
        let bins = manifest["bin"].as_array().expect("a [[bin]] section");
        assert!(
            bins.iter()
                .any(|b| b["name"].as_str() == Some(project.binary.as_str())),
            "{}: binary must be named like the folder",
            project.binary
        );
        assert!(
            project.dir.join("README.md").is_file(),
            "{}: README.md",
            project.binary
        );
        assert!(
            workspace_root()
                .join("book/src")
                .join(format!("{}.md", project.binary))
                .is_file(),
            "{}: chapter book/src/{}.md",
            project.binary,
            project.binary
        );
    }
}

#[test]
fn every_projects_help_starts_with_what_it_does_and_lists_the_common_flags() {
    for project in projects() {
        let binary = build(&project);
        let output = Command::new(&binary).arg("--help").output().unwrap();
        assert!(output.status.success(), "{} --help failed", project.binary);
        let help = String::from_utf8_lossy(&output.stdout);
        let first_line = help.lines().next().unwrap_or_default();
        // "05 · a convolutional network on MNIST...": the project's own one-line summary,
        // not a doc comment borrowed from the shared flags.
        assert!(
            first_line.starts_with(&project.binary[..2]),
            "{}: --help should open with the project's summary, got {first_line:?}",
            project.binary
        );
        assert!(
            !help.contains("```"),
            "{}: --help shows a code example from a doc comment:\n{help}",
            project.binary
        );
        for flag in ["--seed", "--data-dir", "--out", "--threads", "--quiet"] {
            assert!(
                help.contains(flag),
                "{}: --help lacks {flag}",
                project.binary
            );
        }
    }
}
