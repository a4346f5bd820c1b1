//! The ops, one idea per file, as the reference engine runs them: plain code on one thread.
//! Elementwise, shape, reduction, matmul, softmax and embedding ops are methods on
//! [`crate::Tensor`]; the rest are functions re-exported at the crate root.
//!
//! The ops that need speed (convolutions, pooling, matrix products, elementwise loops over
//! large arrays) hand over to their version in the fast engine, `src/fast/`, when that
//! engine is on (the default: see [`crate::Engine`]). The others are the same on both.

pub mod checkpoint;
pub mod conv;
pub mod conv_pool;
pub mod dropout;
pub mod elementwise;
pub mod embedding;
pub mod loss;
pub mod matmul;
pub mod norm;
pub mod pool;
pub mod reduce;
pub mod rnn;
pub mod shape;
pub mod softmax;
