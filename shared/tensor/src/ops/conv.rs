//! 2-D convolution and its transpose, as im2col + matrix multiply, a block of images at a time.
//!
//! Legend: N = batch, C = input channels, O = output channels, H×W = input size,
//! KH×KW = kernel, P = output positions per image (OH·OW), K = C·KH·KW, B = the number of
//! columns in a block (images in the block × P).
//!
//! `im2col` lays a block of images out as a matrix `cols: [K, B]`: row (c, ky, kx) holds, for
//! every output position of every image in the block, the input pixel that kernel tap sees
//! there. The convolution of the block is then `w·cols`, `[O, K]·[K, B]`, one GEMM. Blocks of
//! about a thousand columns keep `cols` in the core's cache (a whole batch's `cols` would be
//! tens of megabytes, written once and read back from memory), and each thread takes its own
//! run of images. Backward recomputes each block's `cols` rather than keeping them all, and
//! `col2im` adds each entry of a `[K, B]` matrix back onto the pixel it came from. A
//! transposed convolution is the same pieces in the other order.

use std::ops::Range;

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use crate::gemm::gemm_on;
use crate::parallel::{map_ranges, threads};
use crate::tensor::{Data, Tensor};

/// Columns per block: `[K, B]` with K ≤ 600 or so stays within a core's L2 cache.
const BLOCK_COLUMNS: usize = 1024;

/// Below this many multiply-adds a convolution runs on one thread.
const PARALLEL_MIN_MADDS: usize = 1 << 20;

