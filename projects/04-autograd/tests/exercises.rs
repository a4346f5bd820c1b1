//! The tests of chapter 4's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).
//!
//! Each assertion says what it checked and what the right answer means. The last test of
//! `backward` trains the chapter's network of scalar `Value`s on two moons with your engine.

/// Central difference of a function of one number.
fn slope(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs() + b.abs())
}

mod mul_backward {
    use super::*;
    use autograd::mul_backward;

    /// Asserts `mul_backward(a, b, grad)` is `(b·grad, a·grad)`, and recognises the swap.
    #[track_caller]
    fn assert_mul_backward(a: f64, b: f64, grad: f64) {
        let got = mul_backward(a, b, grad);
        let want = (b * grad, a * grad);
        let advice = if got == (a * grad, b * grad) && a != b {
            " You gave each input its own value: moving a moves a·b by b per unit, so ∂out/∂a \
             is the *other* input"
        } else {
            ""
        };
        assert_eq!(
            got, want,
            "mul_backward(a = {a}, b = {b}, grad = {grad}): out = a·b, so ∂L/∂a = \
             grad·∂out/∂a = {grad}·b = {} and ∂L/∂b = {grad}·a = {}.{advice}",
            want.0, want.1
        );
    }

    #[test]
    fn each_input_gets_the_other_input_times_the_gradient() {
        assert_mul_backward(3.0, -2.0, 1.0);
        assert_mul_backward(3.0, -2.0, 0.5);
        assert_mul_backward(0.0, 4.0, 2.0);
    }

    #[test]
    fn matches_finite_differences_of_a_product() {
        let (a, b, grad) = (1.7, -0.6, 2.5);
        let (da, db) = mul_backward(a, b, grad);
        // L = grad·(a·b), so ∂L/∂a is the slope of a ↦ grad·a·b.
        let (want_da, want_db) = (slope(|a| grad * a * b, a), slope(|b| grad * a * b, b));
        assert!(
            close(da, want_da),
            "mul_backward(1.7, -0.6, grad 2.5): the slope of L = 2.5·a·b in a, measured by \
             central differences, is {want_da:.6}; your ∂L/∂a is {da:.6}"
        );
        assert!(
            close(db, want_db),
            "mul_backward(1.7, -0.6, grad 2.5): the slope of L = 2.5·a·b in b, measured by \
             central differences, is {want_db:.6}; your ∂L/∂b is {db:.6}"
        );
    }
}

mod tanh_backward {
    use super::*;
    use autograd::tanh_backward;

    /// What a learner gets by treating `out` as the input x: (1 − tanh²(out))·grad.
    fn treated_out_as_x(out: f64, grad: f64) -> f64 {
        (1.0 - out.tanh().powi(2)) * grad
    }

    #[track_caller]
    fn assert_tanh_backward(out: f64, grad: f64, want: f64) {
        let got = tanh_backward(out, grad);
        let advice = if close(got, treated_out_as_x(out, grad)) && !close(want, got) {
            " You took tanh of out again: out already is tanh(x), so the slope is 1 − out²"
        } else {
            ""
        };
        assert!(
            close(got, want),
            "tanh_backward(out = {out}, grad = {grad}): d tanh(x)/dx = 1 − tanh²(x) = \
             1 − out², so ∂L/∂x = (1 − {out}²)·{grad} = {want}; got {got}.{advice}"
        );
    }

    #[test]
    fn is_one_minus_the_output_squared_times_the_gradient() {
        assert_tanh_backward(0.0, 1.0, 1.0); // tanh'(0) = 1
        assert_tanh_backward(0.5, 2.0, 1.5); // (1 - 0.25)·2
        let saturated = tanh_backward(0.999_999, 1.0);
        assert!(
            saturated < 1e-5,
            "tanh_backward(out = 0.999999, grad 1): a saturated unit, where tanh is flat, \
             passes almost no gradient, 1 − 0.999999² ≈ 2e-6; got {saturated}"
        );
    }

    #[test]
    fn matches_finite_differences_of_tanh() {
        for x in [-2.0, -0.3, 0.0, 0.8, 1.5] {
            let grad = 0.7;
            let got = tanh_backward(f64::tanh(x), grad);
            let want = slope(|x| grad * x.tanh(), x);
            assert!(
                close(got, want),
                "tanh_backward at x = {x} (out = tanh(x) = {:.6}, grad 0.7): the slope of \
                 0.7·tanh measured by central differences is {want:.6}; got {got:.6}",
                f64::tanh(x)
            );
        }
    }
}

mod topological_order {
    use autograd::{topological_order, Value};
    use std::collections::HashMap;

