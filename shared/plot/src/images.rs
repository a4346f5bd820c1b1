//! Image grids: digits, learned filters, generated samples.

use std::fmt::Write as _;
use std::path::Path;

use ndarray::ArrayView2;

use crate::{empty, invalid, mismatch, text_width, write_atomically, xml_escape, PlotError, FONT};

/// How pixel values become grey levels (0 black, 1 white).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalise {
    /// The values already are in `[0, 1]` (MNIST pixels); anything outside is clamped.
    Clamp,
    /// Each image's own minimum is black and maximum white: for learned filters and
    /// weights, whose scale differs from image to image. A constant image is clamped.
    PerImage,
    /// The minimum over all images is black, the maximum white: for images whose
    /// brightness should stay comparable, such as GAN samples in `[-1, 1]`.
    Global,
}

/// Colour of the 1-pixel lines between and around images. Not a grey, so it never
/// looks like part of an image.
const SEPARATOR: [u8; 3] = [96, 110, 140];
/// Colour of a pixel that is NaN or infinite: a diverged model shows up at a glance.
const NOT_FINITE: [u8; 3] = [230, 0, 0];
/// Neither side of a grid may exceed this many pixels: a mistaken `scale` should give an
/// error, not a gigabyte allocation.
const MAX_SIDE: usize = 16_384;

