//! The six optimisers of the chapter, one struct that steps them all.
//!
//! Each step reads every parameter's gradient (autograd filled it in), applies weight decay
//! ([`weight_decay`]), then the method's own update: [`sgd_step`] for SGD, momentum and
//! Nesterov, [`rmsprop_step`] for RMSprop, [`adam_step`] for Adam and AdamW. Those three
//! functions and `weight_decay` are the chapter's exercises (RMSprop is given); whichever
//! versions the crate is built with are the ones that train every experiment.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Zip};
use tensor::Tensor;

use crate::{adam_step, sgd_step, weight_decay};

/// Which update rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `p ← p − lr·g`.
    Sgd,
    /// SGD with classical momentum 0.9.
    Momentum,
    /// SGD with Nesterov momentum 0.9.
    Nesterov,
    /// RMSprop: `g` divided by a running root-mean-square of recent gradients.
    RmsProp,
    /// Adam; weight decay, if any, as an L2 term in the gradient.
    Adam,
    /// AdamW: Adam with decoupled weight decay.
    AdamW,
}

impl Method {
    /// All six, in the chapter's order.
    pub const ALL: [Method; 6] = [
        Method::Sgd,
        Method::Momentum,
        Method::Nesterov,
        Method::RmsProp,
        Method::Adam,
        Method::AdamW,
    ];

    /// The name in tables and figures.
    pub fn name(self) -> &'static str {
        match self {
            Method::Sgd => "SGD",
            Method::Momentum => "momentum",
            Method::Nesterov => "Nesterov",
            Method::RmsProp => "RMSprop",
            Method::Adam => "Adam",
            Method::AdamW => "AdamW",
        }
    }

    /// How this method applies a weight decay of strength `lambda`: decoupled for AdamW, as
    /// an L2 term in the gradient for the others.
    pub fn decay(self, lambda: f32) -> WeightDecay {
        match (self, lambda) {
            (_, 0.0) => WeightDecay::None,
            (Method::AdamW, l) => WeightDecay::Decoupled(l),
            (_, l) => WeightDecay::L2(l),
        }
    }
}

/// How weights are pulled towards zero (see [`weight_decay`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WeightDecay {
    /// No decay.
    None,
    /// Add `λ·param` to the gradient: the gradient of the penalty `λ/2·‖param‖²`.
    L2(f32),
    /// Shrink the weights by `lr·λ·param` directly, apart from the gradient (AdamW).
    Decoupled(f32),
}

/// Adam's settings: the learning rate and the decay rates of its two running means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamSettings {
    pub lr: f32,
    /// Of the mean of the gradient; 0.9.
    pub beta1: f32,
    /// Of the mean of its square; 0.999.
    pub beta2: f32,
    /// Keeps the division finite where `v̂` is 0; 1e-8.
    pub eps: f32,
}

