//! Softmax and log-softmax along an axis, numerically stable and fused (one op each, with a
//! hand-derived backward, rather than a chain of exp, sum and div).

use ndarray::{ArrayD, Axis, Zip};

use crate::engine::{engine, Engine};
use crate::fast;
use crate::tensor::Tensor;

/// Softmax of each lane along `axis`, in place.
pub(crate) fn softmax_lanes(x: &mut ArrayD<f32>, axis: usize) {
    for mut lane in x.lanes_mut(Axis(axis)) {
        // exp() overflows f32 above ~88. Subtracting the lane's max changes no ratio and
        // keeps every exponent at or below zero.
        let max = lane.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        lane.mapv_inplace(|v| (v - max).exp());
        let sum = lane.sum();
        lane /= sum;
    }
}

impl Tensor {
    // ANCHOR: softmax
    /// Turns each lane along `axis` into probabilities (positive, summing to 1).
    /// Backward, with `y = softmax(x)`: `dx = y ⊙ (dy - Σ dy⊙y)`, the sum along `axis`.
    #[track_caller]
    pub fn softmax(&self, axis: usize) -> Tensor {
        assert!(
            axis < self.ndim(),
            "softmax: axis {axis} out of range for shape {:?}",
            self.shape()
        );
        if engine() == Engine::Fast && axis + 1 == self.ndim() && !self.is_empty() {
            let y = fast::softmax::softmax_rows(&self.value()).into_shared();
            let y_saved = y.clone();
            return Tensor::from_op_shared("softmax", y, &[self], move |g, _| {
                vec![Some(fast::softmax::softmax_rows_backward(g, &y_saved))]
            });
        }
        let mut y = self.to_array();
        softmax_lanes(&mut y, axis);
        let y = y.into_shared();
        let y_saved = y.clone();
        Tensor::from_op_shared("softmax", y, &[self], move |g, _| {
            let mut dx = g.clone();
            Zip::from(dx.lanes_mut(Axis(axis)))
                .and(y_saved.lanes(Axis(axis)))
                .for_each(|mut d, y| {
                    let dot = d.dot(&y);
                    Zip::from(&mut d)
                        .and(&y)
                        .for_each(|d, &y| *d = y * (*d - dot));
                });
            vec![Some(dx)]
        })
    }
    // ANCHOR_END: softmax

    /// `log(softmax(x))` along `axis`, computed as `x - max - log Σ exp(x - max)` so it never
    /// takes the log of an underflowed 0. Backward: `dx = dy - softmax(x) · Σ dy`.
    #[track_caller]
    pub fn log_softmax(&self, axis: usize) -> Tensor {
        assert!(
            axis < self.ndim(),
            "log_softmax: axis {axis} out of range for shape {:?}",
            self.shape()
        );
        let mut y = self.to_array();
        for mut lane in y.lanes_mut(Axis(axis)) {
            let max = lane.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let log_sum = lane.fold(0.0, |s, &v| s + (v - max).exp()).ln();
            lane.mapv_inplace(|v| v - max - log_sum);
        }
        let y = y.into_shared();
        let y_saved = y.clone();
        Tensor::from_op_shared("log_softmax", y, &[self], move |g, _| {
            let mut dx = g.clone();
            Zip::from(dx.lanes_mut(Axis(axis)))
                .and(y_saved.lanes(Axis(axis)))
                .for_each(|mut d, y| {
                    let total = d.sum();
                    Zip::from(&mut d)
                        .and(&y)
                        .for_each(|d, &y| *d -= y.exp() * total);
                });
            vec![Some(dx)]
        })
    }
}
