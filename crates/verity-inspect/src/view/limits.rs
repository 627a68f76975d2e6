//! Limits in the view: each party's latest declaration judged by the compliance engine, from
//! clear aggregates or from the hidden-totals proof the audit verified.

use chrono::NaiveDate;
use verity_log::{AuditReport, EntryBody};
use verity_treaty::compliance::{
    self, DeclaredFigures, ExchangeStatus, LimitVerdict, Mode, Severity, Verdict,
};
use verity_treaty::{PartyCode, Treaty};

use super::{Findings, PartyLog, date};

/// Each party's latest declaration recorded on or before the view date, judged against every
/// limit: clear aggregates by the compliance engine, hidden totals by their verified proof.
pub(super) fn judge_limits(
    treaty: &Treaty,
    logs: &[PartyLog],
    audits: &[AuditReport],
    on: NaiveDate,
    mode: Mode,
    findings: &mut Findings,
) -> Vec<LimitVerdict> {
    let mut out = Vec::new();
    for (pl, report) in logs.iter().zip(audits) {
        let Ok(party) = PartyCode::parse(&pl.party) else {
            continue;
        };
        let Some((index, d)) = pl
            .bodies()
            .filter_map(|(i, b)| match b {
                EntryBody::Declaration(d) if d.treaty == treaty.id() => Some((i, d)),
                _ => None,
            })
            .last()
        else {
            continue;
        };
        let Some(as_of) = date(&d.as_of) else {
            continue;
        };
        let origin = format!("{}#{index}", pl.origin);
        let verdicts = if let Some(a) = &d.aggregates {
            let figures = DeclaredFigures {
                party,
                as_of,
                values: treaty
                    .limits()
                    .iter()
                    .map(|l| (l.id.clone(), a.limits.get(&l.id).copied()))
                    .collect(),
                exchange: ExchangeStatus::Provided,
                delivered: pl.recorded(index),
                derived: Vec::new(),
                source: format!("declaration, log `{}` entry {index}", pl.origin),
                origin: origin.clone(),
            };
            compliance::assess(treaty, &[figures], on, mode).verdicts
        } else if let Some(check) = report.hidden_totals.iter().find(|h| h.declaration == index) {
            check.verdicts.clone()
        } else {
            compliance::judge_hidden(treaty, party, as_of, &[], mode, &origin)
        };
        for v in &verdicts {
            if v.verdict == Verdict::Violation {
                findings.add(
                    "limit-exceeded",
                    Severity::Violation,
                    &pl.party,
                    None,
                    format!(
                        "{}: {} declared as of {as_of}, over the ceiling of {}",
                        v.limit_name,
                        v.value.unwrap_or_default(),
                        v.max
                    ),
                    vec![pl.evidence(index)],
                );
            }
        }
        out.extend(verdicts);
    }
    out
}
