//! The `Tensor` type: a value, an optional gradient, and the record of how it was made.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use ndarray::{ArcArray, ArrayD, Dimension, IxDyn};

use crate::graph;

/// The storage every tensor holds: an n-dimensional `f32` array whose clones share memory
/// (`ArcArray` counts references and copies only when a shared array is written to).
pub type Data = ArcArray<f32, IxDyn>;

/// What a backward function receives (the gradient of the loss with respect to this op's
/// output, and which inputs need a gradient) and returns (one gradient per input, `None`
/// where an input needs none).
pub(crate) type BackwardFn = Box<dyn FnOnce(&ArrayD<f32>, &[bool]) -> Vec<Option<Grad>>>;

/// A gradient as an op's backward pass hands it to `backward()`.
pub(crate) enum Grad {
    /// The gradient itself.
    Dense(ArrayD<f32>),
    /// `aᵀ·g` for `a: [m, k]`, `g: [m, n]`, not computed yet: the gradient of the weight of
    /// `a·W`. A weight used at every step of a recurrence receives one such product per step;
    /// `backward()` computes their sum as one matrix product of the stacked `a`s and `g`s
    /// (`graph.rs`), rather than many thin ones added up.
    Product(Data, ArrayD<f32>),
    /// A gradient of shape `shape` that is zero but for `start..start + g.shape()[axis]`
    /// along `axis`, where it is `g`: the backward pass of `narrow`. Added into the tensor's
    /// gradient where it belongs, rather than written out whole, mostly zeros, and added.
    Slice {
        shape: Vec<usize>,
        axis: usize,
        start: usize,
        g: ArrayD<f32>,
    },
    /// A gradient of shape `shape` that is zero but for rows (along axis 0) `rows[i]`, to
    /// which `g[i]` is added: the backward pass of `index_select`, a lookup of a few rows
    /// of a table.
    Rows {
        shape: Vec<usize>,
        rows: Vec<usize>,
        g: ArrayD<f32>,
    },
}

impl Grad {
    /// The shape of the gradient this stands for.
    pub(crate) fn shape(&self) -> Vec<usize> {
        match self {
            Grad::Dense(g) => g.shape().to_vec(),
            Grad::Product(a, g) => vec![a.shape()[1], g.shape()[1]],
            Grad::Slice { shape, .. } | Grad::Rows { shape, .. } => shape.clone(),
        }
    }
}

