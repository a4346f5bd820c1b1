//! MNIST as the experiments use it: every image as one row of pixels scaled to `[0, 1]`, and
//! the splits, as lists of rows.
//!
//! MNIST comes as 60,000 training and 10,000 test images. Anything an experiment chooses by
//! looking at results (a learning rate, when to stop, the best combination) is chosen on a
//! **validation** split carved from the training images, here their last sixth (the last
//! 10,000), and never trained on; training sets are drawn from the other 50,000. The test
//! set is used once, to report the chosen configuration.

use data::mnist::{ImageSet, Mnist};
use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tensor::Tensor;

use crate::augment::Motion;

/// Images as rows of pixels in `[0, 1]`, with their labels.
#[derive(Debug, Clone)]
pub struct Examples {
    /// `[n, height·width]`.
    pub x: Array2<f32>,
    pub labels: Vec<usize>,
    pub height: usize,
    pub width: usize,
}

impl Examples {
    /// Every image of `set`, scaled from bytes to `[0, 1]`.
    pub fn from_images(set: &ImageSet) -> Examples {
        Examples {
            x: set.to_f32(),
            labels: set.labels_usize(),
            height: set.rows(),
            width: set.cols(),
        }
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image.
    pub fn pixels(&self) -> usize {
        self.height * self.width
    }

    /// The images at `rows` as a batch `[N, height·width]`, each moved at random by
    /// [`Motion::random`] if `augment` gives a random stream; and their labels.
    pub fn batch(&self, rows: &[usize], augment: Option<&mut impl Rng>) -> (Tensor, Vec<usize>) {
        let labels = rows.iter().map(|&r| self.labels[r]).collect();
        let x = match augment {
            None => self.x.select(Axis(0), rows),
            Some(rng) => {
                let mut pixels = Vec::with_capacity(rows.len() * self.pixels());
                for &r in rows {
                    let image = self.x.row(r);
                    let image = image.as_slice().expect("rows are contiguous");
                    pixels.extend(Motion::random(rng).apply(image, self.height, self.width));
                }
                Array2::from_shape_vec((rows.len(), self.pixels()), pixels).expect("N·H·W pixels")
            }
        };
        (Tensor::new(x), labels)
    }
}

/// MNIST, split for the experiments.
#[derive(Debug, Clone)]
pub struct Digits {
    /// All of MNIST's training images; [`Digits::training_rows`] and
    /// [`Digits::validation_rows`] say which of them each split uses.
    pub train: Examples,
    /// The 10,000 test images.
    pub test: Examples,
    pub classes: usize,
    /// Rows from here on are the validation split.
    validation_start: usize,
}

impl Digits {
    /// Splits `mnist`'s training images into the first five sixths (to train on) and the
    /// last sixth (validation).
    pub fn new(mnist: &Mnist) -> Digits {
        let train = Examples::from_images(&mnist.train);
        let validation_start = train.len() - train.len() / 6;
        Digits {
            train,
            test: Examples::from_images(&mnist.test),
            classes: mnist.classes,
            validation_start,
        }
    }

    /// How many training images are not in the validation split (50,000 for MNIST).
    pub fn trainable(&self) -> usize {
        self.validation_start
    }

    /// `n` training rows (at most [`Digits::trainable`]), drawn at random without repeats
    /// from the part of the training set outside the validation split; the same `seed`
    /// draws the same rows, and a larger `n` keeps the rows of a smaller one.
    pub fn training_rows(&self, n: usize, seed: u64) -> Vec<usize> {
        draw(0..self.validation_start, n, seed)
    }

    /// `n` rows drawn from all of the training images, validation split included (for
    /// experiments that choose nothing, such as the learning curve).
    pub fn any_training_rows(&self, n: usize, seed: u64) -> Vec<usize> {
        draw(0..self.train.len(), n, seed)
    }

    /// The first `n` rows of the validation split (all of it if `n` is larger).
    pub fn validation_rows(&self, n: usize) -> Vec<usize> {
        (self.validation_start..self.train.len()).take(n).collect()
    }

    /// The first `n` test images' rows (all of them if `n` is larger).
    pub fn test_rows(&self, n: usize) -> Vec<usize> {
        (0..self.test.len().min(n)).collect()
    }
}

/// The first `n` of `rows` in a random order drawn from `seed` (on a stream of its own, so
/// that it never repeats the draws of a training run with the same seed).
fn draw(rows: std::ops::Range<usize>, n: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(7);
    let mut rows: Vec<usize> = rows.collect();
    rows.shuffle(&mut rng);
    rows.truncate(n);
    rows
}
