//! Writing a result file so that it is whole or absent, never half written.
//!
//! A training run that crashes, runs out of disk or is interrupted with Ctrl-C while writing
//! `model.safetensors` must not leave half a checkpoint under that name, nor destroy the one
//! an earlier run left there. [`write_atomic`] gets that from the file system: the new
//! contents go to a temporary file in the same folder, and only a complete, flushed file is
//! renamed over the old one. A rename within one file system is atomic: a reader (or the
//! next run) sees the old file or the new one, nothing in between.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file could not be written. The message names the file, the step that failed and the
/// system's reason; the file at that path, if there was one, is unchanged.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot write {}: {step}: {cause}; pass --out with a writable folder",
    path.display()
)]
pub struct WriteError {
    /// The file that was being written.
    pub path: PathBuf,
    /// What was being done when it failed, e.g. "creating its folder".
    pub step: &'static str,
    /// The operating system's reason.
    pub cause: io::Error,
}

/// Writes `bytes` to `path` atomically: to a new temporary file in the same folder, flushed
/// to disk (fsync), then renamed over `path`, and the folder flushed so that the rename
/// survives a power cut too. Creates the folder (and its parents) if needed.
///
/// If anything fails, the temporary file is removed and whatever was at `path` before is
/// left as it was.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("runs/01-perceptron/metrics.json");
/// host::files::write_atomic(&path, b"{}")?;
/// assert_eq!(std::fs::read(&path).unwrap(), b"{}");
/// # Ok::<(), host::files::WriteError>(())
/// ```
///
/// # Errors
/// If the folder cannot be created or written to, or the disk is full; the message names
/// `path` and says to pass a writable `--out`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`] with the writing step passed in, so that a test can make it fail halfway.
fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), WriteError> {
    let fail = |step, cause| WriteError {
        path: path.to_path_buf(),
        step,
        cause,
    };
    let Some(name) = path.file_name() else {
        let cause = io::Error::new(io::ErrorKind::InvalidInput, "the path names no file");
        return Err(fail("reading its name", cause));
    };
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    fs::create_dir_all(folder).map_err(|e| fail("creating its folder", e))?;

    // Same folder, because a rename is atomic only within one file system. The process id
    // and a counter keep two writers (threads, or two runs into one folder) apart, and the
    // leading dot keeps the temporary out of `ls` and of globs like `*.svg`.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let temporary = folder.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    // `create_new`: never write into a file that is already there.
    let mut file = File::options()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .map_err(|e| fail("creating a temporary file beside it", e))?;
    let written = write(&mut file)
        .map_err(|e| fail("writing", e))
        // Flush to the disk before the rename: otherwise a power cut soon after could leave
        // the new name pointing at a file whose contents never reached the disk.
        .and_then(|()| file.sync_all().map_err(|e| fail("flushing it to disk", e)))
        .and_then(|()| {
            drop(file);
            fs::rename(&temporary, path).map_err(|e| fail("renaming it into place", e))
        });
    if let Err(error) = written {
        // Best effort: the error that matters is the one above.
        let _ = fs::remove_file(&temporary);
        return Err(error);
    }
    sync_folder(folder).map_err(|e| fail("flushing its folder to disk", e))
}

/// Flushes a folder's entries to disk, so that a rename in it survives a power cut.
#[cfg(unix)]
fn sync_folder(folder: &Path) -> io::Result<()> {
    match File::open(folder)?.sync_all() {
        // Some file systems cannot flush a folder (EINVAL); there is nothing more to do there.
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        other => other,
    }
}

/// Other systems cannot open a folder as a file; their renames are as durable as they get.
#[cfg(not(unix))]
fn sync_folder(_folder: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `folder`, sorted.
    fn names_in(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_the_file_creating_its_folders_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs/05-cnn/metrics.json");
        write_atomic(&path, b"{}").unwrap();
        write_atomic(&path, b"{\"a\": 1}").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{\"a\": 1}");
        assert_eq!(names_in(&dir.path().join("runs/05-cnn")), ["metrics.json"]);
    }

    #[test]
    fn an_unwritable_folder_is_an_error_naming_the_file_and_the_fix() {
        // A folder path that runs through a regular file: no one, not even root, can create
        // it (a read-only folder would not do: the tests may run as root, who may write
        // anywhere).
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("a-file");
        fs::write(&blocker, b"not a folder").unwrap();
        let path = blocker.join("metrics.json");
        let error = write_atomic(&path, b"{}").unwrap_err();
        let message = error.to_string();
        println!("{message}");
        assert_eq!(error.path, path);
        assert!(message.contains("a-file/metrics.json"), "{message}");
        assert!(message.contains("creating its folder"), "{message}");
        assert!(
            message.contains("pass --out with a writable folder"),
            "{message}"
        );
        assert_eq!(names_in(dir.path()), ["a-file"]);
    }

    #[test]
    fn a_failed_rename_leaves_the_old_entry_and_no_temporary() {
        // A folder stands where the file should go: everything succeeds but the rename.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), b"old").unwrap();
        let error = write_atomic(&path, b"new").unwrap_err();
        assert_eq!(error.step, "renaming it into place", "{error}");
        assert_eq!(names_in(dir.path()), ["model.safetensors"]);
        assert_eq!(fs::read(path.join("inside")).unwrap(), b"old");
    }

    #[test]
    fn a_write_that_fails_halfway_leaves_the_old_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        write_atomic(&path, b"the old checkpoint").unwrap();
        // As when the disk fills up: half the bytes are written, then the write fails.
        let error = write_atomic_with(&path, |file| {
            file.write_all(b"half of the n")?;
            Err(io::Error::other("No space left on device"))
        })
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("model.safetensors: writing: No space left on device"),
            "{message}"
        );
        assert_eq!(fs::read(&path).unwrap(), b"the old checkpoint");
        assert_eq!(names_in(dir.path()), ["model.safetensors"]);
    }

    #[test]
    fn a_path_without_a_file_name_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = write_atomic(&dir.path().join(".."), b"x").unwrap_err();
        assert_eq!(error.step, "reading its name", "{error}");
    }
}
