//! The character model: the first layer reads each character by lookup, recurrent layers
//! stacked on top, dropout between them, a linear read-out of the last layer's state.
//!
//! ```text
//! step t, for each layer l:   xw = x_t^l·W_ih^l + b^l          [B, G·H]
//!                             state^l = cell(xw, state^l)      h: [B, H] (an LSTM adds c)
//!                             x_t^{l+1} = dropout(h^l)
//! scores of step t:           y_t = h_t^top·W_out + b_out      [B, V]
//! ```
//!
//! `G` is how many blocks of `H` pre-activations the cell needs: 1 for chapter 7's RNN,
//! 3 for the GRU, 4 for the LSTM. The first layer's input is a character, a one-hot vector,
//! so `x_t·W_ih` is row `x_t` of `W_ih`: a lookup (an embedding, `[V, G·H]`).
//!
//! Training runs the model layer by layer: the first layer reads all `T` steps, then the
//! second reads all of the first's outputs, and so on. The input's share of every step,
//! `x_t·W_ih + b`, depends only on the layer below, so it is computed for the whole window
//! at once: one `[T·B, H]·[H, G·H]` product (a lookup of `T·B` rows for the first layer)
//! instead of `T` thin `[B, H]·[H, G·H]` ones, and cut into steps (`narrow`, whose gradient
//! is added back only where it belongs). Only `h_{t-1}·W_hh`, inside the cell, has to wait
//! for the step before. [`CharModel::step`] runs one step of every layer, the plain way the
//! diagram reads; sampling uses it, and a test checks that both give the same numbers.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tensor::Tensor;

use crate::{gru_step, lstm_step};

/// Which recurrent cell a model is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Chapter 7's: `h' = tanh(xw + h·W_hh)`.
    Rnn,
    /// The gated recurrent unit ([`gru_step`]).
    Gru,
    /// Long short-term memory ([`lstm_step`]).
    Lstm,
}

impl Cell {
    /// Every cell, in the order the chapter introduces them.
    pub const ALL: [Cell; 3] = [Cell::Rnn, Cell::Gru, Cell::Lstm];

    /// `G`: blocks of `H` pre-activations per step.
    pub fn blocks(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Gru => 3,
            Cell::Lstm => 4,
        }
    }

    /// Its name, as the command line and the tables spell it.
    pub fn name(self) -> &'static str {
        match self {
            Cell::Rnn => "rnn",
            Cell::Gru => "gru",
            Cell::Lstm => "lstm",
        }
    }

    /// The cell a name spells, if any.
    pub fn from_name(name: &str) -> Option<Cell> {
        Cell::ALL.into_iter().find(|c| c.name() == name)
    }
}

// ANCHOR: rnn_step
/// Chapter 7's cell, for comparison: `h' = tanh(xw + h·W_hh)`, `[B, H]`.
pub fn rnn_step(xw: &Tensor, h: &Tensor, w_hh: &Tensor) -> Tensor {
    xw.add(&h.matmul(w_hh)).tanh()
}
// ANCHOR_END: rnn_step

/// One layer's state between steps: `h: [B, H]`, and for an LSTM the cell state `c: [B, H]`.
#[derive(Debug, Clone)]
pub struct LayerState {
    pub h: Tensor,
    pub c: Option<Tensor>,
}

/// One recurrent layer's weights.
#[derive(Debug)]
pub struct Layer {
    /// `[I, G·H]`, where `I` is `V` for the first layer (looked up by character) and `H`
    /// above it.
    pub w_ih: Tensor,
    /// `[G·H]`
    pub b_ih: Tensor,
    /// `[H, G·H]`
    pub w_hh: Tensor,
    /// `[G·H]`: only the GRU has a bias of its own on `h·W_hh` (its reset gate multiplies
    /// it); for the others it would only add to `b_ih`.
    pub b_hh: Option<Tensor>,
}

