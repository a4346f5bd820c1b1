//! Seeded shuffles, mini-batches, train/test splits and standardisation.
//!
//! Everything random takes the caller's `&mut impl Rng` (a seeded ChaCha8 from the run
//! crate), never a global one, so the same seed gives the same order on every machine.
//! Split indices come back sorted, so "which rows are in the test set" reads in file order;
//! shuffle them per epoch with [`shuffled_indices`].

use ndarray::{Array1, Array2, Axis};
use rand::seq::SliceRandom;
use rand::Rng;

/// `0..n` in a random order drawn from `rng`: one epoch's visiting order.
pub fn shuffled_indices(n: usize, rng: &mut impl Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    // Fisher-Yates: every one of the n! orders is equally likely.
    order.shuffle(rng);
    order
}

/// What to do with the last batch when the batch size does not divide the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastBatch {
    /// Keep the smaller last batch: every example is seen once per epoch.
    Keep,
    /// Drop it: every batch has exactly `batch_size` examples (steadier statistics for
    /// batch norm and for a GAN), at the price of skipping a few examples each epoch.
    Drop,
}

/// Cuts `indices` into consecutive batches of `batch_size`, the last one kept or dropped.
///
/// With an order from [`shuffled_indices`] and [`LastBatch::Keep`], the batches of an epoch
/// cover every index exactly once.
///
/// # Panics
/// If `batch_size` is 0 (check the `--batch-size` flag with a range).
#[track_caller]
pub fn batches(
    indices: &[usize],
    batch_size: usize,
    last: LastBatch,
) -> impl Iterator<Item = &[usize]> {
    assert!(batch_size > 0, "batch_size must be at least 1");
    indices
        .chunks(batch_size)
        .filter(move |batch| last == LastBatch::Keep || batch.len() == batch_size)
}

