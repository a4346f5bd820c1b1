//! A tiny MLP trained with these crates on 1,000 MNIST training images reaches at least 90%
//! on 1,000 test images. Reads the committed IDX files with a small helper of its own.

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use nn::{Adam, Dropout, Linear, Module, Optimizer, Relu, Sequential};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tensor::Tensor;

fn mnist_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/mnist")
}

/// The first `n` images (pixels scaled to [0, 1], `[n, 784]`) and labels of an IDX pair.
fn read_idx(images: &str, labels: &str, n: usize) -> (Array2<f32>, Vec<usize>) {
    let gunzip = |name: &str| {
        let path = mnist_dir().join(name);
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(file)
            .read_to_end(&mut bytes)
            .expect("a gzip file");
        bytes
    };
    let (img, lab) = (gunzip(images), gunzip(labels));
    // IDX: a 4-byte magic, 4-byte big-endian sizes, then the bytes. Images: 16-byte header.
    assert_eq!(&img[..4], &[0, 0, 8, 3], "image magic");
    assert_eq!(&lab[..4], &[0, 0, 8, 1], "label magic");
    let pixels = img[16..16 + n * 784]
        .iter()
        .map(|&p| f32::from(p) / 255.0)
        .collect();
    let labels = lab[8..8 + n].iter().map(|&l| usize::from(l)).collect();
    (
        Array2::from_shape_vec((n, 784), pixels).expect("n·784 pixels"),
        labels,
    )
}

/// The image moved by `(dy, dx)` pixels, zeros shifted in: a thousand images are few, and
/// seeing each one at slightly different positions teaches the net that position matters
/// little.
fn shifted(image: ndarray::ArrayView1<f32>, dy: isize, dx: isize) -> Vec<f32> {
    let mut out = vec![0.0; 784];
    for y in 0..28isize {
        for x in 0..28isize {
            let (sy, sx) = (y - dy, x - dx);
            if (0..28).contains(&sy) && (0..28).contains(&sx) {
                out[(y * 28 + x) as usize] = image[(sy * 28 + sx) as usize];
            }
        }
    }
    out
}

fn accuracy(model: &dyn Module, x: &Array2<f32>, y: &[usize]) -> f32 {
    let predicted = tensor::no_grad(|| model.forward(&Tensor::new(x.clone())).argmax_last());
    predicted.iter().zip(y).filter(|(p, y)| p == y).count() as f32 / y.len() as f32
}

#[test]
fn a_tiny_mlp_on_1000_mnist_images_reaches_90_percent_on_1000_others() {
    let (train_x, train_y) = read_idx(
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        1000,
    );
    let (test_x, test_y) = read_idx(
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        1000,
    );
    let mut init = ChaCha8Rng::seed_from_u64(42);
    let mut shuffle = ChaCha8Rng::seed_from_u64(43);
    let mut model = Sequential::new()
        .add(Linear::new(784, 256, &mut init))
        .add(Relu)
        .add(Dropout::new(0.3, ChaCha8Rng::seed_from_u64(44)))
        .add(Linear::new(256, 10, &mut init));
    let mut opt = Adam::adamw(model.parameters(), 2e-3, 1e-2);
    let mut order: Vec<usize> = (0..1000).collect();
    let (epochs, batch) = (40, 50);
    for epoch in 0..epochs {
        order.shuffle(&mut shuffle);
        let mut total = 0.0;
        for idx in order.chunks(batch) {
            let pixels: Vec<f32> = idx
                .iter()
                .flat_map(|&i| {
                    shifted(
                        train_x.row(i),
                        shuffle.random_range(-2i32..=2) as isize,
                        shuffle.random_range(-2i32..=2) as isize,
                    )
                })
                .collect();
            let x = Tensor::from_vec(pixels, &[idx.len(), 784]);
            let y: Vec<usize> = idx.iter().map(|&i| train_y[i]).collect();
            let loss = tensor::cross_entropy(&model.forward(&x), &y);
            opt.zero_grad();
            loss.backward();
            opt.step();
            total += loss.item();
        }
        if epoch % 5 == 4 {
            println!(
                "epoch {} loss {:.4}",
                epoch + 1,
                total / (1000 / batch) as f32
            );
        }
    }
    model.eval();
    let (train_acc, test_acc) = (
        accuracy(&model, &train_x, &train_y),
        accuracy(&model, &test_x, &test_y),
    );
    println!("train accuracy {train_acc:.3}, test accuracy {test_acc:.3}");
    assert!(test_acc >= 0.90, "test accuracy {test_acc} below 0.90");
}
