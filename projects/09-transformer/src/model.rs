//! The model: a decoder-only transformer over characters, as GPT-2 and nanoGPT build it.
//!
//! ```text
//! x = E[ids] + P[0..T]                       [B, T, C]   token + position embeddings
//! x = block(x), L times                      [B, T, C]   pre-LayerNorm blocks
//!     x ← x + attention(ln1(x))                          positions look back at each other
//!     x ← x + mlp(ln2(x))                                each position thinks alone
//! logits = ln_f(x)·W_out + b_out             [B, T, V]   scores of every next character
//! ```
//!
//! Legend: B sequences, T positions (the context), C the width, H heads of d = C/H
//! features, V characters. One weight layout throughout: `y = x·w + b`, `w: [in, out]`.

use nn::{LayerNorm, Linear, Module};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tensor::Tensor;

use crate::{block_forward, cached_attention, merge_heads, split_heads};

/// The shape of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GptConfig {
    /// Characters in the vocabulary, `V`.
    pub vocab: usize,
    /// The longest context the model reads, `T` (it learns one position vector for each).
    pub context: usize,
    /// Transformer blocks, `L`.
    pub layers: usize,
    /// Attention heads per block, `H`.
    pub heads: usize,
    /// Width of the residual stream, `C` (a multiple of `heads`).
    pub width: usize,
    /// The output layer reuses the token embedding (transposed) instead of its own weights.
    pub tied: bool,
}

/// Dropout in training (probability `p`, masks drawn from `rng`), nothing at evaluation.
pub struct Dropout<'a> {
    p: f32,
    rng: Option<&'a mut ChaCha8Rng>,
}

impl<'a> Dropout<'a> {
    /// No dropout: evaluation, sampling, or training with `p = 0`.
    pub fn off() -> Dropout<'static> {
        Dropout { p: 0.0, rng: None }
    }

    /// Zero each element with probability `p` (and scale the rest by `1/(1-p)`).
    pub fn training(p: f32, rng: &'a mut ChaCha8Rng) -> Dropout<'a> {
        Dropout { p, rng: Some(rng) }
    }

    /// `x` with dropout applied, or `x` itself when off.
    pub fn apply(&mut self, x: &Tensor) -> Tensor {
        match &mut self.rng {
            Some(rng) if self.p > 0.0 => tensor::dropout(x, self.p, true, &mut **rng),
            _ => x.clone(),
        }
    }
}

/// The keys and values one attention layer has computed so far while sampling, each
/// `[B, H, t, d]` for the `t` positions read (none before the first).
#[derive(Default, Clone)]
pub struct KvCache {
    pub keys: Option<Tensor>,
    pub values: Option<Tensor>,
}

impl KvCache {
    /// Positions held.
    pub fn len(&self) -> usize {
        self.keys.as_ref().map_or(0, |k| k.shape()[2])
    }

