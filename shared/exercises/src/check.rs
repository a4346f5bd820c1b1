//! Where each exercise stands: build every project on the learner's code (one cargo
//! invocation), run each project's exercise tests, and give every exercise its outcome.

use crate::cargo_build::{self, Build, Variant};
use crate::catalog::{Catalog, Exercise};
use crate::libtest::{self, TestResult};
use std::collections::HashMap;
use std::path::PathBuf;

/// Where an exercise stands on the learner's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// Some of its tests fail. `stub`: its file still holds the `todo!()` it came with.
    Failing {
        failures: Vec<TestResult>,
        total: usize,
        stub: bool,
    },
    /// No test is named after it: `mod NAME` is missing from `tests/exercises.rs`.
    NoTests,
    /// Its own file does not compile; the compiler's errors in it, in full.
    DoesNotCompile(String),
    /// Its project does not compile because of another file: not tested this time.
    NotChecked {
        /// The files holding the errors, relative to the workspace root.
        files: Vec<String>,
    },
}

impl Outcome {
    /// A few words for the list of exercises.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Passed => "done".to_owned(),
            Outcome::Failing { stub: true, .. } => "to do".to_owned(),
            Outcome::Failing {
                failures, total, ..
            } => format!("{} of {total} tests fail", failures.len()),
            Outcome::NoTests => "no tests found".to_owned(),
            Outcome::DoesNotCompile(_) => "does not compile".to_owned(),
            Outcome::NotChecked { .. } => "not checked: project does not compile".to_owned(),
        }
    }

    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Passed)
    }
}

/// The result of one check of the whole workspace.
#[derive(Debug, Default)]
pub struct Check {
    /// Every exercise's outcome, by [`Exercise::id`].
    pub outcomes: HashMap<String, Outcome>,
    /// For each package that does not compile, the errors outside its exercise files (in its
    /// tests or its `src/`), which no exercise owns.
    /// Cargo's own complaint, when it could not build at all, is one of them.
    pub other_errors: HashMap<String, String>,
}

impl Check {
    /// The exercise to work on: the first whose own file does not compile (that is the one
    /// being edited), else the first not done. `done_before` counts exercises as done that
    /// passed earlier and could not be checked this time.
    pub fn current<'a>(
        &self,
        catalog: &'a Catalog,
        done_before: &dyn Fn(&Exercise) -> bool,
    ) -> Option<&'a Exercise> {
        let outcome = |e: &Exercise| self.outcomes.get(&e.id());
        catalog
            .exercises
            .iter()
            .find(|e| matches!(outcome(e), Some(Outcome::DoesNotCompile(_))))
            .or_else(|| {
                catalog.exercises.iter().find(|e| match outcome(e) {
                    Some(Outcome::Passed) => false,
                    Some(Outcome::NotChecked { .. }) => !done_before(e),
                    _ => true,
                })
            })
    }

    /// How many exercises are done.
    pub fn done(&self) -> usize {
        self.outcomes.values().filter(|o| o.passed()).count()
    }
}

/// Checks the learner's code, remembering each package's test results so that a project
/// cargo did not need to rebuild is not tested again.
#[derive(Debug, Default)]
pub struct Checker {
    results: HashMap<String, (PathBuf, Vec<TestResult>)>,
}

impl Checker {
    /// Builds every project on the learner's code and tests those that changed, calling
    /// `progress` with what it is doing.
    ///
    /// # Errors
    /// If cargo or a test binary cannot be started.
    pub fn check(
        &mut self,
        catalog: &Catalog,
        progress: &mut dyn FnMut(&str),
    ) -> anyhow::Result<Check> {
        let build = cargo_build::build(catalog, Variant::Yours, progress)?;
        let mut runs = HashMap::new();
        for (package, exercises) in catalog.by_package() {
            let Some(binary) = build.binaries.get(package) else {
                continue;
            };
            let cached = self
                .results
                .get(package)
                .filter(|(path, _)| binary.fresh && *path == binary.path);
            let results = match cached {
                Some((_, results)) => results.clone(),
                None => {
                    progress(&format!("testing {}", exercises[0].project));
                    libtest::run(binary, None)?
                }
            };
            self.results
                .insert(package.to_owned(), (binary.path.clone(), results.clone()));
            runs.insert(package.to_owned(), results);
        }
        Ok(outcomes(catalog, &build, &runs))
    }
}

