//! The fast engine against the reference engine: for every op with two versions, the output
//! and the gradient of every input agree to 1e-5 relative to the tensor's scale: each
//! element within `1e-5 · max(1, m)` of the reference, where `m` is the largest magnitude in
//! the reference tensor.
//!
//! Why relative to the tensor, not to each element: the engines add up products in
//! different orders (blocks of images, threads, GEMM kernels), so each sum is rounded
//! differently, by about 1e-7 of the size of its terms. An element of a weight gradient sums
//! thousands of products (every position of every image), which can cancel to a value far
//! smaller than its terms; its own relative difference then measures the cancellation, not
//! the engines (in the 40x40 case below, weight-gradient elements near 1, each a sum of
//! 8,000 products, differ by up to 1.7e-5 between the engines). A wrong pixel, tap or missing
//! term is off by the size of a term, far above the tolerance either way.
//!
//! Shapes are drawn at random from a seeded generator (the same cases every run), with
//! padding, strides, non-square kernels, odd sizes and batches of one; fixed larger cases add
//! what random small shapes rarely reach: work split between two threads, blocks of one
//! image and of several, and the kept patch matrices of small images.
//!
//! Each test prints the largest difference it saw (`cargo test -p tensor --test engines --
//! --nocapture`).

use ndarray::{ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tensor::{with_engine, Engine, Tensor};

const TOLERANCE: f32 = 1e-5;

/// The fast engine's thread count in these tests: two, so that large enough work is split.
fn two_threads() {
    host::threads::use_threads(2);
}

fn random(shape: &[usize], rng: &mut ChaCha8Rng) -> ArrayD<f32> {
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(-1.0f32..1.0))
}

/// `f`'s output and the gradients of all its inputs (as parameters) for the loss `Σ y·r`,
/// with `r` drawn from `seed`, on `engine`.
fn run(
    engine: Engine,
    f: &impl Fn(&[Tensor]) -> Tensor,
    inputs: &[ArrayD<f32>],
    seed: u64,
) -> Vec<ArrayD<f32>> {
    with_engine(engine, || {
        let params: Vec<Tensor> = inputs.iter().map(|x| Tensor::param(x.clone())).collect();
        let y = f(&params);
        let r = random(&y.shape(), &mut ChaCha8Rng::seed_from_u64(seed));
        y.backward_with(&r);
        let grads = params
            .iter()
            .map(|p| p.grad().expect("every input is used"));
        std::iter::once(y.to_array()).chain(grads).collect()
    })
}

/// Runs `f` on both engines and checks that the outputs and gradients agree; returns the
/// largest difference (in the units of the tolerance above).
#[track_caller]
fn compare(case: &str, f: impl Fn(&[Tensor]) -> Tensor, inputs: &[ArrayD<f32>]) -> f32 {
    let fast = run(Engine::Fast, &f, inputs, 7);
    let reference = run(Engine::Reference, &f, inputs, 7);
    let mut worst = 0.0f32;
    for (i, (a, b)) in fast.iter().zip(&reference).enumerate() {
        let what = match i {
            0 => "the output".to_string(),
            i => format!("the gradient of input {}", i - 1),
        };
        assert_eq!(a.shape(), b.shape(), "{case}: {what}: shapes differ");
        let scale = b.iter().fold(1.0f32, |m, &v| m.max(v.abs()));
        for (at, (&a, &b)) in a.iter().zip(b).enumerate() {
            let error = (a - b).abs() / scale;
            assert!(
                error <= TOLERANCE,
                "{case}: {what}, element {at}: fast {a}, reference {b} (error {error:.1e} of the \
                 largest value, {scale})"
            );
            worst = worst.max(error);
        }
    }
    worst
}

/// A convolution's shapes: input `[n, c, h, w]`, kernel `kh × kw`, `o` output channels.
#[derive(Clone, Copy, Debug)]
struct Conv {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    o: usize,
    kh: usize,
    kw: usize,
    stride: usize,
    pad: usize,
}

