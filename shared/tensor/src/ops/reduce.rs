//! Reductions: sum, mean and max over axes. Backward spreads the gradient back over the
//! reduced axes: evenly copied for a sum, divided by the count for a mean, and only to the
//! largest element for a max.

use ndarray::{ArrayD, Axis, IxDyn, Zip};

use crate::tensor::Tensor;

/// Sorted, deduplicated, range-checked axes.
#[track_caller]
fn check_axes(axes: &[usize], shape: &[usize], op: &str) -> Vec<usize> {
    let mut axes = axes.to_vec();
    axes.sort_unstable();
    axes.dedup();
    assert!(
        axes.iter().all(|&a| a < shape.len()),
        "{op}: axes {axes:?} out of range for shape {shape:?}"
    );
    axes
}

/// `shape` with the reduced axes set to 1.
fn keepdim_shape(shape: &[usize], axes: &[usize]) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .map(|(i, &s)| if axes.contains(&i) { 1 } else { s })
        .collect()
}

impl Tensor {
    /// The sum of all elements, as a zero-dimensional tensor.
    pub fn sum(&self) -> Tensor {
        let axes: Vec<usize> = (0..self.ndim()).collect();
        self.sum_axes(&axes, false)
    }

    /// The mean of all elements, as a zero-dimensional tensor.
    pub fn mean(&self) -> Tensor {
        let axes: Vec<usize> = (0..self.ndim()).collect();
        self.mean_axes(&axes, false)
    }

    // ANCHOR: sum_axes
    /// Sums over `axes`; with `keepdim` the reduced axes stay, with size 1, so the result
    /// broadcasts against the input. Backward: every input element gets the gradient of
    /// the sum it was part of.
    ///
    /// # Panics
    /// If an axis is out of range.
    #[track_caller]
    pub fn sum_axes(&self, axes: &[usize], keepdim: bool) -> Tensor {
        self.scaled_sum("sum", axes, keepdim, 1.0)
    }

    /// `scale` times the sum over `axes`: the sum (scale 1) or the mean (1 / count) in one
    /// op, with one output.
    #[track_caller]
    fn scaled_sum(&self, name: &'static str, axes: &[usize], keepdim: bool, scale: f32) -> Tensor {
        let x = self.value();
        let in_shape = x.shape().to_vec();
        let axes = check_axes(axes, &in_shape, name);
        let kept = keepdim_shape(&in_shape, &axes);
        let out = if axes.len() == in_shape.len() {
            // Every axis: one pass (a loss is usually a full sum).
            ndarray::arr0(x.sum() * scale).into_dyn()
        } else {
            // Each output element sums the input over the reduced axes, at its position along
            // the others: one pass, and nothing allocated but the output.
            ArrayD::from_shape_fn(IxDyn(&kept), |position| {
                let mut part = x.view();
                for axis in (0..in_shape.len()).rev().filter(|a| !axes.contains(a)) {
                    part = part.index_axis_move(Axis(axis), position[axis]);
                }
                part.sum() * scale
            })
        };
        let out_shape: Vec<usize> = if keepdim {
            kept.clone()
        } else {
            (0..in_shape.len())
                .filter(|a| !axes.contains(a))
                .map(|a| in_shape[a])
                .collect()
        };
        let out = out
            .into_shape_with_order(IxDyn(&out_shape))
            .expect("same size");
        Tensor::from_op(name, out, &[self], move |g, _| {
            if let Some(&only) = g.iter().next().filter(|_| g.len() == 1) {
                let grad = ArrayD::from_elem(IxDyn(&in_shape), only * scale); // a full sum
                return vec![Some(grad)];
            }
            let g = g
                .view()
                .into_shape_with_order(IxDyn(&kept))
                .expect("same size");
            // Repeated along the reduced axes (and scaled), written once.
            let g = g.broadcast(IxDyn(&in_shape)).expect("kept axes");
            vec![Some(g.mapv(|v| v * scale))]
        })
    }
    // ANCHOR_END: sum_axes

    /// Means over `axes` (see [`Tensor::sum_axes`]).
    #[track_caller]
    pub fn mean_axes(&self, axes: &[usize], keepdim: bool) -> Tensor {
        let shape = self.shape();
        let axes = check_axes(axes, &shape, "mean_axes");
        let count: usize = axes.iter().map(|&a| shape[a]).product();
        self.scaled_sum("mean", &axes, keepdim, 1.0 / count as f32)
    }

    /// The largest element along `axis`. Backward sends the gradient to that element only
    /// (the first one, if several tie).
    ///
    /// # Panics
    /// If `axis` is out of range.
    #[track_caller]
    pub fn max_axis(&self, axis: usize, keepdim: bool) -> Tensor {
        let x = self.value();
        let in_shape = x.shape().to_vec();
        assert!(
            axis < in_shape.len(),
            "max_axis: axis {axis} out of range for shape {in_shape:?}"
        );
        assert!(
            in_shape[axis] > 0,
            "max_axis: axis {axis} of shape {in_shape:?} is empty: it has no largest value"
        );
        let argmax = x.map_axis(Axis(axis), |lane| argmax_of(lane.iter().copied()));
        let mut out = Zip::from(x.lanes(Axis(axis)))
            .and(&argmax)
            .map_collect(|lane, &i| lane[i]);
        if keepdim {
            out = out.insert_axis(Axis(axis));
        }
        Tensor::from_op("max", out, &[self], move |g, _| {
            let mut grad = ArrayD::zeros(IxDyn(&in_shape));
            let g = if g.ndim() == in_shape.len() {
                g.index_axis(Axis(axis), 0)
            } else {
                g.view()
            };
            Zip::from(grad.lanes_mut(Axis(axis)))
                .and(&argmax)
                .and(&g)
                .for_each(|mut lane, &i, &g| lane[i] = g);
            vec![Some(grad)]
        })
    }

    /// The index of the largest element of each lane along the last axis (predicted classes
    /// from `[batch, classes]` scores). Not differentiable: returns plain numbers.
    pub fn argmax_last(&self) -> Vec<usize> {
        let x = self.value();
        // An empty lane has no largest entry: index 0 would be a wrong answer, not one.
        assert!(
            x.shape().last().is_some_and(|&n| n > 0),
            "argmax_last: the last axis must hold at least one value, got shape {:?}",
            x.shape()
        );
        let last = Axis(x.ndim() - 1);
        x.lanes(last)
            .into_iter()
            .map(|lane| argmax_of(lane.iter().copied()))
            .collect()
    }
}

fn argmax_of(values: impl Iterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 || i == 0 {
            best = (i, v);
        }
    }
    best.0
}
