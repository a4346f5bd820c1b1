//! The tests of chapter 1's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).
//!
//! Each assertion says what it checked and what the right answer means, so that a failing
//! test tells you where to look. The last test of `keep_if_better` trains on real iris
//! flowers with your three functions: the perceptron of the chapter, running on your code.

use ndarray::{array, Array1};
use perceptron::{Perceptron, Pocket};

fn perceptron(w: &[f32], b: f32) -> Perceptron {
    Perceptron {
        w: Array1::from(w.to_vec()),
        b,
    }
}

/// `w·x + b`, computed here so that a message can show the score the answer depends on.
fn score(p: &Perceptron, x: &Array1<f32>) -> f32 {
    p.w.dot(x) + p.b
}

mod predict {
    use super::*;
    use perceptron::predict;

    /// Asserts `predict(p, x) == expected`, explaining the score and the rule on failure.
    #[track_caller]
    fn assert_predicts(p: &Perceptron, x: Array1<f32>, expected: f32, what: &str) {
        let got = predict(p, x.view());
        let s = score(p, &x);
        let advice = if got == -expected {
            " You gave the opposite answer: +1.0 belongs to the side where w·x + b > 0."
        } else if got != 1.0 && got != -1.0 {
            " The answer must be exactly +1.0 or -1.0."
        } else {
            ""
        };
        assert_eq!(
            got, expected,
            "predict for {what}: with w = {}, b = {}, w·x + b = {s:.2}, so the answer should \
             be {expected:+.1}; got {got:+.1}.{advice}",
            p.w, p.b
        );
    }

    #[test]
    fn iris_flowers_fall_on_the_side_of_their_species() {
        // The line petal_length = 0.5·sepal_length: w = (-0.5, 1), b = 0 on the inputs
        // (sepal_length, petal_length) in cm. Setosa's short petals put it below (-1),
        // versicolor's long ones above (+1).
        let p = perceptron(&[-0.5, 1.0], 0.0);
        let flowers = [
            (
                "row 1 of iris.csv (setosa, 5.1 cm, 1.4 cm)",
                [5.1, 1.4],
                -1.0,
            ),
            (
                "row 2 of iris.csv (setosa, 4.9 cm, 1.4 cm)",
                [4.9, 1.4],
                -1.0,
            ),
            (
                "row 51 of iris.csv (versicolor, 7.0 cm, 4.7 cm)",
                [7.0, 4.7],
                1.0,
            ),
            (
                "row 52 of iris.csv (versicolor, 6.4 cm, 4.5 cm)",
                [6.4, 4.5],
                1.0,
            ),
        ];
        for (what, x, expected) in flowers {
            assert_predicts(&p, Array1::from(x.to_vec()), expected, what);
        }
    }

    #[test]
    fn points_on_the_positive_side_are_plus_one_and_the_others_minus_one() {
        // w·x + b = 2·x0 - x1 + 0.5
        let p = perceptron(&[2.0, -1.0], 0.5);
        assert_predicts(&p, array![1.0, 1.0], 1.0, "x = (1, 1)");
        assert_predicts(&p, array![0.0, 2.0], -1.0, "x = (0, 2)");
        assert_predicts(&p, array![-1.0, -3.0], 1.0, "x = (-1, -3)");
    }

    #[test]
    fn a_score_of_exactly_zero_is_minus_one() {
        // On the line itself the rule says -1 (only w·x + b > 0 is +1), so that the
        // all-zero perceptron's first answer is a mistake for every +1 point and training
        // can start.
        let zero = Perceptron::zeros(3);
        assert_predicts(
            &zero,
            array![1.0, 2.0, 3.0],
            -1.0,
            "the all-zero perceptron (score exactly 0)",
        );
        let p = perceptron(&[1.0, 1.0], -2.0);
        assert_predicts(
            &p,
            array![1.0, 1.0],
            -1.0,
            "x = (1, 1) on the line x0 + x1 = 2",
        );
    }

