//! Measuring a generator: a digit classifier (the scorer), the Inception Score of its class
//! probabilities, and the share of samples it puts in each class.
//!
//! The scorer is chapter 5's Keras network, rebuilt here from `nn`'s layers so that it reads
//! 05-cnn's checkpoint (`runs/05-cnn/model.safetensors`, written by `05-cnn`'s default run).
//! Without one, this project trains the same network for a few epochs and caches it. Either
//! way the scorer and its accuracy on the real test set are printed and kept in the metrics.
//!
//! Legend: N = images, K = classes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use data::mnist::ImageSet;
use ndarray::{Array2, Array3, ArrayD, ArrayView3, Axis};
use nn::checkpoint::Metadata;
use nn::{Adam, Conv2d, Linear, Module, Optimizer};
use rand::seq::SliceRandom;
use rand::Rng;
use tensor::Tensor;

/// The classes of MNIST.
pub const CLASSES: usize = 10;

// ANCHOR: scorer
/// The essay's Keras CNN (chapter 5): 3×3 convolutions with 32, 64 and 64 filters, 2×2
/// max-pooling after the first two, Dense(64), Dense(10). Parameter names and checkpoint
/// metadata are 05-cnn's, so each project reads the other's checkpoint.
pub struct Scorer {
    pub convs: [Conv2d; 3],
    pub dense: [Linear; 2],
}

impl Scorer {
    /// A freshly initialised network, as Keras (and 05-cnn) initialise it: Glorot uniform
    /// weights, `U(±√(6/(fan_in + fan_out)))`, and zero biases.
    pub fn new(rng: &mut impl Rng) -> Scorer {
        let convs = [(1, 32), (32, 64), (64, 64)].map(|(c, o)| {
            let conv = Conv2d::new(c, o, 3, 1, 0, rng);
            conv.weight
                .set_value(nn::init::xavier_uniform(&[o, c, 3, 3], 9 * c, 9 * o, rng));
            conv.bias.set_value(ArrayD::zeros(vec![o]));
            conv
        });
        let dense = [(576, 64), (64, CLASSES)].map(|(i, o)| {
            let layer = Linear::new(i, o, rng);
            layer
                .weight
                .set_value(nn::init::xavier_uniform(&[i, o], i, o, rng));
            layer.bias.set_value(ArrayD::zeros(vec![o]));
            layer
        });
        Scorer { convs, dense }
    }

    /// The metadata 05-cnn writes with a checkpoint of this network (its `Cnn::metadata`).
    pub fn metadata() -> Metadata {
        [
            ("project", "05-cnn"),
            ("model", "keras"),
            ("channels", "1"),
            ("height", "28"),
            ("width", "28"),
            ("classes", "10"),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
    }
}

impl Module for Scorer {
    /// Images `[N, 1, 28, 28]` with pixels in `[0, 1]` -> logits `[N, 10]`.
    fn forward(&self, x: &Tensor) -> Tensor {
        let [c1, c2, c3] = &self.convs;
        let h = c1.forward_max_pooled(x, 2).relu(); // [N, 32, 13, 13]
        let h = c2.forward_max_pooled(&h, 2).relu(); // [N, 64, 5, 5]
        let h = c3.forward(&h).relu(); // [N, 64, 3, 3]
        let n = h.shape()[0];
        let h = self.dense[0].forward(&h.reshape(&[n, 576])).relu();
        self.dense[1].forward(&h)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut all = Vec::new();
        for (i, conv) in self.convs.iter().enumerate() {
            for (name, t) in conv.named_parameters() {
                all.push((format!("conv{}.{name}", i + 1), t));
            }
        }
        for (i, dense) in self.dense.iter().enumerate() {
            for (name, t) in dense.named_parameters() {
                all.push((format!("dense{}.{name}", i + 1), t));
            }
        }
        all
    }
}
// ANCHOR_END: scorer

/// Where the scorer came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The checkpoint given with `--scorer`.
    Given(PathBuf),
    /// 05-cnn's checkpoint at this path.
    Chapter5(PathBuf),
    /// This project's cached scorer, read from this path.
    Cached(PathBuf),
    /// Trained by this run for `epochs` epochs and saved to this path.
    Trained { path: PathBuf, epochs: usize },
}

