//! The graph machinery: accumulation, no_grad, detach, deep graphs, error messages, and the
//! forward values of the ops whose gradient checks could not catch a wrong forward.

use ndarray::{array, ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tensor::Tensor;

fn random(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(-1.0f32..1.0))
}

#[test]
fn gradients_accumulate_across_backward_passes_until_zeroed() {
    let w = Tensor::param(array![1.0f32, 2.0]);
    for _ in 0..3 {
        (&w * &w).sum().backward(); // d/dw Σw² = 2w
    }
    assert_eq!(w.grad().unwrap().as_slice().unwrap(), &[6.0, 12.0]);
    w.zero_grad();
    assert!(w.grad().is_none());
}

#[test]
fn a_tensor_used_twice_gets_both_gradients() {
    let x = Tensor::param(array![3.0f32]);
    let y = &(&x * &x) + &x.scale(4.0); // x² + 4x, derivative 2x + 4 = 10
    y.sum().backward();
    assert_eq!(x.grad().unwrap()[[0]], 10.0);
}

#[test]
fn backward_with_a_given_gradient_is_backward_of_the_weighted_sum() {
    // y.backward_with(g) is the gradient of Σ y·g: here y = x·x, so x.grad = 2x·g.
    let (x0, g) = (random(&[2, 3], 1), random(&[2, 3], 2));
    let x = Tensor::param(x0.clone());
    (&x * &x).backward_with(&g);
    let expected = &x0 * &g * 2.0;
    assert_eq!(x.grad().unwrap(), expected);
    // The same gradient through a parameter that is itself the root: it is copied in.
    let w = Tensor::param(x0);
    w.backward_with(&g);
    assert_eq!(w.grad().unwrap(), g);
}

#[test]
#[should_panic(expected = "backward_with: the gradient has shape [3], the tensor [2, 3]")]
fn backward_with_a_gradient_of_the_wrong_shape_names_both() {
    let x = Tensor::param(random(&[2, 3], 1));
    (&x * &x).backward_with(&random(&[3], 2));
}

#[test]
fn no_grad_records_nothing_and_detach_stops_the_gradient() {
    let w = Tensor::param(array![2.0f32]);
    let y = tensor::no_grad(|| &w * &w);
    assert!(!y.requires_grad());
    assert!(tensor::grad_enabled());
    let z = (&w * &w.detach()).sum(); // d/dw (w · const) = const = 2
    z.backward();
    assert_eq!(w.grad().unwrap()[[0]], 2.0);
}

#[test]
fn a_graph_one_hundred_thousand_ops_deep_runs_backward_without_recursion() {
    // An RNN-like chain h <- tanh(h·w + x): far deeper than a recursive walk could go.
    let w = Tensor::param(array![0.5f32]);
    let x = Tensor::new(array![0.1f32]);
    let mut h = Tensor::new(array![0.0f32]);
    for _ in 0..50_000 {
        h = (&h * &w + &x).tanh();
    }
    h.sum().backward();
    assert!(w.grad().unwrap()[[0]].is_finite());
    // And dropping a deep graph that never ran backward does not recurse either.
    let mut h = Tensor::new(array![0.0f32]);
    for _ in 0..100_000 {
        h = &h * &w + &x;
    }
    drop(h);
}

#[test]
#[should_panic(expected = "was freed by an earlier backward()")]
fn a_second_backward_through_the_same_graph_says_what_to_do() {
    let w = Tensor::param(array![1.0f32]);
    let h = &w * &w;
    (&h + &w).sum().backward();
    (&h * &w).sum().backward();
}

#[test]
#[should_panic(expected = "matmul: cannot multiply shapes [2, 3] and [4, 5]")]
fn a_matmul_shape_mismatch_names_both_shapes() {
    Tensor::zeros(&[2, 3]).matmul(&Tensor::zeros(&[4, 5]));
}

#[test]
#[should_panic(expected = "shapes [2, 3] and [3, 2] cannot be broadcast together")]
fn an_elementwise_shape_mismatch_names_both_shapes() {
    let _ = &Tensor::zeros(&[2, 3]) + &Tensor::zeros(&[3, 2]);
}

