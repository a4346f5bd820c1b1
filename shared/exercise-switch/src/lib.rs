//! Which file each exercise of a project is compiled from: the learner's
//! `exercises/NAME.rs` or the reference `solutions/NAME.rs`.
//!
//! A project's `build.rs` is one call, [`configure`]. It reads the project's
//! `exercises/exercises.toml` and decides, exercise by exercise:
//!
//! - without the crate's `learner` feature, every exercise is the reference solution;
//! - with it, an exercise is the learner's once their file no longer holds the stub (the
//!   `todo!(` it came with), or when the environment variable `SMALLNETS_EXERCISES` names it
//!   (`all`, or a comma list of `name` or `NN-project/name`): that is how `cargo exercises`
//!   puts the stubs themselves under test.
//!
//! So a learner who has written only `predict` can run the whole project on it, with the
//! reference versions of the functions they have not written yet.
//!
//! For each exercise it sets the cfg `yours_NAME` when the learner's file is used, and the
//! crate's `lib.rs` picks the file with it:
//!
//! ```text
//! #[cfg_attr(yours_predict, path = "../exercises/predict.rs")]
//! #[cfg_attr(not(yours_predict), path = "../solutions/predict.rs")]
//! mod predict;
//! ```
//!
//! It also writes `your_functions.rs` into `OUT_DIR`, which `lib.rs` includes: the constant
//! `YOUR_FUNCTIONS`, the exercises that are the learner's in this build, which a run prints
//! before it trains. Adding an exercise is a `[[exercise]]` entry in `exercises.toml` and the
//! three lines above in `lib.rs`.
//!
//! No dependencies, on purpose: every project's build script links this crate, and it is
//! compiled before anything else in a build.

use std::path::PathBuf;

/// The environment variable that forces exercises to the learner's file, stub or not.
pub const FORCE_VARIABLE: &str = "SMALLNETS_EXERCISES";

/// What marks an exercise file as not yet written: its body is still `todo!(...)`.
pub const STUB_MARK: &str = "todo!(";

/// Called from a project's `build.rs`: decides each exercise's file, tells cargo (cfgs,
/// check-cfg, when to run again) and writes `$OUT_DIR/your_functions.rs`.
///
/// # Panics
/// With a message naming the file, if `exercises/exercises.toml` is missing or lists a name
/// that is not a Rust identifier; a build script reports a problem by panicking.
pub fn configure() {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env("OUT_DIR"));
    let learner = std::env::var_os("CARGO_FEATURE_LEARNER").is_some();
    let forced = std::env::var(FORCE_VARIABLE).ok();
    let project = manifest_dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();

    let listing_path = manifest_dir.join("exercises/exercises.toml");
    let listing = std::fs::read_to_string(&listing_path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}. It lists the project's exercises; restore it with \
             `git checkout -- {}`",
            listing_path.display(),
            listing_path.display()
        )
    });
    let names = exercise_names(&listing)
        .unwrap_or_else(|problem| panic!("{}: {problem}", listing_path.display()));

    let exercises: Vec<Exercise> = names
        .into_iter()
        .map(|name| {
            let file = manifest_dir.join("exercises").join(format!("{name}.rs"));
            let state = match std::fs::read_to_string(&file) {
                Ok(source) if is_stub(&source) => FileState::Stub,
                Ok(_) => FileState::Written,
                Err(_) => FileState::Missing,
            };
            Exercise { name, file, state }
        })
        .collect();
    let decision = decide(&project, &exercises, learner, forced.as_deref());

    println!("cargo::rerun-if-changed=exercises/exercises.toml");
    if learner {
        // Only a learner build depends on the exercise files and on the variable: the
        // reference build is left alone when they change.
        println!("cargo::rerun-if-env-changed={FORCE_VARIABLE}");
        for exercise in &exercises {
            println!("cargo::rerun-if-changed={}", exercise.file.display());
            if exercise.state == FileState::Missing {
                println!(
                    "cargo::warning={} is missing, so `{}` uses the reference solution; \
                     restore it with `git checkout -- {}`",
                    exercise.file.display(),
                    exercise.name,
                    exercise.file.display()
                );
            }
        }
    }
    for line in cargo_instructions(&exercises, &decision) {
        println!("{line}");
    }
    let generated = out_dir.join("your_functions.rs");
    std::fs::write(&generated, your_functions_source(&decision))
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", generated.display()));
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run me from a build.rs"))
}

