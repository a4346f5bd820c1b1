//! What the tool shows, as lines of plain text: the list of exercises, a progress bar, and
//! what is wrong with one exercise. `cargo exercises` prints them; the watch screen draws them.

use crate::catalog::{Catalog, Exercise};
use crate::check::{Check, Outcome};

/// `Progress: [#####>--------] 3/19 exercises done`, `width` characters wide at most.
pub fn progress_bar(done: usize, total: usize, width: usize) -> String {
    let counts = format!("] {done:>2}/{total} exercises done");
    let prefix = "Progress: [";
    let room = width
        .saturating_sub(prefix.len() + counts.len() + 1)
        .min(60);
    if room < 8 || total == 0 {
        return format!("Progress: {done}/{total} exercises done");
    }
    let filled = room * done / total;
    let mut bar = "#".repeat(filled);
    if filled < room {
        bar.push('>');
        bar.push_str(&"-".repeat(room - filled - 1));
    }
    format!("{prefix}{bar}{counts}")
}

/// Every exercise, project by project: `[x]` when done, its file, and its state. `current`
/// is marked `<- current`.
pub fn list(catalog: &Catalog, check: &Check, current: Option<&Exercise>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut project = "";
    for exercise in &catalog.exercises {
        if exercise.project != project {
            project = &exercise.project;
            lines.push(format!("  {project}"));
        }
        let outcome = check.outcomes.get(&exercise.id());
        let mark = if outcome.is_some_and(Outcome::passed) {
            "[x]"
        } else {
            "[ ]"
        };
        let state = outcome.map_or_else(|| "not checked".to_owned(), Outcome::describe);
        let pointer = if current.is_some_and(|c| c.id() == exercise.id()) {
            "  <- current"
        } else {
            ""
        };
        lines.push(format!(
            "    {mark} {:<31} {:<55} {state}{pointer}",
            exercise.name,
            exercise.file_display(),
        ));
    }
    lines
}

/// What is wrong with `exercise`, in full: the compiler's errors, or each failing test's
/// name and message. Empty when it passes.
pub fn report(check: &Check, exercise: &Exercise) -> Vec<String> {
    let mut text = String::new();
    match check.outcomes.get(&exercise.id()) {
        None | Some(Outcome::Passed) => {}
        Some(Outcome::DoesNotCompile(errors)) => {
            text = format!("{} does not compile:\n\n{errors}", exercise.file_display());
        }
        Some(Outcome::NotChecked { files }) => {
            text = format!(
                "Not checked: {} does not compile, because of {}.",
                exercise.project,
                if files.is_empty() {
                    "a problem cargo reports below".to_owned()
                } else {
                    files.join(", ")
                }
            );
        }
        Some(Outcome::NoTests) => {
            text = format!(
                "No test of `{}` was found: tests/exercises.rs of {} should have a `mod {}`.",
                exercise.name, exercise.project, exercise.name
            );
        }
        Some(Outcome::Failing {
            failures,
            total,
            stub: true,
        }) => {
            // Every test says "not yet implemented": their names say more.
            text = format!(
                "{} still holds its todo!() stub: write the function and save; its {total} \
                 tests run again.\n\nIts tests:",
                exercise.file_display()
            );
            for failure in failures {
                text.push_str(&format!("\n    {}", failure.name));
            }
        }
        Some(Outcome::Failing {
            failures, total, ..
        }) => {
            text = format!("{} of {total} tests fail.", failures.len());
            for failure in failures {
                text.push_str(&format!(
                    "\n\n--- {} ---\n{}",
                    failure.name, failure.message
                ));
            }
        }
    }
    if let Some(errors) = check.other_errors.get(&exercise.package) {
        text.push_str(&format!(
            "\n\n{} does not compile because of errors outside the exercise files:\n\n{errors}",
            exercise.project
        ));
    }
    text.trim().lines().map(str::to_owned).collect()
}

/// The command that runs `exercise`'s project on the learner's code.
pub fn run_command(exercise: &Exercise) -> String {
    format!(
        "cargo run --release --bin {} --features {}/learner",
        exercise.project, exercise.package
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_bar_fills_in_proportion_and_fits_the_width() {
        let bar = progress_bar(3, 12, 60);
        assert!(bar.starts_with("Progress: [######>"), "{bar}");
        assert!(bar.ends_with("]  3/12 exercises done"), "{bar}");
        assert!(bar.len() <= 60, "{}", bar.len());
        assert!(progress_bar(12, 12, 60).contains("[########"));
        assert_eq!(progress_bar(1, 2, 20), "Progress: 1/2 exercises done");
    }
}
