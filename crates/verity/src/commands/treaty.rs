//! `verity treaty list | show | status`: what each treaty says and where it stands on a date.

use anyhow::Result;
use chrono::{Months, NaiveDate};
use serde::Serialize;
use verity_treaty::model::{
    InspectedWithholds, InspectingWithholds, ItemsPerSite, NotificationDeadline,
};
use verity_treaty::{StatusReport, Treaty, builtin};

use crate::Outcome;
use crate::output::{facts, json, table};
use crate::resolve;

#[derive(Serialize)]
struct ListRow {
    id: String,
    title: String,
    short_title: String,
    parties: Vec<String>,
    status: StatusReport,
}

pub(crate) fn list(today: NaiveDate, as_json: bool) -> Result<Outcome> {
    let rows: Vec<ListRow> = builtin::treaties()?
        .iter()
        .map(|t| ListRow {
            id: t.id().to_string(),
            title: t.title().to_string(),
            short_title: t.short_title().to_string(),
            parties: t.parties().iter().map(ToString::to_string).collect(),
            status: t.status_on(today),
        })
        .collect();
    if as_json {
        json(&rows)?;
        return Ok(Outcome::Clean);
    }
    let mut t = table([
        "Id",
        "Title",
        "Parties",
        &format!("Status on {today}"),
        "Details",
    ]);
    for r in &rows {
        t.add_row([
            r.id.clone(),
            r.short_title.clone(),
            r.parties.join(", "),
            r.status.status.as_str().to_string(),
            status_detail(&r.status),
        ]);
    }
    outln!("{t}")?;
    Ok(Outcome::Clean)
}

/// The date and day count that matter for a status, in a few words.
pub(crate) fn status_detail(s: &StatusReport) -> String {
    match (
        s.days_since_expiry,
        s.days_until_expiry,
        s.days_until_entry_into_force,
    ) {
        (Some(d), _, _) => format!(
            "expired {} ({d} days ago)",
            s.expires.map_or(String::new(), |e| e.to_string())
        ),
        (_, Some(d), _) => format!(
            "expires {} (in {d} days)",
            s.expires.map_or(String::new(), |e| e.to_string())
        ),
        (_, _, Some(d)) => format!(
            "enters into force {} (in {d} days)",
            s.entry_into_force.map_or(String::new(), |e| e.to_string())
        ),
        _ => match s.status {
            verity_treaty::Status::Proposed => {
                "offered, not reciprocated: binds no one".to_string()
            }
            verity_treaty::Status::Draft => {
                "hypothetical: binds no one; notional dates".to_string()
            }
            _ => s.summary.clone(),
        },
    }
}

pub(crate) fn show(arg: &str, as_json: bool) -> Result<Outcome> {
    let t = resolve::treaty(arg)?;
    if as_json {
        json(&t)?;
        return Ok(Outcome::Clean);
    }
    print_treaty(&t)?;
    Ok(Outcome::Clean)
}