    #[test]
    fn the_bias_moves_the_threshold() {
        // The same point with and without a bias: b is part of the score.
        let x = array![0.25];
        assert_predicts(&perceptron(&[1.0], 0.0), x.clone(), 1.0, "x = 0.25, b = 0");
        assert_predicts(
            &perceptron(&[1.0], -0.5),
            x,
            -1.0,
            "x = 0.25, b = -0.5 (did you add the bias?)",
        );
    }
}

mod update {
    use super::*;
    use perceptron::update;

    /// Whether to update is your `predict`'s call: a wrong `predict` shows up here too.
    const ASKS_PREDICT: &str = "(update asks your predict whether it is a mistake: if \
                                predict's tests fail, fix it first)";

    #[test]
    fn a_mistake_moves_weights_and_bias_towards_the_point() {
        let mut p = Perceptron::zeros(2);
        // The zero perceptron says -1; the label is +1: w ← 0 + 0.5·(+1)·x, b ← 0 + 0.5.
        let changed = update(&mut p, array![2.0, -4.0].view(), 1.0, 0.5);
        assert!(
            changed,
            "update: the zero perceptron says -1 for x = (2, -4) labelled +1, a mistake, so \
             update must change the weights and return true; it returned false {ASKS_PREDICT}"
        );
        assert_eq!(
            p,
            perceptron(&[1.0, -2.0], 0.5),
            "update after a mistake on x = (2, -4), label +1, lr 0.5: w = 0 + 0.5·(+1)·x = \
             (1, -2) and b = 0 + 0.5·(+1) = 0.5 (the bias is the weight of an input fixed at 1)"
        );
        // Now a point labelled -1 that it calls +1 (score 1·3 - 2·0 + 0.5 = 3.5).
        let changed = update(&mut p, array![3.0, 0.0].view(), -1.0, 0.5);
        assert!(
            changed,
            "update: w = (1, -2), b = 0.5 scores x = (3, 0) at 3.5 and says +1, but the label \
             is -1: a mistake, so update must return true {ASKS_PREDICT}"
        );
        assert_eq!(
            p,
            perceptron(&[-0.5, -2.0], 0.0),
            "update after a mistake on x = (3, 0), label -1, lr 0.5: w = (1, -2) + 0.5·(-1)·(3, \
             0) = (-0.5, -2) and b = 0.5 + 0.5·(-1) = 0; the label's sign decides the direction"
        );
    }

    #[test]
    fn a_correct_answer_changes_nothing() {
        let mut p = perceptron(&[1.0, 1.0], 0.0);
        let before = p.clone();
        assert!(
            !update(&mut p, array![1.0, 1.0].view(), 1.0, 1.0),
            "update: w·x + b = 2 for x = (1, 1) labelled +1 is already right, so update must \
             return false: only mistakes update {ASKS_PREDICT}"
        );
        assert!(
            !update(&mut p, array![-1.0, -1.0].view(), -1.0, 1.0),
            "update: w·x + b = -2 for x = (-1, -1) labelled -1 is already right, so update must \
             return false {ASKS_PREDICT}"
        );
        assert_eq!(
            p, before,
            "update: two right answers must leave w and b as they were"
        );
    }

    #[test]
    fn after_an_update_the_point_scores_closer_to_its_label() {
        let mut p = perceptron(&[0.3, -0.7, 0.2], 0.1);
        let x = array![1.0, 2.0, -1.0];
        let before = score(&p, &x); // -1.3: a mistake for label +1
        assert!(
            update(&mut p, x.view(), 1.0, 0.1),
            "update: score -1.3 for label +1 is a mistake, so update must return true \
             {ASKS_PREDICT}"
        );
        let after = score(&p, &x);
        // The rule raises the score by lr·(‖x‖² + 1) = 0.1·(1 + 4 + 1 + 1) = 0.7.
        assert!(
            (after - before - 0.7).abs() < 1e-5,
            "update: the score of x = (1, 2, -1) (label +1, lr 0.1) should rise by \
             lr·(‖x‖² + 1) = 0.7, from {before:.2} to {:.2}; it went to {after:.2}. A fall \
             means a sign is wrong; a rise of 0.6 means the bias was not updated",
            before + 0.7
        );
    }
}

