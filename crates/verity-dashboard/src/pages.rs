//! The pages: one function per page, each a complete HTML document, and the report that puts
//! the overview, treaty, inspections, findings and figures in one offline file.

use chrono::{Months, NaiveDate};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::collections::BTreeMap;
use verity_inspect::view::{InspectionStatus, InspectionSummary, ViewFinding};
use verity_treaty::ExchangeKind;
use verity_treaty::compliance::{Mode, PROVED_TOTALS_HIDDEN, Severity, Verdict};
use verity_treaty::model::{DisclosureLevel, StageCoverage};
use verity_treaty::{PartyCode, Treaty};

use crate::{LogPage, STYLE_CSS, Snapshot, Target, entry_href, href};
use verity_treaty::grouped as thousands;

/// The navigation: (page id, label).
fn nav_items(s: &Snapshot) -> Vec<(String, String)> {
    let mut items = vec![
        ("overview".to_string(), "Overview".to_string()),
        ("treaty".to_string(), "Treaty".to_string()),
    ];
    for log in &s.report.logs {
        items.push((format!("log/{}", log.party), format!("Log {}", log.party)));
    }
    items.extend([
        ("inspections".to_string(), "Inspections".to_string()),
        ("findings".to_string(), "Findings".to_string()),
        ("figures".to_string(), "Figures".to_string()),
    ]);
    items
}

/// The start of every document's head: encoding, viewport, title, and an empty icon (so the
/// browser does not ask for `/favicon.ico`).
fn head_start(title: &str) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) }
        link rel="icon" href="data:,";
    }
}

/// A served page: header with the node and the navigation, the content, the stylesheet and,
/// only where a page checks proofs, the script.
fn layout(s: &Snapshot, current: &str, title: &str, content: Markup, script: bool) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                (head_start(&format!("{title} · Verity · {}", s.node.party)))
                link rel="stylesheet" href="/ui/assets/style.css";
                @if script { script src="/ui/assets/proof.js" defer {} }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    span.brand { "Verity" }
                    p { (node_line(s)) }
                    nav aria-label="Dashboard" {
                        ul {
                            @for (id, label) in nav_items(s) {
                                li {
                                    a href=(href(Target::Served, &id))
                                      aria-current=[(id == current).then_some("page")] { (label) }
                                }
                            }
                        }
                    }
                }
                main #main { (content) }
            }
        }
    }
}

fn node_line(s: &Snapshot) -> String {
    let role = if s.node.observer {
        format!("observer node (log {})", s.node.origin)
    } else {
        format!("{} node (log {})", s.node.party, s.node.origin)
    };
    format!(
        "{role} · judging {} on {} ({}) · today {}",
        s.treaty.id(),
        s.judged_on,
        s.clock,
        s.today
    )
}

