//! The compliance view: reads every party's log (auditing each as `verity audit` does), replays
//! notifications, declarations and inspections as of a date, and reports every finding with its
//! severity and evidence: the entries it rests on, each with an inclusion proof against the
//! log's latest signed checkpoint, so a reader re-checks it without trusting this code.

use chrono::NaiveDate;
use serde::Serialize;
use std::path::PathBuf;
use verity_log::{EntryBody, Leaf, Log, LogError, VerifierKey, audit, leaf_hash};
use verity_treaty::compliance::{LimitVerdict, Mode, Severity};
use verity_treaty::{PartyCode, Treaty};

use crate::compare::SiteCheck;
use crate::randomness::SeedOutcome;
use crate::select::SelectionResult;

mod continuity;
mod inspections;
mod limits;
mod notifications;

/// A log to read and the key to check it against.
#[derive(Debug, Clone)]
pub struct LogSource {
    /// The SQLite file.
    pub path: PathBuf,
    /// The verifier key.
    pub key: VerifierKey,
    /// Whether the key was supplied by the reader (`false`: taken from the log itself).
    pub key_supplied: bool,
}

/// One entry a finding rests on, with its inclusion proof against the log's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The log's party.
    pub party: String,
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
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewFinding {
    /// Machine name of the rule, e.g. `late-notification`.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// The party the finding is against.
    pub party: String,
    /// The inspection concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspection: Option<String>,
    /// The item concerned (its UID), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What was found, in words.
    pub message: String,
    /// The entries it rests on.
    pub evidence: Vec<Evidence>,
}

/// One log as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogSummary {
    /// Party code.
    pub party: String,
    /// Origin (key name).
    pub origin: String,
    /// File read.
    pub path: PathBuf,
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
}

/// One inspection as replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionSummary {
    /// Inspection id.
    pub id: String,
    /// Inspection type.
    pub inspection_type: String,
    /// Inspecting party.
    pub inspecting: String,
    /// Inspected party.
    pub inspected: String,
    /// Request date.
    pub requested: NaiveDate,
    /// Number within its quota year, when accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_in_year: Option<u32>,
    /// `refused`, `awaiting-seeds`, `lapsed`, `awaiting-opening`, `opening-rejected`,
    /// `awaiting-record` or `complete`.
    pub status: String,
    /// How the seed protocol ended, when it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<SeedOutcome>,
    /// The selection, once the opening follows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<SelectionResult>,
    /// Per visited site, the comparison of observation and declaration.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<SiteCheck>,
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

struct PartyLog {
    party: String,
    origin: String,
    log: Log,
    /// Parsed entries recorded on or before the view date, by index (`None` when unparsable).
    leaves: Vec<Option<Leaf>>,
    hashes: Vec<[u8; 32]>,
    recorded: Vec<Option<NaiveDate>>,
    size: u64,
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

impl PartyLog {
    fn evidence(&self, index: u64) -> Evidence {
        let proof = self
            .log
            .inclusion_proof(index, self.size)
            .unwrap_or_default();
        Evidence {
            party: self.party.clone(),
            log: self.origin.clone(),
            index,
            kind: self
                .leaf(index)
                .map_or("unreadable", |l| l.statement.entry.kind())
                .to_string(),
            leaf_hash: hex::encode(self.hashes[index as usize]),
            tree_size: self.size,
            proof: proof.iter().map(hex::encode).collect(),
        }
    }

    fn leaf(&self, index: u64) -> Option<&Leaf> {
        self.leaves.get(index as usize).and_then(Option::as_ref)
    }

    fn recorded(&self, index: u64) -> Option<NaiveDate> {
        self.recorded.get(index as usize).copied().flatten()
    }

    fn bodies(&self) -> impl Iterator<Item = (u64, &EntryBody)> {
        self.leaves
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.as_ref().map(|l| (i as u64, &l.statement.entry)))
    }