/// The shapes of one convolution: an input of `[n, c, h, w]`, a `kh × kw` kernel.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    n: usize,
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
    fn new(input: [usize; 4], kh: usize, kw: usize, stride: usize, pad: usize) -> Geometry {
        let [n, c, h, w] = input;
        assert!(stride >= 1, "conv: stride must be at least 1");
        assert!(
            h + 2 * pad >= kh && w + 2 * pad >= kw,
            "conv: a {kh}x{kw} kernel does not fit an input of {h}x{w} with padding {pad}"
        );
        let (oh, ow) = (
            (h + 2 * pad - kh) / stride + 1,
            (w + 2 * pad - kw) / stride + 1,
        );
        Geometry {
            n,
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

    /// Columns of the patch matrix: K = C·KH·KW.
    fn k(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Rows of the patch matrix for one image: P = OH·OW.
    fn p(&self) -> usize {
        self.oh * self.ow
    }

    /// For kernel column `kx`: the output columns `ox` whose input column
    /// `ox·stride + kx - pad` lies inside the image, as a range.
    fn valid_columns(&self, kx: usize) -> std::ops::Range<usize> {
        let first = (self.pad.saturating_sub(kx)).div_ceil(self.stride);
        let last = match (self.w + self.pad).checked_sub(kx + 1) {
            Some(span) => (span / self.stride + 1).min(self.ow),
            None => 0, // the tap lies right of the image for every output column
        };
        first..last.max(first)
    }
}

impl Geometry {
    /// How many images go in one block.
    fn images_per_block(&self) -> usize {
        (BLOCK_COLUMNS / self.p().max(1)).max(1)
    }

    /// Splits `images` into blocks.
    fn blocks(&self, images: Range<usize>) -> impl Iterator<Item = Range<usize>> {
        let per = self.images_per_block();
        let end = images.end;
        images
            .step_by(per)
            .map(move |start| start..(start + per).min(end))
    }

    /// How many threads a convolution with `o` output channels should use.
    fn pieces(&self, o: usize) -> usize {
        if self.n * self.p() * self.k() * o < PARALLEL_MIN_MADDS {
            1
        } else {
            threads()
        }
    }
}

// ANCHOR: im2col
/// Images `images` of `x: [N, C, H, W]` -> `cols: [K, B]` (B = images.len()·P), row-major
/// into `cols`: entry ((c, ky, kx), (n, oy, ox)) is the input pixel under kernel tap
/// (ky, kx) when the kernel sits at output (oy, ox) of image n, or zero in the padding.
fn im2col(x: &[f32], g: Geometry, images: Range<usize>, cols: &mut [f32]) {
    let p = g.p();
    let width = images.len() * p;
    for (tap, row) in cols.chunks_mut(width).enumerate().take(g.k()) {
        let (c, ky, kx) = (tap / (g.kh * g.kw), tap / g.kw % g.kh, tap % g.kw);
        let columns = g.valid_columns(kx);
        for (n, image_row) in images.clone().zip(row.chunks_mut(p)) {
            let plane = &x[(n * g.c + c) * g.h * g.w..][..g.h * g.w];
            for (oy, out) in image_row.chunks_mut(g.ow).enumerate() {
                let Some(y) = (oy * g.stride + ky).checked_sub(g.pad).filter(|&y| y < g.h) else {
                    out.fill(0.0); // the whole run is in the padding
                    continue;
                };
                let line = &plane[y * g.w..][..g.w];
                out[..columns.start].fill(0.0);
                out[columns.end..].fill(0.0);
                if g.stride == 1 {
                    // A straight run of pixels: a memcpy.
                    let from = &line[columns.start + kx - g.pad..columns.end + kx - g.pad];
                    out[columns.clone()].copy_from_slice(from);
                } else {
                    for ox in columns.clone() {
                        out[ox] = line[ox * g.stride + kx - g.pad];
                    }
                }
            }
        }
    }
}
// ANCHOR_END: im2col

/// The adjoint of `im2col`: adds each entry of `cols: [K, B]` back onto the input pixel it
/// was copied from, in `out: [images, C, H, W]`. Where patches overlap, contributions add up.
fn col2im(cols: &[f32], g: Geometry, images: usize, out: &mut [f32]) {
    let (p, width) = (g.p(), images * g.p());
    for (tap, row) in cols.chunks(width).enumerate().take(g.k()) {
        let (c, ky, kx) = (tap / (g.kh * g.kw), tap / g.kw % g.kh, tap % g.kw);
        let columns = g.valid_columns(kx);
        for (image, from) in out.chunks_mut(g.c * g.h * g.w).zip(row.chunks(p)) {
            let plane = &mut image[c * g.h * g.w..][..g.h * g.w];
            for (oy, run) in from.chunks(g.ow).enumerate() {
                let Some(y) = (oy * g.stride + ky).checked_sub(g.pad).filter(|&y| y < g.h) else {
                    continue;
                };
                let line = &mut plane[y * g.w..][..g.w];
                if g.stride == 1 {
                    let shift = |ox: usize| ox + kx - g.pad;
                    let to = &mut line[shift(columns.start)..shift(columns.end)];
                    for (t, &v) in to.iter_mut().zip(&run[columns.clone()]) {
                        *t += v;
                    }
                } else {
                    for ox in columns.clone() {
                        line[ox * g.stride + kx - g.pad] += run[ox];
                    }
                }
            }
        }
    }
}

/// Images `images` of `x: [N, C, P]` -> `[C, images·P]` in `out`: channel-major, as the
/// GEMMs want it.
fn gather_channels(x: &[f32], c: usize, p: usize, images: Range<usize>, out: &mut [f32]) {
    let width = images.len() * p;
    for (ch, row) in out.chunks_mut(width).enumerate().take(c) {
        for (n, run) in images.clone().zip(row.chunks_mut(p)) {
            run.copy_from_slice(&x[(n * c + ch) * p..][..p]);
        }
    }
}

/// `[C, images·P]` -> `out: [images, C, P]`, adding `bias[c]` to channel `c` (if given).
fn scatter_channels(y: &[f32], c: usize, p: usize, bias: Option<&[f32]>, out: &mut [f32]) {
    let width = out.len() / c;
    for (i, image) in out.chunks_mut(c * p).enumerate() {
        for (ch, run) in image.chunks_mut(p).enumerate() {
            let b = bias.map_or(0.0, |b| b[ch]);
            for (o, &v) in run.iter_mut().zip(&y[ch * width + i * p..][..p]) {
                *o = v + b;
            }
        }
    }
}

fn matrix(values: &[f32], rows: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((rows, values.len() / rows), values).expect("a whole number of rows")
}

fn matrix_mut(values: &mut [f32], rows: usize) -> ArrayViewMut2<'_, f32> {
    let cols = values.len() / rows;
    ArrayViewMut2::from_shape((rows, cols), values).expect("a whole number of rows")
}

/// What one thread's share of a backward pass produced; summed in thread order.
struct Partial {
    dx: Vec<f32>,
    dw: Array2<f32>,
    db: Vec<f32>,
}

/// Adds up the threads' partial gradients, always in the same order.
fn combine(parts: Vec<Partial>) -> Partial {
    let mut parts = parts.into_iter();
    let mut total = parts.next().expect("at least one part");
    for part in parts {
        total.dx.extend(part.dx);
        total.dw += &part.dw;
        total.db.iter_mut().zip(&part.db).for_each(|(t, v)| *t += v);
    }
    total
}

fn shape4(t: &Data, what: &str, op: &str) -> [usize; 4] {
    let s = t.shape();
    assert!(s.len() == 4, "{op}: {what} must be 4-D, got shape {s:?}");
    [s[0], s[1], s[2], s[3]]
}

/// `x` itself if it is laid out row-major (no copy), else a row-major copy.
fn standard(x: Data) -> Data {
    if x.is_standard_layout() {
        x
    } else {
        x.as_standard_layout().into_owned().into_shared()
    }
}

fn check_bias(bias: Option<&Tensor>, channels: usize, op: &str) -> Option<Vec<f32>> {
    let b = bias?;
    assert!(
        b.shape() == [channels],
        "{op}: bias must have shape [{channels}], got {:?}",
        b.shape()
    );
    Some(b.to_vec())
}

fn to_nchw(values: Vec<f32>, shape: [usize; 4]) -> ndarray::ArrayD<f32> {
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), values).expect("sized above")
}

