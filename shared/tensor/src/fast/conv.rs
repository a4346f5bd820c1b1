//! The fast engine's 2-D convolution and its transpose (the reference is `ops/conv.rs`):
//! im2col + matrix multiply, a block of images at a time, on several threads. `FAST.md`
//! explains the design and the README has the measurements.
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
//! run of images. Backward builds each block's `cols` again rather than keeping them all
//! (except for small images, below), and `col2im` adds each entry of a `[K, B]` matrix
//! back onto the pixel it came from. A transposed convolution is the same pieces in the
//! other order. The passes of `conv2d` are methods of `Convolution`, which
//! `conv2d_max_pool2d` (conv_pool.rs) uses too.
//!
//! Where the time goes, and what keeps it down:
//! - GEMM: blocks large enough for well-shaped products, one thread per run of images.
//! - im2col and col2im: with stride 1 and rows of 8 or more, a row of a patch is a run of
//!   an input row, so each is one copy (or one vectorised add). Otherwise a table, computed
//!   once per call, says which pixel each (tap, position) reads: one lookup per entry. Being
//!   the slower way, for those small images the forward pass keeps its `cols` for the
//!   backward pass (2.7 MB for 05-cnn's last layer) instead of building them twice.
//! - Copies: blocks of several images are padded with zero columns to a multiple of 16, so
//!   that the GEMM reads `cols` where it is instead of first copying it into a layout of its
//!   own. An image with P ≥ ~1,000 positions is a block on its own, and then its output
//!   `[O, P]` and its gradient `dY` are already in the GEMM's layout: used in place.
//!   The bias is the GEMM's starting value (beta = 1), not a separate pass; each thread
//!   writes its images straight into the one output buffer, so nothing is concatenated,
//!   zeroing each block's share of it just before filling it, while it is in cache.
//! - Sums (db) run in sixteen lanes, so they vectorise; one running sum would not.

use std::ops::Range;

use ndarray::{Array2, ArrayD, ArrayView2, ArrayViewMut2, IxDyn};

use crate::fast::gemm::gemm_on;
use crate::fast::parallel::{map_lazily_zeroed_pieces, map_zeroed_pieces, threads};
use crate::fast::scratch::with_scratch;
use crate::ops::conv::{check_bias, output_size, shape4};
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
    fn new(op: &str, input: [usize; 4], kh: usize, kw: usize, stride: usize, pad: usize) -> Self {
        let [n, c, h, w] = input;
        let [oh, ow] = output_size(op, [h, w], [kh, kw], stride, pad);
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

    /// Where each patch entry comes from: for kernel tap (ky, kx) and output position
    /// (oy, ox), `sources[(ky·KW + kx)·P + oy·OW + ox]` is the index in an input plane
    /// `[H, W]` of the pixel that tap reads there, `(oy·stride + ky - pad, ox·stride + kx - pad)`,
    /// or [`PADDING`] where that falls outside the image.
    ///
    /// With the table, im2col and col2im are one lookup per entry, with no special cases
    /// for edges or strides, and their inner loops run over all P positions of an image
    /// rather than one output row at a time: rows are only 3 long in 05-cnn's last layer,
    /// where copying row by row spent longer starting each copy than copying.
    fn sources(&self) -> Vec<u32> {
        let inside = |out: usize, tap: usize, size: usize| {
            (out * self.stride + tap)
                .checked_sub(self.pad)
                .filter(|&i| i < size)
        };
        let mut sources = Vec::with_capacity(self.kh * self.kw * self.p());
        for (ky, kx) in (0..self.kh).flat_map(|ky| (0..self.kw).map(move |kx| (ky, kx))) {
            for (oy, ox) in (0..self.oh).flat_map(|oy| (0..self.ow).map(move |ox| (oy, ox))) {
                let source = match (inside(oy, ky, self.h), inside(ox, kx, self.w)) {
                    (Some(y), Some(x)) => u32::try_from(y * self.w + x).expect("a plane < 4G"),
                    _ => PADDING,
                };
                sources.push(source);
            }
        }
        sources
    }
}

// With stride 1, each row of a patch matrix is made of runs of input rows, and im2col and
// col2im go an output row at a time, one copy (or one vectorised add) per row.
impl Geometry {
    /// True if im2col and col2im go row by row, rather than through [`Self::sources`]: with
    /// stride 1 and output rows of at least 8. (For shorter rows, starting each copy costs
    /// more than the table's lookups: 05-cnn's last layer has rows of 3.)
    fn copies_rows(&self) -> bool {
        self.stride == 1 && self.ow >= 8
    }

