//! Batches for training on characters: parallel streams of one long text, and padded names.
//!
//! **Streams (truncated backpropagation through time).** A recurrent model could read the
//! whole training text as one sequence, but backpropagating through a million steps is
//! neither affordable nor useful. Instead the text is cut into `B` equal contiguous
//! *streams*, read side by side `T` characters at a time: window 0 is characters `0..T` of
//! every stream, window 1 characters `T..2T`, and so on. Each window is one training step,
//! backpropagated through its `T` steps only, but the hidden state at its end is carried
//! into the next window, which continues the same `B` streams: the model sees contexts
//! longer than `T`, and learns from gradients that reach `T` steps back.
//!
//! ```text
//! text:      |---- stream 0 ----|---- stream 1 ----| ... |-- stream B-1 --|
//! window 0:  [0..T)             [0..T)                   [0..T)
//! window 1:  [T..2T)            [T..2T)                  [T..2T)
//! ```
//!
//! **Names.** Each name is its own sequence, read from a fresh (zero) hidden state: a batch
//! holds `B` names side by side, each starting with the end mark and padded with it to
//! the longest; only the positions that predict a letter or the name's end are scored.

use data::split::LastBatch;

/// A window of `batch` sequences of `len` characters, `[batch, len]` row by row: the
/// characters read and, one position further on, the characters to predict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub batch: usize,
    pub len: usize,
    /// `[batch, len]`: `inputs[b * len + t]` is read at step `t` of sequence `b`.
    pub inputs: Vec<u32>,
    /// `[batch, len]`: the character that follows each input.
    pub targets: Vec<u32>,
}

/// A text cut into `batch` streams of equal length, to be read a window at a time.
#[derive(Debug, Clone)]
pub struct Streams<'a> {
    ids: &'a [u32],
    batch: usize,
    /// Characters per stream; the last one of each is only ever a target.
    stream_len: usize,
}

impl<'a> Streams<'a> {
    /// `ids[offset..]` cut into `batch` streams (the few characters left over at the end,
    /// fewer than `batch`, are not used). Drawing `offset` at random each epoch shifts where
    /// windows begin, so the model does not always see the same cuts.
    ///
    /// # Panics
    /// If `batch` is 0 or the text has fewer than two characters per stream after `offset`
    /// (check the text's length against the batch before, with a clear error).
    #[track_caller]
    pub fn new(ids: &'a [u32], batch: usize, offset: usize) -> Self {
        assert!(batch > 0, "a batch of 0 streams");
        let ids = &ids[offset.min(ids.len())..];
        let stream_len = ids.len() / batch;
        assert!(
            stream_len >= 2,
            "{} characters cannot make {batch} streams of at least 2",
            ids.len()
        );
        Streams {
            ids,
            batch,
            stream_len,
        }
    }

    /// How many characters each stream predicts: every one but its first.
    pub fn predicted_per_stream(&self) -> usize {
        self.stream_len - 1
    }

    // ANCHOR: window
    /// The window reading characters `start..start + len` of every stream.
    ///
    /// # Panics
    /// If it runs past the end of the streams.
    #[track_caller]
    pub fn window(&self, start: usize, len: usize) -> Window {
        assert!(
            start + len < self.stream_len,
            "window {start}..{} runs past streams of {} characters",
            start + len,
            self.stream_len
        );
        let mut inputs = Vec::with_capacity(self.batch * len);
        let mut targets = Vec::with_capacity(self.batch * len);
        for stream in self.ids.chunks_exact(self.stream_len).take(self.batch) {
            inputs.extend_from_slice(&stream[start..start + len]);
            targets.extend_from_slice(&stream[start + 1..start + len + 1]);
        }
        Window {
            batch: self.batch,
            len,
            inputs,
            targets,
        }
    }
    // ANCHOR_END: window

    /// Consecutive windows of `seq_len` over the whole streams; with [`LastBatch::Keep`] a
    /// last shorter window reads what is left, so every predicted character is in one.
    ///
    /// # Panics
    /// If `seq_len` is 0.
    #[track_caller]
    pub fn windows(&self, seq_len: usize, last: LastBatch) -> impl Iterator<Item = Window> + '_ {
        assert!(seq_len > 0, "windows of 0 characters");
        let total = self.predicted_per_stream();
        let count = match last {
            LastBatch::Keep => total.div_ceil(seq_len),
            LastBatch::Drop => total / seq_len,
        };
        (0..count).map(move |w| {
            let start = w * seq_len;
            self.window(start, seq_len.min(total - start))
        })
    }
}

