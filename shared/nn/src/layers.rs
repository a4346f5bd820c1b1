//! Layers with weights: Linear, Conv2d, ConvTranspose2d, Embedding.
//!
//! One weight layout for the workspace: a linear layer computes `y = x·w + b` with
//! `w: [inputs, outputs]`; convolutions use `[out_channels, in_channels, kh, kw]` (and
//! `[in, out, kh, kw]` for the transpose), as PyTorch does.
//!
//! Each layer is made either by `new`, which draws its weights from the default
//! distribution, or by `from_tensors`, from weights the caller made (another initialiser,
//! a pretrained model, tied weights): then nothing is drawn, and the random stream is left
//! for what comes next.

use rand::Rng;
use tensor::Tensor;

use crate::init::{default_uniform, normal};
use crate::module::Module;

/// `y = x·w + b`: `[..., inputs]` -> `[..., outputs]`.
pub struct Linear {
    /// `[inputs, outputs]`.
    pub weight: Tensor,
    /// `[outputs]`.
    pub bias: Tensor,
}

impl Linear {
    /// A layer with weights and biases drawn from `U(±1/√inputs)`.
    pub fn new(inputs: usize, outputs: usize, rng: &mut impl Rng) -> Linear {
        let weight = Tensor::param(default_uniform(&[inputs, outputs], inputs, rng));
        let bias = Tensor::param(default_uniform(&[outputs], inputs, rng));
        Linear::from_tensors(weight, bias)
    }

    /// A layer with the given `weight: [inputs, outputs]` and `bias: [outputs]`, used as they
    /// are (make them with `Tensor::param` for the layer to learn them).
    ///
    /// # Panics
    /// If the weight is not 2-D or the bias is not `[outputs]`; the message shows both shapes.
    #[track_caller]
    pub fn from_tensors(weight: Tensor, bias: Tensor) -> Linear {
        let (w, b) = (weight.shape(), bias.shape());
        assert!(
            w.len() == 2 && b == [w[1]],
            "Linear::from_tensors: weight {w:?} and bias {b:?} do not fit; the weight must be \
             [inputs, outputs] and the bias [outputs]"
        );
        Linear { weight, bias }
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> Tensor {
        &x.matmul(&self.weight) + &self.bias
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        vec![
            ("weight".into(), self.weight.clone()),
            ("bias".into(), self.bias.clone()),
        ]
    }
}

/// 2-D convolution: `[N, in, H, W]` -> `[N, out, OH, OW]` (see [`tensor::conv2d`]).
pub struct Conv2d {
    /// `[out, in, kernel, kernel]`.
    pub weight: Tensor,
    /// `[out]`.
    pub bias: Tensor,
    pub stride: usize,
    pub padding: usize,
}

impl Conv2d {
    /// A square `kernel × kernel` convolution, weights from `U(±1/√(in·kernel²))`.
    pub fn new(
        inputs: usize,
        outputs: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        rng: &mut impl Rng,
    ) -> Conv2d {
        let fan_in = inputs * kernel * kernel;
        let shape = [outputs, inputs, kernel, kernel];
        let weight = Tensor::param(default_uniform(&shape, fan_in, rng));
        let bias = Tensor::param(default_uniform(&[outputs], fan_in, rng));
        Conv2d::from_tensors(weight, bias, stride, padding)
    }

    /// A convolution with the given `weight: [out, in, kh, kw]` and `bias: [out]`, used as
    /// they are (make them with `Tensor::param` for the layer to learn them).
    ///
    /// # Panics
    /// If the weight is not 4-D, the bias is not `[out]`, or `stride` is 0; the message shows
    /// both shapes.
    #[track_caller]
    pub fn from_tensors(weight: Tensor, bias: Tensor, stride: usize, padding: usize) -> Conv2d {
        let (w, b) = (weight.shape(), bias.shape());
        assert!(
            w.len() == 4 && b == [w[0]],
            "Conv2d::from_tensors: weight {w:?} and bias {b:?} do not fit; the weight must be \
             [out, in, kh, kw] and the bias [out]"
        );
        assert!(
            stride >= 1,
            "Conv2d::from_tensors: the stride must be at least 1"
        );
        Conv2d {
            weight,
            bias,
            stride,
            padding,
        }
    }

