//! Times training steps alone (no evaluation, no sampling, no baselines), for profiling and
//! for the memory a training step needs:
//! `cargo run --release -p transformer --example gpt_step_probe -- 30 2 64 12`
//! (steps, threads, T, B; issue 17's model: 4 layers, 4 heads, width 128, dropout 0).
//! Prints the median wall-clock milliseconds per step and the process's peak resident
//! memory (Linux's `VmHWM`), which here is the training step's: nothing else runs; then the
//! same as one line of JSON (for scripts/bench-transformer.sh's memory table).

use std::time::Instant;

use nn::{Adam, Optimizer};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use transformer::model::{Dropout, Gpt, GptConfig};
use transformer::train::{loss, random_windows};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: usize| -> anyhow::Result<usize> {
        Ok(args.get(i).map_or(Ok(default), |s| s.parse())?)
    };
    let (steps, threads, seq_len, batch) = (arg(1, 30)?, arg(2, 2)?, arg(3, 64)?, arg(4, 12)?);
    host::memory::keep_freed_memory(); // as run::Session does, before any thread starts
    host::threads::use_threads(threads);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/text/tinyshakespeare.txt");
    let text = charlm::text::load_text(&path, batch, seq_len)?;
    let config = GptConfig {
        vocab: text.vocab.len(),
        context: seq_len,
        layers: 4,
        heads: 4,
        width: 128,
        tied: false,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let model = Gpt::new(config, &mut rng);
    let params = model.parameters();
    let mut optimizer = Adam::adamw(params.clone(), 1e-3, 0.1);
    let mut times = Vec::new();
    for _ in 0..steps {
        let started = Instant::now();
        let (inputs, targets) = random_windows(&text.train, batch, seq_len, &mut rng);
        let logits = model.forward(&inputs, batch, 0, None, &mut Dropout::off());
        let loss = loss(&logits, &targets);
        optimizer.zero_grad();
        loss.backward();
        nn::clip_grad_norm(&params, 1.0);
        optimizer.step();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0);
    println!(
        "gpt 4x4x128 T{seq_len} B{batch}, {threads} threads: median {:.1} ms/step over {steps} steps; peak memory {peak:.0} MiB",
        times[times.len() / 2]
    );
    println!(
        "{{\"seq_len\": {seq_len}, \"batch\": {batch}, \"threads\": {threads}, \"steps\": {steps}, \"ms_per_step\": {:.1}, \"peak_rss_mib\": {peak:.0}}}",
        times[times.len() / 2]
    );
    Ok(())
}
