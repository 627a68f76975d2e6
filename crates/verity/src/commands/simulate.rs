//! `verity simulate`, `verity design` and `verity bench simulate`: a cheating strategy played
//! against a treaty's inspections (Monte Carlo beside the exact value, plots, HTML), the
//! cheapest regime reaching a target, the simulator's throughput; and `simulate sampling`,
//! plain random sampling beside the hypergeometric closed form.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use verity_escrow::{ItemRecord, parse_inventory, tally_items};
use verity_sim::design::{Design, search};
use verity_sim::forces::{ForcesBasis, honest_forces, synthetic_register};
use verity_sim::plot::{self, Chart, Series};
use verity_sim::regime::{Regime, RegimeEstimate, Scenario, YearEstimate, curve, simulate};
use verity_sim::sampling::{self, Sampling};
use verity_sim::strategy::{STRATEGY_NAMES, Strategy};
use verity_treaty::model::{ItemsPerSite, Selection};
use verity_treaty::{PartyCode, Treaty, builtin};

use crate::Outcome;
use crate::cli::{DesignArgs, SimulateArgs, WorldArgs};
use crate::output::{facts, json, table, thousands};
use crate::resolve;

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

/// A party's simulated world.
struct PartyWorld {
    party: PartyCode,
    honest: Vec<ItemRecord>,
    basis: ForcesBasis,
    register: Vec<String>,
    scenario: Scenario,
    regime: Regime,
}

/// The selection whose designated items count warheads: the first type that designates a
/// number of items, else the first type.
pub(crate) fn counting_selection(treaty: &Treaty) -> Result<Selection> {
    treaty
        .inspections()
        .iter()
        .find(|k| matches!(k.selection.items, ItemsPerSite::Count(_)))
        .or_else(|| treaty.inspections().first())
        .map(|k| k.selection.clone())
        .ok_or_else(|| anyhow::anyhow!("`{}` has no inspections to simulate", treaty.id()))
}

fn honest_inventory(
    treaty: &Treaty,
    party: PartyCode,
    w: &WorldArgs,
) -> Result<(Vec<ItemRecord>, ForcesBasis)> {
    if let Some(path) = &w.inventory {
        let text = resolve::read(path)?;
        let items = parse_inventory(&path.display().to_string(), &text, treaty)?;
        return Ok((
            items,
            ForcesBasis::Inventory {
                file: path.display().to_string(),
            },
        ));
    }
    let estimates = builtin::estimates()?;
    let e = estimates
        .iter()
        .find(|e| e.state == party && e.year == w.estimates_year)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no SIPRI estimate for {} in {} (give --inventory or another --estimates-year)",
                party.as_str(),
                w.estimates_year
            )
        })?;
    let forces = honest_forces(treaty, party, e, &builtin::new_start_forces()?);
    Ok((forces.items, forces.basis))
}

fn party_world(
    treaty: &Treaty,
    party: PartyCode,
    strategy: &Strategy,
    w: &WorldArgs,
) -> Result<PartyWorld> {
    let (honest, basis) = honest_inventory(treaty, party, w)?;
    let register = w
        .empty_facilities
        .clone()
        .unwrap_or_else(|| synthetic_register(treaty, party));
    let cheat = strategy
        .plan(treaty, &honest, &counting_selection(treaty)?, &register)
        .map_err(|e| anyhow::anyhow!("{}: {e}", party.as_str()))?;
    Ok(PartyWorld {
        party,
        scenario: cheat.scenario(&register),
        regime: Regime::of(treaty, party),
        honest,
        basis,
        register,
    })
}

fn world_inputs(w: &WorldArgs) -> Result<(Treaty, Strategy)> {
    let treaty = resolve::treaty(w.treaty.as_deref().unwrap_or_default())?;
    let strategy = Strategy::parse(w.strategy.as_deref().unwrap_or_default(), w.k, w.sites)
        .map_err(|e| anyhow::anyhow!("--strategy: {e}"))?;
    Ok((treaty, strategy))
}

