//! Writing results safely.

use anyhow::Context;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder, then renames it into
/// place: readers see the old file or the new one, never half of one, and an interrupted run
/// leaves earlier results intact. Creates the parent folder if needed.
///
/// # Errors
/// If the folder cannot be created or the file cannot be written; the message names the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| {
            format!(
                "cannot create the output folder {}; pass --out with a writable folder",
                parent.display()
            )
        })?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = Path::new(&temporary);
    std::fs::write(temporary, bytes).with_context(|| {
        format!(
            "cannot write {}; pass --out with a writable folder",
            temporary.display()
        )
    })?;
    std::fs::rename(temporary, path)
        .with_context(|| format!("cannot rename {} into place", temporary.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_through_a_temporary_and_leaves_only_the_result() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/metrics.json");
        write_atomic(&path, b"{}").unwrap();
        write_atomic(&path, b"{\"a\": 1}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\": 1}");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["metrics.json"]);
    }

    #[test]
    fn an_unwritable_folder_is_a_clear_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "not a folder").unwrap();
        let error = write_atomic(&blocker.join("metrics.json"), b"{}").unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("file") && message.contains("--out"),
            "{message}"
        );
    }
}
