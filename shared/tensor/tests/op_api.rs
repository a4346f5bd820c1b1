//! The public op API from outside the crate, as a project uses it: an op made with
//! `Tensor::from_op` has the guarantees of the built-in ops (no_grad records nothing, the
//! graph is freed as backward runs, a wrong gradient is a clear panic), and
//! `gradcheck::check_gradients` checks its backward.

use std::cell::Cell;
use std::rc::Rc;

use ndarray::{array, ArrayD, IxDyn};
use tensor::gradcheck::{check_gradients, DEFAULT_STEP, DEFAULT_TOLERANCE};
use tensor::Tensor;

/// `√(a² + b²)` element by element: ∂/∂a = a/h, ∂/∂b = b/h, with h the output.
fn hypot(a: &Tensor, b: &Tensor) -> Tensor {
    let (av, bv) = (a.value(), b.value());
    let h = ndarray::Zip::from(&av)
        .and(&bv)
        .map_collect(|&a, &b| a.hypot(b));
    let h_saved = h.clone();
    Tensor::from_op("hypot", h, &[a, b], move |g, need| {
        vec![
            need[0].then(|| g * &av / &h_saved),
            need[1].then(|| g * &bv / &h_saved),
        ]
    })
}

#[test]
fn an_op_defined_outside_the_crate_trains_and_passes_the_gradient_check() {
    let inputs = [
        array![[0.5f32, -1.5, 2.0], [0.3, 1.0, -0.7]].into_dyn(),
        array![[1.2f32, 0.4, -0.9], [-2.0, 0.6, 0.8]].into_dyn(),
    ];
    // Composed with built-in ops on both sides, as a project's model would be.
    let f = |t: &[Tensor]| hypot(&t[0].tanh(), &t[1].scale(2.0)).mean();
    let worst = check_gradients(f, &inputs, DEFAULT_STEP, DEFAULT_TOLERANCE)
        .unwrap_or_else(|e| panic!("hypot's backward disagrees with finite differences: {e}"));
    assert!(worst < 1e-3, "worst error {worst}");

    // And it trains: gradient descent on b drives hypot(a, b) down to |a|.
    let a = Tensor::new(array![3.0f32, -4.0]);
    let b = Tensor::param(array![1.0f32, 2.0]);
    for _ in 0..200 {
        hypot(&a, &b).sum().backward();
        let g = b.grad().unwrap();
        b.update(|v| v.scaled_add(-0.5, &g));
        b.zero_grad();
    }
    let left = hypot(&a, &b).to_vec();
    assert!(
        (left[0] - 3.0).abs() < 1e-2 && (left[1] - 4.0).abs() < 1e-2,
        "{left:?}"
    );
}

#[test]
fn a_wrong_backward_defined_outside_is_caught_by_the_gradient_check() {
    // d(x²)/dx is 2x; this backward forgets the 2.
    let square = |x: &Tensor| {
        let xv = x.value();
        Tensor::from_op("square", xv.mapv(|v| v * v), &[x], move |g, _| {
            vec![Some(g * &xv)]
        })
    };
    let x = [array![0.5f32, -1.0, 2.0].into_dyn()];
    let err = check_gradients(|t| square(&t[0]), &x, DEFAULT_STEP, DEFAULT_TOLERANCE)
        .expect_err("a backward missing a factor 2 must fail the check");
    assert!(err.contains("input 0, element 0"), "{err}");
}

/// Counts how often an op's backward ran, and notices when the closure is dropped.
struct Probe {
    calls: Rc<Cell<u32>>,
    dropped: Rc<Cell<bool>>,
}

struct DropFlag(Rc<Cell<bool>>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// `2x`, through an op whose backward is watched by a [`Probe`].
fn watched_double(x: &Tensor) -> (Tensor, Probe) {
    let probe = Probe {
        calls: Rc::new(Cell::new(0)),
        dropped: Rc::new(Cell::new(false)),
    };
    let (calls, flag) = (probe.calls.clone(), DropFlag(probe.dropped.clone()));
    let y = Tensor::from_op("double", x.value().mapv(|v| 2.0 * v), &[x], move |g, _| {
        let _keep = &flag; // owned by the closure: dropped with it
        calls.set(calls.get() + 1);
        vec![Some(g * 2.0)]
    });
    (y, probe)
}

#[test]
fn under_no_grad_or_on_constants_nothing_is_recorded() {
    let w = Tensor::param(array![1.0f32, 2.0]);
    let (y, probe) = tensor::no_grad(|| watched_double(&w));
    assert!(!y.requires_grad() && y.op_name() == "leaf");
    assert!(
        probe.dropped.get(),
        "the backward closure must be dropped at once"
    );
    let (y, probe) = watched_double(&Tensor::new(array![1.0f32]));
    assert!(!y.requires_grad() && probe.dropped.get());
    assert_eq!(probe.calls.get(), 0);
}

#[test]
fn the_graph_is_freed_as_backward_runs() {
    let w = Tensor::param(array![1.0f32, 2.0]);
    let (y, probe) = watched_double(&w);
    let loss = (&y * &y).sum();
    assert!(!probe.dropped.get());
    loss.backward();
    assert_eq!(probe.calls.get(), 1);
    // `y` is still alive, but its record (and the closure with it) is gone.
    assert!(probe.dropped.get(), "backward() must free the op's record");
    assert_eq!(w.grad().unwrap(), array![8.0f32, 16.0].into_dyn()); // d Σ(2w)² = 8w
    let again =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (&y * &w).sum().backward()));
    let message = *again
        .expect_err("a second backward through a freed op")
        .downcast::<String>()
        .unwrap();
    assert!(message.contains("`double` was freed"), "{message}");
}

#[test]
fn need_says_which_inputs_want_a_gradient() {
    let seen = Rc::new(Cell::new([false; 2]));
    let record = seen.clone();
    let (a, b) = (Tensor::new(array![1.0f32]), Tensor::param(array![2.0f32]));
    let y = Tensor::from_op(
        "product",
        array![2.0f32].into_dyn(),
        &[&a, &b],
        move |g, need| {
            record.set([need[0], need[1]]);
            vec![None, Some(g * 1.0)]
        },
    );
    y.sum().backward();
    assert_eq!(seen.get(), [false, true]);
    assert_eq!(b.grad().unwrap(), array![1.0f32].into_dyn());
}

#[test]
#[should_panic(
    expected = "backward of `bad_shape` returned a gradient of shape [2] for input 0, of shape [3]"
)]
fn a_gradient_of_the_wrong_shape_names_the_op_and_both_shapes() {
    let x = Tensor::param(ArrayD::zeros(IxDyn(&[3])));
    let y = Tensor::from_op("bad_shape", ArrayD::zeros(IxDyn(&[3])), &[&x], |_, _| {
        vec![Some(ArrayD::zeros(IxDyn(&[2])))]
    });
    y.sum().backward();
}

#[test]
#[should_panic(expected = "backward of `bad_count` returned 1 gradients for 2 inputs")]
fn a_gradient_missing_for_an_input_names_the_op_and_both_counts() {
    let (a, b) = (Tensor::param(array![1.0f32]), Tensor::param(array![2.0f32]));
    let y = Tensor::from_op("bad_count", array![2.0f32].into_dyn(), &[&a, &b], |g, _| {
        vec![Some(g.clone())]
    });
    y.sum().backward();
}