fn chosen_parties(treaty: &Treaty, party: Option<&str>) -> Result<Vec<PartyCode>> {
    match party {
        None => Ok(treaty.parties().to_vec()),
        Some(p) => {
            let code = PartyCode::parse(p).map_err(|m| anyhow::anyhow!("--party: {m}"))?;
            if !treaty.parties().contains(&code) {
                bail!("--party: {p} is not a party to `{}`", treaty.id());
            }
            Ok(vec![code])
        }
    }
}

#[derive(Serialize)]
struct PartyResult {
    party: PartyCode,
    items: usize,
    sites: usize,
    regime: Regime,
    estimate: RegimeEstimate,
}

#[derive(Serialize)]
struct SimulationReport {
    treaty: String,
    strategy: Strategy,
    years: u32,
    /// Each party's honest inventory under the treaty's counting rules: limit id → value.
    forces: BTreeMap<PartyCode, BTreeMap<String, u64>>,
    /// Where each party's inventory comes from.
    forces_basis: BTreeMap<PartyCode, ForcesBasis>,
    parties: Vec<PartyResult>,
    plots: Vec<PathBuf>,
}

/// The chart of every cheating strategy against inspections per year, for one party.
fn chart(
    treaty: &Treaty,
    world: &PartyWorld,
    w: &WorldArgs,
    years: u32,
    simulated: (&str, &YearEstimate),
) -> Result<Chart> {
    let quota = world.regime.per_year();
    let top = (quota * 2).max(10);
    let selection = counting_selection(treaty)?;
    let mut series = Vec::new();
    for name in STRATEGY_NAMES.iter().filter(|n| **n != "honest") {
        let s = Strategy::parse(name, w.k, w.sites)?;
        let Ok(cheat) = s.plan(treaty, &world.honest, &selection, &world.register) else {
            continue;
        };
        let scenario = cheat.scenario(&world.register);
        let label = match s {
            Strategy::SpreadHidden { k, sites } => format!("{name} (k = {k} over {sites} sites)"),
            Strategy::SwapIdentifiers { k } => {
                format!("{name} ({k} pair{})", if k == 1 { "" } else { "s" })
            }
            _ => format!("{name} (k = {})", w.k),
        };
        series.push(Series {
            label,
            points: curve(&scenario, &world.regime, 0..=top, years),
            simulated: (*name == simulated.0).then_some((
                quota,
                simulated.1.simulated,
                simulated.1.ci_low,
                simulated.1.ci_high,
            )),
        });
    }
    Ok(Chart {
        title: format!(
            "{}: detection within {years} year(s), inspections of {}",
            treaty.short_title(),
            world.party.as_str()
        ),
        x_label: format!(
            "Inspections of {} per year (types split as the treaty splits them)",
            world.party.as_str()
        ),
        y_label: format!("Probability of detection within {years} year(s) (%)"),
        series,
        marker: Some((
            quota,
            format!("treaty quota ({quota} a year); dot: simulated, bar: 95% interval"),
        )),
    })
}

fn plot_paths(base: &Path, party: PartyCode, several: bool) -> (PathBuf, PathBuf) {
    let stem = base.with_extension("");
    let stem = if several {
        PathBuf::from(format!(
            "{}-{}",
            stem.display(),
            party.as_str().to_lowercase()
        ))
    } else {
        stem
    };
    (stem.with_extension("svg"), stem.with_extension("png"))
}