/// Arranges `images` (each `[height, width]`, all the same shape) in rows of `cols`,
/// enlarges each pixel to a `scale`×`scale` block, separates and frames them with 1-pixel
/// lines, and writes the grid to `path` as an RGB PNG. Grey levels come from `normalise`;
/// a NaN or infinite pixel is drawn red. With fewer images than `cols`, the grid is one
/// row of exactly that many.
///
/// The PNG is `c·w·scale + c + 1` pixels wide and `r·h·scale + r + 1` high, where
/// `c = min(cols, n)` and `r = ceil(n / c)`: image `i` sits in row `i / c`, column `i % c`.
///
/// # Errors
/// [`PlotError::Empty`] if there are no images or they have no pixels;
/// [`PlotError::Mismatch`] if the images differ in shape;
/// [`PlotError::Invalid`] if `cols` or `scale` is 0 or the grid would be too large;
/// [`PlotError::Io`] if the file cannot be written.
pub fn image_grid(
    path: &Path,
    images: &[ArrayView2<'_, f32>],
    cols: usize,
    scale: usize,
    normalise: Normalise,
) -> Result<(), PlotError> {
    let (h, w) = check_images(path, images, scale)?;
    if cols == 0 {
        return Err(invalid(path, "cols is 0; a grid needs at least one column"));
    }
    let cols = cols.min(images.len());
    let rows = images.len().div_ceil(cols);
    let (cell_w, cell_h) = (w * scale, h * scale);
    let (width, height) = (cols * (cell_w + 1) + 1, rows * (cell_h + 1) + 1);
    check_size(path, width, height)?;

    let grey = normalised(images, normalise);
    let mut rgb = Canvas::new(width, height, SEPARATOR);
    for (i, image) in grey.iter().enumerate() {
        let (row, col) = (i / cols, i % cols);
        rgb.blit(
            image,
            w,
            scale,
            col * (cell_w + 1) + 1,
            row * (cell_h + 1) + 1,
        );
    }
    write_atomically(path, &rgb.encode_png(path)?)
}

/// Like [`image_grid`], with a caption under each image (`"pred 3 / true 5"`; a `\n`
/// starts a new line) and a title above (none if empty); written to `path` as SVG, since
/// the text needs one. Each image is embedded as its own framed PNG (`scale` times
/// enlarged, so it stays sharp in every viewer) and each column is wide enough for its
/// longest caption line.
///
/// # Errors
/// As [`image_grid`], and [`PlotError::Mismatch`] if `captions` and `images` differ in
/// length.
pub fn captioned_image_grid(
    path: &Path,
    title: &str,
    images: &[ArrayView2<'_, f32>],
    captions: &[impl AsRef<str>],
    cols: usize,
    scale: usize,
    normalise: Normalise,
) -> Result<(), PlotError> {
    let (h, w) = check_images(path, images, scale)?;
    if captions.len() != images.len() {
        return Err(mismatch(
            path,
            "one caption per image",
            images.len(),
            captions.len(),
        ));
    }
    if cols == 0 {
        return Err(invalid(path, "cols is 0; a grid needs at least one column"));
    }
    const FONT_SIZE: f64 = 13.0;
    const LINE: f64 = 16.0; // caption line height
    const TITLE_SIZE: f64 = 18.0;
    const GAP: f64 = 12.0; // between cells and around the grid
    let cols = cols.min(images.len());
    let rows = images.len().div_ceil(cols);
    let (framed_w, framed_h) = (w * scale + 2, h * scale + 2);
    check_size(path, cols * framed_w, rows * framed_h)?;
    let lines: Vec<Vec<&str>> = captions
        .iter()
        .map(|c| c.as_ref().lines().collect())
        .collect();
    let max_lines = lines.iter().map(Vec::len).max().unwrap_or(0) as f64;
    let widest_caption = lines
        .iter()
        .flatten()
        .map(|l| text_width(l, FONT_SIZE))
        .fold(0.0, f64::max);
    let cell_w = (framed_w as f64).max(widest_caption + 4.0);
    let cell_h = framed_h as f64 + 4.0 + max_lines * LINE;
    let title_h = if title.is_empty() {
        0.0
    } else {
        TITLE_SIZE + 14.0
    };
    let width = GAP + cols as f64 * (cell_w + GAP);
    let width = width.max(text_width(title, TITLE_SIZE) + 2.0 * GAP);
    let height = title_h + GAP + rows as f64 * (cell_h + GAP);

    let mut svg = String::new();
    // Writing into a String cannot fail, hence the ignored fmt::Results below.
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    if !title.is_empty() {
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle" font-family="{FONT}" font-size="{TITLE_SIZE}">{}</text>"#,
            width / 2.0,
            GAP + TITLE_SIZE,
            xml_escape(title)
        );
    }
    let grey = normalised(images, normalise);
    for (i, (image, caption)) in grey.iter().zip(&lines).enumerate() {
        let (row, col) = ((i / cols) as f64, (i % cols) as f64);
        let left = GAP + col * (cell_w + GAP);
        let top = title_h + GAP + row * (cell_h + GAP);
        let mut framed = Canvas::new(framed_w, framed_h, SEPARATOR);
        framed.blit(image, w, scale, 1, 1);
        let png = framed.encode_png(path)?;
        let _ = writeln!(
            svg,
            r#"<image x="{}" y="{top}" width="{framed_w}" height="{framed_h}" style="image-rendering:pixelated" href="data:image/png;base64,{b64}" xlink:href="data:image/png;base64,{b64}"/>"#,
            left + (cell_w - framed_w as f64) / 2.0,
            b64 = base64(&png)
        );
        for (k, line) in caption.iter().enumerate() {
            let _ = writeln!(
                svg,
                r#"<text x="{}" y="{}" text-anchor="middle" font-family="{FONT}" font-size="{FONT_SIZE}">{}</text>"#,
                left + cell_w / 2.0,
                top + framed_h as f64 + 2.0 + (k as f64 + 1.0) * LINE - 3.0,
                xml_escape(line)
            );
        }
    }
    svg.push_str("</svg>\n");
    write_atomically(path, svg.as_bytes())
}

/// Checks what both grids need and returns the images' shared `(height, width)`.
fn check_images(
    path: &Path,
    images: &[ArrayView2<'_, f32>],
    scale: usize,
) -> Result<(usize, usize), PlotError> {
    let Some(first) = images.first() else {
        return Err(empty(path, "the list of images"));
    };
    let (h, w) = first.dim();
    if h == 0 || w == 0 {
        return Err(empty(path, &format!("image 0 ({h}×{w} pixels)")));
    }
    if let Some((i, image)) = images.iter().enumerate().find(|(_, im)| im.dim() != (h, w)) {
        let (ih, iw) = image.dim();
        return Err(mismatch(
            path,
            &format!("shape of image {i}"),
            format!("{h}×{w} like image 0"),
            format!("{ih}×{iw}"),
        ));
    }
    if scale == 0 {
        return Err(invalid(
            path,
            "scale is 0; use 1 for one screen pixel per image pixel",
        ));
    }
    Ok((h, w))
}

fn check_size(path: &Path, width: usize, height: usize) -> Result<(), PlotError> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(invalid(
            path,
            format!("the grid would be {width}×{height} pixels (at most {MAX_SIDE} a side); lower scale or cols, or show fewer images"),
        ));
    }
    Ok(())
}

