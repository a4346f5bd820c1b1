//! Decision boundaries: 2-D points coloured by class over the regions a classifier assigns.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::line::{
    draw_legend, legend_width, linear_ticks, padded, point_chart, tick_label, titled_canvas,
    LegendKey, LABEL_SIZE, TICK_SIZE,
};
use crate::{colour, draw_error, empty, invalid, mismatch, write_atomically, PlotError, FONT};

/// The classifier whose decisions [`decision_boundary`] shades.
pub enum Boundary<'a> {
    /// The line `w0 + w1·x + w2·y = 0` of a linear classifier (perceptron, logistic
    /// regression), drawn in black; points where `w0 + w1·x + w2·y >= 0` are class 1 and
    /// the rest class 0. All-zero weights (an untrained model) shade everything class 1
    /// and draw no line.
    Line { w0: f64, w1: f64, w2: f64 },
    /// Any classifier: called at every cell of a fine grid over the plot (about 60 000
    /// calls), each cell shaded in a light tint of the returned class's colour.
    Regions(&'a dyn Fn(f64, f64) -> usize),
}

impl Boundary<'_> {
    fn classify(&self, x: f64, y: f64) -> usize {
        match self {
            Boundary::Line { w0, w1, w2 } => usize::from(w0 + w1 * x + w2 * y >= 0.0),
            Boundary::Regions(f) => f(x, y),
        }
    }
}

const WIDTH: u32 = 760;
const HEIGHT: u32 = 560;
/// The shading grid's cell size in pixels: fine enough that the region edges look smooth,
/// coarse enough to keep the classifier calls and the SVG small (neighbouring cells of
/// the same class in a row are merged into one rectangle).
const CELL: i32 = 2;
/// Shaded regions are the class colour mixed with this much white, so the points on
/// top, in full colour, stand out.
const TINT: f64 = 0.78;

/// Draws `points` coloured (and shaped) by their class in `labels`, over the plane shaded
/// by the class `boundary` assigns to each place, with a legend of `class_names` beside
/// the plot; writes the figure to `path` as SVG. The axes span the points with a margin.
///
/// `points[i]` has class `labels[i]`, named `class_names[labels[i]]`.
///
/// # Errors
/// [`PlotError::Empty`] if there are no points or no class names;
/// [`PlotError::Mismatch`] if `labels` and `points` differ in length;
/// [`PlotError::Invalid`] if a label has no class name or a point is not finite;
/// [`PlotError::Io`] if the file cannot be written.
#[allow(clippy::too_many_arguments)] // each is one thing a learner sees in the figure
pub fn decision_boundary(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(f64, f64)],
    labels: &[usize],
    class_names: &[impl AsRef<str>],
    boundary: Boundary<'_>,
) -> Result<(), PlotError> {
    if points.is_empty() {
        return Err(empty(path, "the list of points"));
    }
    if class_names.is_empty() {
        return Err(empty(path, "the list of class names"));
    }
    if labels.len() != points.len() {
        return Err(mismatch(
            path,
            "one label per point",
            points.len(),
            labels.len(),
        ));
    }
    if let Some((i, &l)) = labels
        .iter()
        .enumerate()
        .find(|(_, &l)| l >= class_names.len())
    {
        return Err(invalid(
            path,
            format!(
                "point {i} has label {l}, but there are only {} class names",
                class_names.len()
            ),
        ));
    }
    if let Some(i) = points
        .iter()
        .position(|(x, y)| !x.is_finite() || !y.is_finite())
    {
        return Err(invalid(
            path,
            format!("point {i} is {:?}, not a finite (x, y)", points[i]),
        ));
    }

    let x_range = padded(points.iter().map(|p| p.0), 0.08);
    let y_range = padded(points.iter().map(|p| p.1), 0.08);
    let x_ticks = linear_ticks(&x_range);
    let y_ticks = linear_ticks(&y_range);

    let mut legend: Vec<(LegendKey, &str)> = class_names
        .iter()
        .enumerate()
        .map(|(k, name)| (LegendKey::Class(k), name.as_ref()))
        .collect();
    if let Boundary::Line { .. } = boundary {
        legend.push((LegendKey::Line(BLACK), "boundary"));
    }
    let legend_width = legend_width(legend.iter().map(|e| e.1), WIDTH);

    let mut svg = String::new();
    {
        let fail = draw_error(path);
        let [root, plot_area, legend_area] =
            titled_canvas(&mut svg, (WIDTH, HEIGHT), title, legend_width, &fail)?;
        let mut chart = point_chart(&plot_area, [&x_range, &y_range], [x_ticks, y_ticks], &fail)?;

        // Shade first, so grid, line and points are drawn on top of it.
        let pixels = chart.plotting_area().strip_coord_spec();
        shade_regions(&pixels, &x_range, &y_range, &boundary).map_err(|e| fail(&e))?;

        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .bold_line_style(WHITE.mix(0.6))
            .axis_style(RGBColor(90, 90, 90))
            .draw()
            .map_err(|e| fail(&e))?;

        if let Boundary::Line { w0, w1, w2 } = boundary {
            if let Some(ends) = clip_line(w0, w1, w2, &x_range, &y_range) {
                chart
                    .draw_series(LineSeries::new(ends, BLACK.stroke_width(2)))
                    .map_err(|e| fail(&e))?;
            }
        }

        // Points are drawn in pixel coordinates so each marker keeps its size and shape.
        let to_pixel = |p: (f64, f64)| chart.backend_coord(&p);
        for (&p, &label) in points.iter().zip(labels) {
            draw_marker(&root, to_pixel(p), label).map_err(|e| fail(&e))?;
        }

        draw_legend(&legend_area, &legend).map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    write_atomically(path, svg.as_bytes())
}

/// Fills the plotting area (in its own pixel coordinates) with the class tint of each
/// `CELL`-sized cell's centre, one rectangle per run of equal cells in a row.
fn shade_regions<DB: DrawingBackend>(
    pixels: &DrawingArea<DB, Shift>,
    x_range: &std::ops::Range<f64>,
    y_range: &std::ops::Range<f64>,
    boundary: &Boundary<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, h) = pixels.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    // Pixel (px, py) to data: x grows rightwards, y grows upwards (pixel rows go down).
    let x_at = |px: i32| {
        x_range.start + (px as f64 + 0.5 * CELL as f64) / w as f64 * (x_range.end - x_range.start)
    };
    let y_at = |py: i32| {
        y_range.end - (py as f64 + 0.5 * CELL as f64) / h as f64 * (y_range.end - y_range.start)
    };
    for py in (0..h).step_by(CELL as usize) {
        let y = y_at(py);
        let mut run_start = 0;
        let mut run_class = boundary.classify(x_at(0), y);
        for px in (CELL..w).step_by(CELL as usize).chain([w]) {
            let class = if px < w {
                boundary.classify(x_at(px), y)
            } else {
                usize::MAX
            };
            if class != run_class {
                let rect = [(run_start, py), (px, (py + CELL).min(h))];
                pixels.draw(&Rectangle::new(rect, tint(colour(run_class)).filled()))?;
                run_start = px;
                run_class = class;
            }
        }
    }
    Ok(())
}

