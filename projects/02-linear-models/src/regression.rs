//! Linear regression: the mean squared error, its exact minimum from the normal equations,
//! and the two numbers that say how good a fit is, R² and RMSE.

use crate::{solve_normal_equations, Linear};
use anyhow::bail;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};

// ANCHOR: mse_loss
/// The mean squared error of the model's predictions `ŷ = x·w + b` against targets `y`:
/// the mean of `(ŷ − y)²` over all `n·k` entries, for `x: [n, inputs]` and `y: [n, k]`.
pub fn mse_loss(model: &Linear, x: ArrayView2<f32>, y: ArrayView2<f32>) -> f64 {
    let error = model.forward(x) - y; // [n, k]
                                      // Summed in f64: the loss of a good fit is a small difference of large numbers.
    let sum: f64 = error.iter().map(|&e| f64::from(e) * f64::from(e)).sum();
    sum / y.len() as f64
}
// ANCHOR_END: mse_loss

// ANCHOR: least_squares
/// The weights that minimise [`mse_loss`] exactly: the solution of the normal equations
/// `(X̃ᵀX̃)·v = X̃ᵀy`, where `X̃ = [x, 1]` is `x: [n, inputs]` with a column of ones for the
/// bias, and `v = (w, b)`. One solve per output column of `y: [n, k]`.
///
/// Built and solved in f64: `X̃ᵀX̃` squares the condition number of `x`, and f32's seven
/// digits would lose the small directions.
///
/// # Errors
/// If `X̃ᵀX̃` is not positive definite: some feature is constant, or a combination of others,
/// so that many weight vectors fit equally well.
pub fn least_squares(x: ArrayView2<f32>, y: ArrayView2<f32>) -> anyhow::Result<Linear> {
    let (n, inputs) = x.dim();
    let mut x1 = Array2::<f64>::ones((n, inputs + 1)); // [n, inputs + 1]: the last column stays 1
    x1.slice_mut(s![.., ..inputs]).assign(&x.mapv(f64::from));
    let a = x1.t().dot(&x1); // [inputs + 1, n]·[n, inputs + 1] -> [inputs + 1, inputs + 1]
    let c = x1.t().dot(&y.mapv(f64::from)); // [inputs + 1, n]·[n, k] -> [inputs + 1, k]

    let mut model = Linear::zeros(inputs, y.ncols());
    for (k, column) in c.axis_iter(Axis(1)).enumerate() {
        let Some(v) = solve_normal_equations(a.view(), column) else {
            bail!(
                "the normal equations have no unique solution: XᵀX is not positive definite, \
                 so some feature is constant or a combination of the others; drop it"
            );
        };
        // v = (w, b): [inputs + 1]
        model
            .w
            .column_mut(k)
            .assign(&v.slice(s![..inputs]).mapv(|x| x as f32));
        model.b[k] = v[inputs] as f32;
    }
    Ok(model)
}
// ANCHOR_END: least_squares

// ANCHOR: fit_quality
/// Root mean squared error between predictions and targets (both `[n]`), in the units of
/// the target.
///
/// # Panics
/// If the lengths differ.
#[track_caller]
pub fn rmse(predicted: ArrayView1<f32>, target: ArrayView1<f32>) -> f64 {
    (sum_of_squares(predicted, target) / target.len() as f64).sqrt()
}

/// The coefficient of determination: `1 − Σ(ŷ − y)² / Σ(y − ȳ)²`, where `ȳ` is the mean of
/// `target`. 1 is a perfect fit; 0 is no better than predicting `ȳ` for every row; it is
/// negative for a model worse than that.
///
/// # Panics
/// If the lengths differ.
#[track_caller]
pub fn r_squared(predicted: ArrayView1<f32>, target: ArrayView1<f32>) -> f64 {
    let mean = target.iter().map(|&t| f64::from(t)).sum::<f64>() / target.len() as f64;
    let total: f64 = target.iter().map(|&t| (f64::from(t) - mean).powi(2)).sum();
    1.0 - sum_of_squares(predicted, target) / total
}
// ANCHOR_END: fit_quality

#[track_caller]
fn sum_of_squares(predicted: ArrayView1<f32>, target: ArrayView1<f32>) -> f64 {
    assert_eq!(predicted.len(), target.len(), "one prediction per target");
    predicted
        .iter()
        .zip(target)
        .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
        .sum()
}

/// The predictions of a one-output model as `[n]`: `x: [n, inputs]` -> `[n]`.
pub fn predict(model: &Linear, x: ArrayView2<f32>) -> Array1<f32> {
    model.forward(x).column(0).to_owned() // [n, 1] -> [n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn least_squares_recovers_an_exact_line() {
        // y = 2·x0 − 3·x1 + 5, no noise.
        let x = array![[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [3.0, -1.0]];
        let y = x.map_axis(Axis(1), |r| 2.0 * r[0] - 3.0 * r[1] + 5.0);
        let y = y.insert_axis(Axis(1));
        let model = least_squares(x.view(), y.view()).unwrap();
        assert!((model.w[[0, 0]] - 2.0).abs() < 1e-5, "{model:?}");
        assert!((model.w[[1, 0]] + 3.0).abs() < 1e-5, "{model:?}");
        assert!((model.b[0] - 5.0).abs() < 1e-5, "{model:?}");
        assert!(mse_loss(&model, x.view(), y.view()) < 1e-9);
    }

    #[test]
    fn a_constant_feature_makes_the_normal_equations_singular() {
        // After standardising, a constant column is all zeros.
        let x = array![[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]];
        let y = array![[1.0], [2.0], [3.5]];
        let error = least_squares(x.view(), y.view()).unwrap_err().to_string();
        assert!(error.contains("constant"), "{error}");
    }

    #[test]
    fn r_squared_is_one_for_a_perfect_fit_and_zero_for_the_mean() {
        let y = array![1.0, 2.0, 3.0, 6.0];
        assert_eq!(r_squared(y.view(), y.view()), 1.0);
        let mean = Array1::from_elem(4, 3.0);
        assert!(r_squared(mean.view(), y.view()).abs() < 1e-12);
        assert!((rmse(mean.view(), y.view()) - (14.0f64 / 4.0).sqrt()).abs() < 1e-9);
    }
}