/// Each image's pixels, row by row, mapped to `[0, 1]` by `normalise`; a non-finite
/// pixel stays non-finite so it can be drawn red.
fn normalised(images: &[ArrayView2<'_, f32>], normalise: Normalise) -> Vec<Vec<f32>> {
    // The finite minimum and maximum of some pixels; None if there are none.
    let bounds = |pixels: &mut dyn Iterator<Item = f32>| {
        pixels
            .filter(|v| v.is_finite())
            .fold(None, |acc: Option<(f32, f32)>, v| match acc {
                None => Some((v, v)),
                Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            })
    };
    let global = match normalise {
        Normalise::Global => bounds(&mut images.iter().flat_map(|im| im.iter().copied())),
        _ => None,
    };
    images
        .iter()
        .map(|image| {
            let range = match normalise {
                Normalise::Clamp => None,
                Normalise::PerImage => bounds(&mut image.iter().copied()),
                Normalise::Global => global,
            };
            // A zero-width range has no contrast to stretch: fall back to clamping.
            let range = range.filter(|(lo, hi)| hi > lo);
            image
                .iter()
                .map(|&v| match range {
                    Some((lo, hi)) if v.is_finite() => (v - lo) / (hi - lo),
                    _ if v.is_finite() => v.clamp(0.0, 1.0),
                    _ => v,
                })
                .collect()
        })
        .collect()
}

/// An RGB picture being assembled, 3 bytes per pixel, row by row, then encoded with the
/// pure-Rust `png` crate. A grid is only copies of pixels, so plotters' bitmap backend (an
/// extra crate, and text that would need the system's fonts) would add nothing.
struct Canvas {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize, fill: [u8; 3]) -> Self {
        Canvas {
            width,
            height,
            rgb: fill.repeat(width * height),
        }
    }

    /// Copies a grey image (`[0, 1]` values, rows of `w`) with its top-left corner at
    /// `(left, top)`, each pixel enlarged to `scale`×`scale`.
    fn blit(&mut self, grey: &[f32], w: usize, scale: usize, left: usize, top: usize) {
        for (i, &v) in grey.iter().enumerate() {
            let colour = if v.is_finite() {
                let level = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                [level; 3]
            } else {
                NOT_FINITE
            };
            let (y0, x0) = (top + (i / w) * scale, left + (i % w) * scale);
            for y in y0..y0 + scale {
                let row = (y * self.width + x0) * 3;
                for px in self.rgb[row..row + 3 * scale].chunks_exact_mut(3) {
                    px.copy_from_slice(&colour);
                }
            }
        }
    }

    fn encode_png(&self, path: &Path) -> Result<Vec<u8>, PlotError> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let encoded = encoder
            .write_header()
            .and_then(|mut writer| writer.write_image_data(&self.rgb));
        // Encoding into memory only fails on a bug here (a size mismatch), never on I/O.
        encoded.map_err(|e| invalid(path, format!("PNG encoding failed: {e}")))?;
        Ok(bytes)
    }
}

/// Standard base64 (RFC 4648, with `=` padding), for embedding PNGs in SVG `data:` URIs.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        // Three bytes are 24 bits, written as four 6-bit digits; a short last chunk
        // writes only the digits it has bits for and pads with '='.
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn normalise_maps_ranges_to_unit() {
        let a = array![[-1.0f32, 1.0], [0.0, 3.0]];
        let b = array![[2.0f32, 2.0], [2.0, 2.0]];
        let views = [a.view(), b.view()];
        assert_eq!(
            normalised(&views, Normalise::Clamp),
            vec![vec![0.0, 1.0, 0.0, 1.0], vec![1.0; 4]]
        );
        assert_eq!(
            normalised(&views, Normalise::PerImage)[0],
            vec![0.0, 0.5, 0.25, 1.0]
        );
        // Constant image: nothing to stretch, clamped.
        assert_eq!(normalised(&views, Normalise::PerImage)[1], vec![1.0; 4]);
        assert_eq!(normalised(&views, Normalise::Global)[1], vec![0.75; 4]);
    }

    #[test]
    fn normalise_ignores_nan_for_the_range_and_keeps_it() {
        let a = array![[f32::NAN, 0.0], [2.0, 4.0]];
        let n = normalised(&[a.view()], Normalise::PerImage);
        assert!(n[0][0].is_nan());
        assert_eq!(&n[0][1..], &[0.0, 0.5, 1.0]);
    }
}
