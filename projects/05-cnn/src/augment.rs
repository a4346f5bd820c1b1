//! Data augmentation: a slightly moved copy of a digit is still the same digit, so showing
//! the network a freshly shifted and rotated copy of each image every epoch teaches it that
//! position and slant do not matter, and it overfits less.

use ndarray::{Array2, ArrayView2};
use rand::Rng;

/// Largest rotation, in degrees, either way.
pub const MAX_DEGREES: f32 = 10.0;
/// Largest shift, in pixels, along each axis.
pub const MAX_SHIFT: f32 = 2.0;

// ANCHOR: augment
/// `image: [H, W]` rotated by a random angle in ±[`MAX_DEGREES`] about its centre and shifted
/// by up to ±[`MAX_SHIFT`] pixels along each axis. Each output pixel looks up where it came
/// from (the inverse motion) and interpolates between the four nearest input pixels; pixels
/// that came from outside the image are 0 (background).
pub fn augment(image: ArrayView2<f32>, rng: &mut impl Rng) -> Array2<f32> {
    let angle = rng.random_range(-MAX_DEGREES..=MAX_DEGREES).to_radians();
    let (dy, dx) = (
        rng.random_range(-MAX_SHIFT..=MAX_SHIFT),
        rng.random_range(-MAX_SHIFT..=MAX_SHIFT),
    );
    warp(image, angle, dy, dx)
}
// ANCHOR_END: augment

/// `image` rotated by `angle` radians about its centre, then moved by (`dy`, `dx`) pixels.
pub fn warp(image: ArrayView2<f32>, angle: f32, dy: f32, dx: f32) -> Array2<f32> {
    let (h, w) = image.dim();
    let (cy, cx) = ((h as f32 - 1.0) / 2.0, (w as f32 - 1.0) / 2.0);
    let (sin, cos) = angle.sin_cos();
    let at = |y: isize, x: isize| -> f32 {
        if y < 0 || x < 0 || y >= h as isize || x >= w as isize {
            0.0
        } else {
            image[[y as usize, x as usize]]
        }
    };
    Array2::from_shape_fn((h, w), |(y, x)| {
        // Undo the shift, then the rotation: where in the input does this pixel come from?
        let (py, px) = (y as f32 - dy - cy, x as f32 - dx - cx);
        let (sy, sx) = (cos * py - sin * px + cy, sin * py + cos * px + cx);
        let (y0, x0) = (sy.floor(), sx.floor());
        let (fy, fx) = (sy - y0, sx - x0);
        let (y0, x0) = (y0 as isize, x0 as isize);
        (1.0 - fy) * ((1.0 - fx) * at(y0, x0) + fx * at(y0, x0 + 1))
            + fy * ((1.0 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn no_motion_leaves_the_image_alone() {
        let image = Array2::from_shape_fn((5, 7), |(y, x)| (y * 7 + x) as f32);
        assert_eq!(warp(image.view(), 0.0, 0.0, 0.0), image);
    }

    #[test]
    fn a_whole_pixel_shift_moves_every_pixel() {
        let mut image = Array2::zeros((6, 6));
        image[[2, 3]] = 1.0;
        let moved = warp(image.view(), 0.0, 1.0, -2.0);
        assert_eq!(moved[[3, 1]], 1.0);
        assert_eq!(moved.sum(), 1.0);
    }

    #[test]
    fn a_quarter_turn_of_a_square_maps_rows_to_columns() {
        let image = Array2::from_shape_fn((3, 3), |(y, x)| (y * 3 + x) as f32);
        let turned = warp(image.view(), std::f32::consts::FRAC_PI_2, 0.0, 0.0);
        for (a, b) in turned
            .iter()
            .zip(image.t().slice(ndarray::s![.., ..;-1]).iter())
        {
            assert!((a - b).abs() < 1e-4, "{turned:?}");
        }
    }

    #[test]
    fn augmented_digits_keep_most_of_their_ink() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut image = Array2::zeros((28, 28));
        image.slice_mut(ndarray::s![8..20, 12..16]).fill(1.0);
        for _ in 0..20 {
            let ink = augment(image.view(), &mut rng).sum();
            assert!((ink - 48.0).abs() < 2.0, "{ink}");
        }
    }
}
