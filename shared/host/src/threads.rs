//! How many worker threads the numeric work uses, decided once and applied in one place.
//!
//! The count comes from, in order: a program's `--threads` flag, the environment variable
//! `SMALLNETS_THREADS`, every core of the machine. [`resolve`] makes that choice (and rejects
//! a malformed variable with a message saying how to fix it), [`use_threads`] applies it to
//! every backend, and [`current`] is what the tensor ops read at each op.
//!
//! Why it matters beyond speed: ops split their work into one piece per thread, so the thread
//! count decides the order in which partial sums are added. The same seed and the same
//! thread count give bit-identical results; another thread count may differ in the last bits.

use std::ffi::OsString;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The environment variable a user sets instead of passing `--threads` every time.
pub const VARIABLE: &str = "SMALLNETS_THREADS";

/// The variable matrixmultiply (the matrix product behind ndarray's `dot`) reads its thread
/// count from, once, at its first product.
const MATRIXMULTIPLY_VARIABLE: &str = "MATMUL_NUM_THREADS";

/// The count given to [`use_threads`] (or resolved by [`current`]); 0 means not decided yet.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// `SMALLNETS_THREADS` is set but is not a whole number from 1 up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the environment variable SMALLNETS_THREADS is {value:?}; set it to a whole number of \
     threads from 1 up, or unset it to use every core"
)]
pub struct ThreadsError {
    /// What the variable holds (invalid Unicode shown with replacement characters).
    pub value: String,
}

/// The thread count to use: `flag` (a program's `--threads`) if given, else the environment
/// variable `SMALLNETS_THREADS`, else every core of this machine.
///
/// A flag wins even over a malformed variable: the user said what they want.
///
/// # Errors
/// If the flag is absent and `SMALLNETS_THREADS` is set to anything but a whole number from 1
/// up (surrounding spaces are allowed).
///
/// # Panics
/// If `flag` is `Some(0)`: command-line parsers reject 0 before it gets here.
#[track_caller]
pub fn resolve(flag: Option<usize>) -> Result<usize, ThreadsError> {
    resolve_from(flag, std::env::var_os(VARIABLE))
}

/// [`resolve`] with the variable's value passed in, so that tests need not change the
/// process's environment (which every test thread shares).
#[track_caller]
fn resolve_from(flag: Option<usize>, variable: Option<OsString>) -> Result<usize, ThreadsError> {
    if let Some(n) = flag {
        assert!(
            n >= 1,
            "threads::resolve: a thread count of 0 was passed as the flag"
        );
        return Ok(n);
    }
    let Some(value) = variable else {
        return Ok(every_core());
    };
    let parsed = value
        .to_str()
        .and_then(|text| text.trim().parse::<usize>().ok());
    match parsed {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(ThreadsError {
            value: value.to_string_lossy().into_owned(),
        }),
    }
}

/// Every core this process may use (1 if the system cannot say).
fn every_core() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Applies `n` threads to every backend, the one place that does: the tensor ops (which read
/// [`current`] at every op) and matrixmultiply, the matrix product behind ndarray's `dot`
/// (through its `MATMUL_NUM_THREADS` variable; it uses at most 4).
///
/// Call it at the start of `main`, before any numeric work and before any other thread
/// starts (`run::Session::start` does): matrixmultiply reads its variable once, at its first
/// product, and changing the environment while other threads read it through C's `getenv`
/// is not safe. Calling it again later changes the tensor ops' count only.
///
/// # Panics
/// If `n` is 0.
#[track_caller]
pub fn use_threads(n: usize) {
    assert!(
        n >= 1,
        "threads::use_threads: need at least one thread, got 0"
    );
    THREADS.store(n, Ordering::Relaxed);
    let value = n.to_string();
    if std::env::var_os(MATRIXMULTIPLY_VARIABLE).is_none_or(|old| old != value.as_str()) {
        std::env::set_var(MATRIXMULTIPLY_VARIABLE, value);
    }
}

/// The thread count the tensor ops use: the one given to [`use_threads`], else (library code
/// run without a command line: tests, examples) [`resolve`]`(None)`, decided at the first call.
///
/// # Panics
/// If nothing was given to [`use_threads`] and `SMALLNETS_THREADS` is malformed: the panic
/// message is the same as [`resolve`]'s error.
#[inline]
pub fn current() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => decide_once(),
        n => n,
    }
}

/// The first [`current`] without [`use_threads`]: resolves and remembers the count, unless a
/// [`use_threads`] on another thread got there first (then its count stands).
#[cold]
fn decide_once() -> usize {
    let n = resolve(None).unwrap_or_else(|error| panic!("{error}"));
    match THREADS.compare_exchange(0, n, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => n,
        Err(already) => already,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variable(text: &str) -> Option<OsString> {
        Some(OsString::from(text))
    }

    #[test]
    fn the_flag_wins_over_the_variable_even_a_malformed_one() {
        assert_eq!(resolve_from(Some(3), variable("5")), Ok(3));
        assert_eq!(resolve_from(Some(3), variable("lots")), Ok(3));
    }

    #[test]
    fn the_variable_is_used_without_a_flag() {
        assert_eq!(resolve_from(None, variable("5")), Ok(5));
        assert_eq!(resolve_from(None, variable(" 2\n")), Ok(2));
    }

    #[test]
    fn without_either_every_core_is_used() {
        let cores = resolve_from(None, None).unwrap();
        assert!(cores >= 1);
        assert_eq!(cores, every_core());
    }

    #[test]
    fn a_malformed_variable_is_an_error_that_says_how_to_fix_it() {
        for text in ["", "0", "-2", "two", "1.5", "4 threads"] {
            let error = resolve_from(None, variable(text)).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "the environment variable SMALLNETS_THREADS is {text:?}; set it to a whole \
                     number of threads from 1 up, or unset it to use every core"
                ),
                "for SMALLNETS_THREADS={text:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_variable_that_is_not_unicode_is_an_error_too() {
        use std::os::unix::ffi::OsStringExt;
        let error = resolve_from(None, Some(OsString::from_vec(vec![b'4', 0xff]))).unwrap_err();
        assert_eq!(error.value, "4\u{fffd}");
    }

    #[test]
    #[should_panic(expected = "thread count of 0")]
    fn a_zero_flag_is_a_bug_in_the_caller() {
        let _ = resolve_from(Some(0), None);
    }
}
