//! The regime in motion: `notify`, the inspection flow (`inspect request | commit-seed |
//! reveal-seed | select | open | record`) and `compliance`, the view across every party's log.
//! Each step appends to the log of the party that takes it, recorded on `--today`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{Days, NaiveDate};
use indicatif::{ProgressBar, ProgressStyle};
use rand_core::{OsRng, RngCore};
use verity_escrow::{Digest, ItemRecord};
use verity_inspect::view::{ComplianceReport, LogSource, view};
use verity_inspect::{QuotaLedger, Request, SeedCommitment, SeedOutcome, build_opening};
use verity_log::{
    EntryBody, EntryRef, InspectionRecord, InspectionRequest, ItemEvent, Leaf, Log, Notification,
    ObservedItem, SeedCommit, SeedReveal, SiteObservation, VerifierKey, leaf_hash,
};
use verity_treaty::compliance::{Mode, Severity, Verdict};
use verity_treaty::{PartyCode, Treaty};

use crate::Outcome;
use crate::commands::escrow::{load_declaration, open_store};
use crate::output::{facts, json, table, thousands};
use crate::resolve;

/// A reference to entry `index` of `log`.
fn entry_ref(log: &Log, index: u64) -> Result<EntryRef> {
    let e = log.entry(index)?;
    Ok(EntryRef {
        log: log.origin().to_string(),
        index,
        leaf_hash: Digest(leaf_hash(&e.leaf)),
    })
}

/// Every entry of a log, parsed, with its index.
fn bodies(log: &Log) -> Result<Vec<(u64, Leaf)>> {
    log.entries(0, u64::MAX)?
        .into_iter()
        .map(|e| {
            Leaf::parse(&e.leaf)
                .map(|l| (e.index, l))
                .map_err(|m| anyhow::anyhow!("{} entry {}: {m}", log.path().display(), e.index))
        })
        .collect()
}

/// The request entry for inspection `id` in the inspecting party's log.
fn find_request(log: &Log, id: &str) -> Result<(u64, InspectionRequest, NaiveDate)> {
    for (i, leaf) in bodies(log)? {
        if let EntryBody::InspectionRequest(r) = leaf.statement.entry
            && r.inspection == id
        {
            let date = NaiveDate::parse_from_str(&leaf.statement.recorded, "%Y-%m-%d")?;
            return Ok((i, r, date));
        }
    }
    bail!(
        "no request for inspection `{id}` in {} ({})",
        log.path().display(),
        log.party()
    )
}

fn find_entry(log: &Log, pick: impl Fn(&EntryBody) -> bool) -> Result<Option<u64>> {
    Ok(bodies(log)?
        .into_iter()
        .find(|(_, l)| pick(&l.statement.entry))
        .map(|(i, _)| i))
}

/// This log's seed commitment for inspection `id`, if any.
fn seed_commit(log: &Log, id: &str) -> Result<Option<u64>> {
    find_entry(
        log,
        |b| matches!(b, EntryBody::SeedCommit(c) if c.inspection == id),
    )
}

/// This log's seed reveal for inspection `id`, if any.
fn seed_reveal(log: &Log, id: &str) -> Result<Option<u64>> {
    find_entry(
        log,
        |b| matches!(b, EntryBody::SeedReveal(s) if s.inspection == id),
    )
}

/// Where a party's seed for an inspection is kept in its private store.
fn seed_slot(id: &str) -> Digest {
    Digest(verity_inspect::seed_store_slot(id))
}

fn treaty_for(arg: &str, party: &str) -> Result<(Treaty, PartyCode)> {
    let treaty = resolve::treaty(arg)?;
    let code = PartyCode::parse(party).map_err(|m| anyhow::anyhow!("log party: {m}"))?;
    if !treaty.parties().contains(&code) {
        bail!("{party} is not a party to `{}`", treaty.id());
    }
    Ok((treaty, code))
}