fn mode_words(mode: Mode) -> &'static str {
    match mode {
        Mode::AsWritten => "as written",
        Mode::AsIfInForce => "as if in force (an exercise)",
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Violation => "violation",
        Severity::Warning => "warning",
        Severity::Info => "muted",
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Violation => "violation",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// The one-line verdict at the top of the overview and the report.
fn status_banner(s: &Snapshot) -> Markup {
    let r = &s.report;
    let warnings = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let limit_violations = r
        .limits
        .iter()
        .filter(|l| l.verdict == Verdict::Violation)
        .count();
    let bad = r.violations > 0 || limit_violations > 0;
    html! {
        p.status.(if bad { "bad" } else { "good" }) role="status" {
            strong { (s.treaty.short_title()) }
            " judged on " (r.on) ", " (mode_words(r.mode)) ": "
            @if bad {
                span.violation { (r.violations) " violation" (if r.violations == 1 { "" } else { "s" }) }
            } @else {
                span.ok { "no violation" }
            }
            ", " (warnings) " warning" (if warnings == 1 { "" } else { "s" })
            ", " (limit_violations) " limit exceeded, "
            (r.inspections.len()) " inspections, over " (r.logs.len()) " logs."
        }
    }
}

/// A section heading: `h2` on a page (under its `h1`), `h3` in a report (under the `h2` of
/// the view it belongs to).
pub(crate) fn section_heading(target: Target, id: &str, text: Markup) -> Markup {
    match target {
        Target::Served => html! { h2 id=(id) { (text) } },
        Target::Report => html! { h3 id=(id) { (text) } },
    }
}

/// The root hash line of a checkpoint note (its third line), shortened.
fn checkpoint_root(note: &str) -> String {
    note.lines()
        .nth(2)
        .map(|r| format!("{}…", r.chars().take(16).collect::<String>()))
        .unwrap_or_default()
}

fn checkpoint_size(note: &str) -> u64 {
    note.lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or(0)
}

fn cosigners(s: &Snapshot, origin: &str) -> Markup {
    let mut cs: Vec<_> = s
        .cosignatures
        .iter()
        .filter(|c| c.origin == origin)
        .collect();
    cs.sort_by(|a, b| a.witness.cmp(&b.witness));
    html! {
        @if cs.is_empty() {
            span.muted { "no cosignature known to this node" }
        } @else {
            ul {
                @for c in cs {
                    li {
                        code { (c.witness) } " at size " (thousands(c.size))
                        @if let Some(t) = c.time { ", " time datetime=(t.to_rfc3339()) { (t.format("%Y-%m-%d %H:%M:%S UTC")) } }
                        " " span.muted { "(" (c.reported_by) ")" }
                    }
                }
            }
        }
    }
}

fn overview_content(s: &Snapshot, target: Target) -> Markup {
    let r = &s.report;
    html! {
        (status_banner(s))
        section aria-labelledby="treaties-h" {
            (section_heading(target, "treaties-h", html! { "Treaties on " (s.today) }))
            div.scroll { table {
                thead { tr { th scope="col" { "Treaty" } th scope="col" { "Status" } th scope="col" { "Parties" } th scope="col" { "In words" } } }
                tbody {
                    @for t in &s.treaties {
                        @let st = t.status_on(s.today);
                        tr {
                            th scope="row" { (t.short_title()) br; code { (t.id()) } }
                            td { strong { (st.status.as_str()) }
                                 @if let Some(d) = st.days_since_expiry { br; (thousands(d.max(0) as u64)) " days since expiry" } }
                            td { (t.parties().iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) }
                            td { (st.summary) }
                        }
                    }
                }
            } }
        }
        section aria-labelledby="logs-h" {
            (section_heading(target, "logs-h", html! { "Parties and their logs" }))
            p.muted { "Each log's latest signed checkpoint as this node holds it, and the witnesses that cosigned it." }
            div.scroll { table {
                thead { tr { th scope="col" { "Party" } th scope="col" { "Log" } th.num scope="col" { "Entries" } th scope="col" { "Latest checkpoint" } th scope="col" { "Cosigned by" } th scope="col" { "Audit" } } }
                tbody {
                    @for l in &r.logs {
                        tr {
                            th scope="row" {
                                @if target == Target::Served { a href=(href(target, &format!("log/{}", l.party))) { (l.party) } } @else { (l.party) }
                                " " span.muted { (l.party.name()) }
                            }
                            td { code { (l.origin) } br; span.muted { "key " (l.key_source) } }
                            td.num { (thousands(l.entries)) }
                            td { "size " (thousands(checkpoint_size(&l.checkpoint))) ", root " code { (checkpoint_root(&l.checkpoint)) } }
                            td { (cosigners(s, &l.origin)) }
                            td { @if l.audit_clean { span.ok { "clean" } } @else { span.violation { "problems found" } } }
                        }
                    }
                }
            } }
            @if !s.unreachable.is_empty() {
                p.warning { "Cosignatures not read from: " (s.unreachable.join("; ")) }
            }
        }
        section aria-labelledby="open-h" {
            (section_heading(target, "open-h", html! { "Open findings" }))
            @if r.findings.is_empty() {
                p.ok { "No finding against any party." }
            } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Party" } th scope="col" { "Rule" } th.num scope="col" { "Violations" } th.num scope="col" { "Warnings" } } }
                    tbody {
                        @for ((party, rule), (v, w)) in finding_counts(&r.findings) {
                            tr { td { (party) } td { code { (rule) } } td.num.violation[v > 0] { (v) } td.num { (w) } }
                        }
                    }
                } }
                p { a href=(href(target, "findings")) { "Every finding with its evidence" } }
            }
        }
    }
}

fn party_name(code: &str) -> String {
    PartyCode::parse(code)
        .map(|p| p.name().to_string())
        .unwrap_or_default()
}

