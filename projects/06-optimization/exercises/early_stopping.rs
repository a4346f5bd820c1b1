// Exercise 5 of chapter 6: early stopping. Its tests: `cargo exercises test early_stopping`.
// With `--features learner` every run with early stopping (in `small-data`) asks your
// function when to stop (see src/train.rs).
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use crate::early::Verdict;

// ANCHOR: early_stopping
/// What to do after an evaluation on the validation set, given every validation loss so
/// far, oldest first (the last is the one just measured):
///
/// - `Verdict::Improved` if the last loss is lower than every earlier one (the first
///   evaluation always is): keep a copy of these weights;
/// - `Verdict::Stop` if the lowest loss so far came `patience` or more evaluations before
///   the last one: it has not improved for that long, so stop and go back to the copy;
/// - `Verdict::Wait` otherwise.
///
/// If several evaluations tie for the lowest, the first of them counts.
///
/// # Panics
/// If `losses` is empty: there is nothing to decide on yet.
#[track_caller]
pub fn early_stopping(losses: &[f64], patience: usize) -> Verdict {
    // TODO: split off the last loss. If it is below every earlier one, Improved.
    // Otherwise find where the lowest earlier loss is (its first position) and count how
    // many evaluations have passed since: Stop if that is at least `patience`, else Wait.
    todo!("early_stopping: improved, wait, or stop")
}
// ANCHOR_END: early_stopping
