//! How many threads the ops use, and how they split work between them: `map_pieces` and
//! the helpers built on it, which also make the output (written once, or zeroed by the
//! thread that fills it).
//!
//! Work is split into as many contiguous pieces as there are threads, always at the same
//! places for the same sizes and thread count, and no piece's result depends on another's:
//! so the same seed and thread count give bit-identical results.

use std::mem::MaybeUninit;

/// Below this many output elements an op runs on one thread: handing a piece to another
/// thread and waiting for it costs about as much as 20,000 additions.
pub(crate) const PARALLEL_MIN_ELEMENTS: usize = 1 << 16;

/// The number of threads ops use: [`host::threads::current`], which a program sets once with
/// `host::threads::use_threads` (its `--threads`, else `SMALLNETS_THREADS`, else every core).
///
/// The first call also makes the main thread one of rayon's workers: see
/// [`main_thread_joins_the_pool`].
pub(crate) fn threads() -> usize {
    static JOINED: std::sync::Once = std::sync::Once::new();
    JOINED.call_once(main_thread_joins_the_pool);
    host::threads::current()
}

/// Makes the program's main thread one of the threads of rayon's global pool, if the
/// first op to ask for the thread count runs on it (as in every project's `main`).
///
/// The ops hand their pieces to rayon (`map_pieces`, the GEMM). From a thread outside
/// rayon's pool, each hand-over is a round trip through the operating system: the calling
/// thread queues the whole op into the pool, sleeps on a lock, and is woken when the
/// workers are done, even when the op is one small piece. A recurrent model makes a few
/// hundred such calls per time step, and 08-lstm's profile showed the threads
/// switching and waiting (futex, sched_yield: 5-9% of a step) while its step ran barely
/// faster on two threads than on one. A thread of the pool instead runs its own piece
/// while the other worker takes the rest from its queue, or, if that worker is not awake
/// yet, runs the rest too without waiting for it.
///
/// The pool keeps rayon's default size (`RAYON_NUM_THREADS`, else every core), the calling
/// thread counted among them; ops still split their work into `threads()` pieces, at the
/// same places, so results are the same bit for bit. Threads other than `main` (the test
/// harness's, say) are left alone, and so is a pool that exists already (something used
/// rayon before the first op): the ops then hand their work to it from outside, as before.
fn main_thread_joins_the_pool() {
    if std::thread::current().name() != Some("main") {
        return;
    }
    // An error means the global pool exists already: nothing to do.
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
}

/// How many pieces an op over `elements` values is split into: one below
/// [`PARALLEL_MIN_ELEMENTS`], else one per thread.
pub(crate) fn pieces_for(elements: usize) -> usize {
    if elements < PARALLEL_MIN_ELEMENTS {
        1
    } else {
        threads()
    }
}

/// Calls `f(first, piece)` on consecutive pieces of `out`, one piece per thread when `out`
/// has at least [`PARALLEL_MIN_ELEMENTS`] elements. Each piece holds whole `unit`s of
/// elements (an image, a row) and `first` is the index of its first unit.
pub(crate) fn for_each_piece<T: Send>(
    out: &mut [T],
    unit: usize,
    f: impl Fn(usize, &mut [T]) + Sync,
) {
    let pieces = pieces_for(out.len());
    let units = out.len() / unit.max(1);
    map_pieces(out, units, pieces, |range, piece| f(range.start, piece));
}

