//! The chapter's convolution and max-pooling, as two differentiable ops: what the model
//! trains with on the lesson path (with `--features learner`, on your exercises).
//!
//! - [`conv2d`]: the whole batch laid out by [`im2col`] as one patch matrix, one matrix
//!   multiply with the weights; backward, two more matrix multiplies and [`col2im`].
//! - [`max_pool2d`]: the largest input of each window; backward, [`max_pool_backward`].
//!
//! Each computes its forward value with plain ndarray code and records itself with
//! `Tensor::from_op` (the tensor crate's public op API): the value, the inputs, and a
//! closure that turns the gradient of the output into gradients for the inputs. Autograd
//! then calls that closure during `backward()`, as it calls its own ops' closures.
//!
//! Legend: N = batch, C = input channels, H×W = image size, O = filters, KH×KW = kernel,
//! OH×OW = output size, P = OH·OW positions per image, K = C·KH·KW taps per patch.

use ndarray::{Array2, Array4, ArrayD, Axis, Ix4};
use tensor::gemm::gemm;
use tensor::Tensor;

use crate::{col2im, im2col, max_pool_backward};

/// Which convolution and pooling a [`Cnn`](crate::Cnn) runs. Both compute the same function;
/// they differ in whose code does it, and how fast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvPath {
    /// This file's ops, on the chapter's exercises: [`conv2d`] (im2col, one matrix
    /// multiply, col2im backward) and [`max_pool2d`] (backward by `max_pool_backward`).
    Lesson,
    /// The tensor crate's `conv2d_max_pool2d`: the same arithmetic, a block of images at a
    /// time, on several threads, with the pooling fused into the convolution.
    Fast,
}

impl Default for ConvPath {
    /// The lesson path when the crate is built with `--features learner` (so that your
    /// exercises train the model), the fast path otherwise.
    fn default() -> Self {
        if cfg!(feature = "learner") {
            ConvPath::Lesson
        } else {
            ConvPath::Fast
        }
    }
}

/// The four sizes of a `[N, C, H, W]` tensor.
#[track_caller]
fn dims4(t: &Tensor, what: &str) -> (usize, usize, usize, usize) {
    match t.shape()[..] {
        [n, c, h, w] => (n, c, h, w),
        ref other => panic!("{what} must be 4-D, got shape {other:?}"),
    }
}

