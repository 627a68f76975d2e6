//! `verity demo`: the main job on the embedded data. For now: every treaty's status today and
//! New START's compliance history from the published aggregate data exchanges, judged by the
//! compliance engine limit by limit and against the exchange schedule.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;
use verity_treaty::compliance::{self, Assessment, LimitVerdict, Mode, Severity, Verdict};
use verity_treaty::{StatusReport, builtin};

use crate::Outcome;
use crate::commands::check::print_findings;
use crate::commands::treaty::status_detail;
use crate::output::{json, table, thousands};

#[derive(Serialize)]
struct DemoReport {
    today: NaiveDate,
    treaties: Vec<StatusReport>,
    new_start: Assessment,
    figures_file: &'static str,
}

pub(crate) fn run(today: NaiveDate, as_json: bool) -> Result<Outcome> {
    let treaties = builtin::treaties()?;
    let statuses: Vec<StatusReport> = treaties.iter().map(|t| t.status_on(today)).collect();
    let new_start = builtin::treaty("new-start")?;
    let rows = builtin::new_start_aggregates()?;
    let assessment = compliance::assess(&new_start, &rows, today, Mode::AsWritten);

    if as_json {
        json(&DemoReport {
            today,
            treaties: statuses,
            new_start: assessment,
            figures_file: builtin::NEW_START_AGGREGATES.0,
        })?;
        return Ok(Outcome::Clean);
    }

    outln!("Verity — treaty status on {today}\n")?;
    let mut st = table(["Treaty", "Parties", "Status", "Details"]);
    for (t, s) in treaties.iter().zip(&statuses) {
        let parties: Vec<String> = t.parties().iter().map(ToString::to_string).collect();
        st.add_row([
            format!("{} ({})", t.short_title(), t.id()),
            parties.join(", "),
            s.status.as_str().to_string(),
            status_detail(s),
        ]);
    }
    outln!("{st}")?;

    outln!("\nNew START compliance history, from the published aggregate data exchanges")?;
    let headers: Vec<String> = new_start
        .limits()
        .iter()
        .map(|l| {
            format!(
                "{} ≤ {}",
                short_limit_name(&l.id),
                thousands(l.max_for(new_start.parties()[0]).unwrap_or(0))
            )
        })
        .collect();
    let mut header = vec!["As of".to_string(), "Party".to_string()];
    header.extend(headers);
    let mut ht = table(header);
    let mut by_row: BTreeMap<(NaiveDate, String), Vec<&LimitVerdict>> = BTreeMap::new();
    for v in &assessment.verdicts {
        by_row
            .entry((v.date, v.party.to_string()))
            .or_default()
            .push(v);
    }
    for ((date, party), verdicts) in &by_row {
        let mut cells = vec![date.to_string(), party.clone()];
        for v in verdicts {
            cells.push(cell(v));
        }
        ht.add_row(cells);
    }
    outln!("{ht}")?;
    outln!(
        "Limits from {} (Art. II(1)); before that, figures above a ceiling are not violations. \
         Each row's source is in {}; * marks a figure derived from published statements.",
        new_start.limits()[0].applies_from,
        builtin::NEW_START_AGGREGATES.0
    )?;

    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    for v in &assessment.verdicts {
        *tally.entry(v.verdict.as_str()).or_default() += 1;
    }
    let parts: Vec<String> = tally.iter().map(|(k, n)| format!("{n} {k}")).collect();
    outln!(
        "\n{} figures judged: {}.",
        assessment.verdicts.len(),
        parts.join(", ")
    )?;
    let violations = assessment
        .verdicts
        .iter()
        .filter(|v| v.verdict == Verdict::Violation)
        .count();
    outln!(
        "{}",
        if violations == 0 {
            "No published figure exceeded a central limit once the limits applied.".to_string()
        } else {
            format!("{violations} published figures exceeded a central limit while it applied.")
        }
    )?;

    let notable: Vec<_> = assessment
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .cloned()
        .collect();
    outln!(
        "\nData-exchange record: {} findings ({} shown; informational ones with `verity check exchanges`)",
        assessment.findings.len(),
        notable.len()
    )?;
    print_findings(&notable)?;
    Ok(Outcome::Clean)
}

fn short_limit_name(id: &str) -> &str {
    match id {
        "deployed_icbm_slbm_bombers" => "Deployed ICBM/SLBM/bombers",
        "warheads_on_deployed" => "Warheads on deployed",
        "deployed_and_nondeployed_launchers" => "Launchers",
        other => other,
    }
}

fn cell(v: &LimitVerdict) -> String {
    let value = v.value.map_or_else(|| "—".to_string(), thousands);
    let star = if v.derived { "*" } else { "" };
    let word = match v.verdict {
        Verdict::Compliant => "ok",
        Verdict::AboveLimitNotYetApplicable => "over, not yet applicable",
        Verdict::Violation => "VIOLATION",
        Verdict::Unknown => "unknown",
        Verdict::NotInForce => "not in force",
        Verdict::WithinLimitsProved => "within limits (proved)",
    };
    format!("{value}{star} {word}")
}
