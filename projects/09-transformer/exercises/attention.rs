// Exercise 1 of chapter 9: scaled dot-product attention with the causal mask. Its tests:
// `cargo exercises test attention`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

use tensor::Tensor;

// ANCHOR: causal_mask
/// The causal mask for `queries` queries that are the last of `keys` positions: `[Tq, Tk]`,
/// 0 where query `i` may look (key `j` at or before the query's own position,
/// `j <= i + Tk - Tq`) and -∞ where it may not (the future). Added to the scores before the
/// softmax, -∞ becomes a weight of exactly 0.
///
/// In training `Tq = Tk` (a lower triangle of zeros); with a key-value cache a few new
/// queries look at every earlier position and at each other causally.
///
/// # Panics
/// If `queries > keys`.
#[track_caller]
pub fn causal_mask(queries: usize, keys: usize) -> Tensor {
    // TODO: a [queries, keys] array (ndarray::Array2::from_shape_fn) of 0.0 where
    // j <= i + (keys - queries) and f32::NEG_INFINITY elsewhere, as a Tensor::new.
    todo!("causal_mask: 0 on and below the (shifted) diagonal, -inf above it")
}
// ANCHOR_END: causal_mask

// ANCHOR: attention
/// Causal scaled dot-product attention, every head of every sequence at once:
/// `softmax(q·kᵀ/√d + mask)·v`, for `q: [B, H, Tq, d]`, `k, v: [B, H, Tk, d]` (`Tq <= Tk`,
/// the queries being the last `Tq` positions) -> `[B, H, Tq, d]`.
///
/// Row `i` of the softmax holds how much query `i` takes from each position: positive
/// weights that sum to 1, zero on every position after its own.
pub fn attention(q: &Tensor, k: &Tensor, v: &Tensor) -> Tensor {
    // TODO: scores [B, H, Tq, Tk] = q times k with its last two axes swapped, divided by
    // √d; add causal_mask(Tq, Tk) (it broadcasts over B and H); softmax along the last
    // axis; multiply by v.
    todo!("attention: softmax(q·kᵀ/√d + mask)·v")
}
// ANCHOR_END: attention
