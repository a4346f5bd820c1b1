//! Optimizers: turn each parameter's gradient into a step, and gradient clipping.
//!
//! Each optimizer keeps its per-parameter state (momentum, running averages) in arrays of
//! the parameter's shape, in the order the parameters were given; [`Optimizer::state`]
//! exposes them by name so a checkpoint can save and restore them.

use ndarray::{ArrayD, Zip};
use tensor::Tensor;

/// What every optimizer offers.
pub trait Optimizer {
    /// Updates every parameter that has a gradient.
    fn step(&mut self);

    /// The parameters being optimized.
    fn parameters(&self) -> &[Tensor];

    /// Forgets every parameter's gradient (call before each backward pass).
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.zero_grad();
        }
    }

    /// The current learning rate.
    fn learning_rate(&self) -> f32;

    /// Changes the learning rate (a schedule calls this every step).
    fn set_learning_rate(&mut self, lr: f32);

    /// The state to checkpoint, by name (`"m.0"`, `"step"`).
    fn state(&self) -> Vec<(String, ArrayD<f32>)>;

    /// Restores one entry of [`Optimizer::state`]; the caller has checked the shape.
    fn set_state(&mut self, name: &str, value: ArrayD<f32>);
}

fn zeros_like(params: &[Tensor]) -> Vec<ArrayD<f32>> {
    params.iter().map(|p| ArrayD::zeros(p.shape())).collect()
}

fn indexed<'a>(
    prefix: &str,
    arrays: &'a [ArrayD<f32>],
) -> impl Iterator<Item = (String, ArrayD<f32>)> + 'a {
    let prefix = prefix.to_string();
    arrays
        .iter()
        .enumerate()
        .map(move |(i, a)| (format!("{prefix}.{i}"), a.clone()))
}

/// Puts `value` into `arrays[i]` if `name` is `"{prefix}.{i}"`.
fn set_indexed(arrays: &mut [ArrayD<f32>], prefix: &str, name: &str, value: &ArrayD<f32>) -> bool {
    let index = name
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|i| i.parse::<usize>().ok());
    match index.and_then(|i| arrays.get_mut(i)) {
        Some(slot) => {
            slot.assign(value);
            true
        }
        None => false,
    }
}

// ANCHOR: sgd
/// Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay
/// (PyTorch's conventions):
/// `g ← ∇ + λ·p`; `v ← μ·v + g`; step along `g + μ·v` (Nesterov) or `v`; `p ← p - lr·step`.
pub struct Sgd {
    params: Vec<Tensor>,
    pub lr: f32,
    pub momentum: f32,
    pub nesterov: bool,
    pub weight_decay: f32,
    velocity: Vec<ArrayD<f32>>,
}

impl Sgd {
    /// Plain SGD: `p ← p - lr·∇`.
    pub fn new(params: Vec<Tensor>, lr: f32) -> Sgd {
        let velocity = zeros_like(&params);
        Sgd {
            params,
            lr,
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            velocity,
        }
    }

    /// Adds momentum `mu` (0.9 is usual); `nesterov` looks one step ahead.
    pub fn with_momentum(mut self, mu: f32, nesterov: bool) -> Sgd {
        self.momentum = mu;
        self.nesterov = nesterov;
        self
    }

    /// Adds L2 weight decay `lambda` to the gradient.
    pub fn with_weight_decay(mut self, lambda: f32) -> Sgd {
        self.weight_decay = lambda;
        self
    }
}

impl Optimizer for Sgd {
    fn step(&mut self) {
        let (lr, mu, wd, nesterov) = (self.lr, self.momentum, self.weight_decay, self.nesterov);
        for (p, v) in self.params.iter().zip(&mut self.velocity) {
            let Some(mut g) = p.grad() else { continue };
            if wd != 0.0 {
                g.scaled_add(wd, &p.value());
            }
            if mu != 0.0 {
                // v ← μ·v + g (on the first step v was 0, so v = g).
                Zip::from(&mut *v)
                    .and(&g)
                    .for_each(|v, &g| *v = mu * *v + g);
                if nesterov {
                    g.scaled_add(mu, v);
                } else {
                    g.assign(v);
                }
            }
            p.update(|w| w.scaled_add(-lr, &g));
        }
    }
    // ANCHOR_END: sgd

    fn parameters(&self) -> &[Tensor] {
        &self.params
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }

    fn state(&self) -> Vec<(String, ArrayD<f32>)> {
        if self.momentum == 0.0 {
            return Vec::new(); // plain SGD has no state
        }
        indexed("velocity", &self.velocity).collect()
    }

    fn set_state(&mut self, name: &str, value: ArrayD<f32>) {
        set_indexed(&mut self.velocity, "velocity", name, &value);
    }
}

/// RMSprop: divide each step by a running root-mean-square of recent gradients, so that
/// every parameter moves at about the same rate:
/// `s ← α·s + (1-α)·g²`; `p ← p - lr·g/(√s + ε)` (α = 0.99, ε = 1e-8, as in PyTorch).
pub struct RmsProp {
    params: Vec<Tensor>,
    pub lr: f32,
    pub alpha: f32,
    pub eps: f32,
    pub weight_decay: f32,
    square_avg: Vec<ArrayD<f32>>,
}

impl RmsProp {
    /// RMSprop with α = 0.99, ε = 1e-8, no weight decay.
    pub fn new(params: Vec<Tensor>, lr: f32) -> RmsProp {
        let square_avg = zeros_like(&params);
        RmsProp {
            params,
            lr,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            square_avg,
        }
    }
}

