//! The tests of chapter 6's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).
//!
//! Besides small cases worked out by hand, they compare your functions with the `nn`
//! crate's optimisers and the tensor crate's dropout, which compute the same things. The
//! last exercise's tests put all five together: two short trainings on MNIST, every step
//! through your functions, must learn.

use ndarray::{array, ArrayD, Dimension, IxDyn};
use rand::{Rng, SeedableRng};

/// Seeded values in [-1, 1) of shape `shape`.
fn random(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(-1.0..1.0))
}

/// Asserts `yours` equals `truth` elementwise to `tolerance`, naming the first element that
/// differs.
#[track_caller]
fn assert_close(yours: &ArrayD<f32>, truth: &ArrayD<f32>, tolerance: f32, what: &str) {
    assert_eq!(
        yours.shape(),
        truth.shape(),
        "{what}: the shapes differ (yours first)"
    );
    for ((index, &a), &b) in yours.indexed_iter().zip(truth.iter()) {
        assert!(
            (a - b).abs() <= tolerance * b.abs().max(1.0),
            "{what}: at index {:?} yours is {a}, it should be {b}",
            index.slice()
        );
    }
}

/// Runs `steps` steps of `nn`'s optimiser `theirs` and of `ours` (one step of your function
/// on `param` given a gradient) from the same start with the same gradients, and asserts
/// that the parameters agree after each.
#[track_caller]
fn agrees_with_nn(
    what: &str,
    steps: usize,
    theirs: impl FnOnce(Vec<tensor::Tensor>) -> Box<dyn nn::Optimizer>,
    mut ours: impl FnMut(&mut ArrayD<f32>, &ArrayD<f32>, u32),
) {
    let start = random(&[3, 4], 1);
    let reference = tensor::Tensor::param(start.clone());
    let mut theirs = theirs(vec![reference.clone()]);
    let mut param = start;
    for t in 1..=steps as u32 {
        let grad = random(&[3, 4], 100 + u64::from(t));
        reference.set_grad(Some(grad.clone()));
        theirs.step();
        ours(&mut param, &grad, t);
        assert_close(
            &param,
            &reference.to_array(),
            1e-5,
            &format!("{what}, after step {t}"),
        );
    }
}

mod sgd_step {
    use super::*;
    use optimization::sgd_step;

    /// Two steps of your function on a one-element parameter with the gradient `g` each time.
    fn two_steps(momentum: f32, nesterov: bool) -> Vec<(f32, f32)> {
        let (mut p, mut v) = (array![1.0f32].into_dyn(), array![0.0f32].into_dyn());
        let g = array![0.5f32].into_dyn();
        (0..2)
            .map(|_| {
                sgd_step(
                    p.view_mut(),
                    v.view_mut(),
                    g.view(),
                    0.1,
                    momentum,
                    nesterov,
                );
                (p[[0]], v[[0]])
            })
            .collect()
    }

    #[track_caller]
    fn assert_steps(got: Vec<(f32, f32)>, want: [(f32, f32); 2], what: &str) {
        for (i, ((p, v), (wp, wv))) in got.into_iter().zip(want).enumerate() {
            assert!(
                (p - wp).abs() < 1e-6 && (v - wv).abs() < 1e-6,
                "{what}, step {}: yours gives param {p} and velocity {v}, it should be {wp} and {wv}",
                i + 1
            );
        }
    }

    #[test]
    fn without_momentum_it_is_plain_gradient_descent() {
        // p = 1, g = 0.5, lr = 0.1: p − 0.1·0.5 = 0.95, then 0.90; the velocity is just g.
        assert_steps(
            two_steps(0.0, false),
            [(0.95, 0.5), (0.9, 0.5)],
            "momentum 0",
        );
    }

    #[test]
    fn classical_momentum_builds_up_speed_by_hand() {
        // v = 0.5, p = 1 − 0.05 = 0.95; then v = 0.9·0.5 + 0.5 = 0.95, p = 0.95 − 0.095.
        assert_steps(
            two_steps(0.9, false),
            [(0.95, 0.5), (0.855, 0.95)],
            "momentum 0.9",
        );
    }

    #[test]
    fn nesterov_looks_one_momentum_step_ahead_by_hand() {
        // v = 0.5, step = 0.5 + 0.9·0.5 = 0.95, p = 0.905; then v = 0.95,
        // step = 0.5 + 0.9·0.95 = 1.355, p = 0.905 − 0.1355 = 0.7695.
        assert_steps(
            two_steps(0.9, true),
            [(0.905, 0.5), (0.7695, 0.95)],
            "Nesterov 0.9",
        );
    }