    fn declaration(&self, index: u64) -> Option<&verity_log::Declaration> {
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

    fn add(
        &mut self,
        rule: &str,
        severity: Severity,
        party: &str,
        inspection: Option<&str>,
        message: String,
        evidence: Vec<Evidence>,
    ) {
        self.0.push(ViewFinding {
            rule: rule.into(),
            severity,
            party: party.into(),
            inspection: inspection.map(str::to_string),
            subject: None,
            message,
            evidence,
        });
    }
}

/// Reads every log and judges them together as of `on`. `progress` is told (logs audited,
/// logs in all). An error means a log could not be opened at all; damage inside a log is a
/// finding.
pub fn view(
    treaty: &Treaty,
    sources: &[LogSource],
    on: NaiveDate,
    mode: Mode,
    progress: &dyn Fn(u64, u64),
) -> Result<ComplianceReport, LogError> {
    let mut findings = Findings(Vec::new());
    let mut logs = Vec::new();
    let mut summaries = Vec::new();
    let mut audits = Vec::new();
    for (k, src) in sources.iter().enumerate() {
        let report = audit(&src.path, &src.key, &|_, _| {})?;
        let log = Log::open_read_only(&src.path)?;
        let (size, note) = log.latest_checkpoint()?.unwrap_or((0, Vec::new()));
        let stored = log.entries(0, size)?;
        let mut pl = PartyLog {
            party: log.party().to_string(),
            origin: log.origin().to_string(),
            leaves: Vec::with_capacity(stored.len()),
            hashes: Vec::with_capacity(stored.len()),
            recorded: Vec::with_capacity(stored.len()),
            size,
            log,
        };
        for e in &stored {
            let leaf = Leaf::parse(&e.leaf).ok();
            let rec = leaf.as_ref().and_then(|l| date(&l.statement.recorded));
            pl.hashes.push(leaf_hash(&e.leaf));
            pl.recorded.push(rec);
            pl.leaves
                .push(leaf.filter(|_| rec.is_some_and(|d| d <= on)));
        }
        for p in &report.problems {
            let evidence = p
                .entry
                .filter(|&i| i < size)
                .map(|i| vec![pl.evidence(i)])
                .unwrap_or_default();
            findings.add(
                "log-integrity",
                Severity::Violation,
                &pl.party,
                None,
                format!("log `{}`: {}", pl.origin, describe_problem(p)),
                evidence,
            );
        }
        summaries.push(LogSummary {
            party: pl.party.clone(),
            origin: pl.origin.clone(),
            path: src.path.clone(),
            entries: report.entries,
            entries_judged: pl.leaves.iter().filter(|l| l.is_some()).count() as u64,
            checkpoint: String::from_utf8_lossy(&note).into_owned(),
            key: src.key.text().to_string(),
            key_source: if src.key_supplied {
                "given"
            } else {
                "recorded in the log"
            }
            .into(),
            audit_clean: report.problems.is_empty(),
        });
        audits.push(report);
        logs.push(pl);
        progress(k as u64 + 1, sources.len() as u64);
    }

    for pl in &logs {
        if PartyCode::parse(&pl.party).map_or(true, |p| !treaty.parties().contains(&p)) {
            findings.add(
                "not-a-party",
                Severity::Warning,
                &pl.party,
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
        notifications::check_notifications(treaty, pl, &mut findings);
        continuity::check_continuity(pl, &mut findings);
    }
    let limits = limits::judge_limits(treaty, &logs, &audits, on, mode, &mut findings);
    let inspections = inspections::replay_inspections(treaty, &logs, on, &mut findings);

    let mut findings = findings.0;
    findings.sort_by(|a, b| {
        (a.severity, &a.party, &a.inspection, &a.rule, &a.message).cmp(&(
            b.severity,
            &b.party,
            &b.inspection,
            &b.rule,
            &b.message,
        ))
    });
    let violations = findings
        .iter()
        .filter(|f| f.severity == Severity::Violation)
        .count();
    Ok(ComplianceReport {
        treaty: treaty.id().to_string(),
        on,
        mode,
        logs: summaries,
        limits,
        inspections,
        findings,
        violations,
    })
}

fn describe_problem(p: &verity_log::Problem) -> String {
    match (p.entry, p.checkpoint) {
        (_, Some(c)) => format!("checkpoint {c}: {}", p.message),
        (Some(e), None) => format!("entry {e}: {}", p.message),
        (None, None) => p.message.clone(),
    }
}
