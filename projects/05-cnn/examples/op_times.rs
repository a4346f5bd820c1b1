//! Where one training step of the essay's model spends its time: every op of the forward
//! and backward pass timed on its own, on a batch of the real shapes, and the whole step.
//!
//! ```sh
//! cargo run --release -p cnn --example op_times -- --batch-size 32 --threads 2
//! ```
//!
//! Prints a markdown table (the chapter's "Where the time goes"). Each time is the median
//! of many repetitions, so a busy machine disturbs it less than a single run. It starts a
//! `run::Session` as `05-cnn` does, so the process is set up the same way (threads, the
//! allocator's settings).

use std::time::Instant;

use cnn::{Arch, Cnn};
use nn::{Adam, Module, Optimizer};
use rand::{Rng, SeedableRng};
use tensor::Tensor;

/// Median wall time of `f` in microseconds, after a warm-up.
fn time(mut f: impl FnMut()) -> f64 {
    for _ in 0..5 {
        f();
    }
    let mut samples: Vec<f64> = (0..41)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn random(shape: &[usize], rng: &mut impl Rng) -> ndarray::ArrayD<f32> {
    ndarray::ArrayD::from_shape_simple_fn(shape, || rng.random_range(-1.0..1.0))
}

struct Row {
    op: String,
    shape: String,
    forward: f64,
    backward: f64,
    gflops: Option<f64>,
}

#[derive(clap::Parser)]
struct Cli {
    #[command(flatten)]
    common: run::CommonArgs,
    /// Images per batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
}

fn main() -> anyhow::Result<()> {
    let cli = <Cli as clap::Parser>::parse();
    let settings = [("batch", cli.batch_size.to_string())];
    let session = run::Session::start("05-cnn op_times", &cli.common, &settings)?;
    let (n, threads) = (cli.batch_size, session.threads);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut rows = Vec::new();

    // The time of `y.sum().backward()` minus that of `y.sum()` is the op's backward plus a
    // gradient of ones; that of summing alone is measured and taken off.
    let mut op =
        |name: &str, shape: &[usize], flops: Option<f64>, f: &dyn Fn(&Tensor) -> Tensor| {
            let x = Tensor::param(random(shape, &mut rng));
            let forward = time(|| {
                tensor::no_grad(|| f(&x));
            });
            let recorded = time(|| {
                let _ = f(&x).sum();
            });
            let both = time(|| {
                f(&x).sum().backward();
            });
            let y = f(&x);
            let ones_only = time(|| {
                let leaf = Tensor::param(y.to_array());
                leaf.sum().backward();
            });
            rows.push(Row {
                op: name.to_string(),
                shape: format!("{shape:?}"),
                forward,
                backward: (both - recorded - ones_only).max(0.0),
                gflops: flops
                    .map(|f| 3.0 * f / (forward + (both - recorded - ones_only).max(0.0)) / 1e3),
            });
        };
    let conv = |c: usize, o: usize, rng: &mut rand_chacha::ChaCha8Rng| {
        (
            Tensor::param(random(&[o, c, 3, 3], rng)),
            Tensor::param(random(&[o], rng)),
        )
    };
    let mut wrng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let (w1, b1) = conv(1, 32, &mut wrng);
    let (w2, b2) = conv(32, 64, &mut wrng);
    let (w3, b3) = conv(64, 64, &mut wrng);
    let d1 = (
        Tensor::param(random(&[576, 64], &mut wrng)),
        Tensor::param(random(&[64], &mut wrng)),
    );
    let d2 = (
        Tensor::param(random(&[64, 10], &mut wrng)),
        Tensor::param(random(&[10], &mut wrng)),
    );
    let madds = |o: usize, k: usize, p: usize| Some(2.0 * (n * o * k * p) as f64);

    // The model convolves and pools in one op, then applies ReLU to the pooled maps (the
    // same numbers as conv, ReLU, pool).
    op(
        "conv1 (1→32, 3×3) + max_pool 2×2",
        &[n, 1, 28, 28],
        madds(32, 9, 676),
        &|x| tensor::conv2d_max_pool2d(x, &w1, Some(&b1), 1, 0, 2),
    );
    op("relu", &[n, 32, 13, 13], None, &|x| x.relu());
    op(
        "conv2 (32→64, 3×3) + max_pool 2×2",
        &[n, 32, 13, 13],
        madds(64, 288, 121),
        &|x| tensor::conv2d_max_pool2d(x, &w2, Some(&b2), 1, 0, 2),
    );
    op("relu", &[n, 64, 5, 5], None, &|x| x.relu());
    op(
        "conv3 (64→64, 3×3)",
        &[n, 64, 5, 5],
        madds(64, 576, 9),
        &|x| tensor::conv2d(x, &w3, Some(&b3), 1, 0),
    );
    op("relu", &[n, 64, 3, 3], None, &|x| x.relu());
    op("flatten (reshape)", &[n, 64, 3, 3], None, &|x| {
        x.reshape(&[n, 576])
    });
    op(
        "dense1 (576→64, matmul + bias)",
        &[n, 576],
        Some(2.0 * (n * 576 * 64) as f64),
        &|x| &x.matmul(&d1.0) + &d1.1,
    );
    op("relu", &[n, 64], None, &|x| x.relu());
    op(
        "dense2 (64→10, matmul + bias)",
        &[n, 64],
        Some(2.0 * (n * 64 * 10) as f64),
        &|x| &x.matmul(&d2.0) + &d2.1,
    );
    let targets: Vec<usize> = (0..n).map(|i| i % 10).collect();
    op("cross_entropy", &[n, 10], None, &|x| {
        tensor::cross_entropy(x, &targets)
    });

    // The optimizer and the whole step, on the real model.
    let model = Cnn::new(Arch::Keras, [1, 28, 28], 10, &mut rng);
    let mut adam = Adam::new(model.parameters(), 1e-3);
    let x = Tensor::new(random(&[n, 1, 28, 28], &mut rng).mapv(|v| v.abs()));
    tensor::cross_entropy(&model.forward(&x), &targets).backward();
    let adam_step = time(|| adam.step());
    let zero = time(|| adam.zero_grad());
    let step = time(|| {
        let loss = tensor::cross_entropy(&model.forward(&x), &targets);
        adam.zero_grad();
        loss.backward();
        adam.step();
    });

    let parts: f64 = rows.iter().map(|r| r.forward + r.backward).sum::<f64>() + adam_step + zero;
    println!(
        "Batch {n}, {threads} threads; medians of 41 repetitions, in microseconds per batch.\n"
    );
    println!("| op | input shape | forward µs | backward µs | share of the step | GFLOP/s |");
    println!("|---|---|---:|---:|---:|---:|");
    for r in &rows {
        let gflops = r.gflops.map(|g| format!("{g:.1}")).unwrap_or_default();
        println!(
            "| {} | `{}` | {:.0} | {:.0} | {:.1}% | {} |",
            r.op,
            r.shape,
            r.forward,
            r.backward,
            100.0 * (r.forward + r.backward) / step,
            gflops
        );
    }
    println!(
        "| Adam step (93,322 parameters) + zero_grad | | {:.0} | | {:.1}% | |",
        adam_step + zero,
        100.0 * (adam_step + zero) / step
    );
    println!(
        "| **whole training step** | `[{n}, 1, 28, 28]` | | | {step:.0} µs = {:.0} images/s | |",
        n as f64 / step * 1e6
    );
    println!(
        "| sum of the rows above | | | | {:.0}% of the step | |",
        100.0 * parts / step
    );
    Ok(())
}
