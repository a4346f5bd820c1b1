//! Milliseconds per training step of the MNIST GANs (random "real" images: only speed here).
//!
//! cargo run --release -p gan --example step_times -- ARCH WIDTH BATCH STEPS THREADS
use gan::models::{discriminator, latent, Arch, GanConfig, Generator};
use gan::{train_step, Gan, Objective};
use rand::SeedableRng;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arch = if args[1] == "mlp" {
        Arch::Mlp
    } else {
        Arch::Dcgan
    };
    let width: usize = args[2].parse().unwrap();
    let batch: usize = args[3].parse().unwrap();
    let steps: usize = args[4].parse().unwrap();
    tensor::set_threads(args[5].parse().unwrap());
    tensor::keep_freed_memory();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let config = GanConfig {
        arch,
        latent: 64,
        width,
    };
    let g = Generator::new(config, &mut rng);
    let d = discriminator(config, &mut rng);
    let mut gan = Gan::new(Box::new(g), d, 2e-4, 0.5, Objective::NonSaturating);
    let real = tensor::Tensor::new(nn::init::uniform(&[batch, 1, 28, 28], -1.0, 1.0, &mut rng));
    for _ in 0..3 {
        train_step(&mut gan, &real, &latent(batch, 64, &mut rng));
    }
    let t = Instant::now();
    for _ in 0..steps {
        train_step(&mut gan, &real, &latent(batch, 64, &mut rng));
    }
    let ms = t.elapsed().as_secs_f64() * 1e3 / steps as f64;
    println!(
        "{arch:?} width {width} batch {batch}: {ms:.2} ms/step, {:.1} s/epoch",
        ms * 60000.0 / batch as f64 / 1e3
    );
}
