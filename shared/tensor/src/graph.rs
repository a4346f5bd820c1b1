//! The backward pass: order the recorded ops, then run their backward functions in reverse.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use ndarray::{ArrayD, Axis, IxDyn, Slice};

use crate::tensor::{Data, Grad, Origin, Tensor};

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// True unless inside [`no_grad`].
pub fn grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// Runs `f` without recording ops: evaluation uses less memory and time. Nests, and
/// restores the previous setting even if `f` panics.
pub fn no_grad<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            GRAD_ENABLED.with(|g| g.set(self.0));
        }
    }
    let _restore = Restore(GRAD_ENABLED.with(|g| g.replace(false)));
    f()
}

// ANCHOR: topological_order
/// Every tensor that `root` depends on through ops that need a gradient, each listed
/// after all of its inputs. A depth-first search with an explicit stack, not recursion:
/// a graph 100,000 ops deep needs 100,000 stack entries on the heap, not on the call stack.
fn topological_order(root: &Tensor) -> Vec<Tensor> {
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    // (tensor, inputs_done): popped first with `false` to push its inputs, and again
    // with `true` once every input has been listed.
    let mut stack = vec![(root.clone(), false)];
    while let Some((t, inputs_done)) = stack.pop() {
        if inputs_done {
            order.push(t);
            continue;
        }
        if !seen.insert(t.id()) {
            continue;
        }
        stack.push((t.clone(), true));
        if let Origin::Op { inputs, .. } = &*t.0.origin.borrow() {
            for input in inputs
                .iter()
                .filter(|i| i.requires_grad() && !seen.contains(&i.id()))
            {
                stack.push((input.clone(), false));
            }
        }
    }
    order
}
// ANCHOR_END: topological_order

impl Tensor {
    // ANCHOR: backward
    /// Computes the gradient of this scalar with respect to every tensor it was computed from,
    /// adding it to each parameter's [`Tensor::grad`]. Frees the recorded graph as it goes.
    ///
    /// # Panics
    /// If the tensor has more than one element, needs no gradient, or its graph was already
    /// freed by an earlier `backward()` (compute the forward pass again instead).
    #[track_caller]
    pub fn backward(&self) {
        assert!(
            self.len() == 1,
            "backward() starts from a scalar (a loss), got shape {:?}",
            self.shape()
        );
        self.backward_with(&ArrayD::ones(IxDyn(&self.shape())));
    }

    /// Like [`Tensor::backward`], from a tensor of any shape whose own gradient is given:
    /// `grad` is d(loss)/d(self), as if `self` fed a loss computed elsewhere. This is the
    /// vector-Jacobian product each op's backward computes, started by hand; `backward()`
    /// is `backward_with(ones)` on a scalar.
    ///
    /// # Panics
    /// If `grad`'s shape is not this tensor's, or as [`Tensor::backward`].
    #[track_caller]
    pub fn backward_with(&self, grad: &ArrayD<f32>) {
        assert!(
            grad.shape() == self.shape().as_slice(),
            "backward_with: the gradient has shape {:?}, the tensor {:?}",
            grad.shape(),
            self.shape()
        );
        assert!(
            self.requires_grad(),
            "backward(): this tensor does not depend on any parameter (made under no_grad, or from constants only)"
        );
        // Gradients of tensors whose consumers have all been processed but which have not
        // passed them on yet. Walking in reverse topological order guarantees that when we
        // reach a tensor, every op that used it has already added its share. (The root's
        // gradient is the caller's, borrowed: copied only if the root is a parameter.)
        let mut pending: HashMap<usize, Pending> = HashMap::new();
        let order = topological_order(self);
        // How many ops still have to hand each leaf its share: at zero its gradient is
        // complete, and is added to `grad()` then, rather than held until the leaf's turn.
        let mut leaf_uses = leaf_uses(&order);
        for t in order.iter().rev() {
            let grad = if t.id() == self.id() {
                Cow::Borrowed(grad)
            } else {
                match pending.remove(&t.id()) {
                    Some(grad) => Cow::Owned(grad.total()),
                    None => continue,
                }
            };
            // Taking the record out of the tensor frees the graph behind us.
            let name = t.op_name();
            let origin = std::mem::replace(&mut *t.0.origin.borrow_mut(), Origin::Freed { name });
            match origin {
                Origin::Leaf => accumulate(t, grad.into_owned()),
                Origin::Freed { name } => panic!(
                    "backward(): the graph through `{name}` was freed by an earlier backward(); \
                     run the forward pass again for each backward()"
                ),
                Origin::Op {
                    name,
                    inputs,
                    backward,
                } => {
                    let needs: Vec<bool> = inputs.iter().map(Tensor::requires_grad).collect();
                    let grads = backward(&grad, &needs);
                    assert!(
                        grads.len() == inputs.len(),
                        "backward of `{name}` returned {} gradients for {} inputs (one per input, \
                         None where an input needs none)",
                        grads.len(),
                        inputs.len()
                    );
                    for (i, ((input, g), need)) in inputs.iter().zip(grads).zip(needs).enumerate() {
                        let Some(g) = g.filter(|_| need) else {
                            continue;
                        };
                        assert!(
                            g.shape() == input.shape(),
                            "backward of `{name}` returned a gradient of shape {:?} for input {i}, of shape {:?}",
                            g.shape(),
                            input.shape()
                        );
                        pending.entry(input.id()).or_default().add(g);
                        if let Some(uses) = leaf_uses.get_mut(&input.id()) {
                            *uses -= 1;
                            if *uses == 0 {
                                let whole = pending.remove(&input.id()).expect("just added");
                                accumulate(input, whole.total());
                            }
                        }
                    }
                }
            }
        }
    }
    // ANCHOR_END: backward
}

