//! Text corpora and word lists: `data::text::parse_corpus` and `parse_words`, which the
//! character-level language models read tinyshakespeare and names.txt with.

use super::{outcome, read_data, Outcome, Target};
use crate::mutate::havoc;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

pub struct Text {
    seeds: Vec<Vec<u8>>,
}

/// Bytes kept from the start of each committed text for a seed.
const BYTES_PER_SEED: usize = 2048;

/// Characters and byte sequences that text handling gets wrong: multi-byte characters,
/// a byte-order mark, NUL, line ends, and sequences that are not UTF-8 at all.
const SNIPPETS: [&[u8]; 16] = [
    "é".as_bytes(),
    "€".as_bytes(),
    "😀".as_bytes(),
    "\u{feff}".as_bytes(),
    "\u{10ffff}".as_bytes(),
    "e\u{301}".as_bytes(), // e and a combining accent
    b"\0",
    b"\r\n",
    b"\r",
    b"\n\n\n",
    b"  \t ",
    b"\xff",
    b"\xc0\x80",     // an overlong NUL
    b"\x80",         // a lone continuation byte
    b"\xe2\x82",     // a cut-off three-byte sequence
    b"\xed\xa0\x80", // a UTF-16 surrogate
];

impl Text {
    /// Seeds: the start of tinyshakespeare and of names.txt, and a few lines of both.
    pub fn new() -> anyhow::Result<Text> {
        let mut seeds = Vec::new();
        for file in ["text/tinyshakespeare.txt", "text/names.txt"] {
            let text = read_data(file)?;
            // Cut at a line end, so that the seed itself is valid UTF-8.
            let cut = text[..BYTES_PER_SEED]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(BYTES_PER_SEED, |i| i + 1);
            seeds.push(text[..cut].to_vec());
        }
        seeds.push(b"emma\nolivia\nava\n".to_vec());
        seeds.push("ÆØÅ æøå\nfirst citizen:\n".as_bytes().to_vec());
        Ok(Text { seeds })
    }
}

impl Target for Text {
    fn name(&self) -> &'static str {
        "text"
    }

    fn describe(&self) -> &'static str {
        "text corpora and word lists (data::text::parse_corpus, parse_words)"
    }

    fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    fn mutate(&self, seed: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
        let mut data = self.seeds[seed].clone();
        if rng.random_bool(0.5) {
            for _ in 0..rng.random_range(1..=3) {
                let snippet = SNIPPETS[rng.random_range(0..SNIPPETS.len())];
                let at = rng.random_range(0..=data.len());
                if rng.random_bool(0.2) {
                    data.truncate(at); // the snippet at the very end
                    data.extend_from_slice(snippet);
                } else {
                    data.splice(at..at, snippet.iter().copied());
                }
            }
        }
        if rng.random_bool(0.5) {
            havoc(&mut data, rng, &self.seeds);
        }
        data
    }

    fn run(&self, input: &[u8]) -> Vec<Outcome> {
        let path = Path::new("fuzz/input.txt");
        let mut outcomes = Vec::new();
        for valid_fraction in [0.0, 0.1, 0.9] {
            let corpus = data::text::parse_corpus(input, path, valid_fraction);
            if let Ok(c) = &corpus {
                // Nothing lost or reordered: the two parts decode back to the file.
                let text = std::str::from_utf8(input).expect("accepted text is UTF-8");
                let whole = c.vocab.decode(&c.train) + &c.vocab.decode(&c.valid);
                assert_eq!(whole, text, "the split does not give the text back");
                assert!(!c.train.is_empty(), "no training characters");
                assert!(c.vocab.chars().windows(2).all(|w| w[0] < w[1]));
            }
            if valid_fraction == 0.1 {
                outcomes.push(outcome("corpus", &corpus));
            }
        }
        let words = data::text::parse_words(input, path);
        if let Ok(words) = &words {
            assert!(!words.is_empty(), "accepted a list of no words");
            assert!(
                words.iter().all(|w| !w.is_empty() && w.trim() == w),
                "a blank or untrimmed word"
            );
        }
        outcomes.push(outcome("words", &words));
        outcomes
    }
}
