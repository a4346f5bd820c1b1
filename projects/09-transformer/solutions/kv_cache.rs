// Exercise 4 of chapter 9: attention with a key-value cache. Its tests:
// `cargo exercises test kv_cache`.

use tensor::Tensor;

use crate::attention;
use crate::model::KvCache;

// ANCHOR: kv_cache
/// Attention for the new positions only, `q, k, v: [B, H, Tnew, d]` -> `[B, H, Tnew, d]`,
/// remembering keys and values: appends `k` and `v` to those `cache` holds (along the time
/// axis, 2), keeps the longer ones in `cache`, and lets the new queries attend to every
/// position so far (causally among themselves).
///
/// While sampling, each new character then costs one position's work, not the whole
/// context's: the keys and values of earlier positions never change, since a position
/// sees only what came before it.
pub fn cached_attention(cache: &mut KvCache, q: &Tensor, k: &Tensor, v: &Tensor) -> Tensor {
    let (k, v) = match (&cache.keys, &cache.values) {
        (Some(old_k), Some(old_v)) => (
            Tensor::concat(&[old_k.clone(), k.clone()], 2),
            Tensor::concat(&[old_v.clone(), v.clone()], 2),
        ),
        _ => (k.clone(), v.clone()),
    };
    let out = attention(q, &k, &v);
    cache.keys = Some(k);
    cache.values = Some(v);
    out
}
// ANCHOR_END: kv_cache
