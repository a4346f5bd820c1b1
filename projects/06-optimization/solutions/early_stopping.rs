use crate::early::Verdict;

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
    let (last, earlier) = losses
        .split_last()
        .expect("early_stopping: no validation loss yet");
    let best_before = earlier.iter().copied().fold(f64::INFINITY, f64::min);
    if *last < best_before {
        return Verdict::Improved;
    }
    // The first evaluation holding the lowest loss, and how many evaluations ago that was
    // (the first of all if none was a number: nothing has improved since the start).
    let best = earlier
        .iter()
        .position(|&loss| loss == best_before)
        .unwrap_or(0);
    let since_best = losses.len() - 1 - best;
    if since_best >= patience {
        Verdict::Stop
    } else {
        Verdict::Wait
    }
}
