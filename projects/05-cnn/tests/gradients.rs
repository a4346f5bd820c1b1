//! The network's gradients, checked against finite differences: every piece of the model
//! (convolutions, ReLU, max-pooling, flatten, dense layers, cross-entropy) composed as the
//! project composes it, on the fast path (the tensor crate's fused op) and on the lesson path
//! (the project's im2col, col2im and max_pool_backward).

use cnn::{Arch, Cnn, ConvPath};
use nn::Module;
use rand::{Rng, SeedableRng};
use tensor::Tensor;

/// The loss of `model` on a fixed small batch, as f64.
fn loss(model: &Cnn, x: &Tensor, targets: &[usize]) -> f64 {
    f64::from(tensor::no_grad(|| tensor::cross_entropy(&model.forward(x), targets)).item())
}

fn check(arch: Arch, size: usize, path: ConvPath) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let mut model = Cnn::new(arch, [1, size, size], 4, &mut rng);
    model.conv_path = path;
    let pixels: Vec<f32> = (0..2 * size * size)
        .map(|_| rng.random_range(0.0..1.0))
        .collect();
    let x = Tensor::from_vec(pixels, &[2, 1, size, size]);
    let targets = [1, 3];
    tensor::cross_entropy(&model.forward(&x), &targets).backward();

    let h = 1e-3f32;
    let mut worst = 0.0f64;
    for (name, p) in model.named_parameters() {
        let grad = p.grad().unwrap_or_else(|| panic!("{name} got no gradient"));
        // A dozen elements of each tensor, spread over it.
        let n = p.len();
        for j in (0..n).step_by((n / 12).max(1)) {
            let nudge = |delta: f32| {
                p.update(|v| v.as_slice_mut().unwrap()[j] += delta);
            };
            nudge(h);
            let up = loss(&model, &x, &targets);
            nudge(-2.0 * h);
            let down = loss(&model, &x, &targets);
            nudge(h);
            let numeric = (up - down) / (2.0 * f64::from(h));
            let analytic = f64::from(grad.as_slice().unwrap()[j]);
            let error = (analytic - numeric).abs() / 1f64.max(analytic.abs() + numeric.abs());
            assert!(
                error < 1e-2,
                "{} on the {path:?} path, {name}[{j}]: backward says {analytic}, finite \
                 differences {numeric}",
                arch.name()
            );
            worst = worst.max(error);
        }
    }
    println!(
        "{} on the {path:?} path: largest relative error {worst:.2e}",
        arch.name()
    );
}

#[test]
fn the_keras_models_gradients_match_finite_differences() {
    check(Arch::Keras, 18, ConvPath::Fast);
}

#[test]
fn lenet5s_gradients_match_finite_differences() {
    check(Arch::Lenet5, 12, ConvPath::Fast);
}

#[test]
fn the_keras_models_gradients_match_finite_differences_on_the_lesson_path() {
    check(Arch::Keras, 18, ConvPath::Lesson);
}

#[test]
fn lenet5s_gradients_match_finite_differences_on_the_lesson_path() {
    // LeNet-5 pads its first convolution: the lesson path's padding, checked end to end.
    check(Arch::Lenet5, 12, ConvPath::Lesson);
}
