//! 2-D convolution and its transpose: one image at a time, `im2col`, one matrix product,
//! and `col2im` in the backward pass.
//!
//! Legend: N = batch, C = input channels, O = output channels, H×W = an input image,
//! KH×KW = the kernel, OH×OW = an output image, P = OH·OW output positions, and
//! K = C·KH·KW, the number of inputs under the kernel at one position.
//!
//! Each output of a convolution is a dot product: the kernel's K weights with the K inputs
//! under it. `im2col` copies those K inputs into a column for each position, `cols: [K, P]`,
//! so that a whole image is one matrix product, `y = W·cols` with the weights as `[O, K]`:
//! row `o` of `y` is feature map `o`. Backward, the product's gradients are
//! `dW = dy·colsᵀ` and `dcols = Wᵀ·dy`, and `col2im`, the adjoint of `im2col`, adds each
//! entry of `dcols` back onto the input it was copied from. A transposed convolution is the
//! same pieces in the other order. (The fast engine's version, `fast/conv.rs`, does this a
//! block of images at a time, on several threads: see `FAST.md`.)

use ndarray::{Array1, Array2, Array3, Array4, ArrayView2, ArrayView3, Axis, Ix4};

use crate::engine::{engine, Engine};
use crate::fast;
use crate::tensor::{Data, Tensor};

/// The sizes of a convolution of one image: `[C, H, W]` in, with `pad` zeros around it, a
/// `KH × KW` kernel moved `stride` pixels at a time, and `OH × OW` positions out.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    c: usize,
    h: usize,
    w: usize,
    kh: usize,
    kw: usize,
    stride: usize,
    pad: usize,
    oh: usize,
    ow: usize,
}

impl Geometry {
    #[track_caller]
    fn new(
        op: &str,
        [c, h, w]: [usize; 3],
        [kh, kw]: [usize; 2],
        stride: usize,
        pad: usize,
    ) -> Self {
        let [oh, ow] = output_size(op, [h, w], [kh, kw], stride, pad);
        Geometry {
            c,
            h,
            w,
            kh,
            kw,
            stride,
            pad,
            oh,
            ow,
        }
    }

