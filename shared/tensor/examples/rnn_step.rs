//! One training step of chapter 7's character RNN, timed, and what each of its ops costs:
//! `cargo run --release -p tensor --example rnn_step [-- --threads N --steps S]`.
//!
//! The step (H 256, T 64, B 32, V 65): an embedding lookup plus bias, the tanh recurrence
//! over 64 steps, the read-out `[T·B, H]·[H, V]`, cross-entropy, backward, and Adam's update
//! (written out here: this crate cannot use `nn`, which is built on it). The recurrence is
//! built two ways:
//!
//! - **op by op**: 64 × (narrow, matmul, add, tanh) and a stack, as the issue that asked
//!   for this probe measured it (and as the reference `rnn_tanh` is written);
//! - **fused**: `tensor::rnn_tanh`, one op for the whole recurrence.
//!
//! Each is timed on the reference and the fast engine, on 1 and 2 threads (or `--threads
//! N`): the median of `--steps` steps after 5 of warm-up. Then every op of the op-by-op step
//! is timed on its own at its real shape, forward and backward, on the fast engine: the
//! cost of each, times how often a step runs it. Prints markdown tables.

use std::time::Instant;

use ndarray::{ArrayD, IxDyn};
use tensor::{with_engine, Engine, Tensor};

const V: usize = 65;
const H: usize = 256;
const T: usize = 64;
const B: usize = 32;

/// Deterministic values in [-scale, scale): no RNG needed to time arithmetic.
fn filled(shape: &[usize], seed: usize, scale: f32) -> ArrayD<f32> {
    let mut i = seed;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        i = (i * 1_103_515_245 + 12_345) % (1 << 31);
        (i as f32 / (1u64 << 31) as f32 * 2.0 - 1.0) * scale
    })
}

/// A character id for every position, row by row ([B, T]), and the one after it.
fn ids(seed: usize) -> (Vec<usize>, Vec<usize>) {
    let all: Vec<usize> = (0..B * (T + 1))
        .map(|i| (i * 7 + seed * 13 + i / 5) % V)
        .collect();
    let inputs = (0..B)
        .flat_map(|b| all[b * (T + 1)..b * (T + 1) + T].to_vec())
        .collect();
    let targets = (0..B)
        .flat_map(|b| all[b * (T + 1) + 1..(b + 1) * (T + 1)].to_vec())
        .collect();
    (inputs, targets)
}

struct Model {
    embedding: Tensor,
    w_hh: Tensor,
    b_h: Tensor,
    w_hy: Tensor,
    b_y: Tensor,
    adam: Vec<(ArrayD<f32>, ArrayD<f32>)>,
    step: i32,
}

impl Model {
    fn new() -> Model {
        let bound = 1.0 / (H as f32).sqrt();
        let params = [
            filled(&[V, H], 1, bound),
            filled(&[H, H], 2, bound),
            ArrayD::zeros(IxDyn(&[H])),
            filled(&[H, V], 3, bound),
            ArrayD::zeros(IxDyn(&[V])),
        ];
        let adam = params
            .iter()
            .map(|p| (p.clone() * 0.0, p.clone() * 0.0))
            .collect();
        let [embedding, w_hh, b_h, w_hy, b_y] = params.map(Tensor::param);
        Model {
            embedding,
            w_hh,
            b_h,
            w_hy,
            b_y,
            adam,
            step: 0,
        }
    }

    fn params(&self) -> [&Tensor; 5] {
        [
            &self.embedding,
            &self.w_hh,
            &self.b_h,
            &self.w_hy,
            &self.b_y,
        ]
    }

