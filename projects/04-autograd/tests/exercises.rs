//! The tests of chapter 4's exercises, one `mod` per exercise (the name in
//! `exercises/exercises.toml`). They run on the reference solutions in a plain `cargo test`
//! and on your files with `cargo exercises` (the crate's `learner` feature).

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

    #[test]
    fn each_input_gets_the_other_input_times_the_gradient() {
        assert_eq!(mul_backward(3.0, -2.0, 1.0), (-2.0, 3.0));
        assert_eq!(mul_backward(3.0, -2.0, 0.5), (-1.0, 1.5));
        assert_eq!(mul_backward(0.0, 4.0, 2.0), (8.0, 0.0));
    }

    #[test]
    fn matches_finite_differences_of_a_product() {
        let (a, b, grad) = (1.7, -0.6, 2.5);
        let (da, db) = mul_backward(a, b, grad);
        // L = grad·(a·b), so ∂L/∂a is the slope of a ↦ grad·a·b.
        assert!(close(da, slope(|a| grad * a * b, a)), "{da}");
        assert!(close(db, slope(|b| grad * a * b, b)), "{db}");
    }
}

mod tanh_backward {
    use super::*;
    use autograd::tanh_backward;

    #[test]
    fn is_one_minus_the_output_squared_times_the_gradient() {
        assert_eq!(tanh_backward(0.0, 1.0), 1.0); // tanh'(0) = 1
        assert_eq!(tanh_backward(0.5, 2.0), 1.5); // (1 - 0.25)·2
        assert!(
            tanh_backward(0.999_999, 1.0) < 1e-5,
            "saturated: almost no gradient"
        );
    }

    #[test]
    fn matches_finite_differences_of_tanh() {
        for x in [-2.0, -0.3, 0.0, 0.8, 1.5] {
            let grad = 0.7;
            let got = tanh_backward(f64::tanh(x), grad);
            let want = slope(|x| grad * x.tanh(), x);
            assert!(close(got, want), "x = {x}: {got} vs {want}");
        }
    }
}

mod topological_order {
    use autograd::{topological_order, Value};
    use std::collections::HashMap;

    /// Asserts that `order` lists every value once, each after its inputs, root last.
    fn assert_topological(order: &[Value], root: &Value, expected_len: usize) {
        let position: HashMap<usize, usize> =
            order.iter().enumerate().map(|(i, v)| (v.id(), i)).collect();
        assert_eq!(position.len(), order.len(), "a value is listed twice");
        assert_eq!(order.len(), expected_len, "every value, once");
        assert_eq!(
            order.last().map(Value::id),
            Some(root.id()),
            "root comes last"
        );
        for (i, value) in order.iter().enumerate() {
            for input in value.inputs() {
                let at = position.get(&input.id()).expect("every input is listed");
                assert!(*at < i, "an input is listed after a value made from it");
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
        assert_topological(&order, &e, 5);
    }

    #[test]
    fn lists_a_value_used_many_times_once() {
        // A diamond: x feeds both y and z, which meet again in w; and x·x uses x twice.
        let x = Value::new(0.5);
        let y = x.exp();
        let z = &x * &x;
        let w = &y + &z;
        let order = topological_order(&w);
        assert_topological(&order, &w, 4);
    }

    #[test]
    fn a_lone_value_is_its_own_order() {
        let a = Value::new(1.0);
        let order = topological_order(&a);
        assert_eq!(order.len(), 1);
        assert_eq!(order[0].id(), a.id());
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
            .expect("no stack overflow");
        assert_eq!(length, 20_001);
    }
}

mod backward {
    use autograd::Value;

    #[test]
    fn seeds_the_result_with_one_and_reaches_every_input() {
        let (a, b) = (Value::new(2.0), Value::new(-3.0));
        let c = &a + &b;
        c.backward();
        assert_eq!(c.grad(), 1.0);
        assert_eq!((a.grad(), b.grad()), (1.0, 1.0));
    }

    #[test]
    fn the_chain_rule_multiplies_through_every_step() {
        // o = tanh(x·w + b) at x = 2, w = -3, b = 6.8814: o = 1/√2, so ∂o/∂n = ½.
        let (x, w) = (Value::new(2.0), Value::new(-3.0));
        let b = Value::new(6.881_373_587_019_543);
        let o = (&x * &w + &b).tanh();
        o.backward();
        assert!((o.data() - 0.5f64.sqrt()).abs() < 1e-9);
        assert!((b.grad() - 0.5).abs() < 1e-9, "{}", b.grad());
        assert!((w.grad() - 1.0).abs() < 1e-9, "½·x = {}", w.grad());
        assert!((x.grad() + 1.5).abs() < 1e-9, "½·w = {}", x.grad());
    }

    #[test]
    fn a_value_reached_by_two_paths_gets_both_shares() {
        // y = a·b + a: ∂y/∂a = b + 1. The `+ a` share arrives only if the sum's gradient is
        // complete before it is passed on: the reverse topological order.
        let (a, b) = (Value::new(3.0), Value::new(4.0));
        let ab = &a * &b;
        let y = (&ab + &a).tanh() + &ab;
        y.backward();
        let t = (12.0f64 + 3.0).tanh();
        let dy_dab = (1.0 - t * t) + 1.0;
        let want_a = (1.0 - t * t) * (4.0 + 1.0) + 4.0;
        assert!((ab.grad() - dy_dab).abs() < 1e-12, "{}", ab.grad());
        assert!((a.grad() - want_a).abs() < 1e-12, "{}", a.grad());
        assert!((b.grad() - (dy_dab * 3.0)).abs() < 1e-12, "{}", b.grad());
    }
}
