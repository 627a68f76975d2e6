//! The demo's report as one self-contained HTML file (no script, no external resource): the
//! cheat and the simulator's odds, the nodes and who cosigned their logs, the limits, the
//! inspections, every finding with its evidence, and the year's timeline.

use std::fmt::Write as _;
use verity_treaty::Treaty;
use verity_treaty::compliance::Severity;

use super::DemoReport;
use crate::output::thousands;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn pct(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1a1a1a;background:#fff;line-height:1.45}\
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}\
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#eef1f5}td.num{text-align:right;font-variant-numeric:tabular-nums}\
.violation{color:#8b0000;font-weight:600}.warning{color:#7a4a00}\
.verdict{padding:.75rem 1rem;border:2px solid;border-radius:.25rem}\
.caught{border-color:#8b0000;background:#fff3f3}.clean{border-color:#1d5e20;background:#f2fbf2}\
code{font-size:.85rem;word-break:break-all}figure{margin:1rem 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.85rem;color:#333}pre{white-space:pre-wrap;font-size:.8rem}";

/// The report page.
pub(super) fn html(r: &DemoReport, treaty: &Treaty) -> String {
    let mut h = String::new();
    let c = &r.compliance;
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Verity demo: one year of {t}</title><style>{STYLE}</style></head><body><header>\
<h1>Verity demo: one treaty year of {title}</h1>\
<p>Parties' nodes and an independent observer on loopback; seed {seed}; judged on {on} by the observer's compliance view over the logs it mirrored and witnessed.</p></header><main>",
        t = esc(&c.treaty),
        title = esc(treaty.short_title()),
        seed = r.seed,
        on = c.on,
    );
    h.push_str("<section><h2>The cheat and the odds</h2>");
    match &r.cheat {
        Some(x) => {
            let _ = write!(
                h,
                "<div class=\"verdict {cls}\"><p><strong>{verdict}.</strong> {planted}.</p>\
<p>This regime catches this cheat within a year with probability <strong>{p}</strong> (the simulator's exact value for this declaration and these quotas; its Monte Carlo with the real selection code gives {sim} in {trials} trials, 95% interval {lo} – {hi}), so this run's outcome is {luck}.</p></div>",
                cls = if x.caught { "caught" } else { "clean" },
                verdict = if x.caught {
                    "Caught"
                } else {
                    "Not caught this year"
                },
                planted = esc(&x.planted),
                p = pct(x.probability_exact),
                sim = pct(x.probability_simulated),
                trials = x.trials,
                lo = pct(x.probability_ci.0),
                hi = pct(x.probability_ci.1),
                luck = if x.caught {
                    "what the regime should usually give"
                } else {
                    "the chance the regime leaves"
                },
            );
        }
        None => h.push_str(
            "<div class=\"verdict clean\"><p>No party cheats in this run (<code>--cheat none</code>).</p></div>",
        ),
    }
    match (&r.chart_svg, &r.cheat) {
        (Ok(chart), Some(x)) => {
            let _ = write!(
                h,
                "<figure>{chart}<figcaption>Detection within a year of {party}'s cheat against the number of inspections of {party} a year, split between the inspection types in the draft's proportions (exact value of the simulator's model; the dot and bar: the Monte Carlo estimate with its 95% interval at the draft's quota). Source: <code>verity simulate</code> on this run's declaration and truth.</figcaption></figure>",
                party = esc(&x.party)
            );
        }
        (Err(why), Some(_)) => {
            let _ = write!(h, "<p>No chart: {}.</p>", esc(why));
        }
        _ => {}
    }
    let _ = write!(
        h,
        "<p>{} finding(s) concern a party that did not cheat.</p></section>",
        r.false_alarms
    );

    h.push_str("<section><h2>Nodes and witnesses</h2><table><thead><tr><th scope=\"col\">Node</th><th scope=\"col\">URL</th><th scope=\"col\">Log entries</th><th scope=\"col\">Cosigned by (tree size)</th><th scope=\"col\">Split-view alarms</th></tr></thead><tbody>");
    for n in &r.nodes {
        let cos: Vec<String> = n
            .cosigned_by
            .iter()
            .map(|(w, s)| format!("{} ({s})", esc(w)))
            .collect();
        let _ = write!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(&n.name),
            esc(&n.url),
            n.entries,
            cos.join(", "),
            n.alarms
        );
    }
    h.push_str("</tbody></table>");
    for n in &r.nodes {
        let _ = write!(
            h,
            "<details><summary>{} latest checkpoint and witness key</summary><pre>{}</pre><p>Witness key: <code>{}</code></p></details>",
            esc(&n.name),
            esc(&n.checkpoint),
            esc(&n.witness_key)
        );
    }
    h.push_str("</section>");

    h.push_str("<section><h2>Arsenals and limits</h2><p>Each party's synthetic item list adds up to its SIPRI 2025 estimate (SIPRI Yearbook 2025, <code>data/estimates.csv</code>); only the party knows it. Anyone sees commitments and range proofs.</p><table><thead><tr><th scope=\"col\">Party</th><th scope=\"col\">Warheads (SIPRI 2025)</th><th scope=\"col\">Items</th></tr></thead><tbody>");
    for (p, w, items) in &r.arsenals {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(p),
            thousands(*w),
            thousands(*items as u64)
        );
    }
    h.push_str("</tbody></table><table><thead><tr><th scope=\"col\">Party</th><th scope=\"col\">Limit</th><th scope=\"col\">Ceiling</th><th scope=\"col\">Verdict</th></tr></thead><tbody>");
    for v in &c.limits {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(v.party.as_str()),
            esc(&v.limit),
            thousands(v.max),
            esc(&super::verdict_text(v))
        );
    }
    h.push_str("</tbody></table></section>");

    let _ = write!(
        h,
        "<section><h2>Findings</h2><p>{} finding(s), {} violation(s). Each rests on log entries with an inclusion proof against that log's signed checkpoint.</p>",
        c.findings.len(),
        c.violations
    );
    if !c.findings.is_empty() {
        h.push_str("<table><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Party</th><th scope=\"col\">Rule</th><th scope=\"col\">Finding</th><th scope=\"col\">Evidence (entry, leaf hash, tree size)</th></tr></thead><tbody>");
        for f in &c.findings {
            let (cls, sev) = match f.severity {
                Severity::Violation => ("violation", "violation"),
                Severity::Warning => ("warning", "warning"),
                Severity::Info => ("", "info"),
            };
            let ev: Vec<String> = f
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "{}#{} ({}) <code>{}</code> in {}",
                        esc(&e.party),
                        e.index,
                        esc(&e.kind),
                        esc(&e.leaf_hash[..16.min(e.leaf_hash.len())]),
                        e.tree_size
                    )
                })
                .collect();
            let _ = write!(
                h,
                "<tr><td class=\"{cls}\">{sev}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&f.party),
                esc(&f.rule),
                esc(&f.message),
                ev.join("<br>")
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");

    h.push_str("<section><h2>Inspections</h2><table><thead><tr><th scope=\"col\">Inspection</th><th scope=\"col\">Type</th><th scope=\"col\">By</th><th scope=\"col\">Of</th><th scope=\"col\">Requested</th><th scope=\"col\">Status</th><th scope=\"col\">Sites visited</th></tr></thead><tbody>");
    for i in &c.inspections {
        let sites = i
            .selection
            .as_ref()
            .map(|s| {
                s.sites
                    .iter()
                    .map(|x| esc(&x.site))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{sites}</td></tr>",
            esc(&i.id),
            esc(&i.inspection_type),
            esc(&i.inspecting),
            esc(&i.inspected),
            i.requested,
            esc(&i.status)
        );
    }
    h.push_str("</tbody></table></section>");

    h.push_str("<section><h2>Timeline</h2><table><thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Party</th><th scope=\"col\">What</th></tr></thead><tbody>");
    for e in &r.timeline {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.date,
            esc(&e.party),
            esc(&e.what)
        );
    }
    h.push_str("</tbody></table></section></main><footer><p>Written by <code>verity demo</code>. Sources: SIPRI Yearbook 2025 (arsenal totals); the treaty file <code>treaties/trilateral-draft.toml</code> (limits, quotas, the facility register and its reasoning).</p></footer></body></html>\n");
    h
}