// ANCHOR: conv2d
/// 2-D convolution (cross-correlation, as in every DL library).
/// `x: [N, C, H, W]`, `weight: [O, C, KH, KW]`, `bias: [O]` -> `[N, O, OH, OW]` with
/// `OH = (H + 2·padding - KH)/stride + 1`, zeros read outside the image.
///
/// Per block: `Y = W·cols`, `[O, K]·[K, B]`. Backward, with `dY` as `[O, B]`:
/// `dW += dY·colsᵀ`, `db += Σ dY` over positions, `dx = col2im(Wᵀ·dY)`.
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
    let (xv, wv) = (x.value(), weight.value());
    let [n, c, h, w] = shape4(&xv, "input", "conv2d");
    let [o, wc, kh, kw] = shape4(&wv, "weight", "conv2d");
    assert!(
        wc == c,
        "conv2d: input {:?} has {c} channels, weight {:?} expects {wc}",
        xv.shape(),
        wv.shape()
    );
    let bias_values = check_bias(bias, o, "conv2d");
    let g = Geometry::new([n, c, h, w], kh, kw, stride, padding);
    let (k, p) = (g.k(), g.p());
    let w2 = wv.to_shape((o, k)).expect("same size").into_owned(); // [O, K]
    let xv = standard(xv); // kept for backward: shares storage with x
    let x_flat = xv.as_slice().expect("standard layout");
    let slabs = map_ranges(n, g.pieces(o), |images| {
        let mut out = vec![0.0; images.len() * o * p];
        let (mut cols, mut y) = (
            vec![0.0; k * g.images_per_block() * p],
            vec![0.0; o * g.images_per_block() * p],
        );
        for block in g.blocks(images.clone()) {
            let width = block.len() * p;
            let (cols, y) = (&mut cols[..k * width], &mut y[..o * width]);
            im2col(x_flat, g, block.clone(), cols);
            gemm_on(1, 1.0, w2.view(), matrix(cols, k), 0.0, matrix_mut(y, o)); // [O, B]
            let slab = &mut out[(block.start - images.start) * o * p..][..block.len() * o * p];
            scatter_channels(y, o, p, bias_values.as_deref(), slab);
        }
        out
    });
    let out = to_nchw(slabs.concat(), [n, o, g.oh, g.ow]);
    let w_shape = wv.shape().to_vec();
    let mut inputs = vec![x, weight];
    inputs.extend(bias);
    Tensor::from_op("conv2d", out, &inputs, move |dy, need| {
        let x_flat = xv.as_slice().expect("standard layout");
        let dy = dy.as_standard_layout();
        let dy = dy.as_slice().expect("standard layout");
        let (need_x, need_w) = (need[0], need[1]);
        let parts = map_ranges(n, g.pieces(o), |images| {
            let mut part = Partial {
                dx: vec![0.0; if need_x { images.len() * c * h * w } else { 0 }],
                dw: Array2::zeros((o, k)),
                db: vec![0.0; o],
            };
            let columns = g.images_per_block() * p;
            let (mut cols, mut dy_block, mut dcols) = (
                vec![0.0; k * columns],
                vec![0.0; o * columns],
                vec![0.0; k * columns],
            );
            for block in g.blocks(images.clone()) {
                let width = block.len() * p;
                let (cols, dy_block, dcols) = (
                    &mut cols[..k * width],
                    &mut dy_block[..o * width],
                    &mut dcols[..k * width],
                );
                gather_channels(dy, o, p, block.clone(), dy_block); // [O, B]
                for (db, row) in part.db.iter_mut().zip(dy_block.chunks(width)) {
                    *db += row.iter().sum::<f32>();
                }
                if need_w {
                    im2col(x_flat, g, block.clone(), cols);
                    gemm_on(
                        1,
                        1.0,
                        matrix(dy_block, o),
                        matrix(cols, k).t(),
                        1.0,
                        part.dw.view_mut(),
                    );
                }
                if need_x {
                    gemm_on(
                        1,
                        1.0,
                        w2.t(),
                        matrix(dy_block, o),
                        0.0,
                        matrix_mut(dcols, k),
                    ); // [K, B]
                    let slab = &mut part.dx[(block.start - images.start) * c * h * w..]
                        [..block.len() * c * h * w];
                    col2im(dcols, g, block.len(), slab);
                }
            }
            part
        });
        let total = combine(parts);
        vec![
            need_x.then(|| to_nchw(total.dx, [n, c, h, w])),
            need_w.then(|| {
                total
                    .dw
                    .into_shape_with_order(w_shape.clone())
                    .expect("same size")
                    .into_dyn()
            }),
            need.get(2).and_then(|&need| {
                need.then(|| {
                    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[o]), total.db)
                        .expect("O values")
                })
            }),
        ]
    })
}
// ANCHOR_END: conv2d

