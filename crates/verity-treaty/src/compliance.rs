//! The compliance engine: a pure function from (treaty, declared figures, date) to a verdict per
//! figure and limit, plus treaty-level findings (not in force, data exchanges withheld, late or
//! absent). No I/O: the CLI, the node, the simulator and the tests all call this same code.

use chrono::NaiveDate;
use serde::Serialize;

use crate::finding::Rule;
pub use crate::finding::Severity;
use crate::lifecycle::ExchangeKind;
use crate::party::PartyCode;
use crate::{Status, Treaty};

/// Figures one party declared (or published) as of one date: a value per limit, where the value
/// is the limit's left-hand side `Σ coefficient × category`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredFigures {
    /// The declaring party.
    pub party: PartyCode,
    /// The date the figures describe.
    pub as_of: NaiveDate,
    /// Limit id → value; `None` where the figure is missing from the record.
    pub values: std::collections::BTreeMap<String, Option<u64>>,
    /// Whether the data were exchanged as the treaty requires.
    pub exchange: ExchangeStatus,
    /// When the data were delivered, if known.
    pub delivered: Option<NaiveDate>,
    /// Limit ids whose value was derived from other published statements, not read directly.
    pub derived: Vec<String>,
    /// Where the figures come from (publication, or file and line).
    pub source: String,
    /// Where in Verity's input the row is (file:line), for evidence.
    pub origin: String,
}

/// Whether a party gave its data to the other parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExchangeStatus {
    /// Provided to the other parties.
    Provided,
    /// Not provided, and no figures published.
    Withheld,
    /// Not provided to the other parties, but aggregate figures were published unilaterally.
    PublishedOnly,
}

impl ExchangeStatus {
    /// Whether the row carries figures that can be judged.
    pub fn has_figures(self) -> bool {
        self != Self::Withheld
    }
}

/// Whether to judge the instrument as it stands or as if it were in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Only a binding instrument binds: proposals and drafts give `not-in-force`.
    AsWritten,
    /// Exercise mode: judge against the instrument's notional dates as if it bound its parties.
    AsIfInForce,
}

/// The verdict on one figure against one limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// At or under the ceiling while the limit applies.
    Compliant,
    /// At or under the ceiling before the date the limit starts to apply: not yet binding.
    WithinLimitNotYetApplicable,
    /// Over the ceiling before the date the limit starts to apply: not a violation.
    AboveLimitNotYetApplicable,
    /// Over the ceiling while the limit applies.
    Violation,
    /// The figure is missing (not published, or withheld).
    Unknown,
    /// The instrument did not bind anyone on the figure's date.
    NotInForce,
    /// Totals hidden: a zero-knowledge proof that was checked shows the limit holds.
    WithinLimitsProved,
}

impl Verdict {
    /// A figure of `as_of` (a date the instrument binds) against a ceiling that applies from
    /// `applies_from`: unknown without a value; before the limit applies, within or above it
    /// but not yet applicable; after, compliant or a violation.
    pub fn of(value: Option<u64>, max: u64, as_of: NaiveDate, applies_from: NaiveDate) -> Self {
        match value {
            None => Self::Unknown,
            Some(v) if v <= max && as_of < applies_from => Self::WithinLimitNotYetApplicable,
            Some(v) if v <= max => Self::Compliant,
            Some(_) if as_of < applies_from => Self::AboveLimitNotYetApplicable,
            Some(_) => Self::Violation,
        }
    }

    /// The kebab-case name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::WithinLimitNotYetApplicable => "within-limit-not-yet-applicable",
            Self::AboveLimitNotYetApplicable => "above-limit-not-yet-applicable",
            Self::Violation => "violation",
            Self::Unknown => "unknown",
            Self::NotInForce => "not-in-force",
            Self::WithinLimitsProved => "within-limits-proved",
        }
    }

    /// Short words for a dense table (the overview's history of exchanges).
    pub fn short_label(self) -> &'static str {
        match self {
            Self::Compliant => "ok",
            Self::WithinLimitNotYetApplicable => "under, not yet applicable",
            Self::AboveLimitNotYetApplicable => "over, not yet applicable",
            Self::Violation => "VIOLATION",
            Self::Unknown => "unknown",
            Self::NotInForce => "not in force",
            Self::WithinLimitsProved => "within limits (proved)",
        }
    }
}

/// What a proved limit says wherever it is shown: the limit holds, the numbers stay hidden.
pub const PROVED_TOTALS_HIDDEN: &str = "within limits (proved), totals hidden";

