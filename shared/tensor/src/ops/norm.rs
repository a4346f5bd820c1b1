//! Layer normalisation, fused: one pass forward, the closed-form gradient backward.

use ndarray::{Array1, Array2, ArrayD, Axis, Ix1, Zip};

use crate::tensor::Tensor;

// ANCHOR: layer_norm
/// Normalises each vector along the last axis to mean 0 and variance 1, then scales by
/// `gamma` and shifts by `beta` (both `[D]`, D the last axis):
/// `y = (x - μ)/√(σ² + eps) · γ + β`.
///
/// Backward, per row, with `x̂ = (x - μ)·r`, `r = 1/√(σ² + eps)` and `ĝ = dy·γ`:
/// `dx = r·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))`, `dγ = Σ_rows dy·x̂`, `dβ = Σ_rows dy`.
///
/// # Panics
/// If `gamma` or `beta` is not `[D]`.
#[track_caller]
pub fn layer_norm(x: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f32) -> Tensor {
    let xv = x.value();
    let shape = xv.shape().to_vec();
    let d = *shape
        .last()
        .expect("layer_norm: input must have at least one axis");
    assert!(
        gamma.shape() == [d] && beta.shape() == [d],
        "layer_norm: gamma {:?} and beta {:?} must both be [{d}] for input {shape:?}",
        gamma.shape(),
        beta.shape()
    );
    let rows = xv.len() / d;
    let (gv, bv) = (
        gamma.value().into_dimensionality::<Ix1>().expect("1-D"),
        beta.value().into_dimensionality::<Ix1>().expect("1-D"),
    );
    let x2 = xv.to_shape((rows, d)).expect("same size").into_owned();
    let mut x_hat = Array2::zeros((rows, d));
    let mut r = Array1::zeros(rows);
    for ((row, mut hat), r) in x2
        .outer_iter()
        .zip(x_hat.outer_iter_mut())
        .zip(r.iter_mut())
    {
        let mean = row.sum() / d as f32;
        let var = row.fold(0.0, |s, &v| s + (v - mean) * (v - mean)) / d as f32;
        *r = 1.0 / (var + eps).sqrt();
        Zip::from(&mut hat)
            .and(&row)
            .for_each(|h, &v| *h = (v - mean) * *r);
    }
    let y = (&x_hat * &gv + &bv)
        .into_shape_with_order(shape.clone())
        .expect("same size");
    Tensor::from_op("layer_norm", y, &[x, gamma, beta], move |g, need| {
        let g2 = g.to_shape((rows, d)).expect("same size");
        let dx = need[0].then(|| {
            let mut dx = Array2::zeros((rows, d));
            for (((g, hat), &r), mut dx) in g2
                .outer_iter()
                .zip(x_hat.outer_iter())
                .zip(&r)
                .zip(dx.outer_iter_mut())
            {
                let gh = &g * &gv; // ĝ
                let mean_gh = gh.sum() / d as f32;
                let mean_gh_hat = gh.dot(&hat) / d as f32;
                Zip::from(&mut dx)
                    .and(&gh)
                    .and(&hat)
                    .for_each(|dx, &gh, &h| *dx = r * (gh - mean_gh - h * mean_gh_hat));
            }
            dx.into_shape_with_order(shape.clone()).expect("same size")
        });
        let dgamma: Option<ArrayD<f32>> =
            need[1].then(|| (&g2 * &x_hat).sum_axis(Axis(0)).into_dyn());
        let dbeta = need[2].then(|| g2.sum_axis(Axis(0)).into_dyn());
        vec![dx, dgamma, dbeta]
    })
}
// ANCHOR_END: layer_norm
