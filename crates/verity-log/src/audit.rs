//! The audit: recompute everything a log claims from its raw bytes, trusting only the verifier
//! key the auditor brings: every leaf's form and signature, the whole tree against the stored
//! hashes, every checkpoint's signature and root, and the escrow's internal consistency.

use crate::checkpoint::verify_checkpoint;
use crate::entry::{EntryBody, Leaf};
use crate::error::LogError;
use crate::keys::VerifierKey;
use crate::store::{Log, StoredEntry};
use ed25519_dalek::Signature;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use verity_escrow::{
    Digest, HiddenTotals, MemTree, ProofContext, ProvedLimit, check_totals_opening,
    dummy_site_leaf, root_of_site_commitments, verify_totals,
};
use verity_treaty::PartyCode;
use verity_treaty::compliance::{Mode, judge_hidden};
use verity_treaty::model::DisclosureLevel;

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The entry at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    /// The checkpoint (by tree size) at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    fn entry(index: u64, message: impl Into<String>) -> Self {
        Self {
            entry: Some(index),
            checkpoint: None,
            message: message.into(),
        }
    }

    fn sort_key(&self) -> (u64, u64) {
        (
            self.entry.unwrap_or(u64::MAX),
            self.checkpoint.unwrap_or(u64::MAX),
        )
    }
}

/// What an audit checked and what it found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// The log's party.
    pub party: String,
    /// The log's origin.
    pub origin: String,
    /// Entries read.
    pub entries: u64,
    /// Entry signatures verified.
    pub signatures: u64,
    /// Checkpoints verified.
    pub checkpoints: u64,
    /// Declarations, disclosures and notifications seen.
    pub declarations: u64,
    /// Disclosure entries.
    pub disclosures: u64,
    /// Notification entries.
    pub notifications: u64,
    /// Inspection entries (requests, seed commitments and reveals, openings, records).
    pub inspection_entries: u64,
    /// Escrow openings checked against their declaration roots.
    pub openings: u64,
    /// The tree root at the log's size, base64 (as in checkpoints).
    pub root: String,
    /// Per declaration with hidden totals: each limit's status as its proof establishes it.
    pub hidden_totals: Vec<HiddenTotalsCheck>,
    /// Problems, first bad entry first.
    pub problems: Vec<Problem>,
}

/// What the audit established about one declaration's hidden totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HiddenTotalsCheck {
    /// The declaration's index.
    pub declaration: u64,
    /// Each limit: `proved` (within limits, totals hidden) or `not-yet-applicable`.
    pub limits: Vec<ProvedLimit>,
    /// The compliance engine's verdict per limit, from the verified proof (a draft is judged
    /// as if in force on its notional dates, as in exercises).
    pub verdicts: Vec<verity_treaty::compliance::LimitVerdict>,
    /// The counts, once a disclosure revealed them (and they opened the commitments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revealed: Option<BTreeMap<String, u64>>,
    /// Whether every leaf of the declaration was opened, so the revealed counts were compared
    /// with the opened items.
    pub compared_with_items: bool,
}

impl AuditReport {
    /// The first problem, if any.
    pub fn first_problem(&self) -> Option<&Problem> {
        self.problems.first()
    }
}

const SIGNATURE_CHUNK: usize = 2048;

/// Verifies a chunk of signatures as a batch; on failure, one by one to find the bad ones.
fn bad_signatures(key: &VerifierKey, chunk: &[(u64, Vec<u8>, Signature)]) -> Vec<u64> {
    let msgs: Vec<&[u8]> = chunk.iter().map(|(_, m, _)| m.as_slice()).collect();
    let sigs: Vec<Signature> = chunk.iter().map(|(_, _, s)| *s).collect();
    let keys = vec![*key.key(); chunk.len()];
    if ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok() {
        return Vec::new();
    }
    chunk
        .iter()
        .filter(|(_, m, s)| key.key().verify_strict(m, s).is_err())
        .map(|(i, _, _)| *i)
        .collect()
}