    #[test]
    fn agrees_with_nn_sgd_on_every_variant() {
        for (momentum, nesterov) in [(0.0, false), (0.9, false), (0.9, true)] {
            let mut velocity = ArrayD::zeros(IxDyn(&[3, 4]));
            agrees_with_nn(
                &format!("SGD with momentum {momentum}, nesterov {nesterov}"),
                5,
                |p| Box::new(nn::Sgd::new(p, 0.05).with_momentum(momentum, nesterov)),
                |param, grad, _| {
                    sgd_step(
                        param.view_mut(),
                        velocity.view_mut(),
                        grad.view(),
                        0.05,
                        momentum,
                        nesterov,
                    )
                },
            );
        }
    }

    #[test]
    fn momentum_crosses_a_long_valley_faster_than_plain_sgd() {
        // f(x, y) = (x² + 50·y²)/2: steep across (y), shallow along (x). The largest stable
        // plain step is limited by the steep direction, so progress along x crawls; momentum
        // keeps the speed it gathers along x.
        let descend = |momentum: f32| {
            let (mut p, mut v) = (array![10.0f32, 1.0].into_dyn(), ArrayD::zeros(IxDyn(&[2])));
            for _ in 0..100 {
                let g = array![p[[0]], 50.0 * p[[1]]].into_dyn();
                sgd_step(p.view_mut(), v.view_mut(), g.view(), 0.02, momentum, false);
            }
            (p[[0]].powi(2) + 50.0 * p[[1]].powi(2)) / 2.0
        };
        let (plain, momentum) = (descend(0.0), descend(0.9));
        assert!(
            momentum < plain / 10.0,
            "after 100 steps at lr 0.02, plain SGD is at f = {plain} and momentum 0.9 at f = \
             {momentum}; momentum should be more than ten times lower"
        );
    }
}

mod adam_step {
    use super::*;
    use optimization::adam_step;
    use optimization::optimizers::AdamSettings;

    #[test]
    fn the_first_step_moves_every_weight_by_the_learning_rate_whatever_its_gradient() {
        let mut p = array![1.0f32, 1.0, 1.0, 1.0].into_dyn();
        let (mut m, mut v) = (ArrayD::zeros(IxDyn(&[4])), ArrayD::zeros(IxDyn(&[4])));
        let g = array![1e-4f32, 3.0, -50.0, -0.02].into_dyn();
        adam_step(
            p.view_mut(),
            m.view_mut(),
            v.view_mut(),
            g.view(),
            1,
            &AdamSettings::new(0.01),
        );
        // On the first step m̂ = g and v̂ = g², so the step is lr·g/|g| = ±lr.
        let want = array![0.99f32, 0.99, 1.01, 1.01].into_dyn();
        assert_close(
            &p,
            &want,
            1e-5,
            "parameters after Adam's first step (lr 0.01)",
        );
        let (want_m, want_v) = (
            g.mapv(|x| (1.0 - 0.9) * x),
            g.mapv(|x| (1.0 - 0.999) * x * x),
        );
        assert_close(&m, &want_m, 1e-6, "m after one step: (1 − β₁)·g");
        assert_close(&v, &want_v, 1e-6, "v after one step: (1 − β₂)·g²");
    }

    #[test]
    fn agrees_with_nn_adam_over_ten_steps() {
        let (mut m, mut v) = (ArrayD::zeros(IxDyn(&[3, 4])), ArrayD::zeros(IxDyn(&[3, 4])));
        let settings = AdamSettings::new(0.01);
        agrees_with_nn(
            "Adam (lr 0.01)",
            10,
            |p| Box::new(nn::Adam::new(p, 0.01)),
            |param, grad, t| {
                adam_step(
                    param.view_mut(),
                    m.view_mut(),
                    v.view_mut(),
                    grad.view(),
                    t,
                    &settings,
                )
            },
        );
    }
}

mod weight_decay {
    use super::*;
    use optimization::optimizers::{AdamSettings, WeightDecay};
    use optimization::{adam_step, sgd_step, weight_decay};

    #[test]
    fn l2_adds_lambda_times_the_weight_to_the_gradient_and_leaves_the_weight() {
        let (mut p, mut g) = (
            array![2.0f32, -4.0].into_dyn(),
            array![0.5f32, 0.5].into_dyn(),
        );
        weight_decay(p.view_mut(), g.view_mut(), 0.1, WeightDecay::L2(0.01));
        assert_close(
            &g,
            &array![0.52f32, 0.46].into_dyn(),
            1e-6,
            "the gradient after L2(0.01)",
        );
        assert_close(
            &p,
            &array![2.0f32, -4.0].into_dyn(),
            0.0,
            "the weights after L2 (unchanged)",
        );
    }

