//! `checkpoint`: the same output and gradients as recording the ops directly, fewer tensors
//! kept alive between the forward and the backward pass, and finite differences agree.

use ndarray::{ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tensor::gradcheck::{check_gradients, DEFAULT_STEP, DEFAULT_TOLERANCE};
use tensor::{checkpoint, live_tensors, with_engine, Engine, Tensor};

fn random(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(-1.0f32..1.0))
}

/// Attention-like: `softmax(q·kᵀ·s + mask)·v·w` for `q, k, v: [2, 3, 5, 4]`, with a
/// parameter `w: [4, 4]` captured rather than passed in.
fn core(x: &[Tensor], w: &Tensor) -> Tensor {
    let mask = Tensor::new(ndarray::Array2::from_shape_fn((5, 5), |(i, j)| {
        if j <= i {
            0.0
        } else {
            f32::NEG_INFINITY
        }
    }));
    let scores = x[0].matmul(&x[1].transpose(2, 3)).scale(0.5);
    scores.add(&mask).softmax(3).matmul(&x[2]).tanh().matmul(w)
}

/// Output and the gradients of the three inputs and of `w`, with or without checkpointing.
fn run(checkpointed: bool) -> Vec<ArrayD<f32>> {
    let inputs: Vec<Tensor> = (0..3)
        .map(|i| Tensor::param(random(&[2, 3, 5, 4], i)))
        .collect();
    let w = Tensor::param(random(&[4, 4], 9));
    let y = if checkpointed {
        let w = w.clone();
        checkpoint(&[&inputs[0], &inputs[1], &inputs[2]], move |x| core(x, &w))
    } else {
        core(&inputs, &w)
    };
    y.backward_with(&random(&y.shape(), 11));
    let mut out = vec![y.to_array()];
    out.extend(inputs.iter().chain([&w]).map(|t| t.grad().unwrap()));
    out
}

#[test]
fn checkpointed_gradients_are_those_of_the_ops_recorded_directly() {
    for engine in [Engine::Reference, Engine::Fast] {
        with_engine(engine, || {
            let (direct, checkpointed) = (run(false), run(true));
            // The same ops on the same numbers in the same order: identical, bit for bit.
            assert_eq!(direct, checkpointed, "{engine:?}");
        });
    }
}

#[test]
fn a_checkpoint_keeps_only_its_inputs_and_output_alive() {
    let x = Tensor::param(random(&[4, 8], 1));
    let chain = |x: &Tensor| {
        let mut y = x.clone();
        for _ in 0..20 {
            y = y.tanh().scale(1.5);
        }
        y
    };
    let before = live_tensors();
    let direct = chain(&x);
    let kept_direct = live_tensors() - before;
    let checkpointed = checkpoint(&[&x], move |t| chain(&t[0]));
    let kept_checkpointed = live_tensors() - before - kept_direct;
    assert_eq!(kept_direct, 40, "every intermediate of the chain is kept");
    assert_eq!(kept_checkpointed, 1, "only the checkpoint's output");
    assert_eq!(direct.to_array(), checkpointed.to_array());
    // Backward through the checkpoint recomputes the chain, then frees it again.
    checkpointed.sum().backward();
    drop(checkpointed);
    assert_eq!(live_tensors() - before, kept_direct);
    let g = x.grad().unwrap();
    x.zero_grad();
    direct.sum().backward();
    assert_eq!(x.grad().unwrap(), g);
}

#[test]
fn a_checkpoint_matches_finite_differences_and_records_nothing_without_gradients() {
    let inputs: Vec<ArrayD<f32>> = (0..3).map(|i| random(&[1, 2, 5, 4], 20 + i)).collect();
    let w = Tensor::new(random(&[4, 4], 30));
    for engine in [Engine::Reference, Engine::Fast] {
        let w = w.clone();
        let worst = with_engine(engine, || {
            check_gradients(
                move |t| {
                    let w = w.clone();
                    checkpoint(&[&t[0], &t[1], &t[2]], move |x| core(x, &w))
                },
                &inputs,
                DEFAULT_STEP,
                DEFAULT_TOLERANCE,
            )
        });
        assert!(worst.is_ok(), "{engine:?}: {worst:?}");
    }
    // Under no_grad, or on constants, it is `f` itself: nothing recorded.
    let x = Tensor::param(random(&[3], 40));
    let y = tensor::no_grad(|| checkpoint(&[&x], |t| t[0].exp()));
    assert!(!y.requires_grad());
    let c = Tensor::new(random(&[3], 41));
    assert_eq!(checkpoint(&[&c], |t| t[0].exp()).op_name(), "leaf");
}
