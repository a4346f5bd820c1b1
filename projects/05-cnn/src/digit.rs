//! Turning any picture of a digit into what the network was trained on.
//!
//! MNIST's digits were made from scanned forms: the ink was found, scaled (keeping its
//! proportions) to fit a 20×20 box, and placed in a 28×28 field so that its centre of mass
//! sits at the centre (LeCun et al., 1998). A photo of a digit on paper is dark ink on a light
//! background, of any size; `predict` redoes those steps so that it looks like MNIST:
//! grayscale, inverted if the background is light, cropped to the ink, scaled to 20×20,
//! centred by centre of mass. A picture that already has the network's input size and a
//! dark background is taken as it is: it already is an MNIST-style digit.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::{ImageBuffer, Luma};
use ndarray::{s, Array2, ArrayView2};

/// Pixels with at least this share of the strongest ink count when cropping to the ink.
const CROP_THRESHOLD: f32 = 0.1;

/// Why an image could not be turned into a digit. Each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum DigitError {
    #[error("{path}: cannot read the file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: not a PNG or JPEG image ({reason}); predict reads pictures of a handwritten \
         digit in PNG or JPEG format"
    )]
    NotAnImage { path: PathBuf, reason: String },
    #[error(
        "{path}: no ink found: the image is a single flat colour; predict needs a picture of \
         one digit, dark on light or light on dark"
    )]
    Blank { path: PathBuf },
}

/// The largest picture `predict` decodes, in pixels on each side: a 50-megapixel phone
/// photo fits; a file claiming more is refused before its pixels are allocated.
pub const MAX_SIDE: u32 = 10_000;

/// The memory the image decoder may use for one picture. A 50-megapixel RGB photo needs
/// 150 MB; a damaged header asking for more is an error, not an allocation.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// Pictures larger than this on a side are shrunk to it before anything else: the digit
/// ends up 20 pixels tall, and a full-size grayscale copy of a 50-megapixel photo in `f32`
/// would take 200 MB for nothing.
const WORKING_SIDE: u32 = 1000;

