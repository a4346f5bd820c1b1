//! Using a trained generator: samples written as an MNIST-format IDX file (so that any
//! classifier can score them), and walks through the latent space.

use std::path::Path;

use ndarray::ArrayView3;
use tensor::Tensor;

// ANCHOR: write_idx
/// Writes images `[N, H, W]` as an IDX image file, the format of MNIST's
/// `t10k-images-idx3-ubyte`: the magic number 2051 (unsigned bytes, 3 dimensions), N, H and
/// W as big-endian 32-bit numbers, then the pixels row by row. `data::idx::read_images`, or
/// any MNIST loader, reads it back. Written through a temporary file renamed into place.
///
/// # Errors
/// If the file cannot be written; the message names it.
pub fn write_idx(path: &Path, images: ArrayView3<u8>) -> anyhow::Result<()> {
    let (n, h, w) = images.dim();
    let mut bytes = Vec::with_capacity(16 + n * h * w);
    bytes.extend(data::idx::IMAGES_MAGIC.to_be_bytes());
    for size in [n, h, w] {
        let size = u32::try_from(size).map_err(|_| anyhow::anyhow!("{size} does not fit IDX"))?;
        bytes.extend(size.to_be_bytes());
    }
    bytes.extend(images.iter()); // logical (row-major) order whatever the memory layout
    run::write_atomic(path, &bytes)
}
// ANCHOR_END: write_idx

// ANCHOR: slerp
/// `steps` latent points on the way from `a` to `b` (both ends included), along the great
/// circle between them rather than the straight line: a latent point of Z standard normal
/// numbers has a length close to √Z, and the middle of a straight line between two of them is
/// shorter than any point the generator was trained on (about √(Z/2)). Spherical
/// interpolation keeps the length, so every point on the walk looks like a training input.
pub fn slerp(a: &[f32], b: &[f32], steps: usize) -> Vec<Vec<f32>> {
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let omega = (dot / (norm(a) * norm(b)).max(f32::MIN_POSITIVE))
        .clamp(-1.0, 1.0)
        .acos();
    (0..steps)
        .map(|i| {
            let t = i as f32 / (steps.max(2) - 1) as f32;
            // sin((1-t)Ω)/sin Ω and sin(tΩ)/sin Ω; for (nearly) parallel ends, the straight line.
            let (wa, wb) = if omega.sin().abs() < 1e-6 {
                (1.0 - t, t)
            } else {
                let s = omega.sin();
                (((1.0 - t) * omega).sin() / s, (t * omega).sin() / s)
            };
            a.iter().zip(b).map(|(x, y)| wa * x + wb * y).collect()
        })
        .collect()
}
// ANCHOR_END: slerp

/// Walks between consecutive rows of `ends: [2·rows, Z]`: `rows` walks of `steps` points each,
/// as one batch `[rows·steps, Z]`.
pub fn walks(ends: &Tensor, steps: usize) -> Tensor {
    let shape = ends.shape();
    let (count, z) = (shape[0], shape[1]);
    let values = ends.to_vec();
    let rows: Vec<&[f32]> = values.chunks_exact(z).collect();
    let mut points = Vec::with_capacity(count / 2 * steps * z);
    for pair in rows.chunks_exact(2) {
        for point in slerp(pair[0], pair[1], steps) {
            points.extend(point);
        }
    }
    Tensor::from_vec(points, &[count / 2 * steps, z])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slerp_starts_and_ends_at_its_ends_and_keeps_the_length_between() {
        let (a, b) = ([3.0f32, 0.0], [0.0f32, 3.0]);
        let walk = slerp(&a, &b, 5);
        assert_eq!(walk.len(), 5);
        assert!(walk[0].iter().zip(&a).all(|(x, y)| (x - y).abs() < 1e-5));
        assert!(walk[4].iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-5));
        for point in &walk {
            let length = point.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((length - 3.0).abs() < 1e-4, "{point:?}");
        }
    }

    #[test]
    fn an_idx_file_reads_back_with_the_data_crate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("samples-idx3-ubyte");
        let images = ndarray::Array3::from_shape_fn((3, 28, 28), |(n, i, j)| (n * 7 + i + j) as u8);
        write_idx(&path, images.view()).unwrap();
        assert_eq!(data::idx::read_images(&path).unwrap(), images);
    }
}
