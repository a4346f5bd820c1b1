//! Data augmentation for digits: a freshly moved copy of each training image every time it
//! is seen, so that a network cannot learn the exact pixels of a small training set.
//!
//! A digit shifted by a pixel or two, or turned by a few degrees, is still the same digit;
//! a network that has seen it in many positions must learn what makes a "4" rather than
//! where the ink of one particular "4" was. The motions are chapter 5's (shifts up to ±2
//! pixels, rotations up to ±10°).

use rand::Rng;

/// Largest rotation either way, in degrees.
pub const MAX_DEGREES: f32 = 10.0;
/// Largest shift along each axis, in pixels.
pub const MAX_SHIFT: f32 = 2.0;

/// A rotation about the image's centre followed by a shift.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Motion {
    /// Radians, counter-clockwise as the image is shown (rows going down).
    pub angle: f32,
    /// Pixels down and right.
    pub shift: (f32, f32),
}

impl Motion {
    /// A random motion within ±[`MAX_DEGREES`] and ±[`MAX_SHIFT`].
    pub fn random(rng: &mut impl Rng) -> Motion {
        let angle = rng.random_range(-MAX_DEGREES..=MAX_DEGREES).to_radians();
        let dy = rng.random_range(-MAX_SHIFT..=MAX_SHIFT);
        let dx = rng.random_range(-MAX_SHIFT..=MAX_SHIFT);
        Motion {
            angle,
            shift: (dy, dx),
        }
    }

    // ANCHOR: apply
    /// `image` (an `h × w` picture as one row-major slice) moved by this motion. Each output
    /// pixel asks where it came from (the motion run backwards: unshift, then unrotate about
    /// the centre) and reads the input there, interpolating between the four nearest pixels.
    /// Pixels that came from outside the picture are 0, the background.
    pub fn apply(&self, image: &[f32], h: usize, w: usize) -> Vec<f32> {
        assert_eq!(image.len(), h * w, "an {h}x{w} image has {} pixels", h * w);
        let (cy, cx) = ((h as f32 - 1.0) / 2.0, (w as f32 - 1.0) / 2.0);
        let (sin, cos) = self.angle.sin_cos();
        let mut out = Vec::with_capacity(h * w);
        for y in 0..h {
            for x in 0..w {
                // Relative to the centre, before the shift...
                let (ry, rx) = (y as f32 - self.shift.0 - cy, x as f32 - self.shift.1 - cx);
                // ...and before the rotation (rotating back by -angle).
                let (sy, sx) = (cos * ry - sin * rx + cy, sin * ry + cos * rx + cx);
                out.push(bilinear(image, h, w, sy, sx));
            }
        }
        out
    }
    // ANCHOR_END: apply
}

/// The picture's value at the real-valued position `(y, x)`: the four surrounding pixels,
/// each weighted by how close it is; 0 outside.
fn bilinear(image: &[f32], h: usize, w: usize, y: f32, x: f32) -> f32 {
    let (y0, x0) = (y.floor(), x.floor());
    let (fy, fx) = (y - y0, x - x0);
    let pixel = |dy: usize, dx: usize| -> f32 {
        let (py, px) = (y0 as isize + dy as isize, x0 as isize + dx as isize);
        let inside = (0..h as isize).contains(&py) && (0..w as isize).contains(&px);
        if inside {
            image[py as usize * w + px as usize]
        } else {
            0.0
        }
    };
    let top = (1.0 - fx) * pixel(0, 0) + fx * pixel(0, 1);
    let bottom = (1.0 - fx) * pixel(1, 0) + fx * pixel(1, 1);
    (1.0 - fy) * top + fy * bottom
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn still() -> Motion {
        Motion {
            angle: 0.0,
            shift: (0.0, 0.0),
        }
    }

    #[test]
    fn standing_still_changes_nothing() {
        let image: Vec<f32> = (0..20).map(|v| v as f32).collect();
        assert_eq!(still().apply(&image, 4, 5), image);
    }

    #[test]
    fn a_shift_by_whole_pixels_moves_the_ink_and_drops_what_leaves_the_picture() {
        let mut image = vec![0.0; 25];
        image[2 * 5 + 2] = 1.0; // the centre of a 5x5 picture
        image[4 * 5 + 4] = 1.0; // the bottom-right corner
        let moved = Motion {
            shift: (1.0, -2.0),
            ..still()
        }
        .apply(&image, 5, 5);
        assert_eq!(moved[3 * 5], 1.0, "the centre moved one down, two left");
        assert_eq!(moved.iter().sum::<f32>(), 1.0, "{moved:?}");
    }

    #[test]
    fn a_quarter_turn_turns_a_row_into_a_column() {
        let mut image = vec![0.0; 9];
        image[3..6].fill(1.0); // the middle row of a 3x3 picture
        let turned = Motion {
            angle: std::f32::consts::FRAC_PI_2,
            ..still()
        }
        .apply(&image, 3, 3);
        let column: Vec<f32> = (0..3).map(|y| turned[y * 3 + 1]).collect();
        assert!(column.iter().all(|&v| (v - 1.0).abs() < 1e-5), "{turned:?}");
        assert!((turned.iter().sum::<f32>() - 3.0).abs() < 1e-4);
    }

    #[test]
    fn random_motions_keep_a_centred_digit_s_ink() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut image = vec![0.0; 28 * 28];
        for y in 8..20 {
            image[y * 28 + 12..y * 28 + 16].fill(1.0);
        }
        for _ in 0..50 {
            let motion = Motion::random(&mut rng);
            assert!(motion.angle.abs() <= MAX_DEGREES.to_radians() + 1e-6);
            let ink: f32 = motion.apply(&image, 28, 28).iter().sum();
            assert!((ink - 48.0).abs() < 2.0, "{motion:?} left {ink} of 48");
        }
    }
}
