//! # 03 · The multilayer perceptron
//!
//! A stack of linear layers with a nonlinearity between them, trained by backpropagation:
//! the network every later chapter builds on, with every gradient written out by hand.
//!
//! **The idea.** Chapter 1's perceptron draws one straight line, so it cannot learn XOR.
//! Put a layer of hidden units in front of it, each a linear function of the input followed
//! by a bend (ReLU, `max(0, z)`, or the sigmoid), and the network can carve the input space
//! into as many pieces as it needs. For MNIST: `784 -> hidden -> 10`, where the ten outputs
//! are scores (logits) that softmax turns into probabilities.
//!
//! **The key equations.** One linear layer is `y = x·w + b` with `x: [B, inputs]`,
//! `w: [inputs, outputs]`, `b: [outputs]` (the workspace's one layout). Given the gradient
//! of the loss with respect to its output, `dy = ∂L/∂y`, the chain rule gives
//!
//! ```text
//! dw = xᵀ·dy        db = Σ_rows dy        dx = dy·wᵀ
//! ```
//!
//! and an activation `h = f(z)` passes `dz = dh ⊙ f'(z)` back. Softmax followed by
//! cross-entropy, averaged over a batch of `B`, starts it all with `∂L/∂logits = (p − onehot(y)) / B`.
//! Backpropagation is these rules applied from the loss back to the input, layer by layer,
//! each one a few matrix products over the whole batch.
//!
//! **What is left out.** Automatic differentiation (chapter 4 builds it, and checks it
//! against the hand-written gradients of this one), other optimisers than SGD with momentum
//! (chapter 6), regularisation (weight decay, dropout) and data augmentation: the plain
//! network reaches 98% on MNIST without them.
//!
//! The functions at the heart of the technique, [`softmax_cross_entropy_gradient`],
//! [`relu_backward`], [`linear_backward`] and [`momentum_step`], are the chapter's
//! exercises: by default this crate is built with the reference solutions in `solutions/`;
//! the `learner` feature builds it with each file of yours in `exercises/` that you have
//! written, and the reference for the rest.
//!
//! Shapes in comments use `B` for the batch size, `I` for a layer's inputs, `O` for its
//! outputs and `C` for the classes.

pub mod checkpoint;
pub mod experiment;
pub mod train;

use ndarray::{Array1, Array2, ArrayView2};
use rand::Rng;
use rand_distr::{Distribution, Normal};

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(yours_linear_backward, path = "../exercises/linear_backward.rs")]
#[cfg_attr(not(yours_linear_backward), path = "../solutions/linear_backward.rs")]
mod linear_backward;
#[cfg_attr(yours_momentum_step, path = "../exercises/momentum_step.rs")]
#[cfg_attr(not(yours_momentum_step), path = "../solutions/momentum_step.rs")]
mod momentum_step;
#[cfg_attr(yours_relu_backward, path = "../exercises/relu_backward.rs")]
#[cfg_attr(not(yours_relu_backward), path = "../solutions/relu_backward.rs")]
mod relu_backward;
#[cfg_attr(
    yours_softmax_cross_entropy_gradient,
    path = "../exercises/softmax_cross_entropy_gradient.rs"
)]
#[cfg_attr(
    not(yours_softmax_cross_entropy_gradient),
    path = "../solutions/softmax_cross_entropy_gradient.rs"
)]
mod softmax_cross_entropy_gradient;

pub use linear_backward::linear_backward;
pub use momentum_step::momentum_step;
pub use relu_backward::relu_backward;
pub use softmax_cross_entropy_gradient::softmax_cross_entropy_gradient;

// ANCHOR: linear
/// A fully connected layer `y = x·w + b`: weights `w: [inputs, outputs]`, bias `b: [outputs]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    pub w: Array2<f32>,
    pub b: Array1<f32>,
}

impl Linear {
    /// The layer's output for a batch `x: [B, inputs]`: `[B, outputs]`.
    ///
    /// # Panics
    /// If `x` does not have `inputs` columns: a bug in the caller.
    #[track_caller]
    pub fn forward(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let mut y = x.dot(&self.w); // [B, I]·[I, O] -> [B, O]
        y += &self.b; // [O] added to every row
        y
    }
}

/// The gradients of the loss with respect to one linear layer's weights, bias and input.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearGrads {
    /// `∂L/∂w`, the shape of `w`: `[inputs, outputs]`.
    pub dw: Array2<f32>,
    /// `∂L/∂b`, the shape of `b`: `[outputs]`.
    pub db: Array1<f32>,
    /// `∂L/∂x`, `[B, inputs]`: what the layer below needs; `None` when not asked for (the
    /// first layer's input is the data, which has no parameters to update).
    pub dx: Option<Array2<f32>>,
}
// ANCHOR_END: linear

