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

/// Runs `binary` with exactly `args` (nothing added: for subcommands, and for runs that give
/// their own `--out`), with `SMALLNETS_THREADS` unset so that only `--threads` counts, and
/// returns what it did.
///
/// # Panics
/// If the binary cannot be started at all.
pub fn run_args(binary: &str, args: &[&str]) -> Output {
    Command::new(binary)
        .args(args)
        .env_remove("SMALLNETS_THREADS")
        .output()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"))
}

/// A path as a command-line argument.
///
/// # Panics
/// If the path is not UTF-8 (a test's temporary folders are).
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// `args` with `flag` set to `value`: its value replaced where `args` gives the flag (as
/// `--flag value`), else the two appended.
///
/// ```
/// use run::cli_test::with_flag;
/// let flags = ["--steps", "10"];
/// assert_eq!(with_flag(&flags, "--steps", "20"), ["--steps", "20"]);
/// assert_eq!(with_flag(&flags, "--seed", "9"), ["--steps", "10", "--seed", "9"]);
/// ```
pub fn with_flag<'a>(args: &[&'a str], flag: &'a str, value: &'a str) -> Vec<&'a str> {
    let mut args = args.to_vec();
    match args.iter().position(|a| *a == flag) {
        Some(i) if i + 1 < args.len() => args[i + 1] = value,
        _ => args.extend([flag, value]),
    }
    args
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

/// Checks that `metrics.json` (as [`metrics`] reads it) has each of `keys` among its metrics,
/// as a finite number above 0 (a loss, say).
///
/// # Panics
/// If one is missing or is not such a number; the message names it.
pub fn assert_positive_metrics(metrics: &serde_json::Value, keys: &[&str]) {
    for key in keys {
        let value = metrics["metrics"][key]
            .as_f64()
            .unwrap_or_else(|| panic!("no {key} in {metrics}"));
        assert!(value.is_finite() && value > 0.0, "{key} = {value}");
    }
}

/// Checks that each of `figures` exists in `dir` and is an SVG document.
///
/// # Panics
/// If one is missing or is not SVG; the message names it.
pub fn assert_svg_figures(dir: &Path, figures: &[&str]) {
    for figure in figures {
        let path = dir.join(figure);
        let svg =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{} is not an SVG document",
            path.display()
        );
    }
}

/// Runs `binary` with each of `cases` (as [`run_binary`] does, into `out`) and checks that
/// each is refused as a usage error: exit status 2, with no `metrics.json` written.
///
/// # Panics
/// If a case is accepted, fails otherwise, or leaves metrics behind.
pub fn assert_usage_errors(binary: &str, cases: &[&[&str]], out: &Path) {
    for args in cases {
        let output = run_binary(binary, args, out);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
    }
    assert!(
        !out.join("metrics.json").exists(),
        "a refused run wrote {}",
        out.join("metrics.json").display()
    );
}

/// Checks that a run failed as a user should see it fail: exit status 1 (an error the run
/// explains, not a usage error or a crash) and no panic message. Returns everything it
/// printed, for the caller to check that the message names the file or flag at fault.
///
/// # Panics
/// If the run succeeded, exited otherwise, or panicked.
pub fn assert_clean_failure(output: &Output) -> String {
    let all = text(output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        !all.contains("panicked"),
        "a panic instead of an error:\n{all}"
    );
    all
}

/// Runs `binary` with `args` and an `--out` that cannot be written (a folder under a plain
/// file it makes in `dir`, a fresh temporary folder: even root cannot create that), and checks that the run fails before any work: a clean
/// failure whose message names the folder and `--out`, with nothing printed on standard
/// output (not even the configuration line, so no data was loaded and nothing trained).
/// Returns everything it printed.
///
/// # Panics
/// If the run succeeds, fails otherwise, or starts working first.
pub fn assert_fails_before_the_work(binary: &str, args: &[&str], dir: &Path) -> String {
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "not a folder").expect("writing a file");
    let out = blocker.join("out");
    let output = run_binary(binary, args, &out);
    let all = assert_clean_failure(&output);
    assert!(
        all.contains("cannot write") && all.contains("a-file/out") && all.contains("--out"),
        "the message should name the folder and --out:\n{all}"
    );
    assert!(
        output.stdout.is_empty(),
        "the run started working before it checked its output folder:\n{all}"
    );
    all
}

/// Starts `command` with its standard output piped, reads it line by line until a line starts
/// with `prefix`, then kills the process (SIGKILL on Unix: nothing can catch it) and waits
/// for it. Returns what it printed up to then. The resume tests interrupt a run this way at a
/// known point (say, when `epoch 2/4` is printed: the checkpoint of epoch 1 is on disk and
/// the one of epoch 2 is being written).
///
/// # Panics
/// If the command cannot start, or ends without printing such a line.
pub fn kill_when_printed(command: &mut std::process::Command, prefix: &str) -> String {
    use std::io::BufRead;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut printed = String::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.expect("the run prints text");
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with(prefix) {
            child.kill().expect("killing the run");
            child.wait().expect("waiting for the killed run");
            return printed;
        }
    }
    let status = child.wait().expect("waiting for the run");
    panic!("the run ended ({status}) without printing a line starting with {prefix:?}:\n{printed}");
}

/// The fields of `metrics.json` that measure time or memory, which differ between any two runs.
pub const TIMING_FIELDS: [&str; 3] = ["train_seconds", "examples_per_second", "peak_rss_mib"];

