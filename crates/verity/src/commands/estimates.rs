//! `verity estimates`: public warhead estimates per state and year with their sources, the
//! change from the previous year available, and a check of the states' sum against the
//! published world total.

use anyhow::Result;
use verity_treaty::builtin;
use verity_treaty::figures::{self, EstimateChange};

use crate::Outcome;
use crate::output::{json, maybe, signed, table, thousands};

pub(crate) fn run(year: Option<i32>, as_json: bool) -> Result<Outcome> {
    let all = builtin::estimates()?;
    let rows = figures::with_changes(&all, year);
    if rows.is_empty() {
        let years: std::collections::BTreeSet<i32> = all.iter().map(|e| e.year).collect();
        anyhow::bail!(
            "no estimates for {}: years available are {}",
            year.map_or("any year".to_string(), |y| y.to_string()),
            years
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if as_json {
        json(&rows)?;
        return Ok(Outcome::Clean);
    }
    print_estimates(&rows)?;
    Ok(Outcome::Clean)
}

fn print_estimates(rows: &[EstimateChange]) -> Result<()> {
    let mut sources: Vec<String> = Vec::new();
    let mut t = table([
        "State", "Name", "Year", "Total", "Deployed", "Stored", "Retired", "Change", "Edition",
        "Src",
    ]);
    for r in rows {
        let e = &r.estimate;
        let n = match sources.iter().position(|s| *s == e.source) {
            Some(i) => i + 1,
            None => {
                sources.push(e.source.clone());
                sources.len()
            }
        };
        let change = match (r.change_total, r.previous_year) {
            (Some(c), Some(p)) => format!(
                "{} since {p}{}",
                signed(c),
                if r.change_across_editions { "*" } else { "" }
            ),
            _ => "—".to_string(),
        };
        t.add_row([
            e.state.to_string(),
            e.name.clone(),
            e.year.to_string(),
            maybe(e.total_inventory),
            maybe(e.deployed),
            maybe(e.stored),
            maybe(e.retired),
            change,
            e.edition.clone(),
            format!("[{n}]"),
        ]);
    }
    outln!("{t}")?;
    outln!("Figures are inventories as of January of the year; — means no confirmed figure.")?;
    if rows.iter().any(|r| r.change_across_editions) {
        outln!(
            "* change between figures from different editions, whose estimates may have been revised."
        )?;
    }
    let years: std::collections::BTreeSet<i32> = rows.iter().map(|r| r.estimate.year).collect();
    let totals = builtin::world_totals()?;
    for y in years {
        let year_rows: Vec<_> = rows.iter().filter(|r| r.estimate.year == y).collect();
        if year_rows.len() < 9
            || year_rows
                .iter()
                .any(|r| r.estimate.total_inventory.is_none())
        {
            // Not every state has one figure (a range, or no estimate): the total is shown
            // with its source, not checked.
            for w in totals.iter().filter(|w| w.year == y) {
                outln!(
                    "{y}: the {} world total is {} ({} of the nine states give one figure, so the sum is not checked); {}",
                    w.estimator,
                    thousands(w.total_inventory),
                    year_rows
                        .iter()
                        .filter(|r| r.estimate.total_inventory.is_some())
                        .count(),
                    w.source
                )?;
            }
            continue;
        }
        let sum: u64 = year_rows
            .iter()
            .filter_map(|r| r.estimate.total_inventory)
            .sum();
        for w in totals.iter().filter(|w| w.year == y) {
            let verdict = if w.total_inventory == sum {
                "agrees".to_string()
            } else {
                format!(
                    "differs by {}",
                    signed(
                        i64::try_from(w.total_inventory).unwrap_or(0)
                            - i64::try_from(sum).unwrap_or(0)
                    )
                )
            };
            outln!(
                "{y}: the nine states sum to {}; the {} world total is {}: {verdict}.",
                thousands(sum),
                w.estimator,
                thousands(w.total_inventory)
            )?;
        }
    }
    outln!("\nSources")?;
    for (i, s) in sources.iter().enumerate() {
        outln!("[{}] {s}", i + 1)?;
    }
    Ok(())
}