    #[test]
    fn decoupled_decay_shrinks_the_weight_by_lr_times_lambda_and_leaves_the_gradient() {
        let (mut p, mut g) = (
            array![2.0f32, -4.0].into_dyn(),
            array![0.5f32, 0.5].into_dyn(),
        );
        weight_decay(p.view_mut(), g.view_mut(), 0.1, WeightDecay::Decoupled(0.5));
        // 1 − 0.1·0.5 = 0.95 of each weight.
        assert_close(
            &p,
            &array![1.9f32, -3.8].into_dyn(),
            1e-6,
            "the weights after Decoupled(0.5) at lr 0.1",
        );
        assert_close(
            &g,
            &array![0.5f32, 0.5].into_dyn(),
            0.0,
            "the gradient after Decoupled (unchanged)",
        );
        let (mut p, mut g) = (array![2.0f32].into_dyn(), array![0.5f32].into_dyn());
        weight_decay(p.view_mut(), g.view_mut(), 0.1, WeightDecay::None);
        assert_eq!(
            (p[[0]], g[[0]]),
            (2.0, 0.5),
            "WeightDecay::None must change nothing"
        );
    }

    #[test]
    fn for_sgd_both_forms_are_one_step_for_adam_they_are_not() {
        let step = |decay: WeightDecay, adam: bool| {
            let (mut p, mut g) = (
                array![2.0f32, 0.5].into_dyn(),
                array![0.0f32, 1.0].into_dyn(),
            );
            let (mut a, mut b) = (ArrayD::zeros(IxDyn(&[2])), ArrayD::zeros(IxDyn(&[2])));
            weight_decay(p.view_mut(), g.view_mut(), 0.01, decay);
            if adam {
                adam_step(
                    p.view_mut(),
                    a.view_mut(),
                    b.view_mut(),
                    g.view(),
                    1,
                    &AdamSettings::new(0.01),
                );
            } else {
                sgd_step(p.view_mut(), a.view_mut(), g.view(), 0.01, 0.0, false);
            }
            p
        };
        let (l2, decoupled) = (
            step(WeightDecay::L2(0.1), false),
            step(WeightDecay::Decoupled(0.1), false),
        );
        assert_close(
            &l2,
            &decoupled,
            1e-6,
            "SGD: L2 against decoupled decay (they should agree)",
        );
        // Adam: the first weight has no gradient of its own. Decoupled decay shrinks it by
        // lr·λ·p = 0.002; as an L2 term its gradient is λ·p, which Adam normalises to a
        // whole step of lr = 0.01, five times more, however small λ is.
        let (l2, decoupled) = (
            step(WeightDecay::L2(0.1), true),
            step(WeightDecay::Decoupled(0.1), true),
        );
        assert!(
            (decoupled[[0]] - 1.998).abs() < 1e-5 && (l2[[0]] - 1.99).abs() < 1e-5,
            "Adam, a weight of 2 with no gradient: decoupled decay should leave 1.998 (yours: {}) \
             and L2 1.99 (yours: {})",
            decoupled[[0]],
            l2[[0]]
        );
    }
}

mod dropout_mask {
    use super::*;
    use optimization::dropout_mask;

    fn rng(seed: u64) -> rand_chacha::ChaCha8Rng {
        rand_chacha::ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn every_entry_is_zero_or_one_over_the_keep_probability_and_the_mean_is_one() {
        let mask = dropout_mask(&[100, 100], 0.3, &mut rng(1));
        assert_eq!(
            mask.shape(),
            &[100, 100],
            "the mask must have the activation's shape"
        );
        let keep = 1.0 / 0.7;
        let bad = mask.iter().find(|&&m| m != 0.0 && (m - keep).abs() > 1e-6);
        assert!(
            bad.is_none(),
            "entries must be 0 or 1/(1 − p) = {keep}, found {bad:?}"
        );
        let dropped = mask.iter().filter(|&&m| m == 0.0).count() as f64 / 10_000.0;
        assert!(
            (dropped - 0.3).abs() < 0.02,
            "{:.1}% dropped at p = 0.3",
            100.0 * dropped
        );
        let mean = mask.mean().unwrap();
        assert!(
            (mean - 1.0).abs() < 0.03,
            "the mask's mean is {mean}; inverted dropout keeps it at 1"
        );
    }

    #[test]
    fn nothing_is_dropped_at_p_zero_and_the_same_seed_drops_the_same_units() {
        let ones = dropout_mask(&[2, 3, 4], 0.0, &mut rng(2));
        assert_eq!(
            ones,
            ArrayD::<f32>::ones(IxDyn(&[2, 3, 4])),
            "p = 0 must keep every unit at scale 1"
        );
        let a = dropout_mask(&[2, 3, 4], 0.5, &mut rng(3));
        assert_eq!(
            a,
            dropout_mask(&[2, 3, 4], 0.5, &mut rng(3)),
            "same seed, different masks"
        );
        assert_ne!(
            a,
            dropout_mask(&[2, 3, 4], 0.5, &mut rng(4)),
            "two seeds gave the same mask"
        );
    }

    #[test]
    fn draws_as_the_tensor_crates_dropout_draws() {
        let mask = dropout_mask(&[7, 9], 0.25, &mut rng(5));
        let theirs = tensor::dropout(&tensor::Tensor::ones(&[7, 9]), 0.25, true, &mut rng(5));
        assert_close(
            &mask,
            &theirs.to_array(),
            1e-6,
            "your mask against tensor::dropout's (same seed)",
        );
    }
}

mod early_stopping {
    use optimization::digits::Digits;
    use optimization::early::Verdict;
    use optimization::early_stopping;
    use optimization::models::{Arch, NetConfig};
    use optimization::optimizers::Method;
    use optimization::train::{train, TrainConfig};

