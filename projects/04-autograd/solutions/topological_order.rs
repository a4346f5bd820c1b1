use crate::Value;
use std::collections::HashSet;

/// Every value that `root` was computed from, and `root` itself, each listed once and after
/// all of its inputs (so `root` comes last). No recursion: a depth-first search with an
/// explicit stack, so a chain a million values long needs no deep call stack.
pub fn topological_order(root: &Value) -> Vec<Value> {
    let mut order = Vec::new();
    let mut visited = HashSet::new();
    // (value, inputs_listed): a value is pushed once to list its inputs first, and once more,
    // beneath them, to be listed itself when they are done.
    let mut stack = vec![(root.clone(), false)];
    while let Some((value, inputs_listed)) = stack.pop() {
        if inputs_listed {
            order.push(value);
            continue;
        }
        if !visited.insert(value.id()) {
            continue; // reached before by another path: already listed, or about to be
        }
        stack.push((value.clone(), true));
        // Reversed, so that the first input comes off the stack first: `a` before `b` in a·b.
        for input in value.inputs().into_iter().rev() {
            if !visited.contains(&input.id()) {
                stack.push((input, false));
            }
        }
    }
    order
}
