//! Line charts: loss and accuracy curves.

use std::ops::Range;
use std::path::Path;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{colour, draw_error, empty, invalid, text_width, write_atomically, PlotError, FONT};

/// One named curve: `(x, y)` points in drawing order, e.g. `(epoch, loss)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Shown in the legend; an empty name leaves the series out of the legend.
    pub name: String,
    /// The points, joined by straight lines in this order.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from `(x, y)` pairs.
    pub fn new(name: impl Into<String>, points: impl IntoIterator<Item = (f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points: points.into_iter().collect(),
        }
    }

    /// A series from y values alone, at x = 1, 2, 3, … (epoch 1, epoch 2, …).
    pub fn from_values<T: Into<f64>>(
        name: impl Into<String>,
        ys: impl IntoIterator<Item = T>,
    ) -> Self {
        let points = ys
            .into_iter()
            .enumerate()
            .map(|(i, y)| ((i + 1) as f64, y.into()));
        Series::new(name, points)
    }
}

/// How the y axis maps values to height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// Equal steps in y are equal steps in height.
    #[default]
    Linear,
    /// Equal ratios in y are equal steps in height: a loss falling from 2 to 0.02 stays
    /// readable at the end. Points with y <= 0 cannot be drawn and are skipped.
    Log,
}

const WIDTH: u32 = 760;
const HEIGHT: u32 = 460;
// plotters writes font-size = size / 1.24 into the SVG, so these are about 19, 14 and 13 px.
pub(crate) const TITLE_SIZE: f64 = 24.0;
pub(crate) const LABEL_SIZE: f64 = 17.0;
pub(crate) const TICK_SIZE: f64 = 16.0;
/// Series with at most this many points also get a dot at each point: a 5-epoch curve
/// shows where the measurements are, a 5000-step one stays a clean line.
const MAX_POINTS_WITH_MARKERS: usize = 40;

/// Draws one or more curves on shared axes, with a legend to the right of the plot (where
/// it never covers a curve), and writes the chart to `path` as SVG.
///
/// Points whose x or y is not finite (a NaN loss after divergence), or, on a log scale,
/// whose y is not positive, are skipped and the line breaks there, so the rest of the run
/// is still shown. Axes span the drawable points with a little room around them.
///
/// # Errors
/// [`PlotError::Empty`] if `series` is empty or a series has no points;
/// [`PlotError::Invalid`] if no point at all can be drawn;
/// [`PlotError::Io`] if the file cannot be written.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    y_scale: Scale,
) -> Result<(), PlotError> {
    if series.is_empty() {
        return Err(empty(path, "the list of series"));
    }
    if let Some(s) = series.iter().find(|s| s.points.is_empty()) {
        return Err(empty(path, &format!("series `{}`", s.name)));
    }

    // The y axis is always linear underneath: on a log scale we draw log10(y) and label
    // the ticks with 10^tick. That keeps one code path and lets us choose the ticks.
    let to_axis = |y: f64| match y_scale {
        Scale::Linear => y,
        Scale::Log => y.log10(),
    };
    let drawable = |&(x, y): &(f64, f64)| {
        x.is_finite() && y.is_finite() && (y_scale == Scale::Linear || y > 0.0)
    };
    // Each series becomes runs of consecutive drawable points, in axis coordinates.
    let runs: Vec<Vec<Vec<(f64, f64)>>> = series
        .iter()
        .map(|s| {
            s.points
                .split(|p| !drawable(p))
                .filter(|run| !run.is_empty())
                .map(|run| run.iter().map(|&(x, y)| (x, to_axis(y))).collect())
                .collect()
        })
        .collect();
    let all = || runs.iter().flatten().flatten();
    if all().next().is_none() {
        let why = match y_scale {
            Scale::Linear => "every point has a NaN or infinite coordinate",
            Scale::Log => "a log scale needs y > 0 and finite, and no point has that",
        };
        return Err(invalid(path, format!("no point can be drawn: {why}")));
    }
    let x_range = padded(all().map(|p| p.0), 0.02);
    let y_range = padded(all().map(|p| p.1), 0.06);
    let y_ticks = match y_scale {
        Scale::Linear => linear_ticks(&y_range),
        Scale::Log => log_ticks(&y_range),
    };
    let x_ticks = linear_ticks(&x_range);

    let legend: Vec<(LegendKey, &str)> = series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.name.is_empty())
        .map(|(i, s)| (LegendKey::Line(colour(i)), s.name.as_str()))
        .collect();
    let legend_width = legend_width(legend.iter().map(|e| e.1), WIDTH);

    let mut svg = String::new();
    {
        let fail = draw_error(path);
        let [root, plot_area, legend_area] =
            titled_canvas(&mut svg, (WIDTH, HEIGHT), title, legend_width, &fail)?;

        let mut chart = ChartBuilder::on(&plot_area)
            .margin_top(8)
            .margin_right(16)
            .margin_left(8)
            .margin_bottom(8)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(Axis::new(x_range, x_ticks), Axis::new(y_range, y_ticks))
            .map_err(|e| fail(&e))?;
        let format_y = |v: &f64| match y_scale {
            Scale::Linear => tick_label(*v),
            Scale::Log => tick_label(10f64.powf(*v)),
        };
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&format_y)
            .bold_line_style(RGBColor(225, 225, 225))
            .axis_style(RGBColor(90, 90, 90))
            .draw()
            .map_err(|e| fail(&e))?;

        for (i, series_runs) in runs.iter().enumerate() {
            let style = colour(i).stroke_width(2);
            let count: usize = series_runs.iter().map(Vec::len).sum();
            for run in series_runs {
                chart
                    .draw_series(LineSeries::new(run.iter().copied(), style))
                    .map_err(|e| fail(&e))?;
                if count <= MAX_POINTS_WITH_MARKERS {
                    let dots = run.iter().map(|&p| Circle::new(p, 3, colour(i).filled()));
                    chart.draw_series(dots).map_err(|e| fail(&e))?;
                }
            }
        }

        draw_legend(&legend_area, &legend).map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    write_atomically(path, svg.as_bytes())
}

