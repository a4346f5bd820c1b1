//! Layers without weights, so they can sit in a [`crate::Sequential`]: activations,
//! flattening, pooling and dropout.

use std::cell::RefCell;

use rand_chacha::ChaCha8Rng;
use tensor::Tensor;

use crate::module::Module;

macro_rules! activation {
    ($(#[$doc:meta])* $name:ident, $method:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl Module for $name {
            fn forward(&self, x: &Tensor) -> Tensor {
                x.$method()
            }

            fn named_parameters(&self) -> Vec<(String, Tensor)> {
                Vec::new()
            }
        }
    };
}

activation!(
    /// `max(x, 0)`.
    Relu, relu
);
activation!(
    /// Hyperbolic tangent.
    Tanh, tanh
);
activation!(
    /// The logistic function.
    Sigmoid, sigmoid
);
activation!(
    /// GELU (tanh form).
    Gelu, gelu
);

/// `[N, ...]` -> `[N, product of the rest]`, between convolutions and linear layers.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flatten;

impl Module for Flatten {
    fn forward(&self, x: &Tensor) -> Tensor {
        let shape = x.shape();
        x.reshape(&[shape[0], shape[1..].iter().product()])
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }
}

/// Max pooling over `size × size` windows with stride `size`.
#[derive(Clone, Copy, Debug)]
pub struct MaxPool2d(pub usize);

impl Module for MaxPool2d {
    fn forward(&self, x: &Tensor) -> Tensor {
        tensor::max_pool2d(x, self.0, self.0)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }
}

/// Average pooling over `size × size` windows with stride `size`.
#[derive(Clone, Copy, Debug)]
pub struct AvgPool2d(pub usize);

impl Module for AvgPool2d {
    fn forward(&self, x: &Tensor) -> Tensor {
        tensor::avg_pool2d(x, self.0, self.0)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }
}

/// Dropout with probability `p` in training mode, the identity in evaluation mode. It owns
/// its random stream, so a run with the same seed drops the same units.
pub struct Dropout {
    pub p: f32,
    rng: RefCell<ChaCha8Rng>,
    training: bool,
}

impl Dropout {
    /// Drops with probability `p`, drawing masks from `rng` (give it its own stream).
    pub fn new(p: f32, rng: ChaCha8Rng) -> Dropout {
        Dropout {
            p,
            rng: RefCell::new(rng),
            training: true,
        }
    }
}

impl Module for Dropout {
    fn forward(&self, x: &Tensor) -> Tensor {
        tensor::dropout(x, self.p, self.training, &mut *self.rng.borrow_mut())
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }

    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}
