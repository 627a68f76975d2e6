//! The demo's report as one self-contained HTML file (no script, no external resource): the
//! cheat and the simulator's odds, the nodes and their witnesses, the arsenals, then the
//! dashboard's own views (overview, treaty, inspections, findings with evidence, figures) from
//! the same snapshot a node's `/ui` pages render, and the year's timeline.

use maud::{Markup, PreEscaped, html};
use verity_dashboard::Snapshot;

use super::DemoReport;
use crate::output::thousands;

fn pct(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// The run's own sections, before the shared views.
fn run_sections(r: &DemoReport) -> Markup {
    html! {
        section #run aria-labelledby="run-h" {
            h2 #run-h { "The cheat and the odds" }
            p { "Parties' nodes and an independent observer on loopback; seed " (r.seed) "; judged on " (r.compliance.on) " by the observer's compliance view over the logs it mirrored and witnessed." }
            @match &r.cheat {
                Some(x) => {
                    div.status.(if x.caught { "bad" } else { "good" }) {
                        p { strong { (if x.caught { "Caught" } else { "Not caught this year" }) "." } " " (x.planted) "." }
                        p { "This regime catches this cheat within a year with probability " strong { (pct(x.probability_exact)) }
                            " (the simulator's exact value for this declaration and these quotas; its Monte Carlo with the real selection code gives "
                            (pct(x.probability_simulated)) " in " (x.trials) " trials, 95% interval " (pct(x.probability_ci.0)) " – " (pct(x.probability_ci.1))
                            "), so this run's outcome is " (if x.caught { "what the regime should usually give" } else { "the chance the regime leaves" }) "." }
                    }
                    @match &r.chart_svg {
                        Ok(chart) => {
                            figure #detection {
                                div role="img" aria-labelledby="detection-cap" { (PreEscaped(chart)) }
                                figcaption #detection-cap { "Detection within a year of " (x.party) "'s cheat against the number of inspections of " (x.party) " a year, split between the inspection types in the draft's proportions (exact value of the simulator's model; the dot and bar: the Monte Carlo estimate with its 95% interval at the draft's quota). Source: " code { "verity simulate" } " on this run's declaration and truth." }
                            }
                        }
                        Err(why) => { p.warning { "No chart: " (why) "." } }
                    }
                }
                None => { div.status.good { p { "No party cheats in this run (" code { "--cheat none" } ")." } } }
            }
            p { (r.false_alarms) " finding(s) concern a party that did not cheat." }
        }
        section #nodes aria-labelledby="nodes-h" {
            h2 #nodes-h { "Nodes and witnesses" }
            div.scroll { table {
                thead { tr { th scope="col" { "Node" } th scope="col" { "URL (while it ran)" } th.num scope="col" { "Log entries" } th scope="col" { "Cosigned by (tree size)" } th.num scope="col" { "Split-view alarms" } } }
                tbody { @for n in &r.nodes { tr {
                    td { (n.name) } td { code { (n.url) } } td.num { (thousands(n.entries)) }
                    td { (n.cosigned_by.iter().map(|(w, s)| format!("{w} ({})", thousands(*s))).collect::<Vec<_>>().join(", ")) }
                    td.num { (n.alarms) }
                } } }
            } }
            @for n in &r.nodes {
                details { summary { (n.name) " latest checkpoint and witness key" } pre { (n.checkpoint) } p { "Witness key: " code { (n.witness_key) } } }
            }
        }
        section #arsenals aria-labelledby="arsenals-h" {
            h2 #arsenals-h { "Arsenals" }
            p { "Each party's synthetic item list adds up to its SIPRI 2025 estimate (SIPRI Yearbook 2025, " code { "data/estimates.csv" } ") unless the run gives another total; only the party knows it. Anyone sees commitments and range proofs." }
            div.scroll { table {
                thead { tr { th scope="col" { "Party" } th.num scope="col" { "Warheads" } th scope="col" { "Source" } th.num scope="col" { "Items" } } }
                tbody { @for x in &r.arsenals { tr { td { (x.party) } td.num { (thousands(x.warheads)) } td { (x.source) } td.num { (thousands(x.items as u64)) } } } }
            } }
        }
    }
}

fn timeline(r: &DemoReport) -> Markup {
    html! {
        section #timeline aria-labelledby="timeline-h" {
            h2 #timeline-h { "Timeline" }
            div.scroll { table {
                thead { tr { th scope="col" { "Date" } th scope="col" { "Party" } th scope="col" { "What" } } }
                tbody { @for e in &r.timeline { tr { td { (e.date) } td { (e.party) } td { (e.what) } } } }
            } }
            p.muted { "Written by " code { "verity demo" } ". Sources: SIPRI Yearbook 2025 (arsenal totals); the treaty file " code { "treaties/trilateral-draft.toml" } " (limits, quotas, the facility register and its reasoning)." }
        }
    }
}

/// The report page.
pub(super) fn html(r: &DemoReport, snapshot: &Snapshot) -> String {
    let title = format!(
        "Verity demo: one treaty year of {}",
        snapshot.treaty.short_title()
    );
    verity_dashboard::report_document(
        snapshot,
        &title,
        (
            &[
                ("run", "This run"),
                ("nodes", "Nodes"),
                ("arsenals", "Arsenals"),
            ],
            run_sections(r),
        ),
        (&[("timeline", "Timeline")], timeline(r)),
    )
}
