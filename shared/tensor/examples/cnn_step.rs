//! One training step of 05-cnn's model (the Keras MNIST CNN), timed:
//! `cargo run --release -p tensor --example cnn_step [-- --threads N --batch B --steps S]`.
//!
//! conv 1->32 3x3, relu, max-pool 2 -> conv 32->64, relu, pool -> conv 64->64, relu ->
//! dense 576->64, relu -> dense 64->10, cross-entropy; backward; a plain SGD update. Built
//! from `tensor` ops directly (this crate cannot use `nn`, which is built on it), so it
//! measures the engine alone. Prints `cnn_step batch=B threads=T images_per_s=N`, the median
//! of repeated steps, for batch 32 and 128, on 1 and then 2 threads (or `--threads N`).

use std::time::Instant;

use ndarray::{ArrayD, IxDyn};
use tensor::Tensor;

/// Deterministic values in [-scale, scale): no RNG needed to time arithmetic.
fn filled(shape: &[usize], seed: usize, scale: f32) -> ArrayD<f32> {
    let mut i = seed;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        i = (i * 1_103_515_245 + 12_345) % (1 << 31);
        (i as f32 / (1u64 << 31) as f32 * 2.0 - 1.0) * scale
    })
}

struct Model {
    params: Vec<Tensor>, // conv1 w, b, conv2 w, b, conv3 w, b, dense1 w, b, dense2 w, b
}

impl Model {
    fn new() -> Model {
        let shapes: [&[usize]; 10] = [
            &[32, 1, 3, 3],
            &[32],
            &[64, 32, 3, 3],
            &[64],
            &[64, 64, 3, 3],
            &[64],
            &[576, 64],
            &[64],
            &[64, 10],
            &[10],
        ];
        let params = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| Tensor::param(filled(s, i + 1, 0.1)))
            .collect();
        Model { params }
    }

    /// `x: [B, 1, 28, 28]` -> logits `[B, 10]`.
    fn forward(&self, x: &Tensor) -> Tensor {
        let p = &self.params;
        // Convolution and pooling fused, then ReLU, as 05-cnn does: the same numbers as
        // conv, ReLU, pool, without writing the full-size maps, and a quarter of the ReLU work.
        let h = tensor::conv2d_max_pool2d(x, &p[0], Some(&p[1]), 1, 0, 2).relu(); // [B, 32, 13, 13]
        let h = tensor::conv2d_max_pool2d(&h, &p[2], Some(&p[3]), 1, 0, 2).relu(); // [B, 64, 5, 5]
        let h = tensor::conv2d(&h, &p[4], Some(&p[5]), 1, 0).relu(); // [B, 64, 3, 3]
        let h = h.reshape(&[x.shape()[0], 576]);
        let h = (&h.matmul(&p[6]) + &p[7]).relu(); // [B, 64]
        &h.matmul(&p[8]) + &p[9] // [B, 10]
    }

    fn step(&self, x: &Tensor, labels: &[usize], lr: f32) {
        tensor::cross_entropy(&self.forward(x), labels).backward();
        for p in &self.params {
            let g = p.grad().expect("every parameter is used");
            p.update(|w| w.scaled_add(-lr, &g));
            p.zero_grad();
        }
    }
}

fn main() {
    host::memory::keep_freed_memory(); // as every training run does
    let args: Vec<String> = std::env::args().collect();
    let threads: Vec<usize> = match args.iter().position(|a| a == "--threads") {
        Some(i) => vec![args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(1)],
        None => vec![1, 2],
    };
    // `--batch B` times one batch size only, `--steps S` that many steps (for profiling).
    let batches: Vec<usize> = match args.iter().position(|a| a == "--batch") {
        Some(i) => vec![args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(32)],
        None => vec![32, 128],
    };
    let steps_flag: Option<usize> = args
        .iter()
        .position(|a| a == "--steps")
        .and_then(|i| args.get(i + 1)?.parse().ok());
    for &t in &threads {
        host::threads::use_threads(t);
        for &batch in &batches {
            let model = Model::new();
            let x = Tensor::new(filled(&[batch, 1, 28, 28], 99, 1.0));
            let labels: Vec<usize> = (0..batch).map(|i| i % 10).collect();
            model.step(&x, &labels, 0.01); // warm up
            let steps = steps_flag.unwrap_or(4096 / batch).max(1);
            let mut secs: Vec<f64> = (0..steps)
                .map(|_| {
                    let start = Instant::now();
                    model.step(&x, &labels, 0.01);
                    start.elapsed().as_secs_f64()
                })
                .collect();
            secs.sort_by(f64::total_cmp);
            let images_per_s = batch as f64 / secs[steps / 2];
            println!("cnn_step batch={batch} threads={t} images_per_s={images_per_s:.0}");
        }
    }
}