    /// Asserts that `order` lists every value of `graph` (a description, for messages) once,
    /// each after its inputs, root last.
    #[track_caller]
    fn assert_topological(order: &[Value], root: &Value, expected_len: usize, graph: &str) {
        let position: HashMap<usize, usize> =
            order.iter().enumerate().map(|(i, v)| (v.id(), i)).collect();
        assert_eq!(
            position.len(),
            order.len(),
            "topological_order of {graph}: a value is listed twice ({} entries, {} distinct). \
             Mark a value as visited the first time you reach it, and skip it after",
            order.len(),
            position.len()
        );
        assert_eq!(
            order.len(),
            expected_len,
            "topological_order of {graph}: the graph has {expected_len} values (inputs, \
             intermediate results and the root), each listed once; got {}",
            order.len()
        );
        assert_eq!(
            order.last().map(Value::id),
            Some(root.id()),
            "topological_order of {graph}: the root is made from everything else, so it comes \
             last; the last entry is {:?}",
            order.last()
        );
        for (i, value) in order.iter().enumerate() {
            for input in value.inputs() {
                let at = position.get(&input.id()).unwrap_or_else(|| {
                    panic!(
                        "topological_order of {graph}: entry {i} ({value:?}) has an input, \
                         {input:?}, that is not in the list: follow value.inputs() all the way \
                         to the leaves"
                    )
                });
                assert!(
                    *at < i,
                    "topological_order of {graph}: entry {i} ({value:?}) is made from \
                     {input:?}, which is listed later, at {at}; every input must come before \
                     the values made from it"
                );
            }
        }
    }

    #[test]
    fn lists_inputs_before_the_values_made_from_them() {
        let (a, b) = (Value::new(2.0), Value::new(-3.0));
        let c = &a * &b;
        let d = c.tanh();
        let e = &d + &a;
        let order = topological_order(&e);
        assert_topological(
            &order,
            &e,
            5,
            "e = tanh(a·b) + a (values a, b, a·b, tanh, e)",
        );
    }

    #[test]
    fn lists_a_value_used_many_times_once() {
        // A diamond: x feeds both y and z, which meet again in w; and x·x uses x twice.
        let x = Value::new(0.5);
        let y = x.exp();
        let z = &x * &x;
        let w = &y + &z;
        let order = topological_order(&w);
        assert_topological(
            &order,
            &w,
            4,
            "w = exp(x) + x·x, where x is reached by three paths (values x, exp(x), x·x, w)",
        );
    }

    #[test]
    fn a_lone_value_is_its_own_order() {
        let a = Value::new(1.0);
        let order = topological_order(&a);
        assert!(
            order.len() == 1 && order[0].id() == a.id(),
            "topological_order of a single leaf: the list is that one value; got {order:?}"
        );
    }

    #[test]
    fn handles_a_chain_too_deep_for_recursion() {
        // Run on a small stack: recursion one frame per value would overflow it.
        let length = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| {
                let mut y = Value::new(0.1);
                for _ in 0..20_000 {
                    y = y.tanh();
                }
                topological_order(&y).len()
            })
            .expect("a thread starts")
            .join()
            .expect(
                "topological_order of a chain of 20,000 tanh values, on a thread with a 64 KiB \
                 stack, crashed: a recursive walk needs one stack frame per value. Keep the \
                 values still to visit on a Vec used as a stack instead",
            );
        assert_eq!(
            length, 20_001,
            "topological_order of a chain of 20,000 tanh values from one leaf: 20,001 values"
        );
    }
}

mod backward {
    use autograd::mlp::{self, Activation, Mlp, ScalarConfig};
    use autograd::Value;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn seeds_the_result_with_one_and_reaches_every_input() {
        let (a, b) = (Value::new(2.0), Value::new(-3.0));
        let c = &a + &b;
        c.backward();
        assert_eq!(
            c.grad(),
            1.0,
            "backward from c = a + b: the root's own gradient, ∂c/∂c, is seeded with 1"
        );
        assert_eq!(
            (a.grad(), b.grad()),
            (1.0, 1.0),
            "backward from c = a + b: ∂c/∂a = ∂c/∂b = 1, passed on by the + node's \
             backward_step; 0 means backward_step was never called on c"
        );
    }

