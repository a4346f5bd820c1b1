//! Times training steps alone (no evaluation, no sampling), for profiling:
//! `cargo run --release -p lstm --example step_probe -- lstm 30 2` (cell, steps, threads).
//! Prints the median wall-clock milliseconds per step and the process's CPU seconds.

use std::time::Instant;

use charlm::batch::Streams;
use data::split::LastBatch;
use lstm::model::{time_major, Cell, CharModel, ModelConfig};
use nn::{Adam, Optimizer};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() -> anyhow::Result<()> {
    host::memory::keep_freed_memory(); // as every training run does (run::Session), before any thread starts
    let args: Vec<String> = std::env::args().collect();
    let cell =
        Cell::from_name(args.get(1).map_or("lstm", String::as_str)).expect("rnn, gru or lstm");
    let steps: usize = args.get(2).map_or(Ok(30), |s| s.parse())?;
    let threads: usize = args.get(3).map_or(Ok(2), |s| s.parse())?;
    host::threads::use_threads(threads);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/text/tinyshakespeare.txt");
    let text = charlm::text::load_text(&path, 32, 64)?;
    let config = ModelConfig {
        cell,
        vocab: text.vocab.len(),
        hidden: 256,
        layers: 2,
        dropout: 0.1,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let model = CharModel::new(config, &mut rng);
    let params = model.parameters();
    let mut optimizer = Adam::new(params.clone(), 2e-3);
    let streams = Streams::new(&text.train, 32, 0);
    let mut state = model.zero_state(32);
    let mut times = Vec::new();
    for window in streams.windows(64, LastBatch::Drop).take(steps) {
        let started = Instant::now();
        let out = model.forward(&window.inputs, 32, &state, Some(&mut rng));
        let loss = tensor::cross_entropy(&out.logits, &time_major(&window.targets, 32));
        optimizer.zero_grad();
        loss.backward();
        nn::clip_grad_norm(&params, 1.0);
        optimizer.step();
        state = lstm::carry_state(&out.last);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let cpu = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(13)
                .and_then(|u| u.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |ticks| ticks / 100.0);
    println!(
        "{} 2x256 T64 B32, {threads} threads: median {:.1} ms/step over {steps} steps; user CPU {cpu:.2} s",
        cell.name(),
        times[times.len() / 2]
    );
    Ok(())
}
