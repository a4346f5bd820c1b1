//! Part 2: the same RNN cell on the `tensor` crate, batched.
//!
//! Part 1 read one sequence and wrote its backward pass by hand. Here the tensor crate's
//! autograd derives the backward pass, and the model reads `B` sequences side by side, so
//! that every step is a matrix product `[B, H]·[H, H]` rather than a vector times a matrix:
//!
//! ```text
//! X = E[x] + b_h                       [B, T, H]  every step's input, in one lookup
//! h_t = tanh(X_t + h_{t-1}·W_hh)       [B, H]     the recurrence, T steps (tensor::rnn_tanh)
//! Y = [h_1 .. h_T]·W_hy + b_y          [B·T, V]   every step's scores, in one product
//! ```
//!
//! `E: [V, H]` is Part 1's `W_xh` under the name it has when a one-hot input times a
//! matrix is computed as a lookup: an *embedding*. Everything but the recurrence is done
//! for all steps at once; only `h_{t-1}·W_hh` has to wait for the step before.

use rand::Rng;
use tensor::Tensor;

// ANCHOR: model
/// A character RNN: embedding, one tanh recurrent layer, a linear read-out.
#[derive(Debug)]
pub struct CharRnn {
    /// `[V, H]`: row `x` is what reading character `x` adds to the pre-activation.
    pub embedding: Tensor,
    /// `[H, H]`
    pub w_hh: Tensor,
    /// `[H]`
    pub b_h: Tensor,
    /// `[H, V]`
    pub w_hy: Tensor,
    /// `[V]`
    pub b_y: Tensor,
}
// ANCHOR_END: model

/// What [`CharRnn::forward`] returns.
pub struct Output {
    /// `[B·T, V]`: row `b·T + t` scores the character after step `t` of sequence `b`.
    pub logits: Tensor,
    /// `[B, H]`: the hidden state after the last step, to carry into the next window.
    pub last: Tensor,
}

impl CharRnn {
    /// A model over `vocab` characters with `hidden` units, initialised as PyTorch's
    /// `nn.RNN` and `nn.Linear` are: every weight uniform in `±1/√H`, biases zero.
    pub fn new(vocab: usize, hidden: usize, rng: &mut impl Rng) -> CharRnn {
        let bound = 1.0 / (hidden as f32).sqrt();
        let mut uniform =
            |shape: &[usize]| Tensor::param(nn::init::uniform(shape, -bound, bound, rng));
        CharRnn {
            embedding: uniform(&[vocab, hidden]),
            w_hh: uniform(&[hidden, hidden]),
            w_hy: uniform(&[hidden, vocab]),
            b_h: Tensor::param(ndarray::Array1::<f32>::zeros(hidden)),
            b_y: Tensor::param(ndarray::Array1::<f32>::zeros(vocab)),
        }
    }

    /// `V`
    pub fn vocab(&self) -> usize {
        self.embedding.shape()[0]
    }

    /// `H`
    pub fn hidden(&self) -> usize {
        self.w_hh.shape()[0]
    }

    // ANCHOR: forward
    /// Reads `inputs` (`[B, T]`, row by row: `inputs[b·T + t]`) from hidden state `h0`
    /// (`[B, H]`) and scores every next character.
    ///
    /// # Panics
    /// If `inputs` does not hold `B·T` ids below `V`, or `h0` is not `[B, H]`.
    #[track_caller]
    pub fn forward(&self, inputs: &[u32], batch: usize, h0: &Tensor) -> Output {
        let steps = inputs.len() / batch;
        assert_eq!(
            steps * batch,
            inputs.len(),
            "{} inputs in {batch} rows",
            inputs.len()
        );
        let hidden = self.hidden();
        let ids: Vec<usize> = inputs.iter().map(|&x| x as usize).collect();
        // Every step's input term at once: a row of the embedding plus the bias.
        let x = self.embedding.index_select(&ids).add(&self.b_h); // [B·T, H]
        let x = x.reshape(&[batch, steps, hidden]);
        // The recurrence h_t = tanh(x_t + h_{t-1}·W_hh), all T steps in one op.
        let hs = tensor::rnn_tanh(&x, h0, &self.w_hh); // [B, T, H]
        let last = hs.narrow(1, steps - 1, 1).reshape(&[batch, hidden]);
        // The read-out of every step at once: [B·T, H]·[H, V] -> [B·T, V].
        let logits = hs
            .reshape(&[batch * steps, hidden])
            .matmul(&self.w_hy)
            .add(&self.b_y);
        Output { logits, last }
    }
    // ANCHOR_END: forward

    /// A zero hidden state for `batch` sequences.
    pub fn zero_state(&self, batch: usize) -> Tensor {
        Tensor::zeros(&[batch, self.hidden()])
    }

    /// The trainable tensors with their names (the checkpoint's keys).
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        vec![
            ("embedding".into(), self.embedding.clone()),
            ("w_hh".into(), self.w_hh.clone()),
            ("b_h".into(), self.b_h.clone()),
            ("w_hy".into(), self.w_hy.clone()),
            ("b_y".into(), self.b_y.clone()),
        ]
    }

    /// The trainable tensors, for the optimizer.
    pub fn parameters(&self) -> Vec<Tensor> {
        self.named_parameters()
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    /// How many numbers training adjusts: `V·H + H·H + H + H·V + V`.
    pub fn num_parameters(&self) -> usize {
        self.parameters().iter().map(Tensor::len).sum()
    }
}

/// Targets as the class indices `cross_entropy` takes: `[B·T]`, in the order of
/// [`Output::logits`]'s rows.
pub fn classes(targets: &[u32]) -> Vec<usize> {
    targets.iter().map(|&t| t as usize).collect()
}
