//! Confusion matrices: which classes a classifier mistakes for which.

use std::path::Path;

use ndarray::ArrayView2;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use crate::{draw_error, empty, mismatch, text_width, write_atomically, PlotError, FONT};

/// A text style `px` pixels high (plotters writes `font-size = size / 1.24` into SVG).
fn font(px: f64, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, px * 1.24)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(h, v))
}

/// Draws the confusion matrix `counts` (`[true class, predicted class]`, square, one row
/// and column per name in `class_names`) and writes it to `path` as SVG.
///
/// Each cell shows its count; its colour is the count's share of its row (of all examples
/// of that true class), from white (0%) to dark blue (100%), with a colour bar beside the
/// matrix. A good classifier shows a dark diagonal; a dark cell off it is a confusion
/// worth a look. Under the title, the total and the accuracy (diagonal / total).
///
/// # Errors
/// [`PlotError::Empty`] if there are no classes; [`PlotError::Mismatch`] if `counts` is
/// not square or does not have one row per class name; [`PlotError::Io`] if the file
/// cannot be written.
pub fn confusion_matrix(
    path: &Path,
    title: &str,
    counts: ArrayView2<'_, usize>,
    class_names: &[impl AsRef<str>],
) -> Result<(), PlotError> {
    let (rows, cols) = counts.dim();
    if rows == 0 || cols == 0 {
        return Err(empty(path, "the confusion matrix"));
    }
    if rows != cols {
        return Err(mismatch(
            path,
            "a square confusion matrix (true × predicted)",
            format!("{rows}×{rows}"),
            format!("{rows}×{cols}"),
        ));
    }
    if class_names.len() != rows {
        return Err(mismatch(
            path,
            "one class name per row of the confusion matrix",
            rows,
            class_names.len(),
        ));
    }
    let n = rows;
    let names: Vec<&str> = class_names.iter().map(|s| s.as_ref()).collect();

    // Layout, in pixels: cells shrink as classes grow so the matrix stays about 480 wide.
    let cell = (480 / n as i32).clamp(22, 72);
    let number_px = (cell as f64 * 0.3).clamp(9.0, 16.0);
    let name_px = 13.0;
    let widest_name = names
        .iter()
        .map(|s| text_width(s, name_px))
        .fold(0.0, f64::max) as i32;
    // Column names are written upwards when they do not fit across a cell.
    let rotate = widest_name > cell - 4;
    let left = 30 + widest_name + 10; // "true class", the row names, a gap
    let top = 80; // title and summary line
    let side = cell * n as i32;
    let below = 10 + if rotate { widest_name } else { 16 } + 30; // column names, "predicted class"
    let bar_x = left + side + 24;
    let width = (bar_x + 110).max(text_width(title, 19.0) as i32 + 40);
    let height = top + side + below;

    let total: usize = counts.sum();
    let correct: usize = counts.diag().sum();
    let summary = if total == 0 {
        "no examples counted".to_string()
    } else {
        format!(
            "{total} examples, accuracy {:.2}%",
            100.0 * correct as f64 / total as f64
        )
    };

    let mut svg = String::new();
    {
        let fail = draw_error(path);
        let root =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mid = width / 2;
        root.draw(&Text::new(
            title.to_string(),
            (mid, 28),
            font(19.0, HPos::Center, VPos::Center),
        ))
        .map_err(|e| fail(&e))?;
        let grey = font(13.0, HPos::Center, VPos::Center).color(&RGBColor(90, 90, 90));
        root.draw(&Text::new(summary, (mid, 54), grey))
            .map_err(|e| fail(&e))?;

        for (t, row) in counts.outer_iter().enumerate() {
            let row_total: usize = row.sum();
            for (p, &count) in row.iter().enumerate() {
                let share = if row_total == 0 {
                    0.0
                } else {
                    count as f64 / row_total as f64
                };
                let (x, y) = (left + cell * p as i32, top + cell * t as i32);
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    blues(share).filled(),
                ))
                .map_err(|e| fail(&e))?;
                // Dark cells get white numbers, light cells black ones.
                let ink = if share > 0.5 { WHITE } else { BLACK };
                let style = font(number_px, HPos::Center, VPos::Center).color(&ink);
                root.draw(&Text::new(
                    count.to_string(),
                    (x + cell / 2, y + cell / 2),
                    style,
                ))
                .map_err(|e| fail(&e))?;
            }
        }
        // Thin frame around the matrix.
        let frame = [(left, top), (left + side, top + side)];
        root.draw(&Rectangle::new(
            frame,
            RGBColor(120, 120, 120).stroke_width(1),
        ))
        .map_err(|e| fail(&e))?;

        for (k, name) in names.iter().enumerate() {
            let centre = cell * k as i32 + cell / 2;
            let row_name = font(name_px, HPos::Right, VPos::Center);
            root.draw(&Text::new(
                name.to_string(),
                (left - 6, top + centre),
                row_name,
            ))
            .map_err(|e| fail(&e))?;
            let col_name = if rotate {
                font(name_px, HPos::Right, VPos::Center).transform(FontTransform::Rotate270)
            } else {
                font(name_px, HPos::Center, VPos::Top)
            };
            root.draw(&Text::new(
                name.to_string(),
                (left + centre, top + side + 6),
                col_name,
            ))
            .map_err(|e| fail(&e))?;
        }
        let axis_px = 15.0;
        let predicted = font(axis_px, HPos::Center, VPos::Bottom);
        root.draw(&Text::new(
            "predicted class",
            (left + side / 2, height - 8),
            predicted,
        ))
        .map_err(|e| fail(&e))?;
        let truth = font(axis_px, HPos::Center, VPos::Top).transform(FontTransform::Rotate270);
        root.draw(&Text::new("true class", (8, top + side / 2), truth))
            .map_err(|e| fail(&e))?;

        // Colour bar: 0% at the bottom, 100% at the top, in 50 bands.
        let bands = 50;
        for b in 0..bands {
            let y0 = top + side - side * (b + 1) / bands;
            let y1 = top + side - side * b / bands;
            let share = (b as f64 + 0.5) / bands as f64;
            root.draw(&Rectangle::new(
                [(bar_x, y0), (bar_x + 16, y1)],
                blues(share).filled(),
            ))
            .map_err(|e| fail(&e))?;
        }
        root.draw(&Rectangle::new(
            [(bar_x, top), (bar_x + 16, top + side)],
            RGBColor(120, 120, 120),
        ))
        .map_err(|e| fail(&e))?;
        for (share, label) in [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")] {
            let y = top + side - (side as f64 * share).round() as i32;
            let style = font(12.0, HPos::Left, VPos::Center);
            root.draw(&Text::new(label, (bar_x + 21, y), style))
                .map_err(|e| fail(&e))?;
        }
        let bar_title = font(12.0, HPos::Center, VPos::Top).transform(FontTransform::Rotate90);
        root.draw(&Text::new(
            "share of the true class",
            (bar_x + 70, top + side / 2),
            bar_title,
        ))
        .map_err(|e| fail(&e))?;

        root.present().map_err(|e| fail(&e))?;
    }
    write_atomically(path, svg.as_bytes())
}

/// White to dark blue through mid blue (the ends and middle of ColorBrewer's "Blues"),
/// for a share in `[0, 1]`: darker means more.
fn blues(share: f64) -> RGBColor {
    const STOPS: [[f64; 3]; 3] = [
        [247.0, 251.0, 255.0],
        [107.0, 174.0, 214.0],
        [8.0, 48.0, 107.0],
    ];
    let s = share.clamp(0.0, 1.0) * 2.0;
    let (a, b, t) = if s <= 1.0 {
        (STOPS[0], STOPS[1], s)
    } else {
        (STOPS[1], STOPS[2], s - 1.0)
    };
    let mix = |k: usize| (a[k] + (b[k] - a[k]) * t).round() as u8;
    RGBColor(mix(0), mix(1), mix(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blues_runs_from_white_to_dark_blue() {
        assert_eq!(blues(0.0), RGBColor(247, 251, 255));
        assert_eq!(blues(0.5), RGBColor(107, 174, 214));
        assert_eq!(blues(1.0), RGBColor(8, 48, 107));
    }
}