impl Conv {
    /// Random shapes, small enough to compare quickly: batches from 1, odd sizes, padding
    /// up to 2 (wider than a small kernel's margin), strides up to 3, kernels up to 4×4.
    fn random(rng: &mut ChaCha8Rng) -> Conv {
        let (kh, kw) = (rng.random_range(1..=4), rng.random_range(1..=4));
        let pad = rng.random_range(0..=2);
        let side = |k: usize, rng: &mut ChaCha8Rng| {
            rng.random_range(k.saturating_sub(2 * pad).max(1)..=13)
        };
        Conv {
            n: rng.random_range(1..=5),
            c: rng.random_range(1..=4),
            h: side(kh, rng),
            w: side(kw, rng),
            o: rng.random_range(1..=6),
            kh,
            kw,
            stride: rng.random_range(1..=3),
            pad,
        }
    }

    fn out(&self) -> (usize, usize) {
        (
            (self.h + 2 * self.pad - self.kh) / self.stride + 1,
            (self.w + 2 * self.pad - self.kw) / self.stride + 1,
        )
    }

    /// Input, weight `[O, C, KH, KW]` and bias, drawn from `rng`.
    fn inputs(&self, rng: &mut ChaCha8Rng) -> [ArrayD<f32>; 3] {
        [
            random(&[self.n, self.c, self.h, self.w], rng),
            random(&[self.o, self.c, self.kh, self.kw], rng),
            random(&[self.o], rng),
        ]
    }
}

/// Larger convolutions that reach the fast engine's special paths (see `fast/conv.rs`).
fn split_cases() -> Vec<Conv> {
    let conv = |[n, c, h, w]: [usize; 4], [o, kh, kw]: [usize; 3], stride, pad| Conv {
        n,
        c,
        h,
        w,
        o,
        kh,
        kw,
        stride,
        pad,
    };
    vec![
        // 40x40 outputs: blocks of one image, used in place; 5 images split 3 + 2.
        conv([5, 4, 40, 40], [8, 3, 3], 1, 1),
        // 10x10 outputs: blocks of 10 images; 25 images split 13 + 12, each ending in a
        // partial block.
        conv([25, 6, 10, 10], [16, 3, 3], 1, 1),
        // 3x3 outputs (rows under 8): patches kept for the backward pass; 260 images split.
        conv([260, 8, 5, 5], [16, 3, 3], 1, 0),
        // 05-cnn's three layers at batch 12.
        conv([12, 1, 28, 28], [32, 3, 3], 1, 0),
        conv([12, 32, 13, 13], [64, 3, 3], 1, 0),
        conv([12, 64, 5, 5], [64, 3, 3], 1, 0),
        // Stride 2 with padding, rows copied with padding wider than the margin.
        conv([40, 3, 13, 12], [5, 3, 2], 2, 1),
        conv([8, 2, 9, 9], [3, 5, 5], 1, 3),
    ]
}

#[test]
fn conv2d_on_both_engines_agrees() {
    two_threads();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut worst = 0.0f32;
    let cases: Vec<Conv> = (0..60)
        .map(|_| Conv::random(&mut rng))
        .chain(split_cases())
        .collect();
    for (i, s) in cases.into_iter().enumerate() {
        let inputs = s.inputs(&mut rng);
        let (stride, pad) = (s.stride, s.pad);
        let error = if i % 3 == 0 {
            // Without a bias, now and then.
            compare(
                &format!("conv2d {s:?} without bias"),
                |t| tensor::conv2d(&t[0], &t[1], None, stride, pad),
                &inputs[..2],
            )
        } else {
            compare(
                &format!("conv2d {s:?}"),
                |t| tensor::conv2d(&t[0], &t[1], Some(&t[2]), stride, pad),
                &inputs,
            )
        };
        worst = worst.max(error);
    }
    println!("conv2d: largest difference {worst:.1e}");
}

#[test]
fn conv_transpose2d_on_both_engines_agrees() {
    two_threads();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut worst = 0.0f32;
    let cases = (0..60).map(|_| Conv::random(&mut rng)).chain(split_cases());
    for s in cases.collect::<Vec<_>>() {
        // Transposed: input [n, o, h, w] with weight [o, c, kh, kw] upsamples o -> c
        // channels, to (h - 1)·stride + kh - 2·pad rows, which must leave some output.
        let rows = ((s.h - 1) * s.stride + s.kh).min((s.w - 1) * s.stride + s.kw);
        let pad = s.pad.min((rows - 1) / 2);
        let inputs = [
            random(&[s.n, s.o, s.h, s.w], &mut rng),
            random(&[s.o, s.c, s.kh, s.kw], &mut rng),
            random(&[s.c], &mut rng),
        ];
        let error = compare(
            &format!("conv_transpose2d {s:?} (padding {pad})"),
            |t| tensor::conv_transpose2d(&t[0], &t[1], Some(&t[2]), s.stride, pad),
            &inputs,
        );
        worst = worst.max(error);
    }
    println!("conv_transpose2d: largest difference {worst:.1e}");
}