/// `verity notify`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn notify(
    db: &Path,
    event: &str,
    uid: &str,
    event_date: NaiveDate,
    change: &ItemChange,
    declaration: Option<u64>,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let event: ItemEvent = serde_json::from_value(serde_json::Value::String(event.into()))
        .map_err(|_| anyhow::anyhow!("--event: expected created, moved, status-changed, eliminated, converted or warheads-changed, found `{event}`"))?;
    let mut log = Log::open(db)?;
    let key = log.signing_key()?;
    let (idx, _, sealed) = load_declaration(&log, declaration, db)?;
    // The item's current record: the declaration's, then every later notification about it.
    let mut current: Option<ItemRecord> = sealed.records().iter().find(|r| r.uid == uid).cloned();
    for (i, leaf) in bodies(&log)? {
        if let EntryBody::Notification(n) = leaf.statement.entry
            && i > idx
            && n.uid == uid
        {
            current = n.new;
        }
    }
    let old = match (event, current) {
        (ItemEvent::Created, Some(r)) => {
            bail!(
                "`{uid}` is already declared (at `{}`): a UID cannot be declared twice",
                r.site
            )
        }
        (ItemEvent::Created, None) => None,
        (_, None) => {
            bail!("`{uid}` is not a declared item of declaration {idx} (or was already removed)")
        }
        (_, Some(r)) => Some(r),
    };
    let new = match event {
        ItemEvent::Eliminated | ItemEvent::Converted => None,
        ItemEvent::Created => Some(ItemRecord {
            uid: uid.to_string(),
            class: change
                .class
                .clone()
                .context("--class is needed for `created`")?,
            item_type: change
                .item_type
                .clone()
                .context("--type is needed for `created`")?,
            site: change
                .site
                .clone()
                .context("--site is needed for `created`")?,
            status: change
                .status
                .clone()
                .context("--status is needed for `created`")?,
            warheads: change
                .warheads
                .context("--warheads is needed for `created`")?,
        }),
        ItemEvent::Moved => Some(ItemRecord {
            site: change
                .site
                .clone()
                .context("--site is needed for `moved`")?,
            ..old.clone().expect("checked above")
        }),
        ItemEvent::StatusChanged => Some(ItemRecord {
            status: change
                .status
                .clone()
                .context("--status is needed for `status-changed`")?,
            ..old.clone().expect("checked above")
        }),
        ItemEvent::WarheadsChanged => Some(ItemRecord {
            warheads: change
                .warheads
                .context("--warheads is needed for `warheads-changed`")?,
            ..old.clone().expect("checked above")
        }),
    };
    event
        .check_records(uid, old.as_ref(), new.as_ref())
        .map_err(|m| anyhow::anyhow!("{m}"))?;
    let body = Notification {
        declaration: idx,
        event,
        event_date: event_date.format("%Y-%m-%d").to_string(),
        uid: uid.to_string(),
        old,
        new,
    };
    let index = log.append_on(&key, today, vec![EntryBody::Notification(body)])?[0];
    print_appended(
        as_json,
        index,
        "notification",
        today,
        &[("Item", uid.to_string())],
    )
}

/// The new fields a notification gives.
#[derive(Debug, Default)]
pub(crate) struct ItemChange {
    pub(crate) site: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) warheads: Option<u64>,
    pub(crate) class: Option<String>,
    pub(crate) item_type: Option<String>,
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