/// Names side by side, padded to the longest: what a model reads and predicts, and which
/// positions count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameBatch {
    /// `[batch, len]`: the end mark, then the name's letters, then end marks as padding.
    /// `inputs` and `targets` are a [`Window`] whose hidden state starts at zero.
    pub window: Window,
    /// Positions (`b * len + t`) whose target is a letter of name `b` or its end mark, in
    /// order: the predictions that are scored. Padding comes after a name ends, so it never
    /// changes what the model computes at these positions.
    pub scored: Vec<usize>,
}

impl NameBatch {
    /// The targets at the scored positions.
    pub fn scored_targets(&self) -> Vec<u32> {
        self.scored
            .iter()
            .map(|&i| self.window.targets[i])
            .collect()
    }
}

/// Lays `names` (ids without end marks) side by side, each read from the end mark `end`
/// and followed by it, padded with it to the longest name plus one.
///
/// # Panics
/// If `names` is empty.
#[track_caller]
pub fn name_batch(names: &[&[u32]], end: u32) -> NameBatch {
    assert!(!names.is_empty(), "a batch of no names");
    let len = names.iter().map(|n| n.len()).max().expect("not empty") + 1;
    let mut inputs = vec![end; names.len() * len];
    let mut targets = vec![end; names.len() * len];
    let mut scored = Vec::new();
    for (b, name) in names.iter().enumerate() {
        let row = b * len;
        inputs[row + 1..row + 1 + name.len()].copy_from_slice(name);
        targets[row..row + name.len()].copy_from_slice(name);
        scored.extend(row..row + name.len() + 1);
    }
    NameBatch {
        window: Window {
            batch: names.len(),
            len,
            inputs,
            targets,
        },
        scored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn windows_continue_each_stream_where_the_last_stopped() {
        // 0..=20 in 2 streams of 10 (the 21st value is left over): 0..10 and 10..20.
        let ids: Vec<u32> = (0..=20).collect();
        let streams = Streams::new(&ids, 2, 0);
        let windows: Vec<Window> = streams.windows(4, LastBatch::Keep).collect();
        assert_eq!(windows.len(), 3, "9 predictions per stream: 4 + 4 + 1");
        assert_eq!(windows[0].inputs, [0, 1, 2, 3, 10, 11, 12, 13]);
        assert_eq!(windows[0].targets, [1, 2, 3, 4, 11, 12, 13, 14]);
        assert_eq!(windows[1].inputs, [4, 5, 6, 7, 14, 15, 16, 17]);
        assert_eq!(
            (windows[2].len, windows[2].inputs.clone()),
            (1, vec![8, 18])
        );
        assert_eq!(windows[2].targets, [9, 19]);
        assert_eq!(streams.windows(4, LastBatch::Drop).count(), 2);
    }

    #[test]
    fn an_offset_shifts_where_the_streams_start() {
        let ids: Vec<u32> = (0..10).collect();
        let w = Streams::new(&ids, 2, 3).window(0, 2);
        assert_eq!(w.inputs, [3, 4, 6, 7]);
    }

    #[test]
    fn names_are_padded_with_the_end_mark_and_only_their_own_positions_scored() {
        let batch = name_batch(&[&[5, 6, 7], &[8]], 0);
        assert_eq!(batch.window.len, 4);
        assert_eq!(batch.window.inputs, [0, 5, 6, 7, 0, 8, 0, 0]);
        assert_eq!(batch.window.targets, [5, 6, 7, 0, 8, 0, 0, 0]);
        assert_eq!(batch.scored, [0, 1, 2, 3, 4, 5]);
        assert_eq!(batch.scored_targets(), [5, 6, 7, 0, 8, 0]);
    }

    proptest! {
        #[test]
        fn the_windows_of_a_pass_predict_each_streamed_character_once(
            len in 2usize..400, batch in 1usize..8, seq_len in 1usize..20,
        ) {
            prop_assume!(len / batch >= 2);
            let ids: Vec<u32> = (0..len as u32).collect();
            let streams = Streams::new(&ids, batch, 0);
            let mut predicted: Vec<u32> = streams
                .windows(seq_len, LastBatch::Keep)
                .flat_map(|w| {
                    for (i, t) in w.inputs.iter().zip(&w.targets) {
                        assert_eq!(i + 1, *t, "a target is the character after its input");
                    }
                    w.targets
                })
                .collect();
            predicted.sort_unstable();
            let per = len / batch;
            let want: Vec<u32> = (0..batch)
                .flat_map(|b| (b * per + 1..(b + 1) * per).map(|i| i as u32))
                .collect();
            prop_assert_eq!(predicted, want);
        }
    }
}