    /// One training step; `fused` picks how the recurrence is built.
    fn step(&mut self, inputs: &[usize], targets: &[usize], h0: &Tensor, fused: bool) -> f32 {
        let x = self
            .embedding
            .index_select(inputs)
            .add(&self.b_h)
            .reshape(&[B, T, H]);
        let hs = if fused {
            tensor::rnn_tanh(&x, h0, &self.w_hh) // [B, T, H]
        } else {
            let mut h = h0.clone();
            let mut states = Vec::with_capacity(T);
            for t in 0..T {
                h = x
                    .narrow(1, t, 1)
                    .reshape(&[B, H])
                    .add(&h.matmul(&self.w_hh))
                    .tanh();
                states.push(h.clone());
            }
            Tensor::stack(&states, 1)
        };
        let logits = hs.reshape(&[B * T, H]).matmul(&self.w_hy).add(&self.b_y);
        let loss = tensor::cross_entropy(&logits, targets);
        for p in self.params() {
            p.zero_grad();
        }
        loss.backward();
        // Adam with clipping of the global gradient norm to 1, as 07-rnn trains.
        let grads: Vec<ArrayD<f32>> = self
            .params()
            .iter()
            .map(|p| p.grad().expect("used"))
            .collect();
        let norm = grads
            .iter()
            .flat_map(|g| g.iter())
            .map(|v| v * v)
            .sum::<f32>()
            .sqrt();
        let scale = if norm > 1.0 { 1.0 / norm } else { 1.0 };
        self.step += 1;
        let (c1, c2) = (1.0 - 0.9f32.powi(self.step), 1.0 - 0.999f32.powi(self.step));
        let params = [
            &self.embedding,
            &self.w_hh,
            &self.b_h,
            &self.w_hy,
            &self.b_y,
        ];
        for ((p, g), (m, v)) in params.into_iter().zip(&grads).zip(&mut self.adam) {
            ndarray::Zip::from(&mut *m)
                .and(&mut *v)
                .and(g)
                .for_each(|m, v, &g| {
                    let g = g * scale;
                    *m = 0.9 * *m + 0.1 * g;
                    *v = 0.999 * *v + 0.001 * g * g;
                });
            p.update(|w| {
                ndarray::Zip::from(w)
                    .and(&*m)
                    .and(&*v)
                    .for_each(|w, &m, &v| {
                        *w -= 2e-3 * (m / c1) / ((v / c2).sqrt() + 1e-8);
                    })
            });
        }
        loss.item()
    }
}

/// Median of `samples` after sorting.
fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Median milliseconds of a training step.
fn time_steps(engine: Engine, threads: usize, fused: bool, steps: usize) -> f64 {
    host::threads::use_threads(threads);
    with_engine(engine, || {
        let mut model = Model::new();
        let (inputs, targets) = ids(1);
        let h0 = Tensor::zeros(&[B, H]);
        let mut times = Vec::new();
        for i in 0..5 + steps {
            let started = Instant::now();
            model.step(&inputs, &targets, &h0, fused);
            if i >= 5 {
                times.push(started.elapsed().as_secs_f64() * 1e3);
            }
        }
        median(times)
    })
}

/// Median microseconds of `f` over 41 calls, after 5.
fn time_us(mut f: impl FnMut()) -> f64 {
    for _ in 0..5 {
        f();
    }
    median(
        (0..41)
            .map(|_| {
                let started = Instant::now();
                f();
                started.elapsed().as_secs_f64() * 1e6
            })
            .collect(),
    )
}