/// Audits the log at `db` against `key`. `progress` is told (entries processed, entries in all).
/// An unreadable or damaged database is reported as a problem, not as an error; an error means
/// the audit could not start (no such file, not a log).
pub fn audit(
    db: &Path,
    key: &VerifierKey,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<AuditReport, LogError> {
    let log = Log::open_read_only(db)?;
    let mut report = AuditReport {
        party: log.party().to_string(),
        origin: log.origin().to_string(),
        ..AuditReport::default()
    };
    if log.origin() != key.name() || log.recorded_verifier().text() != key.text() {
        report.problems.push(Problem {
            entry: None,
            checkpoint: None,
            message: format!(
                "the log records key `{}`, not the key given (`{}`)",
                log.recorded_verifier().text(),
                key.text()
            ),
        });
        return Ok(report);
    }
    let damaged = |e: LogError| Problem {
        entry: None,
        checkpoint: None,
        message: format!("the database cannot be read in full: {e}"),
    };
    let entries = match log.entries(0, u64::MAX) {
        Ok(e) => e,
        Err(e) => {
            report.problems.push(damaged(e));
            return Ok(report);
        }
    };
    let n = entries.len() as u64;
    report.entries = n;
    let mut problems = Vec::new();

    // 1. Form: contiguous indexes, canonical leaves naming this log, party and index.
    for (i, e) in entries.iter().enumerate() {
        if e.index != i as u64 {
            problems.push(Problem::entry(
                i as u64,
                format!("entry {i} is missing (next stored index is {})", e.index),
            ));
            break;
        }
    }
    let (origin, party) = (log.origin().to_string(), log.party().to_string());
    let parsed: Vec<Result<(Leaf, Vec<u8>), String>> = entries
        .par_iter()
        .map(|e| check_form(e, &origin, &party))
        .collect();
    progress(n / 4, n);

    // 2. Signatures, batched per chunk on every core.
    let mut to_verify = Vec::with_capacity(entries.len());
    let mut parsed_leaves: Vec<Result<Leaf, ()>> = Vec::with_capacity(entries.len());
    for (e, p) in entries.iter().zip(parsed) {
        match p {
            Ok((leaf, msg)) => {
                match leaf.signature() {
                    Ok(sig) => to_verify.push((e.index, msg, sig)),
                    Err(m) => problems.push(Problem::entry(e.index, m)),
                }
                parsed_leaves.push(Ok(leaf));
            }
            Err(m) => {
                problems.push(Problem::entry(e.index, m));
                parsed_leaves.push(Err(()));
            }
        }
    }
    let bad: Vec<u64> = to_verify
        .par_chunks(SIGNATURE_CHUNK)
        .flat_map_iter(|c| bad_signatures(key, c))
        .collect();
    report.signatures = (to_verify.len() - bad.len()) as u64;
    for i in bad {
        problems.push(Problem::entry(
            i,
            "signature does not verify with the log's key",
        ));
    }
    progress(n / 2, n);

    // 3. The tree, recomputed from the leaves, against every stored hash.
    let leaf_hashes: Vec<Digest> = entries
        .par_iter()
        .map(|e| Digest(crate::tree::leaf_hash(&e.leaf)))
        .collect();
    let tree = MemTree::from_leaves(leaf_hashes);
    report.root = base64::Engine::encode(&base64::prelude::BASE64_STANDARD, tree.root().0);
    match stored_tree(&log) {
        Ok(stored) => {
            let expected = tree.stored();
            if stored.len() != expected.len() {
                problems.push(Problem {
                    entry: None,
                    checkpoint: None,
                    message: format!(
                        "the stored tree has {} hashes; {n} entries need {}",
                        stored.len(),
                        expected.len()
                    ),
                });
            }
            if let Some(k) = stored
                .iter()
                .zip(expected)
                .position(|(s, e)| s.as_slice() != e.0)
            {
                let (level, node) = tlog_tiles::split_stored_hash_index(k as u64);
                let first = node << level;
                let last = ((node + 1) << level) - 1;
                problems.push(Problem::entry(
                    first,
                    format!(
                        "the stored tree hash at level {level} over entries {first}..={last} differs from the recomputed one"
                    ),
                ));
            }
        }
        Err(e) => problems.push(damaged(e)),
    }
    progress(3 * n / 4, n);

    // 4. Checkpoints: signature by the key, origin, size within the log, root recomputed.
    match log.checkpoints() {
        Ok(cps) => {
            if n > 0 && cps.last().map(|(s, _)| *s) != Some(n) {
                problems.push(Problem {
                    entry: Some(n - 1),
                    checkpoint: None,
                    message: format!("no checkpoint covers the log's {n} entries"),
                });
            }
            for (size, note) in &cps {
                let at = |m: String| Problem {
                    entry: size.checked_sub(1),
                    checkpoint: Some(*size),
                    message: format!("checkpoint at tree size {size}: {m}"),
                };
                match verify_checkpoint(note, key) {
                    Err(m) => problems.push(at(m)),
                    Ok(cp) if cp.size != *size => {
                        problems.push(at(format!("the note says size {}", cp.size)));
                    }
                    Ok(_) if *size > n => {
                        problems.push(at(format!("beyond the log's {n} entries")));
                    }
                    Ok(cp) if tree.root_at(*size).0 != cp.root => problems.push(at(
                        "its root is not the root recomputed from the entries".into(),
                    )),
                    Ok(_) => report.checkpoints += 1,
                }
            }
        }
        Err(e) => problems.push(damaged(e)),
    }

    // 5. The escrow: every disclosure opens commitments that were declared, no UID twice.
    let leaves: Vec<(u64, &Leaf)> = parsed_leaves
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.as_ref().ok().map(|l| (i as u64, l)))
        .collect();
    check_escrow(&leaves, &mut report, &mut problems);
    progress(n, n);

    problems.sort_by_key(Problem::sort_key);
    problems.dedup();
    report.problems = problems;
    Ok(report)
}