#[test]
fn conv2d_matches_a_direct_loop() {
    let (x, w, b) = (
        random(&[2, 3, 7, 6], 1),
        random(&[4, 3, 3, 2], 2),
        random(&[4], 3),
    );
    let (stride, pad) = (2, 1);
    let y = tensor::conv2d(
        &Tensor::new(x.clone()),
        &Tensor::new(w.clone()),
        Some(&Tensor::new(b.clone())),
        stride,
        pad,
    )
    .to_array();
    let (oh, ow) = ((7 + 2 - 3) / 2 + 1, (6 + 2 - 2) / 2 + 1);
    assert_eq!(y.shape(), &[2, 4, oh, ow]);
    for n in 0..2 {
        for o in 0..4 {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut want = b[[o]];
                    for c in 0..3 {
                        for ky in 0..3 {
                            for kx in 0..2 {
                                let (iy, ix) = (
                                    (oy * stride + ky) as isize - pad as isize,
                                    (ox * stride + kx) as isize - pad as isize,
                                );
                                if (0..7).contains(&iy) && (0..6).contains(&ix) {
                                    want += x[[n, c, iy as usize, ix as usize]] * w[[o, c, ky, kx]];
                                }
                            }
                        }
                    }
                    assert!((y[[n, o, oy, ox]] - want).abs() < 1e-5);
                }
            }
        }
    }
}

#[test]
fn conv_transpose2d_is_the_adjoint_of_conv2d() {
    // <conv_transpose(x), y> = <x, conv(y)> for the same weights: that is what "transpose" means.
    let w = Tensor::new(random(&[3, 2, 4, 4], 1)); // conv: 2 -> 3 channels; transpose: 3 -> 2
    let x = Tensor::new(random(&[2, 3, 5, 5], 2));
    let up = tensor::conv_transpose2d(&x, &w, None, 2, 1); // [2, 2, 10, 10]
    assert_eq!(up.shape(), vec![2, 2, 10, 10]);
    let y = Tensor::new(random(&[2, 2, 10, 10], 3));
    let down = tensor::conv2d(&y, &w, None, 2, 1);
    assert_eq!(down.shape(), vec![2, 3, 5, 5]);
    let lhs = (&up * &y).sum().item();
    let rhs = (&x * &down).sum().item();
    assert!(
        (lhs - rhs).abs() < 1e-3 * lhs.abs().max(1.0),
        "{lhs} vs {rhs}"
    );
}

#[test]
fn pooling_softmax_and_cross_entropy_give_known_values() {
    let x = Tensor::new(
        ndarray::Array::from_shape_vec(
            (1, 1, 2, 4),
            vec![1.0f32, 5.0, 2.0, 0.0, 3.0, 4.0, 8.0, 6.0],
        )
        .unwrap(),
    );
    assert_eq!(tensor::max_pool2d(&x, 2, 2).to_vec(), vec![5.0, 8.0]);
    assert_eq!(tensor::avg_pool2d(&x, 2, 2).to_vec(), vec![3.25, 4.0]);
    // Rows far beyond exp's range still give finite, exact probabilities.
    let logits = Tensor::new(array![[1000.0f32, 1000.0], [-1000.0, 0.0]]);
    let p = logits.softmax(1).to_vec();
    assert_eq!(p, vec![0.5, 0.5, 0.0, 1.0]);
    let ce = tensor::cross_entropy(&logits, &[0, 1]).item();
    assert!((ce - std::f32::consts::LN_2 / 2.0).abs() < 1e-6, "{ce}");
    let ls = logits.log_softmax(1).to_vec();
    assert!((ls[2] + 1000.0).abs() < 1e-3 && ls[3].abs() < 1e-6);
}

#[test]
fn large_elementwise_ops_split_between_threads_give_the_same_numbers() {
    let a = Tensor::new(random(&[300, 700], 1));
    let b = Tensor::new(random(&[300, 700], 2));
    host::threads::use_threads(2);
    let two = (&(&a * &b).tanh() + &a).to_array();
    host::threads::use_threads(1);
    let one = (&(&a * &b).tanh() + &a).to_array();
    host::threads::use_threads(2);
    assert_eq!(one, two);
    let direct = a.value().to_owned() * b.value().to_owned();
    let direct = direct.mapv(f32::tanh) + a.value();
    assert_eq!(two, direct);
}