#[test]
fn conv2d_max_pool2d_on_both_engines_agrees() {
    // Fast: the fused op. Reference: max_pool2d(conv2d(..)), one after the other.
    two_threads();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut worst = 0.0f32;
    let cases = (0..60).map(|_| Conv::random(&mut rng)).chain(split_cases());
    for s in cases.collect::<Vec<_>>() {
        let (oh, ow) = s.out();
        let k = rng.random_range(1..=3).min(oh).min(ow);
        let inputs = s.inputs(&mut rng);
        let error = compare(
            &format!("conv2d_max_pool2d {s:?}, {k}x{k} pooling"),
            |t| tensor::conv2d_max_pool2d(&t[0], &t[1], Some(&t[2]), s.stride, s.pad, k),
            &inputs,
        );
        worst = worst.max(error);
    }
    println!("conv2d_max_pool2d: largest difference {worst:.1e}");
}

#[test]
fn pooling_on_both_engines_agrees() {
    two_threads();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut worst = 0.0f32;
    // Random small cases, overlapping windows and strides included, then one large enough
    // to be split between the threads (8·16·26·26 elements).
    let mut cases: Vec<([usize; 4], usize, usize)> = (0..60)
        .map(|_| {
            let k = rng.random_range(1..=4);
            let shape = [
                rng.random_range(1..=4),
                rng.random_range(1..=3),
                rng.random_range(k..=11),
                rng.random_range(k..=11),
            ];
            (shape, k, rng.random_range(1..=3))
        })
        .collect();
    cases.extend([([8, 16, 26, 26], 2, 2), ([8, 16, 26, 26], 3, 2)]);
    for (shape, k, stride) in cases {
        let x = [random(&shape, &mut rng)];
        let case = format!("{shape:?}, {k}x{k} windows, stride {stride}");
        worst = worst.max(compare(
            &format!("max_pool2d {case}"),
            |t| tensor::max_pool2d(&t[0], k, stride),
            &x,
        ));
        worst = worst.max(compare(
            &format!("avg_pool2d {case}"),
            |t| tensor::avg_pool2d(&t[0], k, stride),
            &x,
        ));
    }
    println!("pooling: largest difference {worst:.1e}");
}

#[test]
fn matmul_on_both_engines_agrees() {
    two_threads();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut worst = 0.0f32;
    for _ in 0..40 {
        let [m, k, n, b] = [0; 4].map(|_| rng.random_range(1..=40));
        let a2 = random(&[m, k], &mut rng);
        let b2 = random(&[k, n], &mut rng);
        worst = worst.max(compare(
            &format!("matmul [{m}, {k}]·[{k}, {n}]"),
            |t| t[0].matmul(&t[1]),
            &[a2.clone(), b2.clone()],
        ));
        // A transposed operand: a strided view, read where it is.
        let bt = random(&[n, k], &mut rng);
        worst = worst.max(compare(
            &format!("matmul [{m}, {k}]·[{n}, {k}]ᵀ"),
            |t| t[0].matmul(&t[1].transpose(0, 1)),
            &[a2, bt],
        ));
        let a3 = random(&[b % 4 + 1, m, k], &mut rng);
        let b3 = random(&[b % 4 + 1, k, n], &mut rng);
        worst = worst.max(compare(
            &format!("batched matmul {:?}·{:?}", a3.shape(), b3.shape()),
            |t| t[0].matmul(&t[1]),
            &[a3.clone(), b3],
        ));
        worst = worst.max(compare(
            &format!("matmul {:?}·[{k}, {n}]", a3.shape()),
            |t| t[0].matmul(&t[1]),
            &[a3, b2],
        ));
    }
    // Attention's products: many small ones, the batch split between threads, with a
    // transposed operand.
    let (q, k) = (
        random(&[48, 64, 32], &mut rng),
        random(&[48, 64, 32], &mut rng),
    );
    worst = worst.max(compare(
        "batched matmul [48, 64, 32]·[48, 64, 32]ᵀ",
        |t| t[0].matmul(&t[1].transpose(1, 2)),
        &[q, k],
    ));
    // Large enough for the fast engine to split the product between threads.
    let (a, b) = (random(&[300, 70], &mut rng), random(&[70, 130], &mut rng));
    worst = worst.max(compare(
        "matmul [300, 70]·[70, 130]",
        |t| t[0].matmul(&t[1]),
        &[a, b],
    ));
    println!("matmul: largest difference {worst:.1e}");
}

