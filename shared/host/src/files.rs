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

/// Checks, before any work, that result files can be written into `folder`: creates it (and
/// its parents) if needed, then creates and removes a temporary file there, as
/// [`write_atomic`] will. Also removes the temporary files that runs killed mid-write left
/// there (see [`remove_stale_temporaries`]).
///
/// A run calls it first (`run::Session::start` does), so that `--out` on a read-only or
/// mistyped path fails in a second, not after an hour of training.
///
/// # Errors
/// If the folder cannot be created or written to; the message names a file in it and says
/// to pass a writable `--out`.
pub fn check_writable(folder: &Path) -> Result<(), WriteError> {
    // A counter besides the process id, as in `write_atomic`: two threads of one process
    // checking one folder at once (tests do) must not remove each other's probe.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let probe = folder.join(format!(
        ".write-check.{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let fail = |step, cause| WriteError {
        path: folder.to_path_buf(),
        step,
        cause,
    };
    fs::create_dir_all(folder).map_err(|e| fail("creating its folder", e))?;
    File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)
        .map_err(|e| fail("creating a file in it", e))?;
    fs::remove_file(&probe).map_err(|e| fail("removing a test file from it", e))?;
    remove_stale_temporaries(folder);
    Ok(())
}

/// Removes, from `folder`, the temporary files of [`write_atomic`] whose writer is gone (a
/// run killed while it wrote): `.NAME.PID-N.tmp` where no process PID runs. Best effort:
/// where processes cannot be looked up (no `/proc`), nothing is removed. Returns how many
/// were removed.
pub fn remove_stale_temporaries(folder: &Path) -> usize {
    let alive = |pid: u32| Path::new(&format!("/proc/{pid}")).exists();
    if !Path::new("/proc/self").exists() {
        return 0;
    }
    let Ok(entries) = fs::read_dir(folder) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temporary_owner(&name) else {
            continue;
        };
        if pid != std::process::id() && !alive(pid) && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The process id in the name of a temporary file of [`write_atomic`] (`.NAME.PID-N.tmp`)
/// or of [`check_writable`] (`.write-check.PID-N.tmp`), `None` for any other name.
fn temporary_owner(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, last) = inner.rsplit_once('.')?;
    let pid = last.split_once('-').map_or(last, |(pid, counter)| {
        if counter.bytes().all(|b| b.is_ascii_digit()) && !counter.is_empty() {
            pid
        } else {
            ""
        }
    });
    pid.parse().ok()
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

    #[test]
    fn check_writable_creates_the_folder_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("runs/05-cnn");
        check_writable(&folder).unwrap();
        assert!(folder.is_dir());
        assert_eq!(fs::read_dir(&folder).unwrap().count(), 0);
    }

    #[test]
    fn threads_checking_one_folder_at_once_all_succeed() {
        // With one probe name per process, one thread removed another's probe and failed
        // ("removing a test file from it"): a flaky test in `run` once.
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("runs/01-test");
        std::thread::scope(|s| {
            let checks: Vec<_> = (0..8)
                .map(|_| s.spawn(|| (0..200).try_for_each(|_| check_writable(&folder))))
                .collect();
            for check in checks {
                check.join().unwrap().unwrap();
            }
        });
        assert_eq!(fs::read_dir(&folder).unwrap().count(), 0);
    }

    #[test]
    fn check_writable_refuses_a_folder_under_a_file_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "not a folder").unwrap();
        let error = check_writable(&blocker.join("out"))
            .unwrap_err()
            .to_string();
        println!("{error}");
        assert!(
            error.contains("file/out") && error.contains("--out"),
            "{error}"
        );
    }

    #[test]
    fn stale_temporaries_of_dead_writers_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        // Process ids above the kernel's maximum (2^22) never run.
        let dead = ".model.safetensors.4999999-3.tmp";
        let mine = format!(".metrics.json.{}-0.tmp", std::process::id());
        for name in [
            dead,
            &mine,
            "model.safetensors",
            ".hidden",
            "a.4999999-1.tmp",
        ] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        assert_eq!(remove_stale_temporaries(dir.path()), 1);
        assert!(!dir.path().join(dead).exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 4);
        assert_eq!(temporary_owner(".write-check.12.tmp"), Some(12));
        assert_eq!(temporary_owner(".write-check.12-3.tmp"), Some(12));
        assert_eq!(temporary_owner(".a.b.7-x.tmp"), None);
    }

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