fn stored_tree(log: &Log) -> Result<Vec<Vec<u8>>, LogError> {
    let mut stmt = log
        .conn()
        .prepare("SELECT idx, hash FROM tree ORDER BY idx")
        .map_err(LogError::sqlite(log.path()))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .map_err(LogError::sqlite(log.path()))?;
    let mut out = Vec::new();
    for (k, row) in rows.enumerate() {
        let (idx, hash) = row.map_err(LogError::sqlite(log.path()))?;
        if idx != k as i64 {
            return Err(LogError::Store {
                path: log.path().to_path_buf(),
                message: format!("stored tree hash {k} is missing"),
            });
        }
        out.push(hash);
    }
    Ok(out)
}

fn check_form(e: &StoredEntry, origin: &str, party: &str) -> Result<(Leaf, Vec<u8>), String> {
    let (leaf, msg) = Leaf::parse_with_message(&e.leaf)?;
    let s = &leaf.statement;
    if s.index != e.index {
        return Err(format!(
            "the signed index is {} but the entry is stored at {}",
            s.index, e.index
        ));
    }
    if s.log != origin {
        return Err(format!("signed for log `{}`, not `{origin}`", s.log));
    }
    if s.party != party {
        return Err(format!("signed for party `{}`, not `{party}`", s.party));
    }
    if s.entry.kind() != e.kind {
        return Err(format!(
            "stored as kind `{}` but the signed kind is `{}`",
            e.kind,
            s.entry.kind()
        ));
    }
    Ok((leaf, msg))
}

fn valid_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .is_ok_and(|d| d.format("%Y-%m-%d").to_string() == s)
}

struct DeclState {
    root: Digest,
    /// UID → (site, where it was first opened).
    uids: HashMap<String, (String, u64)>,
    treaty: String,
    /// Stage-1 leaves, when published.
    leaves: Option<Vec<Digest>>,
    /// Leaves in the declaration's tree, from stage 1 or any site opening.
    size: Option<u64>,
    hidden: Option<HiddenTotals>,
    /// Real sites opened whole: name → opened items.
    opened_sites: BTreeMap<String, Vec<verity_escrow::ItemRecord>>,
    /// Padding sites opened (their leaves, so one opened twice counts once).
    opened_dummies: std::collections::BTreeSet<Digest>,
    /// Revealed counts and where.
    revealed: Option<(u64, BTreeMap<String, u64>)>,
    check: Option<usize>,
}

/// The treaty, party and date a hidden-totals proof is checked against.
fn hidden_context(
    treaty: &str,
    party: &str,
    as_of: &str,
) -> Result<(verity_treaty::Treaty, PartyCode, chrono::NaiveDate), String> {
    let treaty = verity_treaty::builtin::treaty(treaty).map_err(|e| {
        format!("hidden totals cannot be checked: the treaty `{treaty}` is not built in ({e})")
    })?;
    let party = PartyCode::parse(party).map_err(|m| format!("party: {m}"))?;
    let as_of = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d")
        .map_err(|_| format!("as-of `{as_of}` is not a date"))?;
    Ok((treaty, party, as_of))
}