// ANCHOR: activation
/// The bend between linear layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `max(0, z)`: cheap, and its gradient is 1 wherever the unit is active, so it does not
    /// shrink as it passes back through many layers.
    Relu,
    /// `1 / (1 + e^(-z))`: smooth and bounded, the classic choice; its gradient is at most
    /// 1/4 and vanishes for large `|z|`, which slows learning in deep stacks.
    Sigmoid,
}

impl Activation {
    /// `h = f(z)`, elementwise: `[B, O]` in, same shape out.
    pub fn forward(self, z: &Array2<f32>) -> Array2<f32> {
        match self {
            Activation::Relu => z.mapv(|v| v.max(0.0)),
            Activation::Sigmoid => z.mapv(|v| 1.0 / (1.0 + (-v).exp())),
        }
    }

    /// `dz = dh ⊙ f'(z)`, given the pre-activation `z`, the activation `h = f(z)` and the
    /// gradient `dh = ∂L/∂h`, all `[B, O]`.
    #[track_caller]
    pub fn backward(self, z: &Array2<f32>, h: &Array2<f32>, dh: &Array2<f32>) -> Array2<f32> {
        match self {
            Activation::Relu => relu_backward(z.view(), dh.view()),
            Activation::Sigmoid => sigmoid_backward(h.view(), dh.view()),
        }
    }

    /// The name on the command line and in checkpoints.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
        }
    }
}

/// The sigmoid's backward pass, from its output `h = σ(z)`: `σ'(z) = σ(z)(1 − σ(z))`, so
/// `dz = dh ⊙ h ⊙ (1 − h)`. All `[B, O]`.
///
/// # Panics
/// If the shapes differ.
#[track_caller]
pub fn sigmoid_backward(h: ArrayView2<f32>, dh: ArrayView2<f32>) -> Array2<f32> {
    assert_eq!(h.shape(), dh.shape(), "h and dh must have one shape");
    let mut dz = dh.to_owned();
    dz.zip_mut_with(&h, |d, &s| *d *= s * (1.0 - s));
    dz
}
// ANCHOR_END: activation

// ANCHOR: softmax
/// Softmax cross-entropy of a batch: the mean over rows of `−ln p[label]`, where `p` is the
/// softmax of that row of `logits: [B, C]`. Returns the loss and the probabilities `[B, C]`,
/// which the backward pass needs.
///
/// # Panics
/// If `labels` does not have one entry per row, or a label is not below `C`.
#[track_caller]
pub fn softmax_cross_entropy(logits: ArrayView2<f32>, labels: &[usize]) -> (f32, Array2<f32>) {
    assert_eq!(logits.nrows(), labels.len(), "one label per row of logits");
    let mut probs = logits.to_owned();
    let mut total = 0.0f64;
    for (mut row, &label) in probs.rows_mut().into_iter().zip(labels) {
        // exp() overflows f32 above ~88. Subtracting the row's max changes no ratio and
        // keeps every exponent at or below zero.
        let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let label_logit = row[label] - max;
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum(); // at least 1: the max contributes e^0
                             // −ln p[label] = ln Σ e^(z − max) − (z[label] − max): no exp() of the label's
                             // logit, which may underflow to 0 when the network is confidently wrong.
        total += f64::from(sum.ln() - label_logit);
        row /= sum;
    }
    ((total / labels.len().max(1) as f64) as f32, probs)
}
// ANCHOR_END: softmax

/// Index of the largest entry in each row of `scores: [B, C]`: the predicted classes.
pub fn argmax_rows(scores: ArrayView2<f32>) -> Vec<usize> {
    scores
        .rows()
        .into_iter()
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

// ANCHOR: config
/// The shape of a network: `inputs -> hidden[0] -> ... -> hidden[n-1] -> outputs`.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpConfig {
    pub inputs: usize,
    /// Widths of the hidden layers, first to last; empty gives softmax regression.
    pub hidden: Vec<usize>,
    pub outputs: usize,
    pub activation: Activation,
}

impl Default for MlpConfig {
    /// MNIST's `784 -> 512 -> 10` with ReLU.
    fn default() -> Self {
        Self {
            inputs: 784,
            hidden: vec![512],
            outputs: 10,
            activation: Activation::Relu,
        }
    }
}

