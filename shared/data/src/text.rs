//! Text for character-level language models: a vocabulary, a corpus split into training and
//! validation tokens, and word lists for makemore-style name models.
//!
//! The vocabulary is the **sorted** set of distinct characters (Unicode scalar values), so a
//! character's id depends only on which characters the text has, not where they first occur.
//! It is built from the whole corpus, validation part included: it is the alphabet, not
//! something learnt, and a validation character the model cannot even name would make the
//! validation loss undefined.

use crate::{read_bytes, DataError};
use std::path::Path;

/// The characters a model reads and writes; a character's id is its rank in sorted order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocab {
    /// The distinct characters, sorted; `chars[id]` is the character with that id.
    chars: Vec<char>,
}

impl Vocab {
    /// The vocabulary of every distinct character in `text`.
    pub fn from_text(text: &str) -> Vocab {
        let mut chars: Vec<char> = text.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        Vocab { chars }
    }

    /// Number of distinct characters: the size of a model's input and output layers.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// True for the vocabulary of an empty text.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The characters in id order.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// The id of `c`, if the vocabulary has it.
    pub fn id(&self, c: char) -> Option<u32> {
        // Sorted, so a binary search finds it: ~6 comparisons for Shakespeare's 65 characters.
        self.chars.binary_search(&c).ok().map(|i| i as u32)
    }

    /// The character with id `id`, if there is one.
    pub fn char(&self, id: u32) -> Option<char> {
        self.chars.get(id as usize).copied()
    }

    /// The ids of the characters of `text`, one per character.
    ///
    /// # Errors
    /// [`DataError::UnknownChar`] for the first character the vocabulary lacks (a prompt typed
    /// by the user may have one).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, DataError> {
        text.chars()
            .map(|ch| {
                self.id(ch).ok_or(DataError::UnknownChar {
                    ch,
                    size: self.len(),
                })
            })
            .collect()
    }

    /// The text whose character ids are `ids`.
    ///
    /// # Panics
    /// If an id is `>= len()`: ids come from [`Vocab::encode`] or from a model whose output
    /// layer has `len()` units, so a larger one is a bug.
    #[track_caller]
    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter()
            .map(|&id| {
                self.char(id).unwrap_or_else(|| {
                    panic!(
                        "id {id} is outside the vocabulary of {} characters",
                        self.len()
                    )
                })
            })
            .collect()
    }
}

/// A text as token ids: the first part to train on, the last part to validate on.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    /// The characters of the whole text.
    pub vocab: Vocab,
    /// The first `1 - valid_fraction` of the text, as ids.
    pub train: Vec<u32>,
    /// The last `valid_fraction` of the text, as ids.
    pub valid: Vec<u32>,
}

/// Reads a UTF-8 text file and splits it into the first `1 - valid_fraction` for training and
/// the last `valid_fraction` for validation (by characters, rounded; training keeps at least
/// one character).
///
/// A contiguous split, not a shuffled one: shuffled characters would leak the context of
/// every validation character into training.
///
/// # Errors
/// The file is missing, not UTF-8, or empty.
///
/// # Panics
/// If `valid_fraction` is not in `[0, 1)`: a flag's value should have been checked by then.
#[track_caller]
pub fn load_corpus(path: &Path, valid_fraction: f64) -> Result<Corpus, DataError> {
    parse_corpus(&read_bytes(path)?, path, valid_fraction)
}

/// [`load_corpus`] on the bytes of a text file; `path` is only for messages.
///
/// # Errors
/// As [`load_corpus`].
///
/// # Panics
/// As [`load_corpus`].
#[track_caller]
pub fn parse_corpus(bytes: &[u8], path: &Path, valid_fraction: f64) -> Result<Corpus, DataError> {
    assert!(
        (0.0..1.0).contains(&valid_fraction),
        "valid_fraction must be in [0, 1), got {valid_fraction}"
    );
    let text = utf8(bytes, path)?;
    if text.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            what: "text",
        });
    }
    let vocab = Vocab::from_text(text);
    let mut train = vocab
        .encode(text)
        .expect("the vocabulary holds every character of its text");
    let n_valid = ((train.len() as f64 * valid_fraction).round() as usize).min(train.len() - 1);
    let valid = train.split_off(train.len() - n_valid);
    Ok(Corpus {
        vocab,
        train,
        valid,
    })
}

/// Reads a list of words, one a line (such as `names.txt`), trimmed, skipping blank lines.
///
/// # Errors
/// The file is missing, not UTF-8, or holds no words.
pub fn load_words(path: &Path) -> Result<Vec<String>, DataError> {
    parse_words(&read_bytes(path)?, path)
}