    /// The input row that kernel row `ky` reads at output row `oy`, `oy·stride + ky - pad`,
    /// or `None` where that is in the zero padding.
    fn input_row(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.stride + ky)
            .checked_sub(self.pad)
            .filter(|&iy| iy < self.h)
    }

    /// With stride 1: the output columns `ox` at which kernel column `kx` reads inside the
    /// image (input column `ox + kx - pad` in `0..W`), one run; the others read padding.
    fn inside_columns(&self, kx: usize) -> Range<usize> {
        let first = self.pad.saturating_sub(kx).min(self.ow);
        let end = (self.w + self.pad).saturating_sub(kx).clamp(first, self.ow);
        first..end
    }
}

impl Geometry {
    /// How many images go in one block.
    fn images_per_block(&self) -> usize {
        (BLOCK_COLUMNS / self.p().max(1)).max(1)
    }

    /// Columns of the largest block of `images` images: the size of the work buffers. (A
    /// thread with fewer images than a full block needs, and zeroes, only what it uses.)
    fn block_columns(&self, images: usize) -> usize {
        self.width(self.images_per_block().min(images))
    }

    /// Columns of a block of `images` images as laid out in the work buffers: `images·P`,
    /// rounded up to a multiple of 16 when there are several images, the extra columns
    /// zero. With a multiple of 16 the GEMM reads the patch matrix where it is; otherwise it
    /// first copies it into a padded layout of its own, a second copy of every patch.
    fn width(&self, images: usize) -> usize {
        if images == 1 {
            self.p() // used in place (see conv2d): no room for padding
        } else {
            (images * self.p()).next_multiple_of(16)
        }
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

/// Marks a patch entry in the zero padding. It is past the end of any image plane, so
/// `plane.get(PADDING)` is `None`: read as zero, and nothing to add back onto.
const PADDING: u32 = u32::MAX;

/// Images `images` of `x: [N, C, H, W]` -> `cols: [K, B]` (B = images.len()·P, then zero
/// columns up to `g.width(..)`), row-major into `cols`: entry ((c, ky, kx), (n, oy, ox)) is
/// the input pixel under kernel tap (ky, kx) when the kernel sits at output (oy, ox) of
/// image n, or zero in the padding.
/// `sources` is `g.sources()`: the pixel each (tap, position) reads, or `PADDING`, which
/// is past the end of every plane, so `get` returns `None` there: a zero.
fn im2col(x: &[f32], g: Geometry, sources: &[u32], images: Range<usize>, cols: &mut [f32]) {
    let (p, taps, plane_size) = (g.p(), g.kh * g.kw, g.h * g.w);
    let width = g.width(images.len());
    for (row_index, row) in cols.chunks_mut(width).enumerate().take(g.k()) {
        let (c, tap) = (row_index / taps, row_index % taps); // row (c, ky, kx)
        let tap_sources = &sources[tap * p..][..p];
        let (ky, kx) = (tap / g.kw, tap % g.kw);
        for (n, out) in images.clone().zip(row.chunks_mut(p)) {
            let plane = &x[(n * g.c + c) * plane_size..][..plane_size];
            if g.copies_rows() {
                // Output row oy reads input row oy + ky - pad (or the padding), and in it a
                // contiguous run of pixels: one copy per row.
                let inside = g.inside_columns(kx);
                for (oy, out_row) in out.chunks_exact_mut(g.ow).enumerate() {
                    let Some(iy) = g.input_row(oy, ky) else {
                        out_row.fill(0.0); // the kernel row is over the padding
                        continue;
                    };
                    out_row[..inside.start].fill(0.0); // left and right padding
                    out_row[inside.end..].fill(0.0);
                    let first = iy * g.w + inside.start + kx - g.pad; // a pixel index
                    let to = &mut out_row[inside.clone()];
                    to.copy_from_slice(&plane[first..][..to.len()]);
                }
                continue;
            }
            if g.pad == 0 {
                // No padding: every source is a pixel. A plain index, with no branch on
                // `PADDING`, measured 4 to 8% faster on 05-cnn's last layer than `get`.
                for (entry, &source) in out.iter_mut().zip(tap_sources) {
                    *entry = plane[source as usize];
                }
            } else {
                for (entry, &source) in out.iter_mut().zip(tap_sources) {
                    *entry = plane.get(source as usize).copied().unwrap_or(0.0);
                }
            }
        }
        row[images.len() * p..].fill(0.0); // the padding columns
    }
}

/// The adjoint of `im2col`: adds each entry of `cols: [K, B]` back onto the input pixel it
/// was copied from, in `out: [images, C, H, W]`. Where patches overlap, contributions add up.
fn col2im(cols: &[f32], g: Geometry, sources: &[u32], out: &mut [f32]) {
    let (p, taps, plane_size) = (g.p(), g.kh * g.kw, g.h * g.w);
    let width = cols.len() / g.k(); // the images' positions, then any padding columns
    for (row_index, row) in cols.chunks(width).enumerate().take(g.k()) {
        let (c, tap) = (row_index / taps, row_index % taps);
        let tap_sources = &sources[tap * p..][..p];
        let (ky, kx) = (tap / g.kw, tap % g.kw);
        for (image, from) in out.chunks_mut(g.c * plane_size).zip(row.chunks(p)) {
            let plane = &mut image[c * plane_size..][..plane_size];
            if g.copies_rows() {
                let inside = g.inside_columns(kx);
                for (oy, from_row) in from.chunks_exact(g.ow).enumerate() {
                    if let Some(iy) = g.input_row(oy, ky) {
                        let first = iy * g.w + inside.start + kx - g.pad;
                        let run = &mut plane[first..][..inside.len()];
                        let from = &from_row[inside.clone()];
                        run.iter_mut().zip(from).for_each(|(pixel, &v)| *pixel += v);
                    }
                }
                continue;
            }
            if g.pad == 0 {
                for (&v, &source) in from.iter().zip(tap_sources) {
                    plane[source as usize] += v; // every source a pixel, as in im2col
                }
            } else {
                for (&v, &source) in from.iter().zip(tap_sources) {
                    if let Some(pixel) = plane.get_mut(source as usize) {
                        *pixel += v;
                    }
                }
            }
        }
    }
}

/// Images `images` of `x: [N, C, P]` -> `[C, images·P]` in `out`: channel-major, as the
/// GEMMs want it.
fn gather_channels(x: &[f32], c: usize, p: usize, images: Range<usize>, out: &mut [f32]) {
    let width = out.len() / c;
    for (ch, row) in out.chunks_mut(width).enumerate().take(c) {
        for (n, run) in images.clone().zip(row.chunks_mut(p)) {
            run.copy_from_slice(&x[(n * c + ch) * p..][..p]);
        }
        row[images.len() * p..].fill(0.0); // padding columns, if any
    }
}

/// `y = bias + w·cols`, `[O, K]·[K, B]` -> `y: [O, B]`, with `bias[o]` added to row `o`.
/// The rows start as the bias and the GEMM adds onto them (beta = 1): no extra pass.
fn add_weighted_columns(w: ArrayView2<f32>, cols: &[f32], bias: Option<&[f32]>, y: &mut [f32]) {
    let (o, k) = w.dim();
    for (row, b) in y.chunks_mut(y.len() / o).zip(0..) {
        row.fill(bias.map_or(0.0, |bias| bias[b]));
    }
    gemm_on(1, 1.0, w, matrix(cols, k), 1.0, matrix_mut(y, o));
}

/// `[C, images·P]` -> `out: [images, C, P]`: the inverse of `gather_channels`.
fn scatter_channels(y: &[f32], c: usize, p: usize, out: &mut [f32]) {
    let width = y.len() / c;
    for (i, image) in out.chunks_mut(c * p).enumerate() {
        for (ch, run) in image.chunks_mut(p).enumerate() {
            run.copy_from_slice(&y[ch * width + i * p..][..p]);
        }
    }
}

/// The sum of `values`, in sixteen running sums added up at the end: one running sum
/// would be a chain of dependent additions, each waiting for the last, that the compiler
/// may not reorder (float addition is not associative); sixteen independent ones fill a
/// vector register. The order is fixed, so the result is the same every run.
fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    let chunks = values.chunks_exact(16);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

fn matrix(values: &[f32], rows: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((rows, values.len() / rows), values).expect("a whole number of rows")
}

fn matrix_mut(values: &mut [f32], rows: usize) -> ArrayViewMut2<'_, f32> {
    let cols = values.len() / rows;
    ArrayViewMut2::from_shape((rows, cols), values).expect("a whole number of rows")
}

/// The parameter gradients from one thread's share of a backward pass; summed in thread
/// order. (The input gradient is written in place: each image belongs to one thread.)
struct Partial {
    dw: Array2<f32>,
    db: Vec<f32>,
}

/// Adds up the threads' partial gradients, always in the same order.
fn combine(parts: Vec<Partial>) -> Partial {
    let mut parts = parts.into_iter();
    let mut total = parts.next().expect("at least one part");
    for part in parts {
        total.dw += &part.dw;
        total.db.iter_mut().zip(&part.db).for_each(|(t, v)| *t += v);
    }
    total
}

/// `x` itself if it is laid out row-major (no copy), else a row-major copy.
fn standard(x: Data) -> Data {
    if x.is_standard_layout() {
        x
    } else {
        x.as_standard_layout().into_owned().into_shared()
    }
}

fn to_nchw(values: Vec<f32>, shape: [usize; 4]) -> ndarray::ArrayD<f32> {
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), values).expect("sized above")
}

