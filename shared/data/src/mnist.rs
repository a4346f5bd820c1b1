//! MNIST and every dataset laid out like it: four IDX files (see [`crate::idx`]),
//!
//! ```text
//! train-images-idx3-ubyte[.gz]   train-labels-idx1-ubyte[.gz]
//! t10k-images-idx3-ubyte[.gz]    t10k-labels-idx1-ubyte[.gz]
//! ```
//!
//! each gzipped or not, with images of any size and labels `0..classes`. So `--data-dir` can
//! point at Fashion-MNIST, KMNIST or a dataset of your own in the same form.
//!
//! The number of classes is inferred as the largest training label + 1, and every test label
//! must be below it: a test class that training never saw is a mistake in the files.

use crate::{idx, DataError};
use ndarray::{s, Array2, Array3, ArrayView2, Axis};
use std::path::{Path, PathBuf};

/// File name (without `.gz`) of the training images.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// File name (without `.gz`) of the training labels.
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// File name (without `.gz`) of the test images.
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// File name (without `.gz`) of the test labels.
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// Images with one label each: `images[i]` shows class `labels[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSet {
    /// Pixels, `[n, rows, cols]`, 0 = background, 255 = ink (for MNIST).
    pub images: Array3<u8>,
    /// One class index per image, `n` of them.
    pub labels: Vec<u8>,
}

impl ImageSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True if there are no images (a loaded set never is; a `take(0)` is).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Height of each image in pixels.
    pub fn rows(&self) -> usize {
        self.images.len_of(Axis(1))
    }

    /// Width of each image in pixels.
    pub fn cols(&self) -> usize {
        self.images.len_of(Axis(2))
    }

    /// Image `i` as `[rows, cols]`.
    ///
    /// # Panics
    /// If `i >= len()`.
    #[track_caller]
    pub fn image(&self, i: usize) -> ArrayView2<'_, u8> {
        self.images.index_axis(Axis(0), i)
    }

    /// Every image flattened to one row and scaled to `[0, 1]`: `[n, rows * cols]`, ready to
    /// multiply by weights `[rows * cols, outputs]`.
    pub fn to_f32(&self) -> Array2<f32> {
        let (n, pixels) = (self.images.len_of(Axis(0)), self.rows() * self.cols());
        // iter() walks in logical (row-major) order whatever the memory layout.
        let values = self.images.iter().map(|&p| f32::from(p) / 255.0).collect();
        Array2::from_shape_vec((n, pixels), values).expect("n * rows * cols values")
    }

    /// The labels as `usize`, the type indices and [`crate::split`] use.
    pub fn labels_usize(&self) -> Vec<usize> {
        self.labels.iter().map(|&l| usize::from(l)).collect()
    }

    /// How many images each class has: `counts[c]` for `c` in `0..classes`.
    ///
    /// # Panics
    /// If a label is `>= classes`.
    #[track_caller]
    pub fn class_counts(&self, classes: usize) -> Vec<usize> {
        let mut counts = vec![0; classes];
        for &l in &self.labels {
            counts[usize::from(l)] += 1;
        }
        counts
    }

    /// The first `n` images (all of them if there are fewer): a quick subset for tests.
    pub fn take(&self, n: usize) -> ImageSet {
        let n = n.min(self.len());
        ImageSet {
            images: self.images.slice(s![..n, .., ..]).to_owned(),
            labels: self.labels[..n].to_vec(),
        }
    }

    /// The images at `indices`, in that order (repeats allowed): a batch or a split.
    ///
    /// # Panics
    /// If an index is `>= len()`.
    #[track_caller]
    pub fn select(&self, indices: &[usize]) -> ImageSet {
        ImageSet {
            images: self.images.select(Axis(0), indices),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }
}

/// An MNIST-format dataset: its training and test sets and how many classes they have.
#[derive(Debug, Clone, PartialEq)]
pub struct Mnist {
    /// The training images (60000 for MNIST).
    pub train: ImageSet,
    /// The test images (10000 for MNIST).
    pub test: ImageSet,
    /// Number of classes: the largest training label + 1 (10 for MNIST).
    pub classes: usize,
}

