// Exercise 4 of chapter 9: attention with a key-value cache. Its tests:
// `cargo exercises test kv_cache`.
// Arguments and imports stay unused until you write the body: this keeps the compiler quiet.
#![allow(unused_variables, unused_imports)]

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
    // TODO: join cache.keys (if any) and k along axis 2 with Tensor::concat, the same for
    // the values; store both back in the cache; attend with the new queries.
    todo!("cached_attention: extend the cache, then attention(q, all keys, all values)")
}
// ANCHOR_END: kv_cache