impl Origin {
    /// One line for the run's output.
    pub fn describe(&self) -> String {
        match self {
            Origin::Given(path) => format!("the checkpoint {}", path.display()),
            Origin::Chapter5(path) => format!("05-cnn's checkpoint {}", path.display()),
            Origin::Cached(path) => format!("the scorer cached at {}", path.display()),
            Origin::Trained { path, epochs } => format!(
                "a scorer trained for {epochs} epochs by this run, cached at {}",
                path.display()
            ),
        }
    }
}

/// 05-cnn's checkpoint where its default run leaves it.
pub const CHAPTER5_CHECKPOINT: &str = "runs/05-cnn/model.safetensors";

/// How to get a scorer: an explicit file, else 05-cnn's checkpoint if there is one, else the
/// cache, else train one (for `epochs` epochs on at most `train_limit` images) and cache it.
pub struct ScorerSource<'a> {
    /// `--scorer PATH`: this file and nothing else.
    pub explicit: Option<&'a Path>,
    /// Where 05-cnn's checkpoint is looked for.
    pub chapter5: &'a Path,
    /// Where this project caches the scorer it trains.
    pub cache: &'a Path,
    pub epochs: usize,
    pub train_limit: Option<usize>,
}

/// Loads or trains the scorer (see [`ScorerSource`]).
///
/// # Errors
/// If a given or found checkpoint cannot be read or is not the Keras CNN (the message names
/// it and says to pass `--scorer`), or the cache cannot be written.
pub fn get_scorer(
    source: &ScorerSource<'_>,
    mnist: &data::mnist::Mnist,
    rng: &mut impl Rng,
) -> anyhow::Result<(Scorer, Origin)> {
    let scorer = Scorer::new(rng);
    let load = |path: &Path| -> anyhow::Result<()> {
        let fix = || {
            format!(
                "reading the scorer {}: it must be a checkpoint of 05-cnn's default (keras) \
                 model; pass --scorer with one, or delete the file to train a new scorer",
                path.display()
            )
        };
        let metadata = nn::checkpoint::read_metadata(path).with_context(fix)?;
        let expected = Scorer::metadata();
        let fits = ["model", "channels", "height", "width", "classes"]
            .iter()
            .all(|key| metadata.get(*key) == expected.get(*key));
        anyhow::ensure!(
            fits,
            "{}: its metadata {metadata:?} does not describe 05-cnn's keras model on 28x28 \
             digits",
            fix()
        );
        nn::checkpoint::load(path, &scorer, None).with_context(fix)?;
        Ok(())
    };
    if let Some(path) = source.explicit {
        load(path)?;
        return Ok((scorer, Origin::Given(path.to_path_buf())));
    }
    if source.chapter5.is_file() {
        load(source.chapter5)?;
        return Ok((scorer, Origin::Chapter5(source.chapter5.to_path_buf())));
    }
    if source.cache.is_file() {
        load(source.cache)?;
        return Ok((scorer, Origin::Cached(source.cache.to_path_buf())));
    }
    let train = match source.train_limit {
        Some(n) => mnist.train.take(n),
        None => mnist.train.clone(),
    };
    println!(
        "no 05-cnn checkpoint at {}: training the scorer (chapter 5's network, {} epochs on {} \
         images)",
        source.chapter5.display(),
        source.epochs,
        train.len()
    );
    train_scorer(&scorer, &train, source.epochs, rng)?;
    nn::checkpoint::save(source.cache, &scorer, None, Some(&Scorer::metadata()))?;
    let origin = Origin::Trained {
        path: source.cache.to_path_buf(),
        epochs: source.epochs,
    };
    Ok((scorer, origin))
}

