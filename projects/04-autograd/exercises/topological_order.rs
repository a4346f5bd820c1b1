// Exercise 3 of chapter 4: the topological sort. Its tests:
// `cargo exercises test topological_order`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::Value;
use std::collections::HashSet;

// ANCHOR: topological_order
/// Every value that `root` was computed from, and `root` itself, each listed once and after
/// all of its inputs (so `root` comes last). No recursion: a depth-first search with an
/// explicit stack, so a chain a million values long needs no deep call stack.
pub fn topological_order(root: &Value) -> Vec<Value> {
    // TODO: walk from `root` through `value.inputs()`. Remember visited values by
    // `value.id()` in a HashSet, keep the values still to handle on a Vec used as a stack,
    // and push a value onto the result only once all of its inputs are on it.
    todo!("topological_order: inputs before the values made from them")
}
// ANCHOR_END: topological_order
