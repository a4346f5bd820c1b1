// Exercise 3 of chapter 1: the pocket rule. Its tests: `cargo exercises test keep_if_better`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::{Perceptron, Pocket};

// ANCHOR: keep_if_better
/// The pocket rule: if `current` gets strictly fewer training points wrong (`errors`) than the
/// weights in the pocket, put a copy of it in the pocket. Return whether the pocket changed.
pub fn keep_if_better(pocket: &mut Pocket, current: &Perceptron, errors: usize) -> bool {
    // TODO: compare errors with pocket.errors (both counts of training points); on a strict
    // improvement store a copy of current (w: [features] and b) in pocket.best and the new
    // count in pocket.errors.
    todo!("keep_if_better: the pocket rule")
}
// ANCHOR_END: keep_if_better
