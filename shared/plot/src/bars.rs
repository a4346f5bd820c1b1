//! Bar charts: a value per category (a histogram of classes), one or more groups side by side.

use std::path::Path;

use plotters::prelude::*;

use crate::line::{
    draw_legend, legend_width, linear_ticks, tick_label, titled_canvas, Axis, LegendKey,
    LABEL_SIZE, TICK_SIZE,
};
use crate::{colour, draw_error, empty, invalid, mismatch, write_atomically, PlotError, FONT};

/// One group of bars: a value for each category, drawn in the group's colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// The legend's name for the group (none if empty).
    pub name: String,
    /// One value per category, in the categories' order.
    pub values: Vec<f64>,
}

impl Bars {
    /// A group named `name`.
    pub fn new(name: impl Into<String>, values: impl IntoIterator<Item = f64>) -> Self {
        Bars {
            name: name.into(),
            values: values.into_iter().collect(),
        }
    }
}

const WIDTH: u32 = 760;
const HEIGHT: u32 = 480;
/// The share of a category's slot the bars fill; the rest separates categories.
const FILL: f64 = 0.8;

/// Draws a bar for each category and group, the groups of a category side by side, from 0
/// up (or down) to the value, over horizontal `guides` (a value and its name in the legend,
/// drawn as a dashed grey line: an even share, a target); writes the chart to `path` as SVG.
///
/// # Errors
/// [`PlotError::Empty`] if there are no categories or no groups;
/// [`PlotError::Mismatch`] if a group has not one value per category;
/// [`PlotError::Invalid`] if a value or guide is not finite;
/// [`PlotError::Io`] if the file cannot be written.
pub fn bar_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    categories: &[impl AsRef<str>],
    groups: &[Bars],
    guides: &[(f64, &str)],
) -> Result<(), PlotError> {
    if categories.is_empty() {
        return Err(empty(path, "the list of categories"));
    }
    if groups.is_empty() {
        return Err(empty(path, "the list of groups"));
    }
    for g in groups {
        if g.values.len() != categories.len() {
            return Err(mismatch(
                path,
                &format!("values of group `{}`", g.name),
                categories.len(),
                g.values.len(),
            ));
        }
        if let Some(v) = g.values.iter().find(|v| !v.is_finite()) {
            return Err(invalid(
                path,
                format!("group `{}` has the value {v}", g.name),
            ));
        }
    }
    if let Some((v, name)) = guides.iter().find(|(v, _)| !v.is_finite()) {
        return Err(invalid(path, format!("guide `{name}` is at {v}")));
    }

    let values = || groups.iter().flat_map(|g| g.values.iter().copied());
    let top = values()
        .chain(guides.iter().map(|g| g.0))
        .fold(0.0f64, f64::max);
    let bottom = values()
        .chain(guides.iter().map(|g| g.0))
        .fold(0.0f64, f64::min);
    let span = (top - bottom).max(1e-12);
    let y_range = (bottom - 0.02 * span * f64::from(u8::from(bottom < 0.0)))..(top + 0.08 * span);
    let y_ticks = linear_ticks(&y_range);
    let k = categories.len();
    let x_range = -0.5..(k as f64 - 0.5);
    let x_ticks: Vec<f64> = (0..k).map(|i| i as f64).collect();

    let mut legend: Vec<(LegendKey, &str)> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.name.is_empty())
        .map(|(i, g)| (LegendKey::Line(colour(i)), g.name.as_str()))
        .collect();
    legend.extend(
        guides
            .iter()
            .map(|(_, name)| (LegendKey::Line(GUIDE), *name)),
    );
    let legend_width = legend_width(legend.iter().map(|e| e.1), WIDTH);

    let mut svg = String::new();
    {
        let fail = draw_error(path);
        let [root, plot_area, legend_area] =
            titled_canvas(&mut svg, (WIDTH, HEIGHT), title, legend_width, &fail)?;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(Axis::new(x_range, x_ticks), Axis::new(y_range, y_ticks))
            .map_err(|e| fail(&e))?;
        let category_name = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < k {
                categories[i as usize].as_ref().to_string()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .x_label_formatter(&category_name)
            .y_label_formatter(&|v| tick_label(*v))
            .disable_x_mesh()
            .bold_line_style(RGBColor(225, 225, 225))
            .axis_style(RGBColor(90, 90, 90))
            .draw()
            .map_err(|e| fail(&e))?;

        let width = FILL / groups.len() as f64;
        for (gi, group) in groups.iter().enumerate() {
            let bars = group.values.iter().enumerate().map(|(c, &v)| {
                let left = c as f64 - FILL / 2.0 + gi as f64 * width;
                Rectangle::new([(left, 0.0), (left + width, v)], colour(gi).filled())
            });
            chart.draw_series(bars).map_err(|e| fail(&e))?;
        }
        for &(y, _) in guides {
            let line = DashedLineSeries::new(
                [(-0.5, y), (k as f64 - 0.5, y)],
                8,
                6,
                GUIDE.stroke_width(2),
            );
            chart.draw_series(line).map_err(|e| fail(&e))?;
        }
        draw_legend(&legend_area, &legend).map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    write_atomically(path, svg.as_bytes())
}

/// The colour of guide lines: a grey no group is drawn in.
const GUIDE: RGBColor = RGBColor(110, 110, 110);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_is_well_formed_svg_with_its_categories_and_legend() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bars.svg");
        let groups = [
            Bars::new("generated", [0.12, 0.08, 0.1]),
            Bars::new("real", [0.1, 0.1, 0.1]),
        ];
        bar_chart(
            &path,
            "Classes",
            "class",
            "share",
            &["zero", "one", "two"],
            &groups,
            &[(0.05, "5%")],
        )
        .unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        roxmltree::Document::parse(&svg).unwrap();
        for text in ["zero", "two", "generated", "real", "5%"] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn a_group_without_one_value_per_category_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bars.svg");
        let groups = [Bars::new("short", [1.0])];
        let err = bar_chart(&path, "", "", "", &["a", "b"], &groups, &[]).unwrap_err();
        assert!(err.to_string().contains("short"), "{err}");
        assert!(!path.exists());
    }
}
