//! The compliance view, in two halves. Loading (`load`) does all the I/O and checks every
//! byte: each party's log, from its file or a node, audited against the key given. Judging
//! (`judge`) is pure: treaty × loaded logs × date × mode → report, replaying declarations,
//! disclosures, notifications and inspections, and giving every finding its evidence (the
//! entries it rests on, each with an inclusion proof against the log's latest signed
//! checkpoint, built from the tree already loaded) so a reader re-checks it without our code.

use chrono::NaiveDate;
use serde::Serialize;
use verity_log::{CosignedCheckpoint, EntryBody, Leaf};
use verity_treaty::compliance::{LimitVerdict, Mode};
use verity_treaty::{Finding, PartyCode, Rule, Severity, Treaty};

use crate::compare::SiteCheck;
use crate::quota::QuotaUse;
use crate::randomness::SeedOutcome;
use crate::select::SelectionResult;

mod continuity;
mod escrow;
mod inspections;
mod limits;
mod load;
mod notifications;

pub use escrow::{EscrowReport, HiddenTotalsCheck, judge_escrow};
pub use load::{LoadError, LoadedLog, LogSource};

/// One entry a finding rests on, with its inclusion proof against the log's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The log's party.
    pub party: PartyCode,
    /// The log's origin.
    pub log: String,
    /// Entry index.
    pub index: u64,
    /// Entry kind.
    pub kind: String,
    /// RFC 6962 leaf hash of the entry, hex.
    pub leaf_hash: String,
    /// Tree size of the checkpoint the proof is against (the log's checkpoint in this report).
    pub tree_size: u64,
    /// RFC 6962 inclusion proof, hex hashes.
    pub proof: Vec<String>,
    /// When a witness saw the log without this entry after the date the entry claims: that
    /// cosigned checkpoint, which bounds the date the entry is judged on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<CosignedCheckpoint>,
}

/// One finding of the view: its evidence is log entries with their proofs.
pub type ViewFinding = Finding<Vec<Evidence>>;

/// One log as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogSummary {
    /// Party code.
    pub party: PartyCode,
    /// Origin (key name).
    pub origin: String,
    /// Where it was read: a file's path or a node's URL.
    pub path: String,
    /// Entries in the log.
    pub entries: u64,
    /// Entries recorded on or before the view's date (the ones judged).
    pub entries_judged: u64,
    /// The latest signed checkpoint, as text: every evidence proof is against it.
    pub checkpoint: String,
    /// The verifier key checked against.
    pub key: String,
    /// `given` or `recorded in the log` (not independently supplied).
    pub key_source: String,
    /// Whether the audit found nothing wrong.
    pub audit_clean: bool,
    /// The witnesses whose cosignatures of this log bound its entries' dates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<String>,
}

/// Where an inspection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InspectionStatus {
    /// The request itself was refused (quota, type, parties, declaration named).
    Refused,
    /// Waiting for seed commitments or reveals.
    AwaitingSeeds,
    /// The inspecting party lost the inspection (no timely commitment or reveal, in order).
    Lapsed,
    /// The selection is fixed; the inspected party's opening is due.
    AwaitingOpening,
    /// The opening was rejected (wrong declaration, invalid, off the selection).
    OpeningRejected,
    /// Opened; the inspectors' record is due.
    AwaitingRecord,
    /// Recorded and compared.
    Complete,
}

impl InspectionStatus {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::AwaitingSeeds => "awaiting-seeds",
            Self::Lapsed => "lapsed",
            Self::AwaitingOpening => "awaiting-opening",
            Self::OpeningRejected => "opening-rejected",
            Self::AwaitingRecord => "awaiting-record",
            Self::Complete => "complete",
        }
    }

    /// Whether the inspected party has opened (or its opening was judged).
    pub fn opened(self) -> bool {
        matches!(
            self,
            Self::OpeningRejected | Self::AwaitingRecord | Self::Complete
        )
    }
}

