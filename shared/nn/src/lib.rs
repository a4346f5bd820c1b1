//! # nn: layers, optimizers and checkpoints on the `tensor` crate
//!
//! - [`Module`]: anything with a `forward`, named parameters and a train/eval switch;
//!   [`Sequential`] chains modules.
//! - Layers with weights: [`Linear`] (`y = x·w + b`, `w: [inputs, outputs]`), [`Conv2d`],
//!   [`ConvTranspose2d`], [`Embedding`], [`LayerNorm`], [`BatchNorm`]; without:
//!   [`Relu`], [`Tanh`], [`Sigmoid`], [`Gelu`], [`Flatten`], [`MaxPool2d`], [`AvgPool2d`],
//!   [`Dropout`].
//! - [`init`]: uniform, normal, Xavier and Kaiming initialisers, all drawing from a seeded RNG.
//! - Optimizers ([`Sgd`] with momentum, Nesterov and weight decay, [`RmsProp`], [`Adam`] and
//!   AdamW), [`clip_grad_norm`], and learning-rate schedules in [`schedule`].
//! - [`checkpoint`]: save and load parameters and optimizer state as safetensors.
//! - [`check_gradients`]: stop a run whose gradients hold a NaN or an infinity, naming the
//!   parameter and the step.
//!
//! A training step:
//! ```
//! use nn::{Linear, Module, Optimizer, Sgd};
//! use rand::SeedableRng;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let model = Linear::new(3, 2, &mut rng);
//! let mut opt = Sgd::new(model.parameters(), 0.1);
//! let x = tensor::Tensor::new(ndarray::array![[1.0f32, 2.0, 3.0]]);
//! let loss = tensor::cross_entropy(&model.forward(&x), &[1]);
//! opt.zero_grad();
//! loss.backward();
//! opt.step();
//! ```

mod activation;
pub mod checkpoint;
mod guard;
pub mod init;
mod layers;
mod module;
mod norm;
mod optim;
pub mod schedule;

pub use activation::{AvgPool2d, Dropout, Flatten, Gelu, MaxPool2d, Relu, Sigmoid, Tanh};
pub use checkpoint::CheckpointError;
pub use guard::{check_gradients, check_named_gradients, NonFiniteGradient};
pub use layers::{Conv2d, ConvTranspose2d, Embedding, Linear};
pub use module::{Module, Sequential};
pub use norm::{BatchNorm, LayerNorm};
pub use optim::{clip_grad_norm, Adam, Optimizer, RmsProp, Sgd};
