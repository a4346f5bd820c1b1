//! Embedding lookup: pick rows of a table by index. Backward adds each row's gradient back
//! into the row it came from ("scatter-add"): a row picked twice gets both gradients.

use ndarray::{ArrayD, Axis, IxDyn};

use crate::tensor::{Grad, Tensor};

impl Tensor {
    // ANCHOR: index_select
    /// Rows of `self` (`[rows, ...]`) at `indices`: `[indices.len(), ...]`. With a table of
    /// shape `[vocab, dim]` this is an embedding lookup; reshape the result to
    /// `[batch, time, dim]` as needed.
    ///
    /// # Panics
    /// If an index is out of range; the message names it and the table's shape.
    #[track_caller]
    pub fn index_select(&self, indices: &[usize]) -> Tensor {
        let table = self.value();
        let rows = table.shape()[0];
        if let Some(&bad) = indices.iter().find(|&&i| i >= rows) {
            panic!(
                "index_select: index {bad} out of range for a table of shape {:?}",
                table.shape()
            );
        }
        let mut out_shape = table.shape().to_vec();
        out_shape[0] = indices.len();
        let mut out = ArrayD::zeros(IxDyn(&out_shape));
        for (mut row, &i) in out.outer_iter_mut().zip(indices) {
            row.assign(&table.index_axis(Axis(0), i));
        }
        let (indices, table_shape) = (indices.to_vec(), table.shape().to_vec());
        // Backward, each row of `g` is added to the table's row it came from; handed over
        // as those rows (`Grad::Rows`), added into the table's gradient where they belong
        // rather than into a table of zeros first.
        Tensor::from_op_grads("index_select", out.into_shared(), &[self], move |g, _| {
            vec![Some(Grad::Rows {
                shape: table_shape,
                rows: indices,
                g: g.clone(),
            })]
        })
    }
    // ANCHOR_END: index_select
}
