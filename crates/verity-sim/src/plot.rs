//! Plots for people: detection probability against inspections per year, one line per
//! strategy, the treaty's own quota marked, with titles, labelled axes (with units) and a
//! legend; written as SVG and PNG with plotters. Text is drawn with a TrueType font read at
//! run time (DejaVu Sans by default, `VERITY_FONT` to choose another).

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::path::Path;
use std::sync::OnceLock;

/// Where the font is looked for when `VERITY_FONT` is not set (Debian `fonts-dejavu-core`).
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// One line of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// (inspections per year, probability in 0..=1), in x order.
    pub points: Vec<(u32, f64)>,
    /// A simulated point with its 95% interval, drawn over the line: (x, value, low, high).
    pub simulated: Option<(u32, f64, f64, f64)>,
}

/// A chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Title.
    pub title: String,
    /// X axis label (with unit).
    pub x_label: String,
    /// Y axis label (with unit).
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// A vertical marker: (x, label), e.g. the treaty's quota.
    pub marker: Option<(u32, String)>,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// No usable font.
    #[error(
        "plots need a TrueType font to lay out their text: {0} (install Debian's fonts-dejavu-core, or set VERITY_FONT to a .ttf file)"
    )]
    Font(String),
    /// Drawing or writing failed.
    #[error("drawing the plot: {0}")]
    Draw(String),
}

fn draw_err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Draw(e.to_string())
}

static FONT: OnceLock<Result<(), String>> = OnceLock::new();

/// Reads and registers the font once per process.
pub fn ensure_font() -> Result<(), PlotError> {
    FONT.get_or_init(|| {
        let path = std::env::var("VERITY_FONT").unwrap_or_else(|_| DEFAULT_FONT.to_string());
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        register_font("sans-serif", FontStyle::Normal, bytes)
            .map_err(|_| format!("{path} is not a TrueType font"))
    })
    .clone()
    .map_err(PlotError::Font)
}

const COLORS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    chart: &Chart,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(draw_err)?;
    let x_max = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(chart.marker.iter().map(|m| m.0))
        .max()
        .unwrap_or(1)
        .max(1);
    let mut c = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0u32..x_max, 0f64..100f64)
        .map_err(draw_err)?;
    c.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .y_label_formatter(&|v| format!("{v:.0}%"))
        .draw()
        .map_err(draw_err)?;
    if let Some((x, label)) = &chart.marker {
        let grey = RGBColor(120, 120, 120);
        c.draw_series(LineSeries::new(
            [(*x, 0.0), (*x, 100.0)],
            grey.stroke_width(1),
        ))
        .map_err(draw_err)?
        .label(label.clone())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], grey));
    }
    for (i, s) in chart.series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        c.draw_series(LineSeries::new(
            s.points.iter().map(|&(x, p)| (x, p * 100.0)),
            color.stroke_width(2),
        ))
        .map_err(draw_err)?
        .label(s.label.clone())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        if let Some((x, p, lo, hi)) = s.simulated {
            c.draw_series([PathElement::new(
                vec![(x, lo * 100.0), (x, hi * 100.0)],
                color.stroke_width(2),
            )])
            .map_err(draw_err)?;
            c.draw_series([Circle::new((x, p * 100.0), 4, color.filled())])
                .map_err(draw_err)?;
        }
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(draw_err)?;
    root.present().map_err(draw_err)?;
    Ok(())
}

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> Result<String, PlotError> {
    ensure_font()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (900, 560)).into_drawing_area();
        draw(root, chart)?;
    }
    Ok(out)
}

/// Writes the chart as a PNG file.
pub fn png(chart: &Chart, path: &Path) -> Result<(), PlotError> {
    ensure_font()?;
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    draw(root, chart)
}
