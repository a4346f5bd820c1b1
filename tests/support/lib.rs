//! Helpers shared by the workspace-wide checks in `tests/`: where the workspace is and which
//! projects it holds. The checks themselves live in `tests/*.rs`.

use std::path::{Path, PathBuf};

/// The workspace root (the folder holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A project of the course: `projects/NN-name/` with package `name` and binary `NN-name`.
#[derive(Debug, Clone)]
pub struct Project {
    /// The folder, e.g. `<root>/projects/01-perceptron`.
    pub dir: PathBuf,
    /// The binary's name, which is also the folder's name, e.g. `01-perceptron`.
    pub binary: String,
}

/// Every project folder under `projects/` that has a `Cargo.toml`, in course order.
pub fn projects() -> Vec<Project> {
    let mut found: Vec<Project> = std::fs::read_dir(workspace_root().join("projects"))
        .expect("the workspace has a projects/ folder")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .map(|dir| Project {
            binary: file_name(&dir),
            dir,
        })
        .collect();
    found.sort_by(|a, b| a.binary.cmp(&b.binary));
    found
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a project folder has a name")
        .to_string_lossy()
        .into_owned()
}
