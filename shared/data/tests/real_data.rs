//! The committed datasets load, with the sizes and label counts that `data/README.md` states.

use data::mnist::{self, Mnist};
use data::split::{stratified_split, Standardizer};
use data::{csv, idx, text};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;
use std::sync::OnceLock;

fn data_dir() -> PathBuf {
    data::workspace_data_dir()
}

fn file(relative: &str) -> PathBuf {
    data::data_file(&data_dir(), relative).unwrap()
}

/// MNIST is loaded once and shared by the tests below (about a second).
fn mnist() -> &'static Mnist {
    static MNIST: OnceLock<Mnist> = OnceLock::new();
    MNIST.get_or_init(|| mnist::load(&data_dir()).expect("the committed MNIST loads"))
}

#[test]
fn mnist_has_60000_training_and_10000_test_images_of_28x28() {
    let m = mnist();
    println!(
        "train {:?}, test {:?}",
        m.train.images.shape(),
        m.test.images.shape()
    );
    assert_eq!(m.train.images.shape(), [60000, 28, 28]);
    assert_eq!(m.test.images.shape(), [10000, 28, 28]);
    assert_eq!(m.classes, 10);
}

#[test]
fn mnist_label_counts_match_the_data_readme() {
    let m = mnist();
    let train = m.train.class_counts(m.classes);
    let test = m.test.class_counts(m.classes);
    println!("train counts {train:?}\ntest counts {test:?}");
    assert_eq!(
        train,
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        test,
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
}

#[test]
fn mnist_pixels_span_0_to_255_and_scale_to_0_to_1() {
    let m = mnist();
    let (min, max) = (m.test.images.iter().min(), m.test.images.iter().max());
    assert_eq!((min, max), (Some(&0), Some(&255)));
    let x = m.test.take(100).to_f32();
    assert_eq!(x.shape(), [100, 784]);
    assert!(x.iter().all(|&p| (0.0..=1.0).contains(&p)));
    // Digits are dark ink on a light page only in print: in MNIST most pixels are 0.
    let background = x.iter().filter(|&&p| p == 0.0).count() as f64 / x.len() as f64;
    println!("fraction of zero pixels in 100 test images: {background:.3}");
    assert!(background > 0.7, "{background}");
}

#[test]
fn mnist_loads_from_its_own_folder_too() {
    let m = mnist::load(&data_dir().join("mnist")).unwrap();
    assert_eq!(m.test.labels, mnist().test.labels);
}

#[test]
fn raw_idx_files_read_the_same_as_the_gzipped_ones() {
    // Unpack the test split into a temporary folder, as someone who ran `gunzip` would have.
    let dir = tempfile::tempdir().unwrap();
    for name in [mnist::TEST_IMAGES, mnist::TEST_LABELS] {
        let gz = std::fs::read(data_dir().join("mnist").join(format!("{name}.gz"))).unwrap();
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut raw).unwrap();
        std::fs::write(dir.path().join(name), raw).unwrap();
    }
    let images = idx::read_images(&dir.path().join(mnist::TEST_IMAGES)).unwrap();
    let labels = idx::read_labels(&dir.path().join(mnist::TEST_LABELS)).unwrap();
    assert_eq!(images, mnist().test.images);
    assert_eq!(labels, mnist().test.labels);
}

#[test]
fn iris_has_150_rows_and_3_classes_of_50() {
    let path = file("csv/iris.csv");
    let features = csv::columns(&path, "species").unwrap();
    let iris = csv::load_classification(&path, &features, "species").unwrap();
    assert_eq!(iris.x.shape(), [150, 4]);
    assert_eq!(
        iris.feature_names,
        ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    );
    assert_eq!(iris.classes, ["setosa", "versicolor", "virginica"]);
    let counts: Vec<usize> = (0..3)
        .map(|c| iris.y.iter().filter(|&&y| y == c).count())
        .collect();
    assert_eq!(counts, [50, 50, 50]);
    assert_eq!(iris.x.row(0).to_vec(), [5.1, 3.5, 1.4, 0.2]);
}

#[test]
fn a_stratified_20_percent_of_iris_is_10_of_each_class() {
    let iris = csv::load_classification(
        &file("csv/iris.csv"),
        &["petal_length", "petal_width"],
        "species",
    )
    .unwrap();
    let (train, test) = stratified_split(&iris.y, 0.2, &mut ChaCha8Rng::seed_from_u64(42));
    assert_eq!((train.len(), test.len()), (120, 30));
    for class in 0..3 {
        assert_eq!(test.iter().filter(|&&i| iris.y[i] == class).count(), 10);
    }
}

#[test]
fn breast_cancer_has_569_rows_of_30_features() {
    let path = file("csv/breast_cancer.csv");
    let features = csv::columns(&path, "diagnosis").unwrap();
    let t = csv::load_classification(&path, &features, "diagnosis").unwrap();
    assert_eq!(t.x.shape(), [569, 30]);
    assert_eq!(t.classes, ["benign", "malignant"]);
    // 357 benign and 212 malignant, as the UCI description says.
    assert_eq!(t.y.iter().filter(|&&y| y == 0).count(), 357);
}

#[test]
fn diabetes_has_442_rows_and_a_numeric_target() {
    let path = file("csv/diabetes.csv");
    let features = csv::columns(&path, "progression").unwrap();
    let t = csv::load_regression(&path, &features, "progression").unwrap();
    assert_eq!(t.x.shape(), [442, 10]);
    assert_eq!(t.y.len(), 442);
    let (min, max) =
        t.y.iter()
            .fold((f32::MAX, f32::MIN), |(a, b), &y| (a.min(y), b.max(y)));
    println!("progression ranges over {min}..={max}");
    assert_eq!((min, max), (25.0, 346.0));
    // The features are raw (age in years, sex 1 or 2): standardising puts them on one scale.
    let z = Standardizer::fit(&t.x).transform(&t.x);
    assert!(z.iter().all(|v| v.abs() < 10.0));
}

#[test]
fn tiny_shakespeare_has_65_characters_and_splits_90_10() {
    let corpus = text::load_corpus(&file("text/tinyshakespeare.txt"), 0.1).unwrap();
    let total = corpus.train.len() + corpus.valid.len();
    assert_eq!(corpus.vocab.len(), 65);
    assert_eq!(total, 1_115_394); // all ASCII, so one character per byte
    assert_eq!(corpus.valid.len(), 111_539);
    assert_eq!(corpus.vocab.decode(&corpus.train[..14]), "First Citizen:");
}

#[test]
fn names_has_32033_lowercase_words() {
    let words = text::load_words(&file("text/names.txt")).unwrap();
    // 32033 non-blank lines, as in makemore's names.txt (data/README.md's table says 32032).
    assert_eq!(words.len(), 32033);
    assert_eq!(words[0], "emma");
    assert!(words
        .iter()
        .all(|w| w.chars().all(|c| c.is_ascii_lowercase())));
}
