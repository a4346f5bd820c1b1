/// The chain rule through `out = tanh(x)`: given the output `out` (not `x`) and the gradient
/// `grad = ∂L/∂out`, returns `∂L/∂x`.
pub fn tanh_backward(out: f64, grad: f64) -> f64 {
    // d tanh(x)/dx = 1 - tanh²(x), and tanh(x) is the output we already have.
    (1.0 - out * out) * grad
}