/// Once a declaration's totals are revealed and every leaf of it has been opened, the opened
/// items' category counts must be the committed counts.
fn compare_revealed(
    decls: &BTreeMap<u64, DeclState>,
    report: &mut AuditReport,
    problems: &mut Vec<Problem>,
) {
    for (index, st) in decls {
        let (Some((at, counts)), Some(size)) = (&st.revealed, st.size) else {
            continue;
        };
        if (st.opened_sites.len() + st.opened_dummies.len()) as u64 != size {
            continue;
        }
        let Ok(treaty) = verity_treaty::builtin::treaty(&st.treaty) else {
            continue;
        };
        let items: Vec<&verity_escrow::ItemRecord> = st.opened_sites.values().flatten().collect();
        let tally = match treaty.tally(items.iter().map(|r| r.facts())) {
            Ok(t) => t,
            Err(m) => {
                problems.push(Problem::entry(*at, format!("opened items: {m}")));
                continue;
            }
        };
        for (category, committed) in counts {
            let opened = tally.categories.get(category).copied().unwrap_or(0);
            if opened != *committed {
                problems.push(Problem::entry(
                    *at,
                    format!(
                        "declaration {index}: category `{category}` was committed as {committed} but the opened items count {opened}"
                    ),
                ));
            }
        }
        if let Some(c) = st.check {
            report.hidden_totals[c].compared_with_items = true;
        }
    }
}

/// Checks an inspection opening on its own: the site commitments rebuild the root, every
/// padding proof opens the commitment at its position, every opened site verifies. Whether it
/// opens exactly what the selection reaches needs the other party's log (`verity-inspect`).
pub fn check_inspection_opening(o: &crate::entry::InspectionOpening) -> Vec<String> {
    let mut out = Vec::new();
    let n = o.site_commitments.len() as u64;
    if root_of_site_commitments(&o.site_commitments) != o.root {
        out.push(format!(
            "inspection `{}`: the {n} site commitments do not rebuild the declaration root",
            o.inspection
        ));
        return out;
    }
    for d in &o.dummies {
        let at = usize::try_from(d.position)
            .ok()
            .and_then(|p| o.site_commitments.get(p));
        if at != Some(&dummy_site_leaf(&d.salt)) {
            out.push(format!(
                "inspection `{}`: position {} is not a padding site (its salt does not open the commitment there)",
                o.inspection, d.position
            ));
        }
    }
    for site in &o.sites {
        if let Err(e) = site.verify(&o.root) {
            out.push(format!("inspection `{}`: {e}", o.inspection));
        } else if site.header.sites != n {
            out.push(format!(
                "inspection `{}`: site `{}` is proved in a tree of {} sites, not {n}",
                o.inspection, site.header.site, site.header.sites
            ));
        }
    }
    out
}

