/// The chain rule through `out = a · b`: given the inputs `a`, `b` and the gradient
/// `grad = ∂L/∂out` that reached the output, returns `(∂L/∂a, ∂L/∂b)`.
pub fn mul_backward(a: f64, b: f64, grad: f64) -> (f64, f64) {
    // ∂out/∂a = b and ∂out/∂b = a: each input's gradient is the *other* input times grad.
    (b * grad, a * grad)
}
