//! The tests of chapter 10's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).

use ndarray::{array, Array2};
use nn::Module;
use rand::SeedableRng;
use tensor::Tensor;

/// A column of logits `[N, 1]`.
fn logits(values: &[f32]) -> Tensor {
    Tensor::param(Array2::from_shape_vec((values.len(), 1), values.to_vec()).unwrap())
}

fn close(a: f32, b: f32, tolerance: f32) -> bool {
    (a - b).abs() <= tolerance
}

/// `ln(1 + e^x)`, computed stably.
fn softplus(x: f32) -> f32 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

mod discriminator_loss {
    use super::*;
    use gan::discriminator_loss;

    #[test]
    fn an_undecided_discriminator_loses_two_ln_two() {
        // D = σ(0) = 1/2 on everything: -ln(1/2) for the real batch plus -ln(1/2) for the fake.
        let loss = discriminator_loss(&logits(&[0.0, 0.0]), &logits(&[0.0, 0.0, 0.0])).item();
        assert!(
            close(loss, 2.0 * 2f32.ln(), 1e-5),
            "loss {loss}, expected 2·ln 2"
        );
    }

    #[test]
    fn a_discriminator_that_is_right_loses_little_and_one_that_is_fooled_loses_much() {
        let right = discriminator_loss(&logits(&[8.0, 9.0]), &logits(&[-8.0, -9.0])).item();
        let fooled = discriminator_loss(&logits(&[-8.0, -9.0]), &logits(&[8.0, 9.0])).item();
        assert!(
            right < 0.001,
            "real scored 8, 9 and fake -8, -9: loss {right}, expected ~0"
        );
        // -ln σ(-8) ≈ 8.0003 and -ln σ(-9) ≈ 9.0001: the mean of each batch is ~8.5.
        assert!(
            close(fooled, 17.0, 0.01),
            "the reverse: loss {fooled}, expected ~17"
        );
    }

    #[test]
    fn each_batch_counts_by_its_mean_whatever_its_size() {
        // One real image scored 1; three fakes scored -1, 0, 2.
        let loss = discriminator_loss(&logits(&[1.0]), &logits(&[-1.0, 0.0, 2.0])).item();
        let real = softplus(-1.0); // -ln σ(1)
        let fake = (softplus(-1.0) + softplus(0.0) + softplus(2.0)) / 3.0; // -ln(1 - σ(x))
        assert!(
            close(loss, real + fake, 1e-5),
            "loss {loss}, expected the real batch's mean {real} plus the fake batch's mean {fake}"
        );
    }

    #[test]
    fn its_gradient_raises_real_scores_and_lowers_fake_ones() {
        let (real, fake) = (logits(&[0.5, -1.0]), logits(&[0.0, 1.5]));
        discriminator_loss(&real, &fake).backward();
        // d/dx of mean -ln σ(x) over N is (σ(x) - 1)/N; of mean -ln(1 - σ(x)) it is σ(x)/N.
        let sigmoid = |x: f32| 1.0 / (1.0 + (-x).exp());
        let dr = real.grad().expect("the real logits need a gradient");
        let df = fake.grad().expect("the fake logits need a gradient");
        for (i, &x) in [0.5f32, -1.0].iter().enumerate() {
            let want = (sigmoid(x) - 1.0) / 2.0;
            assert!(
                close(dr[[i, 0]], want, 1e-5),
                "real {i}: {} vs {want}",
                dr[[i, 0]]
            );
        }
        for (i, &x) in [0.0f32, 1.5].iter().enumerate() {
            let want = sigmoid(x) / 2.0;
            assert!(
                close(df[[i, 0]], want, 1e-5),
                "fake {i}: {} vs {want}",
                df[[i, 0]]
            );
        }
    }
}

mod generator_loss {
    use super::*;
    use gan::{generator_loss, saturating_loss};

