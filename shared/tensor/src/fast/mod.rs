//! The fast engine: the versions of the ops that need speed, with the same signatures as the
//! reference versions in `ops/`, and the machinery they share (the GEMM, threads, scratch
//! buffers). `FAST.md` explains how they work and `README.md` what they measure.

pub mod conv;
pub mod conv_pool;
pub mod elementwise;
pub mod gemm;
pub(crate) mod loss;
pub mod math;
pub mod matmul;
pub mod parallel;
pub(crate) mod partner;
pub mod pool;
pub mod rnn;
pub(crate) mod scratch;
pub(crate) mod softmax;