/// One figure judged against one limit, with everything needed to recheck it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitVerdict {
    /// The figures' as-of date.
    pub date: NaiveDate,
    /// The party.
    pub party: PartyCode,
    /// Limit id.
    pub limit: String,
    /// Limit name.
    pub limit_name: String,
    /// The declared value, when known.
    pub value: Option<u64>,
    /// The ceiling for this party.
    pub max: u64,
    /// `max − value` (negative when over), when the value is known.
    pub margin: Option<i64>,
    /// The verdict.
    pub verdict: Verdict,
    /// The date the limit starts to apply.
    pub applies_from: NaiveDate,
    /// Whether the value was derived rather than published directly.
    pub derived: bool,
    /// The treaty article for the limit.
    pub reference: String,
    /// The figure's source.
    pub source: String,
    /// Where the figure is in the input (file:line).
    pub origin: String,
}

impl LimitVerdict {
    /// The verdict in words, the same everywhere it is shown: a proved limit says its totals
    /// are hidden; a limit not yet applicable says from when; any other its verdict's name.
    pub fn describe(&self) -> String {
        match self.verdict {
            Verdict::WithinLimitsProved => PROVED_TOTALS_HIDDEN.to_string(),
            _ if self.applies_from > self.date => {
                format!("not yet applicable (from {})", self.applies_from)
            }
            other => other.as_str().to_string(),
        }
    }
}

/// A treaty-level finding of the figures engine: its evidence is the place of the row of
/// figures it rests on (file:line), when there is one.
pub type Finding = crate::finding::Finding<Option<String>>;

/// Everything the engine concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Treaty id.
    pub treaty: String,
    /// The assessment date.
    pub on: NaiveDate,
    /// Mode used.
    pub mode: Mode,
    /// The treaty's status on the assessment date.
    pub status: Status,
    /// A verdict per (figures row, limit), in input order.
    pub verdicts: Vec<LimitVerdict>,
    /// Treaty-level findings, by date then party.
    pub findings: Vec<Finding>,
}

impl Assessment {
    /// Whether any limit verdict is a violation.
    pub fn has_limit_violation(&self) -> bool {
        self.verdicts
            .iter()
            .any(|v| v.verdict == Verdict::Violation)
    }

    /// Whether any treaty-level finding is a violation.
    pub fn has_violation_finding(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Violation)
    }
}

/// Verdicts for a declaration whose totals are hidden: `proved` lists the limits whose proof
/// the caller has verified (this crate checks no cryptography). Each proved limit is
/// `within-limits-proved` with no value or margin; a limit not proved is `unknown` (a limit
/// not yet applicable is not covered by a proof); outside the instrument's period (as written,
/// or notional under `Mode::AsIfInForce`) every limit is `not-in-force`.
pub fn judge_hidden(
    treaty: &Treaty,
    party: PartyCode,
    as_of: NaiveDate,
    proved: &[String],
    mode: Mode,
    origin: &str,
) -> Vec<LimitVerdict> {
    let period = match mode {
        Mode::AsWritten => treaty.binding_period(),
        Mode::AsIfInForce => treaty.notional_period(),
    };
    let in_period = period.is_some_and(|(s, e)| as_of >= s && e.is_none_or(|e| as_of < e));
    treaty
        .limits()
        .iter()
        .filter_map(|limit| {
            let max = limit.max_for(party)?;
            let verdict = if !in_period {
                Verdict::NotInForce
            } else if proved.contains(&limit.id) {
                Verdict::WithinLimitsProved
            } else {
                Verdict::Unknown
            };
            Some(LimitVerdict {
                date: as_of,
                party,
                limit: limit.id.clone(),
                limit_name: limit.name.clone(),
                value: None,
                max,
                margin: None,
                verdict,
                applies_from: limit.applies_from,
                derived: false,
                reference: limit.reference.to_string(),
                source: "hidden totals: commitments and range proof in the party's log".into(),
                origin: origin.to_string(),
            })
        })
        .collect()
}

