//! The networks the experiments train: chapter 2's linear model, chapter 3's multilayer
//! perceptron (deep or shallow, with or without batch normalisation) and chapter 5's
//! convolutional network, all built from `nn`'s layers, with dropout and the choice of
//! initial weights added.
//!
//! Legend: N = batch, P = pixels per image (H·W), K = classes.

use nn::{BatchNorm, Conv2d, Linear, Module};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tensor::Tensor;

use crate::dropout::dropout;

/// Which network.
#[derive(Clone, Debug, PartialEq)]
pub enum Arch {
    /// Softmax regression: one linear layer from pixels to class scores (chapter 2).
    Linear,
    /// A multilayer perceptron with these hidden widths, ReLU after each (chapter 3).
    Mlp(Vec<usize>),
    /// Chapter 5's network with these numbers of 3×3 filters in its three convolutions
    /// (Keras's model has 32, 64, 64), max-pooling after the first two, and a hidden dense
    /// layer of `dense` units.
    Cnn { filters: [usize; 3], dense: usize },
}

impl Arch {
    /// The essay's Keras CNN: 32, 64 and 64 filters, a dense layer of 64 units.
    pub fn keras_cnn() -> Arch {
        Arch::Cnn {
            filters: [32, 64, 64],
            dense: 64,
        }
    }
}

/// How the weights start. Biases always start at 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// He (Kaiming) normal for layers followed by a ReLU, Glorot (Xavier) uniform for the
    /// output layer and the convolutions (as Keras starts them).
    Standard,
    /// Every weight 0.
    Zeros,
    /// `N(0, std²)` whatever the layer's size.
    Normal(f32),
    /// Glorot and Bengio (2010): `N(0, 2/(fan_in + fan_out))`.
    Xavier,
    /// He et al. (2015): `N(0, 2/fan_in)`, making up for the half of its inputs a ReLU zeros.
    Kaiming,
}

impl Init {
    /// The name in tables and figures.
    pub fn name(self) -> String {
        match self {
            Init::Standard => "standard".into(),
            Init::Zeros => "zeros".into(),
            Init::Normal(std) => format!("N(0, {std}²)"),
            Init::Xavier => "Xavier/Glorot".into(),
            Init::Kaiming => "Kaiming/He".into(),
        }
    }

    /// Weights of shape `shape` for a layer with `fan_in` inputs and `fan_out` outputs per
    /// unit; `relu_after` says whether a ReLU follows (for [`Init::Standard`]).
    fn weights(
        self,
        shape: &[usize],
        (fan_in, fan_out): (usize, usize),
        relu_after: bool,
        rng: &mut impl Rng,
    ) -> ndarray::ArrayD<f32> {
        match self {
            Init::Standard if relu_after && shape.len() == 2 => {
                nn::init::kaiming_normal(shape, fan_in, rng)
            }
            Init::Standard => nn::init::xavier_uniform(shape, fan_in, fan_out, rng),
            Init::Zeros => ndarray::ArrayD::zeros(shape),
            Init::Normal(std) => nn::init::normal(shape, 0.0, std, rng),
            Init::Xavier => nn::init::xavier_normal(shape, fan_in, fan_out, rng),
            Init::Kaiming => nn::init::kaiming_normal(shape, fan_in, rng),
        }
    }
}

/// What to build.
#[derive(Clone, Debug, PartialEq)]
pub struct NetConfig {
    pub arch: Arch,
    pub init: Init,
    /// Batch normalisation between each hidden dense layer and its ReLU.
    pub batchnorm: bool,
    /// The dropout probability after each hidden dense layer's ReLU while training (0: none).
    pub dropout: f32,
}

impl NetConfig {
    /// `arch` with standard initial weights, no batch normalisation, no dropout.
    pub fn new(arch: Arch) -> NetConfig {
        NetConfig {
            arch,
            init: Init::Standard,
            batchnorm: false,
            dropout: 0.0,
        }
    }

    /// How many parameters the network has for `h × w` images and `classes` classes.
    pub fn num_parameters(&self, image: (usize, usize), classes: usize) -> usize {
        let mut rng = <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0); // any weights do
        Net::new(self, image, classes, &mut rng).num_parameters()
    }
}

/// A network: optional convolutions (each with ReLU, some with 2×2 max-pooling), then dense
/// layers with ReLU between them (and optional batch normalisation before each ReLU).
pub struct Net {
    convs: Vec<(Conv2d, bool)>,
    dense: Vec<Linear>,
    norms: Vec<BatchNorm>,
    dropout: f32,
    /// Image height and width: the convolutions need the rows as pictures.
    image: (usize, usize),
}

