//! Running a compiled `tests/exercises.rs` and reading what libtest says: every test's
//! verdict and, for a failing one, its message (the assertion and the values it compared).

use crate::cargo_build::TestBinary;
use anyhow::Context;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one package's exercise tests may run before they are stopped: far longer than
/// they take, short enough that a loop that never ends in a learner's code is reported.
pub const TIMEOUT: Duration = Duration::from_secs(600);

/// One test's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// e.g. `predict::a_score_of_exactly_zero_is_minus_one`: `mod` of the exercise, then name.
    pub name: String,
    pub passed: bool,
    /// For a failing test: what it printed, the panic and its assertion message.
    pub message: String,
}

/// Runs every test of `binary` (or those whose name contains `filter`) and collects each
/// one's verdict. A test that never got one (the process crashed or was stopped) counts as
/// failing, with what the process said as its message.
///
/// # Errors
/// If the binary cannot be started.
pub fn run(binary: &TestBinary, filter: Option<&str>) -> anyhow::Result<Vec<TestResult>> {
    let names = list(binary, filter)?;
    let mut command = test_command(binary, filter);
    command.args(["--format", "pretty", "--color", "never"]);
    let (stdout, stderr, stopped) = run_captured(command, TIMEOUT)?;
    let mut results = parse(&stdout);
    let problem = if stopped {
        format!(
            "stopped after {} s without finishing: does a loop in your code never end?",
            TIMEOUT.as_secs()
        )
    } else {
        let said = stderr.trim();
        format!("the test process stopped before this test finished:\n{said}")
    };
    for name in names {
        if !results.iter().any(|r| r.name == name) {
            results.push(TestResult {
                name,
                passed: false,
                message: problem.clone(),
            });
        }
    }
    Ok(results)
}

/// The command that runs `binary`'s tests the way `cargo test` would: from the package's
/// folder, with the package's folder in `CARGO_MANIFEST_DIR`.
pub fn test_command(binary: &TestBinary, filter: Option<&str>) -> Command {
    let mut command = Command::new(&binary.path);
    command
        .current_dir(&binary.package_dir)
        .env("CARGO_MANIFEST_DIR", &binary.package_dir)
        // A backtrace would push the assertion off the screen; `cargo exercises test` is there
        // for the rest.
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null());
    if let Some(filter) = filter {
        command.arg(filter);
    }
    command
}

/// The names of the tests `binary` holds (matching `filter`).
fn list(binary: &TestBinary, filter: Option<&str>) -> anyhow::Result<Vec<String>> {
    let mut command = test_command(binary, filter);
    command.args(["--list", "--format", "terse"]);
    let (stdout, _, _) = run_captured(command, Duration::from_secs(60))?;
    Ok(stdout
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect())
}

/// Runs `command` to the end, or until `timeout` has passed, and returns what it wrote to
/// standard output and standard error, and whether it had to be stopped.
fn run_captured(mut command: Command, timeout: Duration) -> anyhow::Result<(String, String, bool)> {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = crate::process::spawn(&mut command)
        .with_context(|| format!("running {:?}", command.get_program()))?;
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("piped")));
    let stderr = read_all(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let mut stopped = false;
    while child.try_wait()?.is_none() {
        if started.elapsed() > timeout {
            let _ = child.kill();
            stopped = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::process::wait(child)?;
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok((stdout, stderr, stopped))
}

/// Reads libtest's pretty output: the `test NAME ... ok` / `... FAILED` lines, and for each
/// failure its `---- NAME stdout ----` section, which holds the panic message.
pub fn parse(stdout: &str) -> Vec<TestResult> {
    let mut results: Vec<TestResult> = stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, verdict) = rest.rsplit_once(" ... ")?;
            let passed = match verdict.trim() {
                "ok" => true,
                "FAILED" => false,
                _ => return None, // "ignored" and the like are not verdicts
            };
            Some(TestResult {
                name: name.to_owned(),
                passed,
                message: String::new(),
            })
        })
        .collect();
    for (name, message) in failure_sections(stdout) {
        if let Some(result) = results.iter_mut().find(|r| r.name == name) {
            result.message = message;
        }
    }
    results
}

/// Each `---- NAME stdout ----` section of a failing test: its name and its text, without
/// libtest's note about backtraces.
fn failure_sections(stdout: &str) -> Vec<(String, String)> {
    let mut sections = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in stdout.lines() {
        let header = line
            .strip_prefix("---- ")
            .and_then(|rest| rest.strip_suffix(" stdout ----"));
        if header.is_some() || line == "failures:" {
            sections.extend(current.take().map(finish_section));
        }
        if let Some(name) = header {
            current = Some((name.to_owned(), Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            if !line.starts_with("note: run with `RUST_BACKTRACE=1`") {
                lines.push(line);
            }
        }
    }
    sections.extend(current.map(finish_section));
    sections
}

fn finish_section((name, lines): (String, Vec<&str>)) -> (String, String) {
    let lines: Vec<String> = lines.into_iter().map(tidy).collect();
    (name, lines.join("\n").trim().to_owned())
}

/// One line of a failure, made easier to read: the panic's `thread 'NAME' (ID)` is dropped
/// (the test's name is shown above it), and `src/../exercises/x.rs`, how the compiler names a
/// file that lib.rs includes by path, becomes `exercises/x.rs`.
fn tidy(line: &str) -> String {
    let line = match line.split_once(" panicked at ") {
        Some((thread, place)) if thread.starts_with("thread '") => format!("panicked at {place}"),
        _ => line.to_owned(),
    };
    line.replace("/src/../", "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\nrunning 3 tests\ntest predict::a ... ok\ntest update::b ... FAILED\n\
test update::c ... FAILED\ntest margin::d ... ignored\n\nfailures:\n\n---- update::b stdout ----\n\n\
thread 'update::b' panicked at projects/01-perceptron/tests/exercises.rs:51:9:\n\
assertion `left == right` failed: row 3 should move towards the point\n  left: 1.0\n right: -1.0\n\
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\
---- update::c stdout ----\nprinted by the test\n\nthread 'update::c' (7) panicked at a/src/../exercises/update.rs:1:1:\n\
not yet implemented: update: the perceptron rule\n\n\nfailures:\n    update::b\n    update::c\n\n\
test result: FAILED. 1 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out\n";

    #[test]
    fn reads_verdicts_and_the_message_of_each_failure() {
        let results = parse(OUTPUT);
        assert_eq!(results.len(), 3, "{results:?}");
        assert!(results[0].passed && results[0].message.is_empty());
        let b = &results[1];
        assert!(!b.passed && b.name == "update::b");
        assert!(
            b.message.contains("row 3 should move towards the point")
                && b.message.contains(" right: -1.0")
                && b.message
                    .starts_with("panicked at projects/01-perceptron/tests/exercises.rs:51:9:"),
            "{}",
            b.message
        );
        assert!(!b.message.contains("RUST_BACKTRACE"), "{}", b.message);
        assert!(results[2].message.starts_with("printed by the test"));
        assert!(results[2].message.ends_with("the perceptron rule"));
        assert!(
            results[2]
                .message
                .contains("\npanicked at a/exercises/update.rs:1:1:\n"),
            "{}",
            results[2].message
        );
    }
}