/// Forward and backward microseconds of `op` on parameters of `shapes`.
fn op_cost(shapes: &[&[usize]], op: impl Fn(&[Tensor]) -> Tensor) -> (f64, f64) {
    let inputs: Vec<ArrayD<f32>> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| filled(s, i + 7, 0.5))
        .collect();
    let params = || -> Vec<Tensor> { inputs.iter().map(|x| Tensor::param(x.clone())).collect() };
    let p = params();
    let forward = time_us(|| {
        std::hint::black_box(op(&p));
    });
    let both = time_us(|| {
        let p = params();
        let y = op(&p);
        y.backward_with(&ArrayD::ones(IxDyn(&y.shape())));
    });
    (forward, (both - forward).max(0.0))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].parse::<usize>().expect("a number"))
    };
    let thread_counts: Vec<usize> = flag("--threads").map_or(vec![1, 2], |n| vec![n]);
    let steps = flag("--steps").unwrap_or(30);

    println!("| recurrence | engine | threads | ms per step (median of {steps}) |");
    println!("|---|---|---:|---:|");
    for fused in [false, true] {
        for engine in [Engine::Reference, Engine::Fast] {
            for &threads in &thread_counts {
                let ms = time_steps(engine, threads, fused, steps);
                let how = if fused {
                    "fused (`rnn_tanh`)"
                } else {
                    "op by op"
                };
                println!("| {how} | {engine:?} | {threads} | {ms:.1} |");
            }
        }
    }

    let threads = *thread_counts.last().expect("a thread count");
    host::threads::use_threads(threads);
    println!();
    println!("| op (fast engine, {threads} threads) | shape | per step | forward µs | backward µs | µs per step |");
    println!("|---|---|---:|---:|---:|---:|");
    let (inputs, targets) = ids(2);
    let rows: Vec<(&str, String, usize, (f64, f64))> = with_engine(Engine::Fast, || {
        vec![
            (
                "index_select (embedding)",
                format!("{V}×{H} → {}", B * T),
                1,
                op_cost(&[&[V, H]], |p| p[0].index_select(&inputs)),
            ),
            (
                "add (bias)",
                format!("[{}, {H}] + [{H}]", B * T),
                1,
                op_cost(&[&[B * T, H], &[H]], |p| p[0].add(&p[1])),
            ),
            (
                "narrow + reshape",
                format!("[{B}, {T}, {H}] → [{B}, {H}]"),
                T,
                op_cost(&[&[B, T, H]], |p| p[0].narrow(1, 7, 1).reshape(&[B, H])),
            ),
            (
                "matmul (recurrent)",
                format!("[{B}, {H}]·[{H}, {H}]"),
                T,
                op_cost(&[&[B, H], &[H, H]], |p| p[0].matmul(&p[1])),
            ),
            (
                "add",
                format!("[{B}, {H}]"),
                T,
                op_cost(&[&[B, H], &[B, H]], |p| p[0].add(&p[1])),
            ),
            (
                "tanh",
                format!("[{B}, {H}]"),
                T,
                op_cost(&[&[B, H]], |p| p[0].tanh()),
            ),
            (
                "stack",
                format!("{T} × [{B}, {H}]"),
                1,
                op_cost(&vec![&[B, H][..]; T], |p| Tensor::stack(p, 1)),
            ),
            (
                "rnn_tanh (all of the above)",
                format!("[{B}, {T}, {H}]"),
                0,
                op_cost(&[&[B, T, H], &[B, H], &[H, H]], |p| {
                    tensor::rnn_tanh(&p[0], &p[1], &p[2])
                }),
            ),
            (
                "matmul (read-out)",
                format!("[{}, {H}]·[{H}, {V}]", B * T),
                1,
                op_cost(&[&[B * T, H], &[H, V]], |p| p[0].matmul(&p[1])),
            ),
            (
                "add (bias)",
                format!("[{}, {V}] + [{V}]", B * T),
                1,
                op_cost(&[&[B * T, V], &[V]], |p| p[0].add(&p[1])),
            ),
            (
                "cross_entropy",
                format!("[{}, {V}]", B * T),
                1,
                op_cost(&[&[B * T, V]], |p| tensor::cross_entropy(&p[0], &targets)),
            ),
            (
                "an op on one number (bookkeeping)",
                "[1]".into(),
                0,
                op_cost(&[&[1], &[1]], |p| p[0].add(&p[1])),
            ),
        ]
    });
    let mut total = 0.0;
    for (op, shape, count, (forward, backward)) in rows {
        let per_step = count as f64 * (forward + backward);
        total += per_step;
        let count = if count == 0 {
            "—".to_owned()
        } else {
            count.to_string()
        };
        println!("| {op} | {shape} | {count} | {forward:.1} | {backward:.1} | {per_step:.0} |");
    }
    println!("| **the op-by-op step's ops** | | | | | **{total:.0}** |");
}