type Unary = fn(&Tensor) -> Tensor;
type Binary = fn(&Tensor, &Tensor) -> Tensor;

#[test]
fn elementwise_ops_on_both_engines_agree() {
    two_threads();
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let unary: [(&str, Unary); 11] = [
        ("neg", Tensor::neg),
        ("add_scalar", |t| t.add_scalar(0.5)),
        ("scale", |t| t.scale(-1.5)),
        ("powf", |t| t.above_one().powf(1.5)),
        ("exp", Tensor::exp),
        ("log", |t| t.above_one().log()),
        ("sqrt", |t| t.above_one().sqrt()),
        ("tanh", Tensor::tanh),
        ("sigmoid", Tensor::sigmoid),
        ("relu", Tensor::relu),
        ("gelu", Tensor::gelu),
    ];
    let binary: [(&str, Binary); 4] = [
        ("add", Tensor::add),
        ("sub", Tensor::sub),
        ("mul", Tensor::mul),
        ("div", |a, b| a.div(&b.above_one())),
    ];
    let mut worst = 0.0f32;
    // Small, large (300·700 elements: split between threads), and broadcast shapes.
    let shapes: [(&[usize], &[usize]); 4] = [
        (&[3, 5], &[3, 5]),
        (&[300, 700], &[300, 700]),
        (&[300, 700], &[700]),
        (&[4, 1, 6], &[5, 1]),
    ];
    for (sa, sb) in shapes {
        let (a, b) = (random(sa, &mut rng), random(sb, &mut rng));
        for (name, op) in unary {
            let case = format!("{name} {sa:?}");
            worst = worst.max(compare(&case, |t| op(&t[0]), std::slice::from_ref(&a)));
            // On a transposed (strided) input too.
            let case = format!("{name} {sa:?} transposed");
            worst = worst.max(compare(
                &case,
                |t| op(&t[0].transpose(0, 1)),
                std::slice::from_ref(&a),
            ));
            // On some columns (rows with a gap between them: an LSTM's gate, say), and
            // far from zero (where the fast versions clamp).
            let last = sa.len() - 1;
            let (start, len) = (sa[last] / 3, sa[last] - sa[last] / 3);
            let case = format!("{name} {sa:?} narrowed to columns {start}.. and scaled");
            worst = worst.max(compare(
                &case,
                |t| op(&t[0].narrow(last, start, len)),
                std::slice::from_ref(&a),
            ));
            if !["exp", "powf"].contains(&name) {
                worst = worst.max(compare(
                    &case,
                    |t| op(&t[0].scale(30.0)),
                    std::slice::from_ref(&a),
                ));
            }
        }
        for (name, op) in binary {
            let case = format!("{name} {sa:?} with {sb:?}");
            worst = worst.max(compare(
                &case,
                |t| op(&t[0], &t[1]),
                &[a.clone(), b.clone()],
            ));
        }
    }
    println!("elementwise: largest difference {worst:.1e}");
}

/// `√(x² + 1)`, at least 1: an input that log, sqrt, powf and division are safe on.
trait AboveOne {
    fn above_one(&self) -> Tensor;
}

impl AboveOne for Tensor {
    fn above_one(&self) -> Tensor {
        (self * self).add_scalar(1.0).sqrt()
    }
}

#[test]
fn rnn_tanh_on_both_engines_agrees() {
    two_threads();
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    // Random small cases, then ones large enough for the fast engine to split the batch
    // between two threads (an even and an odd batch).
    let mut cases: Vec<[usize; 3]> = (0..12)
        .map(|_| {
            [
                rng.random_range(1..=5),
                rng.random_range(1..=7),
                rng.random_range(1..=9),
            ]
        })
        .collect();
    cases.extend([[16, 20, 128], [7, 40, 160]]);
    let mut worst = 0.0f32;
    for [b, t, h] in cases {
        // Weights scaled like an RNN's (±1/√H), so that the states are not all saturated.
        let w = random(&[h, h], &mut rng) / (h as f32).sqrt();
        let inputs = [random(&[b, t, h], &mut rng), random(&[b, h], &mut rng), w];
        let case = format!("rnn_tanh B={b} T={t} H={h}");
        worst = worst.max(compare(
            &case,
            |p| tensor::rnn_tanh(&p[0], &p[1], &p[2]),
            &inputs,
        ));
    }
    println!("rnn_tanh: largest difference {worst:.1e} of each tensor's largest value");
}