/// `verity inspect request`.
pub(crate) fn request(
    db: &Path,
    id: &str,
    inspection_type: &str,
    inspected_log: &Path,
    treaty_arg: &str,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let mut log = Log::open(db)?;
    let key = log.signing_key()?;
    let (treaty, by) = treaty_for(treaty_arg, log.party())?;
    let other = Log::open_read_only(inspected_log)?;
    let of =
        PartyCode::parse(other.party()).map_err(|m| anyhow::anyhow!("--inspected-log: {m}"))?;
    // The quota: every earlier request in this log, then this one.
    let mut ledger = QuotaLedger::new(&treaty);
    for (i, leaf) in bodies(&log)? {
        if let EntryBody::InspectionRequest(r) = &leaf.statement.entry {
            if r.inspection == id {
                bail!("inspection id `{id}` is already used (entry {i})");
            }
            if r.treaty != treaty.id() {
                continue;
            }
            let date = NaiveDate::parse_from_str(&leaf.statement.recorded, "%Y-%m-%d")?;
            let Ok(inspected) = PartyCode::parse(&r.inspected) else {
                continue;
            };
            // Earlier requests that were themselves refused do not use the quota.
            let _ = ledger.request(Request {
                id: r.inspection.clone(),
                inspection_type: r.inspection_type.clone(),
                inspecting: by,
                inspected,
                date,
            });
        }
    }
    let number = ledger
        .request(Request {
            id: id.to_string(),
            inspection_type: inspection_type.to_string(),
            inspecting: by,
            inspected: of,
            date: today,
        })
        .map_err(|e| anyhow::anyhow!("request refused: {e}"))?;
    let (decl_index, _) = other
        .declaration(None)
        .with_context(|| format!("{} has no declaration to inspect", of.as_str()))?;
    let body = InspectionRequest {
        inspection: id.to_string(),
        treaty: treaty.id().to_string(),
        inspection_type: inspection_type.to_string(),
        inspected: of.as_str().to_string(),
        declaration: entry_ref(&other, decl_index)?,
    };
    let index = log.append_on(&key, today, vec![EntryBody::InspectionRequest(body)])?[0];
    print_appended(
        as_json,
        index,
        "inspection-request",
        today,
        &[
            ("Inspection", id.to_string()),
            (
                "Inspected",
                format!("{} declaration {decl_index}", of.as_str()),
            ),
            ("Number in quota year", number.to_string()),
        ],
    )
}

/// `verity inspect commit-seed`.
pub(crate) fn commit_seed(
    db: &Path,
    id: &str,
    request_log: Option<&Path>,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let mut log = Log::open(db)?;
    let key = log.signing_key()?;
    let req_log = match request_log {
        Some(p) if p != db => Some(Log::open_read_only(p)?),
        _ => None,
    };
    let req_ref_log = req_log.as_ref().unwrap_or(&log);
    let (ri, req, _) = find_request(req_ref_log, id)?;
    if req_ref_log.party() != log.party() && req.inspected != log.party() {
        bail!("{} is neither side of inspection `{id}`", log.party());
    }
    if seed_commit(&log, id)?.is_some() {
        bail!(
            "{} already committed a seed for inspection `{id}`",
            log.party()
        );
    }
    let store = open_store(db)?;
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    store.put(&seed_slot(id), &seed)?;
    let body = SeedCommit {
        inspection: id.to_string(),
        request: entry_ref(req_ref_log, ri)?,
        commitment: Digest(SeedCommitment::new(id, log.party(), &seed).0),
    };
    let index = log.append_on(&key, today, vec![EntryBody::SeedCommit(body)])?[0];
    print_appended(
        as_json,
        index,
        "seed-commit",
        today,
        &[("Inspection", id.to_string())],
    )
}

