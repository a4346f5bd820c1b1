//! Running an exercise's tests: `cargo test -p <package> --test exercises`, with the crate's
//! `learner` feature (your files) or without it (the reference solutions).

use crate::catalog::{Catalog, Exercise};
use anyhow::Context;
use std::collections::HashMap;
use std::process::{Command, Stdio};

/// Which implementation the tests run against.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// The learner's files in `exercises/` (the crate's `learner` feature).
    Stubs,
    /// The reference solutions in `solutions/` (the default build).
    Solutions,
}

/// One test's name (e.g. `predict::a_point_on_the_positive_side_is_class_one`) and verdict.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
}

/// What one `cargo test` run of a package's exercise tests gave.
#[derive(Debug)]
pub struct PackageRun {
    /// False when the code did not compile, and then `tests` is empty.
    pub compiled: bool,
    /// The compiler's complaints, when it did not compile.
    pub errors: String,
    pub tests: Vec<TestResult>,
}

impl PackageRun {
    /// The tests of exercise `name` (those under `mod name`).
    pub fn tests_of(&self, name: &str) -> Vec<&TestResult> {
        let prefix = format!("{name}::");
        self.tests
            .iter()
            .filter(|t| t.name.starts_with(&prefix))
            .collect()
    }
}

/// CI's judgement of one exercise: empty when its tests fail on the stub and pass on the
/// reference solution, else what is wrong. A test that passes on a `todo!()` stub checks
/// nothing, so every one of them must fail there.
pub fn verdict(name: &str, on_stubs: &PackageRun, on_solutions: &PackageRun) -> String {
    if !on_stubs.compiled {
        return format!("the stubs do not compile:\n{}", on_stubs.errors);
    }
    if !on_solutions.compiled {
        return format!("the solutions do not compile:\n{}", on_solutions.errors);
    }
    let (stub, solution) = (on_stubs.tests_of(name), on_solutions.tests_of(name));
    if stub.is_empty() || solution.is_empty() {
        return format!("no tests found (expected `mod {name}` in tests/exercises.rs)");
    }
    let names = |tests: Vec<&TestResult>| {
        tests
            .iter()
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let stub_passes: Vec<&TestResult> = stub.into_iter().filter(|t| t.passed).collect();
    if !stub_passes.is_empty() {
        return format!("passes on the stub: {}", names(stub_passes));
    }
    let solution_fails: Vec<&TestResult> = solution.into_iter().filter(|t| !t.passed).collect();
    if !solution_fails.is_empty() {
        return format!("fails on the solution: {}", names(solution_fails));
    }
    String::new()
}

/// Where an exercise stands on the learner's code.
#[derive(Debug, Clone)]
pub enum Outcome {
    Passed,
    /// Some tests fail: how many of how many.
    Failing {
        failed: usize,
        total: usize,
    },
    /// The project does not compile with the learner's files; the compiler's output.
    DoesNotCompile(String),
}

impl Outcome {
    /// A few words for the progress list.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Passed => "done".to_owned(),
            Outcome::Failing { failed, total } => format!("{failed}/{total} tests failing"),
            Outcome::DoesNotCompile(_) => "does not compile".to_owned(),
        }
    }
}

/// Every exercise's outcome on the learner's code, keyed by [`Exercise::id`].
pub fn progress(catalog: &Catalog) -> anyhow::Result<HashMap<String, Outcome>> {
    let mut outcomes = HashMap::new();
    for (package, exercises) in catalog.by_package() {
        let run = run_package(catalog, package, Source::Stubs)?;
        for exercise in exercises {
            let tests = run.tests_of(&exercise.name);
            let failed = tests.iter().filter(|t| !t.passed).count();
            let outcome = if !run.compiled {
                Outcome::DoesNotCompile(run.errors.clone())
            } else if failed == 0 && !tests.is_empty() {
                Outcome::Passed
            } else {
                Outcome::Failing {
                    failed,
                    total: tests.len(),
                }
            };
            outcomes.insert(exercise.id(), outcome);
        }
    }
    Ok(outcomes)
}

/// Runs a package's exercise tests quietly and collects every test's verdict.
pub fn run_package(catalog: &Catalog, package: &str, source: Source) -> anyhow::Result<PackageRun> {
    let output = cargo_test(catalog, package, source, None)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .context("running cargo; is it on your PATH?")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tests = parse_test_lines(&stdout);
    // libtest prints "running N tests" once the code has compiled; its absence means the
    // build failed, and cargo's stderr says why.
    let compiled = stdout.contains("running ");
    Ok(PackageRun {
        compiled,
        errors: if compiled {
            String::new()
        } else {
            compiler_errors(&stderr)
        },
        tests,
    })
}