/// Reads a PNG or JPEG file as grayscale in `[0, 1]` (0 black, 1 white): `[height, width]`.
/// Transparent pixels count as white paper.
///
/// # Errors
/// If the file cannot be read or is not a PNG or JPEG image.
pub fn read_grayscale(path: &Path) -> Result<Array2<f32>, DigitError> {
    let io = |source| DigitError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Not the whole of a video or a disk image passed by mistake: a picture's compressed
    // bytes never outweigh its decoded pixels.
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_DECODE_BYTES {
        return Err(DigitError::NotAnImage {
            path: path.to_path_buf(),
            reason: format!("{size} bytes, too large for a picture of a digit"),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    grayscale_from_bytes(&bytes, path)
}

/// [`read_grayscale`] on the bytes of a picture; `path` is only for messages.
///
/// # Errors
/// If the bytes are not a PNG or JPEG image of at most [`MAX_SIDE`] pixels a side.
pub fn grayscale_from_bytes(bytes: &[u8], path: &Path) -> Result<Array2<f32>, DigitError> {
    let not_an_image = |reason: String| DigitError::NotAnImage {
        path: path.to_path_buf(),
        reason,
    };
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format() // from the first bytes, not the file name
        .map_err(|e| not_an_image(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut picture = reader.decode().map_err(|e| not_an_image(e.to_string()))?;
    if picture.width().max(picture.height()) > WORKING_SIDE {
        picture = picture.thumbnail(WORKING_SIDE, WORKING_SIDE); // keeps the proportions
    }
    let rgba = picture.into_rgba32f();
    let (w, h) = rgba.dimensions();
    Ok(Array2::from_shape_fn((h as usize, w as usize), |(y, x)| {
        let [r, g, b, a] = rgba.get_pixel(x as u32, y as u32).0;
        // Luma as ITU-R BT.601 weighs the channels, composited over white.
        let luma = 0.299 * r + 0.587 * g + 0.114 * b;
        (a * luma + (1.0 - a)).clamp(0.0, 1.0)
    }))
}

// ANCHOR: mnist_style
/// A grayscale picture (`[H', W']`, 0 black, 1 white) as an MNIST digit of `size = (H, W)`:
/// white ink on black, the ink scaled to fit a box 20/28 of the field, centred by centre of
/// mass. `None` if the picture holds no ink.
pub fn mnist_style(gray: ArrayView2<f32>, size: (usize, usize)) -> Option<Array2<f32>> {
    // The background is the most common colour of the border; ink is whatever differs.
    let background = median(border(gray));
    let light = background > 0.5;
    if gray.dim() == size && !light {
        return Some(gray.to_owned()); // already an MNIST-style digit
    }
    let ink = gray.mapv(|v| {
        if light {
            background - v
        } else {
            v - background
        }
        .max(0.0)
    });
    let strongest = ink.fold(0.0f32, |m, &v| m.max(v));
    if strongest < 0.05 {
        return None;
    }
    let ink = ink.mapv(|v| v / strongest);
    // Crop to the ink (a threshold above zero ignores paper grain and JPEG noise).
    let (mut top, mut left, mut bottom, mut right) = (usize::MAX, usize::MAX, 0, 0);
    for ((y, x), &v) in ink.indexed_iter() {
        if v >= CROP_THRESHOLD {
            (top, left) = (top.min(y), left.min(x));
            (bottom, right) = (bottom.max(y), right.max(x));
        }
    }
    let crop = ink.slice(s![top..=bottom, left..=right]);
    // Scale the longer side to 20 pixels of 28 (for other sizes, the same proportion).
    let (h, w) = crop.dim();
    let target = (size.0.min(size.1) as f32 * 20.0 / 28.0).round().max(1.0);
    let scale = target / h.max(w) as f32;
    let (sh, sw) = (
        ((h as f32 * scale).round() as u32).max(1),
        ((w as f32 * scale).round() as u32).max(1),
    );
    let buffer: ImageBuffer<Luma<f32>, Vec<f32>> =
        ImageBuffer::from_fn(w as u32, h as u32, |x, y| {
            Luma([crop[[y as usize, x as usize]]])
        });
    // Triangle filtering averages every input pixel under an output pixel (anti-aliasing).
    let small = image::imageops::resize(&buffer, sw, sh, FilterType::Triangle);
    let small = Array2::from_shape_fn((sh as usize, sw as usize), |(y, x)| {
        small.get_pixel(x as u32, y as u32).0[0].clamp(0.0, 1.0)
    });
    // Place it so that its centre of mass falls on the centre of the field.
    let (cy, cx) = centre_of_mass(small.view());
    let (oy, ox) = (
        ((size.0 as f32 - 1.0) / 2.0 - cy).round() as isize,
        ((size.1 as f32 - 1.0) / 2.0 - cx).round() as isize,
    );
    let mut field = Array2::zeros(size);
    for ((y, x), &v) in small.indexed_iter() {
        let (fy, fx) = (y as isize + oy, x as isize + ox);
        if fy >= 0 && fx >= 0 && (fy as usize) < size.0 && (fx as usize) < size.1 {
            field[[fy as usize, fx as usize]] = v;
        }
    }
    Some(field)
}
// ANCHOR_END: mnist_style

/// Reads `path` and prepares it with [`mnist_style`] for a network taking `size` images.
///
/// # Errors
/// As [`read_grayscale`], and [`DigitError::Blank`] if the image has no ink.
pub fn load_digit(path: &Path, size: (usize, usize)) -> Result<Array2<f32>, DigitError> {
    let gray = read_grayscale(path)?;
    mnist_style(gray.view(), size).ok_or_else(|| DigitError::Blank {
        path: path.to_path_buf(),
    })
}

/// [`load_digit`] on the bytes of a picture; `path` is only for messages.
///
/// # Errors
/// As [`load_digit`].
pub fn digit_from_bytes(
    bytes: &[u8],
    path: &Path,
    size: (usize, usize),
) -> Result<Array2<f32>, DigitError> {
    let gray = grayscale_from_bytes(bytes, path)?;
    mnist_style(gray.view(), size).ok_or_else(|| DigitError::Blank {
        path: path.to_path_buf(),
    })
}

/// The pixels along the four edges.
fn border(image: ArrayView2<f32>) -> Vec<f32> {
    let (h, w) = image.dim();
    image
        .indexed_iter()
        .filter(|((y, x), _)| *y == 0 || *x == 0 || *y + 1 == h || *x + 1 == w)
        .map(|(_, &v)| v)
        .collect()
}

fn median(mut values: Vec<f32>) -> f32 {
    values.sort_by(f32::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// The ink-weighted mean position (row, column); the middle for an empty image.
fn centre_of_mass(image: ArrayView2<f32>) -> (f32, f32) {
    let (mut total, mut sy, mut sx) = (0.0, 0.0, 0.0);
    for ((y, x), &v) in image.indexed_iter() {
        (total, sy, sx) = (total + v, sy + v * y as f32, sx + v * x as f32);
    }
    if total == 0.0 {
        let (h, w) = image.dim();
        return ((h as f32 - 1.0) / 2.0, (w as f32 - 1.0) / 2.0);
    }
    (sy / total, sx / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dark "1" drawn on light paper, 90×60 pixels, off-centre.
    fn photo() -> Array2<f32> {
        let mut paper = Array2::from_elem((90, 60), 0.9);
        paper.slice_mut(s![10..70, 40..48]).fill(0.1);
        paper
    }

    #[test]
    fn a_dark_digit_on_light_paper_becomes_a_centred_light_digit_on_black() {
        let digit = mnist_style(photo().view(), (28, 28)).unwrap();
        assert_eq!(digit.dim(), (28, 28));
        assert_eq!(digit[[0, 0]], 0.0);
        // Scaled to 20 pixels tall, centred: rows 4..24.
        let rows: Vec<usize> = (0..28).filter(|&y| digit.row(y).sum() > 0.5).collect();
        assert_eq!((rows[0], rows[rows.len() - 1]), (4, 23), "{rows:?}");
        let (cy, cx) = centre_of_mass(digit.view());
        assert!(
            (cy - 13.5).abs() <= 0.5 && (cx - 13.5).abs() <= 0.5,
            "{cy} {cx}"
        );
    }

    #[test]
    fn an_mnist_sized_digit_on_black_is_taken_as_it_is() {
        let mut digit = Array2::zeros((28, 28));
        digit.slice_mut(s![5..20, 3..6]).fill(1.0);
        assert_eq!(mnist_style(digit.view(), (28, 28)).unwrap(), digit);
    }

    #[test]
    fn a_blank_page_has_no_digit() {
        assert!(mnist_style(Array2::from_elem((40, 40), 0.8).view(), (28, 28)).is_none());
    }
}
