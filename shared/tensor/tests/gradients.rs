//! Every op's backward against central finite differences (step 1e-3, tolerance 1e-2 on
//! `|a - n| / max(1, |a| + |n|)`, see `tensor::gradcheck`), on small seeded random inputs,
//! on both engines: the reference versions of the ops and the fast ones.

use ndarray::{ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tensor::gradcheck::{check_gradients, DEFAULT_STEP, DEFAULT_TOLERANCE};
use tensor::{with_engine, Engine, Tensor};

/// Uniform in [lo, hi), seeded by the shape so each call is reproducible.
fn random(shape: &[usize], lo: f32, hi: f32, seed: u64) -> ArrayD<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(lo..hi))
}

/// Uniform in ±[0.2, 1.5): away from 0, where relu, abs and max have kinks.
fn away_from_zero(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        let m = rng.random_range(0.2f32..1.5);
        if rng.random::<bool>() {
            m
        } else {
            -m
        }
    })
}

#[track_caller]
fn check(name: &str, f: impl Fn(&[Tensor]) -> Tensor, inputs: &[ArrayD<f32>]) {
    for engine in [Engine::Reference, Engine::Fast] {
        let checked = with_engine(engine, || {
            check_gradients(&f, inputs, DEFAULT_STEP, DEFAULT_TOLERANCE)
        });
        match checked {
            Ok(worst) => println!("{name} ({engine:?}): worst error {worst:.2e}"),
            Err(e) => panic!("{name}, on the {engine:?} engine: {e}"),
        }
    }
}

#[test]
fn binary_ops_match_finite_differences_with_broadcasting() {
    // Same shapes, a row vector against a matrix, a column against a row, a scalar.
    let cases: [(&[usize], &[usize]); 4] = [
        (&[3, 4], &[3, 4]),
        (&[2, 3, 4], &[4]),
        (&[3, 1], &[1, 4]),
        (&[2, 3], &[]),
    ];
    for (i, (sa, sb)) in cases.iter().enumerate() {
        let a = random(sa, -1.0, 1.0, 1 + i as u64);
        let b = random(sb, 0.5, 1.5, 10 + i as u64); // positive: safe to divide by
        let inputs = [a, b];
        check("add", |t| &t[0] + &t[1], &inputs);
        check("sub", |t| &t[0] - &t[1], &inputs);
        check("mul", |t| &t[0] * &t[1], &inputs);
        check("div", |t| &t[0] / &t[1], &inputs);
    }
}

#[test]
fn unary_ops_match_finite_differences() {
    let x = [random(&[3, 5], -2.0, 2.0, 1)];
    let positive = [random(&[3, 5], 0.5, 2.0, 2)];
    let kinked = [away_from_zero(&[3, 5], 3)];
    check("neg", |t| -&t[0], &x);
    check("add_scalar", |t| &t[0] + 3.0, &x);
    check("scale", |t| &t[0] * -2.5, &x);
    check("powf", |t| t[0].powf(2.5), &positive);
    check("exp", |t| t[0].exp(), &x);
    check("log", |t| t[0].log(), &positive);
    check("sqrt", |t| t[0].sqrt(), &positive);
    check("tanh", |t| t[0].tanh(), &x);
    check("sigmoid", |t| t[0].sigmoid(), &x);
    check("relu", |t| t[0].relu(), &kinked);
    check("leaky_relu", |t| t[0].leaky_relu(0.2), &kinked);
    check("gelu", |t| t[0].gelu(), &x);
}

#[test]
fn matmul_matches_finite_differences_in_2d_batched_and_broadcast_forms() {
    check(
        "matmul 2-D",
        |t| t[0].matmul(&t[1]),
        &[random(&[3, 4], -1.0, 1.0, 1), random(&[4, 5], -1.0, 1.0, 2)],
    );
    check(
        "matmul batched",
        |t| t[0].matmul(&t[1]),
        &[
            random(&[2, 3, 4], -1.0, 1.0, 3),
            random(&[2, 4, 2], -1.0, 1.0, 4),
        ],
    );
    check(
        "matmul [B,T,D]·[D,H]",
        |t| t[0].matmul(&t[1]),
        &[
            random(&[2, 3, 4], -1.0, 1.0, 5),
            random(&[4, 3], -1.0, 1.0, 6),
        ],
    );
    // A transposed (strided) operand.
    check(
        "matmul of a transpose",
        |t| t[0].transpose(0, 1).matmul(&t[1]),
        &[random(&[4, 3], -1.0, 1.0, 7), random(&[4, 2], -1.0, 1.0, 8)],
    );
}