impl MlpConfig {
    /// A network with random weights and zero biases.
    ///
    /// Each weight is drawn from a normal distribution with variance `gain / inputs`. A unit
    /// sums `inputs` products, so this keeps the variance of its output close to that of
    /// its inputs, layer after layer: too small and the signal (and the gradient) fades
    /// towards the output, too large and it explodes. ReLU zeroes half of its inputs on
    /// average, halving the variance, so layers that feed a ReLU use `gain = 2` (He et al.,
    /// 2015); the output layer and layers feeding a sigmoid use `gain = 1` (LeCun et al.,
    /// 1998; Glorot and Bengio's 2010 rule averages inputs and outputs instead).
    /// Biases start at zero: the random weights already make the units differ.
    pub fn init(&self, rng: &mut impl Rng) -> Mlp {
        let mut sizes = vec![self.inputs];
        sizes.extend(&self.hidden);
        sizes.push(self.outputs);
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, pair)| {
                let (inputs, outputs) = (pair[0], pair[1]);
                let feeds_relu = i < self.hidden.len() && self.activation == Activation::Relu;
                let gain = if feeds_relu { 2.0 } else { 1.0 };
                let normal = Normal::new(0.0, (gain / inputs as f32).sqrt())
                    .expect("a positive, finite standard deviation");
                Linear {
                    w: Array2::from_shape_simple_fn((inputs, outputs), || normal.sample(rng)),
                    b: Array1::zeros(outputs),
                }
            })
            .collect();
        Mlp {
            layers,
            activation: self.activation,
        }
    }
}
// ANCHOR_END: config

// ANCHOR: mlp
/// A multilayer perceptron: linear layers with `activation` between them (not after the
/// last, whose outputs are the logits).
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    pub layers: Vec<Linear>,
    pub activation: Activation,
}

/// What the forward pass remembers for the backward pass.
#[derive(Debug, Clone)]
pub struct Trace<'a> {
    /// The batch, `[B, inputs]`.
    pub x: ArrayView2<'a, f32>,
    /// Each hidden layer's pre-activation `z = x·w + b`, `[B, width]`.
    pub z: Vec<Array2<f32>>,
    /// Each hidden layer's activation `h = f(z)`, `[B, width]`: the next layer's input.
    pub h: Vec<Array2<f32>>,
    /// The last layer's output, `[B, outputs]`.
    pub logits: Array2<f32>,
}

// ANCHOR_END: mlp

impl Mlp {
    /// How many numbers the network learns: every weight and bias.
    pub fn params(&self) -> usize {
        self.layers.iter().map(|l| l.w.len() + l.b.len()).sum()
    }

    /// Layer widths from input to output, e.g. `[784, 512, 10]`.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = self.layers.iter().map(|l| l.w.nrows()).collect();
        sizes.extend(self.layers.last().map(|l| l.w.ncols()));
        sizes
    }

    // ANCHOR: forward
    /// The forward pass over a batch `x: [B, inputs]`, keeping every intermediate result.
    ///
    /// # Panics
    /// If `x` does not have `inputs` columns.
    #[track_caller]
    pub fn forward<'a>(&self, x: ArrayView2<'a, f32>) -> Trace<'a> {
        let (last, hidden) = self.layers.split_last().expect("at least one layer");
        let (mut z, mut h) = (Vec::new(), Vec::<Array2<f32>>::new());
        for layer in hidden {
            let input = h.last().map_or(x, |a| a.view());
            let pre = layer.forward(input); // [B, I] -> [B, O]
            h.push(self.activation.forward(&pre)); // same shape
            z.push(pre);
        }
        let logits = last.forward(h.last().map_or(x, |a| a.view())); // [B, I] -> [B, C]
        Trace { x, z, h, logits }
    }
    // ANCHOR_END: forward

    /// The logits for `x: [B, inputs]` without keeping intermediates: for evaluation.
    #[track_caller]
    pub fn logits(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let (last, hidden) = self.layers.split_last().expect("at least one layer");
        let mut a: Option<Array2<f32>> = None;
        for layer in hidden {
            let z = layer.forward(a.as_ref().map_or(x, |a| a.view()));
            a = Some(self.activation.forward(&z));
        }
        last.forward(a.as_ref().map_or(x, |a| a.view()))
    }

    // ANCHOR: backward
    /// The backward pass: from `dlogits = ∂L/∂logits` (`[B, outputs]`) and the forward
    /// pass's `trace`, the gradient of every layer's weights and bias, first layer first.
    ///
    /// # Panics
    /// If `dlogits` does not match the trace's logits in shape.
    #[track_caller]
    pub fn backward(&self, trace: &Trace, dlogits: Array2<f32>) -> Vec<LinearGrads> {
        assert_eq!(dlogits.shape(), trace.logits.shape(), "dlogits vs logits");
        let mut grads = Vec::with_capacity(self.layers.len());
        let mut dy = dlogits; // ∂L/∂(output of layer i), [B, O]
        for (i, layer) in self.layers.iter().enumerate().rev() {
            let input = if i == 0 {
                trace.x
            } else {
                trace.h[i - 1].view()
            };
            // The first layer's input is the data: no one needs its gradient.
            let mut g = linear_backward(input, layer.w.view(), dy.view(), i > 0);
            if i > 0 {
                let dh = g.dx.take().expect("asked for dx"); // [B, I]
                dy = self
                    .activation
                    .backward(&trace.z[i - 1], &trace.h[i - 1], &dh); // through f: same shape
            }
            grads.push(g);
        }
        grads.reverse();
        grads
    }
    // ANCHOR_END: backward
}