// ANCHOR: conv2d
/// Convolution with stride 1: `x: [N, C, H, W]`, `w: [O, C, KH, KW]`, `b: [O]` ->
/// `[N, O, OH, OW]`, `OH = H + 2·padding - KH + 1`. The same function as
/// [`conv2d_naive`](crate::conv2d_naive), computed as `W · im2col(x)` with
/// `W = w.reshape([O, K])`.
///
/// Backward, for `Y = W · cols` with `δ = ∂L/∂Y` laid out as `[O, N·P]`:
/// `∂L/∂W = δ · colsᵀ`, `∂L/∂cols = Wᵀ · δ`, then `∂L/∂x = col2im(∂L/∂cols)` (each pixel
/// gets the sum of its copies' gradients), and `∂L/∂b` is `δ` summed over its columns.
///
/// # Panics
/// If the shapes do not fit together, or if `im2col` or `col2im` returns a matrix of the
/// wrong shape (the message says which one, and the shape it should have).
#[track_caller]
pub fn conv2d(x: &Tensor, w: &Tensor, b: &Tensor, padding: usize) -> Tensor {
    let (n, c, h, width) = dims4(x, "conv2d's input");
    let (o, wc, kh, kw) = dims4(w, "conv2d's weight");
    assert!(
        c == wc && b.shape() == [o] && h + 2 * padding >= kh && width + 2 * padding >= kw,
        "conv2d: input {:?}, weight {:?} and bias {:?} do not fit together with padding {padding}",
        x.shape(),
        w.shape(),
        b.shape()
    );
    let (oh, ow) = (h + 2 * padding - kh + 1, width + 2 * padding - kw + 1);
    let (k, p) = (c * kh * kw, oh * ow);

    // Every image's patches side by side: [K, N·P].
    let x_value = x.value();
    let cols = im2col(view4(&x_value), kh, kw, padding);
    assert_eq!(
        cols.dim(),
        (k, n * p),
        "im2col of {:?} with a {kh}x{kw} kernel and padding {padding} should be [C·KH·KW, N·OH·OW]",
        x.shape()
    );
    // The weights as one filter per row, [O, K]: a view of the same numbers.
    let w_value = w.value();
    let w2 = w_value
        .view()
        .into_shape_with_order((o, k))
        .expect("the weights are contiguous");

    // Y = W · cols, [O, N·P], each row starting from its filter's bias.
    let b_value = b.value();
    let mut y = Array2::from_shape_fn((o, n * p), |(filter, _)| b_value[filter]);
    gemm(1.0, w2, cols.view(), 1.0, y.view_mut());
    // Row `o` holds map `o` of every image in turn; the output is [N, O, OH, OW].
    let out = y
        .into_shape_with_order((o, n, oh, ow))
        .expect("[O, N·P] is [O, N, OH, OW]")
        .permuted_axes([1, 0, 2, 3])
        .as_standard_layout()
        .into_owned()
        .into_dyn();

    Tensor::from_op("conv2d (im2col)", out, &[x, w, b], move |dy, need| {
        // δ in Y's layout: [N, O, OH, OW] -> [O, N, OH, OW] -> [O, N·P].
        let delta = dy
            .view()
            .into_dimensionality::<Ix4>()
            .expect("4-D")
            .permuted_axes([1, 0, 2, 3])
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order((o, n * p))
            .expect("contiguous");
        let w2 = w_value
            .view()
            .into_shape_with_order((o, k))
            .expect("contiguous");
        let dx = need[0].then(|| {
            let mut dcols = Array2::zeros((k, n * p));
            gemm(1.0, w2.t(), delta.view(), 0.0, dcols.view_mut());
            let dx = col2im(dcols.view(), (n, c, h, width), kh, kw, padding);
            assert_eq!(
                dx.dim(),
                (n, c, h, width),
                "col2im should give back the input's shape [N, C, H, W]"
            );
            dx.into_dyn()
        });
        let dw = need[1].then(|| {
            let mut dw = ArrayD::zeros(vec![o, c, kh, kw]);
            let dw2 = dw
                .view_mut()
                .into_shape_with_order((o, k))
                .expect("contiguous");
            gemm(1.0, delta.view(), cols.t(), 0.0, dw2);
            dw
        });
        let db = need[2].then(|| delta.sum_axis(Axis(1)).into_dyn());
        vec![dx, dw, db]
    })
}
// ANCHOR_END: conv2d

// ANCHOR: max_pool2d
/// `k × k` max-pooling with stride `k`: `x: [N, C, H, W]` -> `[N, C, H/k, W/k]`, each output
/// the largest input of its window (a last row or column that fills no window is left out).
/// Backward: [`max_pool_backward`], which sends each window's gradient to its largest input.
#[track_caller]
pub fn max_pool2d(x: &Tensor, k: usize) -> Tensor {
    let (n, c, h, w) = dims4(x, "max_pool2d's input");
    assert!(
        k >= 1 && h >= k && w >= k,
        "max_pool2d: a {k}x{k} window does not fit an input of shape {:?}",
        x.shape()
    );
    let x_value = x.value();
    let xv = view4(&x_value);
    let mut out = Array4::zeros((n, c, h / k, w / k));
    for ((image, channel, i, j), best) in out.indexed_iter_mut() {
        *best = f32::NEG_INFINITY;
        for u in 0..k {
            for v in 0..k {
                *best = best.max(xv[[image, channel, i * k + u, j * k + v]]);
            }
        }
    }
    let expected = out.dim();
    Tensor::from_op("max_pool2d (lesson)", out.into_dyn(), &[x], move |dy, _| {
        let dy = dy.view().into_dimensionality::<Ix4>().expect("4-D");
        assert_eq!(
            dy.dim(),
            expected,
            "the pooled gradient has the output's shape"
        );
        let dx = max_pool_backward(view4(&x_value), dy, k);
        assert_eq!(
            dx.dim(),
            (n, c, h, w),
            "max_pool_backward should give back the input's shape [N, C, H, W]"
        );
        vec![Some(dx.into_dyn())]
    })
}
// ANCHOR_END: max_pool2d

/// A 4-D tensor value as a 4-D view.
fn view4(value: &tensor::Data) -> ndarray::ArrayView4<'_, f32> {
    value.view().into_dimensionality().expect("checked 4-D")
}
