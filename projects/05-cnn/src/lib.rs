//! # 05 · Convolutional networks
//!
//! The essay that inspired this course trains a small Keras CNN on MNIST for 5 epochs and
//! reaches 98.12% test accuracy. This crate builds that exact model on the workspace's own
//! tensor library, trains it the same way (Adam, learning rate 1e-3, batches of 32, pixels
//! scaled to `[0, 1]`), and does better, faster than TensorFlow on the same two cores.
//!
//! **The idea.** A dense layer gives every pixel its own weight for every unit: it must
//! learn a "7" at every position separately. A convolution slides one small set of weights
//! (a 3×3 filter) over the whole image, so a stroke detector learned in one corner works in
//! every corner, with 9 weights instead of 784:
//!
//! `y[o, i, j] = b[o] + Σ_c Σ_u Σ_v x[c, i + u, j + v] · w[o, c, u, v]`
//!
//! Max-pooling then keeps the strongest response in each 2×2 window, halving the map and
//! making the answer indifferent to a one-pixel shift. Stacked, the layers see ever larger
//! parts of the digit: edges, then strokes, then loops and corners.
//!
//! **How it is computed.** [`conv2d_naive`] is the sum above, seven nested loops. The
//! `tensor` crate computes the same thing as [`im2col`] followed by one matrix multiply
//! (GEMM), which is where a CPU does its fastest arithmetic; [`max_pool_backward`] routes
//! each window's gradient to its largest input. These three are the chapter's exercises.
//!
//! **What is left out.** Strides other than 1 and dilation (the tensor crate has strides;
//! this model needs none), batch normalisation and dropout (chapter 6), and GPU kernels.
//!
//! By default this crate is built with the reference solutions in `solutions/`; the
//! `learner` feature builds it with each file of yours in `exercises/` that you have written,
//! and the reference for the rest.

pub mod augment;
pub mod digit;
pub mod figures;
pub mod model;
pub mod train;

pub use model::{Arch, Cnn, LayerSummary};
pub use train::{evaluate, train, Evaluation, TrainConfig, Training};

// The heart of the technique. With the `learner` feature, each exercise you have written is
// compiled from your file in exercises/; the others, and all of them without the feature, from
// the reference solutions in solutions/. build.rs decides (shared/exercise-switch) and lists
// yours in YOUR_FUNCTIONS.
include!(concat!(env!("OUT_DIR"), "/your_functions.rs"));

#[cfg_attr(yours_conv2d_naive, path = "../exercises/conv2d_naive.rs")]
#[cfg_attr(not(yours_conv2d_naive), path = "../solutions/conv2d_naive.rs")]
mod conv2d_naive;
#[cfg_attr(yours_im2col, path = "../exercises/im2col.rs")]
#[cfg_attr(not(yours_im2col), path = "../solutions/im2col.rs")]
mod im2col;
#[cfg_attr(yours_max_pool_backward, path = "../exercises/max_pool_backward.rs")]
#[cfg_attr(
    not(yours_max_pool_backward),
    path = "../solutions/max_pool_backward.rs"
)]
mod max_pool_backward;

pub use conv2d_naive::conv2d_naive;
pub use im2col::im2col;
pub use max_pool_backward::max_pool_backward;
