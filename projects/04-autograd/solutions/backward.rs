use crate::{topological_order, Value};

/// Reverse-mode differentiation from `root`: seeds `∂root/∂root = 1`, then visits every
/// value in reverse topological order, so that each one's gradient is complete before
/// [`Value::backward_step`] passes it on to its inputs.
pub fn backward(root: &Value) {
    let order = topological_order(root);
    root.set_grad(1.0);
    for value in order.iter().rev() {
        value.backward_step();
    }
}
