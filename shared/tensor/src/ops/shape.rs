//! Ops that move elements around without arithmetic: reshape, permute, narrow, concat, stack.
//! Where possible the result is a *view* sharing the input's storage, and backward moves
//! the gradient back the inverse way.

use ndarray::{ArrayD, Axis, IxDyn, Slice};

use crate::engine::{engine, Engine};
use crate::fast;
use crate::tensor::{Grad, Tensor};

/// A copy in row-major order if the array is not already laid out that way (on the fast
/// engine, a run at a time where the last axis is contiguous: `fast/elementwise.rs`).
fn standard(x: ArrayD<f32>) -> ArrayD<f32> {
    if x.is_standard_layout() {
        x
    } else {
        standard_copy(x.view())
    }
}

/// A row-major copy of `x`.
fn standard_copy(x: ndarray::ArrayViewD<f32>) -> ArrayD<f32> {
    if engine() == Engine::Fast {
        let values = fast::elementwise::standard_vec(&x);
        ArrayD::from_shape_vec(x.shape(), values).expect("same length")
    } else {
        x.as_standard_layout().into_owned()
    }
}

impl Tensor {
    /// The same elements in a new shape (row-major order). Free for a contiguous tensor,
    /// one copy otherwise (after `permute`, say).
    ///
    /// # Panics
    /// If the element counts differ; the message names both shapes.
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> Tensor {
        let x = self.value();
        let from = x.shape().to_vec();
        assert!(
            from.iter().product::<usize>() == shape.iter().product::<usize>(),
            "reshape: cannot view shape {from:?} ({} elements) as {shape:?} ({} elements)",
            from.iter().product::<usize>(),
            shape.iter().product::<usize>()
        );
        let x = if x.is_standard_layout() {
            x
        } else {
            standard_copy(x.view()).into_shared()
        };
        let y = x
            .into_shape_with_order(IxDyn(shape))
            .expect("standard layout, same size");
        Tensor::from_op_shared("reshape", y, &[self], move |g, _| {
            vec![Some(
                standard(g.clone())
                    .into_shape_with_order(IxDyn(&from))
                    .expect("same size"),
            )]
        })
    }

    /// Reorders the axes: output axis `i` is input axis `axes[i]`. A view (no copy).
    ///
    /// # Panics
    /// If `axes` is not a permutation of `0..ndim`.
    #[track_caller]
    pub fn permute(&self, axes: &[usize]) -> Tensor {
        let x = self.value();
        let mut sorted = axes.to_vec();
        sorted.sort_unstable();
        assert!(
            sorted == (0..x.ndim()).collect::<Vec<_>>(),
            "permute: {axes:?} is not a permutation of the axes of shape {:?}",
            x.shape()
        );
        let y = x.permuted_axes(IxDyn(axes));
        // The inverse permutation puts each gradient axis back where it came from.
        let mut inverse = vec![0; axes.len()];
        for (i, &a) in axes.iter().enumerate() {
            inverse[a] = i;
        }
        Tensor::from_op_shared("permute", y, &[self], move |g, _| {
            vec![Some(standard(g.clone().permuted_axes(IxDyn(&inverse))))]
        })
    }

    /// Swaps two axes (a view).
    #[track_caller]
    pub fn transpose(&self, a: usize, b: usize) -> Tensor {
        let mut axes: Vec<usize> = (0..self.ndim()).collect();
        assert!(
            a < axes.len() && b < axes.len(),
            "transpose: axes {a}, {b} out of range for shape {:?}",
            self.shape()
        );
        axes.swap(a, b);
        self.permute(&axes)
    }

    /// Elements `start..start + len` along `axis` (a view). Backward puts the gradient back
    /// in place and zeros elsewhere.
    ///
    /// # Panics
    /// If the range does not fit in the axis.
    #[track_caller]
    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Tensor {
        let mut y = self.value();
        let shape = y.shape().to_vec();
        assert!(
            axis < shape.len() && start + len <= shape[axis],
            "narrow: range {start}..{} on axis {axis} does not fit shape {shape:?}",
            start + len
        );
        y.slice_axis_inplace(Axis(axis), Slice::from(start..start + len));
        // The gradient is `g` in place and zeros elsewhere: handed over as that slice
        // (`Grad::Slice`), added where it belongs in the input's gradient.
        Tensor::from_op_grads("narrow", y, &[self], move |g, _| {
            vec![Some(Grad::Slice {
                shape,
                axis,
                start,
                g: g.clone(),
            })]
        })
    }

    /// Joins tensors along an existing axis; all other sizes must agree.
    ///
    /// # Panics
    /// If `parts` is empty or the shapes disagree off `axis`; the message names the shapes.
    #[track_caller]
    pub fn concat(parts: &[Tensor], axis: usize) -> Tensor {
        assert!(!parts.is_empty(), "concat: nothing to join");
        let values: Vec<_> = parts.iter().map(Tensor::value).collect();
        let views: Vec<_> = values.iter().map(|v| v.view()).collect();
        let out = ndarray::concatenate(Axis(axis), &views).unwrap_or_else(|e| {
            let shapes: Vec<_> = values.iter().map(|v| v.shape().to_vec()).collect();
            panic!("concat: cannot join shapes {shapes:?} along axis {axis}: {e}")
        });
        let sizes: Vec<usize> = values.iter().map(|v| v.shape()[axis]).collect();
        let inputs: Vec<&Tensor> = parts.iter().collect();
        Tensor::from_op("concat", out, &inputs, move |g, need| {
            let mut start = 0;
            sizes
                .iter()
                .zip(need)
                .map(|(&len, &need)| {
                    let piece = need.then(|| {
                        g.slice_axis(Axis(axis), Slice::from(start..start + len))
                            .to_owned()
                    });
                    start += len;
                    piece
                })
                .collect()
        })
    }

    /// Stacks same-shaped tensors along a new axis `axis`.
    ///
    /// # Panics
    /// If `parts` is empty or the shapes differ.
    #[track_caller]
    pub fn stack(parts: &[Tensor], axis: usize) -> Tensor {
        assert!(!parts.is_empty(), "stack: nothing to stack");
        let values: Vec<_> = parts.iter().map(Tensor::value).collect();
        let views: Vec<_> = values.iter().map(|v| v.view()).collect();
        let out = ndarray::stack(Axis(axis), &views).unwrap_or_else(|e| {
            let shapes: Vec<_> = values.iter().map(|v| v.shape().to_vec()).collect();
            panic!("stack: cannot stack shapes {shapes:?} along axis {axis}: {e}")
        });
        let inputs: Vec<&Tensor> = parts.iter().collect();
        Tensor::from_op("stack", out, &inputs, move |g, need| {
            need.iter()
                .enumerate()
                .map(|(i, &need)| need.then(|| g.index_axis(Axis(axis), i).to_owned()))
                .collect()
        })
    }
}