fn finding_counts(findings: &[ViewFinding]) -> BTreeMap<(String, &'static str), (usize, usize)> {
    let mut out: BTreeMap<(String, &'static str), (usize, usize)> = BTreeMap::new();
    for f in findings {
        let party = f.party.map(|p| p.to_string()).unwrap_or_default();
        let e = out.entry((party, f.rule.as_str())).or_default();
        match f.severity {
            Severity::Violation => e.0 += 1,
            Severity::Warning => e.1 += 1,
            Severity::Info => {}
        }
    }
    out
}

/// The overview page.
pub fn overview_page(s: &Snapshot) -> String {
    layout(
        s,
        "overview",
        "Overview",
        html! { h1 { "Overview" } (overview_content(s, Target::Served)) },
        false,
    )
    .into_string()
}

/// The start of the judged period: entry into force, or the notional date in an exercise.
fn period_start(s: &Snapshot) -> Option<(NaiveDate, Option<NaiveDate>)> {
    match s.report.mode {
        Mode::AsWritten => s.treaty.binding_period(),
        Mode::AsIfInForce => s.treaty.notional_period(),
    }
}

fn treaty_content(s: &Snapshot, target: Target) -> Markup {
    let t = &s.treaty;
    let st = t.status_on(s.today);
    let period = period_start(s);
    html! {
        p { (t.title()) " (" code { (t.id()) } "). " strong { (st.status.as_str()) } " on " (s.today) ": " (st.summary) }
        p.muted { "Parties: " (t.parties().iter().map(|p| format!("{} ({})", p.name(), p.as_str())).collect::<Vec<_>>().join(", ")) ". Source: " (t.source()) }
        (practice_timeline(t, s.today, target))
        section aria-labelledby="limits-h" {
            (section_heading(target, "limits-h", html! { "Limits" }))
            div.scroll { table {
                thead { tr { th scope="col" { "Limit" } th.num scope="col" { "Ceiling" } th scope="col" { "Applies from" } th scope="col" { "Reference" } } }
                tbody { @for l in t.limits() { tr { th scope="row" { (l.name) } td.num { (l.max.describe()) } td.date { (l.applies_from) } td { (l.reference) } } } }
            } }
        }
        section aria-labelledby="positions-h" {
            (section_heading(target, "positions-h", html! { "Each party's position on " (s.report.on) }))
            @if s.report.limits.is_empty() {
                p { "No declaration judged yet." }
            } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Party" } th scope="col" { "Limit" } th scope="col" { "Position" } th.num scope="col" { "Margin" } th scope="col" { "Figures as of" } } }
                    tbody {
                        @for v in &s.report.limits {
                            tr {
                                th scope="row" { (v.party.as_str()) }
                                td { (v.limit_name) }
                                td {
                                    @match (v.verdict, v.value) {
                                        (Verdict::WithinLimitsProved, _) => { span.ok { (PROVED_TOTALS_HIDDEN) } }
                                        (verdict, Some(value)) => {
                                            (thousands(value)) " of " (thousands(v.max)) ": "
                                            span.(if verdict == Verdict::Violation { "violation" } else { "ok" }) { (verdict.as_str()) }
                                        }
                                        (Verdict::Unknown, None) => {
                                            "no figure or proof given"
                                            @if v.applies_from > s.report.on { " (the limit applies from " (v.applies_from) ")" }
                                        }
                                        (verdict, None) => { (verdict.as_str()) }
                                    }
                                }
                                td.num { @if let Some(m) = v.margin { (if m < 0 { format!("−{}", thousands(m.unsigned_abs())) } else { thousands(m as u64) }) } @else { "—" } }
                                td { (v.date) }
                            }
                        }
                    }
                } }
            }
        }
        @if !t.accounting_positions().is_empty() {
            section aria-labelledby="disputed-h" {
                (section_heading(target, "disputed-h", html! { "Disputed accounting" }))
                @for p in t.accounting_positions() {
                    p { strong { (p.held_by.as_str()) " about " (p.about.as_str()) ": " } (p.name) ". " span.muted { (p.reference) } }
                }
                @if s.report.positions.is_empty() {
                    p { "No declaration of a party a position is about has been judged yet." }
                } @else {
                    div.scroll { table {
                        thead { tr { th scope="col" { "Held by" } th scope="col" { "Limit" } th scope="col" { "As declared" } th scope="col" { "Under the position (claimed)" } th scope="col" { "Figures as of" } } }
                        tbody {
                            @for v in &s.report.positions {
                                tr {
                                    th scope="row" { (v.held_by.as_str()) }
                                    td { (v.declared.limit_name) }
                                    td { (v.declared.party.as_str()) " " (v.declared.value.map_or("—".to_string(), thousands)) " of " (thousands(v.declared.max)) ": " (v.declared.verdict.as_str()) }
                                    td { (thousands(v.value)) " of " (thousands(v.declared.max)) ": " (v.verdict.as_str()) }
                                    td { (v.declared.date) }
                                }
                            }
                        }
                    } }
                }
            }
        }
        section aria-labelledby="calendar-h" {
            (section_heading(target, "calendar-h", html! { "Data exchanges and disclosures" }))
            @match period {
                None => { p { "The treaty gives no period, so no calendar." } }
                Some((start, end)) => {
                    @let horizon = end.unwrap_or(s.report.on + Months::new(24)).min(s.report.on + Months::new(24));
                    @let exchanges: Vec<_> = t.exchange_schedule(start, Some(horizon));
                    @if exchanges.is_empty() { p { "No data exchange in this treaty." } } @else {
                        div.scroll { table {
                            caption { "Data exchanges from " (start) " (first two years after the judged date at most)" }
                            thead { tr { th scope="col" { "Exchange" } th scope="col" { "Data as of" } th scope="col" { "Due by" } th scope="col" { "Deadline on " (s.report.on) } } }
                            tbody { @for x in exchanges { tr {
                                td { (match x.kind { ExchangeKind::Initial => "initial", ExchangeKind::Periodic => "periodic" }) }
                                td { (x.as_of) } td { (x.deadline) }
                                td { (if x.deadline < s.report.on { "passed" } else { "ahead" }) }
                            } } }
                        } }
                    }
                    @if t.disclosure_stages().is_empty() { p { "No staged disclosure in this treaty." } } @else {
                        div.scroll { table {
                            caption { "Disclosure stages of the escrowed declarations" }
                            thead { tr { th scope="col" { "Stage" } th scope="col" { "Opens" } th scope="col" { "Due" } th scope="col" { "Scope" } } }
                            tbody { @for d in t.disclosure_stages() { tr {
                                td { (d.stage) }
                                td { (level_words(d.level)) ", " (coverage_words(d.opens)) }
                                td { (start + Months::new(d.months_after_entry_into_force)) " (" (d.months_after_entry_into_force) " months after entry into force)" }
                                td { (d.scope) }
                            } } }
                        } }
                    }
                }
            }
        }
        section aria-labelledby="quota-h" {
            (section_heading(target, "quota-h", html! { "Inspection quotas per year" }))
            div.scroll { table {
                thead { tr { th scope="col" { "Type" } th scope="col" { "Inspecting" } th scope="col" { "Inspected" } th.num scope="col" { "Per year" } } }
                tbody { @for (ty, a, b, n) in quota_rows(t) { tr { td { (ty) } td { (a) } td { (b) } td.num { (n) } } } }
            } }
        }
    }
}