/// The patch matrices a thread's forward pass built, kept for its backward pass: the
/// blocks of `images`, one after another, each `[K, width]`. Empty where the convolution
/// does not keep them (see [`Convolution::keeps_patches`]).
pub(crate) struct Patches {
    images: Range<usize>,
    /// Grows a block at a time, within a capacity reserved for all of them.
    values: Vec<f32>,
}

impl Patches {
    /// Where the next block's patch matrix, `len` numbers, is built: in the kept values,
    /// or else in `scratch`, the thread's work space, reused block after block.
    pub(crate) fn next_block<'a>(
        &'a mut self,
        len: usize,
        scratch: &'a mut [f32],
    ) -> &'a mut [f32] {
        if self.values.capacity() == 0 {
            return &mut scratch[..len];
        }
        // Zeroed just before im2col overwrites it, while in cache, not all at once first.
        let used = self.values.len();
        self.values.resize(used + len, 0.0);
        &mut self.values[used..]
    }
}

/// One `conv2d` call as both passes need it: the shapes, the weights as `[O, K]`, the bias,
/// and the input, kept (sharing storage, not copied) for the backward pass.
pub(crate) struct Convolution {
    g: Geometry,
    o: usize,
    sources: Vec<u32>,
    w2: Array2<f32>,
    w_shape: Vec<usize>,
    bias: Option<Vec<f32>>,
    x: Data,
    /// Whether a backward pass will want the weight's gradient (recorded, and the
    /// weight is a parameter).
    weight_gradient: bool,
}

