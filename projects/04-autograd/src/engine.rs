//! The scalar engine: a [`Value`] remembers how it was computed, and [`Value::backward`]
//! walks that record from the output back to the inputs, applying the chain rule one node
//! at a time.
//!
//! Read it top to bottom: the value and its record, the seven operations with their local
//! derivatives, the backward step of one node, the whole backward pass, and the operators
//! (`+ - * /`) that let us write `&a * &b + 1.0`.
//!
//! Numbers are `f64`, as in micrograd (Python's floats), not the `f32` of the rest of the
//! course: the golden test follows values into the thousands to four decimals, and finite
//! differences in `f64` check gradients to many more digits. `shared/tensor` uses `f32`.

use std::cell::Cell;
use std::rc::Rc;

use crate::{backward, mul_backward, tanh_backward};

// ANCHOR: value
/// One number in a computation, with the gradient of the final result with respect to it,
/// and the record of the operation that produced it.
///
/// A `Value` is a handle: cloning it is cheap and gives the *same* value (same data, same
/// gradient), the way two Python variables can name one micrograd `Value`.
#[derive(Clone)]
pub struct Value(Rc<Node>);

struct Node {
    /// The number itself; a parameter's changes at every training step.
    data: Cell<f64>,
    /// ∂(result)/∂(this value), filled in by `backward`; 0 until then.
    grad: Cell<f64>,
    /// How this value was made: from which inputs, by which operation.
    op: Op,
    /// A label for the computation graph's figure (`"a"`, `"w1"`), or empty.
    name: Cell<&'static str>,
}

/// The record of one operation: its kind and its inputs. Subtraction, division and
/// negation are built from these (`a - b = a + (-1)·b`, `a / b = a·b⁻¹`), as in micrograd.
#[derive(Default)]
enum Op {
    /// Made by the user: an input, a parameter or a constant.
    #[default]
    Leaf,
    Add(Value, Value),
    Mul(Value, Value),
    /// The input raised to a constant power.
    Pow(Value, f64),
    Exp(Value),
    Log(Value),
    Tanh(Value),
    Relu(Value),
}
// ANCHOR_END: value

impl Value {
    /// A leaf: a number the computation starts from (an input or a parameter).
    pub fn new(data: f64) -> Value {
        Value::from_op(data, Op::Leaf)
    }

    fn from_op(data: f64, op: Op) -> Value {
        Value(Rc::new(Node {
            data: Cell::new(data),
            grad: Cell::new(0.0),
            op,
            name: Cell::new(""),
        }))
    }

    /// The same value with a label, shown in the computation graph's figure.
    pub fn named(self, name: &'static str) -> Value {
        self.0.name.set(name);
        self
    }

    /// The label given by [`Value::named`], or `""`.
    pub fn name(&self) -> &'static str {
        self.0.name.get()
    }

    /// The number.
    pub fn data(&self) -> f64 {
        self.0.data.get()
    }

    /// Changes the number in place: how an optimizer updates a parameter.
    pub fn set_data(&self, data: f64) {
        self.0.data.set(data);
    }

    /// ∂(result)/∂(this value) after [`Value::backward`]; 0 before.
    pub fn grad(&self) -> f64 {
        self.0.grad.get()
    }

    /// Sets the gradient: `backward` seeds the result with 1, `zero_grad` resets to 0.
    pub fn set_grad(&self, grad: f64) {
        self.0.grad.set(grad);
    }

    /// Forgets the gradient. Gradients *add up* over backward passes (a value used twice
    /// gets both shares), so zero the parameters' gradients before each one.
    pub fn zero_grad(&self) {
        self.set_grad(0.0);
    }

    /// Adds one share of the gradient: a value used by several operations receives one
    /// share from each (the multivariable chain rule sums over paths).
    fn add_grad(&self, share: f64) {
        self.0.grad.set(self.0.grad.get() + share);
    }

    /// The values this one was computed from: none for a leaf, one or two for an op.
    pub fn inputs(&self) -> Vec<Value> {
        match &self.0.op {
            Op::Leaf => vec![],
            Op::Add(a, b) | Op::Mul(a, b) => vec![a.clone(), b.clone()],
            Op::Pow(a, _) | Op::Exp(a) | Op::Log(a) | Op::Tanh(a) | Op::Relu(a) => {
                vec![a.clone()]
            }
        }
    }

    /// The operation's symbol for the graph figure (`"+"`, `"*"`, `"^2"`, `"tanh"`), or
    /// `""` for a leaf.
    pub fn op_name(&self) -> String {
        match &self.0.op {
            Op::Leaf => String::new(),
            Op::Add(..) => "+".into(),
            Op::Mul(..) => "*".into(),
            Op::Pow(_, p) => format!("^{p}"),
            Op::Exp(_) => "exp".into(),
            Op::Log(_) => "log".into(),
            Op::Tanh(_) => "tanh".into(),
            Op::Relu(_) => "relu".into(),
        }
    }

    /// A number that identifies this value (not its data: two values may hold the same
    /// number). Clones of one value share it. Use it to remember which values you visited.
    pub fn id(&self) -> usize {
        Rc::as_ptr(&self.0) as usize
    }
}

