// Exercise 1 of chapter 9: scaled dot-product attention with the causal mask. Its tests:
// `cargo exercises test attention`.

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
    assert!(
        queries <= keys,
        "causal_mask: {queries} queries but only {keys} keys"
    );
    let offset = keys - queries;
    let mask = ndarray::Array2::from_shape_fn((queries, keys), |(i, j)| {
        if j <= i + offset {
            0.0
        } else {
            f32::NEG_INFINITY
        }
    });
    Tensor::new(mask)
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
    let (queries, d) = (q.shape()[2], q.shape()[3]);
    let keys = k.shape()[2];
    // How well each query matches each key: [B, H, Tq, d]·[B, H, d, Tk] -> [B, H, Tq, Tk].
    // Divided by √d so that the scores keep a variance near 1 whatever the head size: a
    // softmax of large scores is nearly one-hot, and its gradient nearly zero.
    let scores = q.matmul(&k.transpose(2, 3)).scale(1.0 / (d as f32).sqrt());
    let weights = scores.add(&causal_mask(queries, keys)).softmax(3);
    weights.matmul(v) // [B, H, Tq, Tk]·[B, H, Tk, d] -> [B, H, Tq, d]
}
// ANCHOR_END: attention