/// [`load_words`] on the bytes of a text file; `path` is only for messages.
///
/// # Errors
/// As [`load_words`].
pub fn parse_words(bytes: &[u8], path: &Path) -> Result<Vec<String>, DataError> {
    let words: Vec<String> = utf8(bytes, path)?
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if words.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            what: "words",
        });
    }
    Ok(words)
}

/// The bytes of a file as UTF-8 text.
fn utf8<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, DataError> {
    std::str::from_utf8(bytes).map_err(|e| DataError::Corrupt {
        path: path.to_path_buf(),
        reason: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::PathBuf;

    fn text_file(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corpus.txt");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn the_vocabulary_is_the_sorted_distinct_characters() {
        let v = Vocab::from_text("hello, world");
        assert_eq!(v.chars(), [' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
        assert_eq!(
            (v.len(), v.id('h'), v.id('z'), v.char(0)),
            (9, Some(4), None, Some(' '))
        );
    }

    #[test]
    fn encode_then_decode_gives_the_text_back() {
        let v = Vocab::from_text("to be or not to be");
        let ids = v.encode("not to be").unwrap();
        assert_eq!(v.decode(&ids), "not to be");
    }

    #[test]
    fn encoding_an_unknown_character_names_it() {
        let err = Vocab::from_text("abc").encode("abz").unwrap_err();
        println!("{err}");
        assert!(
            err.to_string()
                .contains("character 'z' is not in the vocabulary (3"),
            "{err}"
        );
    }

    #[test]
    #[should_panic(expected = "id 3 is outside the vocabulary of 3 characters")]
    fn decoding_an_id_beyond_the_vocabulary_is_a_bug() {
        Vocab::from_text("abc").decode(&[0, 3]);
    }

    #[test]
    fn a_corpus_splits_into_a_first_and_a_last_part() {
        let (_dir, path) = text_file(b"abcdefghij");
        let c = load_corpus(&path, 0.2).unwrap();
        assert_eq!(c.vocab.decode(&c.train), "abcdefgh");
        assert_eq!(c.vocab.decode(&c.valid), "ij");
        let all = load_corpus(&path, 0.0).unwrap();
        assert_eq!((all.train.len(), all.valid.len()), (10, 0));
    }

    #[test]
    fn a_tiny_corpus_keeps_one_training_character() {
        let (_dir, path) = text_file(b"ab");
        let c = load_corpus(&path, 0.9).unwrap();
        assert_eq!((c.train.len(), c.valid.len()), (1, 1));
    }

    #[test]
    fn unicode_text_is_split_by_characters() {
        let (_dir, path) = text_file("ÆØÅæøå".as_bytes());
        let c = load_corpus(&path, 0.5).unwrap();
        assert_eq!(c.vocab.decode(&c.valid), "æøå");
    }

    #[test]
    fn an_empty_corpus_is_an_error_naming_the_file() {
        let (_dir, path) = text_file(b"");
        let err = load_corpus(&path, 0.1).unwrap_err();
        println!("{err}");
        assert!(
            err.to_string().contains("corpus.txt: holds no text"),
            "{err}"
        );
    }

    #[test]
    fn a_file_that_is_not_utf8_is_an_error() {
        let (_dir, path) = text_file(b"ok\xff\xfe");
        let err = load_corpus(&path, 0.1).unwrap_err();
        println!("{err}");
        assert!(
            err.to_string()
                .contains("not UTF-8 text (invalid byte at offset 2)"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_corpus_says_how_to_get_it_back() {
        let err = load_corpus(Path::new("/no/tinyshakespeare.txt"), 0.1).unwrap_err();
        assert!(
            err.to_string()
                .contains("/no/tinyshakespeare.txt: file not found"),
            "{err}"
        );
    }

    #[test]
    fn words_are_trimmed_lines_without_blanks() {
        let (_dir, path) = text_file(b"emma\r\n olivia \n\n\nava\n");
        assert_eq!(load_words(&path).unwrap(), ["emma", "olivia", "ava"]);
    }

    #[test]
    fn a_word_list_of_blank_lines_is_empty() {
        let (_dir, path) = text_file(b"\n \n");
        let err = load_words(&path).unwrap_err();
        assert!(err.to_string().contains("holds no words"), "{err}");
    }

    proptest! {
        #[test]
        fn any_text_round_trips_through_its_vocabulary(text in ".*") {
            let v = Vocab::from_text(&text);
            prop_assert_eq!(v.decode(&v.encode(&text).unwrap()), text);
        }
    }
}
