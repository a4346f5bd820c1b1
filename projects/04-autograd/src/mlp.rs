//! A multilayer perceptron made of [`Value`]s, and the problem it learns: two interleaving
//! half moons, which no straight line separates.
//!
//! Every weight is one `Value`, every multiply-add a few more: a training step builds a graph
//! of about a hundred thousand values and walks it backwards. That is slow (the benchmark in
//! [`crate::bench`] says how slow), and it is all the machinery a network needs.

use rand::Rng;
use rand_distr::{Distribution, Normal};

use crate::Value;

// ANCHOR: moons
/// Points in the plane, each of class 0 or 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    /// `(x, y)` coordinates, one per point.
    pub x: Vec<[f64; 2]>,
    /// The class of each point: 0 (upper moon) or 1 (lower moon).
    pub class: Vec<usize>,
}

/// `n` points on two interleaving half circles of radius 1 ("two moons", as in
/// scikit-learn's `make_moons`), alternating between the classes, with Gaussian noise of
/// standard deviation `noise` added to each coordinate.
///
/// The upper moon is `(cos t - ½, sin t - ¼)` for `t` drawn uniformly from `[0, π]`; the
/// lower moon is the same shape turned half a turn about the origin, so the data is centred.
pub fn moons(n: usize, noise: f64, rng: &mut impl Rng) -> Points {
    let jitter = Normal::new(0.0, noise.max(0.0)).expect("a standard deviation >= 0");
    let mut points = Points {
        x: Vec::with_capacity(n),
        class: Vec::with_capacity(n),
    };
    for i in 0..n {
        let class = i % 2;
        let t = rng.random_range(0.0..std::f64::consts::PI);
        let upper = [t.cos() - 0.5, t.sin() - 0.25];
        let side = if class == 0 { 1.0 } else { -1.0 };
        points.x.push([
            side * upper[0] + jitter.sample(rng),
            side * upper[1] + jitter.sample(rng),
        ]);
        points.class.push(class);
    }
    points
}
// ANCHOR_END: moons

// ANCHOR: mlp
/// What follows a layer's weighted sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Tanh,
    Relu,
    /// Nothing: the output layer's scores stay raw.
    Identity,
}

/// One unit: `w·x + b`, with one weight per input.
pub struct Neuron {
    pub w: Vec<Value>,
    pub b: Value,
}

impl Neuron {
    /// `Σ_i w_i·x_i + b`, recorded value by value.
    pub fn forward(&self, x: &[Value]) -> Value {
        self.w
            .iter()
            .zip(x)
            .fold(self.b.clone(), |sum, (w, x)| sum + w * x)
    }
}

/// Neurons side by side, all seeing the same inputs. Neuron `j`'s weights are column `j` of
/// the workspace's `w: [inputs, outputs]`.
pub struct Layer {
    pub neurons: Vec<Neuron>,
    pub activation: Activation,
}

impl Layer {
    /// `[inputs]` -> `[outputs]`.
    pub fn forward(&self, x: &[Value]) -> Vec<Value> {
        self.neurons
            .iter()
            .map(|neuron| {
                let z = neuron.forward(x);
                match self.activation {
                    Activation::Tanh => z.tanh(),
                    Activation::Relu => z.relu(),
                    Activation::Identity => z,
                }
            })
            .collect()
    }
}

/// Layers in a row. Every layer but the last is followed by the hidden activation.
pub struct Mlp {
    pub layers: Vec<Layer>,
}

