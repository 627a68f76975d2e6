//! Limits in the view: each party's latest declaration judged by the compliance engine, from
//! clear aggregates or from the hidden-totals proof the audit verified; and, where another party
//! holds a position on how the declaring party's items count, the same limits under it, from
//! the disputed categories the declaration itself publishes.

use chrono::NaiveDate;
use verity_log::EntryBody;
use verity_treaty::accounting::{AccountedCount, PositionVerdict, judge_positions};
use verity_treaty::compliance::{
    self, DeclaredFigures, ExchangeStatus, LimitVerdict, Mode, Verdict,
};
use verity_treaty::forces::FigureBasis;
use verity_treaty::{Rule, Treaty};

use super::{Findings, HiddenTotalsCheck, PartyLog};

/// Each party's latest declaration recorded on or before the view date, judged against every
/// limit: clear aggregates by the compliance engine, hidden totals by their verified proof.
/// Beside them, every limit a position adds to, under that position (clear aggregates only).
pub(super) fn judge_limits(
    treaty: &Treaty,
    logs: &[PartyLog<'_>],
    hidden: &[HiddenTotalsCheck],
    on: NaiveDate,
    mode: Mode,
    findings: &mut Findings,
) -> (Vec<LimitVerdict>, Vec<PositionVerdict>) {
    let mut out = Vec::new();
    let mut positions = Vec::new();
    for pl in logs {
        let party = pl.party;
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
        let as_of = d.as_of;
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
            let verdicts = compliance::assess(treaty, &[figures], on, mode).verdicts;
            let disputed: Vec<AccountedCount> = treaty
                .accounting_positions()
                .iter()
                .filter(|p| p.about == party)
                .flat_map(|p| p.adds.values().flat_map(|c| c.keys()))
                .map(|category| AccountedCount {
                    as_of,
                    party,
                    category: category.clone(),
                    value: a.categories.get(category).copied().unwrap_or(0),
                    basis: FigureBasis::Stated,
                    source: format!("declaration, log `{}` entry {index}", pl.origin),
                })
                .collect();
            positions.extend(judge_positions(treaty, &verdicts, &disputed));
            verdicts
        } else if let Some(check) = hidden
            .iter()
            .find(|h| h.party == party && h.declaration == index)
        {
            check.verdicts.clone()
        } else {
            compliance::judge_hidden(treaty, party, as_of, &[], mode, &origin)
        };
        for v in &verdicts {
            if v.verdict == Verdict::Violation {
                findings.add(
                    Rule::LimitExceeded,
                    pl.party,
                    None,
                    format!(
                        "{}: {} declared as of {as_of}, over the ceiling of {}",
                        v.limit_name,
                        v.value.unwrap_or_default(),
                        v.max
                    ),
                    vec![pl.evidence(index)],
                );
                findings.cite(&v.reference);
            }
        }
        out.extend(verdicts);
    }
    (out, positions)
}
