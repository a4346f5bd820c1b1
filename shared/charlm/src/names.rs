//! A list of words (`names.txt`: 32,033 first names) to learn to make more of.
//!
//! Each name is a sequence of its own: a model reads the end mark `.` first (as "start"),
//! then predicts the name's characters one by one, and finally the mark again ("the name
//! ends here"). Predicting the end is part of the task (a model that never stops makes
//! endless names), so the loss counts it: a name of n letters is n + 1 predictions.
//!
//! The names are split 80/10/10 (train, validation, test) after a seeded shuffle: the
//! file is in order of popularity, and taking its last tenth as the test set would test on
//! only the rarest names.

use crate::text::{read_utf8, TextError};
use data::text::Vocab;
use rand::seq::SliceRandom;
use rand::Rng;
use std::path::{Path, PathBuf};

/// The character that ends every name (and starts it, as the first input).
pub const END: char = '.';

/// The fewest words a list may have: 10, so each split gets at least one.
pub const MIN_WORDS: usize = 10;

/// A word list as character ids, shuffled and split 80/10/10.
#[derive(Debug, Clone, PartialEq)]
pub struct Names {
    /// The file it was read from.
    pub path: PathBuf,
    /// The names' characters and the end mark (which sorts first, so its id is 0 for
    /// lowercase names).
    pub vocab: Vocab,
    /// 80% of the names, in shuffled order, without the end mark.
    pub train: Vec<Vec<u32>>,
    /// 10% of the names, to choose settings on.
    pub valid: Vec<Vec<u32>>,
    /// The last 10%, to report once.
    pub test: Vec<Vec<u32>>,
}

impl Names {
    /// The id of the end mark.
    pub fn end(&self) -> u32 {
        self.vocab
            .id(END)
            .expect("the vocabulary always holds the end mark")
    }

    /// The name with ids `ids` (without end marks) as text.
    pub fn decode(&self, ids: &[u32]) -> String {
        self.vocab.decode(ids)
    }
}

/// How many characters a model predicts for `names`: each name's letters and its end mark.
pub fn predicted_chars(names: &[Vec<u32>]) -> usize {
    names.iter().map(|n| n.len() + 1).sum()
}

/// Each name with the end mark put `pad` times in front (as the context before its first
/// letter) and once behind (as its last prediction): the form the n-gram baselines count.
pub fn padded(names: &[Vec<u32>], end: u32, pad: usize) -> Vec<Vec<u32>> {
    names
        .iter()
        .map(|name| {
            let mut ids = vec![end; pad];
            ids.extend_from_slice(name);
            ids.push(end);
            ids
        })
        .collect()
}

/// Reads a word list (one word a line, trimmed, blank lines skipped) and splits it 80/10/10
/// after shuffling it with `rng`.
///
/// # Errors
/// A [`TextError`] naming the file if it is missing, unreadable, not UTF-8, holds fewer
/// than [`MIN_WORDS`] words, or a word holds the end mark.
pub fn load_names(path: &Path, rng: &mut impl Rng) -> Result<Names, TextError> {
    let text = read_utf8(path)?;
    let mut words = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let word = line.trim();
        if word.contains(END) {
            return Err(TextError::HoldsEndMark {
                path: path.to_path_buf(),
                line: i + 1,
                word: word.to_owned(),
                mark: END,
            });
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    if words.len() < MIN_WORDS {
        return Err(TextError::TooFewWords {
            path: path.to_path_buf(),
            words: words.len(),
            need: MIN_WORDS,
        });
    }
    let vocab = Vocab::from_text(&(words.concat() + &END.to_string()));
    words.shuffle(rng);
    let n = words.len();
    let n_test = (n as f64 * 0.1).round() as usize;
    let n_valid = n_test;
    let encode = |ws: &[&str]| -> Vec<Vec<u32>> {
        ws.iter()
            .map(|w| vocab.encode(w).expect("the vocabulary holds every letter"))
            .collect()
    };
    let (train, rest) = words.split_at(n - n_valid - n_test);
    let (valid, test) = rest.split_at(n_valid);
    Ok(Names {
        path: path.to_path_buf(),
        train: encode(train),
        valid: encode(valid),
        test: encode(test),
        vocab,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("names.txt");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn twenty_names() -> String {
        (0..20)
            .map(|i| format!("name{}\n", (b'a' + i) as char))
            .collect()
    }

    #[test]
    fn names_split_80_10_10_and_every_name_lands_in_one_split() {
        let (_dir, path) = file(&twenty_names());
        let names = load_names(&path, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        assert_eq!(
            (names.train.len(), names.valid.len(), names.test.len()),
            (16, 2, 2)
        );
        let mut all: Vec<String> = [&names.train, &names.valid, &names.test]
            .into_iter()
            .flatten()
            .map(|n| names.decode(n))
            .collect();
        all.sort();
        let want: Vec<String> = twenty_names().lines().map(str::to_owned).collect();
        assert_eq!(all, want);
        assert_eq!(names.end(), 0, "`.` sorts before letters");
    }

    #[test]
    fn the_split_depends_on_the_seed_only() {
        let (_dir, path) = file(&twenty_names());
        let load = |seed| load_names(&path, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        assert_eq!(load(3), load(3));
        assert_ne!(load(3).test, load(4).test);
    }

    #[test]
    fn the_end_mark_counts_as_a_predicted_character() {
        assert_eq!(predicted_chars(&[vec![1, 2, 3], vec![4]]), 6);
        assert_eq!(padded(&[vec![5, 6]], 0, 2), vec![vec![0, 0, 5, 6, 0]]);
    }

    #[test]
    fn a_word_holding_the_end_mark_is_refused_with_its_line() {
        let (_dir, path) = file(&(twenty_names() + "dr.who\n"));
        let err = load_names(&path, &mut ChaCha8Rng::seed_from_u64(1))
            .unwrap_err()
            .to_string();
        println!("{err}");
        assert!(
            err.contains("names.txt, line 21: the word \"dr.who\""),
            "{err}"
        );
    }

    #[test]
    fn a_list_of_three_names_is_too_short() {
        let (_dir, path) = file("ann\nbob\n\ncid\n");
        let err = load_names(&path, &mut ChaCha8Rng::seed_from_u64(1))
            .unwrap_err()
            .to_string();
        println!("{err}");
        assert!(err.contains("names.txt: holds only 3 words"), "{err}");
    }
}
