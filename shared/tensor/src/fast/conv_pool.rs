//! The fast engine's convolution and the max-pooling after it, as one op:
//! `conv2d_max_pool2d(x, w, b, stride, padding, k)` is `max_pool2d(conv2d(x, w, b, stride,
//! padding), k, k)` (which is the reference version, `ops/conv_pool.rs`), the same numbers
//! and the same gradients as the fast engine's two ops, without the full-size feature maps
//! in between.
//!
//! Why fuse them: at batch 128, 05-cnn's first convolution writes 11 MB of feature maps,
//! pooling reads all of it back to keep a quarter, and backward does the same in reverse:
//! four passes over memory for work that fits in a core's cache. Here each block of images
//! is convolved into a buffer that stays in the cache and pooled from there; only the pooled
//! maps, and where each maximum was, are kept. Backward puts each pooled gradient back
//! where its maximum was, in a buffer of the block's size, and carries on as conv2d's
//! backward does.
//!
//! Legend: N = batch, O = output channels, P = positions of a convolution map (OH·OW),
//! Q = positions of a pooled map (OH/k · OW/k), B = columns of a block.

use crate::fast::conv::Convolution;
use crate::fast::parallel::map_zeroed_pieces;
use crate::fast::pool::{pool_plane, winners};
use crate::fast::scratch::with_scratch;
use crate::tensor::Tensor;

/// The fast version of [`crate::ops::conv_pool::conv2d_max_pool2d`]: the convolution and
/// the pooling in one pass.
///
/// # Panics
/// If the shapes do not fit (the message names them), or a `k × k` window does not fit the
/// convolution's output.
#[track_caller]
pub fn conv2d_max_pool2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    padding: usize,
    k: usize,
) -> Tensor {
    let conv = Convolution::new(x, weight, bias, stride, padding, "conv2d_max_pool2d");
    let [n, o, oh, ow] = conv.output_shape();
    assert!(
        k >= 1 && oh >= k && ow >= k,
        "conv2d_max_pool2d: a {k}x{k} window does not fit the convolution's {oh}x{ow} output"
    );
    let (qh, qw) = (oh / k, ow / k);
    let (p, q) = (conv.positions(), qh * qw);
    // Each thread pools its own images into the output, in place, and keeps where each
    // maximum was in its convolution map: for maps (image, channel) = planes of the output.
    let (out, argmax) = map_zeroed_pieces(n * o * q, n, conv.pieces(), |images, out| {
        let mut argmax = Vec::with_capacity(out.len());
        let mut pooled = out.chunks_mut(q); // in output order: image, then channel
        let mut patches = conv.patches(images.clone());
        with_scratch(conv.forward_scratch(images.len()), |[scratch, y_buffer]| {
            for block in conv.blocks(images.clone()) {
                let cols = patches.next_block(conv.patch_len(block.len()), scratch);
                let width = conv.width(block.len());
                let y = &mut y_buffer[..o * width]; // [O, B]: each channel's maps side by side
                conv.forward_block(block.clone(), cols, y);
                for i in 0..block.len() {
                    for channel in 0..o {
                        let map = &y[channel * width + i * p..][..p];
                        let maxima = pooled.next().expect("one pooled map per map");
                        pool_plane(map, ow, k, k, maxima, qw, &mut argmax);
                    }
                }
            }
        });
        // Planes, as max_pool2d keeps them.
        ((images.start * o..images.end * o, argmax), patches)
    });
    let (argmax, kept): (Vec<_>, Vec<_>) = argmax.into_iter().unzip();
    let out =
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[n, o, qh, qw]), out).expect("sized above");
    let mut inputs = vec![x, weight];
    inputs.extend(bias);
    Tensor::from_op("conv2d_max_pool2d", out, &inputs, move |dy, need| {
        let dy = dy.as_standard_layout();
        let dy = dy.as_slice().expect("standard layout"); // [N, O, QH, QW]
        conv.backward(need, &kept, |block, buffer| {
            // The gradient of the block's convolution maps, [O, B]: zero except where a
            // pooled maximum came from, which gets that output's gradient.
            buffer.fill(0.0);
            let width = buffer.len() / o;
            for (i, image) in block.enumerate() {
                for channel in 0..o {
                    let plane = image * o + channel;
                    let map = &mut buffer[channel * width + i * p..][..p];
                    let grads = &dy[plane * q..][..q];
                    for (&at, &g) in winners(&argmax, plane, q).iter().zip(grads) {
                        map[at as usize] += g;
                    }
                }
            }
            None // written into `buffer`
        })
    })
}

#[cfg(test)]
mod tests {
    use ndarray::{ArrayD, IxDyn};
    use rand::{Rng, SeedableRng};

    use crate::Tensor;

    fn random(shape: &[usize], seed: u64) -> ArrayD<f32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(-1.0f32..1.0))
    }

    /// The fused op and the two ops it replaces, on two threads: every output and every
    /// gradient must be bit-identical (the same sums, in the same order).
    fn check(x_shape: [usize; 4], w_shape: [usize; 4], stride: usize, pad: usize, k: usize) {
        host::threads::use_threads(2);
        let (x, w, b) = (
            random(&x_shape, 1),
            random(&w_shape, 2),
            random(&[w_shape[0]], 3),
        );
        let run = |fused: bool| {
            let (xt, wt, bt) = (
                Tensor::param(x.clone()),
                Tensor::param(w.clone()),
                Tensor::param(b.clone()),
            );
            let y = if fused {
                super::conv2d_max_pool2d(&xt, &wt, Some(&bt), stride, pad, k)
            } else {
                let maps = crate::fast::conv::conv2d(&xt, &wt, Some(&bt), stride, pad);
                crate::fast::pool::max_pool2d(&maps, k, k)
            };
            let r = Tensor::new(random(&y.shape(), 4));
            (&y * &r).sum().backward();
            [
                y.to_array(),
                xt.grad().unwrap(),
                wt.grad().unwrap(),
                bt.grad().unwrap(),
            ]
        };
        let (fused, separate) = (run(true), run(false));
        for (name, (a, b)) in ["y", "dx", "dw", "db"]
            .iter()
            .zip(fused.iter().zip(&separate))
        {
            assert_eq!(a, b, "{name} differs for x {x_shape:?}, w {w_shape:?}");
        }
    }

    #[test]
    fn fused_gives_the_same_numbers_as_conv2d_then_max_pool2d() {
        // 05-cnn's first two layers, on enough images to be split between the threads:
        // blocks of one image (26x26 maps) and of several (11x11 maps, whose last row and
        // column are not pooled).
        check([12, 1, 28, 28], [16, 1, 3, 3], 1, 0, 2);
        check([24, 6, 13, 13], [8, 6, 3, 3], 1, 0, 2);
        // Padding, stride 2, and 3x3 pooling windows.
        check([5, 2, 12, 11], [4, 2, 3, 3], 2, 1, 2);
        check([4, 3, 10, 10], [5, 3, 3, 3], 1, 1, 3);
    }

    #[test]
    #[should_panic(expected = "does not fit the convolution's 2x2 output")]
    fn a_window_larger_than_the_maps_is_refused() {
        let x = Tensor::new(random(&[1, 1, 4, 4], 1));
        let w = Tensor::new(random(&[1, 1, 3, 3], 2));
        super::conv2d_max_pool2d(&x, &w, None, 1, 0, 3);
    }
}
