//! # 04 · Autograd
//!
//! Chapter 3 wrote every gradient by hand. This chapter builds the machine that writes them:
//! reverse-mode automatic differentiation, first for single numbers, then for whole arrays.
//!
//! **The idea.** Every number a program computes is made by a small operation (`+`, `·`,
//! `tanh`, ...) from other numbers, and each operation knows its *local* derivative: how
//! much its output moves when one input moves. Record the operations as they run; then, from
//! the result `L` backwards, the chain rule turns local derivatives into `∂L/∂v` for every
//! value `v`:
//!
//! ```text
//! ∂L/∂input = Σ over the operations that used it of  ∂L/∂output · ∂output/∂input
//! ```
//!
//! Visiting the values in reverse topological order (every value after all the values made
//! from it) makes each `∂L/∂output` complete before it is passed on. One backward pass costs
//! about as much as the forward pass, however many parameters there are.
//!
//! **What is here.** [`Value`], a scalar engine in the spirit of Karpathy's micrograd (add,
//! mul, pow, exp, log, tanh, relu, and a backward pass without recursion); [`mlp`], a
//! multilayer perceptron of `Value`s that learns two interleaving moons; [`graph`], the
//! computation graph as Graphviz DOT; [`tensor_mlp`], the same idea for arrays with
//! `shared/tensor`, checked against chapter 3's hand-written backward pass and trained on
//! MNIST; and [`bench`], the two engines timed on one small network.
//!
//! **What is left out.** Forward-mode differentiation (good for few inputs and many outputs;
//! networks have the opposite), higher derivatives, and in-place operations, which make
//! recording harder (PyTorch tracks versions of every tensor to catch them).
//!
//! The engine's heart, [`mul_backward`], [`tanh_backward`], [`topological_order`] and
//! [`backward`], are the chapter's exercises: by default this crate is built with the
//! reference solutions in `solutions/`; the `learner` feature builds it with each file of
//! yours in `exercises/` that you have written, and the reference for the rest.

pub mod bench;
mod engine;
pub mod experiment;
pub mod graph;
pub mod mlp;
pub mod tensor_mlp;

pub use engine::Value;

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(yours_backward, path = "../exercises/backward.rs")]
#[cfg_attr(not(yours_backward), path = "../solutions/backward.rs")]
mod backward;
#[cfg_attr(yours_mul_backward, path = "../exercises/mul_backward.rs")]
#[cfg_attr(not(yours_mul_backward), path = "../solutions/mul_backward.rs")]
mod mul_backward;
#[cfg_attr(yours_tanh_backward, path = "../exercises/tanh_backward.rs")]
#[cfg_attr(not(yours_tanh_backward), path = "../solutions/tanh_backward.rs")]
mod tanh_backward;
#[cfg_attr(yours_topological_order, path = "../exercises/topological_order.rs")]
#[cfg_attr(
    not(yours_topological_order),
    path = "../solutions/topological_order.rs"
)]
mod topological_order;

pub use backward::backward;
pub use mul_backward::mul_backward;
pub use tanh_backward::tanh_backward;
pub use topological_order::topological_order;

// ANCHOR: micrograd
/// The example from micrograd's README (Karpathy, 2020), line for line: returns `(a, b, g)`
/// after `g.backward()`. micrograd prints g = 24.7041, ∂g/∂a = 138.8338, ∂g/∂b = 645.5773.
pub fn micrograd_example() -> (Value, Value, Value) {
    let a = Value::new(-4.0);
    let b = Value::new(2.0);
    let mut c = &a + &b;
    let mut d = &a * &b + b.pow(3.0);
    c = &c + (&c + 1.0); //                 c += c + 1
    c = &c + (1.0 + &c + (-&a)); //         c += 1 + c + (-a)
    d = &d + (&d * 2.0 + (&b + &a).relu()); // d += d * 2 + (b + a).relu()
    d = &d + (3.0 * &d + (&b - &a).relu()); // d += 3 * d + (b - a).relu()
    let e = &c - &d;
    let f = e.pow(2.0);
    let mut g = &f / 2.0;
    g = &g + 10.0 / &f; //                  g += 10.0 / f
    g.backward();
    (a, b, g)
}
// ANCHOR_END: micrograd