/// The class colour mixed with white: a light background for the class's region.
fn tint(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (v as f64 * (1.0 - TINT) + 255.0 * TINT).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// The part of the line `w0 + w1·x + w2·y = 0` inside the box, as its two end points,
/// or `None` if it misses the box (or all weights are zero).
fn clip_line(
    w0: f64,
    w1: f64,
    w2: f64,
    xs: &std::ops::Range<f64>,
    ys: &std::ops::Range<f64>,
) -> Option<Vec<(f64, f64)>> {
    // Where the line crosses each edge of the box; keep the crossings on the box.
    let mut hits = Vec::new();
    if w2 != 0.0 {
        for x in [xs.start, xs.end] {
            hits.push((x, -(w0 + w1 * x) / w2));
        }
    }
    if w1 != 0.0 {
        for y in [ys.start, ys.end] {
            hits.push((-(w0 + w2 * y) / w1, y));
        }
    }
    let slack = 1e-9 * (xs.end - xs.start + ys.end - ys.start);
    hits.retain(|&(x, y)| {
        x.is_finite()
            && y.is_finite()
            && x >= xs.start - slack
            && x <= xs.end + slack
            && y >= ys.start - slack
            && y <= ys.end + slack
    });
    // All crossings lie on the line; the ends are the first and last along its direction
    // (w2, -w1). A line through a corner only touches the box: nothing to draw.
    let along = |&(x, y): &(f64, f64)| x * w2 - y * w1;
    let first = hits
        .iter()
        .copied()
        .min_by(|a, b| along(a).total_cmp(&along(b)))?;
    let last = hits
        .iter()
        .copied()
        .max_by(|a, b| along(a).total_cmp(&along(b)))?;
    (along(&last) - along(&first) > slack).then(|| vec![first, last])
}

/// Draws the marker of `class` centred on pixel `at`: a shape per class (circle,
/// triangle, square, diamond, cycling), so classes differ even without colour, filled in
/// the class colour with a white rim that keeps overlapping points apart.
pub(crate) fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    class: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let fill = colour(class).filled();
    let rim = WHITE.stroke_width(1);
    let (x, y) = at;
    match class % 4 {
        0 => {
            area.draw(&Circle::new(at, 5, fill))?;
            area.draw(&Circle::new(at, 5, rim))
        }
        1 => {
            let corners = vec![(x, y - 6), (x + 6, y + 4), (x - 6, y + 4)];
            area.draw(&Polygon::new(corners.clone(), fill))?;
            area.draw(&PathElement::new(
                [corners.clone(), vec![corners[0]]].concat(),
                rim,
            ))
        }
        2 => {
            area.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], fill))?;
            area.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], rim))
        }
        _ => {
            let corners = vec![(x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y)];
            area.draw(&Polygon::new(corners.clone(), fill))?;
            area.draw(&PathElement::new(
                [corners.clone(), vec![corners[0]]].concat(),
                rim,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_line_finds_both_ends_inside_the_box() {
        // y = x across the unit box: from corner to corner.
        let ends = clip_line(0.0, 1.0, -1.0, &(0.0..1.0), &(0.0..1.0)).unwrap();
        assert!(
            ends.contains(&(0.0, 0.0)) && ends.contains(&(1.0, 1.0)),
            "{ends:?}"
        );
        // Vertical line x = 0.5.
        let ends = clip_line(-0.5, 1.0, 0.0, &(0.0..1.0), &(0.0..2.0)).unwrap();
        assert!(
            ends.contains(&(0.5, 0.0)) && ends.contains(&(0.5, 2.0)),
            "{ends:?}"
        );
        // Misses the box, and the untrained all-zero line.
        assert!(clip_line(-5.0, 1.0, 0.0, &(0.0..1.0), &(0.0..1.0)).is_none());
        assert!(clip_line(0.0, 0.0, 0.0, &(0.0..1.0), &(0.0..1.0)).is_none());
    }

    #[test]
    fn line_boundary_puts_the_positive_side_in_class_1() {
        let b = Boundary::Line {
            w0: -1.0,
            w1: 1.0,
            w2: 0.0,
        };
        assert_eq!(b.classify(2.0, 0.0), 1);
        assert_eq!(b.classify(0.0, 0.0), 0);
    }
}