/// Judges every figure against every limit, and the record against the data-exchange schedule,
/// as of `on`.
pub fn assess(
    treaty: &Treaty,
    figures: &[DeclaredFigures],
    on: NaiveDate,
    mode: Mode,
) -> Assessment {
    let period = match mode {
        Mode::AsWritten => treaty.binding_period(),
        Mode::AsIfInForce => treaty.notional_period(),
    };
    let in_period = |d: NaiveDate| period.is_some_and(|(s, e)| d >= s && e.is_none_or(|e| d < e));
    let status = treaty.status_on(on);

    let mut verdicts = Vec::new();
    for row in figures {
        for limit in treaty.limits() {
            let Some(max) = limit.max_for(row.party) else {
                continue;
            };
            let value = if row.exchange.has_figures() {
                row.values.get(&limit.id).copied().flatten()
            } else {
                None
            };
            let margin = value.map(|v| {
                i64::try_from(max).unwrap_or(i64::MAX) - i64::try_from(v).unwrap_or(i64::MAX)
            });
            let verdict = if in_period(row.as_of) {
                Verdict::of(value, max, row.as_of, limit.applies_from)
            } else {
                Verdict::NotInForce
            };
            verdicts.push(LimitVerdict {
                date: row.as_of,
                party: row.party,
                limit: limit.id.clone(),
                limit_name: limit.name.clone(),
                value,
                max,
                margin,
                verdict,
                applies_from: limit.applies_from,
                derived: row.derived.contains(&limit.id),
                reference: limit.reference.clone(),
                source: row.source.clone(),
                origin: row.origin.clone(),
            });
        }
    }

    let mut findings = Vec::new();
    if status.status != Status::InForce && mode == Mode::AsWritten {
        findings.push(Finding {
            rule: Rule::TreatyNotInForce,
            severity: Severity::Info,
            party: None,
            date: Some(on),
            inspection: None,
            subject: None,
            message: format!("not in force on {on}: {}", status.summary),
            reference: treaty.dates().reference.clone(),
            evidence: None,
        });
    }
    for row in figures.iter().filter(|r| r.as_of > on) {
        findings.push(Finding {
            rule: Rule::FiguresAfterAssessmentDate,
            severity: Severity::Warning,
            party: Some(row.party),
            date: Some(row.as_of),
            inspection: None,
            subject: None,
            message: format!(
                "figures as of {} are dated after the assessment date {on}",
                row.as_of
            ),
            reference: String::new(),
            evidence: Some(row.origin.clone()),
        });
    }
    if let (Some((start, end)), Some(dx)) = (period, treaty.data_exchange()) {
        let schedule = treaty.exchange_schedule(start, end);
        for party in treaty.parties() {
            for ex in schedule.iter().filter(|x| x.deadline < on) {
                let what = match ex.kind {
                    ExchangeKind::Initial => "initial data",
                    ExchangeKind::Periodic => "periodic update",
                };
                let row = figures
                    .iter()
                    .find(|r| r.party == *party && r.as_of == ex.as_of);
                match row {
                    None => findings.push(Finding {
                        rule: Rule::DataExchangeAbsentFromRecord,
                        severity: Severity::Warning,
                        party: Some(*party),
                        date: Some(ex.as_of),
                        inspection: None,
                        subject: None,
                        message: format!(
                            "{what} as of {} (due by {}) is not in this record",
                            ex.as_of, ex.deadline
                        ),
                        reference: dx.reference.clone(),
                        evidence: None,
                    }),
                    Some(r) if r.exchange != ExchangeStatus::Provided => findings.push(Finding {
                        rule: Rule::DataExchangeWithheld,
                        severity: Severity::Violation,
                        party: Some(*party),
                        date: Some(ex.as_of),
                        inspection: None,
                        subject: None,
                        message: format!(
                            "{what} as of {} (due by {}) not provided to the other parties{}",
                            ex.as_of,
                            ex.deadline,
                            if r.exchange == ExchangeStatus::PublishedOnly {
                                "; aggregates published unilaterally"
                            } else {
                                ""
                            }
                        ),
                        reference: dx.reference.clone(),
                        evidence: Some(r.origin.clone()),
                    }),
                    Some(r) => {
                        if let Some(d) = r.delivered.filter(|d| *d > ex.deadline) {
                            findings.push(Finding {
                                rule: Rule::DataExchangeLate,
                                severity: Severity::Violation,
                                party: Some(*party),
                                date: Some(ex.as_of),
                                inspection: None,
                                subject: None,
                                message: format!(
                                    "{what} as of {} delivered {d}, {} days after the deadline {}",
                                    ex.as_of,
                                    (d - ex.deadline).num_days(),
                                    ex.deadline
                                ),
                                reference: dx.reference.clone(),
                                evidence: Some(r.origin.clone()),
                            });
                        }
                    }
                }
            }
        }
        for row in figures.iter().filter(|r| in_period(r.as_of)) {
            if !schedule.iter().any(|x| x.as_of == row.as_of) {
                findings.push(Finding {
                    rule: Rule::UnscheduledFigures,
                    severity: Severity::Info,
                    party: Some(row.party),
                    date: Some(row.as_of),
                    inspection: None,
                    subject: None,
                    message: format!(
                        "figures as of {} are not a scheduled exchange; judged against the limits all the same",
                        row.as_of
                    ),
                    reference: dx.reference.clone(),
                    evidence: Some(row.origin.clone()),
                });
            }
        }
    }
    findings.sort_by_key(|f| (f.date, f.party, f.rule.as_str()));

    Assessment {
        treaty: treaty.id().to_string(),
        on,
        mode,
        status: status.status,
        verdicts,
        findings,
    }
}
