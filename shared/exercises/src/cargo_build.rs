//! Building every project's exercise tests in one cargo invocation, with progress.
//!
//! `cargo build --workspace --keep-going --test exercises`, with `--features
//! a/learner,b/learner,...` for the learner's code. Selecting the whole workspace, as
//! `cargo test --workspace` does, resolves every shared library with the same features as
//! that command, so they are reused from its build and only the projects themselves are
//! compiled again; one project per invocation would rebuild the shared libraries for each.
//! `--keep-going` builds every project it can, so a mistake in one does not hide the others.

use crate::catalog::Catalog;
use anyhow::Context;
use serde::Deserialize;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;

/// Which code the projects are built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Every exercise from the learner's file, stub or not (`learner` feature, and
    /// `SMALLNETS_EXERCISES=all`): the code whose tests say how far the learner is.
    Yours,
    /// Every exercise from its reference solution (no feature): what CI checks the tests on.
    Reference,
}

/// One package's compiled `tests/exercises.rs`.
#[derive(Debug, Clone)]
pub struct TestBinary {
    pub path: PathBuf,
    /// The package folder: tests run there, as under `cargo test`.
    pub package_dir: PathBuf,
    /// True when cargo found it up to date: its earlier results still hold.
    pub fresh: bool,
}

/// A compiler error, and where it points.
#[derive(Debug, Clone)]
pub struct CompileError {
    /// The package it stopped, e.g. `perceptron`.
    pub package: String,
    /// The file of its primary span, absolute and without `..`; `None` if it has none.
    pub file: Option<PathBuf>,
    /// The message as rustc prints it, in full.
    pub rendered: String,
}

/// What one build produced.
#[derive(Debug, Default)]
pub struct Build {
    /// Each package's test binary, by package name; a package that did not compile has none.
    pub binaries: HashMap<String, TestBinary>,
    /// Every compiler error.
    pub errors: Vec<CompileError>,
    /// Cargo's own complaint when it failed before compiling (a broken `Cargo.toml`, ...).
    pub cargo_error: Option<String>,
}

/// Builds every project's exercise tests with `variant`, calling `progress` with a short
/// description of what cargo is doing ("building 37/83: gemm, tensor") as it changes.
///
/// # Errors
/// If cargo cannot be started.
pub fn build(
    catalog: &Catalog,
    variant: Variant,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Build> {
    let mut command = cargo_command(catalog, variant);
    progress("starting cargo");
    let mut child = crate::process::spawn(&mut command)?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");

    let (sender, events) = mpsc::channel();
    let json_sender = sender.clone();
    let json_reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if json_sender.send(Output::Json(line)).is_err() {
                break;
            }
        }
    });
    let status_reader = std::thread::spawn(move || read_status(stderr, &sender));

    let mut build = Build::default();
    let mut cargo_lines = Vec::new();
    for event in events {
        match event {
            Output::Json(line) => read_message(catalog, &line, &mut build),
            Output::Status(status) => progress(&status),
            Output::Line(line) => cargo_lines.push(line),
        }
    }
    json_reader.join().ok();
    status_reader.join().ok();
    let status = crate::process::wait(child).context("waiting for cargo")?;
    if !status.success() && build.errors.is_empty() {
        // Failed without a compiler error: cargo itself could not go on. Its own lines say why.
        let said: Vec<String> = cargo_lines
            .into_iter()
            .filter(|line| !line.starts_with("warning: build failed"))
            .collect();
        build.cargo_error = Some(if said.is_empty() {
            format!("cargo stopped ({status}) without saying why")
        } else {
            said.join("\n")
        });
    }
    Ok(build)
}

