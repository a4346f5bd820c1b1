//! A text to learn from: a UTF-8 file as character ids, split by position.
//!
//! The first 90% of the characters train the model and the last 10% validate it. A
//! contiguous split, never a shuffled one: shuffled characters (or lines) would put the
//! neighbours of every validation character into training, and the validation loss would
//! measure memory rather than prediction.

use data::text::Vocab;
use std::path::{Path, PathBuf};

/// The share of a text kept at its end for validation.
pub const VALID_FRACTION: f64 = 0.1;

/// Why a text (or word list) cannot be trained on. Every message names the file and says
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// No file at that path.
    #[error(
        "{path}: file not found; give the path of a UTF-8 text file (for the committed \
         datasets, `git checkout -- data/` restores them)"
    )]
    Missing { path: PathBuf },

    /// The operating system could not read it (a folder, no permission, a disk error).
    #[error("{path}: cannot read the file: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Bytes that are not UTF-8 (a binary file, or text saved in another encoding).
    #[error(
        "{path}: not UTF-8 text (the first invalid byte is at offset {offset}); save the \
         text as UTF-8, or pick a text file"
    )]
    NotUtf8 { path: PathBuf, offset: usize },

    /// Nothing in it.
    #[error("{path}: the file is empty; give a text with something in it to learn from")]
    Empty { path: PathBuf },

    /// Too little to make a few training and validation sequences from.
    #[error(
        "{path}: holds only {chars} characters, too short to train on: a model reading \
         {batch} sequences of {seq_len} characters at a time needs at least {need}, so that \
         the first 90% (training) holds two such windows; give a longer text (or a smaller \
         batch or sequence length)"
    )]
    TooShort {
        path: PathBuf,
        chars: usize,
        batch: usize,
        seq_len: usize,
        need: usize,
    },

    /// A word list with too few words to give each of its three splits one.
    #[error(
        "{path}: holds only {words} words; a word list needs at least {need}, so that the \
         training, validation and test splits each get some"
    )]
    TooFewWords {
        path: PathBuf,
        words: usize,
        need: usize,
    },

    /// A word list whose words use the character that marks the end of a word.
    #[error(
        "{path}, line {line}: the word {word:?} holds `{mark}`, the character that marks \
         the end of a word; remove it from the list"
    )]
    HoldsEndMark {
        path: PathBuf,
        line: usize,
        word: String,
        mark: char,
    },
}

/// A text as character ids: its vocabulary, the first 90% and the last 10%.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// The file it was read from.
    pub path: PathBuf,
    /// Every distinct character of the whole text, sorted (see [`Vocab`]).
    pub vocab: Vocab,
    /// The first 90% of the characters, as ids.
    pub train: Vec<u32>,
    /// The last 10% of the characters, as ids.
    pub valid: Vec<u32>,
}

impl Text {
    /// The whole text as ids, training part first: validation characters are scored with
    /// the training characters just before them as their context.
    pub fn all(&self) -> Vec<u32> {
        [self.train.as_slice(), &self.valid].concat()
    }
}

/// The fewest characters a text needs for a model that reads `batch` sequences of
/// `seq_len` characters at a time: two such windows (each with the one character it
/// predicts beyond) in the first 90%, and at least 32 characters in the last 10%.
pub fn min_chars(batch: usize, seq_len: usize) -> usize {
    let train = 2 * batch * (seq_len + 1);
    (train * 10).div_ceil(9).max(320)
}

/// Reads a UTF-8 text file and splits it by position: the first 90% of its characters to
/// train, the last 10% to validate.
///
/// # Errors
/// A [`TextError`] naming the file if it is missing, unreadable, not UTF-8, empty, or
/// holds fewer than [`min_chars`]`(batch, seq_len)` characters.
pub fn load_text(path: &Path, batch: usize, seq_len: usize) -> Result<Text, TextError> {
    let text = read_utf8(path)?;
    if text.is_empty() {
        return Err(TextError::Empty {
            path: path.to_path_buf(),
        });
    }
    let chars = text.chars().count();
    let need = min_chars(batch, seq_len);
    if chars < need {
        return Err(TextError::TooShort {
            path: path.to_path_buf(),
            chars,
            batch,
            seq_len,
            need,
        });
    }
    let vocab = Vocab::from_text(&text);
    let mut train = vocab
        .encode(&text)
        .expect("the vocabulary holds every character of its own text");
    let valid = train.split_off(split_point(chars));
    Ok(Text {
        path: path.to_path_buf(),
        vocab,
        train,
        valid,
    })
}

/// Where the validation part starts in a text of `chars` characters.
fn split_point(chars: usize) -> usize {
    chars - (chars as f64 * VALID_FRACTION).round() as usize
}

/// The file's contents as a string, or an error naming it.
pub(crate) fn read_utf8(path: &Path) -> Result<String, TextError> {
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => TextError::Missing {
            path: path.to_path_buf(),
        },
        _ => TextError::Io {
            path: path.to_path_buf(),
            source,
        },
    })?;
    String::from_utf8(bytes).map_err(|e| TextError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("my text.txt");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn the_first_ninety_percent_trains_and_the_last_ten_validates() {
        let text: String = (0..1000).map(|i| ['a', 'b', 'c', 'd'][i % 4]).collect();
        let (_dir, path) = file(text.as_bytes());
        let t = load_text(&path, 4, 8).unwrap();
        assert_eq!((t.train.len(), t.valid.len()), (900, 100));
        assert_eq!(t.vocab.decode(&t.all()), text);
        assert_eq!(t.vocab.decode(&t.valid), &text[900..]);
    }

    #[test]
    fn the_split_counts_characters_not_bytes() {
        let text = "ÆØÅæøå".repeat(60); // 360 characters, 720 bytes
        let (_dir, path) = file(text.as_bytes());
        let t = load_text(&path, 2, 2).unwrap();
        assert_eq!((t.train.len(), t.valid.len()), (324, 36));
        assert_eq!(t.vocab.len(), 6);
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = load_text(Path::new("/nowhere/corpus.txt"), 4, 8).unwrap_err();
        println!("{err}");
        assert!(err
            .to_string()
            .starts_with("/nowhere/corpus.txt: file not found"));
    }

    #[test]
    fn an_empty_file_is_named() {
        let (_dir, path) = file(b"");
        let err = load_text(&path, 4, 8).unwrap_err().to_string();
        println!("{err}");
        assert!(err.contains("my text.txt: the file is empty"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_utf8_says_where() {
        let (_dir, path) = file(b"fine so far \xff\xfe and then not");
        let err = load_text(&path, 4, 8).unwrap_err().to_string();
        println!("{err}");
        assert!(
            err.contains("my text.txt: not UTF-8 text (the first invalid byte is at offset 12)"),
            "{err}"
        );
    }

    #[test]
    fn a_text_too_short_for_a_few_sequences_says_how_long_it_must_be() {
        let (_dir, path) = file("to be or not to be".as_bytes());
        let err = load_text(&path, 32, 64).unwrap_err().to_string();
        println!("{err}");
        assert!(
            err.contains("my text.txt: holds only 18 characters")
                && err.contains("32 sequences of 64 characters at a time needs at least 4623"),
            "{err}"
        );
        assert_eq!(min_chars(1, 1), 320);
    }
}