impl std::fmt::Display for InspectionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One inspection as replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionSummary {
    /// Inspection id.
    pub id: String,
    /// Inspection type.
    pub inspection_type: String,
    /// Inspecting party.
    pub inspecting: PartyCode,
    /// Inspected party.
    pub inspected: PartyCode,
    /// Request date.
    pub requested: NaiveDate,
    /// Number within its quota year, when accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_in_year: Option<u32>,
    /// Where it stands.
    pub status: InspectionStatus,
    /// How the seed protocol ended, when it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<SeedOutcome>,
    /// The selection, once the opening follows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<SelectionResult>,
    /// Per visited site, the comparison of observation and declaration.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<SiteCheck>,
    /// When the opening is sealed: the party it is sealed to (what it opened is theirs to see,
    /// and anyone's only once they disclose the key with a finding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sealed_to: Option<PartyCode>,
    /// Whether the inspectors disclosed the key of a sealed opening (with a finding).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disclosed: bool,
}

impl InspectionSummary {
    /// How the opening reads to whoever holds only the public logs: "opened to USA; sealed"
    /// while the inspectors keep the key, "…; key disclosed" once they disclose it with a
    /// finding, or "in clear" for an opening published whole (`None` before any opening).
    pub fn opening_shown(&self) -> Option<String> {
        match (self.sealed_to, self.disclosed) {
            (Some(to), false) => Some(format!("opened to {to}; sealed")),
            (Some(to), true) => Some(format!("opened to {to}; sealed, key disclosed")),
            (None, _) if self.status.opened() => Some("in clear".to_string()),
            (None, _) => None,
        }
    }
}

/// Everything the view concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplianceReport {
    /// Treaty id.
    pub treaty: String,
    /// The date judged.
    pub on: NaiveDate,
    /// As written or as if in force.
    pub mode: Mode,
    /// The logs read.
    pub logs: Vec<LogSummary>,
    /// Each party's latest declaration judged against every limit.
    pub limits: Vec<LimitVerdict>,
    /// The same limits under another party's position on disputed accounting, where the
    /// treaty records one (shown as claimed; the declared verdict stands).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub positions: Vec<verity_treaty::accounting::PositionVerdict>,
    /// Every declaration with hidden totals: what its proof established.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hidden_totals: Vec<HiddenTotalsCheck>,
    /// Inspections accepted per quota year, type and ordered pair, against the quotas.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quotas: Vec<QuotaUse>,
    /// Every inspection requested.
    pub inspections: Vec<InspectionSummary>,
    /// Every finding, violations first.
    pub findings: Vec<ViewFinding>,
    /// Number of violations.
    pub violations: usize,
}

impl ComplianceReport {
    /// Whether any finding is a violation.
    pub fn has_violation(&self) -> bool {
        self.violations > 0
    }
}

/// A loaded log as one judgement sees it: the entries under its latest signed checkpoint and
/// recorded on or before the view's date, each dated no earlier than the latest time a witness
/// saw the log without it.
struct PartyLog<'a> {
    log: &'a LoadedLog,
    party: PartyCode,
    origin: &'a str,
    /// Entries judged, by index (`None`: unparsable, beyond the checkpoint or after the date).
    leaves: Vec<Option<&'a Leaf>>,
    /// Per entry: the date it is judged on, and the cosigned checkpoint without it that
    /// moved that date past the one it claims (if one did).
    dated: Vec<(NaiveDate, Option<&'a CosignedCheckpoint>)>,
}

/// Clock difference allowed between a witness and a party before an entry's claimed date is
/// held against it: a cosignature this close after midnight bounds the day before.
const WITNESS_CLOCK_GRACE_SECONDS: u64 = 300;