fn pct(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `verity simulate --treaty … --strategy …`.
pub(crate) fn regime(a: &SimulateArgs, as_json: bool) -> Result<Outcome> {
    let (treaty, strategy) = world_inputs(&a.world)?;
    if a.trials == 0 {
        bail!("--trials must be at least 1");
    }
    let parties = chosen_parties(&treaty, a.world.party.as_deref())?;
    let worlds: Vec<PartyWorld> = parties
        .iter()
        .map(|p| party_world(&treaty, *p, &strategy, &a.world))
        .collect::<Result<_>>()?;
    let bar = ProgressBar::new(a.trials * worlds.len() as u64);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} simulating {bar:40} {pos}/{len} trials ({eta} left)",
    )?);
    let mut results = Vec::new();
    for w in &worlds {
        let estimate = simulate(&w.scenario, &w.regime, a.years, a.trials, a.seed, &|n| {
            bar.inc(n)
        });
        results.push(PartyResult {
            party: w.party,
            items: w.honest.len(),
            sites: w.scenario.sites(),
            regime: w.regime.clone(),
            estimate,
        });
    }
    bar.finish_and_clear();
    let mut plots = Vec::new();
    let mut svgs = Vec::new();
    if a.plot.is_some() || a.html.is_some() {
        for (w, r) in worlds.iter().zip(&results) {
            let at_quota = r.estimate.per_year.last().expect("at least one year");
            let c = chart(&treaty, w, &a.world, a.years, (strategy.name(), at_quota))?;
            let svg = plot::svg(&c)?;
            if let Some(base) = &a.plot {
                let (svg_path, png_path) = plot_paths(base, w.party, worlds.len() > 1);
                std::fs::write(&svg_path, &svg)
                    .with_context(|| format!("cannot write {}", svg_path.display()))?;
                plot::png(&c, &png_path)?;
                plots.extend([svg_path, png_path]);
            }
            svgs.push(svg);
        }
    }
    let mut forces = BTreeMap::new();
    for w in &worlds {
        let tally = tally_items(&treaty, &w.honest)
            .with_context(|| format!("{}'s inventory", w.party.as_str()))?;
        forces.insert(w.party, treaty.limit_values(&tally.categories));
    }
    let report = SimulationReport {
        treaty: treaty.id().to_string(),
        strategy: strategy.clone(),
        years: a.years,
        forces_basis: worlds.iter().map(|w| (w.party, w.basis.clone())).collect(),
        forces,
        parties: results,
        plots,
    };
    let mut t = table([
        "Party",
        "Items",
        "Sites",
        "Inspections a year",
        "Within",
        "Simulated",
        "95% interval",
        "Exact (model)",
    ]);
    for r in &report.parties {
        let per_type: Vec<String> = r
            .regime
            .inspections
            .iter()
            .map(|p| format!("{} {}", p.per_year, p.inspection_type))
            .collect();
        for y in &r.estimate.per_year {
            t.add_row([
                r.party.as_str().to_string(),
                thousands(r.items as u64),
                r.sites.to_string(),
                per_type.join(", "),
                format!("{} year(s)", y.years),
                pct(y.simulated),
                format!("{} – {}", pct(y.ci_low), pct(y.ci_high)),
                pct(y.exact),
            ]);
        }
    }
    let heading = format!(
        "`{}`, strategy {} ({} trials per party, seed {})",
        treaty.id(),
        strategy.name(),
        thousands(a.trials),
        a.seed
    );
    if let Some(path) = &a.html {
        let mut page = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Verity simulation</title>\n<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}</style></head><body>\n<h1>What the regime would catch</h1>\n<p>{}</p>\n<table><tr><th>Party</th><th>Within</th><th>Simulated</th><th>95% interval</th><th>Exact (model)</th></tr>\n",
            html_escape(&heading)
        );
        for r in &report.parties {
            for y in &r.estimate.per_year {
                page.push_str(&format!(
                    "<tr><td>{}</td><td>{} year(s)</td><td>{}</td><td>{} – {}</td><td>{}</td></tr>\n",
                    r.party.as_str(),
                    y.years,
                    pct(y.simulated),
                    pct(y.ci_low),
                    pct(y.ci_high),
                    pct(y.exact)
                ));
            }
        }
        page.push_str("</table>\n");
        for svg in &svgs {
            page.push_str("<figure>\n");
            page.push_str(svg.trim_start_matches(|c| c != '<'));
            page.push_str("\n</figure>\n");
        }
        page.push_str("</body></html>\n");
        std::fs::write(path, page).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if as_json {
        json(&report)?;
    } else {
        outln!("{}", forces_table(&treaty, &report))?;
        outln!("{heading}\n{t}")?;
        for p in &report.plots {
            outln!("wrote {}", p.display())?;
        }
        if let Some(h) = &a.html {
            outln!("wrote {}", h.display())?;
        }
    }
    Ok(Outcome::Clean)
}

