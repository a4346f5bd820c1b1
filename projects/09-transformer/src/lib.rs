//! # 09 · Transformers
//!
//! A recurrent network squeezes everything it has read into one hidden state. A
//! transformer keeps every position: at each layer, each position *asks* the positions
//! before it for what it needs (attention, a soft lookup by content), then thinks about
//! what it got on its own (a small MLP). Nothing waits for the step before, so a whole
//! window trains in a few large matrix products.
//!
//! `attention(Q, K, V) = softmax(Q·Kᵀ/√d + mask)·V`
//!
//! This crate is a character-level GPT as nanoGPT and Karpathy's "Let's build GPT" build it:
//! token and learned position embeddings, pre-LayerNorm blocks of causal multi-head
//! self-attention and a GELU MLP with residual connections, a final LayerNorm and a linear
//! head; dropout; AdamW with warm-up and cosine decay ([`train`]); sampling with a
//! key-value cache ([`sample`]). The attention is written here from `tensor` ops:
//! [`attention`], [`split_heads`] / [`merge_heads`], [`block_forward`] and
//! [`cached_attention`] are the exercises.
//!
//! **What is left out.** Sub-word tokens (characters keep the vocabulary at 65), fused
//! attention kernels (the plain ops are what the chapter explains), mixed precision, and
//! anything that needs a GPU.
//!
//! By default this crate is built with the reference solutions in `solutions/`; the
//! `learner` feature builds it with each file of yours in `exercises/` that you have written,
//! and the reference for the rest.

pub mod checkpoint;
pub mod figures;
pub mod model;
pub mod sample;
pub mod train;

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(yours_attention, path = "../exercises/attention.rs")]
#[cfg_attr(not(yours_attention), path = "../solutions/attention.rs")]
mod attention;
#[cfg_attr(yours_block, path = "../exercises/block.rs")]
#[cfg_attr(not(yours_block), path = "../solutions/block.rs")]
mod block;
#[cfg_attr(yours_heads, path = "../exercises/heads.rs")]
#[cfg_attr(not(yours_heads), path = "../solutions/heads.rs")]
mod heads;
#[cfg_attr(yours_kv_cache, path = "../exercises/kv_cache.rs")]
#[cfg_attr(not(yours_kv_cache), path = "../solutions/kv_cache.rs")]
mod kv_cache;

pub use attention::{attention, causal_mask};
pub use block::block_forward;
pub use heads::{merge_heads, split_heads};
pub use kv_cache::cached_attention;