impl Convolution {
    /// Checks the shapes (naming `op` in the message) and sets the call up.
    #[track_caller]
    pub(crate) fn new(
        x: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: usize,
        padding: usize,
        op: &str,
    ) -> Convolution {
        let (xv, wv) = (x.value(), weight.value());
        let [n, c, h, w] = shape4(&xv, "input", op);
        let [o, wc, kh, kw] = shape4(&wv, "weight", op);
        assert!(
            wc == c,
            "{op}: input {:?} has {c} channels, weight {:?} expects {wc}",
            xv.shape(),
            wv.shape()
        );
        let g = Geometry::new(op, [n, c, h, w], kh, kw, stride, padding);
        Convolution {
            g,
            o,
            sources: g.sources(),
            w2: wv.to_shape((o, g.k())).expect("same size").into_owned(), // [O, K]
            w_shape: wv.shape().to_vec(),
            bias: check_bias(bias, o, op).map(|b| b.to_vec()),
            x: standard(xv),
            weight_gradient: crate::grad_enabled() && weight.requires_grad(),
        }
    }

    /// The output's shape, `[N, O, OH, OW]`.
    pub(crate) fn output_shape(&self) -> [usize; 4] {
        [self.g.n, self.o, self.g.oh, self.g.ow]
    }

    /// Output positions per image, P = OH·OW.
    pub(crate) fn positions(&self) -> usize {
        self.g.p()
    }

    /// Columns of a block of `images` images in the work buffers (see [`Geometry::width`]).
    pub(crate) fn width(&self, images: usize) -> usize {
        self.g.width(images)
    }

    /// How many threads to split the images between.
    pub(crate) fn pieces(&self) -> usize {
        self.g.pieces(self.o)
    }

    /// The blocks a thread's `images` are processed in.
    pub(crate) fn blocks(&self, images: Range<usize>) -> impl Iterator<Item = Range<usize>> {
        self.g.blocks(images)
    }

    /// True if the forward pass keeps its patch matrices for the backward pass (whose
    /// weight gradient reads them), instead of the backward pass building them again: for
    /// small images (output rows under 8), whose patches are built one table lookup at a
    /// time, and whose whole batch of patches is small (05-cnn's last layer: 2.7 MB at
    /// batch 128, where building them twice was a fifth of the layer's time). For larger
    /// images each row of a patch is one copy, cheaper than storing every patch and
    /// reading it back from memory.
    pub(crate) fn keeps_patches(&self) -> bool {
        self.weight_gradient && !self.g.copies_rows()
    }

    /// Storage for the patch matrices of a thread's `images`: all its blocks' if they are
    /// kept, else nothing (they are then built in scratch space).
    pub(crate) fn patches(&self, images: Range<usize>) -> Patches {
        let len = if self.keeps_patches() {
            let columns = self.blocks(images.clone()).map(|b| self.width(b.len()));
            columns.sum::<usize>() * self.g.k()
        } else {
            0
        };
        Patches {
            images,
            values: Vec::with_capacity(len),
        }
    }

