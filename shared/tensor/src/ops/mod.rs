//! The ops, one idea per file. Elementwise, shape, reduction, matmul, softmax and embedding
//! ops are methods on [`crate::Tensor`]; the rest are functions re-exported at the crate root.

pub mod dropout;
pub mod elementwise;
pub mod embedding;
pub mod loss;
pub mod matmul;
pub mod norm;
pub mod reduce;
pub mod shape;
pub mod softmax;