impl Net {
    /// A freshly initialised network for `h × w` images and `classes` classes.
    ///
    /// # Panics
    /// If the images are too small for the convolutions (under 18×18).
    #[track_caller]
    pub fn new(
        config: &NetConfig,
        (h, w): (usize, usize),
        classes: usize,
        rng: &mut impl Rng,
    ) -> Net {
        let (mut convs, mut width) = (Vec::new(), h * w);
        let hidden = match &config.arch {
            Arch::Linear => Vec::new(),
            Arch::Mlp(hidden) => hidden.clone(),
            Arch::Cnn { filters, dense } => {
                assert!(
                    h >= 18 && w >= 18,
                    "{h}x{w} images are too small for the CNN"
                );
                let (mut c, mut side) = (1, (h, w));
                for (i, &f) in filters.iter().enumerate() {
                    let conv = Conv2d::new(c, f, 3, 1, 0, rng);
                    let fans = (c * 9, f * 9);
                    conv.weight
                        .set_value(config.init.weights(&[f, c, 3, 3], fans, true, rng));
                    conv.bias.set_value(ndarray::ArrayD::zeros(vec![f]));
                    let pool = i < 2;
                    side = (side.0 - 2, side.1 - 2); // a 3×3 kernel without padding
                    if pool {
                        side = (side.0 / 2, side.1 / 2);
                    }
                    convs.push((conv, pool));
                    c = f;
                }
                width = c * side.0 * side.1;
                vec![*dense]
            }
        };
        let (mut dense, mut norms) = (Vec::new(), Vec::new());
        for (i, units) in hidden.iter().copied().chain([classes]).enumerate() {
            let layer = Linear::new(width, units, rng);
            let relu_after = i < hidden.len();
            let w = config
                .init
                .weights(&[width, units], (width, units), relu_after, rng);
            layer.weight.set_value(w);
            layer.bias.set_value(ndarray::ArrayD::zeros(vec![units]));
            dense.push(layer);
            if relu_after && config.batchnorm {
                norms.push(BatchNorm::new(units));
            }
            width = units;
        }
        Net {
            convs,
            dense,
            norms,
            dropout: config.dropout,
            image: (h, w),
        }
    }

    // ANCHOR: forward
    /// Class scores `[N, K]` for a batch of images `x: [N, P]`. While training, give the
    /// random stream for dropout; for evaluation, `None` (no dropout, and batch
    /// normalisation uses its running statistics: call [`Net::set_training`] first).
    pub fn forward(&self, x: &Tensor, dropout_rng: Option<&mut ChaCha8Rng>) -> Tensor {
        self.forward_recording(x, dropout_rng, &mut Vec::new())
    }

    /// [`Net::forward`], also pushing onto `inputs_to_relu` what each hidden dense layer
    /// hands its ReLU, `[N, units]` (the figures of the `init` experiment).
    pub fn forward_recording(
        &self,
        x: &Tensor,
        mut dropout_rng: Option<&mut ChaCha8Rng>,
        inputs_to_relu: &mut Vec<Tensor>,
    ) -> Tensor {
        let n = x.shape()[0];
        let mut h = x.clone();
        if !self.convs.is_empty() {
            h = h.reshape(&[n, 1, self.image.0, self.image.1]); // [N, P] -> [N, 1, H, W]
            for (conv, pool) in &self.convs {
                // Pooling before the ReLU gives the same numbers as after it, on a quarter of
                // the values (chapter 5).
                h = if *pool {
                    conv.forward_max_pooled(&h, 2)
                } else {
                    conv.forward(&h)
                }
                .relu();
            }
            let features: usize = h.shape()[1..].iter().product();
            h = h.reshape(&[n, features]); // flatten: [N, C·H'·W']
        }
        let last = self.dense.len() - 1;
        for (i, layer) in self.dense.iter().enumerate() {
            h = layer.forward(&h);
            if i == last {
                break;
            }
            if let Some(norm) = self.norms.get(i) {
                h = norm.forward(&h);
            }
            inputs_to_relu.push(h.clone());
            h = h.relu();
            if let (Some(rng), true) = (dropout_rng.as_deref_mut(), self.dropout > 0.0) {
                h = dropout(&h, self.dropout, rng);
            }
        }
        h // [N, K]
    }
    // ANCHOR_END: forward

    /// Batch normalisation's mode: batch statistics while training, running ones after.
    pub fn set_training(&mut self, training: bool) {
        for norm in &mut self.norms {
            norm.set_training(training);
        }
    }

