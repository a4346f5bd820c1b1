// Exercise 2 of chapter 4: the backward of tanh. Its tests: `cargo exercises test tanh_backward`.
// Arguments stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables)]

// ANCHOR: tanh_backward
/// The chain rule through `out = tanh(x)`: given the output `out` (not `x`) and the gradient
/// `grad = ∂L/∂out`, returns `∂L/∂x`.
pub fn tanh_backward(out: f64, grad: f64) -> f64 {
    // TODO: the derivative of tanh, written with the output alone, times grad. All three are
    // numbers (f64).
    todo!("tanh_backward: the chain rule through tanh")
}
// ANCHOR_END: tanh_backward
