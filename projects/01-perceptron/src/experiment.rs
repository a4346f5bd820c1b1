//! The chapter's experiments on Fisher's iris: a separable pair of species, an overlapping
//! pair, and XOR; the figures and numbers the book shows.

use crate::{
    accuracy, margin, mistake_bound, radius, signed_labels, train, xor, TrainConfig, Training,
};
use anyhow::{bail, Context};
use data::split::{select_items, select_rows, stratified_split};
use ndarray::Array2;
use plot::{Boundary, Scale, Series};
use rand::Rng;
use std::path::Path;
use std::time::Instant;

/// What to run: which two measurements the perceptron sees, how to train, how much to hold out.
#[derive(Debug, Clone)]
pub struct ExperimentConfig {
    /// Columns of `iris.csv` to use as inputs; with exactly two, the boundary is drawn.
    pub features: Vec<String>,
    pub train: TrainConfig,
    /// Fraction of each species held out for testing.
    pub test_fraction: f64,
}

impl Default for ExperimentConfig {
    fn default() -> Self {
        Self {
            features: vec!["sepal_length".into(), "petal_length".into()],
            train: TrainConfig::default(),
            test_fraction: 0.3,
        }
    }
}

/// Two species of iris, as a two-class problem: `negative` is -1, `positive` is +1.
#[derive(Debug, Clone)]
pub struct SpeciesPair {
    pub negative: String,
    pub positive: String,
    /// Measurements in centimetres, `[rows, features]`.
    pub x: Array2<f32>,
    /// 0 for `negative`, 1 for `positive`, one per row.
    pub class: Vec<usize>,
}

impl SpeciesPair {
    /// A name for figures and logs, e.g. `setosa/versicolor`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.negative, self.positive)
    }
}

/// Loads the rows of two species from `iris.csv` with the chosen feature columns.
///
/// # Errors
/// If the file is missing or malformed, a column is missing, or a species is not in the file.
pub fn load_pair(
    path: &Path,
    features: &[String],
    negative: &str,
    positive: &str,
) -> anyhow::Result<SpeciesPair> {
    let table = data::csv::load_classification(path, features, "species")?;
    let index_of = |name: &str| {
        table
            .classes
            .iter()
            .position(|c| c == name)
            .with_context(|| {
                format!(
                    "{} has no rows of species `{name}` (it has {}); restore the file with \
                 `git checkout -- data/csv/iris.csv`",
                    path.display(),
                    table.classes.join(", ")
                )
            })
    };
    let (neg, pos) = (index_of(negative)?, index_of(positive)?);
    let rows: Vec<usize> = (0..table.y.len())
        .filter(|&i| table.y[i] == neg || table.y[i] == pos)
        .collect();
    Ok(SpeciesPair {
        negative: negative.to_owned(),
        positive: positive.to_owned(),
        x: select_rows(&table.x, &rows),
        class: rows
            .iter()
            .map(|&i| usize::from(table.y[i] == pos))
            .collect(),
    })
}

/// One two-class problem trained and measured.
#[derive(Debug, Clone)]
pub struct PairResult {
    pub training: Training,
    pub train_accuracy: f64,
    pub test_accuracy: f64,
    pub pocket_train_accuracy: f64,
    pub pocket_test_accuracy: f64,
    /// The final weights' geometric margin on the training set (negative if it errs).
    pub margin: f32,
    /// The largest `‖(x, 1)‖` of the training points.
    pub radius: f32,
}

// ANCHOR: run_pair
/// Splits a pair (stratified, seeded) and trains a perceptron with its pocket on the
/// measurements as they are, in centimetres.
///
/// The perceptron needs no feature scaling to converge: the theorem holds in any units, and
/// centimetres keep the learned line readable. (Scaling changes `R` and `γ`, and so how many
/// updates it takes; chapter 2 standardises, because gradient descent cares much more.)
pub fn run_pair(pair: &SpeciesPair, config: &ExperimentConfig, rng: &mut impl Rng) -> PairResult {
    let (train_rows, test_rows) = stratified_split(&pair.class, config.test_fraction, rng);
    let x_train = select_rows(&pair.x, &train_rows);
    let x_test = select_rows(&pair.x, &test_rows);
    let y_train = signed_labels(&select_items(&pair.class, &train_rows), 1);
    let y_test = signed_labels(&select_items(&pair.class, &test_rows), 1);

    let training = train(x_train.view(), &y_train, &config.train, rng);
    PairResult {
        train_accuracy: accuracy(&training.last, x_train.view(), &y_train),
        test_accuracy: accuracy(&training.last, x_test.view(), &y_test),
        pocket_train_accuracy: accuracy(&training.pocket.best, x_train.view(), &y_train),
        pocket_test_accuracy: accuracy(&training.pocket.best, x_test.view(), &y_test),
        margin: margin(&training.last, x_train.view(), &y_train),
        radius: radius(x_train.view()),
        training,
    }
}
// ANCHOR_END: run_pair