/// How a tensor came to be.
pub(crate) enum Origin {
    /// Made by the user (data, a parameter) or by an op while no gradient was wanted.
    Leaf,
    /// Made by an op from `inputs`; `backward` turns the output's gradient into theirs.
    Op {
        name: &'static str,
        inputs: Vec<Tensor>,
        backward: BackwardFn,
    },
    /// Was an op, but a `backward()` has already used and freed its record.
    Freed { name: &'static str },
}

thread_local! {
    /// How many tensors exist right now on this thread (see [`live_tensors`]). A `Tensor` is
    /// an `Rc`, so it is made and dropped on one thread: counting per thread lets tests that
    /// run side by side each see only their own tensors.
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// The number of tensors alive right now on the calling thread. A training loop whose count
/// grows from step to step is keeping graphs alive (a loss stored without `.item()`, say);
/// tests use it to show that memory stays flat.
pub fn live_tensors() -> usize {
    LIVE.with(Cell::get)
}

pub(crate) struct Inner {
    pub(crate) value: RefCell<Data>,
    pub(crate) grad: RefCell<Option<ArrayD<f32>>>,
    pub(crate) requires_grad: bool,
    pub(crate) origin: RefCell<Origin>,
}

/// An n-dimensional `f32` tensor that remembers how it was computed, so that
/// [`Tensor::backward`] can find the gradient of a scalar with respect to every parameter.
///
/// Cloning a `Tensor` is cheap: the clone is the *same* tensor (same value, same gradient).
/// A `Tensor` lives on one thread (`Rc`, not `Arc`); ops use several threads inside.
#[derive(Clone)]
pub struct Tensor(pub(crate) Rc<Inner>);

impl Tensor {
    pub(crate) fn leaf(value: Data, requires_grad: bool) -> Tensor {
        LIVE.with(|n| n.set(n.get() + 1));
        Tensor(Rc::new(Inner {
            value: RefCell::new(value),
            grad: RefCell::new(None),
            requires_grad,
            origin: RefCell::new(Origin::Leaf),
        }))
    }

    /// A constant tensor (no gradient is computed for it) from any ndarray array.
    pub fn new<D: Dimension>(array: ndarray::Array<f32, D>) -> Tensor {
        Tensor::leaf(array.into_dyn().into_shared(), false)
    }

    /// A trainable tensor: `backward()` accumulates a gradient into it.
    pub fn param<D: Dimension>(array: ndarray::Array<f32, D>) -> Tensor {
        Tensor::leaf(array.into_dyn().into_shared(), true)
    }

    /// A constant tensor from a flat vector and a shape.
    ///
    /// # Panics
    /// If `values.len()` is not the product of `shape`.
    #[track_caller]
    pub fn from_vec(values: Vec<f32>, shape: &[usize]) -> Tensor {
        let n = values.len();
        let array = ArrayD::from_shape_vec(IxDyn(shape), values).unwrap_or_else(|_| {
            panic!("from_vec: {n} values do not fill shape {shape:?}");
        });
        Tensor::new(array)
    }

    /// A constant zero-dimensional tensor holding `x`.
    pub fn scalar(x: f32) -> Tensor {
        Tensor::new(ndarray::arr0(x))
    }

    /// A constant tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Tensor {
        Tensor::new(ArrayD::zeros(IxDyn(shape)))
    }

    /// A constant tensor of ones.
    pub fn ones(shape: &[usize]) -> Tensor {
        Tensor::new(ArrayD::ones(IxDyn(shape)))
    }

    // ANCHOR: from_op
    /// Records the result of an op: how every differentiable op is made, this crate's and
    /// yours. `value` is the op's output, computed from the `inputs`' values (the crate's ops
    /// use ndarray); `name` names the op in error messages; `backward(g, need)` is the op's
    /// calculus: given `g`, the gradient of the loss with respect to the output (the
    /// output's shape), it returns one entry per input, in order: `Some(gradient)` of that
    /// input's shape, or `None`, which counts as zero. `need[i]` says whether input `i` wants
    /// a gradient, so that work for the others can be skipped (what is returned for them is
    /// ignored). The closure owns what it captures: capture inputs' values with
    /// [`Tensor::value`], which shares their storage rather than copying it.
    ///
    /// The guarantees are those of the built-in ops, which are all made this way:
    /// - if no input needs a gradient, or inside [`crate::no_grad`], nothing is recorded: the
    ///   result is a plain leaf and `backward` is dropped unused;
    /// - [`Tensor::backward`] calls `backward` at most once and then drops it, with all it
    ///   captured: the graph is freed as the backward pass goes;
    /// - if `backward` returns a gradient whose shape is not its input's, or not one entry
    ///   per input, the backward pass panics with a message naming the op and both shapes
    ///   (or both counts).
    ///
    /// Check a new op's backward against finite differences with
    /// [`crate::gradcheck::check_gradients`].
    ///
    /// # Example: an op defined outside this crate
    ///
    /// ```
    /// use ndarray::array;
    /// use tensor::gradcheck::{check_gradients, DEFAULT_STEP, DEFAULT_TOLERANCE};
    /// use tensor::Tensor;
    ///
    /// /// `a · b` element by element (same shapes): ∂/∂a = b and ∂/∂b = a.
    /// fn times(a: &Tensor, b: &Tensor) -> Tensor {
    ///     let (av, bv) = (a.value(), b.value()); // shared, not copied: kept for backward
    ///     let y = &av * &bv;
    ///     Tensor::from_op("times", y, &[a, b], move |g, need| {
    ///         // One entry per input; work only for those that want a gradient.
    ///         vec![need[0].then(|| g * &bv), need[1].then(|| g * &av)]
    ///     })
    /// }
    ///
    /// let a = Tensor::param(array![1.0f32, -2.0]);
    /// let b = Tensor::new(array![3.0f32, 0.5]); // a constant: need[1] is false
    /// times(&a, &b).sum().backward();
    /// assert_eq!(a.grad().unwrap(), array![3.0f32, 0.5].into_dyn());
    ///
    /// // The backward pass agrees with finite differences (the largest error is returned).
    /// let at = [
    ///     array![[0.5f32, -1.5], [2.0, 0.1]].into_dyn(),
    ///     array![[1.0f32, 0.3], [-0.7, 2.0]].into_dyn(),
    /// ];
    /// let f = |t: &[Tensor]| times(&t[0], &t[1]);
    /// let worst = check_gradients(f, &at, DEFAULT_STEP, DEFAULT_TOLERANCE);
    /// assert!(worst.unwrap() < 1e-3);
    /// ```
    pub fn from_op(
        name: &'static str,
        value: ArrayD<f32>,
        inputs: &[&Tensor],
        backward: impl FnOnce(&ArrayD<f32>, &[bool]) -> Vec<Option<ArrayD<f32>>> + 'static,
    ) -> Tensor {
        Tensor::from_op_shared(name, value.into_shared(), inputs, backward)
    }
    // ANCHOR_END: from_op

    /// Like `from_op`, for ops whose result shares storage with an input (views).
    pub(crate) fn from_op_shared(
        name: &'static str,
        value: Data,
        inputs: &[&Tensor],
        backward: impl FnOnce(&ArrayD<f32>, &[bool]) -> Vec<Option<ArrayD<f32>>> + 'static,
    ) -> Tensor {
        Tensor::from_op_grads(name, value, inputs, move |g, need| {
            backward(g, need)
                .into_iter()
                .map(|g| g.map(Grad::Dense))
                .collect()
        })
    }

    /// Like `from_op_shared`, for ops whose backward may hand over a [`Grad::Product`].
    pub(crate) fn from_op_grads(
        name: &'static str,
        value: Data,
        inputs: &[&Tensor],
        backward: impl FnOnce(&ArrayD<f32>, &[bool]) -> Vec<Option<Grad>> + 'static,
    ) -> Tensor {
        let tracked = graph::grad_enabled() && inputs.iter().any(|t| t.requires_grad());
        if !tracked {
            return Tensor::leaf(value, false);
        }
        LIVE.with(|n| n.set(n.get() + 1));
        Tensor(Rc::new(Inner {
            value: RefCell::new(value),
            grad: RefCell::new(None),
            requires_grad: true,
            origin: RefCell::new(Origin::Op {
                name,
                inputs: inputs.iter().map(|&t| t.clone()).collect(),
                backward: Box::new(backward),
            }),
        }))
    }

    /// The value, sharing storage with the tensor (cheap). Writing to it copies first.
    pub fn value(&self) -> Data {
        self.0.value.borrow().clone()
    }

    /// The value as an owned array (a copy).
    pub fn to_array(&self) -> ArrayD<f32> {
        self.0.value.borrow().to_owned()
    }

    /// The value as a flat vector in row-major (logical) order.
    pub fn to_vec(&self) -> Vec<f32> {
        self.0.value.borrow().iter().copied().collect()
    }

    /// The single number in a tensor with one element (a loss, say).
    ///
    /// # Panics
    /// If the tensor has more than one element.
    #[track_caller]
    pub fn item(&self) -> f32 {
        let v = self.0.value.borrow();
        assert!(
            v.len() == 1,
            "item() needs a tensor with one element, got shape {:?}",
            v.shape()
        );
        *v.iter().next().expect("one element")
    }

    /// The shape, e.g. `[batch, features]`.
    pub fn shape(&self) -> Vec<usize> {
        self.0.value.borrow().shape().to_vec()
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.0.value.borrow().ndim()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.0.value.borrow().len()
    }

    /// True for a tensor with no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if `backward()` will compute a gradient for this tensor or through it.
    pub fn requires_grad(&self) -> bool {
        self.0.requires_grad
    }

    /// The gradient accumulated by `backward()` calls since the last `zero_grad()`; `None`
    /// before any. Kept for leaves (parameters, inputs made with [`Tensor::param`]) only.
    pub fn grad(&self) -> Option<ArrayD<f32>> {
        self.0.grad.borrow().clone()
    }

    /// The first value of the accumulated gradient that is NaN or infinite, if any, read in
    /// place (no copy): what a training loop checks every step to stop a diverging run
    /// before it ruins the weights.
    pub fn non_finite_grad(&self) -> Option<f32> {
        let grad = self.0.grad.borrow();
        grad.as_ref()?.iter().copied().find(|g| !g.is_finite())
    }

    /// Forgets the accumulated gradient.
    pub fn zero_grad(&self) {
        *self.0.grad.borrow_mut() = None;
    }

    /// Replaces the accumulated gradient (gradient clipping scales it, say).
    ///
    /// # Panics
    /// If the gradient's shape differs from the tensor's.
    #[track_caller]
    pub fn set_grad(&self, grad: Option<ArrayD<f32>>) {
        if let Some(g) = &grad {
            assert!(
                g.shape() == self.shape().as_slice(),
                "set_grad: tensor has shape {:?}, gradient has shape {:?}",
                self.shape(),
                g.shape()
            );
        }
        *self.0.grad.borrow_mut() = grad;
    }

    /// The same value as a constant: gradients do not flow back through the result.
    pub fn detach(&self) -> Tensor {
        Tensor::leaf(self.value(), false)
    }

    /// Replaces the value in place (an optimizer step, loading a checkpoint).
    ///
    /// # Panics
    /// If the new value's shape differs from the old one.
    #[track_caller]
    pub fn set_value(&self, value: ArrayD<f32>) {
        let mut v = self.0.value.borrow_mut();
        assert!(
            v.shape() == value.shape(),
            "set_value: tensor has shape {:?}, new value has shape {:?}",
            v.shape(),
            value.shape()
        );
        *v = value.into_shared();
    }

    /// Changes the value in place with `f` (used by optimizers: no copy once the graph
    /// that shared the value is gone).
    pub fn update(&self, f: impl FnOnce(&mut ndarray::ArrayViewMutD<f32>)) {
        let mut v = self.0.value.borrow_mut();
        f(&mut v.view_mut());
    }

    /// The name of the op that made this tensor (`"leaf"` for data and parameters).
    pub fn op_name(&self) -> &'static str {
        match &*self.0.origin.borrow() {
            Origin::Leaf => "leaf",
            Origin::Op { name, .. } | Origin::Freed { name } => name,
        }
    }

