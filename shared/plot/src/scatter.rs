//! Scatter plots: groups of points, such as a regression's predictions against the truth.

use std::path::Path;

use plotters::prelude::*;

use crate::line::{
    draw_legend, legend_width, linear_ticks, padded, point_chart, tick_label, titled_canvas,
    LegendKey, Series, LABEL_SIZE, TICK_SIZE,
};
use crate::{draw_error, empty, invalid, write_atomically, PlotError, FONT};

/// A reference line drawn under the points of a [`scatter`] plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Guide {
    /// No line.
    #[default]
    None,
    /// The diagonal `y = x`, on axes that share one range so that it runs at 45°: in a plot
    /// of predicted against true values, a perfect model puts every point on it.
    Diagonal,
}

const WIDTH: u32 = 760;
const HEIGHT: u32 = 560;

/// Draws each group of points in `groups` with its own colour and marker shape (circle,
/// triangle, square, diamond, as in [`crate::decision_boundary`]), named in a legend beside
/// the plot, over an optional [`Guide`] line; writes the figure to `path` as SVG.
///
/// Each [`Series`] is one group; its points are drawn as markers, not joined.
///
/// # Errors
/// [`PlotError::Empty`] if `groups` is empty or a group has no points;
/// [`PlotError::Invalid`] if a point is not finite;
/// [`PlotError::Io`] if the file cannot be written.
pub fn scatter(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    groups: &[Series],
    guide: Guide,
) -> Result<(), PlotError> {
    if groups.is_empty() {
        return Err(empty(path, "the list of groups"));
    }
    if let Some(g) = groups.iter().find(|g| g.points.is_empty()) {
        return Err(empty(path, &format!("group `{}`", g.name)));
    }
    for g in groups {
        if let Some(p) = g
            .points
            .iter()
            .find(|(x, y)| !x.is_finite() || !y.is_finite())
        {
            return Err(invalid(
                path,
                format!(
                    "group `{}` has the point {p:?}, not a finite (x, y)",
                    g.name
                ),
            ));
        }
    }

    let all = || groups.iter().flat_map(|g| g.points.iter().copied());
    let (x_range, y_range) = match guide {
        Guide::None => (
            padded(all().map(|p| p.0), 0.05),
            padded(all().map(|p| p.1), 0.05),
        ),
        // One range for both axes, so the diagonal is the 45° line through the corners.
        Guide::Diagonal => {
            let both = padded(all().flat_map(|(x, y)| [x, y]), 0.05);
            (both.clone(), both)
        }
    };
    let x_ticks = linear_ticks(&x_range);
    let y_ticks = linear_ticks(&y_range);

    let mut legend: Vec<(LegendKey, &str)> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.name.is_empty())
        .map(|(k, g)| (LegendKey::Class(k), g.name.as_str()))
        .collect();
    if guide == Guide::Diagonal {
        legend.push((LegendKey::Line(BLACK), "y = x"));
    }
    let legend_width = legend_width(legend.iter().map(|e| e.1), WIDTH);

    let mut svg = String::new();
    {
        let fail = draw_error(path);
        let [root, plot_area, legend_area] =
            titled_canvas(&mut svg, (WIDTH, HEIGHT), title, legend_width, &fail)?;
        let mut chart = point_chart(&plot_area, [&x_range, &y_range], [x_ticks, y_ticks], &fail)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .bold_line_style(RGBColor(225, 225, 225))
            .axis_style(RGBColor(90, 90, 90))
            .draw()
            .map_err(|e| fail(&e))?;

        if guide == Guide::Diagonal {
            let ends = [(x_range.start, x_range.start), (x_range.end, x_range.end)];
            chart
                .draw_series(LineSeries::new(ends, BLACK.stroke_width(1)))
                .map_err(|e| fail(&e))?;
        }

        // Markers in pixel coordinates keep their size and shape whatever the axes.
        for (k, group) in groups.iter().enumerate() {
            for &p in &group.points {
                let at = chart.backend_coord(&p);
                crate::boundary::draw_marker(&root, at, k).map_err(|e| fail(&e))?;
            }
        }

        draw_legend(&legend_area, &legend).map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    write_atomically(path, svg.as_bytes())
}
