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
    let pieces = if out.len() < PARALLEL_MIN_ELEMENTS {
        1
    } else {
        threads()
    };
    let units = out.len() / unit.max(1);
    map_pieces(out, units, pieces, |range, piece| f(range.start, piece));
}

/// Splits `0..items` into `pieces` contiguous ranges (fewer if there are fewer items), and
/// `out`, which holds `items` equal units (an image each, say), at the same places; runs
/// `f(range, piece_of_out)` on each, one per thread, and returns the results in order.
/// Combining them in that order keeps sums bit-identical from run to run. `out` may be
/// empty (an output nobody asked for): every piece is then empty.
pub(crate) fn map_pieces<T: Send, R: Send>(
    out: &mut [T],
    items: usize,
    pieces: usize,
    f: impl Fn(std::ops::Range<usize>, &mut [T]) -> R + Sync,
) -> Vec<R> {
    let per = items.div_ceil(pieces.clamp(1, items.max(1))).max(1);
    let unit = out.len().checked_div(items).unwrap_or(0); // elements per item
                                                          // Cut `out` up front, in order, so piece i always goes with range i.
    let mut jobs = Vec::new();
    let mut rest = out;
    for start in (0..items).step_by(per) {
        let range = start..(start + per).min(items);
        let (piece, after) = std::mem::take(&mut rest).split_at_mut(range.len() * unit);
        jobs.push((range, piece));
        rest = after;
    }
    let mut jobs = jobs.into_iter();
    let Some((first, first_piece)) = jobs.next() else {
        return vec![f(0..0, rest)];
    };
    if jobs.len() == 0 {
        return vec![f(first, first_piece)]; // one piece: no thread to start
    }
    std::thread::scope(|s| {
        let f = &f;
        let workers: Vec<_> = jobs
            .map(|(r, piece)| s.spawn(move || f(r, piece)))
            .collect();
        let mut results = vec![f(first, first_piece)];
        results.extend(
            workers
                .into_iter()
                .map(|w| w.join().expect("a worker thread panicked")),
        );
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_the_output_line_up_with_their_ranges() {
        // 7 items of 3 elements each, in 2, 3 and 10 pieces: each piece must hold exactly
        // its range's items, in order, and every element must be visited once.
        for pieces in [1, 2, 3, 10] {
            let mut out = vec![0usize; 7 * 3];
            let ranges = map_pieces(&mut out, 7, pieces, |range, piece| {
                assert_eq!(piece.len(), range.len() * 3);
                for (item, unit) in range.clone().zip(piece.chunks_mut(3)) {
                    unit.iter_mut().for_each(|v| *v += item + 1);
                }
                range
            });
            assert_eq!(ranges.len(), pieces.min(7));
            assert_eq!(ranges.first().unwrap().start, 0);
            assert_eq!(ranges.last().unwrap().end, 7);
            assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
            let want: Vec<usize> = (0..7).flat_map(|i| [i + 1; 3]).collect();
            assert_eq!(out, want, "{pieces} pieces");
        }
    }

    #[test]
    fn an_empty_output_still_splits_the_ranges() {
        let ranges = map_pieces(&mut [] as &mut [f32], 5, 2, |range, piece| {
            assert!(piece.is_empty());
            range
        });
        assert_eq!(ranges, vec![0..3, 3..5]);
        assert_eq!(
            map_pieces(&mut [] as &mut [f32], 0, 2, |r, _| r),
            vec![0..0]
        );
    }
}
