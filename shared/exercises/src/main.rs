//! `cargo exercises`: your progress through the smallnets exercises.
//!
//! Each project keeps its exercises in `projects/NN-name/exercises/`: one file per exercise
//! (a stub with a `todo!()` body), their order and hints in `exercises.toml`, and the reference
//! solutions in `projects/NN-name/solutions/`. The project's crate is built with the solutions
//! by default; its `learner` feature swaps in your files. An exercise is done when its tests
//! (`mod NAME` in the project's `tests/exercises.rs`) pass on your file.
//!
//! ```text
//! cargo exercises             progress: done / total, the next exercise and its hint
//! cargo exercises watch       the same, again every time you save a file
//! cargo exercises hint        the next exercise's hint
//! cargo exercises test NAME   run one exercise's tests on your code, with their output
//! cargo exercises verify      (CI) every test fails on the stub and passes on the solution
//! ```

mod catalog;
mod check;
mod watch;

use anyhow::Context;
use catalog::{Catalog, Exercise};
use check::{Outcome, Source};
use clap::{Parser, Subcommand};
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
    /// Show progress, then again every time a file in projects/ is saved.
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
            show_progress(&catalog)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Watch => watch::watch(&catalog, || show_progress(&catalog)),
        Command::Hint { name } => {
            let exercise = match name {
                Some(name) => catalog.find(&name)?,
                None => match next_exercise(&catalog, &check::progress(&catalog)?) {
                    Some(exercise) => exercise,
                    None => {
                        println!("Every exercise is done. Well done!");
                        return Ok(ExitCode::SUCCESS);
                    }
                },
            };
            println!(
                "{}  ({})\n\n{}",
                exercise.id(),
                exercise.file_display(),
                exercise.hint.trim()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Test { name } => {
            let exercise = catalog.find(&name)?;
            let passed = check::run_tests_visibly(exercise)?;
            Ok(if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Verify => verify(&catalog),
    }
}

/// Prints every exercise with its status, done / total, and the next one with its hint.
fn show_progress(catalog: &Catalog) -> anyhow::Result<()> {
    let outcomes = check::progress(catalog)?;
    let done = outcomes
        .values()
        .filter(|o| matches!(o, Outcome::Passed))
        .count();
    println!(
        "smallnets exercises: {done}/{} done\n",
        catalog.exercises.len()
    );
    let next = next_exercise(catalog, &outcomes);
    let mut project = "";
    for exercise in &catalog.exercises {
        if exercise.project != project {
            project = &exercise.project;
            println!("  {project}");
        }
        let outcome = &outcomes[&exercise.id()];
        let mark = if matches!(outcome, Outcome::Passed) {
            "[x]"
        } else {
            "[ ]"
        };
        let pointer = if next.is_some_and(|n| n.id() == exercise.id()) {
            "  <- next"
        } else {
            ""
        };
        println!(
            "    {mark} {:<14} {:<48} {}{pointer}",
            exercise.name,
            exercise.file_display(),
            outcome.describe()
        );
    }
    match next {
        None => println!("\nEvery exercise is done. Well done!"),
        Some(exercise) => {
            println!("\nnext: {} in {}", exercise.id(), exercise.file_display());
            if let Outcome::DoesNotCompile(errors) = &outcomes[&exercise.id()] {
                println!(
                    "\nyour code in {} does not compile yet:\n{errors}",
                    exercise.project
                );
            }
            println!("hint: {}", exercise.hint.trim());
            println!(
                "\nRun its tests with `cargo exercises test {}`; run the project on your code with \
                 `cargo run --release -p {} --features learner`.",
                exercise.name, exercise.package
            );
        }
    }
    Ok(())
}

fn next_exercise<'a>(
    catalog: &'a Catalog,
    outcomes: &std::collections::HashMap<String, Outcome>,
) -> Option<&'a Exercise> {
    catalog
        .exercises
        .iter()
        .find(|e| !matches!(outcomes[&e.id()], Outcome::Passed))
}

/// CI's check: on the stubs every test of every exercise fails, with the solutions every test
/// passes. A stub that passed its own tests would mean the tests check nothing.
fn verify(catalog: &Catalog) -> anyhow::Result<ExitCode> {
    let mut problems = Vec::new();
    for (package, exercises) in catalog.by_package() {
        let on_stubs = check::run_package(catalog, package, Source::Stubs)
            .with_context(|| format!("testing the stubs of {package}"))?;
        let on_solutions = check::run_package(catalog, package, Source::Solutions)
            .with_context(|| format!("testing the solutions of {package}"))?;
        for exercise in exercises {
            let stub = on_stubs.tests_of(&exercise.name);
            let verdict = check::verdict(&exercise.name, &on_stubs, &on_solutions);
            let status = if verdict.is_empty() {
                "ok: every test fails on the stub and passes on the solution".to_owned()
            } else {
                format!("FAILED: {verdict}")
            };
            println!(
                "verify {:<28} tests={:<3} {status}",
                exercise.id(),
                stub.len()
            );
            if !verdict.is_empty() {
                problems.push(format!("{}: {verdict}", exercise.id()));
            }
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