#[test]
fn same_seed_and_threads_give_identical_training_steps() {
    let run = || {
        let w = Tensor::param(random(&[64, 200], 5) * 0.1);
        let x = Tensor::new(random(&[256, 64], 6));
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..3 {
            let h = tensor::dropout(&x.matmul(&w).relu(), 0.2, true, &mut rng);
            let loss = tensor::cross_entropy(&h, &vec![3; 256]);
            loss.backward();
            let g = w.grad().unwrap();
            w.update(|v| v.scaled_add(-0.1, &g));
            w.zero_grad();
        }
        w.to_array()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_threaded_convolution_gives_identical_gradients_every_time() {
    // Large enough to be split between two threads, and between blocks of images.
    host::threads::use_threads(2);
    let x = Tensor::param(random(&[64, 8, 12, 12], 1));
    let w = Tensor::param(random(&[16, 8, 3, 3], 2));
    let run = || {
        let y = tensor::conv2d(&x, &w, None, 1, 1);
        (&y * &y).sum().backward();
        let grads = (x.grad().unwrap(), w.grad().unwrap());
        x.zero_grad();
        w.zero_grad();
        grads
    };
    let first = run();
    assert_eq!(run(), first);
    assert_eq!(run(), first);
}

/// Max-pooling by the definition: each output is the largest of its window, and its
/// gradient goes to the first element holding that largest value.
fn max_pool_by_definition(
    x: &ArrayD<f32>,
    r: &ArrayD<f32>,
    k: usize,
    s: usize,
) -> [ArrayD<f32>; 2] {
    let &[n, c, oh, ow] = r.shape() else {
        unreachable!()
    };
    let mut y = ArrayD::zeros(r.raw_dim());
    let mut dx = ArrayD::zeros(x.raw_dim());
    for (i, ch, oy, ox) in ndarray::indices((n, c, oh, ow)) {
        let mut best = (oy * s, ox * s);
        for (dy, dxx) in (0..k).flat_map(|dy| (0..k).map(move |dxx| (dy, dxx))) {
            let (yy, xx) = (oy * s + dy, ox * s + dxx);
            if x[[i, ch, yy, xx]] > x[[i, ch, best.0, best.1]] {
                best = (yy, xx);
            }
        }
        y[[i, ch, oy, ox]] = x[[i, ch, best.0, best.1]];
        dx[[i, ch, best.0, best.1]] += r[[i, ch, oy, ox]];
    }
    [y, dx]
}

#[test]
fn large_poolings_and_relus_split_between_threads_match_the_definition() {
    // 8·16·26·26 = 86,528 elements: enough to be split between two threads.
    let x = random(&[8, 16, 26, 26], 11);
    for (k, s) in [(2, 2), (3, 2)] {
        let mut results = Vec::new();
        for threads in [1, 2] {
            host::threads::use_threads(threads);
            let xt = Tensor::param(x.clone());
            let y = tensor::max_pool2d(&xt, k, s);
            let r = random(&y.shape(), 12);
            (&y.relu() * &Tensor::new(r.clone())).sum().backward();
            results.push((y.to_array(), xt.grad().unwrap(), r));
        }
        host::threads::use_threads(2);
        assert_eq!(
            results[0].0, results[1].0,
            "{k}x{k}: forward, 1 vs 2 threads"
        );
        assert_eq!(
            results[0].1, results[1].1,
            "{k}x{k}: backward, 1 vs 2 threads"
        );
        let (y, dx, r) = &results[1];
        // relu's gradient: r where the pooled value is positive, else 0.
        let r_after_relu =
            ArrayD::from_shape_fn(r.raw_dim(), |i| if y[&i] > 0.0 { r[&i] } else { 0.0 });
        let [want_y, want_dx] = max_pool_by_definition(&x, &r_after_relu, k, s);
        assert_eq!(y, &want_y, "{k}x{k} stride {s}: forward");
        assert_eq!(dx, &want_dx, "{k}x{k} stride {s}: backward");
    }
}