/// Splits `0..n` at random into `(train, test)`, `round(n * test_fraction)` in test, each
/// sorted: for regression, where there are no classes to stratify by.
///
/// # Panics
/// If `test_fraction` is not in `[0, 1]`.
#[track_caller]
pub fn random_split(n: usize, test_fraction: f64, rng: &mut impl Rng) -> (Vec<usize>, Vec<usize>) {
    check_fraction(test_fraction);
    let mut order = shuffled_indices(n, rng);
    let n_test = (n as f64 * test_fraction).round() as usize;
    let mut train = order.split_off(n_test);
    let mut test = order;
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

/// Splits example indices into `(train, test)` so that each class is split in proportion:
/// `round(count * test_fraction)` of each class's examples, drawn at random, go to test.
///
/// Both lists are sorted, disjoint, and together hold every index `0..labels.len()` once.
/// A plain random split of a small dataset can leave a class nearly absent from the test
/// set; this cannot.
///
/// # Panics
/// If `test_fraction` is not in `[0, 1]`.
#[track_caller]
pub fn stratified_split(
    labels: &[usize],
    test_fraction: f64,
    rng: &mut impl Rng,
) -> (Vec<usize>, Vec<usize>) {
    check_fraction(test_fraction);
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    let mut by_class = vec![Vec::new(); classes];
    for (i, &label) in labels.iter().enumerate() {
        by_class[label].push(i);
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    // Classes in order 0, 1, ... so the draws from `rng` happen in a fixed order.
    for mut members in by_class {
        members.shuffle(rng);
        let n_test = (members.len() as f64 * test_fraction).round() as usize;
        test.extend_from_slice(&members[..n_test]);
        train.extend_from_slice(&members[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

#[track_caller]
fn check_fraction(test_fraction: f64) {
    assert!(
        (0.0..=1.0).contains(&test_fraction),
        "test_fraction must be in [0, 1], got {test_fraction}"
    );
}

/// The rows of `x` at `indices`, in that order: `[n, features]` -> `[indices.len(), features]`.
///
/// # Panics
/// If an index is `>= x.nrows()`.
#[track_caller]
pub fn select_rows<T: Clone>(x: &Array2<T>, indices: &[usize]) -> Array2<T> {
    x.select(Axis(0), indices)
}

/// The items of `items` at `indices`, in that order: labels to go with [`select_rows`].
///
/// # Panics
/// If an index is `>= items.len()`.
#[track_caller]
pub fn select_items<T: Clone>(items: &[T], indices: &[usize]) -> Vec<T> {
    indices.iter().map(|&i| items[i].clone()).collect()
}

/// Rescales each feature column to mean 0 and standard deviation 1, with the mean and
/// standard deviation of the **training** rows, then applies the same to validation and
/// test rows, so nothing about them leaks into training.
///
/// A constant column has standard deviation 0; it is divided by 1 instead, so it becomes all
/// zeros rather than NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Mean of each column over the rows it was fitted on, `[features]`.
    pub mean: Array1<f32>,
    /// Standard deviation of each column (population, dividing by n), or 1 for a constant
    /// column, `[features]`.
    pub std: Array1<f32>,
}

impl Standardizer {
    /// Measures the mean and standard deviation of each column of `x`, `[rows, features]`.
    ///
    /// # Panics
    /// If `x` has no rows: there is nothing to measure (our loaders never return none).
    #[track_caller]
    pub fn fit(x: &Array2<f32>) -> Standardizer {
        assert!(x.nrows() > 0, "cannot fit a Standardizer on 0 rows");
        let n = x.nrows() as f64;
        // Sums in f64: summing thousands of f32 values in f32 loses digits.
        let column_stats = |column: ndarray::ArrayView1<f32>| {
            let mean = column.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = column
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / n;
            let std = var.sqrt();
            (mean as f32, if std > 0.0 { std as f32 } else { 1.0 })
        };
        let (mean, std): (Vec<f32>, Vec<f32>) = x.columns().into_iter().map(column_stats).unzip();
        Standardizer {
            mean: Array1::from(mean),
            std: Array1::from(std),
        }
    }

    /// `(x - mean) / std`, column by column: `[rows, features]` in, same shape out.
    ///
    /// # Panics
    /// If `x` does not have as many columns as the fitted data.
    #[track_caller]
    pub fn transform(&self, x: &Array2<f32>) -> Array2<f32> {
        self.check_columns(x);
        (x - &self.mean) / &self.std
    }

    /// `x * std + mean`: back to the original units (say, a predicted regression target).
    ///
    /// # Panics
    /// If `x` does not have as many columns as the fitted data.
    #[track_caller]
    pub fn inverse_transform(&self, x: &Array2<f32>) -> Array2<f32> {
        self.check_columns(x);
        x * &self.std + &self.mean
    }

    #[track_caller]
    fn check_columns(&self, x: &Array2<f32>) {
        assert_eq!(
            x.ncols(),
            self.mean.len(),
            "Standardizer fitted on {} columns, given x of shape {:?}",
            self.mean.len(),
            x.shape()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn the_same_seed_gives_the_same_shuffle() {
        assert_eq!(
            shuffled_indices(50, &mut rng(7)),
            shuffled_indices(50, &mut rng(7))
        );
        assert_ne!(
            shuffled_indices(50, &mut rng(7)),
            shuffled_indices(50, &mut rng(8))
        );
    }

    #[test]
    fn the_last_partial_batch_is_kept_or_dropped() {
        let idx: Vec<usize> = (0..10).collect();
        let kept: Vec<&[usize]> = batches(&idx, 4, LastBatch::Keep).collect();
        assert_eq!(kept, [&[0, 1, 2, 3][..], &[4, 5, 6, 7], &[8, 9]]);
        let dropped: Vec<&[usize]> = batches(&idx, 4, LastBatch::Drop).collect();
        assert_eq!(dropped, [&[0, 1, 2, 3][..], &[4, 5, 6, 7]]);
        assert_eq!(batches(&idx, 5, LastBatch::Drop).count(), 2);
        assert_eq!(batches(&[], 5, LastBatch::Keep).count(), 0);
    }

    #[test]
    #[should_panic(expected = "batch_size must be at least 1")]
    fn a_batch_size_of_zero_is_a_bug() {
        let _ = batches(&[1, 2], 0, LastBatch::Keep);
    }

    #[test]
    fn stratified_split_on_a_small_example() {
        // 10 of class 0, 5 of class 1 -> 2 and 1 of them in test at 20%.
        let labels: Vec<usize> = [vec![0; 10], vec![1; 5]].concat();
        let (train, test) = stratified_split(&labels, 0.2, &mut rng(1));
        assert_eq!((train.len(), test.len()), (12, 3));
        assert_eq!(test.iter().filter(|&&i| labels[i] == 1).count(), 1);
        assert!(test.windows(2).all(|w| w[0] < w[1]), "sorted");
    }

    #[test]
    fn split_fractions_zero_and_one_put_everything_on_one_side() {
        let labels = [0, 1, 1, 2];
        assert_eq!(
            stratified_split(&labels, 0.0, &mut rng(1)),
            (vec![0, 1, 2, 3], vec![])
        );
        assert_eq!(
            stratified_split(&labels, 1.0, &mut rng(1)),
            (vec![], vec![0, 1, 2, 3])
        );
        assert_eq!(random_split(3, 1.0, &mut rng(1)), (vec![], vec![0, 1, 2]));
    }

    #[test]
    #[should_panic(expected = "test_fraction must be in [0, 1], got 1.5")]
    fn a_fraction_above_one_is_a_bug() {
        random_split(3, 1.5, &mut rng(1));
    }

    #[test]
    fn select_rows_and_items_pick_in_order() {
        let x = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
        assert_eq!(select_rows(&x, &[2, 0]), array![[5.0, 6.0], [1.0, 2.0]]);
        assert_eq!(select_items(&["a", "b", "c"], &[2, 0, 2]), ["c", "a", "c"]);
    }

    #[test]
    fn standardizer_uses_training_statistics_and_survives_constant_columns() {
        let train = array![[1.0f32, 5.0], [3.0, 5.0]]; // column 1 is constant
        let s = Standardizer::fit(&train);
        assert_eq!(s.mean, array![2.0, 5.0]);
        assert_eq!(s.std, array![1.0, 1.0]); // the real 1, and the stand-in for 0
        assert_eq!(s.transform(&train), array![[-1.0, 0.0], [1.0, 0.0]]);
        let test = array![[5.0f32, 7.0]];
        assert_eq!(s.transform(&test), array![[3.0, 2.0]]); // train's statistics, not test's
        assert_eq!(s.inverse_transform(&s.transform(&test)), test);
    }

    #[test]
    #[should_panic(expected = "Standardizer fitted on 2 columns, given x of shape [1, 3]")]
    fn standardizing_the_wrong_width_is_a_bug() {
        Standardizer::fit(&array![[1.0f32, 2.0]]).transform(&array![[1.0, 2.0, 3.0]]);
    }

    proptest! {
        #[test]
        fn shuffles_are_permutations(n in 0usize..300, seed in any::<u64>()) {
            let mut order = shuffled_indices(n, &mut rng(seed));
            order.sort_unstable();
            prop_assert_eq!(order, (0..n).collect::<Vec<_>>());
        }

        #[test]
        fn batches_cover_each_index_once(
            n in 0usize..300, batch_size in 1usize..40, seed in any::<u64>(),
        ) {
            let order = shuffled_indices(n, &mut rng(seed));
            let mut seen: Vec<usize> = batches(&order, batch_size, LastBatch::Keep)
                .inspect(|b| assert!(!b.is_empty() && b.len() <= batch_size))
                .flatten()
                .copied()
                .collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..n).collect::<Vec<_>>());
            let full = batches(&order, batch_size, LastBatch::Drop).count();
            prop_assert_eq!(full, n / batch_size);
        }

        #[test]
        fn stratified_split_is_disjoint_complete_and_proportional(
            labels in proptest::collection::vec(0usize..5, 0..200),
            test_fraction in 0.0f64..=1.0,
            seed in any::<u64>(),
        ) {
            let (train, test) = stratified_split(&labels, test_fraction, &mut rng(seed));
            let mut all = [train.clone(), test.clone()].concat();
            all.sort_unstable();
            prop_assert_eq!(all, (0..labels.len()).collect::<Vec<_>>());
            for class in 0..5 {
                let count = labels.iter().filter(|&&l| l == class).count();
                let in_test = test.iter().filter(|&&i| labels[i] == class).count();
                let wanted = count as f64 * test_fraction;
                prop_assert!((in_test as f64 - wanted).abs() <= 0.5 + 1e-9,
                    "class {class}: {in_test} of {count} in test, wanted {wanted}");
            }
        }

        #[test]
        fn random_split_is_disjoint_and_complete(
            n in 0usize..200, test_fraction in 0.0f64..=1.0, seed in any::<u64>(),
        ) {
            let (train, test) = random_split(n, test_fraction, &mut rng(seed));
            prop_assert!((test.len() as f64 - n as f64 * test_fraction).abs() <= 0.5 + 1e-9);
            let mut all = [train, test].concat();
            all.sort_unstable();
            prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        }

        #[test]
        fn standardized_training_columns_have_mean_0_and_std_1(
            rows in proptest::collection::vec(proptest::collection::vec(-1e3f32..1e3, 3), 2..50),
        ) {
            let x = Array2::from_shape_fn((rows.len(), 3), |(r, c)| rows[r][c]);
            let z = Standardizer::fit(&x).transform(&x);
            for column in z.columns() {
                let mean = column.mean().unwrap();
                let std = column.std(0.0);
                prop_assert!(mean.abs() < 1e-3, "mean {mean}");
                prop_assert!((std - 1.0).abs() < 1e-3 || std < 1e-6, "std {std}");
            }
        }
    }
}