/// The treaty's recorded history in practice (`data/regime_events.csv`), when it has one:
/// each event with its date, who acted, what it withheld, who contests it and its source.
fn practice_timeline(t: &Treaty, today: NaiveDate, target: Target) -> Markup {
    let events = verity_treaty::builtin::regime_events().unwrap_or_default();
    let mine: Vec<_> = events.iter().filter(|e| e.treaty == t.id()).collect();
    let in_effect = verity_treaty::events::practice_on(&events, t.id(), today);
    html! {
        @if !mine.is_empty() {
            section aria-labelledby="practice-h" {
                (section_heading(target, "practice-h", html! { "In practice" }))
                p {
                    "The text is what the compliance view judges by; this is what the parties did, as each stated it (a countermeasure is recorded as claimed, not adjudicated). "
                    @if in_effect.is_empty() { "Nothing recorded was in effect on " (today) "." }
                    @else { "In effect on " (today) ": " (in_effect.iter().map(|e| e.practice_line()).collect::<Vec<_>>().join("; ")) "." }
                }
                div.scroll { table {
                    thead { tr { th scope="col" { "Date" } th scope="col" { "Who" } th scope="col" { "Event" } th scope="col" { "What happened" } th scope="col" { "Contested by" } th scope="col" { "Source" } } }
                    tbody { @for e in &mine { tr {
                        td.date { (e.date) }
                        td { (e.actors_text()) }
                        td { (e.kind.as_str()) }
                        td { (e.text) }
                        td { (e.contested_by.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) }
                        td { (e.source) " (" (e.origin) ")" }
                    } } }
                } }
            }
        }
    }
}

fn level_words(level: DisclosureLevel) -> &'static str {
    match level {
        DisclosureLevel::Sites => "the number of sites and each site's commitment",
        DisclosureLevel::SiteItemCounts => "the number of items at each site opened",
        DisclosureLevel::Items => "the items themselves",
    }
}

fn coverage_words(opens: StageCoverage) -> &'static str {
    match opens {
        StageCoverage::EverySite => "at every site (all must be opened)",
        StageCoverage::ChosenSites => "at chosen sites",
    }
}

fn quota_rows(t: &Treaty) -> Vec<(String, String, String, u32)> {
    let mut out = Vec::new();
    for ty in t.inspections() {
        for a in t.parties() {
            for b in t.parties() {
                if a != b {
                    let n = ty.quota(*a, *b);
                    if n > 0 {
                        out.push((ty.name.clone(), a.to_string(), b.to_string(), n));
                    }
                }
            }
        }
    }
    out
}

/// The treaty page.
pub fn treaty_page(s: &Snapshot) -> String {
    layout(
        s,
        "treaty",
        "Treaty",
        html! { h1 { (s.treaty.short_title()) } (treaty_content(s, Target::Served)) },
        false,
    )
    .into_string()
}