/// The four points of XOR with their classes 0 and 1: the problem chapter 1's perceptron
/// could not solve, since no line separates them.
pub fn xor() -> (Array2<f32>, Vec<usize>) {
    let x = ndarray::array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    (x, vec![0, 1, 1, 0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;

    proptest::proptest! {
        #[test]
        fn softmax_rows_are_distributions_and_the_loss_is_minus_log_p(
            row in proptest::collection::vec(-80.0f32..80.0, 2..12),
            pick in 0usize..100,
        ) {
            let label = pick % row.len();
            let logits = Array2::from_shape_vec((1, row.len()), row).unwrap();
            let (loss, probs) = softmax_cross_entropy(logits.view(), &[label]);
            proptest::prop_assert!((probs.sum() - 1.0).abs() < 1e-5);
            proptest::prop_assert!(probs.iter().all(|&p| (0.0..=1.0).contains(&p)));
            proptest::prop_assert!(loss >= 0.0 && loss.is_finite());
            // Where p[label] is not too small to represent, loss = −ln p[label].
            if probs[[0, label]] > 1e-6 {
                proptest::prop_assert!((loss + probs[[0, label]].ln()).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn huge_logits_give_a_finite_loss() {
        let logits = array![[1000.0, -1000.0, 0.0], [3.0e4, 3.0e4, 3.0e4]];
        let (loss, probs) = softmax_cross_entropy(logits.view(), &[1, 0]);
        // Row 1: −ln p = 2000; row 2: ln 3. The mean is finite, not NaN.
        assert!((loss - (2000.0 + 3f32.ln()) / 2.0).abs() < 1e-2, "{loss}");
        assert!(probs.iter().all(|p| p.is_finite()));
    }

    #[test]
    fn the_sigmoid_backward_matches_a_central_difference() {
        let z = array![[-3.0f32, -0.5, 0.0, 0.7, 4.0]];
        let h = Activation::Sigmoid.forward(&z);
        let dz = sigmoid_backward(h.view(), Array2::ones(z.raw_dim()).view());
        for (j, &analytic) in dz.iter().enumerate() {
            let f = |v: f32| 1.0 / (1.0 + (-v).exp());
            let numeric = (f(z[[0, j]] + 1e-3) - f(z[[0, j]] - 1e-3)) / 2e-3;
            assert!(
                (analytic - numeric).abs() < 1e-3,
                "z = {}: {analytic} vs {numeric}",
                z[[0, j]]
            );
        }
    }

    #[test]
    fn he_initialisation_keeps_the_scale_of_relu_activations_through_the_layers() {
        // With inputs of mean square 1, each ReLU layer's outputs keep a mean square near 1
        // (it would halve at every layer with gain 1).
        let config = MlpConfig {
            inputs: 400,
            hidden: vec![400, 400, 400],
            outputs: 10,
            activation: Activation::Relu,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mlp = config.init(&mut rng);
        let x = Array2::from_shape_simple_fn((256, 400), || {
            rand_distr::Distribution::<f32>::sample(&rand_distr::StandardNormal, &mut rng)
        });
        let trace = mlp.forward(x.view());
        for (i, h) in trace.h.iter().enumerate() {
            let mean_square = h.mapv(|v| v * v).mean().unwrap();
            println!("layer {i}: mean square {mean_square:.3}");
            assert!(
                (0.7..1.4).contains(&mean_square),
                "layer {i}: {mean_square}"
            );
        }
        assert!(mlp.layers.iter().all(|l| l.b.iter().all(|&b| b == 0.0)));
    }

    #[test]
    fn sizes_and_params_count_every_weight_and_bias() {
        let mlp = MlpConfig::default().init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
        assert_eq!(mlp.sizes(), [784, 512, 10]);
        assert_eq!(mlp.params(), 784 * 512 + 512 + 512 * 10 + 10);
    }

    #[test]
    fn logits_without_a_trace_equal_the_forward_pass() {
        let config = MlpConfig {
            inputs: 3,
            hidden: vec![4, 4],
            outputs: 2,
            activation: Activation::Sigmoid,
        };
        let mlp = config.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
        let x = array![[0.1, 0.2, 0.3], [-1.0, 0.0, 2.0]];
        assert_eq!(mlp.logits(x.view()), mlp.forward(x.view()).logits);
        assert_eq!(
            argmax_rows(array![[0.1, 0.9, 0.3], [2.0, -1.0, 1.0]].view()),
            [1, 0]
        );
    }
}
