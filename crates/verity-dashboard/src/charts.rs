//! The figures as SVG line charts (plotters): public warhead estimates per state over the
//! years, and New START's published aggregates against each of its three limits. Every chart
//! has a title, labelled axes with units and a legend; the page adds the source line.

use plotters::prelude::*;
use verity_sim::plot::PlotError;
use verity_treaty::compliance::DeclaredFigures;
use verity_treaty::figures::Estimate;
use verity_treaty::grouped as thousands;

/// Width and height of every chart, in SVG user units (the page scales them to fit).
const SIZE: (u32, u32) = (900, 440);

/// Colour-blind-safe colours (Okabe–Ito), then greys; a state keeps its colour in every chart.
const COLORS: [RGBColor; 9] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(120, 120, 120),
    RGBColor(160, 110, 60),
];

/// One line: a legend label and its (x, y) points in x order.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend text.
    pub label: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// A line chart with an optional horizontal limit line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title drawn above the plot.
    pub title: String,
    /// X axis description, with unit.
    pub x_label: String,
    /// Y axis description, with unit.
    pub y_label: String,
    /// The lines.
    pub lines: Vec<Line>,
    /// A ceiling drawn as a dashed line: (value, legend label).
    pub limit: Option<(f64, String)>,
    /// Whether x values are years (labels without decimals).
    pub x_is_year: bool,
    /// Whether the legend goes in the upper left corner (where the lines leave room) rather
    /// than the upper right.
    pub legend_left: bool,
}

fn draw_err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Draw(format!("drawing the chart: {e}"))
}

impl LineChart {
    /// The chart as an SVG document (text laid out with the font `verity_sim::plot` loads).
    pub fn svg(&self) -> Result<String, PlotError> {
        verity_sim::plot::ensure_font()?;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
            self.draw(root)?;
        }
        Ok(out)
    }

    fn draw(
        &self,
        root: DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    ) -> Result<(), PlotError> {
        root.fill(&WHITE).map_err(draw_err)?;
        let xs = self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let (x_min, x_max) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let (x_min, x_max) = if x_min > x_max {
            (0.0, 1.0)
        } else if x_min == x_max {
            (x_min - 1.0, x_max + 1.0)
        } else {
            (x_min, x_max)
        };
        let y_top = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .chain(self.limit.iter().map(|l| l.0))
            .fold(1.0f64, f64::max)
            // Headroom above the data for the legend box, which grows with its entries.
            * (1.12 + 0.06 * (self.lines.len() + usize::from(self.limit.is_some())) as f64);
        let pad = (x_max - x_min) * 0.03;
        let mut c = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 22))
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(72)
            .build_cartesian_2d((x_min - pad)..(x_max + pad), 0f64..y_top)
            .map_err(draw_err)?;
        let year = self.x_is_year;
        c.configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 14))
            .x_labels(if year {
                (x_max - x_min).round() as usize + 1
            } else {
                10
            })
            .x_label_formatter(&move |x| {
                if year {
                    format!("{x:.0}")
                } else {
                    format!("{x:.1}")
                }
            })
            .y_label_formatter(&|y| thousands(y.round() as u64))
            .draw()
            .map_err(draw_err)?;
        if let Some((value, label)) = &self.limit {
            let red = RGBColor(170, 0, 0);
            let dashes = dashed((x_min - pad, x_max + pad), *value, (x_max - x_min) / 60.0);
            c.draw_series(
                dashes
                    .into_iter()
                    .map(|seg| PathElement::new(seg, red.stroke_width(2))),
            )
            .map_err(draw_err)?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], red.stroke_width(2)));
        }
        for (i, line) in self.lines.iter().enumerate() {
            let color = COLORS.get(i % COLORS.len()).copied().unwrap_or(BLACK);
            c.draw_series(LineSeries::new(
                line.points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(draw_err)?
            .label(line.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
            });
            c.draw_series(
                line.points
                    .iter()
                    .map(|&p| Circle::new(p, 3, color.filled())),
            )
            .map_err(draw_err)?;
        }
        c.configure_series_labels()
            .position(if self.legend_left {
                SeriesLabelPosition::UpperLeft
            } else {
                SeriesLabelPosition::UpperRight
            })
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
        Ok(())
    }
}