    /// Numbers in the patch matrix of a block of `images` images, `[K, width]`.
    pub(crate) fn patch_len(&self, images: usize) -> usize {
        self.g.k() * self.width(images)
    }

    /// Scratch lengths for [`Self::forward_block`] on a thread with `images` images: the
    /// patches `[K, B]` and the output `[O, B]` of its largest block.
    pub(crate) fn forward_scratch(&self, images: usize) -> [usize; 2] {
        let columns = self.g.block_columns(images);
        [self.g.k() * columns, self.o * columns]
    }

    /// The block's output `y: [O, B]` (B = `width(block.len())`): `bias + W·im2col(x)`.
    /// `cols` is work space of at least `K·B`.
    pub(crate) fn forward_block(&self, block: Range<usize>, cols: &mut [f32], y: &mut [f32]) {
        let x = self.x.as_slice().expect("standard layout");
        let cols = &mut cols[..self.patch_len(block.len())];
        im2col(x, self.g, &self.sources, block, cols);
        add_weighted_columns(self.w2.view(), cols, self.bias.as_deref(), y);
    }

    /// The backward pass. `kept` is what the forward pass's threads kept of their patch
    /// matrices. `dy_block(block, buffer)` lays the gradient of a block's output out as
    /// `[O, B]` in `buffer` (`O·B` values) and returns `None`, or returns it as a slice it
    /// already has. Returns the gradients of x, the weight and the bias, those that `need`
    /// asks for.
    pub(crate) fn backward<'d>(
        &self,
        need: &[bool],
        kept: &[Patches],
        dy_block: impl Fn(Range<usize>, &mut [f32]) -> Option<&'d [f32]> + Sync,
    ) -> Vec<Option<ArrayD<f32>>> {
        let (g, o, k) = (self.g, self.o, self.g.k());
        let x_flat = self.x.as_slice().expect("standard layout");
        let (need_x, need_w) = (need[0], need[1]);
        // dx is written in place, each thread its own images; dW and db are summed per
        // thread, then added up in thread order.
        let image = g.c * g.h * g.w;
        let dx_len = if need_x { g.n * image } else { 0 }; // [N, C, H, W]
        let (dx, parts) = map_lazily_zeroed_pieces(dx_len, g.n, self.pieces(), |images, dx| {
            let mut part = Partial {
                dw: Array2::zeros((k, o)), // dWᵀ, see below
                db: vec![0.0; o],
            };
            let columns = g.block_columns(images.len());
            let lengths = [
                k * columns,
                o * columns,
                if need_x { k * columns } else { 0 },
            ];
            // The patches the forward pass kept for these images, in the same blocks: found
            // unless the thread count changed in between (then they are built again).
            let kept = kept
                .iter()
                .find(|p| p.images == images && !p.values.is_empty());
            let mut kept_blocks = kept.map(|p| p.values.as_slice());
            with_scratch(lengths, |[cols, dy_buffer, dcols]| {
                for block in g.blocks(images.clone()) {
                    let width = g.width(block.len());
                    let built = &mut cols[..k * width];
                    let buffer = &mut dy_buffer[..o * width];
                    let dy_block = dy_block(block.clone(), buffer).unwrap_or(buffer); // [O, B]
                    for (db, row) in part.db.iter_mut().zip(dy_block.chunks(width)) {
                        *db += sum(row);
                    }
                    let cols: &[f32] = match kept_blocks.as_mut() {
                        Some(rest) => {
                            let (this, after) = rest.split_at(k * width);
                            *rest = after;
                            this
                        }
                        None => {
                            if need_w {
                                im2col(x_flat, g, &self.sources, block.clone(), built);
                            }
                            built
                        }
                    };
                    if need_w {
                        // dWᵀ += cols·dYᵀ, [K, B]·[B, O] (the transpose is a view, not a copy).
                        // The same sum as dW += dY·colsᵀ, but the GEMM then copies only the
                        // small dY into its own layout, not the patch matrix: a third faster.
                        let dy_t = matrix(dy_block, o).reversed_axes();
                        gemm_on(1, 1.0, matrix(cols, k), dy_t, 1.0, part.dw.view_mut());
                    }
                    if need_x {
                        let dcols = &mut dcols[..k * width];
                        let dy_block = matrix(dy_block, o);
                        gemm_on(1, 1.0, self.w2.t(), dy_block, 0.0, matrix_mut(dcols, k)); // [K, B]
                        let slab = dx.next(block.len() * image); // the block's images' dx
                        col2im(dcols, g, &self.sources, slab);
                    }
                }
            });
            part
        });
        let total = combine(parts);
        let mut grads = vec![
            need_x.then(|| to_nchw(dx, [g.n, g.c, g.h, g.w])),
            need_w.then(|| {
                total
                    .dw
                    .reversed_axes() // dWᵀ [K, O] -> dW [O, K]
                    .as_standard_layout()
                    .into_owned()
                    .into_shape_with_order(self.w_shape.clone())
                    .expect("same size")
                    .into_dyn()
            }),
            need.get(2).and_then(|&need| {
                need.then(|| ArrayD::from_shape_vec(IxDyn(&[o]), total.db).expect("O values"))
            }),
        ];
        grads.truncate(need.len()); // one per input: none for a missing bias
        grads
    }
}