fn check_escrow(leaves: &[(u64, &Leaf)], report: &mut AuditReport, problems: &mut Vec<Problem>) {
    let mut decls: BTreeMap<u64, DeclState> = BTreeMap::new();
    let mut last_recorded: Option<chrono::NaiveDate> = None;
    for &(index, leaf) in leaves {
        match chrono::NaiveDate::parse_from_str(&leaf.statement.recorded, "%Y-%m-%d") {
            Ok(d) if valid_date(&leaf.statement.recorded) => {
                if let Some(last) = last_recorded
                    && d < last
                {
                    problems.push(Problem::entry(
                        index,
                        format!("recorded on {d}, before the previous entry ({last}): recorded dates never go back"),
                    ));
                }
                last_recorded = Some(d);
            }
            _ => problems.push(Problem::entry(
                index,
                format!(
                    "recorded date `{}` is not a YYYY-MM-DD date",
                    leaf.statement.recorded
                ),
            )),
        }
        match &leaf.statement.entry {
            EntryBody::Declaration(d) => {
                report.declarations += 1;
                if d.treaty.is_empty() {
                    problems.push(Problem::entry(index, "declaration names no treaty"));
                }
                if !valid_date(&d.as_of) {
                    problems.push(Problem::entry(
                        index,
                        format!("declaration as-of `{}` is not a YYYY-MM-DD date", d.as_of),
                    ));
                }
                let mut seen = std::collections::BTreeSet::new();
                for f in &d.empty_facilities {
                    if f.trim().is_empty() || !seen.insert(f.as_str()) {
                        problems.push(Problem::entry(
                            index,
                            format!(
                                "declaration registers the empty facility `{f}` blank or twice"
                            ),
                        ));
                    }
                }
                let mut check = None;
                if let Some(h) = &d.hidden_totals {
                    match hidden_context(&d.treaty, &leaf.statement.party, &d.as_of) {
                        Err(m) => problems.push(Problem::entry(index, m)),
                        Ok((treaty, party, as_of)) => {
                            let ctx = ProofContext {
                                treaty: &treaty,
                                party,
                                as_of,
                                root: &d.root,
                            };
                            match verify_totals(&ctx, h) {
                                Ok(limits) => {
                                    let proved: Vec<String> = limits
                                        .iter()
                                        .filter(|l| l.status == "proved")
                                        .map(|l| l.limit.clone())
                                        .collect();
                                    let mode = if treaty.binding_period().is_some() {
                                        Mode::AsWritten
                                    } else {
                                        Mode::AsIfInForce
                                    };
                                    let verdicts = judge_hidden(
                                        &treaty,
                                        party,
                                        as_of,
                                        &proved,
                                        mode,
                                        &format!("log entry {index}"),
                                    );
                                    report.hidden_totals.push(HiddenTotalsCheck {
                                        declaration: index,
                                        limits,
                                        verdicts,
                                        revealed: None,
                                        compared_with_items: false,
                                    });
                                    check = Some(report.hidden_totals.len() - 1);
                                }
                                Err(m) => problems
                                    .push(Problem::entry(index, format!("hidden totals: {m}"))),
                            }
                        }
                    }
                }
                if let Some(sites) = &d.sites {
                    if sites.is_empty() || root_of_site_commitments(sites) != d.root {
                        problems.push(Problem::entry(
                            index,
                            format!(
                                "the {} published site commitments do not rebuild the declared root",
                                sites.len()
                            ),
                        ));
                    }
                }
                decls.insert(
                    index,
                    DeclState {
                        root: d.root,
                        uids: HashMap::new(),
                        treaty: d.treaty.clone(),
                        leaves: d.sites.clone(),
                        size: d.sites.as_ref().map(|s| s.len() as u64),
                        hidden: d.hidden_totals.clone(),
                        opened_sites: BTreeMap::new(),
                        opened_dummies: std::collections::BTreeSet::new(),
                        revealed: None,
                        check,
                    },
                );
            }
            EntryBody::Disclosure(d) => {
                report.disclosures += 1;
                let Some(state) = decls.get_mut(&d.declaration) else {
                    problems.push(Problem::entry(
                        index,
                        format!(
                            "discloses entry {}, which is not an earlier declaration",
                            d.declaration
                        ),
                    ));
                    continue;
                };
                if d.root != state.root {
                    problems.push(Problem::entry(
                        index,
                        format!(
                            "names root {} but declaration {} has root {}",
                            d.root, d.declaration, state.root
                        ),
                    ));
                    continue;
                }
                let wrong_level = match d.level {
                    DisclosureLevel::Sites => {
                        !d.site_counts.is_empty() || !d.site_items.is_empty() || d.sites.is_empty()
                    }
                    DisclosureLevel::SiteItemCounts => {
                        !d.sites.is_empty() || !d.site_items.is_empty() || d.site_counts.is_empty()
                    }
                    DisclosureLevel::Items => {
                        !d.sites.is_empty() || !d.site_counts.is_empty() || d.site_items.is_empty()
                    }
                };
                if wrong_level {
                    problems.push(Problem::entry(
                        index,
                        format!(
                            "the openings do not match the stage's level `{:?}`",
                            d.level
                        ),
                    ));
                }
                if !d.sites.is_empty() {
                    report.openings += 1;
                    if root_of_site_commitments(&d.sites) != d.root {
                        problems.push(Problem::entry(
                            index,
                            format!(
                                "the {} site commitments do not rebuild the declared root",
                                d.sites.len()
                            ),
                        ));
                    }
                }
                for c in &d.site_counts {
                    report.openings += 1;
                    match c.verify(&d.root) {
                        Ok(()) => state.size = Some(c.sites),
                        Err(e) => problems.push(Problem::entry(index, e.to_string())),
                    }
                }
                if !d.dummy_sites.is_empty() {
                    match &state.leaves {
                        None => problems.push(Problem::entry(
                            index,
                            "opens padding sites of a declaration whose site commitments were never published",
                        )),
                        Some(leaves) => {
                            for salt in &d.dummy_sites {
                                report.openings += 1;
                                let leaf = dummy_site_leaf(salt);
                                if leaves.contains(&leaf) {
                                    state.opened_dummies.insert(leaf);
                                } else {
                                    problems.push(Problem::entry(
                                        index,
                                        "an opened padding site is not among the declaration's sites",
                                    ));
                                }
                            }
                        }
                    }
                }
                if let Some(t) = &d.totals {
                    match &state.hidden {
                        None => problems.push(Problem::entry(
                            index,
                            "reveals totals of a declaration that did not hide them",
                        )),
                        Some(h) => match check_totals_opening(h, t) {
                            Ok(counts) => {
                                report.openings += counts.len() as u64;
                                if let Some(c) = state.check {
                                    report.hidden_totals[c].revealed = Some(counts.clone());
                                }
                                state.revealed = Some((index, counts));
                            }
                            Err(m) => problems
                                .push(Problem::entry(index, format!("revealed totals: {m}"))),
                        },
                    }
                }
                for s in &d.site_items {
                    report.openings += 1 + s.items.len() as u64;
                    if let Err(e) = s.verify(&d.root) {
                        problems.push(Problem::entry(index, e.to_string()));
                        continue;
                    }
                    state.size = Some(s.header.sites);
                    state.opened_sites.insert(
                        s.header.site.clone(),
                        s.items.iter().map(|i| i.record.clone()).collect(),
                    );
                    for item in &s.items {
                        let uid = &item.record.uid;
                        match state.uids.get(uid) {
                            Some((site, first)) if site != &s.header.site => {
                                problems.push(Problem::entry(
                                    index,
                                    format!(
                                        "UID `{uid}` is opened at site `{}` but entry {first} opened it at site `{site}`",
                                        s.header.site
                                    ),
                                ));
                            }
                            Some(_) => {}
                            None => {
                                state
                                    .uids
                                    .insert(uid.clone(), (s.header.site.clone(), index));
                            }
                        }
                    }
                }
            }
            EntryBody::Notification(nf) => {
                report.notifications += 1;
                if !decls.contains_key(&nf.declaration) {
                    problems.push(Problem::entry(
                        index,
                        format!(
                            "refers to entry {}, which is not an earlier declaration",
                            nf.declaration
                        ),
                    ));
                }
                if !valid_date(&nf.event_date) {
                    problems.push(Problem::entry(
                        index,
                        format!("event date `{}` is not a YYYY-MM-DD date", nf.event_date),
                    ));
                }
                if let Err(m) = nf
                    .event
                    .check_records(&nf.uid, nf.old.as_ref(), nf.new.as_ref())
                {
                    problems.push(Problem::entry(index, m));
                }
            }
            EntryBody::InspectionRequest(_)
            | EntryBody::SeedCommit(_)
            | EntryBody::SeedReveal(_)
            | EntryBody::InspectionRecord(_) => report.inspection_entries += 1,
            EntryBody::InspectionOpening(o) => {
                report.inspection_entries += 1;
                match decls.get(&o.declaration) {
                    Some(st) if st.root == o.root => {}
                    _ => problems.push(Problem::entry(
                        index,
                        format!(
                            "inspection `{}` opens entry {} with a root that is not that earlier declaration's",
                            o.inspection, o.declaration
                        ),
                    )),
                }
                for m in check_inspection_opening(o) {
                    problems.push(Problem::entry(index, m));
                }
                report.openings += o
                    .sites
                    .iter()
                    .map(|s| 1 + s.items.len() as u64)
                    .sum::<u64>()
                    + o.dummies.len() as u64;
            }
        }
    }
    compare_revealed(&decls, report, problems);
}

