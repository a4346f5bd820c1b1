//! plot: the figures the smallnets book shows, written by the projects as they train.
//!
//! | function | draws | format |
//! | --- | --- | --- |
//! | [`line_chart`] | loss / accuracy curves, several series, legend, optional log-y | SVG |
//! | [`decision_boundary`] | 2-D points coloured by class over shaded class regions | SVG |
//! | [`confusion_matrix`] | counts in cells, colour = share of the true class | SVG |
//! | [`scatter`] | groups of points by colour and marker, optional `y = x` diagonal | SVG |
//! | [`image_grid`] | images (digits, filters, GAN samples) in a grid, no text | PNG |
//! | [`captioned_image_grid`] | the same with a caption under each image | SVG |
//!
//! Why two formats: anything with text is SVG, because the workspace builds plotters
//! without its `ttf` feature (that feature links the system's fontconfig and freetype, and
//! a fresh machine with only a Rust toolchain must build everything). An SVG names a font
//! family (`sans-serif`) and lets the browser showing the book lay the text out, so no
//! font file is needed here. Pictures with no text are PNG, encoded with the pure-Rust
//! `png` crate: exact pixels, small files, no system library.
//!
//! ```
//! use plot::{Scale, Series};
//! # fn main() -> Result<(), plot::PlotError> {
//! # let dir = tempfile::tempdir().unwrap();
//! # let out = dir.path();
//! let train = Series::from_values("train loss", [2.3, 0.9, 0.5, 0.35]); // x = epoch 1, 2, …
//! let test = Series::from_values("test loss", [2.2, 1.0, 0.6, 0.5]);
//! plot::line_chart(&out.join("loss.svg"), "Loss", "epoch", "cross-entropy", &[train, test], Scale::Linear)?;
//!
//! let digits = ndarray::Array3::<f32>::zeros((16, 28, 28)); // [n, height, width]
//! let views: Vec<_> = digits.outer_iter().collect();
//! plot::image_grid(&out.join("digits.png"), &views, 8, 2, plot::Normalise::Clamp)?;
//! # Ok(())
//! # }
//! ```
//!
//! Every writer renders the whole figure in memory, then writes it with
//! `host::files::write_atomic` (a temporary file in the same folder, flushed and renamed into
//! place): a crashed or interrupted run never leaves a half-written figure, and a reader of
//! the book never sees one.

use std::path::{Path, PathBuf};

use plotters::style::RGBColor;

mod boundary;
mod confusion;
mod images;
mod line;
mod scatter;

pub use boundary::{decision_boundary, Boundary};
pub use confusion::confusion_matrix;
pub use images::{captioned_image_grid, image_grid, Normalise};
pub use line::{line_chart, Scale, Series};
pub use scatter::{scatter, Guide};

/// Everything that can go wrong while writing a figure. Each message names the figure's
/// path, so a learner knows which one failed.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// There was nothing to draw (no series, no points, no images, no classes).
    #[error("{path}: nothing to plot: {what} is empty")]
    Empty { path: PathBuf, what: String },

    /// Two inputs that must have the same length (or shape) do not.
    #[error("{path}: {what}: expected {expected}, found {found}")]
    Mismatch {
        path: PathBuf,
        what: String,
        expected: String,
        found: String,
    },

    /// The input has the right shape but a value that cannot be drawn.
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },

    /// Creating the folder or writing the file failed (the message names the step and the
    /// system's reason; an earlier figure at that path is left as it was).
    #[error(transparent)]
    Io(#[from] host::files::WriteError),

    /// plotters reported an error while drawing (this is a bug in this crate if it happens).
    #[error("{path}: drawing failed: {message}")]
    Draw { path: PathBuf, message: String },
}

impl PlotError {
    /// The figure this error is about.
    pub fn path(&self) -> &Path {
        match self {
            PlotError::Empty { path, .. }
            | PlotError::Mismatch { path, .. }
            | PlotError::Invalid { path, .. }
            | PlotError::Draw { path, .. } => path,
            PlotError::Io(error) => &error.path,
        }
    }
}

/// Builds the [`PlotError::Draw`] for `path` from any plotters error.
pub(crate) fn draw_error(path: &Path) -> impl Fn(&dyn std::fmt::Display) -> PlotError + '_ {
    move |e| PlotError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

pub(crate) fn empty(path: &Path, what: &str) -> PlotError {
    PlotError::Empty {
        path: path.to_path_buf(),
        what: what.to_string(),
    }
}

pub(crate) fn mismatch(
    path: &Path,
    what: &str,
    expected: impl ToString,
    found: impl ToString,
) -> PlotError {
    PlotError::Mismatch {
        path: path.to_path_buf(),
        what: what.to_string(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

pub(crate) fn invalid(path: &Path, reason: impl Into<String>) -> PlotError {
    PlotError::Invalid {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight colours
/// that stay distinct for the common kinds of colour blindness. Yellow is left out: it
/// vanishes on white. Series and classes take colours in this order and wrap around.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

/// The palette colour for series or class `i` (wraps around after [`PALETTE`]'s length).
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The font every figure names. Browsers and SVG renderers map it to the reader's
/// default sans-serif font; no font file is embedded or needed to build.
pub(crate) const FONT: &str = "sans-serif";

/// Writes a rendered figure to `path`, whole or not at all ([`host::files::write_atomic`]).
/// Creates the parent folder if it is missing.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    if path.file_name().is_none() {
        return Err(invalid(path, "the figure's path has no file name"));
    }
    Ok(host::files::write_atomic(path, bytes)?)
}

/// Escapes text for SVG/XML content and attribute values.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A rough width in pixels of `text` at `size` px in a sans-serif font. SVG gives no way
/// to measure text before the reader's browser renders it; the average glyph of common
/// sans-serif fonts is a little over half the font size wide, so 0.6 errs on the roomy side.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    0.6 * size * text.chars().count() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_under_a_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-folder");
        std::fs::write(&blocker, b"x").unwrap();
        let path = blocker.join("figure.svg");
        let err = write_atomically(&path, b"x").unwrap_err();
        assert!(matches!(err, PlotError::Io { .. }), "{err}");
        assert!(err.to_string().contains("not-a-folder/figure.svg"), "{err}");
        assert_eq!(err.path(), path);
    }

    #[test]
    fn xml_escape_escapes_markup() {
        assert_eq!(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
