//! # data: the datasets every smallnets project trains on
//!
//! Reading data is not the lesson of any project, so it lives here, once, with its tests:
//!
//! - [`mnist`]: MNIST-format image sets (the four IDX files, gzipped or raw, any image size,
//!   any number of classes), parsed by [`idx`].
//! - [`csv`]: tables read by column name, for classification (string labels mapped to class
//!   indices) or regression (a numeric target).
//! - [`text`]: character vocabularies and corpora with a train/validation split, and word
//!   lists for makemore-style models.
//! - [`split`]: seeded shuffles, mini-batches, stratified splits and standardisation.
//!
//! Where the data is: [`resolve_data_dir`] (the `--data-dir` flag, else `SMALLNETS_DATA_DIR`,
//! else the workspace's committed `data/`) and [`data_file`] for one file in it.
//!
//! Bad data never panics: every loader returns a [`DataError`] whose message names the file
//! and says how to fix it. Panics are kept for bugs in the calling code (a batch size of 0,
//! an index out of range) and say so under `# Panics`.
//!
//! ```no_run
//! # fn main() -> Result<(), data::DataError> {
//! let dir = data::resolve_data_dir(None); // the committed data/
//! let iris = data::csv::load_classification(
//!     &data::data_file(&dir, "csv/iris.csv")?,
//!     &["sepal_length", "sepal_width", "petal_length", "petal_width"],
//!     "species",
//! )?;
//! assert_eq!(iris.classes, ["setosa", "versicolor", "virginica"]);
//! # Ok(()) }
//! ```

pub mod csv;
mod error;
pub mod idx;
pub mod mnist;
pub mod split;
pub mod text;

pub use error::DataError;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment variable that points every project at another data folder.
pub const DATA_DIR_ENV: &str = "SMALLNETS_DATA_DIR";

/// Where the data is: the `--data-dir` flag if given, else the `SMALLNETS_DATA_DIR`
/// environment variable if set and non-empty, else the workspace's committed `data/`.
///
/// The last is found from where this crate's source is (`shared/data/../../data`), fixed at
/// compile time, so a project finds its data from any current directory. The folder is not
/// checked here: the loaders say which file is missing and how to get it back.
pub fn resolve_data_dir(flag: Option<&Path>) -> PathBuf {
    resolve_from(flag, std::env::var_os(DATA_DIR_ENV))
}

/// [`resolve_data_dir`] with the environment passed in, so tests need not change it.
fn resolve_from(flag: Option<&Path>, env: Option<OsString>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    match env {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_data_dir(),
    }
}

/// The committed `data/` folder of the workspace this crate was built in.
pub fn workspace_data_dir() -> PathBuf {
    // CARGO_MANIFEST_DIR is .../shared/data; taking parents rather than joining "../.."
    // keeps error messages free of `..`.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().and_then(Path::parent).unwrap_or(manifest);
    root.join("data")
}

/// The file `relative` (such as `"csv/iris.csv"`) inside the data folder `dir`.
///
/// # Errors
/// [`DataError::MissingFile`] if it does not exist, with how to get it back.
pub fn data_file(dir: &Path, relative: &str) -> Result<PathBuf, DataError> {
    let path = dir.join(relative);
    if path.is_file() {
        Ok(path)
    } else {
        Err(DataError::MissingFile { path })
    }
}

/// Reads a whole file, turning "not found" into [`DataError::MissingFile`] and anything
/// else the operating system reports into [`DataError::Io`].
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => DataError::MissingFile {
            path: path.to_path_buf(),
        },
        _ => DataError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_environment() {
        let dir = resolve_from(Some(Path::new("/flag")), Some("/env".into()));
        assert_eq!(dir, Path::new("/flag"));
    }

    #[test]
    fn the_environment_wins_over_the_workspace() {
        assert_eq!(resolve_from(None, Some("/env".into())), Path::new("/env"));
    }

    #[test]
    fn an_empty_environment_variable_is_ignored() {
        assert_eq!(resolve_from(None, Some("".into())), workspace_data_dir());
    }

    #[test]
    fn the_default_is_the_committed_data_folder() {
        let dir = resolve_from(None, None);
        assert!(
            dir.ends_with("data") && !dir.ends_with("shared/data"),
            "{}",
            dir.display()
        );
        assert!(
            dir.join("README.md").is_file(),
            "no data/README.md in {}",
            dir.display()
        );
    }

    #[test]
    fn data_file_finds_a_committed_file() {
        let path = data_file(&workspace_data_dir(), "csv/iris.csv").unwrap();
        assert!(path.is_file());
    }

    #[test]
    fn data_file_names_the_missing_file_and_the_fix() {
        let err = data_file(Path::new("/nowhere"), "csv/iris.csv").unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(err, DataError::MissingFile { .. }));
        assert!(msg.contains("/nowhere/csv/iris.csv"), "{msg}");
        assert!(
            msg.contains("git checkout -- data/") && msg.contains("--data-dir"),
            "{msg}"
        );
    }

    #[test]
    fn reading_a_folder_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_bytes(dir.path()).unwrap_err();
        assert!(matches!(err, DataError::Io { .. }), "{err}");
        assert!(err.to_string().contains(&dir.path().display().to_string()));
    }
}