// ANCHOR: ops
/// The operations. Each doc comment gives the local derivative that
/// [`Value::backward_step`] uses: how much the output moves per unit move of each input.
impl Value {
    /// `a + b`. Local derivatives: ∂/∂a = 1, ∂/∂b = 1.
    pub fn add(&self, other: &Value) -> Value {
        Value::from_op(
            self.data() + other.data(),
            Op::Add(self.clone(), other.clone()),
        )
    }

    /// `a · b`. Local derivatives: ∂/∂a = b, ∂/∂b = a.
    pub fn mul(&self, other: &Value) -> Value {
        Value::from_op(
            self.data() * other.data(),
            Op::Mul(self.clone(), other.clone()),
        )
    }

    /// `a^p` for a constant `p`. Local derivative: p·a^(p-1).
    pub fn pow(&self, p: f64) -> Value {
        Value::from_op(self.data().powf(p), Op::Pow(self.clone(), p))
    }

    /// `e^a`. Local derivative: e^a, the output itself.
    pub fn exp(&self) -> Value {
        Value::from_op(self.data().exp(), Op::Exp(self.clone()))
    }

    /// The natural logarithm `ln a` (NaN for a < 0). Local derivative: 1/a.
    pub fn log(&self) -> Value {
        Value::from_op(self.data().ln(), Op::Log(self.clone()))
    }

    /// `tanh a`. Local derivative: 1 - tanh²(a), from the output alone.
    pub fn tanh(&self) -> Value {
        Value::from_op(self.data().tanh(), Op::Tanh(self.clone()))
    }

    /// `max(0, a)`. Local derivative: 1 where a > 0, else 0 (we pick 0 at the kink).
    pub fn relu(&self) -> Value {
        Value::from_op(self.data().max(0.0), Op::Relu(self.clone()))
    }
}
// ANCHOR_END: ops

impl Value {
    // ANCHOR: backward_step
    /// The chain rule at one node: passes this value's gradient on to its inputs, each
    /// multiplied by the local derivative of the operation with respect to that input.
    ///
    /// Call it only once this value's gradient is complete, that is, after every value that
    /// used this one has passed its share back: [`Value::backward`] guarantees that.
    pub fn backward_step(&self) {
        let grad = self.grad(); // ∂L/∂out
        let out = self.data();
        match &self.0.op {
            Op::Leaf => {}
            Op::Add(a, b) => {
                a.add_grad(grad);
                b.add_grad(grad);
            }
            Op::Mul(a, b) => {
                let (da, db) = mul_backward(a.data(), b.data(), grad);
                a.add_grad(da);
                b.add_grad(db);
            }
            Op::Pow(a, p) => a.add_grad(grad * p * a.data().powf(p - 1.0)),
            Op::Exp(a) => a.add_grad(grad * out),
            Op::Log(a) => a.add_grad(grad / a.data()),
            Op::Tanh(a) => a.add_grad(tanh_backward(out, grad)),
            Op::Relu(a) => a.add_grad(if out > 0.0 { grad } else { 0.0 }),
        }
    }
    // ANCHOR_END: backward_step

    /// Computes ∂self/∂v for every value `v` this one was computed from, and adds it to
    /// `v.grad()`. Runs without recursion, so a graph millions of values deep is fine.
    pub fn backward(&self) {
        backward(self);
    }
}

