//! `verity check aggregates | exchanges | accounting`: a figures CSV judged by the compliance
//! engine, limit by limit, against the data-exchange schedule, or under each party's position
//! on disputed accounting beside the declaring party's own.

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;
use verity_treaty::accounting::{
    AccountedCount, PositionVerdict, judge_positions, parse_accountability,
};
use verity_treaty::compliance::{self, Assessment, Finding, LimitVerdict, Mode, Verdict};
use verity_treaty::{Treaty, builtin, figures};

use crate::Outcome;
use crate::cli::CheckArgs;
use crate::output::{json, maybe, signed, table, thousands};
use crate::resolve;

fn assess(c: &CheckArgs, today: NaiveDate) -> Result<Assessment> {
    Ok(assess_treaty(c, today)?.1)
}

fn assess_treaty(c: &CheckArgs, today: NaiveDate) -> Result<(Treaty, Assessment)> {
    let treaty = resolve::treaty(&c.treaty)?;
    let text = resolve::read(&c.csv)?;
    let rows = figures::parse_aggregates(&c.csv.display().to_string(), &text, &treaty)?;
    let mode = if c.as_if_in_force {
        Mode::AsIfInForce
    } else {
        Mode::AsWritten
    };
    let mut a = compliance::assess(&treaty, &rows, c.on.unwrap_or(today), mode);
    // What each party said when it withheld an exchange, beside the finding.
    let events = builtin::regime_events()?;
    verity_treaty::events::add_stated_grounds(&treaty, &mut a.findings, &events);
    Ok((treaty, a))
}

/// The disputed items' counts: the file given, else the built-in ones under New START.
fn accountability(c: &CheckArgs, treaty: &Treaty) -> Result<Vec<AccountedCount>> {
    match &c.accountability {
        Some(path) => {
            let text = resolve::read(path)?;
            Ok(parse_accountability(
                &path.display().to_string(),
                &text,
                treaty,
            )?)
        }
        None if treaty.id() == "new-start" => Ok(parse_accountability(
            builtin::NEW_START_ACCOUNTABILITY.0,
            builtin::NEW_START_ACCOUNTABILITY.1,
            treaty,
        )?),
        None => Ok(Vec::new()),
    }
}

#[derive(Serialize)]
struct AccountingReport<'a> {
    treaty: &'a str,
    positions: &'a [verity_treaty::model::AccountingPosition],
    verdicts: Vec<PositionVerdict>,
}

