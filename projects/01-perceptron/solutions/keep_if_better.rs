use crate::{Perceptron, Pocket};

/// The pocket rule: if `current` gets strictly fewer training points wrong (`errors`) than the
/// weights in the pocket, put a copy of it in the pocket. Return whether the pocket changed.
pub fn keep_if_better(pocket: &mut Pocket, current: &Perceptron, errors: usize) -> bool {
    // Strictly fewer: on a tie the older weights stay, so the pocket only ever improves.
    if errors >= pocket.errors {
        return false;
    }
    pocket.best = current.clone();
    pocket.errors = errors;
    true
}
