//! Part 1: the game on a 2-D mixture of eight Gaussians on a circle, small enough to watch.
//! Every sample and the discriminator's whole decision surface fit in one picture, and
//! whether the generator covers every mode can simply be counted.
//!
//! Legend: N = batch, Z = latent size.

use std::f64::consts::PI;
use std::time::Instant;

use rand::Rng;
use tensor::Tensor;

use crate::gan::{Gan, Objective};
use crate::models::{latent, Mlp, Packed};

/// The mixture: `modes` Gaussians of standard deviation `std`, centred evenly on a circle of
/// radius `radius`, each as likely as the others.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mixture {
    pub modes: usize,
    pub radius: f64,
    pub std: f64,
}

impl Default for Mixture {
    /// Eight modes on a circle of radius 2, as in Metz et al. (2017, "Unrolled GANs"), but
    /// with standard deviation 0.05 rather than their 0.02: the small players here reach
    /// it in seconds.
    fn default() -> Self {
        Mixture {
            modes: 8,
            radius: 2.0,
            std: 0.05,
        }
    }
}

impl Mixture {
    /// The centre of mode `k`.
    pub fn centre(&self, k: usize) -> (f64, f64) {
        let angle = 2.0 * PI * k as f64 / self.modes as f64;
        (self.radius * angle.cos(), self.radius * angle.sin())
    }

    /// `n` points drawn from the mixture.
    pub fn sample(&self, n: usize, rng: &mut impl Rng) -> Vec<(f64, f64)> {
        let noise = nn::init::normal(&[n, 2], 0.0, 1.0, rng);
        (0..n)
            .map(|i| {
                let (cx, cy) = self.centre(rng.random_range(0..self.modes));
                let (dx, dy) = (f64::from(noise[[i, 0]]), f64::from(noise[[i, 1]]));
                (cx + self.std * dx, cy + self.std * dy)
            })
            .collect()
    }

    // ANCHOR: coverage
    /// How well `points` cover the mixture. A point belongs to mode k if it lies within
    /// 3 standard deviations of its centre (99% of the mode's own samples do); a mode is
    /// covered if at least 5% of the points belong to it (an even share is 1/8 = 12.5%).
    pub fn coverage(&self, points: &[(f64, f64)]) -> Coverage {
        let mut counts = vec![0usize; self.modes];
        for &(x, y) in points {
            for (k, count) in counts.iter_mut().enumerate() {
                let (cx, cy) = self.centre(k);
                if (x - cx).hypot(y - cy) <= 3.0 * self.std {
                    *count += 1;
                }
            }
        }
        let n = points.len().max(1) as f64;
        let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
        Coverage {
            modes_covered: shares.iter().filter(|&&s| s >= 0.05).count(),
            high_quality: shares.iter().sum(),
            shares,
        }
    }
    // ANCHOR_END: coverage
}

/// What [`Mixture::coverage`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// Modes with at least 5% of the points within 3σ.
    pub modes_covered: usize,
    /// The share of points within 3σ of some mode.
    pub high_quality: f64,
    /// The share of points within 3σ of each mode.
    pub shares: Vec<f64>,
}

/// How to train on the mixture.
#[derive(Debug, Clone)]
pub struct MixtureConfig {
    pub mixture: Mixture,
    pub steps: usize,
    pub batch_size: usize,
    /// Z.
    pub latent: usize,
    /// Hidden units of each of the two hidden layers of both players.
    pub hidden: usize,
    /// Samples the discriminator judges at once ([`Packed`]; 1: one at a time).
    pub pack: usize,
    pub lr: f32,
    pub beta1: f32,
    /// Take a [`Snapshot`] every this many steps (and after the last).
    pub snapshot_every: usize,
    /// Generated points in each snapshot (and in the final coverage).
    pub snapshot_points: usize,
}

impl Default for MixtureConfig {
    fn default() -> Self {
        MixtureConfig {
            mixture: Mixture::default(),
            steps: 10_000,
            batch_size: 256,
            latent: 8,
            hidden: 128,
            pack: 2,
            lr: 3e-4,
            beta1: 0.5,
            snapshot_every: 500,
            snapshot_points: 2000,
        }
    }
}

/// The game at one moment: generated points, the discriminator's surface, the coverage.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub step: usize,
    pub points: Vec<(f64, f64)>,
    /// `D(x, y)` (the probability of "real") on a square grid over [`GRID_EXTENT`], row by
    /// row from the bottom (y = -extent) and left (x = -extent).
    pub surface: Vec<f32>,
    pub coverage: Coverage,
}

/// The decision surface is sampled on `GRID × GRID` points of `[-GRID_EXTENT, GRID_EXTENT]²`.
pub const GRID: usize = 121;
/// Half the side of the square the surface is sampled on.
pub const GRID_EXTENT: f64 = 3.0;

/// One training run on the mixture.
#[derive(Debug, Clone)]
pub struct MixtureRun {
    pub objective: Objective,
    pub snapshots: Vec<Snapshot>,
    /// Mean losses over each snapshot interval: (step, discriminator, generator).
    pub losses: Vec<(usize, f64, f64)>,
    pub train_seconds: f64,
}

impl MixtureRun {
    /// The last snapshot, taken after the last step.
    pub fn last(&self) -> &Snapshot {
        self.snapshots
            .last()
            .expect("a snapshot after the last step")
    }
}

