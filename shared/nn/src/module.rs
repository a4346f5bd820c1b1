//! The `Module` trait every layer implements, and `Sequential`, which chains modules.

use tensor::Tensor;

/// A piece of a network: a function of its input and of its own parameters.
pub trait Module {
    /// Computes the output for input `x`.
    fn forward(&self, x: &Tensor) -> Tensor;

    /// The trainable tensors, each with a name that is stable across runs (`"weight"`,
    /// `"0.bias"`): checkpoints are keyed by these names.
    fn named_parameters(&self) -> Vec<(String, Tensor)>;

    /// Non-trainable state that a checkpoint must keep (BatchNorm's running statistics).
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }

    /// Switches between training behaviour (dropout drops, batch norm uses batch
    /// statistics) and evaluation behaviour. Modules without such a difference ignore it.
    fn set_training(&mut self, _training: bool) {}

    /// The trainable tensors, for an optimizer.
    fn parameters(&self) -> Vec<Tensor> {
        self.named_parameters()
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    /// How many numbers training adjusts.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(Tensor::len).sum()
    }

    /// Training mode (see [`Module::set_training`]).
    fn train(&mut self) {
        self.set_training(true);
    }

    /// Evaluation mode (see [`Module::set_training`]).
    fn eval(&mut self) {
        self.set_training(false);
    }
}

/// Names `inner`'s tensors `"{prefix}.{name}"`.
pub(crate) fn prefixed(prefix: &str, inner: Vec<(String, Tensor)>) -> Vec<(String, Tensor)> {
    inner
        .into_iter()
        .map(|(name, t)| (format!("{prefix}.{name}"), t))
        .collect()
}

/// Modules applied one after another; the parameters of module `i` are named `"{i}.…"`.
#[derive(Default)]
pub struct Sequential {
    layers: Vec<Box<dyn Module>>,
}

impl Sequential {
    /// An empty chain (it returns its input).
    pub fn new() -> Sequential {
        Sequential::default()
    }

    /// Appends a module: `Sequential::new().add(linear).add(Relu)`.
    #[allow(clippy::should_implement_trait)] // a builder step, not `+`
    pub fn add(mut self, layer: impl Module + 'static) -> Sequential {
        self.layers.push(Box::new(layer));
        self
    }

    /// The number of modules.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// True when there are no modules.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

impl Module for Sequential {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.layers
            .iter()
            .fold(x.clone(), |h, layer| layer.forward(&h))
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let named = self.layers.iter().enumerate();
        named
            .flat_map(|(i, l)| prefixed(&i.to_string(), l.named_parameters()))
            .collect()
    }

    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let named = self.layers.iter().enumerate();
        named
            .flat_map(|(i, l)| prefixed(&i.to_string(), l.named_buffers()))
            .collect()
    }

    fn set_training(&mut self, training: bool) {
        for layer in &mut self.layers {
            layer.set_training(training);
        }
    }
}
