// Exercise 3 of chapter 7: sampling with a temperature. Its tests:
// `cargo exercises test sample`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use rand::Rng;

// ANCHOR: sample
/// Draws a character id from `logits` (one unnormalised log-probability per character) at
/// `temperature` τ: character `i` with probability `exp(logitᵢ/τ) / Σⱼ exp(logitⱼ/τ)`.
/// τ = 1 samples the model's own distribution, τ < 1 sharpens it, τ > 1 flattens it.
pub fn sample(logits: &[f32], temperature: f32, rng: &mut impl Rng) -> u32 {
    // TODO: turn logits / temperature into probabilities (mind exp's overflow), draw one
    // uniform number with rng.random::<f64>(), and return the index where the running sum
    // of probabilities first passes it.
    todo!("sample: draw an index with probability softmax(logits / temperature)")
}
// ANCHOR_END: sample
