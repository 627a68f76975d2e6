//! The regime in motion: `notify`, the inspection flow (`inspect request | commit-seed |
//! reveal-seed | select | open | record`) and `compliance`, the view across every party's log.
//! Each step appends to the log of the party that takes it, recorded on `--today`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use verity_inspect::SeedOutcome;
use verity_inspect::view::{ComplianceReport, LoadedLog, judge};
use verity_log::{CosignerKey, ObservedItem, SealedOutcome, SiteObservation};
use verity_party::{Inspection, ItemChange, LogEntries, settle, settle_sealed};
use verity_treaty::compliance::Mode;
use verity_treaty::model::EventKind;

use crate::Outcome;
use crate::cli::{KeysArgs, OwnLogArgs, WitnessArgs};
use crate::commands::party::{keys, load_log, open_store, operator};
use crate::output::{facts, json, table, thousands};
use crate::resolve;

/// `verity notify`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn notify(
    own: &OwnLogArgs,
    event: &str,
    uid: &str,
    event_date: NaiveDate,
    change: &ItemChange,
    declaration: Option<u64>,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let event: EventKind = serde_json::from_value(serde_json::Value::String(event.into()))
        .map_err(|_| anyhow::anyhow!("--event: expected created, moved, status-changed, eliminated, converted or warheads-changed, found `{event}`"))?;
    let mut party = operator(own, today)?;
    let at = party.notify(event, uid, change, event_date, declaration)?;
    let recorded = party.recorded(at.index)?;
    print_appended(
        as_json,
        at.index,
        "notification",
        recorded,
        &[("Item", uid.to_string())],
    )
}

fn print_appended(
    as_json: bool,
    index: u64,
    kind: &str,
    recorded: NaiveDate,
    extra: &[(&str, String)],
) -> Result<Outcome> {
    if as_json {
        let mut v = serde_json::json!({ "index": index, "kind": kind, "recorded": recorded });
        for (k, x) in extra {
            v[k.to_lowercase().replace(' ', "_")] = serde_json::Value::String(x.clone());
        }
        json(&v)?;
    } else {
        let mut t = facts();
        t.add_row(["Log index".to_string(), index.to_string()]);
        t.add_row(["Entry".to_string(), kind.to_string()]);
        t.add_row(["Recorded".to_string(), recorded.to_string()]);
        for (k, x) in extra {
            t.add_row([(*k).to_string(), x.clone()]);
        }
        outln!("{t}")?;
    }
    Ok(Outcome::Clean)
}

/// The other party's log and this party's own, as an inspection reads them.
fn inspection_of(
    party: &crate::commands::party::Operator,
    other: &LoadedLog,
    id: &str,
) -> Result<Inspection> {
    Ok(Inspection::from_logs(
        id,
        &party.own_entries(),
        &LogEntries::of(other),
    )?)
}

/// `verity inspect request`.
pub(crate) fn request(
    own: &OwnLogArgs,
    id: &str,
    inspection_type: &str,
    inspected_log: &str,
    treaty_arg: &str,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let treaty = resolve::treaty(treaty_arg)?;
    let inspected = load_log(inspected_log, &keys(&own.keys)?)?;
    let mut party = operator(own, today)?;
    let on = party.log_mut().today()?;
    let of = inspected.party();
    let declaration = LogEntries::of(&inspected)
        .latest_declaration(on)
        .with_context(|| format!("{of} has no declaration to inspect"))?;
    let decl_index = declaration.index;
    let (insp, number) = party.request(&treaty, id, inspection_type, of, declaration)?;
    print_appended(
        as_json,
        insp.request.index,
        "inspection-request",
        insp.requested,
        &[
            ("Inspection", id.to_string()),
            ("Inspected", format!("{of} declaration {decl_index}")),
            ("Number in quota year", number.to_string()),
        ],
    )
}

/// `verity inspect commit-seed`.
pub(crate) fn commit_seed(
    own: &OwnLogArgs,
    id: &str,
    request_log: Option<&str>,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let mut party = operator(own, today)?;
    let mut insp = match request_log {
        Some(arg) => {
            let other = load_log(arg, &keys(&own.keys)?)?;
            inspection_of(&party, &other, id)?
        }
        None => {
            let own_entries = party.own_entries();
            Inspection::from_logs(id, &own_entries, &own_entries)?
        }
    };
    let at = party.commit_seed(&mut insp)?;
    let recorded = party.recorded(at.index)?;
    print_appended(
        as_json,
        at.index,
        "seed-commit",
        recorded,
        &[("Inspection", id.to_string())],
    )
}

