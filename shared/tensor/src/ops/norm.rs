//! Layer and batch normalisation, fused: one pass forward, the closed-form gradient backward.

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
    // Normalising over no values is 0/0: NaN, not a layer's output.
    assert!(
        d > 0,
        "layer_norm: the last axis of input {shape:?} is empty"
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

// ANCHOR: batch_norm
/// Batch normalisation in training mode: normalises each channel (axis 1) of `x: [N, C, ...]`
/// over the batch and every other axis to mean 0 and variance 1, then scales by `gamma` and
/// shifts by `beta` (both `[C]`): `y = (x - μ_c)/√(σ²_c + eps) · γ_c + β_c`.
///
/// Returns `y` and the batch's per-channel mean and (biased) variance, for the running
/// statistics a layer keeps for evaluation.
///
/// Backward, per channel over its `M` values, with `x̂ = (x - μ)·r`, `r = 1/√(σ² + eps)`:
/// `dx = γ·r·(dy - mean(dy) - x̂·mean(dy·x̂))`, `dγ = Σ dy·x̂`, `dβ = Σ dy`.
/// (Composed from primitives, the same layer made a DCGAN step four times slower: a dozen
/// passes over the maps, each allocating a full-size array.)
///
/// # Panics
/// If `x` has fewer than 2 axes or `gamma` or `beta` is not `[C]`.
#[track_caller]
pub fn batch_norm(
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    eps: f32,
) -> (Tensor, Array1<f32>, Array1<f32>) {
    let xv = x.value();
    let shape = xv.shape().to_vec();
    assert!(
        shape.len() >= 2,
        "batch_norm: input must be [N, C, ...], got {shape:?}"
    );
    let (n, c) = (shape[0], shape[1]);
    assert!(
        gamma.shape() == [c] && beta.shape() == [c],
        "batch_norm: gamma {:?} and beta {:?} must both be [{c}] for input {shape:?}",
        gamma.shape(),
        beta.shape()
    );
    // Batch statistics over no values are 0/0: NaN, not a normalisation.
    assert!(
        !xv.is_empty(),
        "batch_norm: input {shape:?} holds no values to take batch statistics of"
    );
    let s = xv.len() / (n * c).max(1); // positions per channel in one example
    let count = (n * s) as f32; // M
    let (gv, bv) = (gamma.value(), beta.value());
    let (gv, bv) = (gv.as_standard_layout(), bv.as_standard_layout());
    let (gs, bs) = (gv.as_slice().expect("1-D"), bv.as_slice().expect("1-D"));
    let xs = xv.as_standard_layout().into_owned();
    let x_flat = xs.as_slice().expect("standard layout");

    // Each example is C runs of S values; visiting them in memory order keeps every pass
    // contiguous, for maps ([N, C, H, W]) and for vectors ([N, C], runs of one) alike.
    let mut mean = vec![0.0f32; c];
    for example in x_flat.chunks_exact(c * s) {
        for (m, run) in mean.iter_mut().zip(example.chunks_exact(s)) {
            *m += run.iter().sum::<f32>();
        }
    }
    mean.iter_mut().for_each(|m| *m /= count);
    let mut var = vec![0.0f32; c];
    for example in x_flat.chunks_exact(c * s) {
        for ((v, run), &m) in var.iter_mut().zip(example.chunks_exact(s)).zip(&mean) {
            *v += run.iter().map(|&x| (x - m) * (x - m)).sum::<f32>();
        }
    }
    var.iter_mut().for_each(|v| *v /= count);
    let r: Vec<f32> = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();

    let mut x_hat = vec![0.0f32; x_flat.len()];
    let mut y = vec![0.0f32; x_flat.len()];
    for ((example, hats), ys) in x_flat
        .chunks_exact(c * s)
        .zip(x_hat.chunks_exact_mut(c * s))
        .zip(y.chunks_exact_mut(c * s))
    {
        let runs = example.chunks_exact(s).zip(hats.chunks_exact_mut(s));
        for (ch, ((run, hat), out)) in runs.zip(ys.chunks_exact_mut(s)).enumerate() {
            for ((&x, h), y) in run.iter().zip(hat.iter_mut()).zip(out.iter_mut()) {
                *h = (x - mean[ch]) * r[ch];
                *y = *h * gs[ch] + bs[ch];
            }
        }
    }
    let y = ArrayD::from_shape_vec(shape.clone(), y).expect("same size");
    let gamma_saved = gs.to_vec();
    let out = Tensor::from_op("batch_norm", y, &[x, gamma, beta], move |g, need| {
        let g = g.as_standard_layout();
        let g_flat = g.as_slice().expect("standard layout");
        // Per channel: Σ dy and Σ dy·x̂.
        let (mut sum_g, mut sum_gh) = (vec![0.0f32; c], vec![0.0f32; c]);
        for (gs, hats) in g_flat.chunks_exact(c * s).zip(x_hat.chunks_exact(c * s)) {
            for (ch, (grun, hrun)) in gs.chunks_exact(s).zip(hats.chunks_exact(s)).enumerate() {
                sum_g[ch] += grun.iter().sum::<f32>();
                sum_gh[ch] += grun.iter().zip(hrun).map(|(&g, &h)| g * h).sum::<f32>();
            }
        }
        let dx = need[0].then(|| {
            let mut dx = vec![0.0f32; g_flat.len()];
            let chunks = g_flat.chunks_exact(c * s).zip(x_hat.chunks_exact(c * s));
            for ((gs, hats), dxs) in chunks.zip(dx.chunks_exact_mut(c * s)) {
                let runs = gs.chunks_exact(s).zip(hats.chunks_exact(s));
                for (ch, ((grun, hrun), drun)) in runs.zip(dxs.chunks_exact_mut(s)).enumerate() {
                    let scale = gamma_saved[ch] * r[ch];
                    let (mean_g, mean_gh) = (sum_g[ch] / count, sum_gh[ch] / count);
                    for ((&g, &h), dx) in grun.iter().zip(hrun).zip(drun.iter_mut()) {
                        *dx = scale * (g - mean_g - h * mean_gh);
                    }
                }
            }
            ArrayD::from_shape_vec(shape.clone(), dx).expect("same size")
        });
        let per_channel = |v: Vec<f32>| ArrayD::from_shape_vec(vec![c], v).expect("C values");
        vec![
            dx,
            need[1].then(|| per_channel(sum_gh)),
            need[2].then(|| per_channel(sum_g.clone())),
        ]
    });
    (out, Array1::from(mean), Array1::from(var))
}
// ANCHOR_END: batch_norm