mod keep_if_better {
    use super::*;
    use perceptron::experiment::load_pair;
    use perceptron::{count_errors, keep_if_better, signed_labels, train, TrainConfig};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::path::PathBuf;

    fn pocket(errors: usize) -> Pocket {
        Pocket {
            best: perceptron(&[1.0], 0.0),
            errors,
        }
    }

    #[test]
    fn fewer_errors_go_into_the_pocket() {
        let mut p = pocket(5);
        let better = perceptron(&[2.0], 1.0);
        assert!(
            keep_if_better(&mut p, &better, 3),
            "keep_if_better: 3 errors beat the pocket's 5, so the pocket changes and the \
             function returns true"
        );
        assert_eq!(
            p,
            Pocket {
                best: better,
                errors: 3
            },
            "keep_if_better: after 3 errors beat 5, the pocket holds a copy of the new weights \
             (w = [2], b = 1) and their count, 3"
        );
    }

    #[test]
    fn ties_and_worse_weights_leave_the_pocket_alone() {
        let mut p = pocket(3);
        assert!(
            !keep_if_better(&mut p, &perceptron(&[9.0], 9.0), 3),
            "keep_if_better: 3 errors tie the pocket's 3; a tie keeps the older weights, so the \
             answer is false (use a strict <)"
        );
        assert!(
            !keep_if_better(&mut p, &perceptron(&[8.0], 8.0), 4),
            "keep_if_better: 4 errors are worse than the pocket's 3, so the answer is false"
        );
        assert_eq!(
            p,
            pocket(3),
            "keep_if_better: after a tie and a worse candidate the pocket must still hold its \
             old weights (w = [1], b = 0) and 3 errors"
        );
    }

    fn iris() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/csv/iris.csv")
    }

    /// Trains the chapter's perceptron (your `predict`, `update` and `keep_if_better`) on all
    /// the flowers of two species, on sepal and petal length, with seed 42.
    fn train_on(negative: &str, positive: &str) -> (usize, perceptron::Training, String) {
        let features = ["sepal_length".to_owned(), "petal_length".to_owned()];
        let pair = load_pair(&iris(), &features, negative, positive).expect("data/csv/iris.csv");
        let y = signed_labels(&pair.class, 1);
        let zero_errors = count_errors(&Perceptron::zeros(2), pair.x.view(), &y);
        let config = TrainConfig::default(); // at most 100 epochs, lr 1
        let training = train(
            pair.x.view(),
            &y,
            &config,
            &mut ChaCha8Rng::seed_from_u64(42),
        );
        println!(
            "{}: mistakes per epoch {:?}, pocket errors {}",
            pair.name(),
            &training.mistakes_per_epoch[..training.mistakes_per_epoch.len().min(10)],
            training.pocket.errors
        );
        (zero_errors, training, pair.name())
    }

    // Training counts mistakes, not a smooth loss: the perceptron's "loss" is the number of
    // training flowers it gets wrong.
    #[test]
    fn training_on_your_code_separates_setosa_from_versicolor() {
        let (zero_errors, training, name) = train_on("setosa", "versicolor");
        // Measured with the reference: 7 mistakes in epoch 1, none in epoch 2.
        assert_eq!(
            zero_errors, 50,
            "{name}: the all-zero perceptron says -1 for every flower, so it gets the 50 \
             versicolor wrong (this checks your predict on a score of exactly 0)"
        );
        assert!(
            training.converged_in_epoch.is_some_and(|epoch| epoch <= 10),
            "{name}: these species are linearly separable, so training must reach an epoch \
             without mistakes, within 10 epochs on this seed; it made {:?} mistakes per epoch \
             (first 10). Mistakes that never fall mean predict or update moves the line the \
             wrong way: check their tests first",
            &training.mistakes_per_epoch[..training.mistakes_per_epoch.len().min(10)]
        );
        assert_eq!(
            training.pocket.errors, 0,
            "{name}: the training errors fell from 50 (zero weights) to 0, so the pocket, which \
             keeps the fewest errors seen, must hold 0 errors; it holds {}. keep_if_better did \
             not store the better weights",
            training.pocket.errors
        );
    }

    #[test]
    fn training_on_your_code_keeps_the_best_weights_for_overlapping_species() {
        let (zero_errors, training, name) = train_on("versicolor", "virginica");
        let pocket_errors = training.pocket.errors;
        // Measured with the reference: 41, 34, 38, ... mistakes per epoch for 100 epochs, and
        // a pocket of 7 errors of 100.
        assert!(
            pocket_errors <= zero_errors / 5,
            "{name}: the species overlap, so training never converges, but the pocket must \
             keep the best weights seen: their training errors must fall from {zero_errors} \
             (zero weights) to at most {} (a fifth); the pocket holds {pocket_errors} errors. Did \
             keep_if_better store a copy of the better weights and their count?",
            zero_errors / 5
        );
        let features = ["sepal_length".to_owned(), "petal_length".to_owned()];
        let pair = load_pair(&iris(), &features, "versicolor", "virginica").unwrap();
        let recount = count_errors(
            &training.pocket.best,
            pair.x.view(),
            &signed_labels(&pair.class, 1),
        );
        assert_eq!(
            recount, pocket_errors,
            "{name}: the pocket says its weights make {pocket_errors} errors, but they make \
             {recount}: keep_if_better must store the count that goes with the weights it keeps"
        );
    }
}

