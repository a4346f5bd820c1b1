//! Writes one figure of every kind this crate draws, from small real models on the
//! committed data, so a developer can look at them all:
//!
//! ```sh
//! cargo run -p plot --example gallery             # into runs/plot-gallery
//! cargo run -p plot --example gallery -- /tmp/figs
//! ```
//!
//! The models are deliberately tiny (logistic regression on iris, nearest class mean on
//! MNIST): the point is the figures, not the models.

use std::error::Error;
use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::{Array2, Array3, Axis};
use plot::{Boundary, Normalise, Scale, Series};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "runs/plot-gallery".into()),
    );
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");

    // Iris, two petal measurements: versicolor (0) against virginica (1).
    let iris = read_iris(&data.join("csv/iris.csv"))?;
    let pairs: Vec<((f64, f64), usize)> = iris
        .iter()
        .filter(|(_, species)| *species > 0)
        .map(|&(p, species)| (p, species - 1))
        .collect();
    let (train, test): (Vec<_>, Vec<_>) = pairs.iter().enumerate().partition(|(i, _)| i % 4 != 0);
    let train: Vec<_> = train.into_iter().map(|(_, p)| *p).collect();
    let test: Vec<_> = test.into_iter().map(|(_, p)| *p).collect();

    // Logistic regression by full-batch gradient descent, features centred by hand.
    let (cx, cy) = (4.9, 1.7);
    let mut w = [0.0f64; 3];
    let (mut train_loss, mut test_loss) = (Vec::new(), Vec::new());
    for _epoch in 0..300 {
        let mut grad = [0.0; 3];
        for &((x, y), t) in &train {
            let (x, y) = (x - cx, y - cy);
            let p = sigmoid(w[0] + w[1] * x + w[2] * y);
            let d = p - t as f64; // d(cross-entropy)/d(logit)
            grad[0] += d;
            grad[1] += d * x;
            grad[2] += d * y;
        }
        for k in 0..3 {
            w[k] -= 0.5 * grad[k] / train.len() as f64;
        }
        train_loss.push(log_loss(&w, &train, (cx, cy)));
        test_loss.push(log_loss(&w, &test, (cx, cy)));
    }
    let curves = [
        Series::from_values("train loss", train_loss.iter().copied()),
        Series::from_values("test loss", test_loss.iter().copied()),
    ];
    let title = "Logistic regression on iris petals";
    plot::line_chart(
        &out.join("loss.svg"),
        title,
        "epoch",
        "cross-entropy",
        &curves,
        Scale::Linear,
    )?;
    plot::line_chart(
        &out.join("loss-log.svg"),
        title,
        "epoch",
        "cross-entropy (log scale)",
        &curves,
        Scale::Log,
    )?;

    // The learned line in the original (uncentred) coordinates:
    // w0 + w1 (x - cx) + w2 (y - cy) = (w0 - w1 cx - w2 cy) + w1 x + w2 y.
    let line = Boundary::Line {
        w0: w[0] - w[1] * cx - w[2] * cy,
        w1: w[1],
        w2: w[2],
    };
    let (points, labels): (Vec<_>, Vec<_>) = pairs.iter().copied().unzip();
    plot::decision_boundary(
        &out.join("boundary-line.svg"),
        "Where logistic regression splits versicolor from virginica",
        "petal length (cm)",
        "petal width (cm)",
        &points,
        &labels,
        &["versicolor", "virginica"],
        line,
    )?;

    // All three species and a nearest-class-mean classifier, shaded by region.
    let means: Vec<(f64, f64)> = (0..3)
        .map(|s| {
            let members: Vec<_> = iris
                .iter()
                .filter(|(_, t)| *t == s)
                .map(|(p, _)| *p)
                .collect();
            let n = members.len() as f64;
            (
                members.iter().map(|p| p.0).sum::<f64>() / n,
                members.iter().map(|p| p.1).sum::<f64>() / n,
            )
        })
        .collect();
    let nearest = |x: f64, y: f64| {
        let d = |m: &(f64, f64)| (x - m.0).powi(2) + (y - m.1).powi(2);
        (0..3)
            .min_by(|&a, &b| d(&means[a]).total_cmp(&d(&means[b])))
            .unwrap_or(0)
    };
    let (points, labels): (Vec<_>, Vec<_>) = iris.iter().copied().unzip();
    let species = ["setosa", "versicolor", "virginica"];
    plot::decision_boundary(
        &out.join("boundary-regions.svg"),
        "Nearest class mean on iris petals",
        "petal length (cm)",
        "petal width (cm)",
        &points,
        &labels,
        &species,
        Boundary::Regions(&nearest),
    )?;
    let mut iris_counts = Array2::<usize>::zeros((3, 3));
    for &((x, y), t) in &iris {
        iris_counts[[t, nearest(x, y)]] += 1;
    }
    plot::confusion_matrix(
        &out.join("confusion-iris.svg"),
        "Nearest class mean, iris",
        iris_counts.view(),
        &species,
    )?;

    // MNIST: class means of 5000 test digits, then classify the next 1000 by nearest mean.
    let images = read_idx_images(&data.join("mnist/t10k-images-idx3-ubyte.gz"), 6000)?;
    let digits = read_idx_labels(&data.join("mnist/t10k-labels-idx1-ubyte.gz"), 6000)?;
    let mut sums = Array3::<f32>::zeros((10, 28, 28));
    let mut counts = [0usize; 10];
    for i in 0..5000 {
        let mut s = sums.index_axis_mut(Axis(0), digits[i]);
        s += &images.index_axis(Axis(0), i);
        counts[digits[i]] += 1;
    }
    for (d, mut s) in sums.outer_iter_mut().enumerate() {
        s /= counts[d].max(1) as f32;
    }
    let first: Vec<_> = (0..32).map(|i| images.index_axis(Axis(0), i)).collect();
    plot::image_grid(&out.join("digits.png"), &first, 8, 3, Normalise::Clamp)?;
    let mean_views: Vec<_> = sums.outer_iter().collect();
    plot::image_grid(
        &out.join("class-means.png"),
        &mean_views,
        5,
        4,
        Normalise::PerImage,
    )?;

    let mut confusion = Array2::<usize>::zeros((10, 10));
    let mut wrong = Vec::new();
    for i in 5000..6000 {
        let image = images.index_axis(Axis(0), i);
        let distance = |d: usize| {
            (&image - &sums.index_axis(Axis(0), d))
                .mapv(|v| v * v)
                .sum()
        };
        let pred = (0..10)
            .min_by(|&a, &b| distance(a).total_cmp(&distance(b)))
            .unwrap_or(0);
        confusion[[digits[i], pred]] += 1;
        if pred != digits[i] && wrong.len() < 18 {
            wrong.push((i, format!("pred {pred} / true {}", digits[i])));
        }
    }
    let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    plot::confusion_matrix(
        &out.join("confusion-mnist.svg"),
        "Nearest class mean, 1000 MNIST test digits",
        confusion.view(),
        &names,
    )?;
    let wrong_images: Vec<_> = wrong
        .iter()
        .map(|(i, _)| images.index_axis(Axis(0), *i))
        .collect();
    let captions: Vec<&str> = wrong.iter().map(|(_, c)| c.as_str()).collect();
    plot::captioned_image_grid(
        &out.join("misclassified.svg"),
        "Digits the nearest mean gets wrong",
        &wrong_images,
        &captions,
        6,
        3,
        Normalise::Clamp,
    )?;

    println!("wrote {} figures into {}", 9, out.display());
    Ok(())
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn log_loss(w: &[f64; 3], data: &[((f64, f64), usize)], (cx, cy): (f64, f64)) -> f64 {
    let total: f64 = data
        .iter()
        .map(|&((x, y), t)| {
            let p = sigmoid(w[0] + w[1] * (x - cx) + w[2] * (y - cy)).clamp(1e-12, 1.0 - 1e-12);
            if t == 1 {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    total / data.len() as f64
}

/// (petal length, petal width) and species index (setosa 0, versicolor 1, virginica 2).
fn read_iris(path: &Path) -> Result<Vec<((f64, f64), usize)>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let species = ["setosa", "versicolor", "virginica"]
            .iter()
            .position(|s| f.get(4).map(|v| v.trim()) == Some(*s))
            .ok_or_else(|| format!("{}: unknown species in {line:?}", path.display()))?;
        rows.push(((f[2].parse()?, f[3].parse()?), species));
    }
    Ok(rows)
}

fn gunzip(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The first `n` images of an IDX3 file as `[n, 28, 28]` values in [0, 1].
fn read_idx_images(path: &Path, n: usize) -> Result<Array3<f32>> {
    let bytes = gunzip(path)?;
    let pixels = bytes
        .get(16..16 + n * 784)
        .ok_or_else(|| format!("{}: too short", path.display()))?;
    Ok(Array3::from_shape_vec(
        (n, 28, 28),
        pixels.iter().map(|&p| p as f32 / 255.0).collect(),
    )?)
}

fn read_idx_labels(path: &Path, n: usize) -> Result<Vec<usize>> {
    let bytes = gunzip(path)?;
    let labels = bytes
        .get(8..8 + n)
        .ok_or_else(|| format!("{}: too short", path.display()))?;
    Ok(labels.iter().map(|&l| l as usize).collect())
}