impl Drop for Node {
    // Dropping the last handle on a long chain would drop input after input recursively
    // (each Rc's drop calls the next) and overflow the stack 100,000 values deep. Instead,
    // take the inputs out and drop them from a loop; an input held only by us is emptied
    // the same way before it goes.
    fn drop(&mut self) {
        let mut pending = std::mem::take(&mut self.op).into_inputs();
        while let Some(value) = pending.pop() {
            if let Ok(mut node) = Rc::try_unwrap(value.0) {
                pending.extend(std::mem::take(&mut node.op).into_inputs());
            }
        }
    }
}

impl Op {
    fn into_inputs(self) -> Vec<Value> {
        match self {
            Op::Leaf => vec![],
            Op::Add(a, b) | Op::Mul(a, b) => vec![a, b],
            Op::Pow(a, _) | Op::Exp(a) | Op::Log(a) | Op::Tanh(a) | Op::Relu(a) => vec![a],
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Value(data={}, grad={})", self.data(), self.grad())
    }
}

// The operators, so that expressions read like math: `&a * &b + 1.0`, `2.0 * &x`, `-&y`.
// Each works on owned values, references and plain numbers (which become leaves).
// Subtraction and division are built from the seven operations above.
fn sub(a: &Value, b: &Value) -> Value {
    a.add(&b.mul(&Value::new(-1.0)))
}

fn div(a: &Value, b: &Value) -> Value {
    a.mul(&b.pow(-1.0))
}

macro_rules! operator {
    ($trait:ident, $method:ident, $f:expr) => {
        impl std::ops::$trait<&Value> for &Value {
            type Output = Value;
            fn $method(self, rhs: &Value) -> Value {
                $f(self, rhs)
            }
        }
        impl std::ops::$trait<Value> for &Value {
            type Output = Value;
            fn $method(self, rhs: Value) -> Value {
                $f(self, &rhs)
            }
        }
        impl std::ops::$trait<&Value> for Value {
            type Output = Value;
            fn $method(self, rhs: &Value) -> Value {
                $f(&self, rhs)
            }
        }
        impl std::ops::$trait<Value> for Value {
            type Output = Value;
            fn $method(self, rhs: Value) -> Value {
                $f(&self, &rhs)
            }
        }
        impl std::ops::$trait<f64> for &Value {
            type Output = Value;
            fn $method(self, rhs: f64) -> Value {
                $f(self, &Value::new(rhs))
            }
        }
        impl std::ops::$trait<f64> for Value {
            type Output = Value;
            fn $method(self, rhs: f64) -> Value {
                $f(&self, &Value::new(rhs))
            }
        }
        impl std::ops::$trait<&Value> for f64 {
            type Output = Value;
            fn $method(self, rhs: &Value) -> Value {
                $f(&Value::new(self), rhs)
            }
        }
        impl std::ops::$trait<Value> for f64 {
            type Output = Value;
            fn $method(self, rhs: Value) -> Value {
                $f(&Value::new(self), &rhs)
            }
        }
    };
}

operator!(Add, add, Value::add);
operator!(Sub, sub, sub);
operator!(Mul, mul, Value::mul);
operator!(Div, div, div);

impl std::ops::Neg for &Value {
    type Output = Value;
    fn neg(self) -> Value {
        self.mul(&Value::new(-1.0))
    }
}

impl std::ops::Neg for Value {
    type Output = Value;
    fn neg(self) -> Value {
        -&self
    }
}

impl From<f64> for Value {
    fn from(data: f64) -> Value {
        Value::new(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_used_twice_receives_both_shares_of_the_gradient() {
        let a = Value::new(3.0);
        let y = &a * &a + &a; // dy/da = 2a + 1 = 7
        y.backward();
        assert_eq!(y.data(), 12.0);
        assert_eq!(a.grad(), 7.0);
    }

    #[test]
    fn inputs_name_the_operands_in_order() {
        let (a, b) = (Value::new(1.0), Value::new(2.0));
        let c = a.mul(&b);
        let ids: Vec<usize> = c.inputs().iter().map(Value::id).collect();
        assert_eq!(ids, vec![a.id(), b.id()]);
        assert_eq!(c.op_name(), "*");
        assert!(a.inputs().is_empty());
    }
}
