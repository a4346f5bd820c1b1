//! Logistic regression: a linear score squashed into a probability by the sigmoid, and
//! trained by the binary cross-entropy.

use crate::Linear;
use ndarray::{Array2, ArrayView2};

// ANCHOR: sigmoid
/// The logistic function `σ(z) = 1 / (1 + e^(−z))`: any score to a probability in (0, 1).
pub fn sigmoid(z: f32) -> f32 {
    // e^(−z) overflows f32 for z below about −88. For negative z the same value is
    // e^z / (1 + e^z), whose exponent is then negative and cannot overflow.
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}
// ANCHOR_END: sigmoid

// ANCHOR: logistic_loss
/// The binary cross-entropy of a one-output model on `x: [n, inputs]` with class labels
/// 0 or 1: the mean of `−ln p` for the examples of class 1 and `−ln(1 − p)` for those of
/// class 0, where `p = σ(z)` is the predicted probability of class 1.
///
/// # Panics
/// If there is not one label per row, or the model has more than one output.
#[track_caller]
pub fn logistic_loss(model: &Linear, x: ArrayView2<f32>, labels: &[usize]) -> f64 {
    assert_eq!(model.b.len(), 1, "logistic regression has one output");
    assert_eq!(x.nrows(), labels.len(), "one label per row of x");
    let z = model.forward(x); // [n, 1]
    let sum: f64 = z
        .iter()
        .zip(labels)
        .map(|(&z, &y)| {
            // −ln σ(z) = ln(1 + e^(−z)) and −ln(1 − σ(z)) = ln(1 + e^z): both are
            // softplus(±z), computed as max(t, 0) + ln(1 + e^(−|t|)) so that no exponent
            // overflows and a confident right answer costs ~0, not ln(1) of a rounded 1.
            let t = f64::from(if y == 1 { -z } else { z });
            t.max(0.0) + (-t.abs()).exp().ln_1p()
        })
        .sum();
    sum / labels.len() as f64
}
// ANCHOR_END: logistic_loss

/// The predicted class of each row: 1 when `p = σ(z) ≥ 0.5`, that is when `z ≥ 0`.
pub fn predict(model: &Linear, x: ArrayView2<f32>) -> Vec<usize> {
    model
        .forward(x) // [n, 1]
        .iter()
        .map(|&z| usize::from(z >= 0.0))
        .collect()
}

/// Precision and recall for class 1 from a `[true, predicted]` 2×2 confusion matrix:
/// precision = of the examples called 1, the share that are 1; recall = of the examples that
/// are 1, the share called 1. Either is 0 when its denominator is.
pub fn precision_recall(counts: &Array2<usize>) -> (f64, f64) {
    let (true_pos, false_pos, false_neg) = (counts[[1, 1]], counts[[0, 1]], counts[[1, 0]]);
    let share = |a: usize, b: usize| {
        if a + b == 0 {
            0.0
        } else {
            a as f64 / (a + b) as f64
        }
    };
    (share(true_pos, false_pos), share(true_pos, false_neg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn sigmoid_is_finite_and_symmetric_everywhere() {
        assert_eq!(sigmoid(0.0), 0.5);
        for z in [-1000.0, -90.0, -3.0, 0.5, 20.0, 1000.0] {
            let p = sigmoid(z);
            assert!(p.is_finite() && (0.0..=1.0).contains(&p), "σ({z}) = {p}");
            assert!(
                (p + sigmoid(-z) - 1.0).abs() < 1e-6,
                "σ({z}) + σ({}) ≠ 1",
                -z
            );
        }
    }

    #[test]
    fn the_loss_of_a_confident_right_answer_is_near_zero_and_of_a_wrong_one_is_large() {
        let model = Linear {
            w: array![[100.0]],
            b: array![0.0],
        };
        let x = array![[1.0], [-1.0]];
        assert!(logistic_loss(&model, x.view(), &[1, 0]) < 1e-30);
        let wrong = logistic_loss(&model, x.view(), &[0, 1]);
        assert!((wrong - 100.0).abs() < 1e-6, "{wrong}");
        // Zero weights say p = 0.5 for everything: a loss of ln 2.
        let zero = Linear::zeros(1, 1);
        assert!((logistic_loss(&zero, x.view(), &[1, 0]) - 2f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn precision_and_recall_read_the_confusion_matrix() {
        // 50 true negatives, 2 false positives, 3 false negatives, 45 true positives.
        let counts = array![[50, 2], [3, 45]];
        let (precision, recall) = precision_recall(&counts);
        assert!((precision - 45.0 / 47.0).abs() < 1e-12);
        assert!((recall - 45.0 / 48.0).abs() < 1e-12);
    }
}