impl AdamSettings {
    /// The paper's (and every framework's) defaults, at learning rate `lr`.
    pub fn new(lr: f32) -> Self {
        AdamSettings {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// The momentum of [`Method::Momentum`] and [`Method::Nesterov`].
pub const MOMENTUM: f32 = 0.9;
/// RMSprop's decay rate of the mean square (PyTorch's default).
pub const RMSPROP_ALPHA: f32 = 0.99;

// ANCHOR: rmsprop_step
/// One step of RMSprop (Hinton, 2012) on one parameter array: divide the gradient by a
/// running root-mean-square of recent gradients, so that every weight moves at about the
/// same rate, `s ← α·s + (1 − α)·g²`, `p ← p − lr·g/(√s + ε)`.
pub fn rmsprop_step(
    param: ArrayViewMutD<f32>,
    square_avg: ArrayViewMutD<f32>,
    grad: ArrayViewD<f32>,
    lr: f32,
) {
    let (alpha, eps) = (RMSPROP_ALPHA, 1e-8);
    Zip::from(param)
        .and(square_avg)
        .and(grad)
        .for_each(|p, s, &g| {
            *s = alpha * *s + (1.0 - alpha) * g * g;
            *p -= lr * g / (s.sqrt() + eps);
        });
}
// ANCHOR_END: rmsprop_step

/// An optimiser: the parameters it trains, its method, learning rate and weight decay, and
/// per parameter the running state its method keeps (velocity, or Adam's two means).
pub struct Optimizer {
    params: Vec<Tensor>,
    pub method: Method,
    /// Changed by a schedule before each step.
    pub lr: f32,
    /// The strength λ of the weight decay (0 for none); applied as `method.decay(λ)`.
    pub weight_decay: f32,
    /// Steps taken so far.
    steps: u32,
    /// Velocity (SGD family), mean square (RMSprop) or Adam's first mean, per parameter.
    first: Vec<ArrayD<f32>>,
    /// Adam's second mean per parameter; empty for the other methods.
    second: Vec<ArrayD<f32>>,
}

impl Optimizer {
    /// An optimiser for `params`, with every running mean at zero.
    pub fn new(params: Vec<Tensor>, method: Method, lr: f32, weight_decay: f32) -> Optimizer {
        let zeros = |params: &[Tensor]| params.iter().map(|p| ArrayD::zeros(p.shape())).collect();
        let adam = matches!(method, Method::Adam | Method::AdamW);
        Optimizer {
            first: zeros(&params),
            second: if adam { zeros(&params) } else { Vec::new() },
            params,
            method,
            lr,
            weight_decay,
            steps: 0,
        }
    }

    /// Forgets every parameter's gradient (before each backward pass).
    pub fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }

    // ANCHOR: step
    /// Updates every parameter that has a gradient, by weight decay and then the method.
    pub fn step(&mut self) {
        self.steps += 1;
        let (lr, decay) = (self.lr, self.method.decay(self.weight_decay));
        for (i, p) in self.params.iter().enumerate() {
            let Some(mut grad) = p.grad() else { continue };
            p.update(|param| {
                weight_decay(param.view_mut(), grad.view_mut(), lr, decay);
                let (param, grad, first) =
                    (param.view_mut(), grad.view(), self.first[i].view_mut());
                match self.method {
                    Method::Sgd => sgd_step(param, first, grad, lr, 0.0, false),
                    Method::Momentum => sgd_step(param, first, grad, lr, MOMENTUM, false),
                    Method::Nesterov => sgd_step(param, first, grad, lr, MOMENTUM, true),
                    Method::RmsProp => rmsprop_step(param, first, grad, lr),
                    Method::Adam | Method::AdamW => {
                        let settings = AdamSettings::new(lr);
                        let second = self.second[i].view_mut();
                        adam_step(param, first, second, grad, self.steps, &settings);
                    }
                }
            });
        }
    }
    // ANCHOR_END: step
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, ArrayD};

    /// Three steps of ours and of `nn`'s optimiser on the same two parameters and the same
    /// gradients; the parameters must agree after each step.
    fn agree_with_nn(
        method: Method,
        lr: f32,
        decay: f32,
        theirs: impl FnOnce(Vec<Tensor>) -> Box<dyn nn::Optimizer>,
    ) {
        let start: [ArrayD<f32>; 2] = [
            array![[0.5f32, -1.0], [2.0, 0.1]].into_dyn(),
            array![0.3f32, -0.2].into_dyn(),
        ];
        let ours: Vec<Tensor> = start.iter().map(|a| Tensor::param(a.clone())).collect();
        let reference: Vec<Tensor> = start.iter().map(|a| Tensor::param(a.clone())).collect();
        let mut ours_opt = Optimizer::new(ours.clone(), method, lr, decay);
        let mut theirs_opt = theirs(reference.clone());
        for step in 1..=3 {
            for (a, b) in ours.iter().zip(&reference) {
                let g = a.value().mapv(|w| (w * step as f32).sin() + 0.1);
                a.set_grad(Some(g.to_owned()));
                b.set_grad(Some(g.to_owned()));
            }
            ours_opt.step();
            theirs_opt.step();
            for (a, b) in ours.iter().zip(&reference) {
                for (x, y) in a.value().iter().zip(b.value().iter()) {
                    assert!(
                        (x - y).abs() < 1e-5,
                        "{}: step {step}: {x} vs nn's {y}",
                        method.name()
                    );
                }
            }
        }
    }

    #[test]
    fn every_method_steps_as_nn_does() {
        agree_with_nn(Method::Sgd, 0.1, 0.0, |p| Box::new(nn::Sgd::new(p, 0.1)));
        agree_with_nn(Method::Momentum, 0.1, 0.01, |p| {
            Box::new(
                nn::Sgd::new(p, 0.1)
                    .with_momentum(0.9, false)
                    .with_weight_decay(0.01),
            )
        });
        agree_with_nn(Method::Nesterov, 0.1, 0.0, |p| {
            Box::new(nn::Sgd::new(p, 0.1).with_momentum(0.9, true))
        });
        agree_with_nn(Method::RmsProp, 0.01, 0.0, |p| {
            Box::new(nn::RmsProp::new(p, 0.01))
        });
        agree_with_nn(Method::Adam, 0.01, 0.1, |p| {
            let mut adam = nn::Adam::new(p, 0.01);
            adam.weight_decay = 0.1;
            Box::new(adam)
        });
        agree_with_nn(Method::AdamW, 0.01, 0.1, |p| {
            Box::new(nn::Adam::adamw(p, 0.01, 0.1))
        });
    }
}