    #[test]
    fn it_is_minus_the_mean_log_of_d_on_the_fakes() {
        let loss = generator_loss(&logits(&[0.0, -2.0, 3.0])).item();
        let want = (softplus(0.0) + softplus(2.0) + softplus(-3.0)) / 3.0; // -ln σ(x) = softplus(-x)
        assert!(close(loss, want, 1e-5), "loss {loss}, expected {want}");
    }

    #[test]
    fn it_stays_finite_where_the_discriminator_is_certain() {
        // σ(-200) is 0 in f32; a loss computed as -ln(σ(x)) would be infinite.
        let loss = generator_loss(&logits(&[-200.0])).item();
        assert!(close(loss, 200.0, 1e-3), "loss {loss}, expected 200");
    }

    #[test]
    fn it_is_steep_where_the_saturating_loss_is_flat() {
        // The discriminator is sure these are fake: D(G(z)) = σ(-6) ≈ 0.0025.
        let (ours, theirs) = (logits(&[-6.0]), logits(&[-6.0]));
        generator_loss(&ours).backward();
        saturating_loss(&theirs).backward();
        let (steep, flat) = (ours.grad().unwrap()[[0, 0]], theirs.grad().unwrap()[[0, 0]]);
        // d/dx -ln σ(x) = σ(x) - 1 ≈ -1; d/dx ln(1 - σ(x)) = -σ(x) ≈ -0.0025.
        assert!(
            close(steep, -0.9975, 1e-3),
            "gradient {steep}, expected σ(-6) - 1"
        );
        assert!(
            steep.abs() > 100.0 * flat.abs(),
            "the non-saturating gradient {steep} should dwarf the saturating one {flat}"
        );
    }
}

mod train_step {
    use super::*;
    use gan::models::{latent, Mlp};
    use gan::{train_step, Gan, Objective};
    use nn::Optimizer;

    /// A small pair for 1-D data: latent 4 -> 16 -> 1 and 1 -> 16 -> 1.
    fn tiny_gan(seed: u64, lr: f32) -> Gan {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let generator = Mlp::new(&[4, 16, 1], false, &mut rng);
        let discriminator = Mlp::new(&[1, 16, 1], false, &mut rng);
        Gan::new(
            Box::new(generator),
            Box::new(discriminator),
            lr,
            0.5,
            Objective::NonSaturating,
        )
    }

    fn weights(net: &dyn Module) -> Vec<f32> {
        net.parameters().iter().flat_map(|t| t.to_vec()).collect()
    }

    /// Real 1-D data from N(mean, sd²), as `[n, 1]`.
    fn real(n: usize, mean: f32, sd: f32, rng: &mut impl rand::Rng) -> Tensor {
        Tensor::new(nn::init::normal(&[n, 1], mean, sd, rng))
    }

    #[test]
    fn the_discriminator_moves_first_and_the_generator_answers_the_moved_discriminator() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let (x, z) = (real(8, 3.0, 0.5, &mut rng), latent(8, 4, &mut rng));
        let mut yours = tiny_gan(1, 0.01);
        let losses = train_step(&mut yours, &x, &z);

        // The same round, spelled out, on an identical pair.
        let mut reference = tiny_gan(1, 0.01);
        let fake = reference.generator.forward(&z);
        let d_loss = gan::discriminator_loss(
            &reference.discriminator.forward(&x),
            &reference.discriminator.forward(&fake.detach()),
        );
        reference.d_optimizer.zero_grad();
        d_loss.backward();
        reference.d_optimizer.step();
        let g_loss = gan::generator_loss(&reference.discriminator.forward(&fake));
        reference.g_optimizer.zero_grad();
        g_loss.backward();
        reference.g_optimizer.step();