fn print_treaty(t: &Treaty) -> Result<()> {
    outln!("{} ({})", t.short_title(), t.id())?;
    outln!("{}", t.title())?;
    outln!()?;
    outln!("{}", t.summary())?;
    outln!()?;
    let parties: Vec<String> = t
        .parties()
        .iter()
        .map(|p| format!("{p} ({})", p.name()))
        .collect();
    let mut facts = facts();
    facts.add_row([
        "Kind / state".to_string(),
        format!("{:?} / {:?}", t.kind(), t.state()).to_lowercase(),
    ]);
    facts.add_row(["Parties".to_string(), parties.join(", ")]);
    let d = t.dates();
    if let Some(s) = d.signed {
        facts.add_row(["Signed".to_string(), s.to_string()]);
    }
    if let Some(e) = d.entry_into_force {
        facts.add_row([
            "Entry into force".to_string(),
            format!("{e}   [{}]", d.reference),
        ]);
    }
    if let Some(n) = &d.note {
        facts.add_row(["Note on dates".to_string(), n.clone()]);
    }
    if let Some(du) = t.duration() {
        facts.add_row([
            "Term".to_string(),
            format!(
                "{} years; up to {} extension(s) of at most {} years   [{}]",
                du.years, du.max_extensions, du.extension_max_years, du.reference
            ),
        ]);
        for x in &du.extensions_taken {
            facts.add_row([
                "Extension taken".to_string(),
                format!("agreed {}, to {}   [{}]", x.agreed, x.until, x.reference),
            ]);
        }
    }
    if let Some(e) = t.expiry() {
        facts.add_row(["Expiry (first day not in force)".to_string(), e.to_string()]);
    }
    if let Some(w) = t.withdrawal() {
        facts.add_row([
            "Withdrawal".to_string(),
            format!(
                "{} months' notice; {}   [{}]",
                w.notice_months, w.condition, w.reference
            ),
        ]);
    }
    if let Some(p) = t.proposal() {
        let by: Vec<String> = p.offered_by.iter().map(ToString::to_string).collect();
        facts.add_row([
            "Offered".to_string(),
            format!(
                "{} by {}; condition: {}",
                p.offered,
                by.join(", "),
                p.condition
            ),
        ]);
        facts.add_row([
            "Would apply".to_string(),
            format!("{} to {}", p.would_apply_from, p.would_apply_until),
        ]);
        facts.add_row([
            "Reciprocated".to_string(),
            format!("{}: {}", if p.reciprocated { "yes" } else { "no" }, p.reply),
        ]);
    }
    facts.add_row(["Source".to_string(), t.source().to_string()]);
    outln!("{facts}")?;

    outln!("\nLimits")?;
    let mut lt = table(["Limit", "Ceiling", "Sum of", "Applies from", "Reference"]);
    for l in t.limits() {
        let ceiling = l.max.describe();
        let terms: Vec<String> = l
            .terms
            .iter()
            .map(|(c, k)| {
                if *k == 1 {
                    c.clone()
                } else {
                    format!("{k}×{c}")
                }
            })
            .collect();
        lt.add_row([
            l.name.clone(),
            ceiling,
            terms.join(" + "),
            l.applies_from.to_string(),
            l.reference.clone(),
        ]);
    }
    outln!("{lt}")?;

    outln!("\nAccountable categories and counting rules")?;
    let mut ct = table(["Category", "Counts", "Reference"]);
    for c in t.categories() {
        let rules: Vec<String> = c
            .counts
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.status,
                    r.class,
                    match r.measure {
                        verity_treaty::model::Measure::Items => "(1 each)",
                        verity_treaty::model::Measure::Warheads => "(its warheads)",
                    }
                )
            })
            .collect();
        ct.add_row([
            format!("{} ({})", c.name, c.id),
            rules.join("; "),
            c.reference.clone(),
        ]);
    }
    outln!("{ct}")?;

    if let Some(dx) = t.data_exchange() {
        outln!("\nData exchanges")?;
        outln!(
            "  initial data within {} days of entry into force; updates every {} months, due {} days after each period   [{}]",
            dx.initial_deadline_days,
            dx.period_months,
            dx.deadline_days,
            dx.reference
        )?;
    }
    if !t.notifications().is_empty() {
        outln!("\nNotifications")?;
        let mut nt = table(["Notification", "Events", "Due", "Reference"]);
        for n in t.notifications() {
            let events: Vec<String> = n
                .events
                .iter()
                .map(|e| format!("{e:?}").to_lowercase())
                .collect();
            let due = match n.deadline {
                NotificationDeadline::DaysAfterEvent(d) => format!("within {d} days"),
                NotificationDeadline::NextDataExchange => "with the next data exchange".to_string(),
            };
            nt.add_row([n.name.clone(), events.join(", "), due, n.reference.clone()]);
        }
        outln!("{nt}")?;
    }
    if !t.inspections().is_empty() {
        outln!("\nInspections")?;
        let mut it = table(["Type", "Quota per year", "Selection", "Reference"]);
        for i in t.inspections() {
            let mut quota = format!("{} by each party on each other", i.quota_per_year);
            for q in &i.pair_quotas {
                quota.push_str(&format!(
                    "; {}→{} {}",
                    q.inspecting, q.inspected, q.per_year
                ));
            }
            let items = match i.selection.items {
                ItemsPerSite::Count(n) => n.to_string(),
                ItemsPerSite::All => "all".to_string(),
            };
            let sel = format!(
                "{} site(s); {items} item(s) among {} {}",
                i.selection.sites,
                i.selection.item_statuses.join("/"),
                i.selection.item_classes.join(", ")
            );
            it.add_row([
                format!("{}: {}", i.name, i.purpose),
                quota,
                sel,
                i.reference.clone(),
            ]);
        }
        outln!("{it}")?;
        if let Some(p) = t.inspection_protocol() {
            outln!(
                "Selection by joint randomness: both seeds revealed within {} day(s) of the request (inspected party first), the selected commitments opened within {} day(s); if the inspected party withholds: {}; if the inspecting party withholds: {}   [{}]",
                p.seed_reveal_days,
                p.opening_days,
                match p.if_inspected_withholds {
                    InspectedWithholds::InspectingSeedAlone => {
                        "the inspecting party's seed alone selects, and the withholding is a violation"
                    }
                },
                match p.if_inspecting_withholds {
                    InspectingWithholds::InspectionLapses => {
                        "the inspection lapses and counts against its quota"
                    }
                },
                p.reference
            )?;
        }
    }
    if !t.accounting_positions().is_empty() {
        outln!("\nDisputed accounting (shown beside the declared figure, never adjudicated)")?;
        let mut pt = table(["Held by", "About", "Position", "Adds", "Reference"]);
        for p in t.accounting_positions() {
            let adds: Vec<String> = p
                .adds
                .iter()
                .map(|(limit, cats)| {
                    let terms: Vec<String> = cats
                        .iter()
                        .map(|(c, k)| {
                            if *k == 1 {
                                c.clone()
                            } else {
                                format!("{k} × {c}")
                            }
                        })
                        .collect();
                    format!("{limit} += {}", terms.join(" + "))
                })
                .collect();
            pt.add_row([
                p.held_by.to_string(),
                p.about.to_string(),
                p.name.clone(),
                adds.join("; "),
                p.reference.clone(),
            ]);
        }
        outln!("{pt}")?;
    }
    if !t.disclosure_stages().is_empty() {
        outln!("\nDisclosure stages")?;
        let mut st = table(["Stage", "Opens", "Due", "Scope", "Reference"]);
        for s in t.disclosure_stages() {
            let due = t
                .dates()
                .entry_into_force
                .map_or(format!("month {}", s.months_after_entry_into_force), |e| {
                    (e + Months::new(s.months_after_entry_into_force)).to_string()
                });
            st.add_row([
                s.stage.to_string(),
                format!("{}, {}", s.level.as_str(), s.opens.as_str()),
                due,
                s.scope.clone(),
                s.reference.clone(),
            ]);
        }
        outln!("{st}")?;
    }
    if let Some(e) = t.escrow() {
        outln!(
            "\nEscrow: totals {}; padded to {} sites × {} items   [{}]",
            if e.hidden_totals {
                format!(
                    "hidden until stage {}",
                    e.totals_revealed_at_stage
                        .map_or("—".to_string(), |s| s.to_string())
                )
            } else {
                "in clear".to_string()
            },
            e.padded_sites,
            e.padded_items_per_site,
            e.reference
        )?;
    }
    Ok(())
}