#[test]
fn cross_entropy_on_both_engines_agrees() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let mut worst = 0.0f32;
    // A character model's logits, a few small ones, and logits far from zero (the max
    // shift must keep exp finite).
    for (rows, classes, scale) in [(2048, 65, 3.0f32), (1, 1, 1.0), (5, 3, 1.0), (7, 10, 60.0)] {
        let logits = random(&[rows, classes], &mut rng) * scale;
        let targets: Vec<usize> = (0..rows).map(|_| rng.random_range(0..classes)).collect();
        let case = format!("cross_entropy [{rows}, {classes}] ×{scale}");
        worst = worst.max(compare(
            &case,
            |p| tensor::cross_entropy(&p[0], &targets),
            std::slice::from_ref(&logits),
        ));
    }
    println!("cross_entropy: largest difference {worst:.1e}");
}

#[test]
fn softmax_and_copies_to_row_major_on_both_engines_agree() {
    two_threads();
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let mut worst = 0.0f32;
    // Attention's scores (masked), a large matrix (rows split between threads), a
    // transposed input, scores far from zero, and axes other than the last.
    let mask =
        ndarray::Array2::from_shape_fn(
            (6, 6),
            |(i, j)| {
                if j <= i {
                    0.0f32
                } else {
                    f32::NEG_INFINITY
                }
            },
        );
    let scores = random(&[2, 3, 6, 6], &mut rng);
    worst = worst.max(compare(
        "causal softmax [2, 3, 6, 6]",
        |t| t[0].add(&Tensor::new(mask.clone())).softmax(3),
        std::slice::from_ref(&scores),
    ));
    let large = random(&[300, 700], &mut rng);
    for axis in [0, 1] {
        worst = worst.max(compare(
            &format!("softmax [300, 700] axis {axis}"),
            |t| t[0].softmax(axis),
            std::slice::from_ref(&large),
        ));
    }
    let small = random(&[5, 7], &mut rng);
    worst = worst.max(compare(
        "softmax of a transposed [5, 7], ×40",
        |t| t[0].transpose(0, 1).scale(40.0).softmax(1),
        std::slice::from_ref(&small),
    ));
    // Heads split and merged: permuted axes copied back to row-major by reshape, forward
    // and backward.
    let x = random(&[2, 5, 3, 4], &mut rng);
    worst = worst.max(compare(
        "permute then reshape [2, 5, 3, 4]",
        |t| t[0].permute(&[0, 2, 1, 3]).reshape(&[2, 3, 20]).tanh(),
        std::slice::from_ref(&x),
    ));
    let m = random(&[37, 45], &mut rng);
    worst = worst.max(compare(
        "transpose then reshape [37, 45]",
        |t| t[0].transpose(0, 1).reshape(&[45 * 37]).scale(2.0),
        std::slice::from_ref(&m),
    ));
    // Attention's kᵀ: the last two axes of a 4-D array swapped (columns contiguous), copied
    // back to row-major forward and (the permute's gradient) backward; sizes not multiples
    // of the 16 × 16 tiles.
    let k = random(&[2, 3, 37, 5], &mut rng);
    worst = worst.max(compare(
        "transpose(2, 3) then reshape [2, 3, 37, 5]",
        |t| t[0].transpose(2, 3).reshape(&[6, 5 * 37]).tanh(),
        std::slice::from_ref(&k),
    ));
    let heads = random(&[2, 19, 3, 21], &mut rng);
    worst = worst.max(compare(
        "permute [0, 2, 3, 1] then reshape [2, 19, 3, 21]",
        |t| {
            t[0].permute(&[0, 2, 3, 1])
                .reshape(&[2, 3 * 21 * 19])
                .tanh()
        },
        std::slice::from_ref(&heads),
    ));
    println!("softmax and copies: largest difference {worst:.1e}");
}