/// The fast version of [`crate::ops::conv::conv2d`], the same convolution.
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
    let conv = Convolution::new(x, weight, bias, stride, padding, "conv2d");
    let shape @ [n, o, ..] = conv.output_shape();
    let p = conv.positions();
    // Each thread fills its own run of images of the output, in place.
    let (out, kept) = map_lazily_zeroed_pieces(n * o * p, n, conv.pieces(), |images, out| {
        let mut patches = conv.patches(images.clone());
        with_scratch(conv.forward_scratch(images.len()), |[scratch, y_buffer]| {
            for block in conv.blocks(images.clone()) {
                let cols = patches.next_block(conv.patch_len(block.len()), scratch);
                let slab = out.next(block.len() * o * p); // the block's images' [O, P] outputs
                if block.len() == 1 {
                    // One image per block (large images): its output [O, P] is already the
                    // layout the GEMM writes, so it writes there directly.
                    conv.forward_block(block, cols, slab);
                } else {
                    let y = &mut y_buffer[..o * conv.width(block.len())]; // [O, B]
                    conv.forward_block(block, cols, y);
                    scatter_channels(y, o, p, slab);
                }
            }
        });
        patches
    });
    let mut inputs = vec![x, weight];
    inputs.extend(bias);
    Tensor::from_op("conv2d", to_nchw(out, shape), &inputs, move |dy, need| {
        let dy = dy.as_standard_layout();
        let dy = dy.as_slice().expect("standard layout");
        conv.backward(need, &kept, |block, buffer| {
            if block.len() == 1 {
                Some(&dy[block.start * o * p..][..o * p]) // one image's dY is [O, P] already
            } else {
                gather_channels(dy, o, p, block, buffer);
                None
            }
        })
    })
}

