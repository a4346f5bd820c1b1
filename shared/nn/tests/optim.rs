//! Optimizer steps against values computed by hand, on a two-element parameter
//! `p = [1, -2]` with a fixed gradient `g = [0.5, 1]` and `lr = 0.1`.

use ndarray::{array, ArrayD};
use nn::schedule::{Cosine, LrSchedule};
use nn::{clip_grad_norm, Adam, Optimizer, RmsProp, Sgd};
use tensor::Tensor;

fn param() -> Tensor {
    Tensor::param(array![1.0f32, -2.0])
}

/// Sets the gradient to `g` and steps, `steps` times.
fn run(opt: &mut dyn Optimizer, steps: usize) -> Vec<f32> {
    for _ in 0..steps {
        opt.parameters()[0].set_grad(Some(array![0.5f32, 1.0].into_dyn()));
        opt.step();
    }
    opt.parameters()[0].to_vec()
}

#[track_caller]
fn close(got: Vec<f32>, want: [f32; 2]) {
    assert!(
        got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-5),
        "got {got:?}, want {want:?}"
    );
}

#[test]
fn sgd_steps_match_hand_computed_values() {
    // p - lr·g = [1 - 0.05, -2 - 0.1]
    close(run(&mut Sgd::new(vec![param()], 0.1), 1), [0.95, -2.1]);
    // Momentum 0.9: v1 = g, p1 = p - 0.1g; v2 = 1.9g, p2 = p1 - 0.19g = p - 0.29g.
    close(
        run(
            &mut Sgd::new(vec![param()], 0.1).with_momentum(0.9, false),
            2,
        ),
        [0.855, -2.29],
    );
    // Nesterov: v1 = g, step = g + 0.9·v1 = 1.9g, p1 = p - 0.19g.
    close(
        run(
            &mut Sgd::new(vec![param()], 0.1).with_momentum(0.9, true),
            1,
        ),
        [0.905, -2.19],
    );
    // Weight decay 0.1: g' = g + 0.1p = [0.6, 0.8].
    close(
        run(&mut Sgd::new(vec![param()], 0.1).with_weight_decay(0.1), 1),
        [0.94, -2.08],
    );
}

#[test]
fn adam_and_adamw_steps_match_hand_computed_values() {
    // With bias correction, Adam's first steps with a constant gradient are lr·sign(g).
    close(run(&mut Adam::new(vec![param()], 0.1), 1), [0.9, -2.1]);
    close(run(&mut Adam::new(vec![param()], 0.1), 2), [0.8, -2.2]);
    // AdamW also shrinks p by lr·λ·p = 0.01·p: [1 - 0.01 - 0.1, -2 + 0.02 - 0.1].
    close(
        run(&mut Adam::adamw(vec![param()], 0.1, 0.1), 1),
        [0.89, -2.08],
    );
}

#[test]
fn rmsprop_step_matches_hand_computed_value() {
    // s = 0.01·g², so g/√s = 10·sign(g): the step is lr·10 = 1 in each coordinate.
    close(run(&mut RmsProp::new(vec![param()], 0.1), 1), [0.0, -3.0]);
}

#[test]
fn clipping_scales_the_global_norm_down_and_leaves_small_gradients_alone() {
    let (a, b) = (param(), Tensor::param(array![0.0f32]));
    a.set_grad(Some(array![3.0f32, 0.0].into_dyn()));
    b.set_grad(Some(array![4.0f32].into_dyn()));
    let norm = clip_grad_norm(&[a.clone(), b.clone()], 1.0);
    assert_eq!(norm, 5.0);
    close(a.grad().unwrap().iter().copied().collect(), [0.6, 0.0]);
    assert!((b.grad().unwrap()[[0]] - 0.8).abs() < 1e-5);
    let before: ArrayD<f32> = a.grad().unwrap();
    clip_grad_norm(std::slice::from_ref(&a), 10.0);
    assert_eq!(a.grad().unwrap(), before);
}

#[test]
fn a_schedule_drives_the_learning_rate() {
    let mut opt = Sgd::new(vec![param()], 1.0);
    let schedule = Cosine {
        base: 0.1,
        min: 0.0,
        total: 10,
    };
    opt.set_learning_rate(schedule.lr(5));
    assert!((opt.learning_rate() - 0.05).abs() < 1e-6);
}

#[test]
fn adam_survives_a_damaged_step_count_from_a_checkpoint() {
    // Found by `scripts/fuzz.sh checkpoint` on the dev build: an `optimizer.step` of 3e38
    // loaded, then `step += 1` overflowed (a panic with overflow checks, a wrap without).
    let mut adam = nn::Adam::new(Vec::new(), 0.01);
    nn::Optimizer::set_state(&mut adam, "step", ndarray::arr0(f32::MAX).into_dyn());
    nn::Optimizer::step(&mut adam);
    nn::Optimizer::step(&mut adam);
}
