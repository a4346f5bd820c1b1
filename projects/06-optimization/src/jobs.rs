//! Running many independent trainings on a few cores.
//!
//! An experiment here is dozens of small trainings (every optimiser at every rate, with
//! three seeds). The models are small, so splitting each matrix multiply between two threads
//! gains little; running two trainings side by side, each on one thread, keeps both cores
//! busy all the time. Both ways are here ([`Parallel`]); the chapter says which is faster
//! and by how much.
//!
//! Each training builds its own tensors on its own thread (a `Tensor` never crosses
//! threads) and hands back plain numbers. Its result depends only on its own seed, not on
//! which thread ran it or when: the same seed gives the same numbers with any `--threads`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use crate::train::images_trained;

/// How the cores are shared out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Parallel {
    /// Independent trainings side by side, one per thread, each op on one thread.
    Runs,
    /// One training at a time, each op split between every thread.
    Ops,
}

/// Runs `job(0)`, ..., `job(count - 1)` on `threads` threads as `parallel` says, advancing
/// `progress` by one as each finishes (and, every second meanwhile, by the training images
/// processed); returns their results in order.
pub fn run_jobs<T: Send>(
    count: usize,
    threads: usize,
    parallel: Parallel,
    progress: &mut run::Progress,
    job: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let mut counted = images_trained();
    let mut images = move || {
        let now = images_trained();
        let new = now - counted;
        counted = now;
        new as u64
    };
    let workers = match parallel {
        Parallel::Runs => threads.min(count).max(1),
        Parallel::Ops => 1,
    };
    if workers == 1 {
        host::threads::use_threads(threads);
        return (0..count)
            .map(|i| {
                let result = job(i);
                progress.advance(1, images(), &[]);
                result
            })
            .collect();
    }
    host::threads::use_threads(1);
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel();
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (sender, next, job) = (sender.clone(), &next, &job);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                // The receiver lives until every result is in; a send fails only if this
                // scope is already unwinding from another worker's panic.
                if sender.send((i, job(i))).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        loop {
            // Long runs finish minutes apart: in between, show the images going by.
            match receiver.recv_timeout(Duration::from_secs(1)) {
                Ok((i, result)) => {
                    progress.advance(1, images(), &[]);
                    results[i] = Some(result);
                }
                Err(RecvTimeoutError::Timeout) => progress.advance(0, images(), &[]),
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
    });
    host::threads::use_threads(threads);
    results
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whichever_thread_ran_them() {
        for parallel in [Parallel::Runs, Parallel::Ops] {
            let mut progress = run::Progress::new("test", 20, false);
            let squares = run_jobs(20, 2, parallel, &mut progress, |i| {
                // Uneven work, so the two workers finish out of order.
                std::thread::sleep(std::time::Duration::from_millis((i % 3) as u64));
                i * i
            });
            assert_eq!(squares, (0..20).map(|i| i * i).collect::<Vec<_>>());
        }
    }
}
