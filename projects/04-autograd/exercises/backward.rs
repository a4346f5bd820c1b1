// Exercise 4 of chapter 4: the backward pass. Its tests: `cargo exercises test backward`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::{topological_order, Value};

// ANCHOR: backward
/// Reverse-mode differentiation from `root`: seeds `∂root/∂root = 1`, then visits every
/// value in reverse topological order, so that each one's gradient is complete before
/// [`Value::backward_step`] passes it on to its inputs.
pub fn backward(root: &Value) {
    // TODO: list the values with your topological_order, set root's gradient to 1.0, then
    // call backward_step() on each value, from the last in the list to the first.
    todo!("backward: the chain rule, node by node, from the output back")
}
// ANCHOR_END: backward