/// Transposed convolution (the "deconvolution" a GAN's generator upsamples with): the
/// gradient of `conv2d` with respect to its input, used as a forward op.
/// `x: [N, C, H, W]`, `weight: [C, O, KH, KW]`, `bias: [O]` -> `[N, O, OH, OW]` with
/// `OH = (H - 1)·stride - 2·padding + KH`.
///
/// Per block (B = images·H·W): `cols = Wᵀ·x` as `[O·KH·KW, C]·[C, B]`, then `col2im` onto the
/// output. Backward: `dcols = im2col(dY)`, `dx = W·dcols`, `dW += x·dcolsᵀ`, `db += Σ dY`.
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
    let (xv, wv) = (x.value(), weight.value());
    let [n, c, h, w] = shape4(&xv, "input", "conv_transpose2d");
    let [wc, o, kh, kw] = shape4(&wv, "weight", "conv_transpose2d");
    assert!(
        wc == c,
        "conv_transpose2d: input {:?} has {c} channels, weight {:?} expects {wc}",
        xv.shape(),
        wv.shape()
    );
    let bias_values = check_bias(bias, o, "conv_transpose2d");
    assert!(stride >= 1, "conv_transpose2d: stride must be at least 1");
    let (oh, ow) = ((h - 1) * stride + kh, (w - 1) * stride + kw);
    assert!(
        oh > 2 * padding && ow > 2 * padding,
        "conv_transpose2d: padding {padding} leaves no output"
    );
    let (oh, ow) = (oh - 2 * padding, ow - 2 * padding);
    // The convolution whose input-gradient this is: from [N, O, OH, OW] down to [N, C, H, W].
    let g = Geometry::new([n, o, oh, ow], kh, kw, stride, padding);
    debug_assert!(g.oh == h && g.ow == w);
    let (k, p, big) = (g.k(), g.p(), o * oh * ow); // K = O·KH·KW, P = H·W, one output image
    let w2 = wv.to_shape((c, k)).expect("same size").into_owned(); // [C, K]
    let xv = standard(xv); // kept for backward: shares storage with x
    let x_flat = xv.as_slice().expect("standard layout");
    let slabs = map_ranges(n, g.pieces(c), |images| {
        let mut out = vec![0.0; images.len() * big];
        let columns = g.images_per_block() * p;
        let (mut x_block, mut cols) = (vec![0.0; c * columns], vec![0.0; k * columns]);
        for block in g.blocks(images.clone()) {
            let width = block.len() * p;
            let (x_block, cols) = (&mut x_block[..c * width], &mut cols[..k * width]);
            gather_channels(x_flat, c, p, block.clone(), x_block); // [C, B]
            gemm_on(1, 1.0, w2.t(), matrix(x_block, c), 0.0, matrix_mut(cols, k)); // [K, B]
            let slab = &mut out[(block.start - images.start) * big..][..block.len() * big];
            col2im(cols, g, block.len(), slab);
            if let Some(b) = &bias_values {
                for (i, plane) in slab.chunks_mut(oh * ow).enumerate() {
                    plane.iter_mut().for_each(|v| *v += b[i % o]);
                }
            }
        }
        out
    });
    let out = to_nchw(slabs.concat(), [n, o, oh, ow]);
    let w_shape = wv.shape().to_vec();
    let mut inputs = vec![x, weight];
    inputs.extend(bias);
    Tensor::from_op("conv_transpose2d", out, &inputs, move |dy, need| {
        let x_flat = xv.as_slice().expect("standard layout");
        let dy = dy.as_standard_layout();
        let dy = dy.as_slice().expect("standard layout");
        let (need_x, need_w) = (need[0], need[1]);
        let parts = map_ranges(n, g.pieces(c), |images| {
            let mut db = vec![0.0; o];
            for (i, plane) in dy[images.start * big..images.end * big]
                .chunks(oh * ow)
                .enumerate()
            {
                db[i % o] += plane.iter().sum::<f32>();
            }
            let mut part = Partial {
                dx: vec![0.0; if need_x { images.len() * c * p } else { 0 }],
                dw: Array2::zeros((c, k)),
                db,
            };
            let columns = g.images_per_block() * p;
            let (mut dcols, mut x_block, mut dx_block) = (
                vec![0.0; k * columns],
                vec![0.0; c * columns],
                vec![0.0; c * columns],
            );
            for block in g.blocks(images.clone()) {
                let width = block.len() * p;
                let (dcols, x_block, dx_block) = (
                    &mut dcols[..k * width],
                    &mut x_block[..c * width],
                    &mut dx_block[..c * width],
                );
                im2col(dy, g, block.clone(), dcols); // [K, B]
                if need_x {
                    gemm_on(
                        1,
                        1.0,
                        w2.view(),
                        matrix(dcols, k),
                        0.0,
                        matrix_mut(dx_block, c),
                    ); // [C, B]
                    let slab =
                        &mut part.dx[(block.start - images.start) * c * p..][..block.len() * c * p];
                    scatter_channels(dx_block, c, p, None, slab);
                }
                if need_w {
                    gather_channels(x_flat, c, p, block.clone(), x_block);
                    gemm_on(
                        1,
                        1.0,
                        matrix(x_block, c),
                        matrix(dcols, k).t(),
                        1.0,
                        part.dw.view_mut(),
                    );
                }
            }
            part
        });
        let total = combine(parts);
        vec![
            need_x.then(|| to_nchw(total.dx, [n, c, h, w])),
            need_w.then(|| {
                total
                    .dw
                    .into_shape_with_order(w_shape.clone())
                    .expect("same size")
                    .into_dyn()
            }),
            need.get(2).and_then(|&need| {
                need.then(|| {
                    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[o]), total.db)
                        .expect("O values")
                })
            }),
        ]
    })
}