/// A step's state: a mark for the eye, words for a screen reader.
fn step(done: bool) -> Markup {
    html! {
        @if done { span.ok aria-hidden="true" { "✓" } span.sr-only { "done" } }
        @else { span.muted aria-hidden="true" { "—" } span.sr-only { "not done" } }
    }
}

fn inspection_row(i: &InspectionSummary) -> Markup {
    let opened = matches!(
        i.status,
        InspectionStatus::AwaitingRecord | InspectionStatus::Complete
    );
    let discrepancies: usize = i.checks.iter().map(|c| c.discrepancies().count()).sum();
    html! {
        tr #(format!("inspection-{}", i.id)) {
            th scope="row" { code { (i.id) } }
            td { (i.inspection_type) }
            td.date { (i.inspecting) " → " (i.inspected) }
            td.date { (i.requested) }
            td.num { @if let Some(n) = i.number_in_year { (n) } @else { "—" } }
            td { (step(true)) }
            td { (step(i.seed.is_some())) }
            td { (step(i.selection.is_some() || (opened && i.sealed_to.is_some()))) }
            td { (step(opened)) }
            td { (step(i.status == InspectionStatus::Complete)) }
            td { (i.status) }
            td { @if let Some(shown) = i.opening_shown() { (shown) } }
            td { @if let Some(sel) = &i.selection { (sel.sites.iter().map(|x| x.site.clone()).collect::<Vec<_>>().join(", ")) } }
            td.num.violation[discrepancies > 0] { (discrepancies) }
        }
    }
}

fn inspections_content(s: &Snapshot, target: Target) -> Markup {
    html! {
        section aria-labelledby="quota-use-h" {
            (section_heading(target, "quota-use-h", html! { "Quotas used" }))
            div.scroll { table {
                thead { tr { th scope="col" { "Quota year from" } th scope="col" { "Type" } th scope="col" { "Inspecting → inspected" } th.num scope="col" { "Used" } th.num scope="col" { "Quota" } } }
                tbody { @for q in &s.report.quotas { tr {
                    td { (q.year_start) } td { (q.type_name) } td { (q.inspecting) " → " (q.inspected) }
                    td.num.violation[q.used > q.quota] { (q.used) } td.num { (q.quota) }
                } } }
            } }
        }
        section aria-labelledby="each-h" {
            (section_heading(target, "each-h", html! { "Every inspection (" (s.report.inspections.len()) ")" }))
            p.muted { "Steps: requested, seeded (both commitments revealed in order, or the treaty's fallback), selected (the joint seed's draw), opened (the inspected party's opening of the selection), recorded (the inspectors' record). Opening: published in clear, or sealed to the inspecting party (its sites and items are that party's to see; a finding discloses the key, so anyone can decrypt the opening from the inspected party's signed log and check it). Discrepancies: items where what was found differs from what was declared." }
            div.scroll { table {
                thead { tr {
                    th scope="col" { "Inspection" } th scope="col" { "Type" } th scope="col" { "Pair" } th scope="col" { "Request date" } th.num scope="col" { "No. in year" }
                    th scope="col" { "Requested" } th scope="col" { "Seeded" } th scope="col" { "Selected" } th scope="col" { "Opened" } th scope="col" { "Recorded" }
                    th scope="col" { "Status" } th scope="col" { "Opening" } th scope="col" { "Sites visited" } th.num scope="col" { "Discrepancies" }
                } }
                tbody { @for i in &s.report.inspections { (inspection_row(i)) } }
            } }
        }
    }
}

/// The inspections page.
pub fn inspections_page(s: &Snapshot) -> String {
    layout(
        s,
        "inspections",
        "Inspections",
        html! { h1 { "Inspections" } (inspections_content(s, Target::Served)) },
        false,
    )
    .into_string()
}

fn findings_content(s: &Snapshot, target: Target) -> Markup {
    let r = &s.report;
    html! {
        p { (r.findings.len()) " findings, " (r.violations) " of them violations, judged on " (r.on) " " (mode_words(r.mode)) ". "
            "Each rests on log entries; "
            @if target == Target::Served { "follow one to check its inclusion proof against the log's signed checkpoint in this page." }
            @else { "each entry's leaf hash and proof are listed under Evidence below." } }
        @if r.findings.is_empty() { p.ok { "No finding." } } @else {
            div.scroll { table {
                thead { tr { th scope="col" { "Severity" } th scope="col" { "Party" } th scope="col" { "Rule" } th scope="col" { "Inspection / item" } th scope="col" { "What was found" } th scope="col" { "Evidence" } } }
                tbody {
                    @for f in &r.findings {
                        tr {
                            td.(severity_class(f.severity)) { (severity_word(f.severity)) }
                            td { @if let Some(p) = f.party { (p) } }
                            td { code { (f.rule) } }
                            td { @if let Some(i) = &f.inspection { a href=(inspection_href(target, i)) { code { (i) } } } @if let Some(u) = &f.subject { br; code { (u) } } }
                            td { (f.message) }
                            td { ul { @for e in &f.evidence { li { a href=(entry_href(target, e.party.as_str(), e.index)) { (e.party) " #" (e.index) } " " span.muted { (e.kind) } } } } }
                        }
                    }
                }
            } }
        }
    }
}