#[test]
fn shape_ops_match_finite_differences() {
    let x = [random(&[2, 3, 4], -1.0, 1.0, 1)];
    check("reshape", |t| t[0].reshape(&[6, 4]), &x);
    check("permute", |t| t[0].permute(&[2, 0, 1]), &x);
    check(
        "reshape after permute",
        |t| t[0].permute(&[2, 0, 1]).reshape(&[4, 6]),
        &x,
    );
    check("transpose", |t| t[0].transpose(1, 2), &x);
    check("narrow", |t| t[0].narrow(2, 1, 2), &x);
    let two = [random(&[2, 3], -1.0, 1.0, 2), random(&[2, 3], -1.0, 1.0, 3)];
    check(
        "concat",
        |t| Tensor::concat(&[t[0].clone(), t[1].narrow(1, 0, 2)], 1),
        &two,
    );
    check(
        "stack",
        |t| Tensor::stack(&[t[0].clone(), t[1].clone()], 1),
        &two,
    );
    check(
        "index_select (a row picked twice)",
        |t| t[0].index_select(&[2, 0, 2, 1]),
        &[random(&[3, 4], -1.0, 1.0, 4)],
    );
}

#[test]
fn reductions_match_finite_differences() {
    let x = [random(&[2, 3, 4], -1.0, 1.0, 1)];
    check("sum", |t| t[0].sum(), &x);
    check("mean", |t| t[0].mean(), &x);
    check("sum_axes keepdim", |t| t[0].sum_axes(&[0, 2], true), &x);
    check("sum_axes", |t| t[0].sum_axes(&[1], false), &x);
    check("mean_axes", |t| t[0].mean_axes(&[2], false), &x);
    check("max_axis keepdim", |t| t[0].max_axis(1, true), &x);
    check("max_axis", |t| t[0].max_axis(2, false), &x);
}

#[test]
fn softmax_and_losses_match_finite_differences() {
    let x = [random(&[3, 5], -2.0, 2.0, 1)];
    check("softmax", |t| t[0].softmax(1), &x);
    check("softmax axis 0", |t| t[0].softmax(0), &x);
    check("log_softmax", |t| t[0].log_softmax(1), &x);
    check(
        "cross_entropy",
        |t| tensor::cross_entropy(&t[0], &[4, 0, 2]),
        &x,
    );
    let pair = [random(&[3, 4], -1.0, 1.0, 2), random(&[3, 4], -1.0, 1.0, 3)];
    check("mse_loss", |t| tensor::mse_loss(&t[0], &t[1]), &pair);
    let targets = random(&[3, 4], 0.0, 1.0, 4);
    check(
        "bce_with_logits",
        |t| tensor::bce_with_logits(&t[0], &t[1]),
        &[pair[0].clone(), targets],
    );
}

#[test]
fn layer_norm_batch_norm_and_dropout_match_finite_differences() {
    let inputs = [
        random(&[2, 3, 5], -1.0, 1.0, 1),
        random(&[5], 0.5, 1.5, 2),
        random(&[5], -0.5, 0.5, 3),
    ];
    check(
        "layer_norm",
        |t| tensor::layer_norm(&t[0], &t[1], &t[2], 1e-5),
        &inputs,
    );
    // Batch norm over [N, C] vectors and over [N, C, H, W] maps (each channel's values come
    // from several examples and positions, so the batch statistics couple them all).
    for shape in [&[6, 3][..], &[2, 3, 4, 5]] {
        let inputs = [
            random(shape, -1.0, 1.0, 5),
            random(&[3], 0.5, 1.5, 6),
            random(&[3], -0.5, 0.5, 7),
        ];
        check(
            &format!("batch_norm {shape:?}"),
            |t| tensor::batch_norm(&t[0], &t[1], &t[2], 1e-5).0,
            &inputs,
        );
    }
    // The same seed draws the same mask in every evaluation, so dropout is a fixed linear map.
    let dropout = |t: &[Tensor]| {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        tensor::dropout(&t[0], 0.3, true, &mut rng)
    };
    check("dropout", dropout, &[random(&[4, 6], -1.0, 1.0, 4)]);
}