/// The honest inventories under the treaty's counting rules, limit by limit, with where each
/// party's figures come from.
fn forces_table(treaty: &Treaty, report: &SimulationReport) -> String {
    let mut t = table(["Party", "Limit", "Value", "Ceiling", "Margin"]);
    for (party, values) in &report.forces {
        for limit in treaty.limits() {
            let value = values.get(&limit.id).copied().unwrap_or(0);
            let max = limit.max_for(*party);
            let margin = max.map_or("—".to_string(), |m| {
                let d = i128::from(m) - i128::from(value);
                if d < 0 {
                    format!("{} over", thousands(d.unsigned_abs() as u64))
                } else {
                    thousands(d as u64)
                }
            });
            t.add_row([
                party.as_str().to_string(),
                limit.id.clone(),
                thousands(value),
                max.map_or("—".to_string(), thousands),
                margin,
            ]);
        }
    }
    let bases: Vec<String> = report
        .forces_basis
        .iter()
        .map(|(p, b)| format!("{}: {}", p.as_str(), b.describe()))
        .collect();
    format!(
        "Honest forces under `{}`'s counting rules\n{t}\n{}",
        treaty.id(),
        bases.join("\n")
    )
}

#[derive(Serialize)]
struct DesignReport {
    treaty: String,
    party: PartyCode,
    strategy: Strategy,
    #[serde(flatten)]
    design: Design,
    /// The cheapest design replayed by Monte Carlo.
    confirmed: Option<YearEstimate>,
    not_searched: &'static str,
}

