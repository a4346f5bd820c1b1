//! Making text: drawing the next character at a temperature, and checking a prompt.
//!
//! [`sample`] is the same function as chapter 7's exercise of that name (07-rnn runs its
//! own, the learner's or the reference solution); it is kept here, tested, for the chapters
//! after it (08-lstm, 09-transformer), whose lesson it is not.

use data::text::Vocab;
use rand::Rng;

/// Draws a character id from `logits` (one unnormalised log-probability per character) at
/// `temperature` τ: character `i` is drawn with probability `exp(logitᵢ/τ) / Σⱼ exp(logitⱼ/τ)`.
/// τ = 1 samples the model's own distribution; below 1 it sharpens it toward the likeliest
/// characters (safer, more repetitive text), above 1 it flattens it (more surprising, more
/// mistakes).
///
/// # Panics
/// If `logits` is empty or `temperature` is not positive and finite: the caller checks its
/// flags first.
#[track_caller]
pub fn sample(logits: &[f32], temperature: f32, rng: &mut impl Rng) -> u32 {
    assert!(!logits.is_empty(), "sample: no logits");
    assert!(
        temperature.is_finite() && temperature > 0.0,
        "sample: the temperature must be positive, got {temperature}"
    );
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

/// A prompt the model cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    /// Nothing to start from.
    #[error("the prompt is empty; give at least one character to start the text from")]
    Empty,
    /// Characters the model never saw in training have no id, so no input to give it.
    #[error(
        "the prompt holds {} the model never saw in training: {}; it knows only these {} \
         characters: {}",
        if .unknown.len() == 1 { "a character" } else { "characters" },
        quoted(.unknown),
        .known.len(),
        quoted(.known)
    )]
    Unknown {
        unknown: Vec<char>,
        known: Vec<char>,
    },
}

fn quoted(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| format!("{:?}", c))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The ids of `prompt`'s characters.
///
/// # Errors
/// [`PromptError::Empty`] for an empty prompt; [`PromptError::Unknown`] naming every
/// character of the prompt that is not in `vocab` (each once, in order of appearance).
pub fn encode_prompt(vocab: &Vocab, prompt: &str) -> Result<Vec<u32>, PromptError> {
    if prompt.is_empty() {
        return Err(PromptError::Empty);
    }
    let mut unknown: Vec<char> = Vec::new();
    for c in prompt.chars() {
        if vocab.id(c).is_none() && !unknown.contains(&c) {
            unknown.push(c);
        }
    }
    if !unknown.is_empty() {
        return Err(PromptError::Unknown {
            unknown,
            known: vocab.chars().to_vec(),
        });
    }
    Ok(vocab.encode(prompt).expect("every character was checked"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn frequencies(logits: &[f32], temperature: f32) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 40_000;
        let mut counts = vec![0usize; logits.len()];
        for _ in 0..n {
            counts[sample(logits, temperature, &mut rng) as usize] += 1;
        }
        counts.iter().map(|&c| c as f64 / n as f64).collect()
    }

    #[test]
    fn at_temperature_one_draws_follow_the_softmax() {
        let logits = [0.0f32, 1.0, 2.0];
        let z: f64 = logits.iter().map(|&l| f64::from(l).exp()).sum();
        for (f, &l) in frequencies(&logits, 1.0).iter().zip(&logits) {
            let p = f64::from(l).exp() / z;
            assert!((f - p).abs() < 0.01, "frequency {f}, probability {p}");
        }
    }

    #[test]
    fn a_low_temperature_picks_the_likeliest_and_a_high_one_flattens() {
        let logits = [0.0f32, 1.0, 2.0];
        assert!(frequencies(&logits, 0.05)[2] > 0.999);
        let hot = frequencies(&logits, 100.0);
        assert!(hot.iter().all(|&f| (f - 1.0 / 3.0).abs() < 0.02), "{hot:?}");
    }

    #[test]
    fn huge_logits_do_not_overflow() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(sample(&[1000.0, -1000.0], 1.0, &mut rng), 0);
    }

    #[test]
    fn a_prompt_is_encoded_and_its_unknown_characters_named() {
        let vocab = Vocab::from_text("ROMEO: \n");
        assert_eq!(encode_prompt(&vocab, "ROME").unwrap().len(), 4);
        let err = encode_prompt(&vocab, "Roméo é!").unwrap_err().to_string();
        println!("{err}");
        assert!(
            err.contains("characters the model never saw in training: 'o' 'm' 'é' '!'"),
            "{err}"
        );
        assert!(
            err.contains("these 7 characters: '\\n' ' ' ':' 'E' 'M' 'O' 'R'"),
            "{err}"
        );
        assert_eq!(encode_prompt(&vocab, ""), Err(PromptError::Empty));
    }
}
