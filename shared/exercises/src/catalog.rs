//! Which exercises exist: every `projects/*/exercises/exercises.toml`, in course order.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The workspace root: the nearest folder above the current one that holds a `Cargo.toml`
/// with a `[workspace]` and a `projects/` folder, else the one this tool was built in
/// (`shared/exercises/../..`).
pub fn workspace_root() -> PathBuf {
    let from_here = std::env::current_dir().ok().and_then(|here| {
        here.ancestors()
            .find(|dir| {
                dir.join("projects").is_dir()
                    && std::fs::read_to_string(dir.join("Cargo.toml"))
                        .is_ok_and(|manifest| manifest.contains("[workspace]"))
            })
            .map(Path::to_path_buf)
    });
    let root = from_here.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    // Canonical, so that messages show /home/you/smallnets rather than .../shared/exercises/../..
    root.canonicalize().unwrap_or(root)
}

/// One exercise: a function the learner writes in `exercises/<name>.rs`.
#[derive(Debug, Clone)]
pub struct Exercise {
    /// The project folder's name, e.g. `01-perceptron`.
    pub project: String,
    /// The project's cargo package, e.g. `perceptron`.
    pub package: String,
    /// The exercise, e.g. `predict`; its tests are `mod predict` in `tests/exercises.rs`.
    pub name: String,
    /// The learner's file, relative to the workspace root.
    pub file: PathBuf,
    /// A nudge in the right direction, shown on request.
    pub hint: String,
}

impl Exercise {
    /// `project/name`, unique across the workspace.
    pub fn id(&self) -> String {
        format!("{}/{}", self.project, self.name)
    }

    /// The learner's file as a path to show.
    pub fn file_display(&self) -> String {
        self.file.display().to_string()
    }
}

/// Every exercise of the workspace, in course order (project folder, then file order).
#[derive(Debug, Clone)]
pub struct Catalog {
    pub root: PathBuf,
    pub exercises: Vec<Exercise>,
}

#[derive(Deserialize)]
struct ExercisesToml {
    exercise: Vec<ExerciseEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseEntry {
    name: String,
    hint: String,
}

#[derive(Deserialize)]
struct CargoToml {
    package: CargoPackage,
}

#[derive(Deserialize)]
struct CargoPackage {
    name: String,
}

impl Catalog {
    /// Reads every project's `exercises/exercises.toml` under `root/projects`.
    ///
    /// # Errors
    /// If a listing is malformed or names an exercise whose file is missing.
    pub fn load(root: &Path) -> anyhow::Result<Self> {
        let mut projects: Vec<PathBuf> = std::fs::read_dir(root.join("projects"))
            .with_context(|| format!("reading {}", root.join("projects").display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|dir| dir.join("exercises/exercises.toml").is_file())
            .collect();
        projects.sort();
        let mut exercises = Vec::new();
        for dir in projects {
            let project = dir
                .file_name()
                .expect("a folder name")
                .to_string_lossy()
                .into_owned();
            let manifest = dir.join("Cargo.toml");
            let cargo: CargoToml = toml::from_str(&read(&manifest)?)
                .with_context(|| format!("{} has no [package] name", manifest.display()))?;
            let listing_path = dir.join("exercises/exercises.toml");
            let listing: ExercisesToml =
                toml::from_str(&read(&listing_path)?).with_context(|| {
                    format!(
                        "{} is malformed: it needs [[exercise]] tables with `name` and `hint`",
                        listing_path.display()
                    )
                })?;
            for entry in listing.exercise {
                let file = Path::new("projects")
                    .join(&project)
                    .join("exercises")
                    .join(format!("{}.rs", entry.name));
                if !root.join(&file).is_file() {
                    bail!(
                        "{} lists exercise `{}` but {} is missing; restore it with `git checkout -- {}`",
                        listing_path.display(),
                        entry.name,
                        file.display(),
                        file.display()
                    );
                }
                exercises.push(Exercise {
                    project: project.clone(),
                    package: cargo.package.name.clone(),
                    name: entry.name,
                    file,
                    hint: entry.hint,
                });
            }
        }
        Ok(Self {
            root: root.to_owned(),
            exercises,
        })
    }

    /// The exercise called `name` (`predict`, if only one project has it) or `project/name`.
    ///
    /// # Errors
    /// If no exercise or more than one matches.
    pub fn find(&self, name: &str) -> anyhow::Result<&Exercise> {
        let matches: Vec<&Exercise> = self
            .exercises
            .iter()
            .filter(|e| e.id() == name || e.name == name)
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => bail!(
                "there is no exercise `{name}`; `cargo exercises` lists them all ({})",
                self.exercises
                    .iter()
                    .map(Exercise::id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            many => bail!(
                "`{name}` names several exercises ({}); say which with project/name",
                many.iter().map(|e| e.id()).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// The package whose folder is `dir`, if it is a project's.
    pub fn package_in(&self, dir: &Path) -> Option<&str> {
        self.exercises
            .iter()
            .find(|e| self.root.join("projects").join(&e.project) == dir)
            .map(|e| e.package.as_str())
    }

    /// True while the learner's file still holds the stub's `todo!()`.
    pub fn is_stub(&self, exercise: &Exercise) -> bool {
        std::fs::read_to_string(self.root.join(&exercise.file))
            .is_ok_and(|source| exercise_switch::is_stub(&source))
    }

    /// The exercises grouped by package, in course order.
    pub fn by_package(&self) -> Vec<(&str, Vec<&Exercise>)> {
        let mut groups: Vec<(&str, Vec<&Exercise>)> = Vec::new();
        for exercise in &self.exercises {
            match groups.last_mut() {
                Some((package, list)) if *package == exercise.package => list.push(exercise),
                _ => groups.push((&exercise.package, vec![exercise])),
            }
        }
        groups
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}