/// Trains the scorer as 05-cnn's default run trains its model: Adam (1e-3), batches of 32,
/// cross-entropy, pixels in `[0, 1]`.
fn train_scorer(
    scorer: &Scorer,
    train: &ImageSet,
    epochs: usize,
    rng: &mut impl Rng,
) -> anyhow::Result<()> {
    let mut optimizer = Adam::new(scorer.parameters(), 1e-3);
    let mut order: Vec<usize> = (0..train.len()).collect();
    for epoch in 1..=epochs {
        let started = Instant::now();
        order.shuffle(rng);
        let mut loss_sum = 0.0;
        for indices in order.chunks(32) {
            let x = unit_batch(train.images.view(), indices);
            let labels: Vec<usize> = indices
                .iter()
                .map(|&i| usize::from(train.labels[i]))
                .collect();
            let loss = tensor::cross_entropy(&scorer.forward(&x), &labels);
            optimizer.zero_grad();
            loss.backward();
            nn::check_gradients(scorer, &format!("scorer epoch {epoch}"))?;
            optimizer.step();
            loss_sum += f64::from(loss.item()) * indices.len() as f64;
        }
        let loss = loss_sum / train.len() as f64;
        run::check_finite(loss, &format!("scorer epoch {epoch}"))?;
        println!(
            "scorer epoch {epoch}/{epochs}  loss {loss:.4}  ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Images `indices` of `images: [N, 28, 28]` (bytes) as `[n, 1, 28, 28]` in `[0, 1]`.
fn unit_batch(images: ArrayView3<u8>, indices: &[usize]) -> Tensor {
    let (h, w) = (images.len_of(Axis(1)), images.len_of(Axis(2)));
    let mut pixels = Vec::with_capacity(indices.len() * h * w);
    for &i in indices {
        pixels.extend(
            images
                .index_axis(Axis(0), i)
                .iter()
                .map(|&p| f32::from(p) / 255.0),
        );
    }
    Tensor::from_vec(pixels, &[indices.len(), 1, h, w])
}

/// The scorer's class probabilities for every image: `[N, 10]`, 500 images at a time.
pub fn class_probabilities(scorer: &Scorer, images: ArrayView3<u8>) -> Array2<f32> {
    let n = images.len_of(Axis(0));
    let order: Vec<usize> = (0..n).collect();
    let mut rows = Vec::with_capacity(n * CLASSES);
    tensor::no_grad(|| {
        for indices in order.chunks(500) {
            let p = scorer.forward(&unit_batch(images, indices)).softmax(1);
            rows.extend(p.to_vec());
        }
    });
    Array2::from_shape_vec((n, CLASSES), rows).expect("N rows of K")
}

/// What the scorer makes of a set of images.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// The Inception Score (see [`crate::inception_score`]).
    pub inception: f64,
    /// The share of the images the scorer puts in each class (its most likely one).
    pub class_shares: Vec<f64>,
}

impl Score {
    /// The rarest class's share.
    pub fn min_share(&self) -> f64 {
        self.class_shares
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }
}

// ANCHOR: score
/// Scores `images: [N, 28, 28]` (bytes, 0 = background): the Inception Score of the scorer's
/// class probabilities, and how the images split between the classes.
pub fn score(scorer: &Scorer, images: ArrayView3<u8>) -> Score {
    let p = class_probabilities(scorer, images); // [N, K]
    let mut counts = [0usize; CLASSES];
    for row in p.rows() {
        let best = (0..CLASSES)
            .max_by(|&a, &b| row[a].total_cmp(&row[b]))
            .expect("K > 0");
        counts[best] += 1;
    }
    let n = p.nrows() as f64;
    Score {
        inception: crate::inception_score(p.view()),
        class_shares: counts.iter().map(|&c| c as f64 / n).collect(),
    }
}
// ANCHOR_END: score

/// The scorer's accuracy on labelled images.
pub fn accuracy(scorer: &Scorer, set: &ImageSet) -> f64 {
    let p = class_probabilities(scorer, set.images.view());
    let correct = p
        .rows()
        .into_iter()
        .zip(&set.labels)
        .filter(|(row, &label)| {
            let best = (0..CLASSES).max_by(|&a, &b| row[a].total_cmp(&row[b]));
            best == Some(usize::from(label))
        })
        .count();
    correct as f64 / set.len().max(1) as f64
}

/// Generated images `[N, 1, 28, 28]` in `[-1, 1]` as bytes `[N, 28, 28]`, the way MNIST
/// stores its pixels: `-1` is 0 (background), `1` is 255 (ink). Everything that leaves the
/// generator (the score, the IDX file, the figures) goes through these bytes.
pub fn to_bytes(images: &Tensor) -> Array3<u8> {
    let shape = images.shape();
    let (n, h, w) = (shape[0], shape[2], shape[3]);
    let bytes = images
        .to_vec()
        .iter()
        .map(|&v| ((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8)
        .collect();
    Array3::from_shape_vec((n, h, w), bytes).expect("N images of H×W")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_scorer_has_the_keras_models_93322_parameters() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        assert_eq!(Scorer::new(&mut rng).num_parameters(), 93_322);
    }

    #[test]
    fn bytes_map_minus_one_to_background_and_one_to_ink() {
        let images = Tensor::from_vec(vec![-1.0, 0.0, 1.0, 7.0], &[1, 1, 2, 2]);
        assert_eq!(
            to_bytes(&images).into_raw_vec_and_offset().0,
            vec![0, 128, 255, 255]
        );
    }
}