/// Everything the binary reports, ready for `metrics.json` and the figures.
#[derive(Debug, Clone)]
pub struct Results {
    /// setosa/versicolor: linearly separable.
    pub separable: (SpeciesPair, PairResult),
    /// versicolor/virginica: overlapping.
    pub overlapping: (SpeciesPair, PairResult),
    pub xor: Training,
    /// Of [`SEEDS_SCANNED`] other seeds (other splits and orders), how many give the
    /// separable pair 100% test accuracy.
    pub perfect_test_seeds: usize,
    /// Wall-clock seconds spent training all three.
    pub train_seconds: f64,
}

/// How many seeds [`perfect_test_seeds`] tries.
pub const SEEDS_SCANNED: u64 = 100;

// ANCHOR: perfect_test_seeds
/// Of seeds `0..SEEDS_SCANNED`, how many splits and visiting orders give a perceptron with 100%
/// test accuracy on `pair`. Every one converges to 100% *training* accuracy (the theorem), but
/// the perceptron stops at the first line that separates the training flowers, which may pass
/// close to some of them, and a test flower near that line can fall on the wrong side.
pub fn perfect_test_seeds(pair: &SpeciesPair, config: &ExperimentConfig) -> usize {
    (0..SEEDS_SCANNED)
        .filter(|&seed| {
            run_pair(pair, config, &mut run::Rngs::new(seed).shuffle).test_accuracy == 1.0
        })
        .count()
}
// ANCHOR_END: perfect_test_seeds

/// Runs the three experiments: setosa/versicolor (separable), versicolor/virginica
/// (overlapping) and XOR.
///
/// # Errors
/// If `iris.csv` cannot be read as the experiment needs.
pub fn run_all(
    iris: &Path,
    config: &ExperimentConfig,
    rng: &mut impl Rng,
) -> anyhow::Result<Results> {
    let separable = load_pair(iris, &config.features, "setosa", "versicolor")?;
    let overlapping = load_pair(iris, &config.features, "versicolor", "virginica")?;
    let (x_xor, y_xor) = xor();
    let started = Instant::now();
    let separable_result = run_pair(&separable, config, rng);
    let overlapping_result = run_pair(&overlapping, config, rng);
    let xor = train(x_xor.view(), &y_xor, &config.train, rng);
    let perfect_test_seeds = perfect_test_seeds(&separable, config);
    Ok(Results {
        perfect_test_seeds,
        train_seconds: started.elapsed().as_secs_f64(),
        separable: (separable, separable_result),
        overlapping: (overlapping, overlapping_result),
        xor,
    })
}

/// Prints one line per problem: what converged, after how many updates, how well it does.
pub fn print_summary(results: &Results) {
    let (sep, over) = (&results.separable.1, &results.overlapping.1);
    println!("{}", separable_summary(sep, &results.separable.0.class));
    println!(
        "setosa/versicolor     100% test accuracy on {} of {SEEDS_SCANNED} other seeds (splits and orders)",
        results.perfect_test_seeds
    );
    println!(
        "versicolor/virginica  {} after {} epochs  last weights test_acc {:.4}  pocket test_acc {:.4} (train {:.4})",
        if over.training.converged_in_epoch.is_some() { "converged" } else { "no convergence" },
        over.training.mistakes_per_epoch.len(),
        over.test_accuracy,
        over.pocket_test_accuracy,
        over.pocket_train_accuracy
    );
    println!(
        "XOR                   fewest mistakes in an epoch: {} (no line separates XOR)",
        xor_fewest_mistakes(&results.xor)
    );
}

/// The summary line of the separable pair, setosa/versicolor.
///
/// The pair is linearly separable, so the theorem promises convergence; a run that did not
/// converge either needed more epochs, or never learned at all. The pocket tells which: on
/// separable data a working perceptron's best weights soon beat the share of the more common
/// class (what answering that class for every flower gets right). Pocket weights no better
/// than that mean `predict` or `update` is wrong (a flipped sign gives exactly this), and
/// more epochs would not help.
pub fn separable_summary(result: &PairResult, class: &[usize]) -> String {
    let training = &result.training;
    if let Some(epoch) = training.converged_in_epoch {
        return format!(
            "setosa/versicolor     converged in epoch {epoch} after {} updates (bound (R/γ)² = {:.1})  \
             train_acc {:.4}  test_acc {:.4}",
            training.updates,
            mistake_bound(result.radius, result.margin),
            result.train_accuracy,
            result.test_accuracy
        );
    }
    let epochs = match training.mistakes_per_epoch.len() {
        1 => "1 epoch".to_owned(),
        n => format!("{n} epochs"),
    };
    let positives = class.iter().filter(|&&c| c == 1).count();
    let chance = positives.max(class.len() - positives) as f64 / class.len().max(1) as f64;
    if result.pocket_train_accuracy <= chance + 1e-9 {
        format!(
            "setosa/versicolor     did not converge in {epochs}, and its best weights \
             (the pocket) get {:.0}% of the training flowers right: no better than calling \
             every flower the more common species ({:.0}%). These two species are linearly \
             separable, so a working perceptron separates them in a few epochs and more epochs \
             will not help: `predict` or `update` is probably wrong (a flipped sign does this); \
             run `cargo exercises test predict` and `cargo exercises test update`",
            100.0 * result.pocket_train_accuracy,
            100.0 * chance
        )
    } else {
        format!(
            "setosa/versicolor     did not converge in {epochs} (best weights so far: \
             train_acc {:.4}); the theorem says it will, after at most (R/γ)² updates: raise \
             --epochs",
            result.pocket_train_accuracy
        )
    }
}

