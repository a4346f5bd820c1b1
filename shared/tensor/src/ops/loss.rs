//! Loss functions, each fused into one op: the forward is computed in a numerically stable
//! form and the backward is the simple closed form, not a chain of small ops.

use ndarray::{Array2, ArrayD, ArrayView2, Ix2, Zip};

use crate::engine::{engine, Engine};
use crate::fast;

use crate::ops::softmax::softmax_lanes;
use crate::tensor::Tensor;

// ANCHOR: cross_entropy
/// Mean cross-entropy of `logits: [batch, classes]` against the true class of each row.
///
/// Forward, per row: `log Σ_j exp(x_j) - x_target`, with the row's max subtracted first.
/// Backward: `(softmax(x) - onehot(target)) / batch`, since the softmax's Jacobian and the
/// log's derivative cancel to that.
///
/// # Panics
/// If `logits` is not 2-D, `targets` has the wrong length, or a target is not a class.
#[track_caller]
pub fn cross_entropy(logits: &Tensor, targets: &[usize]) -> Tensor {
    let x = logits.value();
    let x = x.view().into_dimensionality::<Ix2>().unwrap_or_else(|_| {
        panic!(
            "cross_entropy: logits must be [batch, classes], got shape {:?}",
            x.shape()
        )
    });
    let (batch, classes) = x.dim();
    // A mean over no examples (or a softmax over no classes) is 0/0: NaN, not a loss.
    assert!(
        batch > 0 && classes > 0,
        "cross_entropy: logits of shape [{batch}, {classes}] hold no examples or no classes"
    );
    assert!(
        targets.len() == batch,
        "cross_entropy: {} targets for logits of shape [{batch}, {classes}]",
        targets.len()
    );
    if let Some(&bad) = targets.iter().find(|&&t| t >= classes) {
        panic!("cross_entropy: target class {bad} out of range for {classes} classes");
    }
    let (probs, loss) = if engine() == Engine::Fast {
        fast::loss::softmax_cross_entropy(x, targets)
    } else {
        reference_softmax_cross_entropy(x, targets)
    };
    let targets = targets.to_vec();
    Tensor::from_op(
        "cross_entropy",
        ndarray::arr0(loss).into_dyn(),
        &[logits],
        move |g, _| {
            let scale = g.iter().next().copied().unwrap_or(0.0) / batch as f32;
            let mut dx: Array2<f32> = probs;
            for (mut row, &t) in dx.outer_iter_mut().zip(&targets) {
                row[t] -= 1.0;
            }
            dx *= scale;
            vec![Some(dx.into_dyn())]
        },
    )
}
// ANCHOR_END: cross_entropy

/// The softmax of each row and the mean loss, as the reference engine computes them.
fn reference_softmax_cross_entropy(x: ArrayView2<f32>, targets: &[usize]) -> (Array2<f32>, f32) {
    let mut probs = x.to_owned().into_dyn();
    softmax_lanes(&mut probs, 1);
    let probs = probs.into_dimensionality::<Ix2>().expect("2-D");
    // -log p_target, from the stable log-sum-exp rather than log(probs) (which can be 0).
    let loss: f32 = x
        .outer_iter()
        .zip(targets)
        .map(|(row, &t)| {
            let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let log_sum = row.fold(0.0, |s, &v| s + (v - max).exp()).ln();
            // Written so that no large number (max) is added and subtracted again.
            log_sum - (row[t] - max)
        })
        .sum::<f32>()
        / x.nrows() as f32;
    (probs, loss)
}

/// Mean squared error `mean((pred - target)²)` over all elements; shapes must match.
/// Backward: `2(pred - target)/n` for `pred` and the negative for `target`.
///
/// # Panics
/// If the shapes differ; the message names both.
#[track_caller]
pub fn mse_loss(pred: &Tensor, target: &Tensor) -> Tensor {
    let (p, t) = (pred.value(), target.value());
    assert!(
        p.shape() == t.shape(),
        "mse_loss: prediction shape {:?} differs from target shape {:?}",
        p.shape(),
        t.shape()
    );
    let n = p.len() as f32;
    let diff: ArrayD<f32> = Zip::from(&p).and(&t).map_collect(|&p, &t| p - t);
    let loss = diff.iter().map(|d| d * d).sum::<f32>() / n;
    Tensor::from_op(
        "mse_loss",
        ndarray::arr0(loss).into_dyn(),
        &[pred, target],
        move |g, need| {
            let scale = 2.0 * g.iter().next().copied().unwrap_or(0.0) / n;
            vec![
                need[0].then(|| &diff * scale),
                need[1].then(|| &diff * -scale),
            ]
        },
    )
}

/// Mean binary cross-entropy of `logits` against `targets` in [0, 1] (same shape): the loss
/// of a GAN's discriminator. Forward in the stable form `max(x,0) - x·t + log(1 + e^-|x|)`;
/// backward `(σ(x) - t)/n`.
///
/// # Panics
/// If the shapes differ.
#[track_caller]
pub fn bce_with_logits(logits: &Tensor, targets: &Tensor) -> Tensor {
    let (x, t) = (logits.value(), targets.value());
    assert!(
        x.shape() == t.shape(),
        "bce_with_logits: logits shape {:?} differs from targets shape {:?}",
        x.shape(),
        t.shape()
    );
    let n = x.len() as f32;
    let loss = Zip::from(&x).and(&t).fold(0.0, |s, &x, &t| {
        s + x.max(0.0) - x * t + (-x.abs()).exp().ln_1p()
    }) / n;
    Tensor::from_op(
        "bce_with_logits",
        ndarray::arr0(loss).into_dyn(),
        &[logits, targets],
        move |g, need| {
            let scale = g.iter().next().copied().unwrap_or(0.0) / n;
            vec![
                need[0].then(|| {
                    Zip::from(&x)
                        .and(&t)
                        .map_collect(|&x, &t| scale * (1.0 / (1.0 + (-x).exp()) - t))
                }),
                // d/dt = -x/n
                need[1].then(|| x.mapv(|x| -x * scale).into_owned()),
            ]
        },
    )
}