    /// Whether nothing is held yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// ANCHOR: self_attention
/// Causal multi-head self-attention: `[B, T, C]` -> `[B, T, C]`.
pub struct SelfAttention {
    /// Queries, keys and values of every head in one product: `[C, 3C]`.
    pub qkv: Linear,
    /// Mixes the heads' outputs back into the residual stream: `[C, C]`.
    pub proj: Linear,
    pub heads: usize,
}

impl SelfAttention {
    /// With `cache`, `x` holds only the new positions, and the cache the keys and values of
    /// those before.
    pub fn forward(&self, x: &Tensor, cache: Option<&mut KvCache>) -> Tensor {
        let c = x.shape()[2];
        let qkv = self.qkv.forward(x); // [B, T, 3C]
        let q = split_heads(&qkv.narrow(2, 0, c), self.heads); // [B, H, T, d]
        let k = split_heads(&qkv.narrow(2, c, c), self.heads);
        let v = split_heads(&qkv.narrow(2, 2 * c, c), self.heads);
        let y = match cache {
            None => attention_in_blocks(&q, &k, &v),
            Some(cache) => cached_attention(cache, &q, &k, &v),
        };
        self.proj.forward(&merge_heads(&y)) // [B, H, T, d] -> [B, T, C] -> [B, T, C]
    }
}
// ANCHOR_END: self_attention

/// Queries per block in [`attention_in_blocks`].
pub const QUERY_BLOCK: usize = 64;

// ANCHOR: attention_in_blocks
/// [`crate::attention`] for `q, k, v: [B, H, T, d]`, computed for [`QUERY_BLOCK`] queries
/// at a time, each block recomputed in the backward pass rather than kept.
///
/// The attention weights are `[B, H, T, T]`: recorded for the backward pass in every layer
/// (with the scores they come from), they made training memory grow as `T²`. Cut into
/// blocks of queries, the queries `i..i + n` read only the keys and values `0..i + n` (the
/// later ones are masked anyway), and `tensor::checkpoint` keeps no block's weights: the
/// backward pass computes them again, one block at a time. So at most one block's weights,
/// `[B, H, n, T]`, exist at once, and memory grows as `T`. The price is the attention's
/// forward pass twice; what the block skips above the diagonal pays part of it back.
///
/// A context of at most one block (the default, `T = 64`) has nothing to cut: its weights
/// are one block's, so it keeps them as any op does and skips the recompute (an eighth of
/// a training step in a profile of `examples/gpt_step_probe.rs`).
pub fn attention_in_blocks(q: &Tensor, k: &Tensor, v: &Tensor) -> Tensor {
    let t = q.shape()[2];
    if t <= QUERY_BLOCK {
        return crate::attention(q, k, v);
    }
    let blocks: Vec<Tensor> = (0..t)
        .step_by(QUERY_BLOCK)
        .map(|start| {
            let end = (start + QUERY_BLOCK).min(t);
            let (q, k, v) = (
                q.narrow(2, start, end - start),
                k.narrow(2, 0, end),
                v.narrow(2, 0, end),
            );
            tensor::checkpoint(&[&q, &k, &v], |x| crate::attention(&x[0], &x[1], &x[2]))
        })
        .collect();
    Tensor::concat(&blocks, 2)
}
// ANCHOR_END: attention_in_blocks

// ANCHOR: mlp
/// The position-wise network: `[B, T, C]` -> `[B, T, 4C]` -> GELU -> `[B, T, C]`.
pub struct Mlp {
    pub fc: Linear,
    pub proj: Linear,
}

impl Mlp {
    pub fn forward(&self, x: &Tensor) -> Tensor {
        self.proj.forward(&self.fc.forward(x).gelu())
    }
}
// ANCHOR_END: mlp

/// One transformer block: LayerNorm, attention, LayerNorm, MLP (see [`block_forward`]).
pub struct Block {
    pub ln1: LayerNorm,
    pub attention: SelfAttention,
    pub ln2: LayerNorm,
    pub mlp: Mlp,
}

/// A character GPT.
pub struct Gpt {
    pub config: GptConfig,
    /// `[V, C]`
    pub token_embedding: Tensor,
    /// `[T, C]`: one learned vector per position; attention alone does not know order.
    pub position_embedding: Tensor,
    pub blocks: Vec<Block>,
    pub ln_f: LayerNorm,
    /// `[C, V]` and `[V]`; without its own weight when tied, only the bias.
    pub head: Linear,
}

/// A linear layer initialised as GPT-2's: weights from N(0, std²), biases zero.
fn linear(inputs: usize, outputs: usize, std: f32, rng: &mut impl Rng) -> Linear {
    Linear {
        weight: Tensor::param(nn::init::normal(&[inputs, outputs], 0.0, std, rng)),
        bias: Tensor::param(ndarray::Array1::<f32>::zeros(outputs)),
    }
}

impl Gpt {
    /// A model with GPT-2's initialisation: every weight from N(0, 0.02²), the two
    /// projections that write into the residual stream scaled down by √(2L) (so the stream's
    /// variance does not grow with depth), biases zero, LayerNorms the identity.
    ///
    /// # Panics
    /// If the width is not a multiple of the heads.
    #[track_caller]
    pub fn new(config: GptConfig, rng: &mut impl Rng) -> Gpt {
        let GptConfig {
            vocab,
            context,
            layers,
            heads,
            width: c,
            tied,
        } = config;
        assert!(
            heads > 0 && c % heads == 0,
            "width {c} is not a multiple of {heads} heads"
        );
        let std = 0.02;
        let residual_std = std / (2.0 * layers as f32).sqrt();
        let token_embedding = Tensor::param(nn::init::normal(&[vocab, c], 0.0, std, rng));
        let position_embedding = Tensor::param(nn::init::normal(&[context, c], 0.0, std, rng));
        let blocks = (0..layers)
            .map(|_| Block {
                ln1: LayerNorm::new(c),
                attention: SelfAttention {
                    qkv: linear(c, 3 * c, std, rng),
                    proj: linear(c, c, residual_std, rng),
                    heads,
                },
                ln2: LayerNorm::new(c),
                mlp: Mlp {
                    fc: linear(c, 4 * c, std, rng),
                    proj: linear(4 * c, c, residual_std, rng),
                },
            })
            .collect();
        let head = if tied {
            Linear {
                weight: token_embedding.clone(), // used transposed: see `forward`
                bias: Tensor::param(ndarray::Array1::<f32>::zeros(vocab)),
            }
        } else {
            linear(c, vocab, std, rng)
        };
        Gpt {
            config,
            token_embedding,
            position_embedding,
            blocks,
            ln_f: LayerNorm::new(c),
            head,
        }
    }