/// The fewest mistakes XOR's perceptron made in any epoch: never 0.
pub fn xor_fewest_mistakes(xor: &Training) -> usize {
    xor.mistakes_per_epoch.iter().copied().min().unwrap_or(0)
}

/// Writes the chapter's three figures into the session's output folder.
///
/// # Errors
/// If a figure cannot be written.
pub fn write_figures(
    session: &mut run::Session,
    results: &Results,
    features: &[String],
) -> anyhow::Result<()> {
    let (pair, result) = &results.separable;
    let path = session.output("boundary_setosa_versicolor.svg");
    plot_boundary(
        &path,
        pair,
        &result.training.last,
        features,
        "Setosa vs versicolor: the perceptron's line",
    )?;
    let (pair, result) = &results.overlapping;
    let path = session.output("boundary_versicolor_virginica.svg");
    plot_boundary(
        &path,
        pair,
        &result.training.pocket.best,
        features,
        "Versicolor vs virginica: the pocket's line",
    )?;
    let path = session.output("mistakes_per_epoch.svg");
    plot_mistakes(&path, results)
}

/// The numbers for `metrics.json` and the `result:` line; `test_accuracy` is setosa/versicolor.
pub fn report(results: &Results, features: usize) -> run::Report {
    let (sep, over) = (&results.separable.1, &results.overlapping.1);
    let examples =
        sep.training.examples_seen + over.training.examples_seen + results.xor.examples_seen;
    run::Report {
        epochs: Some(sep.training.mistakes_per_epoch.len()),
        params: features + 1,
        train_seconds: Some(results.train_seconds),
        examples_per_second: examples as f64 / results.train_seconds.max(1e-9),
        ..run::Report::new("iris")
            .metric("test_accuracy", sep.test_accuracy)
            .metric("train_accuracy", sep.train_accuracy)
            .count("updates", sep.training.updates)
            .metric(
                "mistake_bound",
                f64::from(mistake_bound(sep.radius, sep.margin)),
            )
            .metric("margin", f64::from(sep.margin))
            .count("perfect_test_seeds_of_100", results.perfect_test_seeds)
            .metric("overlap_last_test_accuracy", over.test_accuracy)
            .metric("overlap_pocket_test_accuracy", over.pocket_test_accuracy)
            .metric("overlap_pocket_train_accuracy", over.pocket_train_accuracy)
            .count("xor_fewest_mistakes", xor_fewest_mistakes(&results.xor))
    }
}

/// The decision boundary of `weights` over the pair's measurements.
///
/// # Errors
/// If the figure cannot be written.
pub fn plot_boundary(
    path: &Path,
    pair: &SpeciesPair,
    weights: &crate::Perceptron,
    features: &[String],
    title: &str,
) -> anyhow::Result<()> {
    if features.len() != 2 {
        bail!(
            "a decision boundary needs exactly two --features, got {}",
            features.len()
        );
    }
    // The line w1·x1 + w2·x2 + b = 0; the side where it is positive is class 1.
    let boundary = Boundary::Line {
        w0: f64::from(weights.b),
        w1: f64::from(weights.w[0]),
        w2: f64::from(weights.w[1]),
    };
    let points: Vec<(f64, f64)> = pair
        .x
        .rows()
        .into_iter()
        .map(|r| (f64::from(r[0]), f64::from(r[1])))
        .collect();
    let unit = |name: &str| format!("{} (cm)", name.replace('_', " "));
    plot::decision_boundary(
        path,
        title,
        &unit(&features[0]),
        &unit(&features[1]),
        &points,
        &pair.class,
        &[pair.negative.as_str(), pair.positive.as_str()],
        boundary,
    )?;
    Ok(())
}

/// Mistakes per epoch for the three problems on one chart: one falls to zero, two never do.
///
/// # Errors
/// If the figure cannot be written.
pub fn plot_mistakes(path: &Path, results: &Results) -> anyhow::Result<()> {
    let series = [
        Series::from_values(
            "setosa/versicolor",
            results
                .separable
                .1
                .training
                .mistakes_per_epoch
                .iter()
                .map(|&m| m as f64),
        ),
        Series::from_values(
            "versicolor/virginica",
            results
                .overlapping
                .1
                .training
                .mistakes_per_epoch
                .iter()
                .map(|&m| m as f64),
        ),
        Series::from_values(
            "XOR",
            results.xor.mistakes_per_epoch.iter().map(|&m| m as f64),
        ),
    ];
    plot::line_chart(
        path,
        "Perceptron mistakes per epoch",
        "epoch",
        "mistakes (updates) in the epoch",
        &series,
        Scale::Linear,
    )?;
    Ok(())
}