/// `verity inspect reveal-seed`.
pub(crate) fn reveal_seed(
    own: &OwnLogArgs,
    id: &str,
    other_log: &str,
    treaty_arg: &str,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let treaty = resolve::treaty(treaty_arg)?;
    let other = load_log(other_log, &keys(&own.keys)?)?;
    let mut party = operator(own, today)?;
    let mut insp = inspection_of(&party, &other, id)?;
    let r = party.reveal_seed(&mut insp, &treaty)?;
    let recorded = party.recorded(r.entry.index)?;
    let mut extra = vec![
        ("Inspection", id.to_string()),
        ("Deadline", r.deadline.to_string()),
    ];
    if r.late {
        extra.push(("Note", "recorded after the deadline".to_string()));
    }
    print_appended(as_json, r.entry.index, "seed-reveal", recorded, &extra)
}

/// Reads and audits every log (files or nodes), with a progress bar.
fn load_logs(args: &[String], keys: &KeysArgs) -> Result<Vec<LoadedLog>> {
    let keys = crate::commands::party::keys(keys)?;
    let bar = ProgressBar::new(args.len() as u64);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} reading and auditing logs {bar:30} {pos}/{len}",
    )?);
    let mut logs = Vec::with_capacity(args.len());
    for a in args {
        logs.push(load_log(a, &keys)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(logs)
}

/// `verity inspect select`.
pub(crate) fn select(
    logs: &[String],
    keys: &KeysArgs,
    id: &str,
    treaty_arg: &str,
    private: Option<&Path>,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let treaty = resolve::treaty(treaty_arg)?;
    let logs = load_logs(logs, keys)?;
    let s = &match private {
        Some(dir) => settle_sealed(&treaty, &logs, id, today, &open_store(dir)?)?,
        None => settle(&treaty, &logs, id, today)?,
    };
    if as_json {
        json(s)?;
        return Ok(Outcome::Clean);
    }
    let mut t = facts();
    t.add_row([
        "Inspection".to_string(),
        format!("{} ({})", s.id, s.inspection_type),
    ]);
    t.add_row([
        "Parties".to_string(),
        format!("{} inspects {}", s.inspecting, s.inspected),
    ]);
    t.add_row(["Requested".to_string(), s.requested.to_string()]);
    t.add_row(["Status".to_string(), s.status.to_string()]);
    t.add_row([
        "Selection seed".to_string(),
        match &s.seed {
            Some(SeedOutcome::Joint { seed }) => format!("{seed} (both seeds)"),
            Some(SeedOutcome::InspectedWithheld { seed: Some(seed) }) => {
                format!("{seed} (inspecting party's seed alone)")
            }
            Some(SeedOutcome::InspectedWithheld { seed: None }) => {
                "inspected party withheld; awaiting the inspecting party's seed".into()
            }
            Some(SeedOutcome::Lapsed) => "none: the inspection lapsed".into(),
            None => "not yet fixed".into(),
        },
    ]);
    if let Some(to) = s.sealed_to {
        t.add_row([
            "Opening".to_string(),
            match (&s.selection, s.disclosed) {
                (_, true) => format!("opened to {to}; sealed, key disclosed with a finding"),
                (Some(_), false) => format!("opened to {to}; sealed, decrypted with its key"),
                (None, false) => format!(
                    "opened to {to}; sealed (the designation is {to}'s to see: give its --private store)"
                ),
            },
        ]);
    }
    outln!("{t}")?;
    if let Some(sel) = &s.selection {
        let mut d = table(["Site", "Position", "Eligible items", "Designated"]);
        for site in &sel.sites {
            d.add_row([
                site.site.clone(),
                site.position.to_string(),
                site.eligible.to_string(),
                site.designated.join(", "),
            ]);
        }
        outln!("{d}")?;
    }
    Ok(Outcome::Clean)
}

/// `verity inspect open`.
pub(crate) fn open(
    own: &OwnLogArgs,
    id: &str,
    request_log: &str,
    treaty_arg: &str,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let treaty = resolve::treaty(treaty_arg)?;
    let other = load_log(request_log, &keys(&own.keys)?)?;
    let mut party = operator(own, today)?;
    let on = party.log_mut().today()?;
    let mut insp = inspection_of(&party, &other, id)?;
    // The selection as the view settles it from both logs (deadlines and fallbacks included).
    let own_log = LoadedLog::from_contents(
        party.log_mut().contents()?,
        party.log().verifier().clone(),
        true,
        "this party's log".into(),
    )?;
    let settled = settle(&treaty, &[own_log, other], id, on)?;
    if settled.status.opened() {
        bail!(
            "inspection `{id}` is already opened (status {})",
            settled.status
        );
    }
    let Some(seed) = settled.seed.as_ref().and_then(SeedOutcome::seed) else {
        bail!(
            "inspection `{id}` has no selection seed yet (status {})",
            settled.status
        );
    };
    let (opening, selection) = party.prepare_opening(&insp, &treaty, &seed)?;
    let sealed = opening.sealed.is_some();
    let opened = party.open_selection(&mut insp, opening)?;
    let mut rows = vec![("Inspection", id.to_string())];
    if sealed {
        // What the walk reached is this party's own knowledge; the entry shows none of it.
        rows.push((
            "Sites selected",
            selection
                .sites
                .iter()
                .map(|s| s.site.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ));
        rows.push((
            "Opening",
            format!(
                "sealed to {} (the request's key): the log shows its length and hash only",
                insp.inspecting
            ),
        ));
    } else {
        rows.push(("Sites opened", opened.sites.join(", ")));
        rows.push(("Padding positions shown", opened.padding.to_string()));
    }
    print_appended(
        as_json,
        opened.entry.index,
        "inspection-opening",
        party.recorded(opened.entry.index)?,
        &rows,
    )
}

/// Reads an observations CSV: site,uid,class,type,status,warheads.
fn read_observations(path: &Path) -> Result<Vec<SiteObservation>> {
    let text = resolve::read(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let want = ["site", "uid", "class", "type", "status", "warheads"];
    let headers = rdr
        .headers()
        .with_context(|| format!("{}:1", path.display()))?
        .clone();
    if headers.iter().collect::<Vec<_>>() != want {
        bail!(
            "{}:1: expected the header `{}`",
            path.display(),
            want.join(",")
        );
    }
    let mut sites: Vec<SiteObservation> = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow::anyhow!("{}:{line}: {e}", path.display())
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |k: usize| row.get(k).unwrap_or_default().to_string();
        for (k, name) in want.iter().enumerate().take(5) {
            if field(k).is_empty() {
                bail!("{}:{line} (column {name}): empty", path.display());
            }
        }
        let warheads = match field(5).as_str() {
            "" => None,
            w => Some(w.parse::<u64>().map_err(|_| {
                anyhow::anyhow!(
                    "{}:{line} (column warheads): `{w}` is not a whole number",
                    path.display()
                )
            })?),
        };
        let item = ObservedItem {
            uid: field(1),
            class: field(2),
            item_type: field(3),
            status: field(4),
            warheads,
        };
        let site = field(0);
        match sites.iter_mut().find(|s| s.site == site) {
            Some(s) => s.found.push(item),
            None => sites.push(SiteObservation {
                site,
                found: vec![item],
            }),
        }
    }
    Ok(sites)
}

/// `verity inspect record`.
pub(crate) fn record(
    own: &OwnLogArgs,
    id: &str,
    opening_log: &str,
    observations: &Path,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let sites = read_observations(observations)?;
    let other = load_log(opening_log, &keys(&own.keys)?)?;
    let mut party = operator(own, today)?;
    let mut insp = inspection_of(&party, &other, id)?;
    let items: usize = sites.iter().map(|s| s.found.len()).sum();
    let site_names: Vec<String> = sites.iter().map(|s| s.site.clone()).collect();
    let treaty = resolve::treaty(&insp.treaty)?;
    let at = party.record(&mut insp, &treaty, &other, sites)?;
    let recorded = party.recorded(at.entry.index)?;
    let sealed = match at.sealed {
        None => "no (opened in clear)".to_string(),
        Some(SealedOutcome::Clean) => {
            "yes: decrypted and checked, clean; the observations stay unpublished".to_string()
        }
        Some(SealedOutcome::Finding) => {
            "yes: a finding; the observations and the key are disclosed".to_string()
        }
        Some(SealedOutcome::Unreadable) => {
            "yes: it could not be read; the key is disclosed".to_string()
        }
    };
    print_appended(
        as_json,
        at.entry.index,
        "inspection-record",
        recorded,
        &[
            ("Inspection", id.to_string()),
            ("Sites", site_names.join(", ")),
            ("Items observed", thousands(items as u64)),
            ("Sealed opening", sealed),
        ],
    )
}

/// `verity compliance`.
pub(crate) fn compliance(
    logs: &[String],
    keys: &KeysArgs,
    witnesses: &WitnessArgs,
    treaty_arg: &str,
    on: NaiveDate,
    as_if_in_force: bool,
    as_json: bool,
) -> Result<Outcome> {
    let treaty = resolve::treaty(treaty_arg)?;
    let mode = if as_if_in_force {
        Mode::AsIfInForce
    } else {
        Mode::AsWritten
    };
    let witness_keys = witnesses
        .witness_keys
        .iter()
        .map(|p| CosignerKey::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut loaded = load_logs(logs, keys)?;
    verity_party::add_witnessed(&mut loaded, &witnesses.witnesses, &witness_keys)?;
    let report: ComplianceReport = judge(&treaty, &loaded, on, mode);
    let outcome = if report.has_violation() {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    if as_json {
        json(&report)?;
        return Ok(outcome);
    }
    let mut l = table([
        "Party",
        "Log",
        "Entries judged",
        "Checkpoint size",
        "Key",
        "Audit",
        "Witnessed by",
    ]);
    for s in &report.logs {
        l.add_row([
            s.party.to_string(),
            s.origin.clone(),
            format!(
                "{} of {}",
                thousands(s.entries_judged),
                thousands(s.entries)
            ),
            s.checkpoint.lines().nth(1).unwrap_or("-").to_string(),
            s.key_source.clone(),
            if s.audit_clean {
                "clean".into()
            } else {
                "PROBLEMS".into()
            },
            if s.witnesses.is_empty() {
                "-".into()
            } else {
                s.witnesses.join(", ")
            },
        ]);
    }
    outln!("Compliance view: `{}` on {}\n{l}", report.treaty, report.on)?;
    if !report.limits.is_empty() {
        let mut t = table(["Party", "As of", "Limit", "Value", "Ceiling", "Verdict"]);
        for v in &report.limits {
            t.add_row([
                v.party.as_str().to_string(),
                v.date.to_string(),
                v.limit.clone(),
                v.value.map_or_else(|| "hidden".into(), thousands),
                thousands(v.max),
                v.verdict.short_label().to_string(),
            ]);
        }
        outln!("\nLimits (each party's latest declaration)\n{t}")?;
    }
    if !report.positions.is_empty() {
        outln!("\nUnder disputed accounting")?;
        crate::commands::check::print_positions(&treaty, &report.positions)?;
    }
    if !report.inspections.is_empty() {
        let mut t = table([
            "Inspection",
            "Type",
            "By",
            "Of",
            "Requested",
            "Status",
            "Opening",
            "Sites",
            "Discrepancies",
        ]);
        for i in &report.inspections {
            let disc: usize = i.checks.iter().map(|c| c.discrepancies().count()).sum();
            t.add_row([
                i.id.clone(),
                i.inspection_type.clone(),
                i.inspecting.to_string(),
                i.inspected.to_string(),
                i.requested.to_string(),
                i.status.to_string(),
                i.opening_shown().unwrap_or_default(),
                i.selection
                    .as_ref()
                    .map(|s| {
                        s.sites
                            .iter()
                            .map(|x| x.site.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                disc.to_string(),
            ]);
        }
        outln!("\nInspections\n{t}")?;
    }
    if report.findings.is_empty() {
        outln!("\nNo findings.")?;
    } else {
        let mut t = table(["Severity", "Party", "Rule", "Finding", "Evidence"]);
        for f in &report.findings {
            t.add_row([
                f.severity.label().to_string(),
                f.party.map(|p| p.to_string()).unwrap_or_default(),
                f.rule.to_string(),
                f.message.clone(),
                f.evidence
                    .iter()
                    .map(|e| format!("{}#{}", e.party, e.index))
                    .collect::<Vec<_>>()
                    .join(" "),
            ]);
        }
        outln!(
            "\nFindings ({} violations; evidence as party#entry, proofs in --json)\n{t}",
            report.violations
        )?;
    }
    Ok(outcome)
}