impl Mlp {
    /// A network with layer sizes `sizes` (inputs first, outputs last), weights drawn from
    /// `U(±1/√inputs)` and biases at 0.
    ///
    /// # Panics
    /// If `sizes` has fewer than two entries.
    #[track_caller]
    pub fn new(sizes: &[usize], hidden: Activation, rng: &mut impl Rng) -> Mlp {
        assert!(
            sizes.len() >= 2,
            "an MLP needs input and output sizes, got {sizes:?}"
        );
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, pair)| {
                let (inputs, outputs) = (pair[0], pair[1]);
                let bound = 1.0 / (inputs as f64).sqrt();
                let neurons = (0..outputs)
                    .map(|_| Neuron {
                        w: (0..inputs)
                            .map(|_| Value::new(rng.random_range(-bound..bound)))
                            .collect(),
                        b: Value::new(0.0),
                    })
                    .collect();
                let last = i == sizes.len() - 2;
                Layer {
                    neurons,
                    activation: if last { Activation::Identity } else { hidden },
                }
            })
            .collect();
        Mlp { layers }
    }

    /// `[inputs]` -> `[outputs]`, recording every operation.
    pub fn forward(&self, x: &[Value]) -> Vec<Value> {
        self.layers
            .iter()
            .fold(x.to_vec(), |h, layer| layer.forward(&h))
    }

    /// Every weight and bias, layer by layer, neuron by neuron (weights before the bias).
    pub fn parameters(&self) -> Vec<Value> {
        self.layers
            .iter()
            .flat_map(|layer| &layer.neurons)
            .flat_map(|neuron| neuron.w.iter().chain([&neuron.b]).cloned())
            .collect()
    }
}
// ANCHOR_END: mlp

impl Mlp {
    /// The same forward pass on plain numbers, recording nothing: for evaluation and for
    /// shading the decision boundary (60,000 calls), where no gradient is wanted.
    pub fn predict(&self, x: &[f64]) -> Vec<f64> {
        self.layers.iter().fold(x.to_vec(), |h, layer| {
            layer
                .neurons
                .iter()
                .map(|neuron| {
                    let z = neuron
                        .w
                        .iter()
                        .zip(&h)
                        .fold(neuron.b.data(), |sum, (w, x)| sum + w.data() * x);
                    match layer.activation {
                        Activation::Tanh => z.tanh(),
                        Activation::Relu => z.max(0.0),
                        Activation::Identity => z,
                    }
                })
                .collect()
        })
    }

    /// Class 1 where the single output score is positive, else class 0.
    pub fn classify(&self, x: [f64; 2]) -> usize {
        usize::from(self.predict(&x)[0] > 0.0)
    }

    /// The fraction of `points` classified correctly.
    pub fn accuracy(&self, points: &Points) -> f64 {
        let correct = points
            .x
            .iter()
            .zip(&points.class)
            .filter(|(&x, &class)| self.classify(x) == class)
            .count();
        correct as f64 / points.class.len().max(1) as f64
    }
}

// ANCHOR: loss
/// The logistic loss of one score `s` for a point of class `class`: with the label
/// `y = ±1`, `log(1 + e^(-y·s))`. Large when the score has the wrong sign, near 0 when it
/// has the right one by a margin. (Chapter 2's logistic regression, in `Value`s.)
pub fn logistic_loss(score: &Value, class: usize) -> Value {
    let y = if class == 1 { 1.0 } else { -1.0 };
    (1.0 + (-y * score).exp()).log()
}

/// The mean logistic loss of `mlp` over `points`: one graph through every point.
pub fn batch_loss(mlp: &Mlp, points: &Points) -> Value {
    let total = points
        .x
        .iter()
        .zip(&points.class)
        .map(|(x, &class)| {
            let inputs = [Value::new(x[0]), Value::new(x[1])];
            logistic_loss(&mlp.forward(&inputs)[0], class)
        })
        .fold(Value::new(0.0), |sum, loss| sum + loss);
    total / points.class.len().max(1) as f64
}
// ANCHOR_END: loss

/// How to train the scalar MLP.
#[derive(Debug, Clone)]
pub struct ScalarConfig {
    /// Units in each of the two hidden layers.
    pub hidden: usize,
    /// Full-batch gradient descent steps.
    pub steps: usize,
    /// The learning rate of `p ← p - lr·∂L/∂p`.
    pub lr: f64,
}