    /// The trainable tensors, for the optimiser.
    pub fn parameters(&self) -> Vec<Tensor> {
        let convs = self.convs.iter().flat_map(|(c, _)| c.parameters());
        let dense = self.dense.iter().flat_map(Module::parameters);
        let norms = self.norms.iter().flat_map(Module::parameters);
        convs.chain(dense).chain(norms).collect()
    }

    /// The trainable tensors by name (`conv1.weight`, `dense2.bias`, `norm1.gamma`), for the
    /// messages that name one.
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let name = |kind: &str, i: usize, named: Vec<(String, Tensor)>| {
            let with = move |(n, t)| (format!("{kind}{}.{n}", i + 1), t);
            named.into_iter().map(with).collect::<Vec<_>>()
        };
        let convs = self.convs.iter().enumerate();
        let convs = convs.flat_map(|(i, (c, _))| name("conv", i, c.named_parameters()));
        let dense = self.dense.iter().enumerate();
        let dense = dense.flat_map(|(i, d)| name("dense", i, d.named_parameters()));
        let norms = self.norms.iter().enumerate();
        let norms = norms.flat_map(|(i, n)| name("norm", i, n.named_parameters()));
        convs.chain(dense).chain(norms).collect()
    }

    /// Everything that makes the network what it is: the parameters and batch
    /// normalisation's running statistics (what early stopping saves).
    pub fn state(&self) -> Vec<Tensor> {
        let buffers = self
            .norms
            .iter()
            .flat_map(|n| n.named_buffers())
            .map(|(_, t)| t);
        self.parameters().into_iter().chain(buffers).collect()
    }

    /// The weight matrix of each dense layer, first to last, `[inputs, outputs]`.
    pub fn dense_weights(&self) -> Vec<Tensor> {
        self.dense.iter().map(|l| l.weight.clone()).collect()
    }

    /// How many numbers training adjusts.
    pub fn num_parameters(&self) -> usize {
        self.parameters().iter().map(Tensor::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(0)
    }

    #[test]
    fn parameter_counts_are_the_chapters_models() {
        let count =
            |arch: Arch| Net::new(&NetConfig::new(arch), (28, 28), 10, &mut rng()).num_parameters();
        assert_eq!(count(Arch::Linear), 7850);
        assert_eq!(count(Arch::Mlp(vec![512])), 784 * 512 + 512 + 512 * 10 + 10);
        assert_eq!(count(Arch::keras_cnn()), 93322, "chapter 5's Keras model");
    }

    #[test]
    fn initialisers_have_their_spread() {
        let std_of = |init: Init| {
            let config = NetConfig {
                init,
                ..NetConfig::new(Arch::Mlp(vec![400, 400]))
            };
            let net = Net::new(&config, (28, 28), 10, &mut rng());
            let w = net.dense_weights()[1].to_array(); // [400, 400]
            (w.mapv(|v| v * v).mean().unwrap()).sqrt()
        };
        assert_eq!(std_of(Init::Zeros), 0.0);
        for (init, want) in [
            (Init::Normal(0.01), 0.01),
            (Init::Normal(1.0), 1.0),
            (Init::Xavier, (2.0f32 / 800.0).sqrt()),
            (Init::Kaiming, (2.0f32 / 400.0).sqrt()),
            (Init::Standard, (2.0f32 / 400.0).sqrt()),
        ] {
            let got = std_of(init);
            assert!(
                (got / want - 1.0).abs() < 0.02,
                "{}: {got} vs {want}",
                init.name()
            );
        }
    }

    #[test]
    fn dropout_acts_only_while_training_and_batchnorm_switches_modes() {
        let config = NetConfig {
            dropout: 0.5,
            batchnorm: true,
            ..NetConfig::new(Arch::Mlp(vec![32]))
        };
        let mut net = Net::new(&config, (28, 28), 10, &mut rng());
        let x = Tensor::new(ndarray::Array2::from_shape_fn((8, 784), |(i, j)| {
            ((i + j) % 7) as f32 / 7.0
        }));
        let mut noise = rng();
        let a = net.forward(&x, Some(&mut noise)).to_array();
        let b = net.forward(&x, Some(&mut noise)).to_array();
        assert_ne!(a, b, "two training passes draw two dropout masks");
        net.set_training(false);
        let c = net.forward(&x, None).to_array();
        assert_eq!(
            c,
            net.forward(&x, None).to_array(),
            "evaluation is deterministic"
        );
    }
}
