//! The processes the tool starts (cargo, test binaries), kept track of so that quitting the
//! watch screen stops them as well instead of leaving a build running behind it.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The process ids of the children still running.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Whether children get a process group of their own, so that [`stop_all`] stops their
/// children too (cargo's rustc). Only the watch screen wants it: there Ctrl-C is a key it
/// reads, while elsewhere Ctrl-C must reach the children through the terminal.
static OWN_GROUP: AtomicBool = AtomicBool::new(false);

/// From now on, start each child in a process group of its own.
pub fn use_own_groups() {
    OWN_GROUP.store(true, Ordering::SeqCst);
}

/// Starts `command` and remembers it until [`wait`].
///
/// # Errors
/// If it cannot be started.
pub fn spawn(command: &mut Command) -> io::Result<Child> {
    #[cfg(unix)]
    if OWN_GROUP.load(Ordering::SeqCst) {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let child = command.spawn()?;
    running().push(child.id());
    Ok(child)
}

/// Waits for a child started by [`spawn`] and forgets it.
///
/// # Errors
/// As [`Child::wait`].
pub fn wait(mut child: Child) -> io::Result<ExitStatus> {
    let status = child.wait();
    running().retain(|&id| id != child.id());
    status
}

/// Stops every child still running, and their own children where they have a group.
pub fn stop_all() {
    for id in running().drain(..) {
        stop(id);
    }
}

fn stop(id: u32) {
    // `kill` and `taskkill` rather than a binding to the system calls: no unsafe code, and
    // it happens once, on the way out.
    #[cfg(unix)]
    let mut command = {
        let target = if OWN_GROUP.load(Ordering::SeqCst) {
            format!("-{id}") // the whole group
        } else {
            id.to_string()
        };
        let mut command = Command::new("kill");
        command.args(["-TERM", "--", &target]);
        command
    };
    #[cfg(windows)]
    let mut command = {
        let mut command = Command::new("taskkill");
        command.args(["/T", "/F", "/PID", &id.to_string()]);
        command
    };
    let _ = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

fn running() -> std::sync::MutexGuard<'static, Vec<u32>> {
    // A panic while holding the lock leaves the list as it was: still usable.
    RUNNING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
