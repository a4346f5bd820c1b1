//! The backward pass, checked against the definition of a derivative: for every weight and
//! bias of small networks, the hand-written gradient matches a central difference.

use mlp::{softmax_cross_entropy, softmax_cross_entropy_gradient, Activation, Mlp, MlpConfig};
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Step of the central difference. f32 carries about 7 digits: a loss near 1 is known to
/// ~1e-7, so the difference quotient has rounding error ~1e-7 / (2h) = 1e-5, and the
/// truncation error (h²/6 times a third derivative of order 1) is about 4e-6.
const H: f32 = 5e-3;

/// ReLU has a kink at 0, where no derivative exists: a nudge of `H` to one parameter moves
/// a pre-activation by a few `H` at most, so every pre-activation must be farther than this
/// from 0 for the difference quotient to see one straight piece of the function.
const KINK_MARGIN: f32 = 0.05;

fn batch(
    rng: &mut ChaCha8Rng,
    rows: usize,
    cols: usize,
    classes: usize,
) -> (Array2<f32>, Vec<usize>) {
    let x = Array2::from_shape_simple_fn((rows, cols), || StandardNormal.sample(rng));
    let labels = (0..rows).map(|i| (i * 7 + 3) % classes).collect();
    (x, labels)
}

fn loss(mlp: &Mlp, x: &Array2<f32>, labels: &[usize]) -> f32 {
    softmax_cross_entropy(mlp.logits(x.view()).view(), labels).0
}

/// One parameter: `W(layer, row, column)` or `B(layer, index)`.
#[derive(Clone, Copy)]
enum Param {
    W(usize, usize, usize),
    B(usize, usize),
}

fn param(mlp: &mut Mlp, p: Param) -> &mut f32 {
    match p {
        Param::W(i, r, c) => &mut mlp.layers[i].w[[r, c]],
        Param::B(i, j) => &mut mlp.layers[i].b[j],
    }
}

// ANCHOR: central_difference
/// `(L(θ + h) − L(θ − h)) / 2h` for one parameter `θ`, which is left as it was.
fn central_difference(mlp: &mut Mlp, x: &Array2<f32>, labels: &[usize], p: Param) -> f32 {
    let original = *param(mlp, p);
    *param(mlp, p) = original + H;
    let up = loss(mlp, x, labels);
    *param(mlp, p) = original - H;
    let down = loss(mlp, x, labels);
    *param(mlp, p) = original;
    (up - down) / (2.0 * H)
}
// ANCHOR_END: central_difference

/// A small network with random weights and biases, and a batch of 6 examples for it.
fn setup(hidden: &[usize], activation: Activation, seed: u64) -> (Mlp, Array2<f32>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let config = MlpConfig {
        inputs: 4,
        hidden: hidden.to_vec(),
        outputs: 3,
        activation,
    };
    let mut mlp = config.init(&mut rng);
    // Random biases too, so that their gradients are tested away from the all-zero start.
    for layer in &mut mlp.layers {
        layer
            .b
            .mapv_inplace(|_| 0.5 * Distribution::<f32>::sample(&StandardNormal, &mut rng));
    }
    let (x, labels) = batch(&mut rng, 6, 4, 3);
    (mlp, x, labels)
}

/// Compares every parameter's analytic gradient with `(L(θ + h) − L(θ − h)) / 2h` and
/// returns the largest absolute difference and the largest gradient seen.
fn check(hidden: &[usize], activation: Activation, seed: u64) -> (f32, f32) {
    // The first seed from `seed` on whose pre-activations all clear the kink (any seed does
    // for the sigmoid, which has none).
    let (mut mlp, x, labels) = (seed..)
        .map(|s| setup(hidden, activation, s))
        .find(|(mlp, x, _)| {
            let trace = mlp.forward(x.view());
            let nearest = trace
                .z
                .iter()
                .flatten()
                .fold(f32::INFINITY, |m, v| m.min(v.abs()));
            activation == Activation::Sigmoid || nearest > KINK_MARGIN
        })
        .expect("some seed keeps clear of the kink");
    let trace = mlp.forward(x.view());
    let (_, probs) = softmax_cross_entropy(trace.logits.view(), &labels);
    let grads = mlp.backward(
        &trace,
        softmax_cross_entropy_gradient(probs.view(), &labels),
    );

    let (mut worst, mut largest) = (0.0f32, 0.0f32);
    let mut compare = |name: String, analytic: f32, numeric: f32| {
        let error = (analytic - numeric).abs();
        assert!(
            error <= 1e-4 + 1e-2 * numeric.abs(),
            "{name}: backward says {analytic}, central difference says {numeric}"
        );
        worst = worst.max(error);
        largest = largest.max(numeric.abs());
    };
    for (i, g) in grads.iter().enumerate() {
        for ((r, c), &analytic) in g.dw.indexed_iter() {
            let numeric = central_difference(&mut mlp, &x, &labels, Param::W(i, r, c));
            compare(format!("layer {i} w[{r}, {c}]"), analytic, numeric);
        }
        for (j, &analytic) in g.db.indexed_iter() {
            let numeric = central_difference(&mut mlp, &x, &labels, Param::B(i, j));
            compare(format!("layer {i} b[{j}]"), analytic, numeric);
        }
    }
    (worst, largest)
}

#[test]
fn every_parameter_gradient_of_a_two_hidden_layer_relu_network_matches_central_differences() {
    let (worst, largest) = check(&[5, 3], Activation::Relu, 3);
    println!("ReLU 4-5-3-3: largest |error| {worst:.2e}, largest |gradient| {largest:.3}");
    // The check means something only if the gradients are not all tiny.
    assert!(largest > 0.05, "{largest}");
}

#[test]
fn every_parameter_gradient_of_a_two_hidden_layer_sigmoid_network_matches_central_differences() {
    let (worst, largest) = check(&[5, 3], Activation::Sigmoid, 3);
    println!("sigmoid 4-5-3-3: largest |error| {worst:.2e}, largest |gradient| {largest:.3}");
    assert!(largest > 0.05, "{largest}");
}

#[test]
fn one_hidden_layer_and_no_hidden_layer_pass_the_same_check() {
    for (hidden, activation) in [(&[6][..], Activation::Relu), (&[], Activation::Relu)] {
        let (worst, largest) = check(hidden, activation, 5);
        println!("{hidden:?}: largest |error| {worst:.2e}, largest |gradient| {largest:.3}");
        assert!(largest > 0.05, "{largest}");
    }
}