/// For each leaf that needs a gradient, how many times ops of `order` use it.
fn leaf_uses(order: &[Tensor]) -> HashMap<usize, usize> {
    let mut uses = HashMap::new();
    for t in order {
        if let Origin::Op { inputs, .. } = &*t.0.origin.borrow() {
            for input in inputs.iter().filter(|i| i.requires_grad() && i.is_leaf()) {
                *uses.entry(input.id()).or_insert(0) += 1;
            }
        }
    }
    uses
}

/// The gradient of a tensor gathered so far from the ops that used it: the dense ones added
/// up as they come, the products `aᵀ·g` (a weight's, from each step that used it) kept and
/// computed together when the tensor's turn comes, as one product of the stacked `a`s and
/// `g`s (see `ops::matmul::sum_of_products`).
#[derive(Default)]
struct Pending {
    dense: Option<ArrayD<f32>>,
    products: Vec<(Data, ArrayD<f32>)>,
}

impl Pending {
    fn add(&mut self, g: Grad) {
        match g {
            Grad::Dense(g) => match &mut self.dense {
                Some(sum) => *sum += &g,
                None => self.dense = Some(g),
            },
            Grad::Product(a, g) => self.products.push((a, g)),
            Grad::Slice {
                shape,
                axis,
                start,
                g,
            } => {
                let sum = self
                    .dense
                    .get_or_insert_with(|| ArrayD::zeros(IxDyn(&shape)));
                let len = g.shape()[axis];
                let mut part = sum.slice_axis_mut(Axis(axis), Slice::from(start..start + len));
                part += &g;
            }
            Grad::Rows { shape, rows, g } => {
                let sum = self
                    .dense
                    .get_or_insert_with(|| ArrayD::zeros(IxDyn(&shape)));
                for (g_row, &i) in g.outer_iter().zip(&rows) {
                    let mut row = sum.index_axis_mut(Axis(0), i);
                    row += &g_row;
                }
            }
        }
    }

    fn total(self) -> ArrayD<f32> {
        let products = (!self.products.is_empty())
            .then(|| crate::ops::matmul::sum_of_products(&self.products));
        match (self.dense, products) {
            (Some(mut sum), Some(p)) => {
                sum += &p;
                sum
            }
            (Some(g), None) | (None, Some(g)) => g,
            (None, None) => unreachable!("a pending gradient has a part"),
        }
    }
}

/// Leaves keep their gradient, summed over backward passes until `zero_grad()`.
fn accumulate(t: &Tensor, grad: ArrayD<f32>) {
    *t.0.origin.borrow_mut() = Origin::Leaf;
    let mut slot = t.0.grad.borrow_mut();
    match slot.as_mut() {
        Some(sum) => *sum += &grad,
        None => *slot = Some(grad),
    }
}