fn inspection_href(target: Target, id: &str) -> String {
    format!(
        "{}#inspection-{id}",
        href(target, "inspections").trim_end_matches("#inspections")
    )
}

/// The findings page.
pub fn findings_page(s: &Snapshot) -> String {
    layout(
        s,
        "findings",
        "Findings",
        html! { h1 { "Findings" } (findings_content(s, Target::Served)) },
        false,
    )
    .into_string()
}

/// The figures page.
pub fn figures_page(s: &Snapshot) -> String {
    layout(
        s,
        "figures",
        "Figures",
        html! { h1 { "Figures" } (crate::figures_section(s, Target::Served)) },
        false,
    )
    .into_string()
}

/// The log explorer for one party's log.
pub fn log_page(s: &Snapshot, l: &LogPage) -> String {
    let page = format!("log/{}", l.party);
    let last = l.from + l.entries.len() as u64;
    let content = html! {
        h1 { "Log of " (l.party) " " span.muted { (party_name(&l.party)) } }
        p { "Origin " code { (l.origin) } ", " (thousands(l.size)) " entries. Verifier key: " code #verifier-key { (l.verifier) } }
        h2 { "Latest signed checkpoint" }
        pre { (l.checkpoint) }
        p { "Cosigned by:" } (cosigners(s, &l.origin))
        @if let Some(p) = &l.proof {
            section #proof aria-labelledby="proof-h" {
                h2 #proof-h { "Check entry " (p.index) "'s inclusion proof" }
                p { "These fields are exactly what the node served. The check runs in this page: it recomputes the entry's leaf hash (SHA-256), walks the proof to a root (RFC 9162), compares it with the root the checkpoint signs, and verifies the checkpoint's and the entry's Ed25519 signatures against the verifier key. Change any byte to see it fail." }
                p #proof-js-note.warning { "The check needs JavaScript; without it, run " code { "verity log prove" } " on a copy of the log." }
                form #proof-check.proof {
                    label for="f-index" { "Entry index" }
                    input #f-index name="index" value=(p.index) inputmode="numeric";
                    label for="f-leaf" { "Entry bytes (base64)" }
                    textarea #f-leaf name="leaf" rows="4" spellcheck="false" { (p.leaf) }
                    label for="f-proof" { "Inclusion proof at size " (p.size) " (base64 hashes, one per line)" }
                    textarea #f-proof name="proof" rows=(p.proof.len().clamp(2, 24)) spellcheck="false" { (p.proof.join("\n")) }
                    label for="f-checkpoint" { "Signed checkpoint" }
                    textarea #f-checkpoint name="checkpoint" rows="6" spellcheck="false" { (l.checkpoint) }
                    label for="f-verifier" { "Verifier key" }
                    input #f-verifier name="verifier" value=(l.verifier) spellcheck="false";
                    button type="submit" hidden { "Check in this page" }
                }
                output #proof-result role="status" aria-live="polite" data-state="idle" {}
            }
        }
        h2 { "Entries " (l.from) "–" (last.saturating_sub(1)) }
        (pager(&l.party, l.from, l.per_page, l.size))
        div.scroll { table {
            thead { tr { th.num scope="col" { "Index" } th scope="col" { "Kind" } th scope="col" { "Recorded" } th scope="col" { "Signature" } th scope="col" { "About" } th scope="col" { "Proof" } } }
            tbody {
                @for e in &l.entries {
                    tr #(format!("entry-{}", e.index)) {
                        td.num { (e.index) }
                        td { (e.kind) }
                        td { @if let Some(d) = e.recorded { (d) } }
                        td { @match &e.signature { Ok(()) => { span.ok { "valid" } } Err(m) => { span.violation { "invalid: " (m) } } } }
                        td { (e.about) }
                        td { @if e.index < l.checkpoint_size { a href=(format!("/ui/log/{}?from={}&proof={}#proof", l.party, l.from, e.index)) { "check" } } @else { span.muted { "after the checkpoint" } } }
                    }
                }
            }
        } }
        (pager(&l.party, l.from, l.per_page, l.size))
    };
    layout(
        s,
        &page,
        &format!("Log {}", l.party),
        content,
        l.proof.is_some(),
    )
    .into_string()
}

