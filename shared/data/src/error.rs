//! Everything that can be wrong with a data file, as one enum.
//!
//! Each message names the file (and the line or column where there is one) and says how to
//! fix it, because the person reading it is a learner who ran `cargo run` and expected it to
//! train. A binary shows it with `anyhow` and exits with status 1.

use std::path::PathBuf;

/// How to get a good copy back: the datasets are committed, so git has them.
const RESTORE: &str = "restore it with `git checkout -- data/`, \
                       or pass --data-dir (or set SMALLNETS_DATA_DIR) to a good copy";

/// A data file is missing, unreadable or not what it should be.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file does not exist.
    #[error("{path}: file not found; {RESTORE}")]
    MissingFile {
        /// The file that was looked for.
        path: PathBuf,
    },

    /// An MNIST-format folder lacks one of its four files, in both its gzipped and raw form.
    #[error(
        "{dir}: found neither `{name}.gz` nor `{name}`. An MNIST-format folder holds four \
         IDX files, each gzipped or not: train-images-idx3-ubyte, train-labels-idx1-ubyte, \
         t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (--data-dir may name that folder \
         or one with a `mnist/` subfolder holding them); {RESTORE}"
    )]
    MissingIdxFile {
        /// The folder that was searched.
        dir: PathBuf,
        /// The file name without `.gz`.
        name: String,
    },

    /// The operating system could not read the file (permissions, a folder, a disk error).
    #[error("{path}: cannot read the file: {source}")]
    Io {
        /// The file being read.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The first four bytes of an IDX file are not the expected magic number.
    #[error(
        "{path}: expected an IDX {} file (magic {expected}), found {found}{}",
        idx_kind(*.expected),
        magic_hint(*.expected, *.found)
    )]
    BadMagic {
        /// The file being read.
        path: PathBuf,
        /// 2051 for images, 2049 for labels.
        expected: u32,
        /// What the file starts with.
        found: u32,
    },

    /// The file ends before the data its header promises.
    #[error(
        "{path}: the file is cut short: going by its header it should hold {expected} bytes \
         (uncompressed) but holds {found}; it is damaged or was not fully copied: {RESTORE}"
    )]
    Truncated {
        /// The file being read.
        path: PathBuf,
        /// Bytes the header (or the format) calls for.
        expected: usize,
        /// Bytes actually there (after decompression).
        found: usize,
    },

    /// The file is damaged in some other way (bad gzip stream, bytes left over, not UTF-8).
    #[error("{path}: {reason}; {RESTORE}")]
    Corrupt {
        /// The file being read.
        path: PathBuf,
        /// What is wrong, in words.
        reason: String,
    },

    /// An image file and its label file disagree on how many examples there are.
    #[error(
        "{images} holds {n_images} images but {labels} holds {n_labels} labels; the two files \
         must come from the same split (train-* with train-*, t10k-* with t10k-*); {RESTORE}"
    )]
    CountMismatch {
        /// The images file.
        images: PathBuf,
        /// The labels file.
        labels: PathBuf,
        /// Number of images in `images`.
        n_images: usize,
        /// Number of labels in `labels`.
        n_labels: usize,
    },

    /// Training and test images have different sizes.
    #[error(
        "{train} holds {}x{} images but {test} holds {}x{} images; training and test images \
         must have the same size; {RESTORE}",
        .train_size.0, .train_size.1, .test_size.0, .test_size.1
    )]
    ImageSizeMismatch {
        /// The training images file.
        train: PathBuf,
        /// The test images file.
        test: PathBuf,
        /// `(rows, cols)` of a training image.
        train_size: (usize, usize),
        /// `(rows, cols)` of a test image.
        test_size: (usize, usize),
    },

    /// A label names a class the training labels do not have.
    #[error(
        "{path}: label {label} (example {index}, counting from 0) is out of range: the training \
         labels name {classes} classes, 0 to {}, so every label must be below {classes}; \
         {RESTORE}",
        .classes.saturating_sub(1)
    )]
    LabelOutOfRange {
        /// The labels file.
        path: PathBuf,
        /// Position of the bad label.
        index: usize,
        /// The bad label.
        label: usize,
        /// Number of classes (largest training label + 1).
        classes: usize,
    },

    /// The file parses but holds no examples.
    #[error("{path}: holds no {what}; {RESTORE}")]
    Empty {
        /// The file being read.
        path: PathBuf,
        /// What was expected: "images", "labels", "text", "words", "data rows".
        what: &'static str,
    },

    /// A CSV file has no column of that name.
    #[error("{path}: no column named `{column}`; the columns are: {}", .available.join(", "))]
    MissingColumn {
        /// The CSV file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The header of the file, in file order.
        available: Vec<String>,
    },

    /// A CSV cell that should hold a number holds something else.
    #[error(
        "{path}, line {line}, column `{column}`: expected a finite number, found \
         `{text}`; correct the cell, or {RESTORE}"
    )]
    BadNumber {
        /// The CSV file.
        path: PathBuf,
        /// Line in the file as an editor shows it: the header is line 1.
        line: u64,
        /// The column's name.
        column: String,
        /// The cell's text.
        text: String,
    },

    /// A CSV cell is empty where a value is needed.
    #[error(
        "{path}, line {line}, column `{column}`: the cell is empty; \
         every row needs a value: fill it in, or {RESTORE}"
    )]
    EmptyCell {
        /// The CSV file.
        path: PathBuf,
        /// Line in the file as an editor shows it: the header is line 1.
        line: u64,
        /// The column's name.
        column: String,
    },

    /// The file is not well-formed CSV (rows of different lengths, bad quoting, not UTF-8).
    #[error("{path}: cannot parse as CSV: {source}; {RESTORE}")]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// What the `csv` crate said, with the line.
        source: csv::Error,
    },

    /// Text to encode holds a character the vocabulary does not.
    #[error(
        "character {ch:?} is not in the vocabulary ({size} characters, taken from the corpus); \
         use only characters that the corpus contains"
    )]
    UnknownChar {
        /// The character.
        ch: char,
        /// How many characters the vocabulary has.
        size: usize,
    },
}

/// "image" or "label", from the magic number the reader expected.
fn idx_kind(expected: u32) -> &'static str {
    if expected == crate::idx::IMAGES_MAGIC {
        "image"
    } else {
        "label"
    }
}

/// The likely mistake behind a wrong magic number.
fn magic_hint(expected: u32, found: u32) -> String {
    use crate::idx::{IMAGES_MAGIC, LABELS_MAGIC};
    match (expected, found) {
        (IMAGES_MAGIC, LABELS_MAGIC) => ": did you pass the labels file?".to_string(),
        (LABELS_MAGIC, IMAGES_MAGIC) => ": did you pass the images file?".to_string(),
        // An IDX magic is 0, 0, a type byte, a dimension count (see idx.rs).
        _ => match crate::idx::type_name((found >> 8) as u8) {
            Some(values) if found >> 16 == 0 => format!(
                " (an IDX file of {values} values in {} dimensions); smallnets reads u8 images \
                 in 3 dimensions and u8 labels in 1",
                found & 0xff
            ),
            _ => format!(": this is not an IDX file, or it is damaged; {RESTORE}"),
        },
    }
}
