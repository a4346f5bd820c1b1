//! Tries part 1's settings: cargo run --release -p gan --example mixture_try -- STEPS LR LATENT HIDDEN BATCH STD SEED
use gan::mixture::{train_mixture, Mixture, MixtureConfig};
use gan::Objective;
use rand::SeedableRng;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let config = MixtureConfig {
        steps: a[1].parse().unwrap(),
        lr: a[2].parse().unwrap(),
        latent: a[3].parse().unwrap(),
        hidden: a[4].parse().unwrap(),
        batch_size: a[5].parse().unwrap(),
        mixture: Mixture {
            std: a[6].parse().unwrap(),
            ..Mixture::default()
        },
        ..MixtureConfig::default()
    };
    let seed: u64 = a[7].parse().unwrap();
    tensor::set_threads(1);
    for objective in [Objective::NonSaturating, Objective::Saturating] {
        let mut init = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut noise = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 100);
        let run = train_mixture(&config, objective, &mut init, &mut noise, &|l, t| {
            run::Progress::new(l, t, false)
        })
        .unwrap();
        let line: Vec<String> = run
            .snapshots
            .iter()
            .map(|s| {
                format!(
                    "{}:{}/{:.2}",
                    s.step, s.coverage.modes_covered, s.coverage.high_quality
                )
            })
            .collect();
        println!(
            "{:>15} {:.1}s  {}",
            objective.name(),
            run.train_seconds,
            line.join(" ")
        );
    }
}