#[test]
fn convolutions_and_pooling_match_finite_differences() {
    for (stride, padding) in [(1, 0), (2, 1), (1, 2)] {
        let inputs = [
            random(&[2, 3, 6, 5], -1.0, 1.0, 1),
            random(&[4, 3, 3, 3], -0.5, 0.5, 2),
            random(&[4], -0.5, 0.5, 3),
        ];
        check(
            &format!("conv2d stride={stride} padding={padding}"),
            |t| tensor::conv2d(&t[0], &t[1], Some(&t[2]), stride, padding),
            &inputs,
        );
        let inputs = [
            random(&[2, 3, 4, 3], -1.0, 1.0, 4),
            random(&[3, 2, 3, 3], -0.5, 0.5, 5),
            random(&[2], -0.5, 0.5, 6),
        ];
        check(
            &format!("conv_transpose2d stride={stride} padding={padding}"),
            |t| tensor::conv_transpose2d(&t[0], &t[1], Some(&t[2]), stride, padding.min(1)),
            &inputs,
        );
    }
    // An image smaller than the kernel: some taps see only padding.
    let tiny = [
        random(&[1, 1, 1, 2], -1.0, 1.0, 8),
        random(&[2, 1, 3, 3], -0.5, 0.5, 9),
    ];
    check(
        "conv2d on a 1x2 image, padding 1",
        |t| tensor::conv2d(&t[0], &t[1], None, 1, 1),
        &tiny,
    );
    check(
        "conv2d on a 1x2 image, stride 2",
        |t| tensor::conv2d(&t[0], &t[1], None, 2, 1),
        &tiny,
    );
    let x = [random(&[2, 2, 6, 6], -1.0, 1.0, 7)];
    check("max_pool2d 2x2", |t| tensor::max_pool2d(&t[0], 2, 2), &x);
    // Convolution and pooling fused; the 4x3 maps pool to 2x1 (a row and a column unused).
    let inputs = [
        random(&[2, 3, 6, 5], -1.0, 1.0, 10),
        random(&[4, 3, 3, 3], -0.5, 0.5, 11),
        random(&[4], -0.5, 0.5, 12),
    ];
    check(
        "conv2d_max_pool2d 2x2",
        |t| tensor::conv2d_max_pool2d(&t[0], &t[1], Some(&t[2]), 1, 0, 2),
        &inputs,
    );
    check(
        "max_pool2d 3x3 stride 1 (overlapping)",
        |t| tensor::max_pool2d(&t[0], 3, 1),
        &x,
    );
    check("avg_pool2d", |t| tensor::avg_pool2d(&t[0], 2, 2), &x);
    check(
        "avg_pool2d overlapping",
        |t| tensor::avg_pool2d(&t[0], 3, 2),
        &x,
    );
}

#[test]
fn a_composite_expression_matches_finite_differences() {
    // A tiny MLP with a loss: several ops chained, one input used twice.
    let inputs = [
        random(&[4, 3], -1.0, 1.0, 1),
        random(&[3, 5], -1.0, 1.0, 2),
        random(&[5], -0.1, 0.1, 3),
    ];
    check(
        "mlp",
        |t| {
            let h = (t[0].matmul(&t[1]) + &t[2]).tanh();
            tensor::cross_entropy(&(&h * &h).add(&h), &[0, 4, 2, 1])
        },
        &inputs,
    );
}

#[test]
fn rnn_tanh_matches_finite_differences() {
    // x: [B, T, H], h0: [B, H], w_hh: [H, H]; the loss reaches back through every step.
    let inputs = [
        random(&[2, 5, 3], -1.0, 1.0, 71),
        random(&[2, 3], -0.5, 0.5, 72),
        random(&[3, 3], -0.8, 0.8, 73),
    ];
    check(
        "rnn_tanh",
        |t| tensor::rnn_tanh(&t[0], &t[1], &t[2]),
        &inputs,
    );
}

#[test]
#[should_panic(
    expected = "rnn_tanh: x must be [B, T, H] with T > 0, h0 [B, H] and w_hh [H, H]; got x [2, 5, 3], h0 [2, 4]"
)]
fn rnn_tanh_names_shapes_that_do_not_fit() {
    let x = Tensor::zeros(&[2, 5, 3]);
    tensor::rnn_tanh(&x, &Tensor::zeros(&[2, 4]), &Tensor::zeros(&[3, 3]));
}