    // ANCHOR: forward
    /// Scores every next character: `ids` are `B` rows of `T` characters (row by row,
    /// `ids[b·T + t]`) at positions `start..start + T` -> logits `[B, T, V]`.
    ///
    /// `caches` (one per block) makes this a sampling step: `ids` are then only the new
    /// characters, and the caches hold the keys and values of the `start` before them.
    ///
    /// # Panics
    /// If `ids` is not `B·T` ids below `V`, or `start + T` exceeds the context.
    #[track_caller]
    pub fn forward(
        &self,
        ids: &[u32],
        batch: usize,
        start: usize,
        mut caches: Option<&mut [KvCache]>,
        dropout: &mut Dropout,
    ) -> Tensor {
        let t = ids.len() / batch;
        let c = self.config.width;
        assert!(
            t * batch == ids.len() && start + t <= self.config.context,
            "forward: {} ids in {batch} rows at position {start}, context {}",
            ids.len(),
            self.config.context
        );
        let ids: Vec<usize> = ids.iter().map(|&i| i as usize).collect();
        let tokens = self
            .token_embedding
            .index_select(&ids)
            .reshape(&[batch, t, c]);
        let positions = self.position_embedding.narrow(0, start, t); // [T, C], broadcast
        let mut x = dropout.apply(&tokens.add(&positions));
        for (i, block) in self.blocks.iter().enumerate() {
            let cache = caches.as_deref_mut().map(|caches| &mut caches[i]);
            x = block_forward(block, &x, cache, dropout);
        }
        let x = self.ln_f.forward(&x);
        let w = if self.config.tied {
            self.head.weight.transpose(0, 1) // [V, C] -> [C, V]
        } else {
            self.head.weight.clone()
        };
        x.matmul(&w).add(&self.head.bias)
    }
    // ANCHOR_END: forward

    /// One empty key-value cache per block, for [`Gpt::forward`] while sampling.
    pub fn new_caches(&self) -> Vec<KvCache> {
        vec![KvCache::default(); self.blocks.len()]
    }

    /// The trainable tensors with their names (the checkpoint's keys), each once.
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut named = vec![
            ("token_embedding".to_string(), self.token_embedding.clone()),
            (
                "position_embedding".to_string(),
                self.position_embedding.clone(),
            ),
        ];
        let mut add = |prefix: String, module: &dyn Module| {
            for (name, t) in module.named_parameters() {
                named.push((format!("{prefix}.{name}"), t));
            }
        };
        for (i, b) in self.blocks.iter().enumerate() {
            add(format!("blocks.{i}.ln1"), &b.ln1);
            add(format!("blocks.{i}.attention.qkv"), &b.attention.qkv);
            add(format!("blocks.{i}.attention.proj"), &b.attention.proj);
            add(format!("blocks.{i}.ln2"), &b.ln2);
            add(format!("blocks.{i}.mlp.fc"), &b.mlp.fc);
            add(format!("blocks.{i}.mlp.proj"), &b.mlp.proj);
        }
        add("ln_f".into(), &self.ln_f);
        if self.config.tied {
            named.push(("head.bias".into(), self.head.bias.clone()));
        } else {
            add("head".into(), &self.head);
        }
        named
    }

    /// The trainable tensors, for the optimizer.
    pub fn parameters(&self) -> Vec<Tensor> {
        self.named_parameters()
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    /// How many numbers training adjusts.
    pub fn num_parameters(&self) -> usize {
        self.parameters().iter().map(Tensor::len).sum()
    }
}
