//! Helpers for the command-line tests every project has (`tests/cli.rs`): run the binary as a
//! user would, read what it printed and wrote.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `binary` (a project test's `env!("CARGO_BIN_EXE_NN-name")`) with `args`, plus
/// `--quiet` and `--out out`, and returns what it did.
///
/// # Panics
/// If the binary cannot be started at all.
pub fn run_binary(binary: &str, args: &[&str], out: &Path) -> Output {
    Command::new(binary)
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"))
}

/// Everything the run printed: standard output, then standard error.
pub fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// The last line of standard output: the `result:` line of a successful run.
pub fn last_line(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.lines().last().unwrap_or_default().to_owned()
}

/// The `metrics.json` a run wrote into `dir`.
///
/// # Panics
/// If there is none, or it is not JSON.
pub fn metrics(dir: &Path) -> serde_json::Value {
    let path = dir.join("metrics.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