impl<'a> PartyLog<'a> {
    fn new(log: &'a LoadedLog, on: NaiveDate) -> Self {
        let size = log.signed_size();
        // The latest cosignature of a size not above each index: the log had no more entries
        // then, so the entry at that index came later.
        let witnessed = log.witnessed();
        let mut bound: Option<&CosignedCheckpoint> = None;
        let mut next = 0;
        let dated: Vec<(NaiveDate, Option<&CosignedCheckpoint>)> = (0..size)
            .map(|i| {
                while let Some(c) = witnessed.get(next).filter(|c| c.size <= i) {
                    if bound.is_none_or(|b| c.time > b.time) {
                        bound = Some(c);
                    }
                    next += 1;
                }
                let claimed = log.leaf(i).map_or(NaiveDate::MAX, |l| l.statement.recorded);
                let seen_without = bound.map(|c| {
                    let graced = CosignedCheckpoint {
                        time: c.time.saturating_sub(WITNESS_CLOCK_GRACE_SECONDS),
                        ..c.clone()
                    };
                    (graced.date(), c)
                });
                match seen_without {
                    Some((date, c)) if date > claimed => (date, Some(c)),
                    _ => (claimed, None),
                }
            })
            .collect();
        Self {
            log,
            party: log.party(),
            origin: log.origin(),
            leaves: (0..size)
                .map(|i| {
                    log.leaf(i)
                        .filter(|_| dated.get(i as usize).is_some_and(|(date, _)| *date <= on))
                })
                .collect(),
            dated,
        }
    }

    fn evidence(&self, index: u64) -> Evidence {
        let mut e = self.log.evidence(index);
        e.witnessed = self.witness_bound(index).cloned();
        e
    }

    /// The cosigned checkpoint without entry `index` dated after the date the entry claims.
    fn witness_bound(&self, index: u64) -> Option<&'a CosignedCheckpoint> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.dated.get(i))
            .and_then(|(_, c)| *c)
    }

    fn leaf(&self, index: u64) -> Option<&'a Leaf> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.leaves.get(i))
            .copied()
            .flatten()
    }

    fn hash(&self, index: u64) -> Option<[u8; 32]> {
        self.log.leaf_hash(index)
    }

    /// The date entry `index` is judged on: the date it claims, or later when a witness saw
    /// the log without it after that date.
    fn recorded(&self, index: u64) -> Option<NaiveDate> {
        self.leaf(index)?;
        usize::try_from(index)
            .ok()
            .and_then(|i| self.dated.get(i))
            .map(|(d, _)| *d)
    }

    fn bodies(&self) -> impl Iterator<Item = (u64, &'a EntryBody)> + '_ {
        self.leaves
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.map(|l| (i as u64, &l.statement.entry)))
    }

    fn declaration(&self, index: u64) -> Option<&'a verity_log::Declaration> {
        match self.leaf(index).map(|l| &l.statement.entry) {
            Some(EntryBody::Declaration(d)) => Some(d),
            _ => None,
        }
    }
}

struct Findings(Vec<ViewFinding>);

impl Findings {
    /// Names the item the last finding is about.
    fn about(&mut self, uid: &str) {
        if let Some(f) = self.0.last_mut() {
            f.subject = Some(uid.to_string());
        }
    }

    /// Cites the treaty article behind the last finding.
    fn cite(&mut self, reference: &str) {
        if let Some(f) = self.0.last_mut() {
            f.reference = reference.to_string();
        }
    }

    fn add(
        &mut self,
        rule: Rule,
        party: PartyCode,
        inspection: Option<&str>,
        message: String,
        evidence: Vec<Evidence>,
    ) {
        let mut f = Finding::new(rule, Some(party), message, evidence);
        f.inspection = inspection.map(str::to_string);
        self.0.push(f);
    }
}