/// Every exercise's outcome from a build and the test results of the packages that compiled.
pub fn outcomes(
    catalog: &Catalog,
    build: &Build,
    runs: &HashMap<String, Vec<TestResult>>,
) -> Check {
    let mut check = Check::default();
    for (package, exercises) in catalog.by_package() {
        let Some(results) = runs.get(package) else {
            let (owned, other) = errors_by_exercise(catalog, build, package, &exercises);
            let files = error_files(catalog, build, package);
            for exercise in &exercises {
                let outcome = match owned.get(&exercise.id()) {
                    Some(errors) => Outcome::DoesNotCompile(errors.clone()),
                    None => Outcome::NotChecked {
                        files: files.clone(),
                    },
                };
                check.outcomes.insert(exercise.id(), outcome);
            }
            if !other.is_empty() || build.cargo_error.is_some() {
                let said = build.cargo_error.iter().chain(other.iter());
                check.other_errors.insert(
                    package.to_owned(),
                    said.cloned().collect::<Vec<_>>().join("\n\n"),
                );
            }
            continue;
        };
        for exercise in exercises {
            check
                .outcomes
                .insert(exercise.id(), outcome_of(catalog, exercise, results));
        }
    }
    check
}

/// The outcome of `exercise` from its package's test results.
fn outcome_of(catalog: &Catalog, exercise: &Exercise, results: &[TestResult]) -> Outcome {
    let tests = tests_of(&exercise.name, results);
    let failures: Vec<TestResult> = tests
        .iter()
        .filter(|t| !t.passed)
        .map(|&t| t.clone())
        .collect();
    if tests.is_empty() {
        Outcome::NoTests
    } else if failures.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failing {
            failures,
            total: tests.len(),
            stub: catalog.is_stub(exercise),
        }
    }
}

/// The tests of exercise `name`: those under `mod name`.
pub fn tests_of<'a>(name: &str, results: &'a [TestResult]) -> Vec<&'a TestResult> {
    let prefix = format!("{name}::");
    results
        .iter()
        .filter(|t| t.name.starts_with(&prefix))
        .collect()
}

/// A package's compiler errors split by owner: those in each exercise's own file (by
/// exercise id), and the rest.
fn errors_by_exercise(
    catalog: &Catalog,
    build: &Build,
    package: &str,
    exercises: &[&Exercise],
) -> (HashMap<String, String>, Vec<String>) {
    let mut owned: HashMap<String, String> = HashMap::new();
    let mut other = Vec::new();
    for error in build.errors.iter().filter(|e| e.package == package) {
        let owner = exercises
            .iter()
            .find(|e| error.file.as_deref() == Some(catalog.root.join(&e.file).as_path()));
        match owner {
            Some(exercise) => {
                let text = owned.entry(exercise.id()).or_default();
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(&error.rendered);
            }
            None => other.push(error.rendered.clone()),
        }
    }
    (owned, other)
}

/// The files holding a package's compiler errors, relative to the workspace root.
fn error_files(catalog: &Catalog, build: &Build, package: &str) -> Vec<String> {
    let mut files: Vec<String> = build
        .errors
        .iter()
        .filter(|e| e.package == package)
        .filter_map(|e| e.file.as_ref())
        .map(|file| {
            file.strip_prefix(&catalog.root)
                .unwrap_or(file)
                .display()
                .to_string()
        })
        .collect();
    files.dedup();
    files
}