/// The fast version of [`crate::ops::conv::conv_transpose2d`].
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
    let bias_values = check_bias(bias, o, "conv_transpose2d").map(|b| b.to_vec());
    assert!(stride >= 1, "conv_transpose2d: stride must be at least 1");
    let (oh, ow) = ((h - 1) * stride + kh, (w - 1) * stride + kw);
    assert!(
        oh > 2 * padding && ow > 2 * padding,
        "conv_transpose2d: padding {padding} leaves no output"
    );
    let (oh, ow) = (oh - 2 * padding, ow - 2 * padding);
    // The convolution whose input-gradient this is: from [N, O, OH, OW] down to [N, C, H, W].
    let g = Geometry::new("conv_transpose2d", [n, o, oh, ow], kh, kw, stride, padding);
    debug_assert!(g.oh == h && g.ow == w);
    let (k, p, big) = (g.k(), g.p(), o * oh * ow); // K = O·KH·KW, P = H·W, one output image
    let sources = g.sources();
    let w2 = wv.to_shape((c, k)).expect("same size").into_owned(); // [C, K]
    let xv = standard(xv); // kept for backward: shares storage with x
    let x_flat = xv.as_slice().expect("standard layout");
    // [N, O, OH, OW], each thread its own images
    let (out, _) = map_zeroed_pieces(n * big, n, g.pieces(c), |images, out| {
        let columns = g.block_columns(images.len());
        with_scratch([c * columns, k * columns], |[x_block, cols]| {
            for block in g.blocks(images.clone()) {
                let width = g.width(block.len());
                let (x_block, cols) = (&mut x_block[..c * width], &mut cols[..k * width]);
                gather_channels(x_flat, c, p, block.clone(), x_block); // [C, B]
                gemm_on(1, 1.0, w2.t(), matrix(x_block, c), 0.0, matrix_mut(cols, k)); // [K, B]
                let slab = &mut out[(block.start - images.start) * big..][..block.len() * big];
                col2im(cols, g, &sources, slab);
                if let Some(b) = &bias_values {
                    for (i, plane) in slab.chunks_mut(oh * ow).enumerate() {
                        plane.iter_mut().for_each(|v| *v += b[i % o]);
                    }
                }
            }
        });
    });
    let out = to_nchw(out, [n, o, oh, ow]);
    let w_shape = wv.shape().to_vec();
    let mut inputs = vec![x, weight];
    inputs.extend(bias);
    Tensor::from_op("conv_transpose2d", out, &inputs, move |dy, need| {
        let x_flat = xv.as_slice().expect("standard layout");
        let dy = dy.as_standard_layout();
        let dy = dy.as_slice().expect("standard layout");
        let (need_x, need_w) = (need[0], need[1]);
        let dx_len = if need_x { n * c * p } else { 0 }; // [N, C, H, W]
        let (dx, parts) = map_zeroed_pieces(dx_len, n, g.pieces(c), |images, dx| {
            let mut db = vec![0.0; o];
            for (i, plane) in dy[images.start * big..images.end * big]
                .chunks(oh * ow)
                .enumerate()
            {
                db[i % o] += sum(plane);
            }
            let mut part = Partial {
                dw: Array2::zeros((c, k)),
                db,
            };
            let columns = g.block_columns(images.len());
            with_scratch(
                [k * columns, c * columns, c * columns],
                |[dcols, x_block, dx_block]| {
                    for block in g.blocks(images.clone()) {
                        let width = g.width(block.len());
                        let (dcols, x_block, dx_block) = (
                            &mut dcols[..k * width],
                            &mut x_block[..c * width],
                            &mut dx_block[..c * width],
                        );
                        im2col(dy, g, &sources, block.clone(), dcols); // [K, B]
                        if need_x {
                            gemm_on(
                                1,
                                1.0,
                                w2.view(),
                                matrix(dcols, k),
                                0.0,
                                matrix_mut(dx_block, c),
                            ); // [C, B]
                            let slab = &mut dx[(block.start - images.start) * c * p..]
                                [..block.len() * c * p];
                            scatter_channels(dx_block, c, p, slab);
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
                },
            );
            part
        });
        let total = combine(parts);
        let mut grads = vec![
            need_x.then(|| to_nchw(dx, [n, c, h, w])),
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
        ];
        grads.truncate(need.len()); // one per input: none for a missing bias
        grads
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    /// `y = conv2d(x, w) + b` and, for the loss `Σ y·r`, the gradients dx, dw, db, by the
    /// definition: `y[n,o,oy,ox] = b[o] + Σ_(c,ky,kx) w[o,c,ky,kx] · x[n,c,oy·s+ky-p,ox·s+kx-p]`,
    /// so each product sends `r·w` to that pixel of dx and `r·x` to that weight of dw.
    fn by_definition(
        x: &ArrayD<f32>,
        w: &ArrayD<f32>,
        b: &ArrayD<f32>,
        r: &ArrayD<f32>,
        stride: usize,
        pad: usize,
    ) -> [ArrayD<f32>; 4] {
        let (&[n, c, h, wd], &[o, _, kh, kw]) = (x.shape(), w.shape()) else {
            unreachable!()
        };
        let (oh, ow) = (
            (h + 2 * pad - kh) / stride + 1,
            (wd + 2 * pad - kw) / stride + 1,
        );
        let mut y = ArrayD::zeros(IxDyn(&[n, o, oh, ow]));
        let (mut dx, mut dw, mut db) = (
            ArrayD::zeros(x.raw_dim()),
            ArrayD::zeros(w.raw_dim()),
            ArrayD::zeros(b.raw_dim()),
        );
        for [i, oc, oy, ox] in ndarray::indices((n, o, oh, ow))
            .into_iter()
            .map(<[usize; 4]>::from)
        {
            let g = r[[i, oc, oy, ox]];
            y[[i, oc, oy, ox]] = b[[oc]];
            db[[oc]] += g;
            for [ic, ky, kx] in ndarray::indices((c, kh, kw))
                .into_iter()
                .map(<[usize; 3]>::from)
            {
                let (iy, ix) = (oy * stride + ky, ox * stride + kx);
                if iy < pad || ix < pad || iy - pad >= h || ix - pad >= wd {
                    continue; // zero padding
                }
                let (iy, ix) = (iy - pad, ix - pad);
                y[[i, oc, oy, ox]] += w[[oc, ic, ky, kx]] * x[[i, ic, iy, ix]];
                dx[[i, ic, iy, ix]] += g * w[[oc, ic, ky, kx]];
                dw[[oc, ic, ky, kx]] += g * x[[i, ic, iy, ix]];
            }
        }
        [y, dx, dw, db]
    }

    fn random(shape: &[usize], seed: u64) -> ArrayD<f32> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(-1.0f32..1.0))
    }

    /// Runs conv2d forward and backward on two threads and checks every output and
    /// gradient against [`by_definition`].
    fn check(x_shape: [usize; 4], w_shape: [usize; 4], stride: usize, pad: usize) {
        host::threads::use_threads(2);
        let (x, w, b) = (
            random(&x_shape, 1),
            random(&w_shape, 2),
            random(&[w_shape[0]], 3),
        );
        let (xt, wt, bt) = (
            Tensor::param(x.clone()),
            Tensor::param(w.clone()),
            Tensor::param(b.clone()),
        );
        let y = conv2d(&xt, &wt, Some(&bt), stride, pad);
        let r = random(&y.shape(), 4);
        (&y * &Tensor::new(r.clone())).sum().backward();
        let want = by_definition(&x, &w, &b, &r, stride, pad);
        let got = [
            y.to_array(),
            xt.grad().unwrap(),
            wt.grad().unwrap(),
            bt.grad().unwrap(),
        ];
        for (name, (got, want)) in ["y", "dx", "dw", "db"].iter().zip(got.iter().zip(&want)) {
            assert_eq!(got.shape(), want.shape(), "{name}");
            for (a, b) in got.iter().zip(want) {
                assert!(
                    (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
                    "{name}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn large_images_one_per_block_are_written_in_place_correctly() {
        // P = 40·40 = 1600 ≥ 1024 columns: each block is one image, whose output and dY
        // are used in place; 2.3M multiply-adds, so 5 images split 3 + 2 between threads.
        check([5, 4, 40, 40], [8, 4, 3, 3], 1, 1);
        // One input channel, as a first layer on grey images.
        check([2, 1, 34, 34], [3, 1, 3, 3], 1, 0);
    }

    #[test]
    fn blocks_of_several_images_split_unevenly_between_threads_are_correct() {
        // P = 10·10 = 100: blocks of 10 images. 25 images split 13 + 12 between threads,
        // so each thread ends with a partial block (3 and 2 images).
        check([25, 6, 10, 10], [16, 6, 3, 3], 1, 1);
    }

    #[test]
    fn small_images_keep_their_patches_for_the_backward_pass_correctly() {
        // 3x3 outputs (rows under 8): the forward pass keeps its patch matrices. 260
        // images split 130 + 130 between threads, each a block of 113 and one of 17.
        check([260, 8, 5, 5], [16, 8, 3, 3], 1, 0);
        check([40, 3, 6, 6], [5, 3, 3, 3], 2, 1); // padding and stride, on one thread
    }

    #[test]
    fn patches_are_kept_only_for_small_images_and_a_weight_gradient() {
        let small = Tensor::param(random(&[2, 2, 5, 5], 1));
        let w = Tensor::param(random(&[3, 2, 3, 3], 2));
        let keeps =
            |x: &Tensor, w: &Tensor| Convolution::new(x, w, None, 1, 0, "t").keeps_patches();
        assert!(keeps(&small, &w));
        assert!(!keeps(&small, &w.detach())); // a frozen weight: no weight gradient
        assert!(!crate::no_grad(|| keeps(&small, &w))); // nothing recorded
        let large = Tensor::param(random(&[2, 2, 12, 12], 1));
        assert!(!keeps(&large, &w)); // rows of 10: built again, one copy per row
    }

    #[test]
    fn patches_kept_for_another_split_of_the_images_are_not_used() {
        // As if the thread count had changed between the passes: the kept patches are
        // for images 0..2, the backward pass's one thread has 0..4. They must be ignored
        // (NaN, so that using them would show).
        let x = Tensor::param(random(&[4, 2, 5, 5], 1));
        let w = Tensor::param(random(&[3, 2, 3, 3], 2));
        let conv = Convolution::new(&x, &w, None, 1, 0, "t");
        let dy = random(&[4, 3, 3, 3], 3);
        let dy = dy.as_slice().expect("standard layout");
        let backward = |kept: &[Patches]| {
            conv.backward(&[true, true], kept, |block, buffer| {
                gather_channels(dy, 3, 9, block, buffer);
                None
            })
        };
        let stale = Patches {
            images: 0..2,
            values: vec![f32::NAN; conv.patch_len(2)],
        };
        assert_eq!(backward(&[stale]), backward(&[]));
    }

    #[test]
    fn strides_padding_and_non_square_kernels_read_the_right_pixels() {
        check([3, 2, 9, 8], [4, 2, 3, 2], 2, 1);
        check([2, 3, 5, 5], [2, 3, 5, 5], 1, 2); // padding wider than the image's margin
        check([2, 2, 9, 9], [3, 2, 5, 5], 1, 3); // the same, with rows copied (11 wide)
        check([2, 2, 3, 4], [3, 2, 1, 1], 3, 0); // a 1x1 kernel skipping pixels
    }
}