    #[track_caller]
    fn check(losses: &[f64], patience: usize, want: Verdict) {
        let got = early_stopping(losses, patience);
        assert_eq!(
            got, want,
            "early_stopping({losses:?}, patience {patience}) (left: yours)"
        );
    }

    #[test]
    fn the_first_evaluation_and_every_new_low_are_improvements() {
        check(&[0.9], 3, Verdict::Improved);
        check(&[0.9, 0.7], 3, Verdict::Improved);
        check(&[0.9, 0.7, 0.8, 0.65], 3, Verdict::Improved);
    }

    #[test]
    fn it_waits_fewer_than_patience_evaluations_then_stops() {
        // The best, 0.5, was at evaluation 1 (counting from 0).
        check(&[0.6, 0.5, 0.55], 2, Verdict::Wait);
        check(&[0.6, 0.5, 0.55, 0.52], 2, Verdict::Stop);
        check(&[0.6, 0.5, 0.55, 0.52], 3, Verdict::Wait);
        check(&[0.6, 0.5, 0.55, 0.52, 0.7], 3, Verdict::Stop);
    }

    #[test]
    fn a_tie_is_no_improvement_and_the_first_of_equal_lows_counts() {
        check(&[0.5, 0.5], 2, Verdict::Wait);
        check(&[0.5, 0.6, 0.5], 2, Verdict::Stop);
    }

    /// The lab on MNIST's committed data (loaded once per test).
    fn digits() -> Digits {
        let dir = data::resolve_data_dir(None);
        Digits::new(&data::mnist::load(&dir).expect("the committed MNIST files"))
    }

    #[test]
    fn two_short_trainings_on_your_functions_learn() {
        // Every step of both runs goes through your sgd_step or adam_step and weight_decay;
        // the second also draws its dropout masks with dropout_mask and stops with
        // early_stopping. A small MLP on 2,000 images must get well past chance (10%).
        let digits = digits();
        let rows = digits.training_rows(2000, 1);
        let validation = digits.validation_rows(500);
        let mlp = NetConfig::new(Arch::Mlp(vec![64]));
        let mut nesterov = TrainConfig::new(mlp.clone(), Method::Nesterov, 0.05, 150);
        nesterov.weight_decay = 1e-4;
        let adamw = TrainConfig {
            net: NetConfig {
                dropout: 0.2,
                ..mlp
            },
            weight_decay: 0.01,
            eval_every: 25,
            patience: Some(2),
            ..TrainConfig::new(NetConfig::new(Arch::Linear), Method::AdamW, 2e-3, 300)
        };
        for config in [nesterov, adamw] {
            let (_, outcome) = train(&config, &digits.train, &rows, &validation, 10, 1);
            let (first, last) = (
                outcome.train_loss[0].1,
                outcome.train_loss.last().unwrap().1,
            );
            let accuracy = outcome.final_validation().accuracy;
            println!(
                "{:?}: loss {first:.3} -> {last:.3}, validation accuracy {accuracy:.3}",
                config.method
            );
            assert!(
                outcome.diverged_at.is_none() && last < first / 2.0 && accuracy > 0.8,
                "{:?} on your functions: the training loss went from {first:.3} to {last:.3} and \
                 the validation accuracy is {accuracy:.3}; it should halve and pass 0.8",
                config.method
            );
        }
    }
}
