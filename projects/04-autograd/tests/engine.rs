//! The scalar engine against the definition of a derivative, against micrograd, and against
//! a graph too deep for recursion.

use autograd::{micrograd_example, topological_order, Value};

/// Central difference (f(x+h) - f(x-h)) / 2h, one input at a time.
fn numeric_grad(f: &dyn Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Vec<f64> {
    let nudged = |i: usize, d: f64| {
        let mut v = x.to_vec();
        v[i] += d;
        f(&v)
    };
    (0..x.len())
        .map(|i| (nudged(i, h) - nudged(i, -h)) / (2.0 * h))
        .collect()
}

/// Builds `f` from `Value`s at `x`, runs backward, and compares every input's gradient with
/// finite differences of the same function evaluated through `.data()`.
fn check(name: &str, f: impl Fn(&[Value]) -> Value, x: &[f64]) {
    let inputs: Vec<Value> = x.iter().map(|&v| Value::new(v)).collect();
    let out = f(&inputs);
    out.backward();
    let analytic: Vec<f64> = inputs.iter().map(Value::grad).collect();
    let plain = |x: &[f64]| {
        let vs: Vec<Value> = x.iter().map(|&v| Value::new(v)).collect();
        f(&vs).data()
    };
    let numeric = numeric_grad(&plain, x, 1e-6);
    for (i, (a, n)) in analytic.iter().zip(&numeric).enumerate() {
        let error = (a - n).abs() / (a.abs() + n.abs()).max(1.0);
        assert!(
            error < 1e-6,
            "{name}: input {i}: backward {a}, finite difference {n}"
        );
    }
    println!("{name}: {analytic:?} ~ {numeric:?}");
}

#[test]
fn every_operation_has_the_gradient_of_its_finite_differences() {
    // Points away from kinks (ReLU at 0) and from where log is undefined.
    check("add", |v| &v[0] + &v[1], &[0.7, -1.3]);
    check("mul", |v| &v[0] * &v[1], &[0.7, -1.3]);
    check("pow 3", |v| v[0].pow(3.0), &[-1.7]);
    check("pow -1.5", |v| v[0].pow(-1.5), &[2.2]);
    check("exp", |v| v[0].exp(), &[0.4]);
    check("log", |v| v[0].log(), &[0.3]);
    check("tanh", |v| v[0].tanh(), &[0.8]);
    check("relu, positive side", |v| v[0].relu(), &[0.5]);
    check("relu, negative side", |v| v[0].relu(), &[-0.5]);
    check("sub", |v| &v[0] - &v[1], &[0.7, -1.3]);
    check("div", |v| &v[0] / &v[1], &[0.7, -1.3]);
    check("neg", |v| -&v[0], &[0.7]);
}

#[test]
fn a_composite_expression_with_shared_values_has_the_right_gradient() {
    // Every op, values used more than once, constants on both sides.
    check(
        "composite",
        |v| {
            let (a, b, c) = (&v[0], &v[1], &v[2]);
            let s = (a * b + c.exp()).tanh();
            let t = (2.0 * a - b / c).relu() + (a * a + 1.0).log();
            (&s * &t + s.pow(2.0)) / (1.0 + c * c)
        },
        &[0.9, -0.4, 0.6],
    );
}

#[test]
fn micrograds_readme_example_gives_its_published_numbers() {
    let (a, b, g) = micrograd_example();
    let four = |x: f64| (x * 1e4).round() / 1e4;
    println!("g {} dg/da {} dg/db {}", g.data(), a.grad(), b.grad());
    assert_eq!(four(g.data()), 24.7041);
    assert_eq!(four(a.grad()), 138.8338);
    assert_eq!(four(b.grad()), 645.5773);
}

#[test]
fn a_chain_of_ten_thousand_values_runs_backward_and_drops_on_a_small_stack() {
    // 64 KiB of stack: a recursive topological sort, backward pass or drop would need a
    // frame per value, far more than this, and overflow.
    let handle = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(|| {
            let x = Value::new(0.5);
            let mut y = x.clone();
            for _ in 0..5_000 {
                y = (&y * 1.0001).tanh(); // two values per round: mul, tanh
            }
            assert!(topological_order(&y).len() > 10_000);
            y.backward();
            let grad = x.grad();
            drop(y);
            grad
        })
        .expect("a thread starts");
    let grad = handle.join().expect("no stack overflow");
    // Each round multiplies the gradient by 1.0001·(1 - y²), y shrinking slowly from 0.46:
    // positive, finite, and much less than one.
    assert!(grad > 0.0 && grad < 1.0, "{grad}");
}

#[test]
fn gradients_add_up_until_zeroed() {
    let a = Value::new(2.0);
    let y = &a * 3.0;
    y.backward();
    assert_eq!(a.grad(), 3.0);
    let z = &a * 5.0;
    z.backward();
    assert_eq!(a.grad(), 8.0, "a second backward pass adds its share");
    a.zero_grad();
    (&a * 7.0).backward();
    assert_eq!(a.grad(), 7.0);
}

#[test]
fn a_leaf_has_no_inputs_and_backward_on_it_sets_its_gradient_to_one() {
    let a = Value::new(3.0);
    a.backward();
    assert_eq!(a.grad(), 1.0);
    assert_eq!(topological_order(&a).len(), 1);
}
