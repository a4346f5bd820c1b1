//! Writing text with a trained model: one character at a time, each drawn from the model's
//! prediction (at a temperature, from the `k` likeliest), fed back in as the next input.
//!
//! With a key-value cache ([`cached_attention`](crate::cached_attention)) each new
//! character is one position's work; without it the whole context is read again for every
//! character. Both read the same windows of text and give the same characters: when the
//! text outgrows the context, the window restarts on its last half.

use rand::Rng;

use crate::model::{Dropout, Gpt};

/// How to draw each character.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// Below 1 sharper (safer), above 1 flatter (more surprising).
    pub temperature: f32,
    /// Draw only among the `k` likeliest characters (`None`: among all).
    pub top_k: Option<usize>,
    /// Keep the keys and values of earlier positions instead of recomputing them.
    pub cache: bool,
}

/// `logits` with everything below the `k`-th largest set to -∞ (probability 0).
pub fn keep_top_k(logits: &mut [f32], k: usize) {
    if k == 0 || k >= logits.len() {
        return;
    }
    let mut sorted = logits.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let kth = sorted[k - 1];
    for l in logits.iter_mut().filter(|l| **l < kth) {
        *l = f32::NEG_INFINITY;
    }
}

// ANCHOR: generate
/// `length` characters that follow `prompt` (ids, at least one).
///
/// # Panics
/// If `prompt` is empty.
pub fn generate(
    model: &Gpt,
    prompt: &[u32],
    length: usize,
    how: Sampling,
    rng: &mut impl Rng,
) -> Vec<u32> {
    assert!(!prompt.is_empty(), "generate: the prompt is empty");
    let context = model.config.context;
    tensor::no_grad(|| {
        let mut text = prompt.to_vec();
        let mut caches = model.new_caches();
        let mut start = 0; // the first character of the window the model reads
        let mut fed = 0; // characters whose keys and values the caches hold
        for _ in 0..length {
            if text.len() - start > context {
                // The window is full: start again on its last half (a cache of positions
                // that no longer exist cannot be shifted, so it is rebuilt).
                start = text.len() - context / 2;
                (caches, fed) = (model.new_caches(), start);
            }
            let logits = if how.cache {
                let new = &text[fed..];
                let position = fed - start;
                fed = text.len();
                model.forward(new, 1, position, Some(&mut caches), &mut Dropout::off())
            } else {
                model.forward(&text[start..], 1, 0, None, &mut Dropout::off())
            };
            let t = logits.shape()[1];
            let mut last = logits.narrow(1, t - 1, 1).to_vec(); // [1, 1, V]
            if let Some(k) = how.top_k {
                keep_top_k(&mut last, k);
            }
            text.push(charlm::sample::sample(&last, how.temperature, rng));
        }
        text.split_off(prompt.len())
    })
}
// ANCHOR_END: generate

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_keeps_the_k_largest_and_ties_with_the_kth() {
        let mut logits = [0.5, 3.0, -1.0, 2.0, 2.0, 0.0];
        keep_top_k(&mut logits, 2);
        let kept: Vec<bool> = logits.iter().map(|l| l.is_finite()).collect();
        assert_eq!(kept, [false, true, false, true, true, false], "{logits:?}");
        let mut all = [1.0, 2.0];
        keep_top_k(&mut all, 5);
        assert_eq!(all, [1.0, 2.0], "k above the vocabulary keeps everything");
    }
}