        assert!(
            close(losses.discriminator, d_loss.item(), 1e-5)
                && close(losses.generator, g_loss.item(), 1e-5),
            "losses {losses:?}, expected discriminator {} and generator {} (the generator's \
             loss is measured against the discriminator after its step)",
            d_loss.item(),
            g_loss.item()
        );
        for (name, a, b) in [
            (
                "discriminator",
                &yours.discriminator,
                &reference.discriminator,
            ),
            ("generator", &yours.generator, &reference.generator),
        ] {
            let (a, b) = (weights(a.as_ref()), weights(b.as_ref()));
            let worst = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f32::max);
            assert!(
                worst < 1e-5,
                "the {name}'s weights differ from one round done by the book by up to \
                 {worst}: is each player updated once, the discriminator first, with the fake \
                 images detached for its step only?"
            );
        }
    }

    #[test]
    fn a_tiny_gan_learns_to_draw_from_a_one_dimensional_gaussian() {
        // Real data: N(3, 0.5²). The generator starts near 0; a few hundred rounds of the game
        // should bring its samples' mean close to 3 without collapsing them to one point.
        let mut gan = tiny_gan(2, 2e-3);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let stats = |gan: &mut Gan, rng: &mut rand_chacha::ChaCha8Rng| {
            let samples = gan::generate(gan.generator.as_mut(), &latent(2000, 4, rng)).to_vec();
            let mean = samples.iter().sum::<f32>() / 2000.0;
            let var = samples.iter().map(|s| (s - mean).powi(2)).sum::<f32>() / 2000.0;
            (mean, var.sqrt())
        };
        let (start, _) = stats(&mut gan, &mut rng);
        for _ in 0..800 {
            let (x, z) = (real(64, 3.0, 0.5, &mut rng), latent(64, 4, &mut rng));
            train_step(&mut gan, &x, &z);
        }
        let (mean, sd) = stats(&mut gan, &mut rng);
        println!("generated mean {start:.3} -> {mean:.3}, sd {sd:.3} (data: 3, 0.5)");
        assert!(
            (mean - 3.0).abs() < 0.4,
            "after 800 rounds the generator's samples have mean {mean} (from {start}), \
             expected within 0.4 of the data's 3"
        );
        assert!(
            sd > 0.15 && sd < 1.5,
            "the samples' spread is {sd}, expected near the data's 0.5"
        );
    }
}

mod inception_score {
    use super::*;
    use gan::inception_score;

    #[test]
    fn certain_and_evenly_spread_samples_score_the_number_of_classes() {
        let p = Array2::from_shape_fn((30, 10), |(i, k)| if i % 10 == k { 1.0f32 } else { 0.0 });
        let score = inception_score(p.view());
        assert!(
            close(score as f32, 10.0, 1e-4),
            "score {score}, expected 10"
        );
    }

    #[test]
    fn samples_that_all_look_alike_score_one() {
        let p = Array2::from_shape_fn((5, 4), |(_, k)| [0.1f32, 0.2, 0.3, 0.4][k]);
        let score = inception_score(p.view());
        assert!(close(score as f32, 1.0, 1e-5), "score {score}, expected 1");
        // Certain, but all the same class: no diversity, still 1.
        let same = Array2::from_shape_fn((5, 4), |(_, k)| if k == 2 { 1.0f32 } else { 0.0 });
        let score = inception_score(same.view());
        assert!(
            close(score as f32, 1.0, 1e-5),
            "all one class: score {score}, expected 1"
        );
    }

    #[test]
    fn a_small_case_by_hand() {
        // Marginal (0.75, 0.25). KL of row 0: ln(1/0.75) = 0.287682; of row 1:
        // 0.5·ln(0.5/0.75) + 0.5·ln(0.5/0.25) = 0.143841. exp of their mean: 1.240806.
        let p = array![[1.0f32, 0.0], [0.5, 0.5]];
        let score = inception_score(p.view());
        assert!(
            (score - 1.240806).abs() < 1e-5,
            "score {score}, expected 1.240806 (a probability of 0 contributes 0, not NaN)"
        );
    }
}