/// A vector of `len` values, `values(range)` giving those at indices `range`, a run of
/// whole `unit`s (an image, a plane) per thread when `len` is large.
///
/// Each element is written once. `vec![0.0; len]` and then filling it would write every
/// element twice, and for outputs of megabytes (a batch of feature maps) the zeroing pass
/// took as long as the op itself.
///
/// # Panics
/// If `values` yields fewer or more values than its range holds.
#[allow(unsafe_code)] // one `set_len`, after checking every element was written
pub(crate) fn collect_pieces<T: Send, I: Iterator<Item = T>>(
    len: usize,
    unit: usize,
    values: impl Fn(std::ops::Range<usize>) -> I + Sync,
) -> Vec<T> {
    let pieces = pieces_for(len);
    let unit = unit.max(1);
    assert!(
        len % unit == 0,
        "collect_pieces: {len} values are not whole units of {unit}"
    );
    let mut out = Vec::with_capacity(len);
    let slots = &mut out.spare_capacity_mut()[..len];
    let written = map_pieces(slots, len / unit, pieces, |units, piece| {
        let range = units.start * unit..units.end * unit;
        let mut count = 0;
        for (slot, value) in piece.iter_mut().zip(values(range)) {
            slot.write(value);
            count += 1;
        }
        count == piece.len()
    });
    assert!(
        written.iter().all(|&full| full),
        "collect_pieces: a piece did not yield one value per element"
    );
    // SAFETY: the pieces cover `out[..len]` (map_pieces splits all of it, `len` being a
    // whole number of units), and each piece wrote every one of its elements (checked).
    unsafe { out.set_len(len) };
    out
}

/// [`map_pieces`] on a new vector of `len` zeros (`items` equal units), each piece zeroed
/// by the thread that then fills it. `vec![0.0; len]` would zero all of it first, on this
/// thread, while the workers wait: for a batch's feature maps that serial pass was a
/// tenth of a training step. Returns the vector and the pieces' results, in order.
pub(crate) fn map_zeroed_pieces<R: Send>(
    len: usize,
    items: usize,
    pieces: usize,
    f: impl Fn(std::ops::Range<usize>, &mut [f32]) -> R + Sync,
) -> (Vec<f32>, Vec<R>) {
    map_lazily_zeroed_pieces(len, items, pieces, |range, piece| {
        let whole = piece.rest.len();
        f(range, piece.next(whole))
    })
}

/// [`map_zeroed_pieces`] for ops that fill their piece a part at a time, in order (a block
/// of images after another): each part is zeroed when the thread asks for it
/// ([`Zeroing::next`]), just before it fills it, while it is in the core's cache, rather
/// than in a pass of its own over the whole piece first. For 05-cnn's first convolution
/// at batch 128 that pass was 11 MB of zeros written to memory and read back.
#[allow(unsafe_code)] // one `set_len`, once every element has been written
pub(crate) fn map_lazily_zeroed_pieces<R: Send>(
    len: usize,
    items: usize,
    pieces: usize,
    f: impl Fn(std::ops::Range<usize>, &mut Zeroing) -> R + Sync,
) -> (Vec<f32>, Vec<R>) {
    assert!(
        len.checked_rem(items).unwrap_or(len) == 0,
        "map_zeroed_pieces: {len} values are not {items} equal units"
    );
    let mut out = Vec::with_capacity(len);
    let results = map_pieces(
        &mut out.spare_capacity_mut()[..len],
        items,
        pieces,
        |range, piece| f(range, &mut Zeroing { rest: piece }),
    );
    // SAFETY: the pieces of map_pieces cover all of `out[..len]`, and each piece's
    // `Zeroing` zeroed every element: the parts asked for when asked, the rest when dropped
    // at the end of `f` (if `f` panics, the panic goes on through map_pieces, past here).
    unsafe { out.set_len(len) };
    (out, results)
}

/// A thread's piece of an output, handed out zeroed a part at a time, in order; whatever
/// was not asked for is zeroed when it is dropped.
pub(crate) struct Zeroing<'a> {
    rest: &'a mut [MaybeUninit<f32>],
}

impl<'a> Zeroing<'a> {
    /// The next `len` numbers of the piece, zeroed.
    ///
    /// # Panics
    /// If fewer than `len` are left.
    pub(crate) fn next(&mut self, len: usize) -> &'a mut [f32] {
        let (part, rest) = std::mem::take(&mut self.rest).split_at_mut(len);
        self.rest = rest;
        zeroed(part)
    }
}

