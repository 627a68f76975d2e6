//! `verity check aggregates | exchanges`: a figures CSV judged by the compliance engine, either
//! limit by limit or against the data-exchange schedule.

use anyhow::Result;
use chrono::NaiveDate;
use verity_treaty::compliance::{self, Assessment, Finding, LimitVerdict, Mode};
use verity_treaty::figures;

use crate::Outcome;
use crate::cli::CheckArgs;
use crate::output::{json, maybe, signed, table, thousands};
use crate::resolve;

fn assess(c: &CheckArgs, today: NaiveDate) -> Result<Assessment> {
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
    let events = verity_treaty::builtin::regime_events()?;
    verity_treaty::events::add_stated_grounds(&treaty, &mut a.findings, &events);
    Ok(a)
}

pub(crate) fn aggregates(c: &CheckArgs, today: NaiveDate, as_json: bool) -> Result<Outcome> {
    let a = assess(c, today)?;
    if as_json {
        json(&a.verdicts)?;
    } else {
        print_verdicts(&a.verdicts)?;
        let counts = verdict_counts(&a.verdicts);
        outln!("{counts}")?;
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
