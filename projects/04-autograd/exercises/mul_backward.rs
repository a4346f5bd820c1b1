// Exercise 1 of chapter 4: the backward of multiplication. Its tests:
// `cargo exercises test mul_backward`.
// Arguments stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables)]

// ANCHOR: mul_backward
/// The chain rule through `out = a · b`: given the inputs `a`, `b` and the gradient
/// `grad = ∂L/∂out` that reached the output, returns `(∂L/∂a, ∂L/∂b)`.
pub fn mul_backward(a: f64, b: f64, grad: f64) -> (f64, f64) {
    // TODO: multiply grad by the local derivatives ∂out/∂a and ∂out/∂b. All are numbers.
    todo!("mul_backward: the chain rule through a product")
}
// ANCHOR_END: mul_backward