// ANCHOR: layer_step
impl Layer {
    /// One step of this layer: its cell on `xw = x·W_ih + b_ih` (`[B, G·H]`) from `state`.
    pub fn step(&self, cell: Cell, xw: &Tensor, state: &LayerState) -> LayerState {
        match cell {
            Cell::Rnn => LayerState {
                h: rnn_step(xw, &state.h, &self.w_hh),
                c: None,
            },
            Cell::Gru => {
                let b_hh = self.b_hh.as_ref().expect("a GRU layer has b_hh");
                LayerState {
                    h: gru_step(xw, &state.h, &self.w_hh, b_hh),
                    c: None,
                }
            }
            Cell::Lstm => {
                let c = state.c.as_ref().expect("an LSTM state has a cell state");
                let (h, c) = lstm_step(xw, &state.h, c, &self.w_hh);
                LayerState { h, c: Some(c) }
            }
        }
    }
}
// ANCHOR_END: layer_step

/// The shape of a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelConfig {
    pub cell: Cell,
    /// `V`: characters in the vocabulary.
    pub vocab: usize,
    /// `H`: units per layer.
    pub hidden: usize,
    /// Recurrent layers stacked.
    pub layers: usize,
    /// Probability of dropping each unit between two layers, in training.
    pub dropout: f32,
}

/// A character language model with a recurrent cell.
#[derive(Debug)]
pub struct CharModel {
    pub config: ModelConfig,
    pub layers: Vec<Layer>,
    /// `[H, V]`
    pub w_out: Tensor,
    /// `[V]`
    pub b_out: Tensor,
}

/// What [`CharModel::forward`] returns.
pub struct Output {
    /// `[T·B, V]`, time-major: row `t·B + b` scores the character after step `t` of
    /// sequence `b`.
    pub logits: Tensor,
    /// Every layer's state after the last step, to carry into the next window.
    pub last: Vec<LayerState>,
}

impl CharModel {
    /// A model initialised as PyTorch initialises its layers: every weight uniform in
    /// `±1/√H`, biases zero, except the LSTM's forget gate, whose bias starts at 1 so that
    /// the cell keeps its memory until training shows what to forget (Jozefowicz et al.,
    /// 2015, "An Empirical Exploration of Recurrent Network Architectures").
    pub fn new(config: ModelConfig, rng: &mut impl Rng) -> CharModel {
        let (h, g) = (config.hidden, config.cell.blocks());
        let bound = 1.0 / (h as f32).sqrt();
        let mut uniform =
            |shape: &[usize]| Tensor::param(nn::init::uniform(shape, -bound, bound, rng));
        let layers = (0..config.layers)
            .map(|l| {
                let inputs = if l == 0 { config.vocab } else { h };
                let mut b_ih = ndarray::Array1::<f32>::zeros(g * h);
                if config.cell == Cell::Lstm {
                    b_ih.slice_mut(ndarray::s![h..2 * h]).fill(1.0);
                }
                Layer {
                    w_ih: uniform(&[inputs, g * h]),
                    w_hh: uniform(&[h, g * h]),
                    b_ih: Tensor::param(b_ih),
                    b_hh: (config.cell == Cell::Gru)
                        .then(|| Tensor::param(ndarray::Array1::<f32>::zeros(g * h))),
                }
            })
            .collect();
        CharModel {
            layers,
            w_out: uniform(&[h, config.vocab]),
            b_out: Tensor::param(ndarray::Array1::<f32>::zeros(config.vocab)),
            config,
        }
    }

    /// Every layer at zero, for `batch` sequences.
    pub fn zero_state(&self, batch: usize) -> Vec<LayerState> {
        let zeros = || Tensor::zeros(&[batch, self.config.hidden]);
        (0..self.config.layers)
            .map(|_| LayerState {
                h: zeros(),
                c: (self.config.cell == Cell::Lstm).then(zeros),
            })
            .collect()
    }