/// A linear f64 axis whose ticks (and grid lines) sit exactly at the values we chose.
///
/// plotters has `with_key_points` for this, but in 0.3.7 the result cannot take a label
/// formatter for f64 axes, so this small axis type does the same and can.
pub(crate) struct Axis {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Axis {
    pub(crate) fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        Axis {
            linear: range.into(),
            ticks,
        }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold grid lines, at the ticks: plotters asks once more for the light ones.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }
}

/// A white `size` canvas drawing into `svg`, with `title` across the top: the whole canvas
/// (for pixel positions, and to `present` it), and under the title the plot (left) and a
/// column `legend_width` wide for the legend (right).
pub(crate) fn titled_canvas<'a>(
    svg: &'a mut String,
    (width, height): (u32, u32),
    title: &str,
    legend_width: u32,
    fail: &impl Fn(&dyn std::fmt::Display) -> PlotError,
) -> Result<[DrawingArea<SVGBackend<'a>, Shift>; 3], PlotError> {
    let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let body = root
        .titled(title, (FONT, TITLE_SIZE).into_font().color(&BLACK))
        .map_err(|e| fail(&e))?;
    let (plot, legend) = body.split_horizontally(width - legend_width);
    Ok([root, plot, legend])
}

/// The chart of a scatter or boundary plot on `area`: x and y axes over these ranges,
/// with these ticks, and room for tick labels and axis names.
pub(crate) fn point_chart<'a>(
    area: &DrawingArea<SVGBackend<'a>, Shift>,
    [x_range, y_range]: [&Range<f64>; 2],
    [x_ticks, y_ticks]: [Vec<f64>; 2],
    fail: &impl Fn(&dyn std::fmt::Display) -> PlotError,
) -> Result<ChartContext<'a, SVGBackend<'a>, Cartesian2d<Axis, Axis>>, PlotError> {
    ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(
            Axis::new(x_range.clone(), x_ticks),
            Axis::new(y_range.clone(), y_ticks),
        )
        .map_err(|e| fail(&e))
}

/// What a legend entry shows before its name.
pub(crate) enum LegendKey {
    /// A short line in this colour (a series, a decision boundary).
    Line(RGBColor),
    /// The marker and colour of class `k` in a scatter plot.
    Class(usize),
}

/// The legend, drawn in its own area beside the plot so it never covers data: one entry
/// per row, starting level with the top of the plot.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(LegendKey, &str)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let (row, line) = (24, 18);
    // A name too long for the column is wrapped at spaces, so it never runs off the figure.
    let room = f64::from(area.dim_in_pixel().0.saturating_sub(42));
    let mut y = 20;
    for (key, name) in entries {
        match *key {
            LegendKey::Line(c) => {
                area.draw(&PathElement::new(vec![(4, y), (30, y)], c.stroke_width(3)))?
            }
            LegendKey::Class(class) => crate::boundary::draw_marker(area, (17, y), class)?,
        }
        let style = (FONT, LABEL_SIZE)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let lines = wrap(name, room, LABEL_SIZE / 1.24);
        for (i, text) in lines.iter().enumerate() {
            area.draw(&Text::new(
                text.clone(),
                (38, y + line * i as i32),
                style.clone(),
            ))?;
        }
        y += row + line * (lines.len() as i32 - 1);
    }
    Ok(())
}

