//! Activation checkpointing: trade computation for memory by recomputing a piece of the
//! forward pass in the backward pass instead of keeping what it made.

use crate::graph::{grad_enabled, no_grad};
use crate::tensor::{Data, Tensor};

// ANCHOR: checkpoint
/// `f(inputs)`, recorded as one op that keeps only its inputs and its output.
///
/// A chain of ops recorded for the backward pass keeps every intermediate result alive
/// until the backward pass reaches it: for attention's `[B, H, T, T]` scores, their scaled,
/// masked and softmaxed versions, that is four arrays that grow as `T²` in every layer.
/// Here `f` runs without recording anything (as under [`no_grad`]); its intermediate
/// results are freed as soon as it returns. The backward pass runs `f` again on the same
/// input values, recording this time, backpropagates the output's gradient through that
/// fresh graph, and hands the inputs' gradients on. Only one checkpointed piece's
/// intermediates exist at a time, during its own backward step. The gradients are exactly
/// those of `f(inputs)` recorded directly (the same ops on the same numbers); the price is
/// running `f`'s forward pass twice.
///
/// `f` must compute from `inputs` only, plus constants and parameters (leaves, whose
/// gradients the recomputation adds to their `grad()` as usual), and deterministically: a
/// random draw inside it (dropout) would draw differently the second time.
pub fn checkpoint(inputs: &[&Tensor], f: impl Fn(&[Tensor]) -> Tensor + 'static) -> Tensor {
    if !grad_enabled() || !inputs.iter().any(|t| t.requires_grad()) {
        let inputs: Vec<Tensor> = inputs.iter().map(|&t| t.clone()).collect();
        return f(&inputs); // nothing will be recorded: no reason to recompute anything
    }
    let values: Vec<Data> = inputs.iter().map(|t| t.value()).collect();
    let output = no_grad(|| f(&constants(&values, &[])));
    Tensor::from_op_shared("checkpoint", output.value(), inputs, move |g, need| {
        // The inputs again, as fresh leaves: those that need a gradient collect it.
        let fresh = constants(&values, need);
        let y = f(&fresh);
        if y.requires_grad() {
            y.backward_with(g);
        }
        fresh.iter().map(Tensor::grad).collect()
    })
}
// ANCHOR_END: checkpoint

/// A leaf per value, trainable where `trainable[i]` (missing entries: constant).
fn constants(values: &[Data], trainable: &[bool]) -> Vec<Tensor> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Tensor::leaf(v.clone(), trainable.get(i).copied().unwrap_or(false)))
        .collect()
}
