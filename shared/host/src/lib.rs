//! # host: what a smallnets program asks of the machine
//!
//! Three things every training run needs from the computer it runs on, each decided in one
//! place so that every project does them the same way:
//!
//! - [`threads`]: how many worker threads the numeric work uses (`--threads`, else the
//!   environment variable `SMALLNETS_THREADS`, else every core), applied once to every
//!   backend: the tensor ops and ndarray's matrix products.
//! - [`files`]: writing a result file so that a crash or an interrupt never leaves half of
//!   one, and a failed run never destroys the previous results.
//! - [`memory`]: asking the C allocator to keep freed memory for reuse, which a tensor
//!   program allocating megabytes per op needs to run at full speed.
//!
//! `run::Session::start` does all of it at the top of every project's `main`:
//!
//! ```
//! host::memory::keep_freed_memory(); // first: before any other thread exists
//! let threads = host::threads::resolve(Some(2))?; // a `--threads 2` flag wins
//! host::threads::use_threads(threads);
//! assert_eq!(host::threads::current(), 2);
//! # Ok::<(), host::threads::ThreadsError>(())
//! ```
//!
//! This crate depends on nothing numeric (no tensor, gemm or rayon), so the smallest
//! project, which links it through `run`, links none of them either.

pub mod files;
pub mod memory;
pub mod threads;