/// A treaty's status in law, and what was practised, on one date.
#[derive(Serialize)]
struct StatusInPractice<'a> {
    #[serde(flatten)]
    report: &'a StatusReport,
    /// The recorded events in effect that day (`data/regime_events.csv`): what the parties
    /// withheld, as claimed; the engine still judges by the text.
    practice: Vec<&'a verity_treaty::events::RegimeEvent>,
}

pub(crate) fn status(arg: &str, on: NaiveDate, as_json: bool) -> Result<Outcome> {
    let t = resolve::treaty(arg)?;
    let report = t.status_on(on);
    let events = builtin::regime_events()?;
    let practice = verity_treaty::events::practice_on(&events, t.id(), on);
    if as_json {
        json(&StatusInPractice {
            report: &report,
            practice,
        })?;
        return Ok(Outcome::Clean);
    }
    let mut headline = format!("{} on {on}: {}", t.short_title(), report.status.as_str());
    for e in &practice {
        headline.push_str("; ");
        headline.push_str(&e.practice_line());
    }
    outln!("{headline}")?;
    outln!("In law: {}", report.summary)?;
    if !practice.is_empty() {
        outln!(
            "In practice (as each party stated it; the compliance engine still judges by the text):"
        )?;
        let mut pt = table(["Since", "Who", "What", "Contested by", "Source"]);
        for e in &practice {
            pt.add_row([
                e.date.to_string(),
                e.actors_text(),
                e.text.clone(),
                e.contested_by
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                format!("{} ({})", e.source, e.origin),
            ]);
        }
        outln!("{pt}")?;
    }
    let mut facts = facts();
    if let Some(e) = report.entry_into_force {
        facts.add_row(["Entry into force".to_string(), e.to_string()]);
    }
    if let Some(e) = report.expires {
        facts.add_row([
            "Expires (first day not in force)".to_string(),
            e.to_string(),
        ]);
    }
    if let Some(d) = report.days_until_entry_into_force {
        facts.add_row(["Days until entry into force".to_string(), d.to_string()]);
    }
    if let Some(d) = report.days_until_expiry {
        facts.add_row(["Days until expiry".to_string(), d.to_string()]);
    }
    if let Some(d) = report.days_since_expiry {
        facts.add_row(["Days since expiry".to_string(), d.to_string()]);
    }
    if !facts.is_empty() {
        outln!("{facts}")?;
    }
    if report.obligations.is_empty() {
        outln!("No obligations apply on {on}.")?;
    } else {
        outln!("\nObligations on {on}")?;
        let mut ot = table(["Kind", "Obligation", "Reference"]);
        for o in &report.obligations {
            ot.add_row([
                o.kind.to_string(),
                o.description.clone(),
                o.reference.clone(),
            ]);
        }
        outln!("{ot}")?;
    }
    Ok(Outcome::Clean)
}