/// Loads the four IDX files of an MNIST-format dataset.
///
/// `dir` may hold the four files itself, or hold them in a `mnist/` subfolder, so both the
/// data root from [`crate::resolve_data_dir`] and a folder such as `~/fashion-mnist` work.
/// Each file may be gzipped (`.gz`, preferred when both exist) or raw.
///
/// # Errors
/// A file is missing ([`DataError::MissingIdxFile`]) or damaged (see [`idx::read_images`]),
/// images and labels disagree in count, training and test images differ in size, or a test
/// label is not a training class.
pub fn load(dir: &Path) -> Result<Mnist, DataError> {
    let dir = mnist_folder(dir);
    let train = load_split(&dir, TRAIN_IMAGES, TRAIN_LABELS)?;
    let test = load_split(&dir, TEST_IMAGES, TEST_LABELS)?;

    let (train_size, test_size) = ((train.rows(), train.cols()), (test.rows(), test.cols()));
    if train_size != test_size {
        return Err(DataError::ImageSizeMismatch {
            train: find(&dir, TRAIN_IMAGES)?,
            test: find(&dir, TEST_IMAGES)?,
            train_size,
            test_size,
        });
    }

    // load_split rejected empty label files, so there is a largest label.
    let classes = train
        .labels
        .iter()
        .map(|&l| usize::from(l))
        .max()
        .unwrap_or(0)
        + 1;
    if let Some((index, &label)) = test
        .labels
        .iter()
        .enumerate()
        .find(|&(_, &l)| usize::from(l) >= classes)
    {
        let path = find(&dir, TEST_LABELS)?;
        return Err(DataError::LabelOutOfRange {
            path,
            index,
            label: label.into(),
            classes,
        });
    }
    Ok(Mnist {
        train,
        test,
        classes,
    })
}

/// Reads one images file and its labels file and checks that they pair up.
fn load_split(dir: &Path, images_name: &str, labels_name: &str) -> Result<ImageSet, DataError> {
    let (images_path, labels_path) = (find(dir, images_name)?, find(dir, labels_name)?);
    let images = idx::read_images(&images_path)?;
    let labels = idx::read_labels(&labels_path)?;
    let n_images = images.len_of(Axis(0));
    if n_images != labels.len() {
        return Err(DataError::CountMismatch {
            images: images_path,
            labels: labels_path,
            n_images,
            n_labels: labels.len(),
        });
    }
    Ok(ImageSet { images, labels })
}

/// `dir` if it holds any of the four files, else its `mnist/` subfolder if that does.
fn mnist_folder(dir: &Path) -> PathBuf {
    let has_files = |d: &Path| {
        [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS]
            .iter()
            .any(|n| find(d, n).is_ok())
    };
    let sub = dir.join("mnist");
    if !has_files(dir) && has_files(&sub) {
        sub
    } else {
        dir.to_path_buf()
    }
}

