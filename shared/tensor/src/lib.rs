#![doc = include_str!("../DESIGN.md")]

mod broadcast;
mod engine;
mod fast;
pub mod gradcheck;
mod graph;
pub mod ops;
mod tensor;

pub use broadcast::{broadcast_shapes, reduce_to_shape};
pub use engine::{engine, set_engine, with_engine, Engine, ENGINE_VARIABLE};
pub use fast::gemm;
pub use graph::{grad_enabled, no_grad};
pub use ops::checkpoint::checkpoint;
pub use ops::conv::{conv2d, conv_transpose2d};
pub use ops::conv_pool::conv2d_max_pool2d;
pub use ops::dropout::dropout;
pub use ops::loss::{bce_with_logits, cross_entropy, mse_loss};
pub use ops::norm::{batch_norm, layer_norm};
pub use ops::pool::{avg_pool2d, max_pool2d};
pub use ops::rnn::rnn_tanh;
pub use tensor::{live_tensors, Data, Tensor};
