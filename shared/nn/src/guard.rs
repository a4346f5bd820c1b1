//! A guarded numeric core: a NaN or an infinity in a gradient stops training at once, with a
//! message naming the step, the parameter and the likely fix, before the optimizer spreads it
//! into every weight (after which the loss is NaN too, and nothing says where it started).
//! The chapters that write their gradients by hand (01-03) call `run::check_gradient`.

use tensor::Tensor;

use crate::Module;

/// A gradient that is no longer a number: the run diverged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "training diverged: the gradient of `{parameter}` holds {value} at {at}. Lower the \
     learning rate (--lr), or clip the gradients, and run again; earlier results were left \
     untouched"
)]
pub struct NonFiniteGradient {
    /// The parameter's name, as in checkpoints (`conv1.weight`).
    pub parameter: String,
    /// The first bad value: NaN, inf or -inf.
    pub value: f32,
    /// Where the run was, e.g. `epoch 2, step 1875`.
    pub at: String,
}

/// Checks the gradient of every parameter of `model` (call it after `backward`, before the
/// optimizer's step); `at` says where the run is, for the message.
///
/// Costs one read of every gradient value, in place (no copy): one comparison per parameter,
/// where the forward and backward passes that made the gradients cost hundreds of operations
/// per parameter.
///
/// # Errors
/// The first parameter, in [`Module::named_parameters`] order, whose gradient holds a NaN or
/// an infinity.
pub fn check_gradients(model: &dyn Module, at: &str) -> Result<(), NonFiniteGradient> {
    check_named_gradients(&model.named_parameters(), at)
}

/// [`check_gradients`] over named tensors, for a model that is not one [`Module`].
///
/// # Errors
/// As [`check_gradients`].
pub fn check_named_gradients(
    parameters: &[(String, Tensor)],
    at: &str,
) -> Result<(), NonFiniteGradient> {
    for (name, parameter) in parameters {
        if let Some(value) = parameter.non_finite_grad() {
            return Err(NonFiniteGradient {
                parameter: name.clone(),
                value,
                at: at.to_owned(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Linear, Sequential};
    use rand::SeedableRng;

    fn model() -> Sequential {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        Sequential::new()
            .add(Linear::new(3, 4, &mut rng))
            .add(Linear::new(4, 2, &mut rng))
    }

    #[test]
    fn finite_gradients_pass_and_no_gradient_yet_passes() {
        let model = model();
        assert_eq!(check_gradients(&model, "step 0"), Ok(()));
        let x = Tensor::new(ndarray::array![[1.0f32, 2.0, 3.0]]);
        tensor::cross_entropy(&model.forward(&x), &[1]).backward();
        assert_eq!(check_gradients(&model, "step 1"), Ok(()));
    }

    #[test]
    fn a_nan_or_infinite_gradient_names_the_parameter_the_step_and_the_fix() {
        let model = model();
        let x = Tensor::new(ndarray::array![[1.0f32, f32::NAN, 3.0]]);
        tensor::cross_entropy(&model.forward(&x), &[1]).backward();
        let error = check_gradients(&model, "epoch 2, step 17").unwrap_err();
        assert_eq!(
            error.parameter, "0.weight",
            "the first layer's weight is hit first"
        );
        let message = error.to_string();
        assert!(
            message.contains("`0.weight`")
                && message.contains("NaN")
                && message.contains("epoch 2, step 17")
                && message.contains("--lr"),
            "{message}"
        );
        let parameters = model.named_parameters();
        parameters[3]
            .1
            .set_grad(Some(ndarray::ArrayD::from_elem(vec![2], f32::INFINITY)));
        parameters[0].1.zero_grad();
        parameters[1].1.zero_grad();
        parameters[2].1.zero_grad();
        let error = check_named_gradients(&parameters, "step 3").unwrap_err();
        assert_eq!(
            (error.parameter.as_str(), error.value),
            ("1.bias", f32::INFINITY)
        );
    }
}