    /// Inputs under the kernel at one position: K = C·KH·KW.
    fn k(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Output positions: P = OH·OW.
    fn p(&self) -> usize {
        self.oh * self.ow
    }

    /// The input pixel `(row, column)` that kernel tap `(ky, kx)` sees when the kernel is at
    /// output position `(oy, ox)`, or `None` where that is in the zero padding.
    fn pixel(&self, (oy, ox): (usize, usize), (ky, kx): (usize, usize)) -> Option<(usize, usize)> {
        let iy = (oy * self.stride + ky).checked_sub(self.pad)?;
        let ix = (ox * self.stride + kx).checked_sub(self.pad)?;
        (iy < self.h && ix < self.w).then_some((iy, ix))
    }
}

// ANCHOR: im2col
/// One image `x: [C, H, W]` -> its patch matrix `cols: [K, P]`. Row `(c, ky, kx)`, column
/// `(oy, ox)` holds the pixel of channel `c` under kernel tap `(ky, kx)` when the kernel
/// sits at output position `(oy, ox)`: zero where that is in the padding.
fn im2col(x: ArrayView3<f32>, g: Geometry) -> Array2<f32> {
    let mut cols = Array2::zeros((g.k(), g.p()));
    for (row, (c, ky, kx)) in ndarray::indices((g.c, g.kh, g.kw)).into_iter().enumerate() {
        for (column, (oy, ox)) in ndarray::indices((g.oh, g.ow)).into_iter().enumerate() {
            if let Some((iy, ix)) = g.pixel((oy, ox), (ky, kx)) {
                cols[[row, column]] = x[[c, iy, ix]];
            }
        }
    }
    cols
}
// ANCHOR_END: im2col

// ANCHOR: col2im
/// The adjoint of [`im2col`]: adds each entry of `cols: [K, P]` onto the pixel of an image
/// `[C, H, W]` it was copied from. Where windows overlap, a pixel collects several.
fn col2im(cols: ArrayView2<f32>, g: Geometry) -> Array3<f32> {
    let mut x = Array3::zeros((g.c, g.h, g.w));
    for (row, (c, ky, kx)) in ndarray::indices((g.c, g.kh, g.kw)).into_iter().enumerate() {
        for (column, (oy, ox)) in ndarray::indices((g.oh, g.ow)).into_iter().enumerate() {
            if let Some((iy, ix)) = g.pixel((oy, ox), (ky, kx)) {
                x[[c, iy, ix]] += cols[[row, column]];
            }
        }
    }
    x
}
// ANCHOR_END: col2im

// ANCHOR: conv2d
/// 2-D convolution (cross-correlation, as in every DL library).
/// `x: [N, C, H, W]`, `weight: [O, C, KH, KW]`, `bias: [O]` -> `[N, O, OH, OW]` with
/// `OH = (H + 2·padding - KH)/stride + 1` (and the same for OW), zeros read outside the image.
///
/// For each image: `y = W·cols + b`, `[O, K]·[K, P]`. Backward, with the image's `dy` as
/// `[O, P]`: `dW += dy·colsᵀ`, `db += Σ dy` over positions, `dx = col2im(Wᵀ·dy)`.
///
/// # Panics
/// If the shapes do not fit; the message names them.
#[track_caller]
pub fn conv2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    padding: usize,
) -> Tensor {
    if engine() == Engine::Fast {
        return fast::conv::conv2d(x, weight, bias, stride, padding);
    }
    let (xv, wv) = (x.value(), weight.value());
    let ([n, c, h, w], [o, wc, kh, kw]) = (
        shape4(&xv, "input", "conv2d"),
        shape4(&wv, "weight", "conv2d"),
    );
    assert!(
        wc == c,
        "conv2d: input {:?} has {c} channels, weight {:?} expects {wc}",
        xv.shape(),
        wv.shape()
    );
    let g = Geometry::new("conv2d", [c, h, w], [kh, kw], stride, padding);
    let b = check_bias(bias, o, "conv2d");
    let xv = xv.into_dimensionality::<Ix4>().expect("checked 4-D");
    let w2 = wv.to_shape((o, g.k())).expect("same size").into_owned(); // [O, K]
    let mut y = Array4::zeros((n, o, g.oh, g.ow));
    for (image, mut out) in xv.outer_iter().zip(y.outer_iter_mut()) {
        let mut maps = w2.dot(&im2col(image, g)); // [O, P]
        if let Some(b) = &b {
            maps += &b.view().insert_axis(Axis(1)); // b[o] onto every position of map o
        }
        out.assign(
            &maps
                .into_shape_with_order((o, g.oh, g.ow))
                .expect("O·P values"),
        );
    }
    let mut inputs = vec![x, weight];
    inputs.extend(bias);
    Tensor::from_op("conv2d", y.into_dyn(), &inputs, move |dy, need| {
        let dy = dy
            .view()
            .into_dimensionality::<Ix4>()
            .expect("4-D, as the output");
        let mut dx = need[0].then(|| Array4::zeros((n, c, h, w)));
        let (mut dw, mut db) = (Array2::zeros((o, g.k())), Array1::zeros(o));
        for (i, (image, dy)) in xv.outer_iter().zip(dy.outer_iter()).enumerate() {
            let dy = dy.to_shape((o, g.p())).expect("O·P values"); // [O, P]
            db += &dy.sum_axis(Axis(1));
            if need[1] {
                dw += &dy.dot(&im2col(image, g).t());
            }
            if let Some(dx) = dx.as_mut() {
                let dcols = w2.t().dot(&dy); // [K, P]
                dx.index_axis_mut(Axis(0), i)
                    .assign(&col2im(dcols.view(), g));
            }
        }
        let dw = dw
            .into_shape_with_order((o, c, kh, kw))
            .expect("O·K values");
        let mut grads = vec![dx.map(Array4::into_dyn), need[1].then(|| dw.into_dyn())];
        if let Some(&need_bias) = need.get(2) {
            grads.push(need_bias.then(|| db.into_dyn())); // only if there is a bias
        }
        grads
    })
}
// ANCHOR_END: conv2d

