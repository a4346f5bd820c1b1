//! The micro-benchmark: the scalar engine and the tensor engine compute the same gradients
//! of the same network on the same points, and we count how many points per second each
//! gets through.
//!
//! The scalar engine makes one heap-allocated `Value` per multiply and per add, and visits
//! each one in the backward pass. The tensor engine makes one node per *layer*, and spends
//! its time in matrix products that run through memory in order, many numbers per
//! instruction. That difference, not the chain rule, is why frameworks work in tensors.

use std::time::Instant;

use ndarray::{Array2, ArrayD};
use tensor::Tensor;

use crate::mlp::{batch_loss, Activation, Mlp, Points};

// ANCHOR: tensor_copy
/// The scalar network's layers as tensors: per layer, `w: [inputs, outputs]` (column `j`
/// holds neuron `j`'s weights), `b: [outputs]` and the activation.
pub fn tensor_copy(mlp: &Mlp) -> Vec<(Tensor, Tensor, Activation)> {
    mlp.layers
        .iter()
        .map(|layer| {
            let (inputs, outputs) = (layer.neurons[0].w.len(), layer.neurons.len());
            let w = Array2::from_shape_fn((inputs, outputs), |(i, j)| {
                layer.neurons[j].w[i].data() as f32
            });
            let b = layer.neurons.iter().map(|n| n.b.data() as f32).collect();
            let b = ArrayD::from_shape_vec(vec![outputs], b).expect("one bias per neuron");
            (Tensor::param(w), Tensor::param(b), layer.activation)
        })
        .collect()
}

/// The mean logistic loss of the tensor network over `points`, as one graph of a few nodes
/// per layer. With targets `t = 0` or `1`, `bce_with_logits` is `log(1 + e^(-y·s))` with
/// `y = 2t - 1`: the same loss as [`crate::mlp::logistic_loss`].
pub fn tensor_loss(layers: &[(Tensor, Tensor, Activation)], points: &Points) -> Tensor {
    let n = points.x.len();
    let x: Vec<f32> = points
        .x
        .iter()
        .flat_map(|p| [p[0] as f32, p[1] as f32])
        .collect();
    let targets: Vec<f32> = points.class.iter().map(|&c| c as f32).collect();
    let mut h = Tensor::from_vec(x, &[n, 2]); // [N, 2]
    for (w, b, activation) in layers {
        let z = &h.matmul(w) + b; // [N, inputs] -> [N, outputs]
        h = match activation {
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.relu(),
            Activation::Identity => z,
        };
    }
    tensor::bce_with_logits(&h, &Tensor::from_vec(targets, &[n, 1]))
}
// ANCHOR_END: tensor_copy

/// Points per second through the gradient computation (forward, backward) in each engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Benchmark {
    /// The scalar engine: one `Value` per multiply, add and activation.
    pub scalar_examples_per_second: f64,
    /// The tensor engine fed one point at a time: a batch of one, `[1, 2]`.
    pub tensor_single_examples_per_second: f64,
    /// The tensor engine fed every point at once: `[N, 2]`.
    pub tensor_examples_per_second: f64,
}

impl Benchmark {
    /// How many times faster the tensor engine is.
    pub fn speedup(&self) -> f64 {
        self.tensor_examples_per_second / self.scalar_examples_per_second.max(1e-12)
    }
}

// ANCHOR: bench
/// Repeats the full-batch gradient computation of `mlp` on `points` for at least `seconds`
/// of wall time (and at least twice) in each engine, and in the tensor engine once more with
/// one point at a time, and measures points per second. Nothing is updated: every engine
/// differentiates the same weights every time.
pub fn run(mlp: &Mlp, points: &Points, seconds: f64) -> Benchmark {
    let parameters = mlp.parameters();
    let scalar = examples_per_second(points.x.len(), seconds, || {
        let loss = batch_loss(mlp, points);
        for p in &parameters {
            p.zero_grad();
        }
        loss.backward();
    });
    let layers = tensor_copy(mlp);
    let zero_grad = || {
        for (w, b, _) in &layers {
            w.zero_grad();
            b.zero_grad();
        }
    };
    let singles: Vec<Points> = (0..points.x.len())
        .map(|i| Points {
            x: vec![points.x[i]],
            class: vec![points.class[i]],
        })
        .collect();
    let tensor_single = examples_per_second(points.x.len(), seconds, || {
        zero_grad();
        for single in &singles {
            tensor_loss(&layers, single).backward(); // gradients add up over the points
        }
    });
    let tensor = examples_per_second(points.x.len(), seconds, || {
        zero_grad();
        tensor_loss(&layers, points).backward();
    });
    Benchmark {
        scalar_examples_per_second: scalar,
        tensor_single_examples_per_second: tensor_single,
        tensor_examples_per_second: tensor,
    }
}

fn examples_per_second(batch: usize, seconds: f64, mut step: impl FnMut()) -> f64 {
    step(); // warm up: first allocations, caches
    let started = Instant::now();
    let mut repeats = 0;
    while repeats < 2 || started.elapsed().as_secs_f64() < seconds {
        step();
        repeats += 1;
    }
    (repeats * batch) as f64 / started.elapsed().as_secs_f64()
}
// ANCHOR_END: bench