    /// True for data and parameters (not made by a recorded op).
    pub(crate) fn is_leaf(&self) -> bool {
        matches!(*self.0.origin.borrow(), Origin::Leaf)
    }

    pub(crate) fn id(&self) -> usize {
        Rc::as_ptr(&self.0) as usize
    }
}

impl Drop for Inner {
    // Dropping the last handle on a long chain (an RNN unrolled over 10,000 steps) would
    // otherwise drop input after input recursively and overflow the stack. Instead, detach
    // the inputs and drop them from a loop; each one that we held last is emptied the same way.
    fn drop(&mut self) {
        // `try_with`: a tensor kept in another thread-local may be dropped after the count.
        let _ = LIVE.try_with(|n| n.set(n.get() - 1));
        let mut pending = take_inputs(&self.origin);
        while let Some(t) = pending.pop() {
            if let Ok(inner) = Rc::try_unwrap(t.0) {
                pending.extend(take_inputs(&inner.origin));
            }
        }
    }
}

fn take_inputs(origin: &RefCell<Origin>) -> Vec<Tensor> {
    match std::mem::replace(&mut *origin.borrow_mut(), Origin::Leaf) {
        Origin::Op { inputs, .. } => inputs,
        _ => Vec::new(),
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Tensor(shape={:?}, op={}, requires_grad={}, value={:?})",
            self.shape(),
            self.op_name(),
            self.requires_grad(),
            self.0.value.borrow()
        )
    }
}