    /// The convolution followed by `k × k` max-pooling (stride `k`), as one op: the same
    /// values and gradients as `max_pool2d(&conv.forward(x), k, k)`, without writing the
    /// full-size feature maps to memory (see `tensor::conv2d_max_pool2d`).
    pub fn forward_max_pooled(&self, x: &Tensor, k: usize) -> Tensor {
        let (w, b) = (&self.weight, Some(&self.bias));
        tensor::conv2d_max_pool2d(x, w, b, self.stride, self.padding, k)
    }
}

impl Module for Conv2d {
    fn forward(&self, x: &Tensor) -> Tensor {
        tensor::conv2d(x, &self.weight, Some(&self.bias), self.stride, self.padding)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        vec![
            ("weight".into(), self.weight.clone()),
            ("bias".into(), self.bias.clone()),
        ]
    }
}

/// Transposed 2-D convolution, the upsampling layer of a GAN's generator:
/// `[N, in, H, W]` -> `[N, out, (H-1)·stride - 2·padding + kernel, …]`.
pub struct ConvTranspose2d {
    /// `[in, out, kernel, kernel]`.
    pub weight: Tensor,
    /// `[out]`.
    pub bias: Tensor,
    pub stride: usize,
    pub padding: usize,
}

impl ConvTranspose2d {
    /// Weights from `U(±1/√(out·kernel²))`.
    pub fn new(
        inputs: usize,
        outputs: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        rng: &mut impl Rng,
    ) -> ConvTranspose2d {
        let fan_in = outputs * kernel * kernel;
        let shape = [inputs, outputs, kernel, kernel];
        let weight = Tensor::param(default_uniform(&shape, fan_in, rng));
        let bias = Tensor::param(default_uniform(&[outputs], fan_in, rng));
        ConvTranspose2d::from_tensors(weight, bias, stride, padding)
    }

    /// A transposed convolution with the given `weight: [in, out, kh, kw]` and `bias: [out]`,
    /// used as they are (make them with `Tensor::param` for the layer to learn them).
    ///
    /// # Panics
    /// If the weight is not 4-D, the bias is not `[out]`, or `stride` is 0; the message shows
    /// both shapes.
    #[track_caller]
    pub fn from_tensors(
        weight: Tensor,
        bias: Tensor,
        stride: usize,
        padding: usize,
    ) -> ConvTranspose2d {
        let (w, b) = (weight.shape(), bias.shape());
        assert!(
            w.len() == 4 && b == [w[1]],
            "ConvTranspose2d::from_tensors: weight {w:?} and bias {b:?} do not fit; the weight \
             must be [in, out, kh, kw] and the bias [out]"
        );
        assert!(
            stride >= 1,
            "ConvTranspose2d::from_tensors: the stride must be at least 1"
        );
        ConvTranspose2d {
            weight,
            bias,
            stride,
            padding,
        }
    }
}

impl Module for ConvTranspose2d {
    fn forward(&self, x: &Tensor) -> Tensor {
        tensor::conv_transpose2d(x, &self.weight, Some(&self.bias), self.stride, self.padding)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        vec![
            ("weight".into(), self.weight.clone()),
            ("bias".into(), self.bias.clone()),
        ]
    }
}

/// A table of learned vectors, one per token: ids -> `[len, dim]`.
pub struct Embedding {
    /// `[vocab, dim]`.
    pub weight: Tensor,
}

impl Embedding {
    /// Vectors drawn from `N(0, 1)`.
    pub fn new(vocab: usize, dim: usize, rng: &mut impl Rng) -> Embedding {
        Embedding::from_tensor(Tensor::param(normal(&[vocab, dim], 0.0, 1.0, rng)))
    }

    /// A table with the given `weight: [vocab, dim]`, used as it is (make it with
    /// `Tensor::param` for the layer to learn it; share it with an output layer to tie them).
    ///
    /// # Panics
    /// If the weight is not 2-D; the message shows its shape.
    #[track_caller]
    pub fn from_tensor(weight: Tensor) -> Embedding {
        let w = weight.shape();
        assert!(
            w.len() == 2,
            "Embedding::from_tensor: weight {w:?} is not [vocab, dim]"
        );
        Embedding { weight }
    }

    /// The vectors of `ids`: `[ids.len(), dim]`.
    ///
    /// # Panics
    /// If an id is not below `vocab`.
    #[track_caller]
    pub fn lookup(&self, ids: &[usize]) -> Tensor {
        self.weight.index_select(ids)
    }
}

impl Module for Embedding {
    /// Ids given as a tensor of whole numbers (any shape `[...]`) -> `[..., dim]`, so an
    /// embedding can sit first in a [`crate::Sequential`]. Prefer [`Embedding::lookup`].
    fn forward(&self, ids: &Tensor) -> Tensor {
        let as_usize: Vec<usize> = ids.to_vec().iter().map(|&v| v as usize).collect();
        let mut shape = ids.shape();
        shape.push(self.weight.shape()[1]);
        self.lookup(&as_usize).reshape(&shape)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        vec![("weight".into(), self.weight.clone())]
    }
}