/// The cargo command for `variant`, run from the workspace root.
pub fn cargo_command(catalog: &Catalog, variant: Variant) -> Command {
    // Inside `cargo run`, CARGO names the cargo that started us: use the same one.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.current_dir(&catalog.root).args([
        "build",
        "--workspace",
        "--keep-going",
        "--test",
        "exercises",
        "--message-format",
        "json",
    ]);
    match variant {
        Variant::Yours => {
            let features: Vec<String> = catalog
                .by_package()
                .iter()
                .map(|(package, _)| format!("{package}/learner"))
                .collect();
            command.args(["--features", &features.join(",")]);
            command.env(exercise_switch::FORCE_VARIABLE, "all");
        }
        Variant::Reference => {
            command.env_remove(exercise_switch::FORCE_VARIABLE);
        }
    }
    // Cargo draws its "Building [===>  ] 37/83: gemm" bar only on a terminal unless told to;
    // we read it from the pipe and show it our way.
    command
        .env("CARGO_TERM_PROGRESS_WHEN", "always")
        .env("CARGO_TERM_PROGRESS_WIDTH", "160")
        .env("CARGO_TERM_COLOR", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

enum Output {
    /// A line of cargo's JSON messages (standard output).
    Json(String),
    /// What cargo is doing now, in a few words.
    Status(String),
    /// Any other line cargo printed on standard error.
    Line(String),
}

/// Reads cargo's standard error: status lines and progress bars (separated by `\r`) become
/// [`Output::Status`], everything else [`Output::Line`].
fn read_status(stderr: impl Read, sender: &mpsc::Sender<Output>) {
    let mut reader = BufReader::new(stderr);
    let mut piece = Vec::new();
    loop {
        piece.clear();
        // Progress bars end in '\r', ordinary lines in '\n': read up to either.
        let mut byte = [0u8];
        let mut ended = false;
        loop {
            match reader.read(&mut byte) {
                Ok(1) if byte[0] == b'\r' || byte[0] == b'\n' => break,
                Ok(1) => piece.push(byte[0]),
                _ => {
                    ended = true;
                    break;
                }
            }
        }
        let text = String::from_utf8_lossy(&piece).trim_end().to_owned();
        if !text.trim().is_empty() {
            let output = match describe_status(&text) {
                Some(status) => Output::Status(status),
                None => Output::Line(text),
            };
            if sender.send(output).is_err() {
                return;
            }
        }
        if ended {
            return;
        }
    }
}

/// A few words for one of cargo's status lines, or `None` if it is not one.
pub fn describe_status(line: &str) -> Option<String> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("Building [") {
        // "Building [=====>     ] 37/83: gemm, tensor, ..."
        let counts = rest.split_once("] ")?.1.trim();
        return Some(format!("building {counts}"));
    }
    let (verb, rest) = line.split_once(' ')?;
    let subject = rest.split(" v").next().unwrap_or(rest).trim();
    let status = match verb {
        "Compiling" => format!("compiling {subject}"),
        "Blocking" => "waiting for another cargo command to finish with the build folder".into(),
        "Updating" => format!("updating {subject}"),
        "Downloading" | "Downloaded" | "Locking" | "Adding" => format!("fetching {subject}"),
        "Finished" => "built".into(),
        "Checking" | "Fresh" | "Running" | "Dirty" => format!("{} {subject}", verb.to_lowercase()),
        _ => return None,
    };
    Some(status)
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    manifest_path: Option<PathBuf>,
    target: Option<Target>,
    executable: Option<PathBuf>,
    #[serde(default)]
    fresh: bool,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

#[derive(Deserialize)]
struct Diagnostic {
    level: String,
    rendered: Option<String>,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    is_primary: bool,
}

/// Takes in one JSON message from cargo: a finished test binary or a compiler error.
fn read_message(catalog: &Catalog, line: &str, build: &mut Build) {
    let Ok(message) = serde_json::from_str::<Message>(line) else {
        return; // not JSON: a build script's own output, say
    };
    let package_dir = message
        .manifest_path
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf);
    let package = package_dir
        .as_deref()
        .and_then(|dir| catalog.package_in(dir))
        .unwrap_or("")
        .to_owned();
    match message.reason.as_str() {
        "compiler-artifact" => {
            let is_exercises_test = message
                .target
                .as_ref()
                .is_some_and(|t| t.name == "exercises" && t.kind.iter().any(|k| k == "test"));
            if let (true, Some(path), Some(package_dir)) =
                (is_exercises_test, message.executable, package_dir)
            {
                let binary = TestBinary {
                    path,
                    package_dir,
                    fresh: message.fresh,
                };
                build.binaries.insert(package, binary);
            }
        }
        "compiler-message" => {
            let Some(diagnostic) = message.message else {
                return;
            };
            if diagnostic.level != "error" {
                return; // warnings, and the "aborting due to" notes
            }
            let file = diagnostic
                .spans
                .iter()
                .find(|s| s.is_primary)
                .map(|s| normalise(&catalog.root.join(&s.file_name)));
            build.errors.push(CompileError {
                package,
                file,
                rendered: diagnostic
                    .rendered
                    .unwrap_or_default()
                    .trim_end()
                    .to_owned(),
            });
        }
        _ => {}
    }
}

/// `path` without `.` and `..` components, without touching the file system:
/// `root/projects/01-perceptron/src/../exercises/predict.rs` is `.../exercises/predict.rs`.
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargos_status_lines_become_a_few_words() {
        assert_eq!(
            describe_status("    Building [=====>     ] 37/83: gemm, tensor(build)").unwrap(),
            "building 37/83: gemm, tensor(build)"
        );
        assert_eq!(
            describe_status("   Compiling ndarray v0.17.1").unwrap(),
            "compiling ndarray"
        );
        assert!(
            describe_status("    Blocking waiting for file lock on build directory")
                .unwrap()
                .contains("another cargo")
        );
        assert!(describe_status("error: could not compile `perceptron`").is_none());
    }

    #[test]
    fn a_path_through_a_parent_folder_is_the_file_itself() {
        assert_eq!(
            normalise(Path::new(
                "/w/projects/01-perceptron/src/../exercises/predict.rs"
            )),
            PathBuf::from("/w/projects/01-perceptron/exercises/predict.rs")
        );
    }
}