impl Default for ScalarConfig {
    fn default() -> Self {
        Self {
            hidden: 16,
            steps: 300,
            lr: 0.5,
        }
    }
}

/// What training did.
#[derive(Debug, Clone)]
pub struct ScalarTraining {
    /// The mean loss before each step.
    pub losses: Vec<f64>,
    /// How many values one step's graph holds, from the inputs to the loss.
    pub graph_values: usize,
}

// ANCHOR: train
/// Stops the run if a gradient is NaN or infinite, naming the layer, the neuron and the
/// parameter (`layers.1.neurons.3.w.0`), before the update spreads it into every weight.
fn check_gradients(mlp: &Mlp, at: &str) -> anyhow::Result<()> {
    for (l, layer) in mlp.layers.iter().enumerate() {
        for (n, neuron) in layer.neurons.iter().enumerate() {
            let name = format!("layers.{l}.neurons.{n}");
            for (i, w) in neuron.w.iter().enumerate() {
                run::check_gradient(&format!("{name}.w.{i}"), &[w.grad()], at)?;
            }
            run::check_gradient(&format!("{name}.b"), &[neuron.b.grad()], at)?;
        }
    }
    Ok(())
}

/// Trains `mlp` on `points` by full-batch gradient descent: each step builds the loss over
/// every point, zeroes the gradients, runs the backward pass and moves every parameter
/// against its gradient. `on_step(step, loss)` is called after each step (for progress).
///
/// # Errors
/// If the loss stops being a finite number (the learning rate is too high).
pub fn train(
    mlp: &Mlp,
    points: &Points,
    config: &ScalarConfig,
    mut on_step: impl FnMut(usize, f64),
) -> anyhow::Result<ScalarTraining> {
    let parameters = mlp.parameters();
    let mut losses = Vec::with_capacity(config.steps);
    let mut graph_values = 0;
    for step in 0..config.steps {
        let loss = batch_loss(mlp, points);
        run::check_finite(loss.data(), &format!("scalar step {}", step + 1))?;
        if step == 0 {
            graph_values = crate::topological_order(&loss).len();
        }
        for p in &parameters {
            p.zero_grad();
        }
        loss.backward();
        check_gradients(mlp, &format!("scalar step {}", step + 1))?;
        for p in &parameters {
            p.set_data(p.data() - config.lr * p.grad());
        }
        losses.push(loss.data());
        on_step(step, loss.data());
    }
    Ok(ScalarTraining {
        losses,
        graph_values,
    })
}
// ANCHOR_END: train

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn moons_alternate_classes_and_the_lower_moon_mirrors_the_upper() {
        let points = moons(400, 0.0, &mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(points.class.iter().filter(|&&c| c == 1).count(), 200);
        for (x, &class) in points.x.iter().zip(&points.class) {
            // Without noise, each point is on its unit circle (centre (-½, -¼) or (½, ¼)).
            let centre = if class == 0 {
                [-0.5, -0.25]
            } else {
                [0.5, 0.25]
            };
            let r = ((x[0] - centre[0]).powi(2) + (x[1] - centre[1]).powi(2)).sqrt();
            assert!((r - 1.0).abs() < 1e-12, "{x:?} class {class}");
        }
    }

    #[test]
    fn predict_agrees_with_the_recorded_forward_pass() {
        let mlp = Mlp::new(
            &[2, 5, 3, 1],
            Activation::Tanh,
            &mut ChaCha8Rng::seed_from_u64(2),
        );
        let x = [0.3, -1.2];
        let recorded = mlp.forward(&[Value::new(x[0]), Value::new(x[1])])[0].data();
        assert!((recorded - mlp.predict(&x)[0]).abs() < 1e-12);
        assert_eq!(mlp.parameters().len(), 2 * 5 + 5 + 5 * 3 + 3 + 3 + 1);
    }
}