/// `dir/name.gz` if it exists, else `dir/name`.
fn find(dir: &Path, name: &str) -> Result<PathBuf, DataError> {
    let gz = dir.join(format!("{name}.gz"));
    let raw = dir.join(name);
    if gz.is_file() {
        Ok(gz)
    } else if raw.is_file() {
        Ok(raw)
    } else {
        Err(DataError::MissingIdxFile {
            dir: dir.to_path_buf(),
            name: name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idx::{encode_images, encode_labels, gzip};

    /// Writes a tiny MNIST-format dataset: 4 training and 2 test images of 3x2 pixels.
    fn write_dataset(dir: &Path, gzipped: bool) {
        let images =
            |n: usize| Array3::from_shape_fn((n, 3, 2), |(i, r, c)| (i * 40 + r * 2 + c) as u8);
        let files = [
            (TRAIN_IMAGES, encode_images(&images(4))),
            (TRAIN_LABELS, encode_labels(&[0, 2, 1, 2])),
            (TEST_IMAGES, encode_images(&images(2))),
            (TEST_LABELS, encode_labels(&[1, 0])),
        ];
        for (name, bytes) in files {
            let (name, bytes) = if gzipped {
                (format!("{name}.gz"), gzip(&bytes))
            } else {
                (name.into(), bytes)
            };
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }

    fn replace(dir: &Path, name: &str, bytes: Vec<u8>) {
        std::fs::write(dir.join(format!("{name}.gz")), gzip(&bytes)).unwrap();
    }

    #[test]
    fn a_small_dataset_loads_gzipped_or_raw() {
        for gzipped in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            write_dataset(dir.path(), gzipped);
            let m = load(dir.path()).unwrap();
            assert_eq!((m.train.len(), m.test.len(), m.classes), (4, 2, 3));
            assert_eq!((m.train.rows(), m.train.cols()), (3, 2));
            assert_eq!(m.train.labels, [0, 2, 1, 2]);
            assert_eq!(m.test.image(1)[[2, 1]], 45);
        }
    }

    #[test]
    fn a_parent_folder_with_a_mnist_subfolder_works() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("mnist")).unwrap();
        write_dataset(&dir.path().join("mnist"), true);
        assert_eq!(load(dir.path()).unwrap().train.len(), 4);
    }

    #[test]
    fn a_missing_file_names_the_folder_the_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), true);
        std::fs::remove_file(dir.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
        let err = load(dir.path()).unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(err, DataError::MissingIdxFile { .. }));
        assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
        assert!(
            msg.contains("`t10k-labels-idx1-ubyte.gz` nor `t10k-labels-idx1-ubyte`"),
            "{msg}"
        );
        assert!(
            msg.contains("git checkout -- data/") && msg.contains("--data-dir"),
            "{msg}"
        );
    }

    #[test]
    fn an_empty_folder_is_a_missing_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(err.to_string().contains(TRAIN_IMAGES), "{err}");
    }

    #[test]
    fn swapped_files_say_which_was_passed() {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), true);
        replace(dir.path(), TRAIN_IMAGES, encode_labels(&[0, 1, 2, 3]));
        let msg = load(dir.path()).unwrap_err().to_string();
        println!("{msg}");
        assert!(msg.contains("train-images-idx3-ubyte.gz"), "{msg}");
        assert!(
            msg.contains("found 2049: did you pass the labels file?"),
            "{msg}"
        );
    }

    #[test]
    fn a_truncated_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), false);
        let path = dir.path().join(TEST_IMAGES);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let err = load(dir.path()).unwrap_err();
        println!("{err}");
        assert!(matches!(err, DataError::Truncated { .. }), "{err}");
        assert!(err.to_string().contains("t10k-images-idx3-ubyte"), "{err}");
    }

    #[test]
    fn image_and_label_counts_must_match() {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), true);
        replace(dir.path(), TRAIN_LABELS, encode_labels(&[0, 1, 2]));
        let err = load(dir.path()).unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(
            err,
            DataError::CountMismatch {
                n_images: 4,
                n_labels: 3,
                ..
            }
        ));
        assert!(
            msg.contains("train-images") && msg.contains("train-labels"),
            "{msg}"
        );
    }

    #[test]
    fn an_empty_label_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), true);
        replace(dir.path(), TRAIN_LABELS, encode_labels(&[]));
        let err = load(dir.path()).unwrap_err();
        assert!(
            matches!(err, DataError::Empty { what: "labels", .. }),
            "{err}"
        );
    }

    #[test]
    fn a_test_label_beyond_the_training_classes_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), true);
        replace(dir.path(), TEST_LABELS, encode_labels(&[1, 7]));
        let err = load(dir.path()).unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(
            err,
            DataError::LabelOutOfRange {
                index: 1,
                label: 7,
                classes: 3,
                ..
            }
        ));
        assert!(
            msg.contains("t10k-labels-idx1-ubyte.gz") && msg.contains("0 to 2"),
            "{msg}"
        );
    }

    #[test]
    fn train_and_test_images_must_have_one_size() {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), true);
        replace(
            dir.path(),
            TEST_IMAGES,
            encode_images(&Array3::zeros((2, 4, 4))),
        );
        let msg = load(dir.path()).unwrap_err().to_string();
        println!("{msg}");
        assert!(
            msg.contains("3x2 images") && msg.contains("4x4 images"),
            "{msg}"
        );
    }

    #[test]
    fn to_f32_flattens_rows_and_scales_to_unit_range() {
        let set = ImageSet {
            images: Array3::from_shape_vec((2, 1, 2), vec![0, 255, 51, 102]).unwrap(),
            labels: vec![0, 1],
        };
        let x = set.to_f32();
        assert_eq!(x.shape(), [2, 2]);
        assert_eq!(x.row(0).to_vec(), [0.0, 1.0]);
        assert!((x[[1, 0]] - 0.2).abs() < 1e-6 && (x[[1, 1]] - 0.4).abs() < 1e-6);
    }

    #[test]
    fn take_and_select_keep_images_with_their_labels() {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), true);
        let train = load(dir.path()).unwrap().train;
        let first = train.take(2);
        assert_eq!((first.len(), first.labels.as_slice()), (2, &[0u8, 2][..]));
        assert_eq!(train.take(100).len(), 4);
        let picked = train.select(&[3, 0]);
        assert_eq!(picked.labels, [2, 0]);
        assert_eq!(picked.image(0), train.image(3));
        assert_eq!(train.class_counts(3), [1, 1, 2]);
        assert_eq!(train.labels_usize(), [0, 2, 1, 2]);
    }
}
