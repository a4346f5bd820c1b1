//! A convolution followed by max-pooling, as one function: 05-cnn pools after every
//! convolution but its last. The fast engine has a fused version of its own
//! (`fast/conv_pool.rs`), which never writes the full-size feature maps to memory.

use crate::engine::{engine, Engine};
use crate::fast;
use crate::ops::conv::conv2d;
use crate::ops::pool::max_pool2d;
use crate::tensor::Tensor;

// ANCHOR: conv2d_max_pool2d
/// `max_pool2d(conv2d(x, weight, bias, stride, padding), k, k)`: `x: [N, C, H, W]` ->
/// `[N, O, OH/k, OW/k]` (rounded down), where `OH × OW` is the convolution's output size.
///
/// # Panics
/// If the shapes do not fit (the message names them), or a `k × k` window does not fit the
/// convolution's output.
#[track_caller]
pub fn conv2d_max_pool2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    padding: usize,
    k: usize,
) -> Tensor {
    if engine() == Engine::Fast {
        return fast::conv_pool::conv2d_max_pool2d(x, weight, bias, stride, padding, k);
    }
    max_pool2d(&conv2d(x, weight, bias, stride, padding), k, k)
}
// ANCHOR_END: conv2d_max_pool2d
