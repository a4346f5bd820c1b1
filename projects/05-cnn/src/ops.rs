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

use ndarray::{Array2, Array4, ArrayD, ArrayView2, ArrayView4, Axis, Ix4};
use tensor::gemm::gemm;
use tensor::{Data, Tensor};

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

// ANCHOR: conv2d
/// Convolution with stride 1: `x: [N, C, H, W]`, `w: [O, C, KH, KW]`, `b: [O]` ->
/// `[N, O, OH, OW]`. The function [`conv2d_naive`](crate::conv2d_naive) computes,
/// as `Y = W · cols` with `W = w` as `[O, K]` and `cols = im2col(x)`, `[K, N·P]`.
#[track_caller]
pub fn conv2d(x: &Tensor, w: &Tensor, b: &Tensor, padding: usize) -> Tensor {
    let [n, c, h, width, o, kh, kw, oh, ow] = conv_sizes(x, w, b, padding);
    let (k, p) = (c * kh * kw, oh * ow);

    // Every image's patches side by side: [K, N·P].
    let x_value = x.value();
    let cols = im2col(as4(&x_value), kh, kw, padding);
    check_shape("im2col", cols.shape(), &[k, n * p]);

    // Y = W · cols, [O, K]·[K, N·P] = [O, N·P], each row starting from its filter's
    // bias.
    let (w_value, b_value) = (w.value(), b.value());
    let mut y = Array2::from_shape_fn((o, n * p), |(filter, _)| b_value[filter]);
    gemm(1.0, as2(&w_value, o, k), cols.view(), 1.0, y.view_mut());

    Tensor::from_op(
        "conv2d (im2col)",
        maps(y, n, oh, ow),
        &[x, w, b],
        move |dy, need| {
            let delta = rows(dy); // ∂L/∂Y, laid out as Y: [O, N·P]
            let w2 = as2(&w_value, o, k);
            // ∂L/∂x: Wᵀ · δ is the gradient of every copy in cols; col2im adds each
            // copy's gradient back onto the pixel it was copied from.
            let dx = need[0].then(|| {
                let mut dcols = Array2::zeros((k, n * p));
                gemm(1.0, w2.t(), delta.view(), 0.0, dcols.view_mut());
                let dx = col2im(dcols.view(), (n, c, h, width), kh, kw, padding);
                check_shape("col2im", dx.shape(), &[n, c, h, width]);
                dx.into_dyn()
            });
            // ∂L/∂W = δ · colsᵀ, [O, K]: each weight times every pixel it
            // multiplied.
            let dw = need[1].then(|| {
                let mut dw = Array2::zeros((o, k));
                gemm(1.0, delta.view(), cols.t(), 0.0, dw.view_mut());
                dw.into_shape_with_order(w_value.shape())
                    .expect("O·K numbers")
            });
            // ∂L/∂b: each filter's row of δ, summed.
            let db = need[2].then(|| delta.sum_axis(Axis(1)).into_dyn());
            vec![dx, dw, db]
        },
    )
}
// ANCHOR_END: conv2d

// ANCHOR: max_pool2d
/// `k × k` max-pooling with stride `k`: `x: [N, C, H, W]` -> `[N, C, H/k, W/k]`,
/// each output the largest input of its window (a last row or column that fills no
/// window is left out). Backward: [`max_pool_backward`], which sends each window's
/// gradient to its largest input.
#[track_caller]
pub fn max_pool2d(x: &Tensor, k: usize) -> Tensor {
    let x_value = x.value();
    let xv = as4(&x_value);
    let (n, c, h, w) = xv.dim();
    assert!(
        k >= 1 && h >= k && w >= k,
        "max_pool2d: no {k}x{k} window fits in {h}x{w}"
    );
    let mut out = Array4::zeros((n, c, h / k, w / k));
    for ((image, channel, i, j), best) in out.indexed_iter_mut() {
        *best = f32::NEG_INFINITY;
        for u in 0..k {
            for v in 0..k {
                *best = best.max(xv[[image, channel, i * k + u, j * k + v]]);
            }
        }
    }
    Tensor::from_op("max_pool2d (lesson)", out.into_dyn(), &[x], move |dy, _| {
        let dy = dy.view().into_dimensionality::<Ix4>().expect("4-D");
        let dx = max_pool_backward(as4(&x_value), dy, k);
        check_shape("max_pool_backward", dx.shape(), &[n, c, h, w]);
        vec![Some(dx.into_dyn())]
    })
}
// ANCHOR_END: max_pool2d

/// `[N, C, H, W, O, KH, KW, OH, OW]` for a convolution of `x` by `w` and `b`.
///
/// # Panics
/// If the shapes do not fit together; the message names all three.
#[track_caller]
fn conv_sizes(x: &Tensor, w: &Tensor, b: &Tensor, padding: usize) -> [usize; 9] {
    let (xs, ws, bs) = (x.shape(), w.shape(), b.shape());
    let fits = match (&xs[..], &ws[..], &bs[..]) {
        (&[_, c, h, width], &[o, wc, kh, kw], &[bo]) => {
            c == wc && bo == o && h + 2 * padding >= kh && width + 2 * padding >= kw
        }
        _ => false,
    };
    assert!(
        fits,
        "conv2d: input {xs:?}, weight {ws:?} and bias {bs:?} do not fit together with \
         padding {padding} (expected [N, C, H, W], [O, C, KH, KW] and [O])"
    );
    let (n, c, h, width) = (xs[0], xs[1], xs[2], xs[3]);
    let (o, kh, kw) = (ws[0], ws[2], ws[3]);
    let (oh, ow) = (h + 2 * padding - kh + 1, width + 2 * padding - kw + 1);
    [n, c, h, width, o, kh, kw, oh, ow]
}

/// Panics with a message naming the exercise if one returned an array of the wrong shape.
#[track_caller]
fn check_shape(function: &str, got: &[usize], expected: &[usize]) {
    assert!(
        got == expected,
        "{function} returned an array of shape {got:?}, but the convolution needs \
         {expected:?}; `cargo exercises test {function}` checks it on small cases"
    );
}

/// A 4-D tensor value as a 4-D view.
fn as4(value: &Data) -> ArrayView4<'_, f32> {
    value.view().into_dimensionality().expect("checked 4-D")
}

/// A tensor value (the weights `[O, C, KH, KW]`) as the matrix `[rows, cols]` of the same
/// numbers, without copying them.
fn as2(value: &Data, rows: usize, cols: usize) -> ArrayView2<'_, f32> {
    value
        .view()
        .into_shape_with_order((rows, cols))
        .expect("a parameter's value is contiguous")
}

/// `Y: [O, N·P]`, whose row `o` holds map `o` of image 0, then of image 1, ..., as the
/// usual `[N, O, OH, OW]`.
fn maps(y: Array2<f32>, n: usize, oh: usize, ow: usize) -> ArrayD<f32> {
    let o = y.nrows();
    y.into_shape_with_order((o, n, oh, ow))
        .expect("[O, N·P] is [O, N, OH, OW]")
        .permuted_axes([1, 0, 2, 3])
        .as_standard_layout()
        .into_owned()
        .into_dyn()
}

/// The inverse of [`maps`]: `[N, O, OH, OW]` laid out as `[O, N·P]`.
fn rows(dy: &ArrayD<f32>) -> Array2<f32> {
    let dy = dy.view().into_dimensionality::<Ix4>().expect("4-D");
    let (n, o, oh, ow) = dy.dim();
    dy.permuted_axes([1, 0, 2, 3])
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((o, n * oh * ow))
        .expect("contiguous")
}