    // ANCHOR: forward
    /// Reads `inputs` (`[B, T]`, row by row: `inputs[b·T + t]`) from `state` and scores every
    /// next character. `dropout` is the random source of dropout in training; `None`
    /// evaluates (no dropout).
    ///
    /// # Panics
    /// If `inputs` does not hold `B·T` ids below `V`, or `state` does not fit the model.
    #[track_caller]
    pub fn forward(
        &self,
        inputs: &[u32],
        batch: usize,
        state: &[LayerState],
        mut dropout: Option<&mut ChaCha8Rng>,
    ) -> Output {
        let steps = inputs.len() / batch;
        assert_eq!(
            steps * batch,
            inputs.len(),
            "{} ids in {batch} rows",
            inputs.len()
        );
        assert_eq!(state.len(), self.layers.len(), "a state per layer");
        // Time-major ids: row `t·B + b` is step `t` of sequence `b`.
        let ids: Vec<usize> = time_major(inputs, batch);
        let mut last = Vec::with_capacity(self.layers.len());
        let mut below: Option<Tensor> = None; // the layer below's h at every step, [T·B, H]
        for (layer, state) in self.layers.iter().zip(state) {
            // The input's share of every step at once: [T·B, G·H].
            let xw = match below {
                None => layer.w_ih.index_select(&ids), // a lookup
                Some(h) => {
                    let h = match dropout.as_deref_mut() {
                        Some(rng) => tensor::dropout(&h, self.config.dropout, true, rng),
                        None => h,
                    };
                    h.matmul(&layer.w_ih) // one product for the whole window
                }
            }
            .add(&layer.b_ih);
            // The recurrence itself, a step at a time.
            let mut state = state.clone();
            let mut hs = Vec::with_capacity(steps);
            for t in 0..steps {
                let xw_t = xw.narrow(0, t * batch, batch); // [B, G·H]
                state = layer.step(self.config.cell, &xw_t, &state);
                hs.push(state.h.clone());
            }
            below = Some(Tensor::concat(&hs, 0)); // [T·B, H]
            last.push(state);
        }
        let tops = below.expect("at least one layer"); // [T·B, H]
        let logits = tops.matmul(&self.w_out).add(&self.b_out); // [T·B, V]
        Output { logits, last }
    }

    /// One step of every layer, bottom to top, as the diagram at the top of this file reads:
    /// reads character `ids[b]` in sequence `b`, updates `state`, and returns the top layer's
    /// new `h`, `[B, H]`. [`CharModel::forward`] computes the same numbers layer by layer.
    pub fn step(
        &self,
        ids: &[usize],
        state: &mut [LayerState],
        mut dropout: Option<&mut ChaCha8Rng>,
    ) -> Tensor {
        let mut below: Option<Tensor> = None; // what the layer below wrote, [B, H]
        for (layer, state) in self.layers.iter().zip(state.iter_mut()) {
            let xw = match below {
                None => layer.w_ih.index_select(ids), // [B, G·H]: a lookup
                Some(h) => {
                    let h = match dropout.as_deref_mut() {
                        Some(rng) => tensor::dropout(&h, self.config.dropout, true, rng),
                        None => h,
                    };
                    h.matmul(&layer.w_ih)
                }
            }
            .add(&layer.b_ih);
            *state = layer.step(self.config.cell, &xw, state);
            below = Some(state.h.clone());
        }
        below.expect("at least one layer")
    }
    // ANCHOR_END: forward

    /// The trainable tensors with their names (the checkpoint's keys).
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut named = Vec::new();
        for (l, layer) in self.layers.iter().enumerate() {
            named.push((format!("layer{l}.w_ih"), layer.w_ih.clone()));
            named.push((format!("layer{l}.b_ih"), layer.b_ih.clone()));
            named.push((format!("layer{l}.w_hh"), layer.w_hh.clone()));
            if let Some(b) = &layer.b_hh {
                named.push((format!("layer{l}.b_hh"), b.clone()));
            }
        }
        named.push(("w_out".into(), self.w_out.clone()));
        named.push(("b_out".into(), self.b_out.clone()));
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

/// Time-major targets `[T·B]` from row-major `[B, T]` ones, to match [`Output::logits`].
pub fn time_major(targets: &[u32], batch: usize) -> Vec<usize> {
    let steps = targets.len() / batch;
    (0..steps)
        .flat_map(|t| (0..batch).map(move |b| targets[b * steps + t] as usize))
        .collect()
}
