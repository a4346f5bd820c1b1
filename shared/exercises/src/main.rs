//! `cargo exercises`: your progress through the smallnets exercises.
//!
//! Each project keeps its exercises in `projects/NN-name/exercises/`: one file per exercise
//! (a stub with a `todo!()` body), their order and hints in `exercises.toml`, and the reference
//! solutions in `projects/NN-name/solutions/`. The project's crate is built with the solutions
//! by default; its `learner` feature swaps in each file of yours that no longer holds its stub
//! (see `shared/exercise-switch`). An exercise is done when its tests (`mod NAME` in the
//! project's `tests/exercises.rs`) pass on your file.
//!
//! ```text
//! cargo exercises             progress: every exercise, done / total, and the next one
//! cargo exercises watch       a screen that re-checks on every save and shows what fails
//! cargo exercises hint        the next exercise's hint
//! cargo exercises test NAME   run one exercise's tests on your code, with their output
//! cargo exercises verify      (CI) every test fails on the stub and passes on the solution
//! ```
//!
//! Every command that needs test results builds the learner variant of every project in one
//! cargo invocation (`src/cargo_build.rs`), showing what cargo is doing.

mod cargo_build;
mod catalog;
mod check;
mod libtest;
mod process;
mod status;
mod view;
mod watch;

use anyhow::Context;
use cargo_build::Variant;
use catalog::Catalog;
use check::{Check, Checker};
use clap::{Parser, Subcommand};
use status::StatusLine;
use std::collections::HashMap;
use std::process::ExitCode;

