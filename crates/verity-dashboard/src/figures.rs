//! The figures section: public estimates over time (SIPRI) per state, New START's published
//! aggregates against its three limits, and the parties' declared or proved positions beside
//! the public estimates. Charts are inline SVG; each has its data as a table for readers who
//! cannot see it, and a source line.

use maud::{Markup, PreEscaped, html};
use std::sync::OnceLock;
use verity_treaty::compliance::PROVED_TOTALS_HIDDEN;
use verity_treaty::compliance::{DeclaredFigures, Verdict};
use verity_treaty::figures::Estimate;

use crate::charts::{LARGE_ARSENALS, LineChart, aggregates_chart, estimates_chart};
use crate::pages::section_heading;
use crate::{Snapshot, Target};
use verity_treaty::grouped as thousands;

/// The public data, read once: the embedded SIPRI estimates, New START aggregates and treaty.
struct PublicData {
    estimates: Vec<Estimate>,
    aggregates: Vec<DeclaredFigures>,
    /// New START's limits: (id, name, ceiling).
    limits: Vec<(String, String, u64)>,
    /// The published figures under each recorded position on disputed accounting.
    disputed: Vec<verity_treaty::accounting::PositionVerdict>,
}

fn public_data() -> &'static Result<PublicData, verity_treaty::TreatyError> {
    static DATA: OnceLock<Result<PublicData, verity_treaty::TreatyError>> = OnceLock::new();
    DATA.get_or_init(|| {
        let estimates = verity_treaty::builtin::estimates()?;
        let aggregates = verity_treaty::builtin::new_start_aggregates()?;
        let treaty = verity_treaty::builtin::treaty("new-start")?;
        let limits = treaty
            .limits()
            .iter()
            .filter_map(|l| match &l.max {
                verity_treaty::model::Ceiling::Common(m) => {
                    Some((l.id.clone(), l.name.clone(), *m))
                }
                verity_treaty::model::Ceiling::PerParty(_) => None,
            })
            .collect();
        let judged = verity_treaty::compliance::assess(
            &treaty,
            &aggregates,
            // Judged as of the last figure: the verdicts depend on each figure's own date.
            aggregates.iter().map(|a| a.as_of).max().unwrap_or_default(),
            verity_treaty::compliance::Mode::AsWritten,
        );
        let disputed = verity_treaty::accounting::judge_positions(
            &treaty,
            &judged.verdicts,
            &verity_treaty::builtin::new_start_accountability()?,
        );
        Ok(PublicData {
            estimates,
            aggregates,
            limits,
            disputed,
        })
    })
}

/// The charts, drawn once per process (the data are embedded and never change).
/// A chart's SVG, or why it was not drawn.
type Drawn = Result<String, verity_sim::plot::PlotError>;

fn charts(d: &PublicData) -> &'static [(String, Drawn)] {
    static CHARTS: OnceLock<Vec<(String, Drawn)>> = OnceLock::new();
    CHARTS.get_or_init(|| {
        let mut out: Vec<(String, LineChart)> = vec![
            (
                "estimates-large".into(),
                estimates_chart(
                    &d.estimates,
                    "Estimated warheads: United States and Russia",
                    &LARGE_ARSENALS,
                    false,
                ),
            ),
            (
                "estimates-others".into(),
                estimates_chart(
                    &d.estimates,
                    "Estimated warheads: the other seven nuclear-armed states",
                    &LARGE_ARSENALS,
                    true,
                ),
            ),
        ];
        for (id, name, max) in &d.limits {
            let unit = if id.contains("warheads") {
                "Warheads"
            } else {
                "Launchers and bombers"
            };
            out.push((
                format!("new-start-{id}"),
                aggregates_chart(&d.aggregates, id, name, unit, *max, &d.disputed),
            ));
        }
        out.into_iter().map(|(id, c)| (id, c.svg())).collect()
    })
}

fn chart(charts: &[(String, Drawn)], id: &str, caption: Markup) -> Markup {
    let svg = charts.iter().find(|(i, _)| i == id).map(|(_, s)| s);
    html! {
        figure #(id) {
            @match svg {
                Some(Ok(svg)) => { div role="img" aria-labelledby=(format!("{id}-cap")) { (PreEscaped(svg)) } }
                Some(Err(e)) => { p.warning { "Chart not drawn: " (e) ". The data are in the table below." } }
                None => { p.warning { "Chart not drawn." } }
            }
            figcaption #(format!("{id}-cap")) { (caption) }
        }
    }
}

fn estimates_table(estimates: &[Estimate]) -> Markup {
    html! {
        details {
            summary { "The estimates as a table" }
            div.scroll { table {
                thead { tr { th scope="col" { "State" } th.num scope="col" { "Year" } th.num scope="col" { "Total inventory" } th.num scope="col" { "Deployed" } th scope="col" { "Edition" } th scope="col" { "Read at" } } }
                tbody { @for e in estimates { tr {
                    td { (e.name) " (" (e.state.as_str()) ")" } td.num { (e.year) }
                    td.num { (e.total_inventory.map(thousands).unwrap_or_default()) }
                    td.num { (e.deployed.map(thousands).unwrap_or_default()) }
                    td { (e.edition) } td.muted { (e.source) }
                } } }
            } }
        }
    }
}