fn pager(party: &str, from: u64, per_page: u64, size: u64) -> Markup {
    html! {
        nav.pager aria-label="Pages of entries" {
            @if from > 0 { a href=(format!("/ui/log/{party}?from={}", from.saturating_sub(per_page))) { "← earlier" } }
            @if from + per_page < size { a href=(format!("/ui/log/{party}?from={}", from + per_page)) { "later →" } }
        }
    }
}

/// The evidence entries a report cites, each once, with leaf hash and proof.
fn evidence_section(s: &Snapshot) -> Markup {
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = Vec::new();
    for f in &s.report.findings {
        for e in &f.evidence {
            if seen.insert((e.party, e.index)) {
                rows.push(e);
            }
        }
    }
    html! {
        @if !rows.is_empty() {
            section #evidence aria-labelledby="evidence-h" {
                h3 #evidence-h { "Evidence" }
                p.muted { "Each entry a finding rests on: its RFC 6962 leaf hash and inclusion proof against the log's checkpoint above (check with " code { "verity log prove" } " or any RFC 6962 verifier)." }
                div.scroll { table {
                    thead { tr { th scope="col" { "Entry" } th scope="col" { "Kind" } th scope="col" { "Leaf hash" } th.num scope="col" { "Tree size" } th scope="col" { "Proof" } } }
                    tbody { @for e in rows { tr #(format!("entry-{}-{}", e.party, e.index)) {
                        td { (e.party) " #" (e.index) } td { (e.kind) } td { code { (e.leaf_hash) } } td.num { (e.tree_size) }
                        td { details { summary { (e.proof.len()) " hashes" } ol { @for h in &e.proof { li { code { (h) } } } } } }
                    } } }
                } }
            }
        }
    }
}

/// The caller's own sections of a report, with their (anchor id, label) for the navigation.
pub type ReportSections<'a> = (&'a [(&'a str, &'a str)], Markup);

