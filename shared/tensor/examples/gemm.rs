//! GEMM and conv2d speed: `cargo run --release -p tensor --example gemm [-- --threads N]`.
//!
//! Prints one line per case, e.g. `gemm m=1024 n=1024 k=1024 threads=2 gflops=123.4`, for
//! square sizes and for the shapes im2col produces in the 05-cnn model (batch 128), then
//! `conv2d layer=L batch=128 threads=T gflops=G` for that model's three convolutions,
//! forward and backward from a given output gradient (GEMM flops only: im2col, col2im
//! and copies count as overhead). Each number is the median of several timed repetitions.
//! Without `--threads`, runs every case on 1 and then 2 threads.

use std::time::Instant;

use ndarray::{Array2, Array4};
use tensor::Tensor;

/// Median seconds per call of `f`, over repetitions filling about `budget` seconds.
fn time(mut f: impl FnMut(), budget: f64) -> f64 {
    f(); // warm up: caches, page faults, lazily started threads
    let start = Instant::now();
    f();
    let once = start.elapsed().as_secs_f64().max(1e-6);
    let reps = ((budget / once) as usize).clamp(3, 200);
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2]
}

fn matrix(rows: usize, cols: usize, seed: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (((i * 31 + j * 17 + seed) % 97) as f32 - 48.0) / 48.0
    })
}

/// The same square GEMM through ndarray's own backend, `matrixmultiply` (one thread: its
/// threading is a build-time feature we do not enable), for the README's comparison.
fn bench_matrixmultiply(size: usize) {
    let (a, b) = (matrix(size, size, 1), matrix(size, size, 2));
    let mut c = Array2::<f32>::zeros((size, size));
    let secs = time(
        || ndarray::linalg::general_mat_mul(1.0, &a, &b, 0.0, &mut c),
        1.0,
    );
    let gflops = 2.0 * (size * size * size) as f64 / secs / 1e9;
    println!("matrixmultiply m={size} n={size} k={size} threads=1 gflops={gflops:.1}");
}

fn bench_gemm(m: usize, n: usize, k: usize, threads: usize) {
    let (a, b) = (matrix(m, k, 1), matrix(k, n, 2));
    let mut c = Array2::<f32>::zeros((m, n));
    let secs = time(
        || tensor::gemm::gemm(1.0, a.view(), b.view(), 0.0, c.view_mut()),
        1.0,
    );
    let gflops = 2.0 * (m * n * k) as f64 / secs / 1e9;
    println!("gemm m={m} n={n} k={k} threads={threads} gflops={gflops:.1}");
}

/// One convolution of the 05-cnn model, forward and backward. The input gradient is
/// computed for layers 2 and 3 but not for layer 1, whose input is the data, as in training.
fn bench_conv(layer: usize, batch: usize, c: usize, o: usize, hw: usize, threads: usize) {
    let x = Array4::from_shape_fn((batch, c, hw, hw), |(n, c, i, j)| {
        ((n + c * 3 + i * 5 + j * 7) % 13) as f32 / 13.0
    });
    let w = Array4::from_shape_fn((o, c, 3, 3), |(o, c, i, j)| {
        ((o * 5 + c + i * 3 + j) % 11) as f32 / 11.0 - 0.5
    });
    let x = if layer == 1 {
        Tensor::new(x)
    } else {
        Tensor::param(x)
    };
    let (w, b) = (Tensor::param(w), Tensor::param(ndarray::Array1::zeros(o)));
    let out = hw - 2;
    // Forward, dW and (except layer 1) dX are each a GEMM of 2·(batch·out²)·(c·9)·o flops.
    let gemms = if layer == 1 { 2.0 } else { 3.0 };
    let flops = gemms * 2.0 * (batch * out * out) as f64 * (c * 9) as f64 * o as f64;
    // Backward starts from a fixed gradient of the output, as if a loss further on had
    // computed it: the time is the convolution's alone, not a loss's as well.
    let dy = ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(&[batch, o, out, out]), |i| {
        ((i[0] + i[1] * 7 + i[2] * 3 + i[3]) % 5) as f32 / 5.0 - 0.4
    });
    let secs = time(
        || {
            tensor::conv2d(&x, &w, Some(&b), 1, 0).backward_with(&dy);
            for t in [&x, &w, &b] {
                t.zero_grad();
            }
        },
        1.5,
    );
    println!(
        "conv2d layer={layer} batch={batch} threads={threads} gflops={:.1}",
        flops / secs / 1e9
    );
}

fn main() {
    host::memory::keep_freed_memory(); // as every training run does
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args.get(i + 1).cloned().unwrap_or_default())
    };
    let thread_counts: Vec<usize> = match flag("--threads") {
        Some(n) => vec![n.parse().ok().filter(|&n| n >= 1).unwrap_or_else(|| {
            eprintln!("--threads needs a number of threads, 1 or more, got {n:?}");
            std::process::exit(2)
        })],
        None => vec![1, 2],
    };
    // `--only gemm` or `--only conv` runs one half (for profiling); `--only matrixmultiply`
    // times ndarray's default backend instead, for comparison.
    let only = flag("--only");
    // `--layer L` times only that convolution (for profiling it alone).
    let only_layer: Option<usize> = flag("--layer").and_then(|l| l.parse().ok());
    if only.as_deref() == Some("matrixmultiply") {
        for size in [256, 512, 1024, 2048] {
            bench_matrixmultiply(size);
        }
        return;
    }
    let (gemms, convs) = (
        only.as_deref() != Some("conv"),
        only.as_deref() != Some("gemm"),
    );
    for &threads in &thread_counts {
        host::threads::use_threads(threads);
        if gemms {
            for size in [256, 512, 1024, 2048] {
                bench_gemm(size, size, size, threads);
            }
            // The im2col GEMMs of the 05-cnn model at batch 128: [O, K]·[K, N·P], P = OH·OW.
            for (m, n, k) in [
                (32, 128 * 26 * 26, 9),
                (64, 128 * 11 * 11, 32 * 9),
                (64, 128 * 3 * 3, 64 * 9),
            ] {
                bench_gemm(m, n, k, threads);
            }
        }
        if convs {
            for (layer, c, o, hw) in [(1, 1, 32, 28), (2, 32, 64, 13), (3, 64, 64, 5)] {
                if only_layer.is_some_and(|l| l != layer) {
                    continue;
                }
                bench_conv(layer, 128, c, o, hw, threads);
            }
        }
    }
}