/// One exercise as the build script sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exercise {
    /// The name in `exercises.toml`, which is also the file's and the function's name.
    pub name: String,
    /// The learner's file, `exercises/NAME.rs`.
    pub file: PathBuf,
    /// Whether the learner has written it.
    pub state: FileState,
}

/// What the learner's file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Still the stub it came with (its body holds `todo!(`).
    Stub,
    /// Written: the stub is gone.
    Written,
    /// Not there at all.
    Missing,
}

/// True while `source` still holds the stub's `todo!(` outside a `//` comment.
pub fn is_stub(source: &str) -> bool {
    source.lines().any(|line| {
        let code = line.split("//").next().unwrap_or("");
        code.contains(STUB_MARK)
    })
}

/// For each exercise, in order: its name and whether this build uses the learner's file.
pub fn decide(
    project: &str,
    exercises: &[Exercise],
    learner: bool,
    forced: Option<&str>,
) -> Vec<(String, bool)> {
    exercises
        .iter()
        .map(|exercise| {
            let yours = learner
                && exercise.state != FileState::Missing
                && (exercise.state == FileState::Written
                    || is_forced(forced, project, &exercise.name));
            (exercise.name.clone(), yours)
        })
        .collect()
}

/// Whether `SMALLNETS_EXERCISES` (`forced`) names exercise `name` of `project`: `all`, or a
/// comma-separated list of `name` and `project/name` entries.
pub fn is_forced(forced: Option<&str>, project: &str, name: &str) -> bool {
    let Some(list) = forced else { return false };
    list.split(',').map(str::trim).any(|entry| {
        entry == "all"
            || entry == name
            || entry
                .split_once('/')
                .is_some_and(|(p, n)| p == project && n == name)
    })
}

/// The lines a build script prints for `decision`: every exercise's cfg declared (so that
/// `cfg(yours_NAME)` is a known name either way), and set where the file is the learner's.
pub fn cargo_instructions(exercises: &[Exercise], decision: &[(String, bool)]) -> Vec<String> {
    let mut lines: Vec<String> = exercises
        .iter()
        .map(|e| format!("cargo::rustc-check-cfg=cfg(yours_{})", e.name))
        .collect();
    lines.extend(
        decision
            .iter()
            .filter(|(_, yours)| *yours)
            .map(|(name, _)| format!("cargo::rustc-cfg=yours_{name}")),
    );
    lines
}

/// The Rust source of `your_functions.rs`, which the crate includes.
pub fn your_functions_source(decision: &[(String, bool)]) -> String {
    let names: Vec<String> = decision
        .iter()
        .filter(|(_, yours)| *yours)
        .map(|(name, _)| format!("{name:?}"))
        .collect();
    format!(
        "/// The exercises whose code in this build is yours (`exercises/NAME.rs`): with the\n\
         /// `learner` feature, each one whose file no longer holds its `todo!()` stub, plus\n\
         /// those named in `{FORCE_VARIABLE}`. Empty in the reference build. Written by\n\
         /// build.rs (shared/exercise-switch).\n\
         pub const YOUR_FUNCTIONS: &[&str] = &[{}];\n",
        names.join(", ")
    )
}