/// The two players for the mixture: MLPs with two hidden layers of `hidden` units, the
/// generator from `Z` numbers to a point, the discriminator from a point to a logit.
pub fn players(config: &MixtureConfig, rng: &mut impl Rng) -> (Mlp, Packed) {
    let (h, pack) = (config.hidden, config.pack);
    (
        Mlp::new(&[config.latent, h, h, 2], false, rng),
        Packed {
            inner: Box::new(Mlp::new(&[2 * pack, h, h, 1], false, rng)),
            pack,
        },
    )
}

// ANCHOR: train_mixture
/// Trains a fresh pair (initialised from `init`) with `objective` for `config.steps` steps,
/// drawing real points and latent points from `noise`.
///
/// # Errors
/// If a loss stops being finite.
pub fn train_mixture(
    config: &MixtureConfig,
    objective: Objective,
    init: &mut impl Rng,
    noise: &mut impl Rng,
    progress: &dyn Fn(&str, u64) -> run::Progress,
) -> anyhow::Result<MixtureRun> {
    let (generator, discriminator) = players(config, init);
    let mut gan = Gan::new(
        Box::new(generator),
        Box::new(discriminator),
        config.lr,
        config.beta1,
        objective,
    );
    // The snapshots' latent points are fixed, so consecutive pictures show the same points move.
    let snapshot_z = latent(config.snapshot_points, config.latent, noise);
    let mut run = MixtureRun {
        objective,
        snapshots: vec![snapshot(&mut gan, &snapshot_z, config, 0)],
        losses: Vec::new(),
        train_seconds: 0.0,
    };
    let mut bar = progress(&format!("{} loss", objective.name()), config.steps as u64);
    let (mut d_sum, mut g_sum, mut counted) = (0.0, 0.0, 0);
    for step in 1..=config.steps {
        let started = Instant::now();
        let real = points_tensor(&config.mixture.sample(config.batch_size, noise)); // [N, 2]
        let z = latent(config.batch_size, config.latent, noise); // [N, Z]
        let losses = crate::train_step(&mut gan, &real, &z);
        run.train_seconds += started.elapsed().as_secs_f64();
        let (d, g) = (f64::from(losses.discriminator), f64::from(losses.generator));
        let at = format!("{} loss, step {step}", objective.name());
        run::check_finite(d + g, &at)?;
        gan.check_gradients(&at)?;
        (d_sum, g_sum, counted) = (d_sum + d, g_sum + g, counted + 1);
        bar.advance(1, config.batch_size as u64, &[("d_loss", d), ("g_loss", g)]);
        if step % config.snapshot_every == 0 || step == config.steps {
            let n = counted as f64;
            run.losses.push((step, d_sum / n, g_sum / n));
            (d_sum, g_sum, counted) = (0.0, 0.0, 0);
            run.snapshots
                .push(snapshot(&mut gan, &snapshot_z, config, step));
        }
    }
    bar.finish();
    Ok(run)
}
// ANCHOR_END: train_mixture

/// Points as a tensor `[N, 2]`.
pub fn points_tensor(points: &[(f64, f64)]) -> Tensor {
    let values = points
        .iter()
        .flat_map(|&(x, y)| [x as f32, y as f32])
        .collect();
    Tensor::from_vec(values, &[points.len(), 2])
}

fn snapshot(gan: &mut Gan, z: &Tensor, config: &MixtureConfig, step: usize) -> Snapshot {
    let generated = crate::generate(gan.generator.as_mut(), z).to_vec();
    let points: Vec<(f64, f64)> = generated
        .chunks_exact(2)
        .map(|p| (f64::from(p[0]), f64::from(p[1])))
        .collect();
    // A packed discriminator judges each place as a pack of copies of the point there.
    let grid: Vec<(f64, f64)> = (0..GRID * GRID * config.pack)
        .map(|i| i / config.pack)
        .map(|i| (grid_coordinate(i % GRID), grid_coordinate(i / GRID)))
        .collect();
    let logits = tensor::no_grad(|| gan.discriminator.forward(&points_tensor(&grid)));
    Snapshot {
        step,
        coverage: config.mixture.coverage(&points),
        points,
        surface: logits.sigmoid().to_vec(),
    }
}

/// The x (or y) of grid column (or row) `i`.
pub fn grid_coordinate(i: usize) -> f64 {
    -GRID_EXTENT + 2.0 * GRID_EXTENT * i as f64 / (GRID - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_mixtures_own_samples_cover_all_eight_modes_evenly() {
        let mixture = Mixture::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let coverage = mixture.coverage(&mixture.sample(4000, &mut rng));
        assert_eq!(coverage.modes_covered, 8);
        // 3σ in 2-D holds 1 - e^(-9/2) ≈ 98.9% of a Gaussian's samples.
        assert!(coverage.high_quality > 0.98, "{coverage:?}");
        assert!(
            coverage.shares.iter().all(|&s| (s - 0.125).abs() < 0.02),
            "{coverage:?}"
        );
    }

    #[test]
    fn points_at_one_centre_cover_one_mode_and_points_between_modes_none() {
        let mixture = Mixture::default();
        let at_mode_three = vec![mixture.centre(3); 10];
        let coverage = mixture.coverage(&at_mode_three);
        assert_eq!(coverage.modes_covered, 1);
        assert_eq!(coverage.shares[3], 1.0);
        let centre = vec![(0.0, 0.0); 10];
        assert_eq!(mixture.coverage(&centre).modes_covered, 0);
        assert_eq!(mixture.coverage(&centre).high_quality, 0.0);
    }
}