#[derive(Parser)]
#[command(version, about = "Your progress through the smallnets exercises")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Show progress across the workspace (the default).
    List,
    /// A screen that shows the current exercise and what fails, re-checked on every save.
    Watch,
    /// Print the hint of the next exercise, or of NAME.
    Hint {
        /// An exercise name (`predict`) or project/name (`01-perceptron/predict`).
        name: Option<String>,
    },
    /// Run one exercise's tests on your code and show their output.
    Test {
        /// An exercise name (`predict`) or project/name (`01-perceptron/predict`).
        name: String,
    },
    /// Check every exercise: its tests fail on the stub and pass on the reference solution.
    Verify,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::load(&catalog::workspace_root())?;
    match cli.command.unwrap_or(Command::List) {
        Command::List => {
            let check = check_with_status(&catalog)?;
            show_progress(&catalog, &check);
            Ok(ExitCode::SUCCESS)
        }
        Command::Watch => watch::watch(catalog),
        Command::Hint { name } => {
            let exercise = match name {
                Some(name) => catalog.find(&name)?,
                None => {
                    let check = check_with_status(&catalog)?;
                    match check.current(&catalog, &|_| false) {
                        Some(exercise) => exercise,
                        None => {
                            println!("Every exercise is done. Well done!");
                            return Ok(ExitCode::SUCCESS);
                        }
                    }
                }
            };
            println!(
                "hint for {}  ({})\n\n{}",
                exercise.id(),
                exercise.file_display(),
                exercise.hint.trim()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Test { name } => test_visibly(&catalog, catalog.find(&name)?),
        Command::Verify => verify(&catalog),
    }
}

/// Checks the learner's code with a status line on standard error.
fn check_with_status(catalog: &Catalog) -> anyhow::Result<Check> {
    let mut status = StatusLine::new();
    let check = Checker::default().check(catalog, &mut |text| status.show(text));
    status.clear();
    check
}

/// Prints every exercise with its status, done / total, and what is next.
fn show_progress(catalog: &Catalog, check: &Check) {
    let total = catalog.exercises.len();
    println!("smallnets exercises: {}/{total} done", check.done());
    println!("{}\n", view::progress_bar(check.done(), total, 72));
    let current = check.current(catalog, &|_| false);
    for line in view::list(catalog, check, current) {
        println!("{line}");
    }
    let Some(exercise) = current else {
        println!("\nEvery exercise is done. Well done!");
        return;
    };
    println!("\nnext: {} in {}", exercise.id(), exercise.file_display());
    let report = view::report(check, exercise);
    if !report.is_empty() {
        println!();
    }
    for line in report {
        println!("    {line}");
    }
    println!(
        "\nIts hint: `cargo exercises hint`. Its tests, with their messages: \
         `cargo exercises test {}`.\nA screen that re-checks on every save: \
         `cargo exercises watch`. The project on your code: `{}`.",
        exercise.name,
        view::run_command(exercise)
    );
}

/// `cargo exercises test NAME`: one exercise's tests on the learner's code, output shown.
fn test_visibly(catalog: &Catalog, exercise: &catalog::Exercise) -> anyhow::Result<ExitCode> {
    let mut status = StatusLine::new();
    let build = cargo_build::build(catalog, Variant::Yours, &mut |text| status.show(text))?;
    status.clear();
    let Some(binary) = build.binaries.get(&exercise.package) else {
        let check = check::outcomes(catalog, &build, &HashMap::new());
        for line in view::report(&check, exercise) {
            println!("{line}");
        }
        if let Some(error) = &build.cargo_error {
            println!("{error}");
        }
        return Ok(ExitCode::FAILURE);
    };
    println!(
        "{}: the tests of `mod {}` in projects/{}/tests/exercises.rs, on your code",
        exercise.id(),
        exercise.name,
        exercise.project
    );
    let filter = format!("{}::", exercise.name);
    let mut command = libtest::test_command(binary, Some(&filter));
    command.env_remove("RUST_BACKTRACE");
    let status = command
        .status()
        .with_context(|| format!("running {}", binary.path.display()))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// CI's check: on the stubs every test of every exercise fails, with the solutions every test
/// passes. A stub that passed its own tests would mean the tests check nothing.
fn verify(catalog: &Catalog) -> anyhow::Result<ExitCode> {
    let mut status = StatusLine::new();
    let mut results = |variant: Variant, label: &str| -> anyhow::Result<_> {
        let mut show = |text: &str| status.show(&format!("{label}: {text}"));
        let build = cargo_build::build(catalog, variant, &mut show)?;
        let mut runs: HashMap<String, Result<Vec<libtest::TestResult>, String>> = HashMap::new();
        for (package, exercises) in catalog.by_package() {
            let run = match build.binaries.get(package) {
                Some(binary) => {
                    show(&format!("testing {}", exercises[0].project));
                    Ok(libtest::run(binary, None)?)
                }
                None => Err(compile_errors(&build, package)),
            };
            runs.insert(package.to_owned(), run);
        }
        Ok(runs)
    };
    let on_stubs = results(Variant::Yours, "the stubs")?;
    let on_solutions = results(Variant::Reference, "the solutions")?;
    status.clear();

    let mut problems = Vec::new();
    for exercise in &catalog.exercises {
        let stubs = on_stubs[&exercise.package]
            .as_deref()
            .map_err(String::as_str);
        let solutions = on_solutions[&exercise.package]
            .as_deref()
            .map_err(String::as_str);
        let verdict = check::verdict(&exercise.name, stubs, solutions);
        let tests = stubs.map_or(0, |r| check::tests_of(&exercise.name, r).len());
        let status = if verdict.is_empty() {
            "ok: every test fails on the stub and passes on the solution".to_owned()
        } else {
            format!("FAILED: {verdict}")
        };
        println!("verify {:<48} tests={tests:<3} {status}", exercise.id());
        if !verdict.is_empty() {
            problems.push(format!("{}: {verdict}", exercise.id()));
        }
    }
    println!(
        "exercises verified: {} ok, {} with problems",
        catalog.exercises.len() - problems.len(),
        problems.len()
    );
    if problems.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: {} exercise(s) failed verification:\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
        Ok(ExitCode::FAILURE)
    }
}

/// Everything the compiler said about `package`, or cargo's own error.
fn compile_errors(build: &cargo_build::Build, package: &str) -> String {
    let errors: Vec<&str> = build
        .errors
        .iter()
        .filter(|e| e.package == package)
        .map(|e| e.rendered.as_str())
        .collect();
    if errors.is_empty() {
        build
            .cargo_error
            .clone()
            .unwrap_or_else(|| "cargo built no test binary and gave no error".to_owned())
    } else {
        errors.join("\n\n")
    }
}