fn aggregates_table(d: &PublicData) -> Markup {
    html! {
        details {
            summary { "The aggregates as a table" }
            div.scroll { table {
                thead { tr { th scope="col" { "Data as of" } th scope="col" { "Party" }
                    @for (_, name, max) in &d.limits { th.num scope="col" { (name) " (limit " (thousands(*max)) ")" } }
                    th scope="col" { "Source" } } }
                tbody { @for f in &d.aggregates { tr {
                    td { (f.as_of) } td { (f.party.as_str()) }
                    @for (id, _, _) in &d.limits { td.num { (f.values.get(id).copied().flatten().map(thousands).unwrap_or_else(|| "—".into())) } }
                    td.muted { (f.source) }
                } } }
            } }
        }
    }
}

/// The latest estimate of each party with a total.
fn latest_estimate<'a>(estimates: &'a [Estimate], party: &str) -> Option<&'a Estimate> {
    estimates
        .iter()
        .filter(|e| e.state.as_str() == party && e.total_inventory.is_some())
        .max_by_key(|e| e.year)
}

fn positions(s: &Snapshot, d: &PublicData) -> Markup {
    html! {
        div.scroll { table {
            thead { tr { th scope="col" { "Party" } th scope="col" { "Public estimate" } th scope="col" { "Declared or proved under " (s.treaty.short_title()) " (" (s.report.on) ")" } } }
            tbody { @for party in s.treaty.parties() {
                @let est = latest_estimate(&d.estimates, party.as_str());
                @let verdicts: Vec<_> = s.report.limits.iter().filter(|v| v.party == *party).collect();
                tr {
                    th scope="row" { (party.name()) " (" (party.as_str()) ")" }
                    td { @if let Some(e) = est {
                        (thousands(e.total_inventory.unwrap_or(0))) " warheads in total"
                        @if let Some(dep) = e.deployed { ", " (thousands(dep)) " deployed" }
                        " (" (e.edition) ", January " (e.year) ")"
                    } @else { "no estimate in Verity's data" } }
                    td { @if verdicts.is_empty() { "no declaration judged" } @else { ul { @for v in verdicts { li {
                        (v.limit_name) ": "
                        @match (v.verdict, v.value) {
                            (Verdict::WithinLimitsProved, _) => { (PROVED_TOTALS_HIDDEN) "; ceiling " (thousands(v.max)) }
                            (verdict, Some(value)) => { "declared " (thousands(value)) " of " (thousands(v.max)) " (" (verdict.as_str()) ")" }
                            (Verdict::Unknown, None) => {
                                "no figure or proof given"
                                @if v.applies_from > s.report.on { " (applies from " (v.applies_from) ")" }
                            }
                            (verdict, None) => { (verdict.as_str()) }
                        }
                    } } } } }
                }
            } }
        } }
    }
}

/// The figures: estimates, New START aggregates, positions beside estimates.
pub fn figures_section(s: &Snapshot, target: Target) -> Markup {
    let d = match public_data() {
        Ok(d) => d,
        Err(e) => return html! { p.warning { "The embedded public data did not load: " (e) } },
    };
    let charts = charts(d);
    // SIPRI's editions first, then any other estimator a year's figures come from.
    let editions: std::collections::BTreeSet<(bool, &str)> = d
        .estimates
        .iter()
        .map(|e| (!e.edition.starts_with("SIPRI"), e.edition.as_str()))
        .collect();
    let source = editions
        .into_iter()
        .map(|(_, e)| e)
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        section aria-labelledby="estimates-h" {
            (section_heading(target, "estimates-h", html! { "Public estimates of warhead inventories over time" }))
            div.charts {
                (chart(charts, "estimates-large", html! { "Total inventories (deployed, stored and retired awaiting dismantlement) as of January of each year. Source: " (source) ", as recorded in Verity's data/estimates.csv with where each figure was read." }))
                (chart(charts, "estimates-others", html! { "The same series for China, France, the United Kingdom, India, Pakistan, Israel and North Korea, on their own scale. Source: " (source) "." }))
            }
            (estimates_table(&d.estimates))
        }
        section aria-labelledby="positions-fig-h" {
            (section_heading(target, "positions-fig-h", html! { "Declared or proved positions beside the public estimates" }))
            (positions(s, d))
        }
        section aria-labelledby="newstart-h" {
            (section_heading(target, "newstart-h", html! { "New START: published aggregates against its three limits" }))
            div.charts {
                @for (id, name, max) in &d.limits {
                    @let disputed: Vec<_> = d.disputed.iter().filter(|v| &v.declared.limit == id).collect();
                    (chart(charts, &format!("new-start-{id}"), html! { (name) ", United States and Russia, by the date of the data; the dashed line is the limit of " (thousands(*max)) " (in force from 2018-02-05). Source: the U.S. State Department's fact sheets of the aggregate numbers exchanged under the treaty, as recorded in Verity's data/new_start_aggregates.csv."
                        @if let Some(last) = disputed.last() {
                            " The line marked “claimed” is " (last.declared.party.as_str()) "'s figure as " (last.held_by.as_str()) " counts it (" (thousands(last.value)) " on " (last.declared.date) ", " (last.declared.party.as_str()) " counts " (last.declared.value.map(thousands).unwrap_or_default()) "): " (last.position_name) "; counts from data/new_start_accountability.csv, never the verdict."
                        } }))
                }
            }
            (aggregates_table(d))
        }
    }
}