/// One report file: `intro` (the caller's own sections), then the overview, treaty,
/// inspections, findings with evidence, and figures, then `outro`; the stylesheet inline, no
/// script or external resource.
pub fn report_document(
    s: &Snapshot,
    title: &str,
    intro: ReportSections<'_>,
    outro: ReportSections<'_>,
) -> String {
    let shared = [
        ("overview", "Overview"),
        ("treaty", "Treaty"),
        ("inspections", "Inspections"),
        ("findings", "Findings"),
        ("figures", "Figures"),
    ];
    let sections: Vec<(&str, &str)> = intro
        .0
        .iter()
        .chain(shared.iter())
        .chain(outro.0.iter())
        .copied()
        .collect();
    let (intro, outro) = (intro.1, outro.1);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                (head_start(title))
                style { (PreEscaped(STYLE_CSS)) }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    span.brand { (title) }
                    p { (node_line(s)) }
                    nav aria-label="Report" { ul { @for (id, label) in &sections { li { a href=(href(Target::Report, id)) { (label) } } } } }
                }
                main #main {
                    (intro)
                    section #overview aria-labelledby="overview-h" { h2 #overview-h { "Overview" } (overview_content(s, Target::Report)) }
                    section #treaty aria-labelledby="treaty-h" { h2 #treaty-h { "Treaty: " (s.treaty.short_title()) } (treaty_content(s, Target::Report)) }
                    section #inspections aria-labelledby="inspections-h" { h2 #inspections-h { "Inspections" } (inspections_content(s, Target::Report)) }
                    section #findings aria-labelledby="findings-h" { h2 #findings-h { "Findings" } (findings_content(s, Target::Report)) (evidence_section(s)) }
                    section #figures aria-labelledby="figures-h" { h2 #figures-h { "Figures" } (crate::figures_section(s, Target::Report)) }
                    (outro)
                }
            }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EntryRow, LogPage, NodeView, ProofPanel};
    use verity_inspect::view::{ComplianceReport, Evidence, ViewFinding};

    fn snapshot(message: &str) -> Snapshot {
        let treaty = verity_treaty::builtin::treaty("new-start").unwrap();
        let on = NaiveDate::from_ymd_opt(2019, 6, 1).unwrap();
        Snapshot {
            node: NodeView {
                party: "USA".into(),
                origin: "verity.log/USA".into(),
                observer: false,
            },
            today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            judged_on: on,
            clock: "fixed date".into(),
            treaties: verity_treaty::builtin::treaties().unwrap(),
            report: ComplianceReport {
                treaty: treaty.id().to_string(),
                on,
                mode: Mode::AsWritten,
                logs: Vec::new(),
                limits: Vec::new(),
                positions: Vec::new(),
                hidden_totals: Vec::new(),
                quotas: Vec::new(),
                inspections: Vec::new(),
                findings: vec![ViewFinding {
                    rule: verity_treaty::Rule::LateNotification,
                    severity: Severity::Violation,
                    party: PartyCode::parse("RUS").ok(),
                    date: None,
                    inspection: None,
                    subject: None,
                    message: message.into(),
                    reference: String::new(),
                    evidence: vec![Evidence {
                        party: PartyCode::parse("RUS").unwrap(),
                        log: "verity.log/RUS".into(),
                        index: 7,
                        kind: "notification".into(),
                        leaf_hash: "ab".repeat(32),
                        tree_size: 9,
                        proof: vec!["cd".repeat(32)],
                        witnessed: None,
                    }],
                }],
                violations: 1,
            },
            treaty,
            cosignatures: Vec::new(),
            unreachable: Vec::new(),
        }
    }

    #[test]
    fn text_from_logs_is_escaped_everywhere() {
        let s = snapshot("<script>alert(1)</script> & \"quoted\"");
        for page in [findings_page(&s), overview_page(&s)] {
            assert!(!page.contains("<script>alert"), "{page}");
        }
        let findings = findings_page(&s);
        assert!(
            findings.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;")
        );
        // The evidence links to the entry's proof check.
        assert!(findings.contains("href=\"/ui/log/RUS?proof=7#proof\""));
        let report = report_document(&s, "t", (&[], html! {}), (&[], html! {}));
        assert!(!report.contains("<script"));
        assert!(report.contains("href=\"#entry-RUS-7\""));
        assert!(report.contains("id=\"entry-RUS-7\""));
    }

    #[test]
    fn the_banner_counts_violations_and_the_log_page_offers_the_check() {
        let s = snapshot("late");
        let page = overview_page(&s);
        assert!(page.contains("1 violation</span>"), "{page}");
        let log = LogPage {
            party: "USA".into(),
            origin: "verity.log/USA".into(),
            verifier: "verity.log/USA+01234567+AQ==".into(),
            size: 2,
            checkpoint: "verity.log/USA\n2\nroot\n\n".into(),
            checkpoint_size: 2,
            entries: vec![EntryRow {
                index: 0,
                kind: "declaration".into(),
                recorded: NaiveDate::from_ymd_opt(2019, 2, 5),
                signature: Err(verity_log::EntryError::NotAnEntry("bad <sig>".into())),
                about: String::new(),
            }],
            from: 0,
            per_page: 100,
            proof: Some(ProofPanel {
                index: 0,
                leaf: "bGVhZg==".into(),
                size: 2,
                proof: vec!["aGFzaA==".into()],
            }),
        };
        let html = log_page(&s, &log);
        assert!(
            html.contains("invalid: not a valid entry: bad &lt;sig&gt;"),
            "{html}"
        );
        assert!(html.contains("<form class=\"proof\" id=\"proof-check\">"));
        assert!(html.contains("<script src=\"/ui/assets/proof.js\" defer>"));
        // Without a proof asked for, no script at all.
        let html = log_page(&s, &LogPage { proof: None, ..log });
        assert!(!html.contains("<script"));
    }

    #[test]
    fn the_treaty_page_shows_a_disputed_limit_under_both_accountings() {
        use verity_treaty::accounting::{AccountedCount, judge_positions};
        use verity_treaty::compliance::{DeclaredFigures, ExchangeStatus, assess};
        let mut s = snapshot("late");
        let treaty = verity_treaty::builtin::treaty("new-start").unwrap();
        let on = s.report.on;
        let usa = PartyCode::parse("USA").unwrap();
        let figures = DeclaredFigures {
            party: usa,
            as_of: on,
            values: treaty
                .limits()
                .iter()
                .map(|l| (l.id.clone(), Some(790)))
                .collect(),
            exchange: ExchangeStatus::Provided,
            delivered: None,
            derived: Vec::new(),
            source: "declaration".into(),
            origin: "verity.log/USA#0".into(),
        };
        let verdicts = assess(&treaty, &[figures], on, Mode::AsWritten).verdicts;
        let counts: Vec<AccountedCount> = [
            "converted_slbm_launchers",
            "converted_heavy_bombers",
            "training_silos",
        ]
        .iter()
        .zip([6, 3, 2])
        .map(|(c, v)| AccountedCount {
            as_of: on,
            party: usa,
            category: (*c).to_string(),
            value: v,
            basis: verity_treaty::forces::FigureBasis::Stated,
            source: "declaration".into(),
        })
        .collect();
        s.report.positions = judge_positions(&treaty, &verdicts, &counts);
        assert_eq!(s.report.positions.len(), 1);
        let page = treaty_page(&s);
        assert!(
            page.contains("Disputed accounting") && page.contains("RUS about USA"),
            "{page}"
        );
        assert!(page.contains("USA 790 of 800: compliant"), "{page}");
        assert!(page.contains("801 of 800: violation"), "{page}");
    }
}