/// `verity design`.
pub(crate) fn design(d: &DesignArgs, as_json: bool) -> Result<Outcome> {
    let (treaty, strategy) = world_inputs(&d.world)?;
    if !(0.0..1.0).contains(&d.target) || d.target <= 0.0 {
        bail!(
            "--target: expected a probability between 0 and 1 (exclusive), found {}",
            d.target
        );
    }
    let party = match d.world.party.as_deref() {
        Some(p) => chosen_parties(&treaty, Some(p))?[0],
        None => *treaty
            .parties()
            .last()
            .ok_or_else(|| anyhow::anyhow!("`{}` has no parties", treaty.id()))?,
    };
    let world = party_world(&treaty, party, &strategy, &d.world)?;
    let plan = match &d.inspection_type {
        Some(id) => world
            .regime
            .inspections
            .iter()
            .find(|p| &p.inspection_type == id)
            .ok_or_else(|| {
                anyhow::anyhow!("--type: `{}` has no inspection type `{id}`", treaty.id())
            })?,
        None => world
            .regime
            .inspections
            .first()
            .ok_or_else(|| anyhow::anyhow!("`{}` has no inspections", treaty.id()))?,
    }
    .clone();
    let found = search(
        &world.scenario,
        &plan,
        world.regime.padded_sites,
        d.target,
        d.years,
        d.max_inspections,
        d.max_items,
    );
    let confirmed = found.cheapest.as_ref().map(|c| {
        let mut p = plan.clone();
        p.per_year = c.inspections_per_year;
        if let Some(items) = c.items_per_inspection {
            p.selection.items = ItemsPerSite::Count(items);
        }
        let regime = Regime {
            inspections: vec![p],
            padded_sites: world.regime.padded_sites,
        };
        simulate(&world.scenario, &regime, d.years, d.trials, d.seed, &|_| {})
            .per_year
            .last()
            .copied()
            .expect("at least one year")
    });
    let report = DesignReport {
        treaty: treaty.id().to_string(),
        party,
        strategy: strategy.clone(),
        design: found,
        confirmed,
        not_searched: "disclosure order: in this model inspections select among the declared sites at every stage, so the order of disclosure does not change what they catch",
    };
    if as_json {
        json(&report)?;
    } else {
        outln!(
            "`{}`: inspections of {} by `{}` alone against {}, target {} within {} year(s)",
            treaty.id(),
            party.as_str(),
            plan.inspection_type,
            strategy.name(),
            pct(d.target),
            d.years
        )?;
        let mut t = table([
            "Inspections a year",
            "Fewest items per inspection",
            "Detection (exact)",
            "Reaches target",
        ]);
        // Past the first row that reaches the target with the fewest items possible, more
        // inspections only add margin: those rows are in --json.
        let last = report
            .design
            .trade_off
            .iter()
            .position(|r| r.reaches && r.items_per_inspection.is_none_or(|c| c == 1))
            .map_or(report.design.trade_off.len(), |i| i + 1);
        for r in &report.design.trade_off[..last] {
            t.add_row([
                r.inspections_per_year.to_string(),
                match (r.items_per_inspection, report.design.items_searched) {
                    (Some(c), _) => c.to_string(),
                    (None, true) => format!("more than {}", d.max_items),
                    (None, false) => "all eligible".into(),
                },
                pct(r.exact),
                if r.reaches { "yes" } else { "no" }.into(),
            ]);
        }
        outln!("{t}")?;
        if last < report.design.trade_off.len() {
            outln!("(more inspections a year only add margin; every row is in --json)")?;
        }
        match (&report.design.cheapest, &report.confirmed) {
            (Some(c), Some(m)) => outln!(
                "Cheapest: {} inspection(s) a year{}; exact {}, simulated {} (95% interval {} – {}, {} trials)",
                c.inspections_per_year,
                c.items_per_inspection
                    .map(|i| format!(", {i} item(s) each"))
                    .unwrap_or_default(),
                pct(c.exact),
                pct(m.simulated),
                pct(m.ci_low),
                pct(m.ci_high),
                thousands(d.trials)
            )?,
            _ => outln!(
                "No design up to {} inspections a year reaches the target.",
                d.max_inspections
            )?,
        }
        outln!("Not searched: {}", report.not_searched)?;
    }
    Ok(if report.design.cheapest.is_some() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

#[derive(Serialize)]
struct BenchReport {
    trials: u64,
    one_thread_per_second: f64,
    all_threads: usize,
    all_threads_per_second: f64,
    speed_up: f64,
}

/// `verity bench simulate`: inspection-years per second, one thread and every core.
pub(crate) fn bench(trials: u64, as_json: bool) -> Result<Outcome> {
    let treaty = builtin::treaty("new-start")?;
    let party = PartyCode::parse("RUS").map_err(anyhow::Error::msg)?;
    let w = WorldArgs {
        treaty: Some("new-start".into()),
        strategy: Some("under-declare-warheads".into()),
        k: 10,
        sites: 3,
        party: None,
        inventory: None,
        estimates_year: 2025,
        empty_facilities: None,
    };
    let world = party_world(
        &treaty,
        party,
        &Strategy::UnderDeclareWarheads { k: 10 },
        &w,
    )?;
    // A warm-up run, then the median of three timed runs per thread count.
    let time = |threads: usize| -> Result<f64> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        pool.install(|| {
            simulate(
                &world.scenario,
                &world.regime,
                1,
                trials / 10 + 1,
                0,
                &|_| {},
            )
        });
        let mut rates: Vec<f64> = (1..=3)
            .map(|seed| {
                let start = std::time::Instant::now();
                pool.install(|| simulate(&world.scenario, &world.regime, 1, trials, seed, &|_| {}));
                trials as f64 / start.elapsed().as_secs_f64()
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        Ok(rates[1])
    };
    let all = std::thread::available_parallelism().map_or(1, usize::from);
    let one = time(1)?;
    let many = time(all)?;
    let r = BenchReport {
        trials,
        one_thread_per_second: one,
        all_threads: all,
        all_threads_per_second: many,
        speed_up: many / one,
    };
    if as_json {
        json(&r)?;
    } else {
        outln!(
            "New START year of inspections of Russia (18 inspections, {} items), under-declared warheads:",
            thousands(world.honest.len() as u64)
        )?;
        let mut t = facts();
        t.add_row([
            "Inspection-years per second, 1 thread".to_string(),
            format!("{one:.0}"),
        ]);
        t.add_row([
            format!("Inspection-years per second, {all} threads"),
            format!("{many:.0}"),
        ]);
        t.add_row(["Speed-up".to_string(), format!("{:.2}×", r.speed_up)]);
        outln!("{t}")?;
    }
    Ok(Outcome::Clean)
}
