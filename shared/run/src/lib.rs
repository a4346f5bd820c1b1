//! What every smallnets binary shares, so that a project's `main.rs` stays a few dozen lines:
//!
//! - [`CommonArgs`]: the flags every project takes (`--seed --data-dir --out --threads --quiet`);
//!   each project adds its own training flags (`--epochs`, `--lr`, ...) with its own defaults.
//! - [`Session`]: started at the top of `main`, it prints the resolved configuration, hands out
//!   seeded random streams ([`Rngs`]) and progress displays ([`Progress`]), and at the end
//!   writes `metrics.json` (the schema in `CONTRACT.md`) and prints the `result:` line.
//! - [`main_with`]: runs a fallible `main` body and turns an error into a one-paragraph
//!   message on standard error and exit status 1 (clap already exits with 2 on bad flags).
//! - [`flags`]: value parsers for flags several projects share (`--lr`, `--test-fraction`);
//!   [`cli_test`]: helpers for each project's command-line tests.
//! - [`Session::on_your_code`] and [`Session::warn_if_at_chance`]: a run on the learner's own
//!   exercise code says which functions are theirs, writes to `runs/<project>-yours/`, and
//!   says when the result is no better than chance.
//! - [`write_atomic`]: every file a run writes goes to a temporary name first and is renamed
//!   into place, so an interrupted run never leaves half a result; [`Session::start`] checks
//!   first that the output folder can be written at all.
//! - [`resume`]: what to save in a checkpoint each epoch ([`ResumeState`]: epochs, steps,
//!   the random streams' positions, the history so far) so that `--resume`
//!   ([`Session::resume_from`]) ends where an unbroken run would.

mod args;
pub mod cli_test;
mod files;
pub mod flags;
mod learner;
mod progress;
pub mod resume;
mod rngs;
mod session;

pub use args::CommonArgs;
pub use files::write_atomic;
pub use progress::Progress;
pub use resume::ResumeState;
pub use rngs::Rngs;
pub use session::{check_diverged, check_finite, check_gradient, Metric, Report, Session};

use std::process::ExitCode;

/// Runs a binary's body and reports an error the way the contract asks: one paragraph on
/// standard error (the error and its causes, joined), exit status 1, no backtrace.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     run::main_with(|| {
///         // parse flags, train, write results...
///         Ok(())
///     })
/// }
/// ```
pub fn main_with(body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole chain on one line: "reading data/x.csv: row 3: ..."
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