/// A horizontal dashed line at `y` across `x`, as segments.
fn dashed(x: (f64, f64), y: f64, dash: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut at = x.0;
    while at < x.1 && dash > 0.0 {
        out.push(vec![(at, y), ((at + dash).min(x.1), y)]);
        at += dash * 2.0;
    }
    out
}

/// The states whose estimates go on the first chart (the two largest arsenals); the others
/// share a second chart so that their lines are not flattened at the bottom.
pub const LARGE_ARSENALS: [&str; 2] = ["USA", "RUS"];

/// Total inventories per state and year, one line per state (states in `states`, or not in
/// it when `complement`), in the order the estimates first name them.
pub fn estimates_chart(
    estimates: &[Estimate],
    title: &str,
    states: &[&str],
    complement: bool,
) -> LineChart {
    let mut lines: Vec<Line> = Vec::new();
    for e in estimates {
        let code = e.state.as_str();
        if states.contains(&code) == complement {
            continue;
        }
        let Some(total) = e.total_inventory else {
            continue;
        };
        let label = format!("{} ({code})", e.name);
        match lines.iter_mut().find(|l| l.label == label) {
            Some(l) => l.points.push((f64::from(e.year), total as f64)),
            None => lines.push(Line {
                label,
                points: vec![(f64::from(e.year), total as f64)],
            }),
        }
    }
    for l in &mut lines {
        l.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    LineChart {
        title: title.to_string(),
        x_label: "Year (inventories as of January)".into(),
        y_label: "Warheads (total inventory)".into(),
        lines,
        limit: None,
        x_is_year: true,
        // Arsenals that grow end high on the right.
        legend_left: true,
    }
}

/// A date as a fractional year, for the x axis.
pub fn year_fraction(d: chrono::NaiveDate) -> f64 {
    use chrono::Datelike;
    f64::from(d.year()) + f64::from(d.ordinal0()) / 365.25
}

/// One published New START figure per party and date against the limit `limit_id`, with the
/// ceiling `max` dashed.
pub fn aggregates_chart(
    figures: &[DeclaredFigures],
    limit_id: &str,
    title: &str,
    unit: &str,
    max: u64,
    disputed: &[verity_treaty::accounting::PositionVerdict],
) -> LineChart {
    let mut lines: Vec<Line> = Vec::new();
    for f in figures {
        let Some(Some(v)) = f.values.get(limit_id) else {
            continue;
        };
        let label = f.party.as_str().to_string();
        let point = (year_fraction(f.as_of), *v as f64);
        match lines.iter_mut().find(|l| l.label == label) {
            Some(l) => l.points.push(point),
            None => lines.push(Line {
                label,
                points: vec![point],
            }),
        }
    }
    // A party's figures as another party counts them, where it holds a position: a line of
    // their own after the parties' (so each party keeps its colour), labelled as claimed.
    let mut claimed: Vec<Line> = Vec::new();
    for v in disputed.iter().filter(|v| v.declared.limit == limit_id) {
        let label = format!(
            "{} as {} counts it (claimed)",
            v.declared.party.as_str(),
            v.held_by.as_str()
        );
        let point = (year_fraction(v.declared.date), v.value as f64);
        match claimed.iter_mut().find(|l| l.label == label) {
            Some(l) => l.points.push(point),
            None => claimed.push(Line {
                label,
                points: vec![point],
            }),
        }
    }
    lines.extend(claimed);
    for l in &mut lines {
        l.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    LineChart {
        title: title.to_string(),
        x_label: "Date of the data (year)".into(),
        y_label: unit.to_string(),
        lines,
        limit: Some((max as f64, format!("Limit: {}", thousands(max)))),
        x_is_year: true,
        legend_left: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_split_between_the_two_charts() {
        let est = verity_treaty::builtin::estimates().unwrap();
        let large = estimates_chart(&est, "t", &LARGE_ARSENALS, false);
        let rest = estimates_chart(&est, "t", &LARGE_ARSENALS, true);
        let labels: Vec<&str> = large.lines.iter().map(|l| l.label.as_str()).collect();
        assert!(labels.contains(&"United States (USA)") && labels.contains(&"Russia (RUS)"));
        assert_eq!(large.lines.len(), 2);
        assert_eq!(rest.lines.len(), 7);
        let usa = large
            .lines
            .iter()
            .find(|l| l.label.contains("USA"))
            .unwrap();
        assert!(usa.points.contains(&(2025.0, 5177.0)));
        // The record from SIPRI's 2010 Yearbook on, year by year (2010: 9,600 and 12,000).
        assert_eq!(usa.points.first(), Some(&(2010.0, 9600.0)));
        let rus = large
            .lines
            .iter()
            .find(|l| l.label.contains("RUS"))
            .unwrap();
        assert_eq!(rus.points.first(), Some(&(2010.0, 12000.0)));
        assert_eq!(usa.points.len(), 16, "2010 to 2025, every year");
        let chn = rest.lines.iter().find(|l| l.label.contains("CHN")).unwrap();
        assert!(!rest.lines.iter().any(|l| l.label.contains("USA")));
        assert_eq!(chn.points.first(), Some(&(2010.0, 240.0)));
        assert_eq!(chn.points.last(), Some(&(2025.0, 600.0)));
    }

    #[test]
    fn aggregates_follow_the_published_figures_against_the_limit() {
        let figures = verity_treaty::builtin::new_start_aggregates().unwrap();
        let chart = aggregates_chart(&figures, "deployed_icbm_slbm_bombers", "t", "u", 700, &[]);
        assert_eq!(chart.limit, Some((700.0, "Limit: 700".to_string())));
        let usa = chart.lines.iter().find(|l| l.label == "USA").unwrap();
        let rus = chart.lines.iter().find(|l| l.label == "RUS").unwrap();
        // The initial exchange (data as of 2011-02-05): 882 and 521 (State Department).
        let eif = year_fraction(chrono::NaiveDate::from_ymd_opt(2011, 2, 5).unwrap());
        assert_eq!(usa.points.first(), Some(&(eif, 882.0)));
        assert_eq!(rus.points.first(), Some(&(eif, 521.0)));
        assert!(
            usa.points.windows(2).all(|w| w[0].0 < w[1].0),
            "in date order"
        );
        let svg = chart.svg().unwrap();
        assert!(svg.contains("Limit: 700"));
        // Russia's count of the US launchers is a line of its own, labelled as claimed.
        let treaty = verity_treaty::builtin::treaty("new-start").unwrap();
        let judged = verity_treaty::compliance::assess(
            &treaty,
            &figures,
            chrono::NaiveDate::from_ymd_opt(2023, 3, 1).unwrap(),
            verity_treaty::compliance::Mode::AsWritten,
        );
        let disputed = verity_treaty::accounting::judge_positions(
            &treaty,
            &judged.verdicts,
            &verity_treaty::builtin::new_start_accountability().unwrap(),
        );
        let launchers = aggregates_chart(
            &figures,
            "deployed_and_nondeployed_launchers",
            "t",
            "u",
            800,
            &disputed,
        );
        let claimed = launchers
            .lines
            .iter()
            .find(|l| l.label == "USA as RUS counts it (claimed)")
            .unwrap();
        assert_eq!(claimed.points.len(), 4);
        assert_eq!(claimed.points.last().map(|p| p.1), Some(901.0));
        assert!(
            launchers
                .svg()
                .unwrap()
                .contains("USA as RUS counts it (claimed)")
        );
    }
}
