//! Writing results safely.

use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed and then
/// renamed into place: readers see the old file or the new one, never half of one, and an
/// interrupted run leaves earlier results intact. Creates the parent folder if needed.
/// [`host::files::write_atomic`] does the work; this returns its error as an
/// [`anyhow::Error`], for a project's `main`.
///
/// # Errors
/// If the folder cannot be created or the file cannot be written; the message names the path
/// and says to pass a writable `--out`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    Ok(host::files::write_atomic(path, bytes)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unwritable_folder_is_one_clear_line_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "not a folder").unwrap();
        let error = super::write_atomic(&blocker.join("metrics.json"), b"{}").unwrap_err();
        // What `run::main_with` prints: the whole chain, which must say each thing once.
        let message = format!("{error:#}");
        assert!(message.starts_with("cannot write "), "{message}");
        assert!(message.contains("file/metrics.json"), "{message}");
        assert_eq!(message.matches("--out").count(), 1, "{message}");
    }
}