/// The `name` of every `[[exercise]]` in an `exercises.toml`, in order. A small reader of
/// just that key, so that build scripts need no TOML parser: it skips multi-line strings
/// (the hints) and comments.
///
/// # Errors
/// If a name is not a plain Rust identifier (it becomes a module and a cfg), or there is none.
pub fn exercise_names(listing: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut open_quotes: Option<&str> = None;
    for (number, line) in listing.lines().enumerate() {
        if let Some(quotes) = open_quotes {
            if line.matches(quotes).count() % 2 == 1 {
                open_quotes = None;
            }
            continue;
        }
        for quotes in [r#"""""#, "'''"] {
            if line.matches(quotes).count() % 2 == 1 {
                open_quotes = Some(quotes);
            }
        }
        let Some(rest) = line.trim_start().strip_prefix("name") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.split('#').next().unwrap_or("").trim();
        let name = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .ok_or_else(|| {
                format!(
                    "line {}: `name = {value}` should be a quoted name, e.g. name = \"predict\"",
                    number + 1
                )
            })?;
        let identifier = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !identifier {
            return Err(format!(
                "line {}: exercise name `{name}` must be a snake_case Rust name (it names the \
                 file, the module and the function)",
                number + 1
            ));
        }
        names.push(name.to_owned());
    }
    if names.is_empty() {
        return Err("lists no [[exercise]] with a name".to_owned());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: &str = r#"
# The exercises of chapter 1. name = "not_this_one" in a comment line is skipped too.

[[exercise]]
name = "predict"
hint = """
Compare with 0.0.
name = "inside_a_hint"
"""

[[exercise]]
name = 'update'   # a literal string works too
hint = "one line"
"#;

    fn exercise(name: &str, state: FileState) -> Exercise {
        Exercise {
            name: name.to_owned(),
            file: PathBuf::from(format!("exercises/{name}.rs")),
            state,
        }
    }

    #[test]
    fn reads_the_names_and_skips_hints_and_comments() {
        assert_eq!(exercise_names(LISTING).unwrap(), ["predict", "update"]);
    }

    #[test]
    fn a_name_that_cannot_be_a_module_is_an_error_naming_the_line() {
        let problem = exercise_names("[[exercise]]\nname = \"max-pool\"\n").unwrap_err();
        assert!(
            problem.contains("line 2") && problem.contains("max-pool"),
            "{problem}"
        );
        assert!(exercise_names("# nothing\n").is_err());
    }

    #[test]
    fn the_stub_is_recognised_by_its_todo_but_not_in_a_comment() {
        assert!(is_stub("fn f() {\n    todo!(\"f: do it\")\n}\n"));
        assert!(!is_stub("fn f() -> f32 {\n    1.0 // was todo!()\n}\n"));
        assert!(!is_stub(
            "// TODO: the weighted sum\nfn f() -> f32 { 1.0 }\n"
        ));
    }

    #[test]
    fn without_the_learner_feature_everything_is_the_reference() {
        let exercises = [
            exercise("predict", FileState::Written),
            exercise("update", FileState::Stub),
        ];
        let decision = decide("01-perceptron", &exercises, false, Some("all"));
        assert_eq!(
            decision,
            [("predict".to_owned(), false), ("update".to_owned(), false)]
        );
        assert!(your_functions_source(&decision).contains("YOUR_FUNCTIONS: &[&str] = &[];"));
    }

    #[test]
    fn with_it_written_files_are_yours_and_stubs_only_when_forced() {
        let exercises = [
            exercise("predict", FileState::Written),
            exercise("update", FileState::Stub),
            exercise("margin", FileState::Stub),
            exercise("gone", FileState::Missing),
        ];
        let yours = |forced| -> Vec<String> {
            decide("01-perceptron", &exercises, true, forced)
                .into_iter()
                .filter(|(_, yours)| *yours)
                .map(|(name, _)| name)
                .collect()
        };
        assert_eq!(yours(None), ["predict"]);
        assert_eq!(yours(Some("all")), ["predict", "update", "margin"]);
        assert_eq!(yours(Some("margin")), ["predict", "margin"]);
        assert_eq!(
            yours(Some(" 01-perceptron/update ,x")),
            ["predict", "update"]
        );
        assert_eq!(yours(Some("02-linear-models/update")), ["predict"]);
    }

    #[test]
    fn every_cfg_is_declared_and_only_yours_are_set() {
        let exercises = [
            exercise("predict", FileState::Written),
            exercise("update", FileState::Stub),
        ];
        let decision = decide("01-perceptron", &exercises, true, None);
        assert_eq!(
            cargo_instructions(&exercises, &decision),
            [
                "cargo::rustc-check-cfg=cfg(yours_predict)",
                "cargo::rustc-check-cfg=cfg(yours_update)",
                "cargo::rustc-cfg=yours_predict",
            ]
        );
        assert!(your_functions_source(&decision)
            .contains("pub const YOUR_FUNCTIONS: &[&str] = &[\"predict\"];"));
    }
}
