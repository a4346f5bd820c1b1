//! How many threads the ops use, and the one helper that splits work between them.
//!
//! Work is split into as many contiguous pieces as there are threads, always at the same
//! places for the same sizes and thread count, and no piece's result depends on another's:
//! so the same seed and thread count give bit-identical results.

use std::sync::atomic::{AtomicUsize, Ordering};

/// 0 means "not decided yet": read `SMALLNETS_THREADS`, else use every core.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Below this many output elements an op runs on one thread: starting a thread costs
/// about as much as 20,000 additions.
pub(crate) const PARALLEL_MIN_ELEMENTS: usize = 1 << 16;

/// The number of threads ops use: set by [`set_threads`], else the environment variable
/// `SMALLNETS_THREADS`, else the number of cores.
pub fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => {
            let n = std::env::var("SMALLNETS_THREADS")
                .ok()
                .and_then(|s| s.trim().parse::<usize>().ok())
                .filter(|&n| n >= 1)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            THREADS.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Sets the number of threads ops use (a project's `--threads`).
///
/// # Panics
/// If `n` is 0.
#[track_caller]
pub fn set_threads(n: usize) {
    assert!(n >= 1, "set_threads: need at least one thread, got 0");
    THREADS.store(n, Ordering::Relaxed);
}

/// Calls `f(first, piece)` on consecutive pieces of `out`, one piece per thread when `out`
/// has at least [`PARALLEL_MIN_ELEMENTS`] elements. Each piece holds whole `unit`s of
/// elements (an image, a row) and `first` is the index of its first unit.
pub(crate) fn for_each_piece<T: Send>(
    out: &mut [T],
    unit: usize,
    f: impl Fn(usize, &mut [T]) + Sync,
) {
    let unit = unit.max(1);
    let units = out.len() / unit;
    let pieces = if out.len() < PARALLEL_MIN_ELEMENTS {
        1
    } else {
        threads().min(units).max(1)
    };
    if pieces == 1 {
        f(0, out);
        return;
    }
    let units_per_piece = units.div_ceil(pieces);
    std::thread::scope(|s| {
        let f = &f;
        let mut chunks = out.chunks_mut(units_per_piece * unit).enumerate();
        let (_, first) = chunks.next().expect("at least one piece");
        for (i, piece) in chunks {
            s.spawn(move || f(i * units_per_piece, piece));
        }
        f(0, first);
    });
}

/// Splits `0..items` into `pieces` contiguous ranges (fewer if there are fewer items), runs
/// `f` on each, one per thread, and returns the results in order. Combining them in that
/// order keeps sums bit-identical from run to run.
pub(crate) fn map_ranges<R: Send>(
    items: usize,
    pieces: usize,
    f: impl Fn(std::ops::Range<usize>) -> R + Sync,
) -> Vec<R> {
    let per = items.div_ceil(pieces.clamp(1, items.max(1))).max(1);
    let ranges: Vec<_> = (0..items)
        .step_by(per)
        .map(|start| start..(start + per).min(items))
        .collect();
    let Some((first, rest)) = ranges.split_first() else {
        return vec![f(0..0)];
    };
    std::thread::scope(|s| {
        let f = &f;
        let workers: Vec<_> = rest.iter().map(|r| s.spawn(move || f(r.clone()))).collect();
        let mut results = vec![f(first.clone())];
        results.extend(
            workers
                .into_iter()
                .map(|w| w.join().expect("a worker thread panicked")),
        );
        results
    })
}
