//! Work space for ops that need temporary buffers (im2col's patch matrix, say).
//!
//! Each thread keeps one buffer and reuses it from call to call: allocating and zeroing
//! megabytes per call showed up as a tenth of a CNN training step. A buffer lent out
//! holds whatever the last call left in it, so an op may only read what it has written.

use std::cell::RefCell;

thread_local! {
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Calls `f` with this thread's scratch buffer cut into pieces of the given `lengths`.
/// Their contents are unspecified: `f` must write before it reads.
///
/// # Panics
/// If `f` asks for scratch space itself (the buffer is already lent out).
pub(crate) fn with_scratch<const N: usize, R>(
    lengths: [usize; N],
    f: impl FnOnce([&mut [f32]; N]) -> R,
) -> R {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch
            .try_borrow_mut()
            .expect("with_scratch: the scratch buffer is already in use on this thread");
        let total = lengths.iter().sum();
        if scratch.len() < total {
            scratch.resize(total, 0.0); // grows to the largest request, then stays
        }
        let mut rest = &mut scratch[..total];
        let pieces = lengths.map(|len| {
            let (piece, after) = std::mem::take(&mut rest).split_at_mut(len);
            rest = after;
            piece
        });
        f(pieces)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_have_the_asked_lengths_and_do_not_overlap() {
        with_scratch([3, 0, 5], |[a, b, c]| {
            assert_eq!((a.len(), b.len(), c.len()), (3, 0, 5));
            a.fill(1.0);
            c.fill(2.0);
            assert!(a.iter().all(|&v| v == 1.0));
        });
        // A later, smaller request reuses the same buffer.
        with_scratch([4], |[a]| assert_eq!(a.len(), 4));
    }

    #[test]
    #[should_panic(expected = "already in use")]
    fn asking_again_while_lent_out_is_refused() {
        with_scratch([1], |_| with_scratch([1], |_| ()));
    }
}