/// Checks that two runs' `metrics.json` (in `a` and `b`) are equal, number for number, apart
/// from [`TIMING_FIELDS`] and the metrics named in `timings` (a project's own timing metrics).
///
/// # Panics
/// If they differ; the message shows both.
pub fn assert_same_metrics(a: &Path, b: &Path, timings: &[&str]) {
    let strip = |dir: &Path| {
        let mut json = metrics(dir);
        let object = json.as_object_mut().expect("metrics.json is an object");
        for field in TIMING_FIELDS {
            object.remove(field);
        }
        if let Some(metrics) = object.get_mut("metrics").and_then(|m| m.as_object_mut()) {
            for field in timings {
                metrics.remove(*field);
            }
        }
        json
    };
    let (a_json, b_json) = (strip(a), strip(b));
    assert_eq!(
        a_json,
        b_json,
        "{} and {} differ",
        a.join("metrics.json").display(),
        b.join("metrics.json").display()
    );
}

/// The resume check every long-training project runs (`tests/resume.rs`): `binary` with
/// `args` (a short run that uses every random stream it has; `--threads` given) runs once
/// unbroken into `dir/unbroken`; once into `dir/resumed`, killed as soon as it prints a line
/// starting with `kill_at` (e.g. `epoch 2/4`: the first checkpoint is on disk, the run not
/// over); then again there with `--resume`. The resumed run must say where it resumed from
/// and end with the unbroken run's `metrics.json` (timings aside, and the project's own
/// timing metrics in `timings`), and with the same bytes in each of `same_files` (figures
/// drawn from the whole history). Returns what the resumed run printed.
///
/// # Panics
/// If any of that fails.
pub fn assert_resume_matches_unbroken(
    binary: &str,
    args: &[&str],
    kill_at: &str,
    dir: &Path,
    timings: &[&str],
    same_files: &[&str],
) -> String {
    let (unbroken, resumed) = (dir.join("unbroken"), dir.join("resumed"));
    let output = run_binary(binary, args, &unbroken);
    assert!(output.status.success(), "{}", text(&output));

    let mut command = Command::new(binary);
    command
        .args(args)
        .arg("--out")
        .arg(&resumed)
        .arg("--quiet")
        .env_remove("SMALLNETS_THREADS");
    let before = kill_when_printed(&mut command, kill_at);
    assert!(
        !resumed.join("metrics.json").exists(),
        "the run ended before the kill:\n{before}"
    );
    let resume: Vec<&str> = args.iter().copied().chain(["--resume"]).collect();
    let output = run_binary(binary, &resume, &resumed);
    let printed = text(&output);
    assert!(output.status.success(), "{printed}");
    assert!(printed.contains("resuming from"), "{printed}");
    assert_same_metrics(&unbroken, &resumed, timings);
    for name in same_files {
        let read = |dir: &Path| {
            let path = dir.join(name);
            std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        assert!(
            read(&unbroken) == read(&resumed),
            "{name} differs between the unbroken and the resumed run"
        );
    }
    printed
}

/// Checks that resuming the finished run of [`assert_resume_matches_unbroken`] (in
/// `dir/resumed`, with the same `args` and `--resume`) changes nothing: it succeeds, prints
/// each of `done` (the epochs or steps it found done, so that none is left to train), and
/// leaves the unbroken run's `metrics.json` (in `dir/unbroken`) as it was.
///
/// # Panics
/// If any of that fails.
pub fn assert_resuming_a_finished_run_changes_nothing(
    binary: &str,
    args: &[&str],
    dir: &Path,
    done: &[&str],
) {
    let resumed = dir.join("resumed");
    let resume: Vec<&str> = args.iter().copied().chain(["--resume"]).collect();
    let output = run_binary(binary, &resume, &resumed);
    let printed = text(&output);
    assert!(output.status.success(), "{printed}");
    for words in done {
        assert!(printed.contains(words), "{printed}");
    }
    assert_same_metrics(&dir.join("unbroken"), &resumed, &[]);
}

/// Runs `binary` with `args` and `--resume` into `out` and checks that it is refused as a
/// clean failure (see [`assert_clean_failure`]) whose message contains `expected`. Returns
/// the message, for the caller's own checks (say, that nothing was trained first).
///
/// # Panics
/// If the run is not refused so.
pub fn assert_resume_refused(binary: &str, args: &[&str], out: &Path, expected: &str) -> String {
    let resume: Vec<&str> = args.iter().copied().chain(["--resume"]).collect();
    let message = assert_clean_failure(&run_binary(binary, &resume, out));
    assert!(message.contains(expected), "{message}");
    message
}

/// The refusals every resumable project checks, in `out` (a fresh folder): `--resume` with no
/// checkpoint there fails cleanly, naming `checkpoint` and saying to run without `--resume`;
/// then, after a whole run of `args`, `--resume` with any setting changed fails cleanly with
/// the message expected: for each of `changes`, a flag, its other value and that message
/// (see [`with_flag`]). Returns the messages, the missing checkpoint's first.
///
/// # Panics
/// If any of that fails.
pub fn assert_resume_refusals(
    binary: &str,
    args: &[&str],
    out: &Path,
    checkpoint: &str,
    changes: &[(&str, &str, &str)],
) -> Vec<String> {
    let mut messages = vec![assert_resume_refused(binary, args, out, "without --resume")];
    assert!(messages[0].contains(checkpoint), "{}", messages[0]);
    let output = run_binary(binary, args, out);
    assert!(output.status.success(), "{}", text(&output));
    for &(flag, value, expected) in changes {
        let changed = with_flag(args, flag, value);
        messages.push(assert_resume_refused(binary, &changed, out, expected));
    }
    messages
}

/// The sample texts of a run's `samples.md` in `dir`, without their `**` headings (which give
/// seconds of training, different in any two runs).
///
/// # Panics
/// If there is no such file.
pub fn sample_texts(dir: &Path) -> Vec<String> {
    let path = dir.join("samples.md");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with("**"))
        .map(str::to_owned)
        .collect()
}
