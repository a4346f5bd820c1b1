use rand::Rng;

// ANCHOR: sample
/// Draws a character id from `logits` (one unnormalised log-probability per character) at
/// `temperature` τ: character `i` with probability `exp(logitᵢ/τ) / Σⱼ exp(logitⱼ/τ)`.
/// τ = 1 samples the model's own distribution, τ < 1 sharpens it, τ > 1 flattens it.
pub fn sample(logits: &[f32], temperature: f32, rng: &mut impl Rng) -> u32 {
    // Subtracting the largest logit changes no ratio and keeps exp() from overflowing.
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let weights: Vec<f64> = logits
        .iter()
        .map(|&l| (f64::from(l - max) / f64::from(temperature)).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    // Walk the cumulative distribution until it passes a uniform draw.
    let mut u = rng.random::<f64>() * total;
    for (i, &w) in weights.iter().enumerate() {
        if u < w {
            return i as u32;
        }
        u -= w;
    }
    // Rounding can leave u a hair above the last weight: that draw belongs to the last
    // character that has any probability.
    weights
        .iter()
        .rposition(|&w| w > 0.0)
        .expect("the largest weight is 1") as u32
}
// ANCHOR_END: sample