impl Drop for Zeroing<'_> {
    fn drop(&mut self) {
        zeroed(std::mem::take(&mut self.rest));
    }
}

/// Writes zeros over `piece` and returns it as initialised numbers.
#[allow(unsafe_code)] // a cast of memory just written
fn zeroed(piece: &mut [MaybeUninit<f32>]) -> &mut [f32] {
    piece.fill(MaybeUninit::new(0.0));
    // SAFETY: every element was just written, and MaybeUninit<f32> has f32's layout.
    unsafe { &mut *(std::ptr::from_mut(piece) as *mut [f32]) }
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
    // The pieces run on rayon's pool of workers, which stay alive between calls: starting
    // a fresh thread per op cost more than many ops. This thread waits meanwhile rather than
    // taking a piece itself: with one worker per core, a third busy thread would only take
    // turns with them (measured: 4% slower at batch 32 in 05-cnn's model).
    let mut results: Vec<Option<R>> = jobs.iter().map(|_| None).collect();
    let mut jobs = jobs.into_iter().zip(results.iter_mut());
    let Some(((first, first_piece), first_result)) = jobs.next() else {
        return vec![f(0..0, rest)];
    };
    if jobs.len() == 0 {
        return vec![f(first, first_piece)]; // one piece: nothing to hand out
    }
    let f = &f;
    rayon::scope(|scope| {
        for ((range, piece), result) in jobs {
            scope.spawn(move |_| *result = Some(f(range, piece)));
        }
        *first_result = Some(f(first, first_piece));
    }); // returns once every piece is done (and re-raises a panic from any of them)
    results
        .into_iter()
        .map(|r| r.expect("every piece ran"))
        .collect()
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

    #[test]
    fn zeroed_pieces_start_at_zero_and_keep_what_each_thread_wrote() {
        // 5 items of 4 values in 2 pieces (3 + 2 items): each piece writes only its first
        // value per item, so the others must read as the zeros the piece was given.
        let (values, firsts) = map_zeroed_pieces(20, 5, 2, |range, piece| {
            assert!(piece.iter().all(|&v| v == 0.0));
            for (item, unit) in range.clone().zip(piece.chunks_mut(4)) {
                unit[0] = item as f32 + 1.0;
            }
            range.start
        });
        assert_eq!(firsts, vec![0, 3]);
        let want: Vec<f32> = (0..5)
            .flat_map(|i| [i as f32 + 1.0, 0.0, 0.0, 0.0])
            .collect();
        assert_eq!(values, want);
        let (empty, _) = map_zeroed_pieces(0, 5, 2, |_, piece| assert!(piece.is_empty()));
        assert!(empty.is_empty());
    }

    #[test]
    fn lazily_zeroed_pieces_zero_each_part_asked_for_and_the_rest_at_the_end() {
        // 5 items of 4 values in 2 pieces (3 + 2 items). Each piece asks for its first
        // item alone, then for the second (if any) and writes into both; the third item of
        // the first piece is never asked for, and must still be zeros.
        let (values, _) = map_lazily_zeroed_pieces(20, 5, 2, |range, piece| {
            for item in range.take(2) {
                let part = piece.next(4);
                assert!(part.iter().all(|&v| v == 0.0));
                part[1] = item as f32 + 1.0;
            }
        });
        let want: Vec<f32> = (0..5)
            .flat_map(|i| [0.0, if i == 2 { 0.0 } else { i as f32 + 1.0 }, 0.0, 0.0])
            .collect();
        assert_eq!(values, want);
    }

    #[test]
    fn collected_pieces_hold_every_value_in_order() {
        host::threads::use_threads(2);
        let n = 3 * 50_000; // more than PARALLEL_MIN_ELEMENTS: two pieces, of whole units of 3
        let values = collect_pieces(n, 3, |range| range.map(|i| i as u64 * 7));
        assert_eq!(values, (0..n as u64).map(|i| i * 7).collect::<Vec<_>>());
    }
}