/// `verity inspect reveal-seed`.
pub(crate) fn reveal_seed(
    db: &Path,
    id: &str,
    other_log: &Path,
    treaty_arg: &str,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let mut log = Log::open(db)?;
    let key = log.signing_key()?;
    let other = Log::open_read_only(other_log)?;
    let treaty = resolve::treaty(treaty_arg)?;
    let inspecting = find_request(&log, id).is_ok();
    let (_, _, requested) = if inspecting {
        find_request(&log, id)?
    } else {
        find_request(&other, id)?
    };
    if seed_reveal(&log, id)?.is_some() {
        bail!(
            "{} already revealed its seed for inspection `{id}`",
            log.party()
        );
    }
    let days = treaty
        .inspection_protocol()
        .map(|p| p.seed_reveal_days)
        .context("the treaty has no inspection protocol")?;
    let deadline = requested + Days::new(u64::from(days));
    let after = if inspecting {
        match seed_reveal(&other, id)? {
            Some(i) => Some(entry_ref(&other, i)?),
            None if today > deadline => None,
            None => bail!(
                "{} has not revealed yet: the inspected party reveals first (its deadline is {deadline}; after it, your seed alone selects)",
                other.party()
            ),
        }
    } else {
        match seed_commit(&other, id)? {
            Some(i) => Some(entry_ref(&other, i)?),
            None => bail!(
                "{} has not committed its seed yet: both commit before either reveals",
                other.party()
            ),
        }
    };
    if seed_commit(&log, id)?.is_none() {
        bail!(
            "{} never committed a seed for inspection `{id}`",
            log.party()
        );
    }
    let store = open_store(db)?;
    let seed: [u8; 32] = store
        .get(&seed_slot(id))?
        .as_slice()
        .try_into()
        .map_err(|_| anyhow::anyhow!("the stored seed for `{id}` is not 32 bytes"))?;
    let late = today > deadline;
    let body = SeedReveal {
        inspection: id.to_string(),
        seed: Digest(seed),
        after,
    };
    let index = log.append_on(&key, today, vec![EntryBody::SeedReveal(body)])?[0];
    let mut extra = vec![
        ("Inspection", id.to_string()),
        ("Deadline", deadline.to_string()),
    ];
    if late {
        extra.push(("Note", "recorded after the deadline".to_string()));
    }
    print_appended(as_json, index, "seed-reveal", today, &extra)
}

fn sources(paths: &[PathBuf], keys: &[PathBuf]) -> Result<Vec<LogSource>> {
    if !keys.is_empty() && keys.len() != paths.len() {
        bail!(
            "--keys: give one key per log ({} logs, {} keys)",
            paths.len(),
            keys.len()
        );
    }
    paths
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (key, key_supplied) = match keys.get(k) {
                Some(kp) => (VerifierKey::load(kp)?, true),
                None => (Log::open_read_only(p)?.recorded_verifier().clone(), false),
            };
            Ok(LogSource {
                path: p.clone(),
                key,
                key_supplied,
            })
        })
        .collect()
}

fn run_view(
    treaty: &Treaty,
    srcs: &[LogSource],
    on: NaiveDate,
    mode: Mode,
) -> Result<ComplianceReport> {
    let bar = ProgressBar::new(srcs.len() as u64);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} reading and auditing logs {bar:30} {pos}/{len}",
    )?);
    let report = view(treaty, srcs, on, mode, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    Ok(report)
}

