use ndarray::{ArrayViewMutD, Zip};

use crate::optimizers::WeightDecay;

/// Weight decay, applied at the start of an optimiser's step to one parameter array and its
/// gradient (same shape), before the optimiser's own update:
///
/// - `WeightDecay::L2(λ)`: the loss gains a penalty `λ/2 · ‖param‖²`, whose gradient is
///   `λ · param`, so `grad ← grad + λ · param`. The optimiser then treats the penalty like
///   any other part of the gradient: Adam divides it by `√v̂` too.
/// - `WeightDecay::Decoupled(λ)` (AdamW, Loshchilov and Hutter, 2019): the weights shrink
///   directly, `param ← param − lr · λ · param`, and the gradient is left alone, so every
///   weight decays at the same rate whatever the optimiser does with its gradient.
/// - `WeightDecay::None`: nothing changes.
///
/// For plain SGD the two are the same step; for Adam they are not.
///
/// # Panics
/// If the arrays differ in shape.
#[track_caller]
pub fn weight_decay(
    param: ArrayViewMutD<f32>,
    grad: ArrayViewMutD<f32>,
    lr: f32,
    decay: WeightDecay,
) {
    assert_eq!(
        param.shape(),
        grad.shape(),
        "weight_decay: the parameter and its gradient differ in shape"
    );
    match decay {
        WeightDecay::None => {}
        WeightDecay::L2(lambda) => {
            Zip::from(grad)
                .and(&param)
                .for_each(|g, &p| *g += lambda * p);
        }
        WeightDecay::Decoupled(lambda) => {
            let keep = 1.0 - lr * lambda;
            let mut param = param;
            param.mapv_inplace(|p| keep * p);
        }
    }
}