mod margin {
    use super::*;
    use perceptron::margin;

    #[test]
    fn is_the_smallest_signed_distance_to_the_hyperplane() {
        // The line x0 = 1, written as w = (1, 0), b = -1: ‖(w, b)‖ = √2.
        let p = perceptron(&[1.0, 0.0], -1.0);
        let x = array![[3.0, 5.0], [1.5, -2.0], [-1.0, 0.0]];
        let y = [1.0, 1.0, -1.0];
        // Signed distances: 2/√2, 0.5/√2, 2/√2; the smallest is 0.5/√2.
        let expected = 0.5 / 2f32.sqrt();
        let got = margin(&p, x.view(), &y);
        assert!(
            (got - expected).abs() < 1e-6,
            "margin: with w = (1, 0), b = -1 (‖(w, b)‖ = √2) the signed distances y·(w·x + b)/√2 \
             of rows 0, 1, 2 are 1.414, 0.354, 1.414, so the margin is row 1's, 0.354; got \
             {got:.4}. (0.5 would mean no division by ‖(w, b)‖, or by ‖w‖ = 1 without the bias)"
        );
    }

    #[test]
    fn is_negative_when_a_point_is_on_the_wrong_side() {
        let p = perceptron(&[1.0, 0.0], -1.0);
        let x = array![[3.0, 0.0], [0.0, 0.0]];
        let got = margin(&p, x.view(), &[1.0, 1.0]);
        assert!(
            got < 0.0,
            "margin: row 1, x = (0, 0) labelled +1, scores w·x + b = -1: on the wrong side, so \
             its signed distance is -1/√2 and the margin must be negative; got {got:.4}. \
             Multiply by the label y, and don't take absolute values"
        );
    }

    #[test]
    fn does_not_change_when_the_weights_are_scaled() {
        let x = array![[1.0, 2.0], [-2.0, 0.5], [0.5, -1.0]];
        let y = [1.0, -1.0, -1.0];
        let a = margin(&perceptron(&[1.0, 2.0], -0.5), x.view(), &y);
        let b = margin(&perceptron(&[10.0, 20.0], -5.0), x.view(), &y);
        assert!(
            (a - b).abs() < 1e-6,
            "margin: w = (1, 2), b = -0.5 and ten times those describe the same line, so the \
             geometric margin must be the same, but it is {a:.4} and {b:.4}: divide by \
             ‖(w, b)‖ = sqrt(w·w + b²)"
        );
    }
}