/// `verity inspect select`.
pub(crate) fn select(
    logs: &[PathBuf],
    id: &str,
    treaty_arg: &str,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let treaty = resolve::treaty(treaty_arg)?;
    let report = run_view(&treaty, &sources(logs, &[])?, today, Mode::AsIfInForce)?;
    let Some(s) = report.inspections.iter().find(|i| i.id == id) else {
        bail!("no request for inspection `{id}` in the logs given");
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
    t.add_row(["Status".to_string(), s.status.clone()]);
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
    db: &Path,
    id: &str,
    request_log: &Path,
    treaty_arg: &str,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let treaty = resolve::treaty(treaty_arg)?;
    let report = run_view(
        &treaty,
        &sources(&[db.to_path_buf(), request_log.to_path_buf()], &[])?,
        today,
        Mode::AsIfInForce,
    )?;
    let Some(s) = report.inspections.iter().find(|i| i.id == id) else {
        bail!(
            "no request for inspection `{id}` in {}",
            request_log.display()
        );
    };
    if matches!(
        s.status.as_str(),
        "awaiting-record" | "complete" | "opening-rejected"
    ) {
        bail!("inspection `{id}` is already opened (status {})", s.status);
    }
    let Some(seed) = s.seed.as_ref().and_then(SeedOutcome::seed) else {
        bail!(
            "inspection `{id}` has no selection seed yet (status {})",
            s.status
        );
    };
    let kind = treaty
        .inspections()
        .iter()
        .find(|k| k.id == s.inspection_type)
        .context("unknown inspection type")?;
    let mut log = Log::open(db)?;
    let key = log.signing_key()?;
    let req_log = Log::open_read_only(request_log)?;
    let (ri, req, _) = find_request(&req_log, id)?;
    let (idx, decl, sealed) = load_declaration(&log, Some(req.declaration.index), db)?;
    let body = build_opening(
        &sealed,
        idx,
        &kind.selection,
        &seed,
        id,
        entry_ref(&req_log, ri)?,
    )
    .map_err(|m| anyhow::anyhow!("{m}"))?;
    if body.root != decl.root {
        bail!("the private store's declaration {idx} does not match the log's root");
    }
    let opened: Vec<String> = body.sites.iter().map(|s| s.header.site.clone()).collect();
    let padding = body.dummies.len();
    let index = log.append_on(&key, today, vec![EntryBody::InspectionOpening(body)])?[0];
    print_appended(
        as_json,
        index,
        "inspection-opening",
        today,
        &[
            ("Inspection", id.to_string()),
            ("Sites opened", opened.join(", ")),
            ("Padding positions shown", padding.to_string()),
        ],
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
    db: &Path,
    id: &str,
    opening_log: &Path,
    observations: &Path,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let sites = read_observations(observations)?;
    let mut log = Log::open(db)?;
    let key = log.signing_key()?;
    find_request(&log, id).with_context(|| format!("{} did not request `{id}`", log.party()))?;
    let other = Log::open_read_only(opening_log)?;
    let oi = find_entry(
        &other,
        |b| matches!(b, EntryBody::InspectionOpening(o) if o.inspection == id),
    )?
    .with_context(|| {
        format!(
            "{} has not opened anything for inspection `{id}`",
            other.party()
        )
    })?;
    if find_entry(
        &log,
        |b| matches!(b, EntryBody::InspectionRecord(r) if r.inspection == id),
    )?
    .is_some()
    {
        bail!("inspection `{id}` is already recorded");
    }
    let items: usize = sites.iter().map(|s| s.found.len()).sum();
    let site_names: Vec<String> = sites.iter().map(|s| s.site.clone()).collect();
    let body = InspectionRecord {
        inspection: id.to_string(),
        opening: entry_ref(&other, oi)?,
        sites,
    };
    let index = log.append_on(&key, today, vec![EntryBody::InspectionRecord(body)])?[0];
    print_appended(
        as_json,
        index,
        "inspection-record",
        today,
        &[
            ("Inspection", id.to_string()),
            ("Sites", site_names.join(", ")),
            ("Items observed", thousands(items as u64)),
        ],
    )
}

/// `verity compliance`.
pub(crate) fn compliance(
    logs: &[PathBuf],
    keys: &[PathBuf],
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
    let report = run_view(&treaty, &sources(logs, keys)?, on, mode)?;
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
    ]);
    for s in &report.logs {
        l.add_row([
            s.party.clone(),
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
                match v.verdict {
                    Verdict::WithinLimitsProved => "within limits (proved)".into(),
                    other => other.as_str().to_string(),
                },
            ]);
        }
        outln!("\nLimits (each party's latest declaration)\n{t}")?;
    }
    if !report.inspections.is_empty() {
        let mut t = table([
            "Inspection",
            "Type",
            "By",
            "Of",
            "Requested",
            "Status",
            "Sites",
            "Discrepancies",
        ]);
        for i in &report.inspections {
            let disc: usize = i.checks.iter().map(|c| c.discrepancies().count()).sum();
            t.add_row([
                i.id.clone(),
                i.inspection_type.clone(),
                i.inspecting.clone(),
                i.inspected.clone(),
                i.requested.to_string(),
                i.status.clone(),
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
                match f.severity {
                    Severity::Violation => "VIOLATION",
                    Severity::Warning => "warning",
                    Severity::Info => "info",
                }
                .to_string(),
                f.party.clone(),
                f.rule.clone(),
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