/// CI's judgement of one exercise: empty when its tests fail on the stub and pass on the
/// reference solution, else what is wrong. A test that passes on a `todo!()` stub checks
/// nothing, so every one of them must fail there. `None` stands for a build that failed,
/// with `errors` saying why.
pub fn verdict(
    name: &str,
    on_stubs: Result<&[TestResult], &str>,
    on_solutions: Result<&[TestResult], &str>,
) -> String {
    let on_stubs = match on_stubs {
        Ok(results) => results,
        Err(errors) => return format!("the stubs do not compile:\n{errors}"),
    };
    let on_solutions = match on_solutions {
        Ok(results) => results,
        Err(errors) => return format!("the solutions do not compile:\n{errors}"),
    };
    let (stub, solution) = (tests_of(name, on_stubs), tests_of(name, on_solutions));
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
        let first = &solution_fails[0].message;
        return format!(
            "fails on the solution: {}\n{first}",
            names(solution_fails.clone())
        );
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cargo_build::{CompileError, TestBinary};

    fn results(verdicts: &[(&str, bool)]) -> Vec<TestResult> {
        verdicts
            .iter()
            .map(|&(name, passed)| TestResult {
                name: name.to_owned(),
                passed,
                message: if passed { "" } else { "assertion failed" }.to_owned(),
            })
            .collect()
    }

    #[test]
    fn an_exercise_passes_verification_when_the_stub_fails_and_the_solution_passes() {
        let stubs = results(&[
            ("predict::a", false),
            ("predict::b", false),
            ("update::c", true),
        ]);
        let solutions = results(&[("predict::a", true), ("predict::b", true)]);
        assert_eq!(verdict("predict", Ok(&stubs), Ok(&solutions)), "");
    }

    #[test]
    fn a_test_that_passes_on_the_stub_fails_verification() {
        let stubs = results(&[("predict::a", false), ("predict::vacuous", true)]);
        let solutions = results(&[("predict::a", true), ("predict::vacuous", true)]);
        let problem = verdict("predict", Ok(&stubs), Ok(&solutions));
        assert!(
            problem.contains("passes on the stub") && problem.contains("predict::vacuous"),
            "{problem}"
        );
    }

    #[test]
    fn a_test_that_fails_on_the_solution_or_no_tests_at_all_fail_verification() {
        let stubs = results(&[("predict::a", false)]);
        let failing = results(&[("predict::a", false)]);
        let problem = verdict("predict", Ok(&stubs), Ok(&failing));
        assert!(
            problem.contains("fails on the solution") && problem.contains("assertion failed"),
            "{problem}"
        );
        let other = results(&[("predict::a", true)]);
        assert!(verdict("margin", Ok(&stubs), Ok(&other)).contains("no tests found"));
        assert!(verdict("predict", Err("error[E0425]"), Ok(&other)).contains("stubs do not"));
    }

    fn catalog(root: &std::path::Path) -> Catalog {
        let exercise = |name: &str| Exercise {
            project: "01-perceptron".into(),
            package: "perceptron".into(),
            name: name.into(),
            file: PathBuf::from(format!("projects/01-perceptron/exercises/{name}.rs")),
            hint: String::new(),
        };
        Catalog {
            root: root.to_owned(),
            exercises: vec![exercise("predict"), exercise("update"), exercise("margin")],
        }
    }

    #[test]
    fn a_compile_error_belongs_to_its_file_and_the_others_are_not_checked() {
        let root = PathBuf::from("/w");
        let catalog = catalog(&root);
        let build = Build {
            errors: vec![CompileError {
                package: "perceptron".into(),
                file: Some(root.join("projects/01-perceptron/exercises/update.rs")),
                rendered: "error[E0308]: mismatched types\nexpected `f32`, found `bool`".into(),
            }],
            ..Build::default()
        };
        let check = outcomes(&catalog, &build, &HashMap::new());
        match &check.outcomes["01-perceptron/update"] {
            Outcome::DoesNotCompile(errors) => assert!(errors.contains("found `bool`")),
            other => panic!("{other:?}"),
        }
        let predict = &check.outcomes["01-perceptron/predict"];
        assert_eq!(
            predict,
            &Outcome::NotChecked {
                files: vec!["projects/01-perceptron/exercises/update.rs".into()]
            }
        );
        assert_eq!(predict.describe(), "not checked: project does not compile");
        // The one being edited comes first, though predict is earlier in the course.
        let current = check.current(&catalog, &|_| false).unwrap();
        assert_eq!(current.name, "update");
        assert!(check.other_errors.is_empty());
    }

    #[test]
    fn outcomes_follow_each_exercises_own_tests() {
        let root = std::env::temp_dir();
        let catalog = catalog(&root);
        let build = Build {
            binaries: HashMap::from([(
                "perceptron".to_owned(),
                TestBinary {
                    path: PathBuf::from("x"),
                    package_dir: root.clone(),
                    fresh: false,
                },
            )]),
            ..Build::default()
        };
        let runs = HashMap::from([(
            "perceptron".to_owned(),
            results(&[
                ("predict::a", true),
                ("update::b", false),
                ("update::c", true),
            ]),
        )]);
        let check = outcomes(&catalog, &build, &runs);
        assert!(check.outcomes["01-perceptron/predict"].passed());
        assert_eq!(
            check.outcomes["01-perceptron/update"].describe(),
            "1 of 2 tests fail"
        );
        assert_eq!(check.outcomes["01-perceptron/margin"], Outcome::NoTests);
        assert_eq!(check.done(), 1);
        assert_eq!(check.current(&catalog, &|_| false).unwrap().name, "update");
    }
}