/// For benchmarks: every entry's signed message and signature, read and parsed before the
/// clock starts, so [`bare_batch_verify`] times the bare primitive alone.
pub fn bare_signature_inputs(db: &Path) -> Result<Vec<(Vec<u8>, Signature)>, LogError> {
    let log = Log::open_read_only(db)?;
    log.entries(0, u64::MAX)?
        .iter()
        .map(|e| {
            let (leaf, msg) = Leaf::parse_with_message(&e.leaf)
                .map_err(|m| LogError::malformed(format!("entry {}", e.index), m))?;
            let sig = leaf
                .signature()
                .map_err(|m| LogError::malformed(format!("entry {}", e.index), m))?;
            Ok((msg, sig))
        })
        .collect()
}

/// Batch-verifies prepared signatures on one core in the audit's chunk size.
pub fn bare_batch_verify(key: &VerifierKey, inputs: &[(Vec<u8>, Signature)]) -> bool {
    inputs.chunks(SIGNATURE_CHUNK).all(|c| {
        let msgs: Vec<&[u8]> = c.iter().map(|(m, _)| m.as_slice()).collect();
        let sigs: Vec<Signature> = c.iter().map(|(_, s)| *s).collect();
        let keys = vec![*key.key(); c.len()];
        ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok()
    })
}