impl Optimizer for RmsProp {
    fn step(&mut self) {
        let (lr, alpha, eps, wd) = (self.lr, self.alpha, self.eps, self.weight_decay);
        for (p, s) in self.params.iter().zip(&mut self.square_avg) {
            let Some(mut g) = p.grad() else { continue };
            if wd != 0.0 {
                g.scaled_add(wd, &p.value());
            }
            Zip::from(&mut *s)
                .and(&g)
                .for_each(|s, &g| *s = alpha * *s + (1.0 - alpha) * g * g);
            p.update(|w| {
                Zip::from(w)
                    .and(&g)
                    .and(&*s)
                    .for_each(|w, &g, &s| *w -= lr * g / (s.sqrt() + eps))
            });
        }
    }

    fn parameters(&self) -> &[Tensor] {
        &self.params
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }

    fn state(&self) -> Vec<(String, ArrayD<f32>)> {
        indexed("square_avg", &self.square_avg).collect()
    }

    fn set_state(&mut self, name: &str, value: ArrayD<f32>) {
        set_indexed(&mut self.square_avg, "square_avg", name, &value);
    }
}

// ANCHOR: adam
/// Adam: momentum (`m`, a running mean of gradients) divided by a running RMS (`√v`), both
/// corrected for starting at zero:
/// `m ← β₁m + (1-β₁)g`, `v ← β₂v + (1-β₂)g²`, `p ← p - lr·m̂/(√v̂ + ε)` with
/// `m̂ = m/(1-β₁ᵗ)`, `v̂ = v/(1-β₂ᵗ)`.
///
/// Weight decay: Adam adds `λ·p` to the gradient (L2); AdamW ([`Adam::adamw`]) instead
/// shrinks the weights directly, `p ← p - lr·λ·p`, which is not rescaled by `√v̂`.
pub struct Adam {
    params: Vec<Tensor>,
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    /// AdamW's decoupled weight decay when true.
    pub decoupled: bool,
    step: u64,
    m: Vec<ArrayD<f32>>,
    v: Vec<ArrayD<f32>>,
}

impl Adam {
    /// Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8, no weight decay.
    pub fn new(params: Vec<Tensor>, lr: f32) -> Adam {
        let (m, v) = (zeros_like(&params), zeros_like(&params));
        Adam {
            params,
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled: false,
            step: 0,
            m,
            v,
        }
    }

    /// AdamW: Adam with decoupled weight decay `weight_decay` (0.01 is usual).
    pub fn adamw(params: Vec<Tensor>, lr: f32, weight_decay: f32) -> Adam {
        Adam {
            weight_decay,
            decoupled: true,
            ..Adam::new(params, lr)
        }
    }
}

impl Optimizer for Adam {
    fn step(&mut self) {
        // Saturating: a damaged checkpoint's step count (f32::MAX) must not overflow here.
        self.step = self.step.saturating_add(1);
        let (lr, b1, b2, eps, wd) = (self.lr, self.beta1, self.beta2, self.eps, self.weight_decay);
        let t = i32::try_from(self.step).unwrap_or(i32::MAX);
        let (c1, c2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
        for ((p, m), v) in self.params.iter().zip(&mut self.m).zip(&mut self.v) {
            let Some(mut g) = p.grad() else { continue };
            if wd != 0.0 && !self.decoupled {
                g.scaled_add(wd, &p.value());
            }
            Zip::from(&mut *m)
                .and(&mut *v)
                .and(&g)
                .for_each(|m, v, &g| {
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                });
            let decay = if self.decoupled { lr * wd } else { 0.0 };
            p.update(|w| {
                Zip::from(w).and(&*m).and(&*v).for_each(|w, &m, &v| {
                    *w -= decay * *w + lr * (m / c1) / ((v / c2).sqrt() + eps);
                })
            });
        }
    }
    // ANCHOR_END: adam

    fn parameters(&self) -> &[Tensor] {
        &self.params
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }

    fn state(&self) -> Vec<(String, ArrayD<f32>)> {
        let step = ndarray::arr0(self.step as f32).into_dyn(); // exact up to 2^24 steps
        let mut state = vec![("step".to_string(), step)];
        state.extend(indexed("m", &self.m));
        state.extend(indexed("v", &self.v));
        state
    }

    fn set_state(&mut self, name: &str, value: ArrayD<f32>) {
        if name == "step" {
            self.step = value.iter().next().copied().unwrap_or(0.0) as u64;
        } else if !set_indexed(&mut self.m, "m", name, &value) {
            set_indexed(&mut self.v, "v", name, &value);
        }
    }
}

// ANCHOR: clip_grad_norm
/// Scales all gradients down together so that their global L2 norm (over every parameter)
/// is at most `max_norm`; returns the norm before clipping. Keeps one huge gradient (an
/// RNN's exploding step) from throwing the weights far away, without changing its direction.
pub fn clip_grad_norm(params: &[Tensor], max_norm: f32) -> f32 {
    let total: f32 = params
        .iter()
        .filter_map(Tensor::grad)
        .map(|g| g.iter().map(|x| x * x).sum::<f32>())
        .sum::<f32>()
        .sqrt();
    if total > max_norm {
        let scale = max_norm / (total + 1e-6);
        for p in params {
            if let Some(g) = p.grad() {
                p.set_grad(Some(g * scale));
            }
        }
    }
    total
}
// ANCHOR_END: clip_grad_norm