/// Runs one exercise's tests on the learner's code with their output shown; true if all pass.
pub fn run_tests_visibly(exercise: &Exercise) -> anyhow::Result<bool> {
    let root = crate::catalog::workspace_root();
    let catalog = Catalog {
        root,
        exercises: vec![exercise.clone()],
    };
    let filter = format!("{}::", exercise.name);
    let status = cargo_test(&catalog, &exercise.package, Source::Stubs, Some(&filter))
        .status()
        .context("running cargo; is it on your PATH?")?;
    Ok(status.success())
}

fn cargo_test(catalog: &Catalog, package: &str, source: Source, filter: Option<&str>) -> Command {
    // Inside `cargo run`, CARGO names the cargo that started us: use the same one.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.current_dir(&catalog.root).args([
        "test",
        "--quiet",
        "--package",
        package,
        "--test",
        "exercises",
    ]);
    if let Source::Stubs = source {
        command.args(["--features", "learner"]);
    }
    command.arg("--");
    if let Some(filter) = filter {
        command.arg(filter);
    } else {
        // One line per test ("test predict::x ... ok") is what we parse.
        command.args(["--format", "pretty"]);
    }
    command
}

/// Parses libtest's `test NAME ... ok` / `test NAME ... FAILED` lines.
fn parse_test_lines(stdout: &str) -> Vec<TestResult> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, verdict) = rest.rsplit_once(" ... ")?;
            match verdict.trim() {
                "ok" => Some(TestResult {
                    name: name.to_owned(),
                    passed: true,
                }),
                "FAILED" => Some(TestResult {
                    name: name.to_owned(),
                    passed: false,
                }),
                _ => None, // "ignored" and friends are not verdicts
            }
        })
        .collect()
}

/// The part of cargo's output worth showing a learner: the error messages, without the
/// progress lines and warnings around them, at most 60 lines.
fn compiler_errors(stderr: &str) -> String {
    let mut kept = Vec::new();
    let mut in_error = false;
    for line in stderr.lines() {
        // Each diagnostic starts unindented with its kind: "error[E0425]: ...", "warning: ...".
        if !line.starts_with(' ') && !line.is_empty() {
            in_error = line.starts_with("error") && !line.starts_with("error: could not compile");
        }
        if in_error {
            kept.push(line);
        }
    }
    kept.truncate(60);
    kept.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(results: &[(&str, bool)]) -> PackageRun {
        let tests = results
            .iter()
            .map(|&(name, passed)| TestResult {
                name: name.to_owned(),
                passed,
            })
            .collect();
        PackageRun {
            compiled: true,
            errors: String::new(),
            tests,
        }
    }

    #[test]
    fn an_exercise_passes_verification_when_the_stub_fails_and_the_solution_passes() {
        let stubs = run_of(&[
            ("predict::a", false),
            ("predict::b", false),
            ("update::c", true),
        ]);
        let solutions = run_of(&[("predict::a", true), ("predict::b", true)]);
        assert_eq!(verdict("predict", &stubs, &solutions), "");
    }

    #[test]
    fn a_test_that_passes_on_the_stub_fails_verification() {
        let stubs = run_of(&[("predict::a", false), ("predict::vacuous", true)]);
        let solutions = run_of(&[("predict::a", true), ("predict::vacuous", true)]);
        let problem = verdict("predict", &stubs, &solutions);
        assert!(
            problem.contains("passes on the stub") && problem.contains("predict::vacuous"),
            "{problem}"
        );
    }

    #[test]
    fn a_test_that_fails_on_the_solution_or_no_tests_at_all_fail_verification() {
        let stubs = run_of(&[("predict::a", false)]);
        assert!(
            verdict("predict", &stubs, &run_of(&[("predict::a", false)]))
                .contains("fails on the solution")
        );
        assert!(
            verdict("margin", &stubs, &run_of(&[("predict::a", true)])).contains("no tests found")
        );
        let broken = PackageRun {
            compiled: false,
            errors: "error[E0425]".into(),
            tests: vec![],
        };
        assert!(verdict("predict", &broken, &run_of(&[])).contains("stubs do not compile"));
    }

    #[test]
    fn shows_compiler_errors_without_warnings() {
        let stderr = "   Compiling perceptron v0.1.0\nwarning: unused import\n  --> a.rs:1\n\n\
                      error[E0425]: cannot find value `x`\n  --> b.rs:2:5\n\n\
                      error: could not compile `perceptron`\n";
        let shown = compiler_errors(stderr);
        assert!(
            shown.contains("cannot find value") && shown.contains("b.rs:2:5"),
            "{shown}"
        );
        assert!(
            !shown.contains("unused import") && !shown.contains("Compiling"),
            "{shown}"
        );
    }

    #[test]
    fn reads_verdicts_and_skips_everything_else() {
        let out = "running 3 tests\ntest predict::a ... ok\ntest predict::b ... FAILED\n\
                   test update::c ... ignored\ntest result: FAILED. 1 passed; 1 failed\n";
        let tests = parse_test_lines(out);
        assert_eq!(tests.len(), 2);
        assert!(tests[0].passed && tests[0].name == "predict::a");
        assert!(!tests[1].passed);
    }
}