/// Transposed convolution (the "deconvolution" a GAN's generator upsamples with): the
/// gradient of `conv2d` with respect to its input, used as a forward op.
/// `x: [N, C, H, W]`, `weight: [C, O, KH, KW]`, `bias: [O]` -> `[N, O, OH, OW]` with
/// `OH = (H - 1)·stride - 2·padding + KH` (and the same for OW).
///
/// For each image, conv2d's backward pass run forward: `cols = Wᵀ·x`, `[K, C]·[C, H·W]`
/// with K = O·KH·KW, then `col2im` onto the output. Backward: `dcols = im2col(dy)`,
/// `dx = W·dcols`, `dW += x·dcolsᵀ`, `db += Σ dy` over positions.
///
/// # Panics
/// If the shapes do not fit; the message names them.
#[track_caller]
pub fn conv_transpose2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    padding: usize,
) -> Tensor {
    if engine() == Engine::Fast {
        return fast::conv::conv_transpose2d(x, weight, bias, stride, padding);
    }
    let op = "conv_transpose2d";
    let (xv, wv) = (x.value(), weight.value());
    let ([n, c, h, w], [wc, o, kh, kw]) = (shape4(&xv, "input", op), shape4(&wv, "weight", op));
    assert!(
        wc == c,
        "{op}: input {:?} has {c} channels, weight {:?} expects {wc}",
        xv.shape(),
        wv.shape()
    );
    let b = check_bias(bias, o, op);
    assert!(stride >= 1, "{op}: stride must be at least 1");
    let (oh, ow) = ((h - 1) * stride + kh, (w - 1) * stride + kw);
    assert!(
        oh > 2 * padding && ow > 2 * padding,
        "{op}: padding {padding} leaves no output"
    );
    // The convolution whose input gradient this is: from [O, OH, OW] down to [C, H, W].
    let g = Geometry::new(
        op,
        [o, oh - 2 * padding, ow - 2 * padding],
        [kh, kw],
        stride,
        padding,
    );
    let xv = xv.into_dimensionality::<Ix4>().expect("checked 4-D");
    let w2 = wv.to_shape((c, g.k())).expect("same size").into_owned(); // [C, K]
    let mut y = Array4::zeros((n, o, g.h, g.w));
    for (image, mut out) in xv.outer_iter().zip(y.outer_iter_mut()) {
        let image = image.to_shape((c, h * w)).expect("C·H·W values"); // [C, H·W]
        let mut maps = col2im(w2.t().dot(&image).view(), g); // [O, OH, OW]
        if let Some(b) = &b {
            maps += &b.view().insert_axis(Axis(1)).insert_axis(Axis(2));
        }
        out.assign(&maps);
    }
    let mut inputs = vec![x, weight];
    inputs.extend(bias);
    Tensor::from_op(op, y.into_dyn(), &inputs, move |dy, need| {
        let dy = dy
            .view()
            .into_dimensionality::<Ix4>()
            .expect("4-D, as the output");
        let mut dx = need[0].then(|| Array4::zeros((n, c, h, w)));
        let (mut dw, mut db) = (Array2::zeros((c, g.k())), Array1::zeros(o));
        for (i, (image, dy)) in xv.outer_iter().zip(dy.outer_iter()).enumerate() {
            db += &dy.sum_axis(Axis(2)).sum_axis(Axis(1));
            let dcols = im2col(dy, g); // [K, H·W]
            if need[1] {
                let image = image.to_shape((c, h * w)).expect("C·H·W values");
                dw += &image.dot(&dcols.t());
            }
            if let Some(dx) = dx.as_mut() {
                let dimage = w2.dot(&dcols).into_shape_with_order((c, h, w));
                dx.index_axis_mut(Axis(0), i)
                    .assign(&dimage.expect("C·H·W values"));
            }
        }
        let dw = dw
            .into_shape_with_order((c, o, kh, kw))
            .expect("C·K values");
        let mut grads = vec![dx.map(Array4::into_dyn), need[1].then(|| dw.into_dyn())];
        if let Some(&need_bias) = need.get(2) {
            grads.push(need_bias.then(|| db.into_dyn())); // only if there is a bias
        }
        grads
    })
}

/// A convolution's output size `[OH, OW]` for an input of `[H, W]`: the positions a
/// `KH × KW` kernel takes, `stride` apart, on the input with `pad` zeros around it.
///
/// # Panics
/// If the stride is 0 or the kernel does not fit; the message names `op` and the sizes.
#[track_caller]
pub(crate) fn output_size(
    op: &str,
    [h, w]: [usize; 2],
    [kh, kw]: [usize; 2],
    stride: usize,
    pad: usize,
) -> [usize; 2] {
    assert!(stride >= 1, "{op}: stride must be at least 1");
    assert!(
        h + 2 * pad >= kh && w + 2 * pad >= kw,
        "{op}: a {kh}x{kw} kernel does not fit an input of {h}x{w} with padding {pad}"
    );
    [
        (h + 2 * pad - kh) / stride + 1,
        (w + 2 * pad - kw) / stride + 1,
    ]
}

/// The four sizes of a 4-D value, or a panic naming `op`, `what` and its shape.
#[track_caller]
pub(crate) fn shape4(t: &Data, what: &str, op: &str) -> [usize; 4] {
    let s = t.shape();
    assert!(s.len() == 4, "{op}: {what} must be 4-D, got shape {s:?}");
    [s[0], s[1], s[2], s[3]]
}

/// The bias's values, checked to be one per output channel; `None` without a bias.
#[track_caller]
pub(crate) fn check_bias(bias: Option<&Tensor>, channels: usize, op: &str) -> Option<Array1<f32>> {
    let b = bias?;
    assert!(
        b.shape() == [channels],
        "{op}: bias must have shape [{channels}], got {:?}",
        b.shape()
    );
    Some(Array1::from(b.to_vec()))
}
