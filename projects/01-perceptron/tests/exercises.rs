//! The tests of chapter 1's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).

use ndarray::{array, Array1};
use perceptron::{Perceptron, Pocket};

fn perceptron(w: &[f32], b: f32) -> Perceptron {
    Perceptron {
        w: Array1::from(w.to_vec()),
        b,
    }
}

mod predict {
    use super::*;
    use perceptron::predict;

    #[test]
    fn points_on_the_positive_side_are_plus_one_and_the_others_minus_one() {
        // w·x + b = 2·x0 - x1 + 0.5
        let p = perceptron(&[2.0, -1.0], 0.5);
        assert_eq!(predict(&p, array![1.0, 1.0].view()), 1.0); // 1.5
        assert_eq!(predict(&p, array![0.0, 2.0].view()), -1.0); // -1.5
        assert_eq!(predict(&p, array![-1.0, -3.0].view()), 1.0); // 1.5
    }

    #[test]
    fn a_score_of_exactly_zero_is_minus_one() {
        let zero = Perceptron::zeros(3);
        assert_eq!(predict(&zero, array![1.0, 2.0, 3.0].view()), -1.0);
        let p = perceptron(&[1.0, 1.0], -2.0);
        assert_eq!(predict(&p, array![1.0, 1.0].view()), -1.0);
    }

    #[test]
    fn the_bias_moves_the_threshold() {
        let x = array![0.25];
        assert_eq!(predict(&perceptron(&[1.0], 0.0), x.view()), 1.0);
        assert_eq!(predict(&perceptron(&[1.0], -0.5), x.view()), -1.0);
    }
}

mod update {
    use super::*;
    use perceptron::update;

    #[test]
    fn a_mistake_moves_weights_and_bias_towards_the_point() {
        let mut p = Perceptron::zeros(2);
        // The zero perceptron says -1; the label is +1: w ← 0 + 0.5·(+1)·x, b ← 0 + 0.5.
        assert!(update(&mut p, array![2.0, -4.0].view(), 1.0, 0.5));
        assert_eq!(p, perceptron(&[1.0, -2.0], 0.5));
        // Now a point labelled -1 that it calls +1 (score 1·3 - 2·0 + 0.5 = 3.5).
        assert!(update(&mut p, array![3.0, 0.0].view(), -1.0, 0.5));
        assert_eq!(p, perceptron(&[-0.5, -2.0], 0.0));
    }

    #[test]
    fn a_correct_answer_changes_nothing() {
        let mut p = perceptron(&[1.0, 1.0], 0.0);
        let before = p.clone();
        assert!(!update(&mut p, array![1.0, 1.0].view(), 1.0, 1.0));
        assert!(!update(&mut p, array![-1.0, -1.0].view(), -1.0, 1.0));
        assert_eq!(p, before);
    }

    #[test]
    fn after_an_update_the_point_scores_closer_to_its_label() {
        let mut p = perceptron(&[0.3, -0.7, 0.2], 0.1);
        let x = array![1.0, 2.0, -1.0];
        let before = p.w.dot(&x) + p.b; // -1.3: a mistake for label +1
        assert!(update(&mut p, x.view(), 1.0, 0.1));
        let after = p.w.dot(&x) + p.b;
        // The rule raises the score by lr·(‖x‖² + 1) = 0.1·7.
        assert!((after - before - 0.7).abs() < 1e-5, "{before} -> {after}");
    }
}

mod keep_if_better {
    use super::*;
    use perceptron::keep_if_better;

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
        assert!(keep_if_better(&mut p, &better, 3));
        assert_eq!(
            p,
            Pocket {
                best: better,
                errors: 3
            }
        );
    }

    #[test]
    fn ties_and_worse_weights_leave_the_pocket_alone() {
        let mut p = pocket(3);
        assert!(!keep_if_better(&mut p, &perceptron(&[9.0], 9.0), 3));
        assert!(!keep_if_better(&mut p, &perceptron(&[8.0], 8.0), 4));
        assert_eq!(p, pocket(3));
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
        assert!((margin(&p, x.view(), &y) - expected).abs() < 1e-6);
    }

    #[test]
    fn is_negative_when_a_point_is_on_the_wrong_side() {
        let p = perceptron(&[1.0, 0.0], -1.0);
        let x = array![[3.0, 0.0], [0.0, 0.0]];
        assert!(margin(&p, x.view(), &[1.0, 1.0]) < 0.0);
    }

    #[test]
    fn does_not_change_when_the_weights_are_scaled() {
        let x = array![[1.0, 2.0], [-2.0, 0.5], [0.5, -1.0]];
        let y = [1.0, -1.0, -1.0];
        let a = margin(&perceptron(&[1.0, 2.0], -0.5), x.view(), &y);
        let b = margin(&perceptron(&[10.0, 20.0], -5.0), x.view(), &y);
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
}
