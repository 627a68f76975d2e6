//! `verity simulate sampling`: the seeded Monte Carlo of random inspection sampling beside the
//! exact hypergeometric probability, with a progress bar on long runs.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use verity_sim::sampling::{self, Sampling};

use crate::Outcome;
use crate::output::{facts, json, thousands};

pub(crate) fn sampling(
    items: u64,
    falsified: u64,
    checks: u64,
    trials: u64,
    seed: u64,
    as_json: bool,
) -> Result<Outcome> {
    let problem = Sampling::new(items, falsified, checks)?;
    let bar = ProgressBar::new(trials);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} {bar:40} {pos}/{len} trials ({eta} left)",
    )?);
    let estimate = sampling::simulate(problem, trials, seed, &|n| bar.inc(n))?;
    bar.finish_and_clear();
    if as_json {
        json(&estimate)?;
        return Ok(Outcome::Clean);
    }
    let pct = |p: f64| format!("{:.2}%", p * 100.0);
    outln!(
        "{} random checks among {} items, {} of them falsified ({} trials, seed {seed})",
        thousands(checks),
        thousands(items),
        thousands(falsified),
        thousands(trials)
    )?;
    let mut t = facts();
    t.add_row([
        "Simulated detection probability".to_string(),
        pct(estimate.simulated),
    ]);
    t.add_row([
        "95% interval (Wilson)".to_string(),
        format!("{} to {}", pct(estimate.ci_low), pct(estimate.ci_high)),
    ]);
    t.add_row([
        "Exact: 1 − C(N−m, n)/C(N, n)".to_string(),
        pct(estimate.closed_form),
    ]);
    t.add_row([
        "Binomial approximation 1 − (1 − m/N)^n".to_string(),
        pct(estimate.binomial_approximation),
    ]);
    if let Some(n90) = sampling::min_checks(items, falsified, 0.9) {
        t.add_row(["Fewest checks for 90%".to_string(), thousands(n90)]);
    }
    outln!("{t}")?;
    Ok(Outcome::Clean)
}