/// `text` broken at spaces into lines about `width` pixels wide at `size` px (a single word
/// longer than that stays whole).
pub(crate) fn wrap(text: &str, width: f64, size: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(last) if text_width(&format!("{last} {word}"), size) <= width => {
                last.push(' ');
                last.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// The width in pixels a legend with these names needs (0 for none).
pub(crate) fn legend_width<'a>(names: impl Iterator<Item = &'a str>, figure_width: u32) -> u32 {
    names
        .map(|name| text_width(name, LABEL_SIZE / 1.24) as u32 + 56)
        .max()
        .unwrap_or(0)
        .min(figure_width / 3)
}

/// The range spanned by `values`, widened by `fraction` of its width on each side; a
/// single value gets a unit-wide range around it so the axis still has ticks.
pub(crate) fn padded(values: impl Iterator<Item = f64>, fraction: f64) -> Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let width = hi - lo;
    if width > 1e-12 * hi.abs().max(lo.abs()).max(1e-300) {
        (lo - fraction * width)..(hi + fraction * width)
    } else {
        let half = (0.1 * lo.abs()).max(0.5);
        (lo - half)..(hi + half)
    }
}

/// About six ticks at round numbers (1, 2 or 5 times a power of ten apart) inside `range`.
pub(crate) fn linear_ticks(range: &Range<f64>) -> Vec<f64> {
    let width = range.end - range.start;
    let magnitude = 10f64.powf((width / 6.0).log10().floor());
    // Of the round steps near width/6, the one giving the tick count closest to six.
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .min_by(|a, b| {
            ((width / a) - 6.0)
                .abs()
                .total_cmp(&((width / b) - 6.0).abs())
        })
        .unwrap_or(magnitude);
    let first = (range.start / step).ceil() as i64;
    let last = (range.end / step).floor() as i64;
    // Multiplying (not adding) keeps 0.1 * 3 from drifting to 0.30000000000000004 ticks
    // that would no longer sit on the grid's round numbers.
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Ticks for a log axis, in log10 units: powers of ten when the range spans many decades,
/// 1-2-5 steps when it spans a few, every digit when it spans less than one.
fn log_ticks(range: &Range<f64>) -> Vec<f64> {
    let decades = range.end - range.start;
    let mantissas: &[f64] = if decades > 4.0 {
        &[1.0]
    } else if decades > 1.2 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    };
    let ticks: Vec<f64> = (range.start.floor() as i32..=range.end.ceil() as i32)
        .flat_map(|k| mantissas.iter().map(move |m| (m * 10f64.powi(k)).log10()))
        .filter(|t| range.contains(t))
        .collect();
    if ticks.len() >= 2 {
        ticks
    } else {
        // Less than a factor of two between the ends: fall back to round linear steps.
        linear_ticks(&(10f64.powf(range.start)..10f64.powf(range.end)))
            .into_iter()
            .filter(|&t| t > 0.0)
            .map(f64::log10)
            .collect()
    }
}

/// A tick label as a learner would write it: `5`, `0.25`, `1e-5`, never `0.30000000000000004`.
pub(crate) fn tick_label(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    if v.abs() < 1e-3 || v.abs() >= 1e6 {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(0.30000000000000004), "0.3");
        assert_eq!(tick_label(5.0), "5");
        assert_eq!(tick_label(-2.5), "-2.5");
        assert_eq!(tick_label(1e-5), "1e-5");
        assert_eq!(tick_label(2.5e7), "2.5e7");
        assert_eq!(tick_label(0.0), "0");
    }

    #[test]
    fn linear_ticks_are_round_and_inside_the_range() {
        assert_eq!(
            linear_ticks(&(0.0..1.0)),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        let t = linear_ticks(&(0.93..10.07));
        assert_eq!(t, vec![2.0, 4.0, 6.0, 8.0, 10.0]);
    }

    #[test]
    fn log_ticks_fit_the_span() {
        // 0.01 .. 3: 1-2-5 steps.
        let t: Vec<String> = log_ticks(&(-2.0..0.5))
            .iter()
            .map(|t| tick_label(10f64.powf(*t)))
            .collect();
        assert_eq!(t, ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"]);
        // 0.3 .. 0.5: less than a factor of two, round linear steps.
        let t = log_ticks(&(0.3f64.log10()..0.5f64.log10()));
        assert!(t.len() >= 2, "{t:?}");
    }

    #[test]
    fn long_legend_names_wrap_at_spaces() {
        let lines = wrap("train (mean of each tenth of an epoch)", 180.0, 13.7);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(
            lines.iter().all(|l| text_width(l, 13.7) <= 180.0),
            "{lines:?}"
        );
        assert_eq!(lines.join(" "), "train (mean of each tenth of an epoch)");
        assert_eq!(wrap("test", 180.0, 13.7), ["test"]);
    }

    #[test]
    fn padded_handles_a_single_value() {
        assert_eq!(padded([3.0].into_iter(), 0.1), 2.5..3.5);
        assert_eq!(padded([0.0, 10.0].into_iter(), 0.1), -1.0..11.0);
    }
}