/// Judges loaded logs together as of `on`: pure, no I/O. Entries recorded after `on` or not
/// yet under a signed checkpoint are not judged.
pub fn judge(treaty: &Treaty, logs: &[LoadedLog], on: NaiveDate, mode: Mode) -> ComplianceReport {
    let mut findings = Findings(Vec::new());
    let parties: Vec<PartyLog<'_>> = logs.iter().map(|l| PartyLog::new(l, on)).collect();
    let mut summaries = Vec::new();
    let mut hidden = Vec::new();
    for pl in &parties {
        for p in &pl.log.audit().problems {
            let evidence = p
                .entry
                .filter(|&i| i < pl.log.signed_size())
                .map(|i| vec![pl.evidence(i)])
                .unwrap_or_default();
            findings.add(
                p.rule,
                pl.party,
                None,
                format!("log `{}`: {}", pl.origin, p.describe()),
                evidence,
            );
        }
        summaries.push(LogSummary {
            party: pl.party,
            origin: pl.origin.to_string(),
            path: pl.log.source().to_string(),
            entries: pl.log.len(),
            entries_judged: pl.leaves.iter().filter(|l| l.is_some()).count() as u64,
            checkpoint: pl
                .log
                .checkpoint()
                .map(|(_, note)| String::from_utf8_lossy(note).into_owned())
                .unwrap_or_default(),
            key: pl.log.key().text().to_string(),
            key_source: if pl.log.key_supplied() {
                "given"
            } else {
                "recorded in the log"
            }
            .into(),
            audit_clean: pl.log.audit().problems.is_empty(),
            witnesses: {
                let mut w: Vec<String> = pl
                    .log
                    .witnessed()
                    .iter()
                    .map(|c| c.witness.clone())
                    .collect();
                w.sort();
                w.dedup();
                w
            },
        });
        for (index, leaf) in pl
            .leaves
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.map(|l| (i as u64, l)))
        {
            if let Some(c) = pl.witness_bound(index) {
                findings.add(
                    Rule::BackdatedEntry,
                    pl.party,
                    None,
                    format!(
                        "entry {index}: claims to be recorded on {}, but witness `{}` cosigned the log at {} entries, without it, on {} (time {}): it is judged as recorded on {}",
                        leaf.statement.recorded,
                        c.witness,
                        c.size,
                        c.date(),
                        c.time,
                        pl.recorded(index).map_or_else(String::new, |d| d.to_string())
                    ),
                    vec![pl.evidence(index)],
                );
            }
        }
        if !treaty.parties().contains(&pl.party) {
            findings.add(
                Rule::NotAParty,
                pl.party,
                None,
                format!(
                    "log `{}` belongs to {}, not a party to `{}`",
                    pl.origin,
                    pl.party,
                    treaty.id()
                ),
                Vec::new(),
            );
        }
        let treaty_for = |id: &str| escrow::treaty_named(treaty, id);
        hidden.extend(escrow::check_escrow(pl, &treaty_for, mode, &mut findings).hidden_totals);
        notifications::check_notifications(treaty, pl, &mut findings);
        continuity::check_continuity(pl, &mut findings);
    }
    let (limits, positions) =
        limits::judge_limits(treaty, &parties, &hidden, on, mode, &mut findings);
    let (inspections, quotas) =
        inspections::replay_inspections(treaty, &parties, on, &mut findings);

    let mut findings = findings.0;
    findings.sort_by(|a, b| {
        (
            a.severity,
            &a.party,
            &a.inspection,
            a.rule.as_str(),
            &a.message,
        )
            .cmp(&(
                b.severity,
                &b.party,
                &b.inspection,
                b.rule.as_str(),
                &b.message,
            ))
    });
    let violations = findings
        .iter()
        .filter(|f| f.severity == Severity::Violation)
        .count();
    ComplianceReport {
        treaty: treaty.id().to_string(),
        on,
        mode,
        logs: summaries,
        limits,
        positions,
        hidden_totals: hidden,
        quotas,
        inspections,
        findings,
        violations,
    }
}

/// Reads every log file and judges them together as of `on`. `progress` is told (logs read,
/// logs in all). An error means a log could not be opened at all; damage inside a log is a
/// finding.
pub fn view(
    treaty: &Treaty,
    sources: &[LogSource],
    on: NaiveDate,
    mode: Mode,
    progress: &dyn Fn(u64, u64),
) -> Result<ComplianceReport, LoadError> {
    let mut logs = Vec::with_capacity(sources.len());
    for (k, src) in sources.iter().enumerate() {
        logs.push(LoadedLog::from_file(
            &src.path,
            src.key_supplied.then(|| src.key.clone()),
        )?);
        progress(k as u64 + 1, sources.len() as u64);
    }
    Ok(judge(treaty, &logs, on, mode))
}