    #[test]
    fn the_chain_rule_multiplies_through_every_step() {
        // o = tanh(x·w + b) at x = 2, w = -3, b = 6.8814: o = 1/√2, so ∂o/∂n = ½.
        let (x, w) = (Value::new(2.0), Value::new(-3.0));
        let b = Value::new(6.881_373_587_019_543);
        let o = (&x * &w + &b).tanh();
        o.backward();
        assert!((o.data() - 0.5f64.sqrt()).abs() < 1e-9, "o = tanh(0.8814)");
        let neuron = "backward from o = tanh(x·w + b) with x = 2, w = -3, b = 6.8814 \
                      (o = 1/√2, so ∂o/∂n = 1 − o² = ½ for n = x·w + b)";
        let never_reached = "(0 means the gradient never got there: call backward_step on \
                             every value, from the root back, in reverse topological order)";
        assert!(
            (b.grad() - 0.5).abs() < 1e-9,
            "{neuron}: ∂o/∂b = ½·1 = 0.5; got {} {never_reached}",
            b.grad()
        );
        assert!(
            (w.grad() - 1.0).abs() < 1e-9,
            "{neuron}: ∂o/∂w = ½·x = 1; got {} {never_reached}",
            w.grad()
        );
        assert!(
            (x.grad() + 1.5).abs() < 1e-9,
            "{neuron}: ∂o/∂x = ½·w = -1.5; got {} {never_reached}",
            x.grad()
        );
    }

    #[test]
    fn a_value_reached_by_two_paths_gets_both_shares() {
        // y = tanh(a·b + a) + a·b: ∂y/∂a = (1 − t²)(b + 1) + b. The `+ a` share arrives only if
        // the sum's gradient is complete before it is passed on: the reverse topological order.
        let (a, b) = (Value::new(3.0), Value::new(4.0));
        let ab = &a * &b;
        let y = (&ab + &a).tanh() + &ab;
        y.backward();
        let t = (12.0f64 + 3.0).tanh();
        let dy_dab = (1.0 - t * t) + 1.0;
        let want_a = (1.0 - t * t) * (4.0 + 1.0) + 4.0;
        let graph = "backward from y = tanh(a·b + a) + a·b at a = 3, b = 4";
        assert!(
            (ab.grad() - dy_dab).abs() < 1e-12,
            "{graph}: a·b feeds y twice, directly (share 1) and through tanh (share 1 − t²), \
             so its gradient is {dy_dab:.6}; got {}. Visit the values in reverse topological \
             order, so that each one has all its shares before it passes them on",
            ab.grad()
        );
        assert!(
            (a.grad() - want_a).abs() < 1e-12,
            "{graph}: ∂y/∂a = (1 − t²)·(b + 1) + b = {want_a:.6}; got {}",
            a.grad()
        );
        assert!(
            (b.grad() - (dy_dab * 3.0)).abs() < 1e-12,
            "{graph}: ∂y/∂b = a · (gradient of a·b) = {:.6}; got {}",
            dy_dab * 3.0,
            b.grad()
        );
    }

    #[test]
    fn training_on_your_engine_learns_the_two_moons() {
        // The chapter's network of scalar Values, 2 -> 8 -> 8 -> 1 with tanh, on 60 noisy
        // moon points: every step builds the loss graph and runs your backward (with your
        // topological_order, mul_backward and tanh_backward) to find the gradients.
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let points = mlp::moons(60, 0.1, &mut rng);
        let net = Mlp::new(&[2, 8, 8, 1], Activation::Tanh, &mut rng);
        let config = ScalarConfig {
            hidden: 8,
            steps: 60,
            lr: 0.5,
        };
        let training = mlp::train(&net, &points, &config, |_, _| {}).unwrap_or_else(|error| {
            panic!(
                "training on your engine diverged ({}). At the chapter's learning rate, 0.5, \
                 the reference never does here: a gradient with a flipped sign pushes the \
                 weights the wrong way at every step. Run the other exercises' tests first",
                error.to_string().split(". ").next().unwrap_or_default()
            )
        });
        let first = training.losses[0];
        let last = mlp::batch_loss(&net, &points).data();
        let accuracy = net.accuracy(&points);
        println!(
            "loss {first:.4} -> {last:.4}, accuracy {accuracy:.3}, {} values per step",
            training.graph_values
        );
        // Measured with the reference: loss 0.7137 -> 0.1158, accuracy 0.983.
        assert!(
            last < 0.3 * first,
            "60 steps of gradient descent with your engine (lr 0.5, 60 moon points, a \
             2-8-8-1 tanh network) must cut the mean logistic loss from {first:.4} (about \
             ln 2 = 0.69: small random weights, scores near 0) to below 0.3 of it, {:.4}; it \
             reached {last:.4}. A loss that does not move means the gradients stay 0 (is \
             every value visited?); one that rises means a sign is wrong",
            0.3 * first
        );
        assert!(
            accuracy >= 0.9,
            "after training with your engine the network classifies only {:.0}% of the 60 \
             moon points right; a working engine gets at least 90% here",
            100.0 * accuracy
        );
    }
}
