//! Checking a backward pass against the definition of a derivative.
//!
//! For a function `f` of some tensors, we reduce its output to a scalar
//! `L = Σ_i w_i · f(x)_i` with fixed, uneven weights `w` (a plain sum would hide a gradient
//! that is wrong by a permutation), then compare `∂L/∂x_j` from `backward()` with the central
//! difference `(L(x_j + h) - L(x_j - h)) / 2h`, one element at a time. The error measure is
//! `|a - n| / max(1, |a| + |n|)`: absolute for small gradients, relative for large ones.

use ndarray::{ArrayD, IxDyn};

use crate::graph::no_grad;
use crate::tensor::Tensor;

/// The step and tolerance used by this crate's tests: f32 has ~7 digits, so a step of 1e-3
/// leaves ~4 digits in a difference, and the truncation error of a central difference is
/// O(h²) = 1e-6.
pub const DEFAULT_STEP: f32 = 1e-3;
/// See [`DEFAULT_STEP`].
pub const DEFAULT_TOLERANCE: f32 = 1e-2;

/// Fixed projection weights 0.5..1.5 that differ from element to element.
fn weights(n: usize) -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(&[n]), |i| {
        1.0 + 0.5 * ((i[0] as f32) * 1.3 + 0.4).sin()
    })
}

fn project(out: &Tensor) -> f64 {
    let w = weights(out.len());
    out.value()
        .iter()
        .zip(w.iter())
        .map(|(&o, &w)| f64::from(o) * f64::from(w))
        .sum()
}

/// Checks the backward pass of `f`, a function of tensors made of any ops (your own, made
/// with [`Tensor::from_op`], included), at the point `inputs`: runs `f` on them as
/// parameters, back-propagates `L = Σ_i w_i · f(x)_i` (fixed uneven weights `w`), and
/// compares each element of each input's gradient with the central difference
/// `(L(x + h) - L(x - h)) / 2h`, `h` = `step`. Returns the largest error
/// `|a - n| / max(1, |a| + |n|)`; `Err` names the first input and element whose error is
/// over `tolerance`, with both values. [`DEFAULT_STEP`] and [`DEFAULT_TOLERANCE`] suit
/// inputs of order 1.
///
/// `f` runs twice per input element (under [`crate::no_grad`]), so keep the inputs small:
/// tens of elements each. A test calls it as [`Tensor::from_op`]'s example shows.
pub fn check_gradients(
    f: impl Fn(&[Tensor]) -> Tensor,
    inputs: &[ArrayD<f32>],
    step: f32,
    tolerance: f32,
) -> Result<f32, String> {
    // Row-major copies, so that element j of a gradient is element j in memory too.
    let inputs: Vec<ArrayD<f32>> = inputs
        .iter()
        .map(|x| x.as_standard_layout().into_owned())
        .collect();
    let params: Vec<Tensor> = inputs.iter().map(|x| Tensor::param(x.clone())).collect();
    let out = f(&params);
    let w = Tensor::new(
        weights(out.len())
            .into_shape_with_order(IxDyn(&out.shape()))
            .expect("same size"),
    );
    (&out * &w).sum().backward();

    let mut worst = 0.0f32;
    for (which, x) in inputs.iter().enumerate() {
        let analytic = params[which]
            .grad()
            .unwrap_or_else(|| ArrayD::zeros(x.raw_dim()));
        for (j, &a) in analytic.iter().enumerate() {
            let at = |delta: f32| {
                let nudged: Vec<Tensor> = inputs
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let mut v = v.clone();
                        if i == which {
                            let flat = v.as_slice_mut().expect("row-major, above");
                            flat[j] += delta;
                        }
                        Tensor::new(v)
                    })
                    .collect();
                no_grad(|| project(&f(&nudged)))
            };
            let numeric = ((at(step) - at(-step)) / (2.0 * f64::from(step))) as f32;
            let err = (a - numeric).abs() / (a.abs() + numeric.abs()).max(1.0);
            if err > tolerance {
                return Err(format!(
                    "input {which}, element {j}: backward gives {a}, finite differences {numeric} (error {err:.2e} > {tolerance:.0e})"
                ));
            }
            worst = worst.max(err);
        }
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `y = 2x` whose backward wrongly claims `dy/dx = 3`.
    fn wrong_double(x: &Tensor) -> Tensor {
        let y = x.value().mapv(|v| 2.0 * v);
        Tensor::from_op("wrong_double", y, &[x], |g, _| vec![Some(g * 3.0)])
    }

    #[test]
    fn a_wrong_backward_is_caught() {
        let x = ArrayD::from_shape_vec(IxDyn(&[3]), vec![0.1, -0.2, 0.3]).unwrap();
        let err = check_gradients(
            |t| wrong_double(&t[0]),
            std::slice::from_ref(&x),
            DEFAULT_STEP,
            DEFAULT_TOLERANCE,
        )
        .unwrap_err();
        assert!(err.contains("input 0, element 0"), "{err}");
        assert!(
            check_gradients(|t| t[0].scale(2.0), &[x], DEFAULT_STEP, DEFAULT_TOLERANCE).is_ok()
        );
    }
}