pub(crate) fn accounting(c: &CheckArgs, today: NaiveDate, as_json: bool) -> Result<Outcome> {
    let (treaty, a) = assess_treaty(c, today)?;
    let counts = accountability(c, &treaty)?;
    let verdicts = judge_positions(&treaty, &a.verdicts, &counts);
    let outcome = if verdicts
        .iter()
        .any(|v| v.declared.verdict == Verdict::Violation)
    {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    if as_json {
        json(&AccountingReport {
            treaty: treaty.id(),
            positions: treaty.accounting_positions(),
            verdicts,
        })?;
        return Ok(outcome);
    }
    if treaty.accounting_positions().is_empty() {
        outln!(
            "`{}` records no position on disputed accounting",
            treaty.id()
        )?;
        return Ok(outcome);
    }
    print_positions(&treaty, &verdicts)?;
    Ok(outcome)
}

/// Each position, then its verdicts beside the declared ones, then where each added count
/// comes from.
pub(crate) fn print_positions(treaty: &Treaty, verdicts: &[PositionVerdict]) -> Result<()> {
    for p in treaty.accounting_positions() {
        outln!(
            "{} about {}: {}\n  ({})",
            p.held_by,
            p.about,
            p.name,
            p.reference
        )?;
        let mine: Vec<&PositionVerdict> = verdicts.iter().filter(|v| v.position == p.id).collect();
        if mine.is_empty() {
            outln!("  no figure of {} with every disputed count known", p.about)?;
            continue;
        }
        let mut limits: Vec<&str> = mine.iter().map(|v| v.declared.limit.as_str()).collect();
        limits.dedup();
        for limit in limits {
            let rows: Vec<&&PositionVerdict> =
                mine.iter().filter(|v| v.declared.limit == limit).collect();
            let max = rows.first().map_or(0, |v| v.declared.max);
            outln!("{limit} (max {})", thousands(max))?;
            let mut t = table([
                "As of".to_string(),
                format!("{} counts", p.about),
                "Margin".into(),
                "Verdict".into(),
                format!("{} adds", p.held_by),
                format!("{} counts", p.held_by),
                "Margin".into(),
                "As claimed".into(),
            ]);
            for v in rows {
                let parts: Vec<String> = v
                    .added
                    .iter()
                    .map(|a| thousands(a.coefficient * a.count.value))
                    .collect();
                let as_of = v.added.iter().map(|a| a.count.as_of).max();
                t.add_row([
                    v.declared.date.to_string(),
                    maybe(v.declared.value),
                    v.declared.margin.map_or_else(|| "—".to_string(), signed),
                    v.declared.verdict.as_str().to_string(),
                    format!(
                        "+{} ({}; counts of {})",
                        thousands(v.value.saturating_sub(v.declared.value.unwrap_or(0))),
                        parts.join(" + "),
                        as_of.map_or("—".to_string(), |d| d.to_string())
                    ),
                    thousands(v.value),
                    signed(v.margin),
                    v.verdict.as_str().to_string(),
                ]);
            }
            outln!("{t}")?;
        }
        let mut counted: Vec<&AccountedCount> = mine
            .iter()
            .flat_map(|v| v.added.iter().map(|a| &a.count))
            .collect();
        counted.sort_by(|a, b| (&a.category, a.as_of).cmp(&(&b.category, b.as_of)));
        counted.dedup();
        let sources: Vec<String> = counted
            .iter()
            .map(|c| {
                format!(
                    "  {} {} as of {} ({}): {}",
                    c.value,
                    c.category,
                    c.as_of,
                    c.basis.as_str(),
                    c.source
                )
            })
            .collect();
        outln!(
            "Counts added (each figure takes the latest count on or before its date; a figure before every count is known is not shown):\n{}",
            sources.join("\n")
        )?;
        outln!(
            "The declared figure's verdict stands; the position's is shown as claimed, not adjudicated."
        )?;
    }
    Ok(())
}

pub(crate) fn aggregates(c: &CheckArgs, today: NaiveDate, as_json: bool) -> Result<Outcome> {
    let a = assess(c, today)?;
    if as_json {
        json(&a.verdicts)?;
    } else {
        print_verdicts(&a.verdicts)?;
        let counts = verdict_counts(&a.verdicts);
        outln!("{counts}")?;
        let treaty = resolve::treaty(&c.treaty)?;
        for p in treaty.accounting_positions() {
            outln!(
                "{} disputes how {} counts `{}`: `verity check accounting` shows each figure under both",
                p.held_by,
                p.about,
                p.adds.keys().cloned().collect::<Vec<_>>().join("`, `")
            )?;
        }
    }
    Ok(if a.has_limit_violation() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

pub(crate) fn exchanges(c: &CheckArgs, today: NaiveDate, as_json: bool) -> Result<Outcome> {
    let a = assess(c, today)?;
    if as_json {
        json(&a.findings)?;
    } else {
        outln!(
            "{} findings for `{}` as of {}",
            a.findings.len(),
            a.treaty,
            a.on
        )?;
        print_findings(&a.findings)?;
    }
    Ok(if a.has_violation_finding() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// One line per verdict: date, party, limit, value, ceiling, margin, verdict, where from.
pub(crate) fn print_verdicts(verdicts: &[LimitVerdict]) -> Result<()> {
    let mut t = table([
        "As of", "Party", "Limit", "Value", "Max", "Margin", "Verdict", "Row",
    ]);
    for v in verdicts {
        let value = match v.value {
            Some(n) if v.derived => format!("{} (derived)", thousands(n)),
            other => maybe(other),
        };
        t.add_row([
            v.date.to_string(),
            v.party.to_string(),
            v.limit.clone(),
            value,
            thousands(v.max),
            v.margin.map_or_else(|| "—".to_string(), signed),
            v.verdict.as_str().to_string(),
            v.origin.clone(),
        ]);
    }
    outln!("{t}")?;
    Ok(())
}

/// "150 verdicts: 96 compliant, …".
pub(crate) fn verdict_counts(verdicts: &[LimitVerdict]) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for v in verdicts {
        *counts.entry(v.verdict.as_str()).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    format!("{} verdicts: {}", verdicts.len(), parts.join(", "))
}

/// A table of treaty-level findings, most severe first.
pub(crate) fn print_findings(findings: &[Finding]) -> Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| (f.severity, f.date));
    let mut t = table(["Severity", "Rule", "Party", "Date", "Finding", "Evidence"]);
    for f in sorted {
        t.add_row([
            format!("{:?}", f.severity).to_lowercase(),
            f.rule.to_string(),
            f.party.map_or_else(|| "—".to_string(), |p| p.to_string()),
            f.date.map(|d| d.to_string()).unwrap_or_default(),
            f.message.clone(),
            f.evidence.clone().unwrap_or_else(|| "—".to_string()),
        ]);
    }
    outln!("{t}")?;
    Ok(())
}
