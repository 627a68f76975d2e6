//! `verity demo`, the main job: USA, RUS and CHN nodes and an independent observer on
//! loopback play one treaty year of the trilateral draft through their HTTP write APIs, one
//! party cheating by a simulator strategy; then the observer's compliance view over the logs it
//! mirrored and witnessed, beside the simulator's probability of catching that cheat in a year.

mod network;
mod report;
mod year;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use verity_escrow::ItemRecord;
use verity_inspect::view::{ComplianceReport, LoadedLog, judge};
use verity_sim::regime::{Regime, Scenario, simulate};
use verity_sim::strategy::Strategy;
use verity_treaty::compliance::{Mode, Severity};
use verity_treaty::{PartyCode, Treaty, builtin};

use crate::Outcome;
use crate::cli::DemoArgs;
use crate::commands::simulate::counting_selection;
use crate::output::{json, table, thousands};

/// The file that marks a directory as the demo's own (so a fresh run may empty it).
const MARKER: &str = ".verity-demo";

/// The cheat played, as the report states it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct CheatReport {
    party: String,
    strategy: Strategy,
    /// What differs between declaration and truth, in words.
    planted: String,
    /// Items truly held but not declared, and their warheads.
    undeclared_items: usize,
    undeclared_warheads: u64,
    /// Declared items whose truth differs (warheads, site, status, or identity).
    altered_items: usize,
    /// The simulator's model: exact probability of detection within one year.
    probability_exact: f64,
    /// The same by Monte Carlo with the real selection code.
    probability_simulated: f64,
    probability_ci: (f64, f64),
    trials: u64,
    /// Violation findings against the cheater.
    caught: bool,
}

/// A node as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct NodeReport {
    name: String,
    url: String,
    entries: u64,
    checkpoint: String,
    witness_key: String,
    /// Which witnesses cosigned this log, at what size.
    cosigned_by: Vec<(String, u64)>,
    alarms: usize,
}

/// One party's synthetic arsenal: what only it knows.
#[derive(Debug, Serialize)]
pub(super) struct Arsenal {
    party: String,
    warheads: u64,
    items: usize,
    /// Where the total comes from.
    source: String,
}

/// `--warheads PARTY:N` overrides, by party.
fn parse_warheads(args: &[String], treaty: &Treaty) -> Result<BTreeMap<PartyCode, u64>> {
    let mut out = BTreeMap::new();
    for a in args {
        let Some((party, n)) = a.split_once(':') else {
            bail!("--warheads: expected PARTY:WARHEADS, found `{a}`");
        };
        let party = PartyCode::parse(party).map_err(|m| anyhow::anyhow!("--warheads: {m}"))?;
        if !treaty.parties().contains(&party) {
            bail!("--warheads: {party} is not a party to `{}`", treaty.id());
        }
        let n: u64 =
            n.parse().ok().filter(|n| *n > 0).with_context(|| {
                format!("--warheads: `{n}` is not a positive number of warheads")
            })?;
        out.insert(party, n);
    }
    Ok(out)
}

/// `e` scaled to `total` warheads, its split between deployed, stored and retired kept in
/// proportion (stored takes the rounding).
fn scaled_estimate(
    e: &verity_treaty::figures::Estimate,
    total: u64,
) -> verity_treaty::figures::Estimate {
    let base = e.total_inventory.unwrap_or(0).max(1);
    let part = |x: Option<u64>| x.map(|v| (v * total + base / 2) / base);
    let deployed = part(e.deployed).unwrap_or(0).min(total);
    let retired = part(e.retired).unwrap_or(0).min(total - deployed);
    verity_treaty::figures::Estimate {
        total_inventory: Some(total),
        deployed: Some(deployed),
        stored: Some(total - deployed - retired),
        retired: Some(retired),
        ..e.clone()
    }
}

/// Everything the demo reports: the observer's compliance report (treaty, date, logs, limits,
/// inspections, findings with evidence) at the top level, with the run's facts beside it.
#[derive(Debug, Serialize)]
pub(super) struct DemoReport {
    seed: u64,
    /// Each party's total its synthetic arsenal adds up to (known only to it).
    arsenals: Vec<Arsenal>,
    cheat: Option<CheatReport>,
    /// Findings against parties that did not cheat (false alarms): none expected.
    false_alarms: usize,
    nodes: Vec<NodeReport>,
    timeline: Vec<year::Event>,
    #[serde(flatten)]
    compliance: ComplianceReport,
    /// The cheater's detection curve as SVG, for the HTML report (none without a cheat or a
    /// font to lay out its text).
    #[serde(skip)]
    chart_svg: Result<String, String>,
}

/// Sizes the demo gives each strategy.
fn demo_size(name: &str) -> (usize, usize) {
    match name {
        // Ten sealed containers of four: 40 warheads.
        "hide-at-undeclared-site" => (10, 0),
        "under-declare-warheads" => (5, 0),
        "declare-eliminated-that-exist" => (10, 0),
        "swap-identifiers" => (5, 0),
        "spread-hidden" => (40, 2),
        // 40 warheads left out of one site's commitments.
        "under-commit-totals" => (40, 0),
        _ => (0, 0),
    }
}

fn parse_cheat(arg: &str, treaty: &Treaty) -> Result<Option<(PartyCode, Strategy)>> {
    if arg == "none" {
        return Ok(None);
    }
    let Some((party, name)) = arg.split_once(':') else {
        bail!("--cheat: expected PARTY:STRATEGY or `none`, found `{arg}`");
    };
    let party = PartyCode::parse(party).map_err(|m| anyhow::anyhow!("--cheat: {m}"))?;
    if !treaty.parties().contains(&party) {
        bail!("--cheat: {party} is not a party to `{}`", treaty.id());
    }
    let (k, sites) = demo_size(name);
    let strategy = Strategy::parse(name, k, sites).map_err(|e| anyhow::anyhow!("--cheat: {e}"))?;
    if strategy == Strategy::Honest {
        return Ok(None);
    }
    Ok(Some((party, strategy)))
}

/// Empties `dir` for a fresh run, only if it is the demo's own (or empty, or absent).
fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).exists() {
            bail!(
                "{} exists and is not a Verity demo directory (no {MARKER} in it): refusing to empty it",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot empty {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "Stores of `verity demo`; each run empties this directory.\n",
    )?;
    Ok(())
}

fn describe(
    party: &str,
    strategy: &Strategy,
    declared: &[ItemRecord],
    truth: &[ItemRecord],
    claimed: &BTreeMap<String, BTreeMap<String, u64>>,
) -> (String, usize, u64, usize) {
    let declared_uids: BTreeMap<&str, &ItemRecord> =
        declared.iter().map(|r| (r.uid.as_str(), r)).collect();
    let undeclared: Vec<&ItemRecord> = truth
        .iter()
        .filter(|r| !declared_uids.contains_key(r.uid.as_str()))
        .collect();
    let altered = truth
        .iter()
        .filter(|r| declared_uids.get(r.uid.as_str()).is_some_and(|d| *d != *r))
        .count();
    let warheads: u64 = undeclared.iter().map(|r| r.warheads).sum();
    let mut places: Vec<&str> = undeclared.iter().map(|r| r.site.as_str()).collect();
    places.sort_unstable();
    places.dedup();
    let text = match strategy {
        Strategy::HideAtUndeclaredSite { k } => format!(
            "{party} keeps {k} sealed containers ({warheads} warheads) it never declared at {}, a facility it registers as empty",
            places.join(", ")
        ),
        Strategy::UnderDeclareWarheads { k } => {
            format!("{party} declares {k} deployed missiles with one warhead fewer than they carry")
        }
        Strategy::DeclareEliminatedThatExist { k } => format!(
            "{party} leaves out of its declaration {k} items that still exist where they were"
        ),
        Strategy::SwapIdentifiers { k } => {
            format!("{party} swaps the identifiers of {k} pairs of items at different sites")
        }
        Strategy::SpreadHidden { k, sites } => format!(
            "{party} keeps {k} undeclared items ({warheads} warheads) spread over {sites} declared sites"
        ),
        Strategy::UnderCommitTotals { k } => format!(
            "{party} declares every item as it is but commits {k} warheads fewer than its items hold at {}, so its proved totals are {k} under the truth",
            claimed.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
        Strategy::Honest => format!("{party} is honest"),
    };
    (text, undeclared.len(), warheads, altered)
}

pub(crate) fn run(args: &DemoArgs, as_json: bool) -> Result<Outcome> {
    let treaty = builtin::treaty("trilateral-draft")?;
    let cheat = parse_cheat(&args.cheat, &treaty)?;
    let overrides = parse_warheads(&args.warheads, &treaty)?;
    let estimates = builtin::estimates()?;
    let records = builtin::new_start_forces()?;
    let counting = counting_selection(&treaty)?;
    // Each party's honest arsenal from SIPRI 2025, its register, and what it declares and
    // truly holds under the cheat.
    let mut parties = Vec::new();
    let mut arsenals = Vec::new();
    let mut cheat_world = None;
    for party in treaty.parties() {
        let e = estimates
            .iter()
            .find(|e| e.state == *party && e.year == 2025)
            .with_context(|| format!("no SIPRI 2025 estimate for {party}"))?;
        let (e, source) = match overrides.get(party) {
            Some(n) => (
                scaled_estimate(e, *n),
                format!("--warheads (the {} split kept)", e.edition),
            ),
            None => (e.clone(), e.edition.clone()),
        };
        let honest = verity_sim::forces::honest_forces(&treaty, *party, &e, &records).items;
        let register = verity_sim::forces::synthetic_register(&treaty, *party);
        let total: u64 = honest.iter().map(|r| r.warheads).sum();
        arsenals.push(Arsenal {
            party: party.as_str().to_string(),
            warheads: total,
            items: honest.len(),
            source,
        });
        let setup = match &cheat {
            Some((p, s)) if p == party => {
                let c = s
                    .plan(&treaty, &honest, &counting, &register)
                    .map_err(|e| anyhow::anyhow!("--cheat: {e}"))?;
                let setup = year::PartySetup {
                    code: party.as_str().to_string(),
                    declared: c.declared.clone(),
                    truth: c.truth.clone(),
                    register: register.clone(),
                    understates: (!c.claimed_counts.is_empty()).then(|| s.clone()),
                };
                cheat_world = Some((c, register));
                setup
            }
            _ => year::PartySetup {
                code: party.as_str().to_string(),
                declared: honest.clone(),
                truth: honest,
                register,
                understates: None,
            },
        };
        parties.push(setup);
    }
    let mut chart_svg = Err("no party cheats in this run".to_string());
    let cheat_report = match (&cheat, &cheat_world) {
        (Some((party, strategy)), Some((c, register))) => {
            let scenario = c.scenario(register);
            let (declared, truth) = (&c.declared, &c.truth);
            let regime = Regime::of(&treaty, *party);
            let trials = 4_000;
            let est = simulate(&scenario, &regime, 1, trials, args.seed, &|_| {});
            chart_svg = detection_chart(&scenario, &regime, party.as_str(), strategy, &est);
            let (planted, undeclared_items, undeclared_warheads, altered_items) =
                describe(party.as_str(), strategy, declared, truth, &c.claimed_counts);
            Some(CheatReport {
                party: party.as_str().to_string(),
                strategy: strategy.clone(),
                planted,
                undeclared_items,
                undeclared_warheads,
                altered_items,
                probability_exact: scenario.exact_year(&regime),
                probability_simulated: est.per_year[0].simulated,
                probability_ci: (est.per_year[0].ci_low, est.per_year[0].ci_high),
                trials,
                caught: false,
            })
        }
        _ => None,
    };

    fresh_dir(&args.dir)?;
    let eif = treaty
        .dates()
        .entry_into_force
        .context("the draft has notional dates")?;
    let clock = verity_node::Clock::exercise(eif);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let codes: Vec<String> = treaty
        .parties()
        .iter()
        .map(|p| p.as_str().to_string())
        .collect();
    let progress = ProgressBar::new(year::steps(&treaty));
    progress.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}").expect("a valid template"),
    );
    let seed = args.seed;
    let dir = args.dir.clone();
    // The nodes serve on the runtime; the operators work from this thread, each reaching its
    // own node over HTTP as an operator at a terminal would.
    let net = rt.block_on(network::Network::start(
        &dir,
        seed,
        &codes,
        clock,
        treaty.id(),
    ))?;
    let (judged_on, timeline) = {
        let mut y = year::Year::new(&net, &rt, &treaty, seed, parties, progress.clone())?;
        let judged_on = year::play(&mut y, &treaty)?;
        (judged_on, std::mem::take(&mut y.timeline))
    };
    // The nodes' dashboards judge on their clock: the day the observer's view is taken.
    net.clock.advance_to(judged_on);
    progress.set_message("the observer's compliance view over its copies");
    // Its copies, each entry dated no earlier than every node's witness saw its log without it.
    let mut logs = net
        .observer
        .peers()
        .iter()
        .map(|p| LoadedLog::from_file(&p.mirror, Some(p.key.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let all_nodes = || net.parties.iter().chain(std::iter::once(&net.observer));
    let witness_keys = all_nodes()
        .map(|n| verity_log::CosignerKey::parse(&n.witness_key))
        .collect::<Result<Vec<_>, _>>()?;
    let witness_urls: Vec<String> = all_nodes().map(|n| n.url.clone()).collect();
    verity_party::add_witnessed(&mut logs, &witness_urls, &witness_keys)?;
    let compliance = judge(&treaty, &logs, judged_on, Mode::AsIfInForce);
    progress.finish_and_clear();

    let mut nodes = Vec::new();
    let witnesses: Vec<&network::Node> = net
        .parties
        .iter()
        .chain(std::iter::once(&net.observer))
        .collect();
    for n in &witnesses {
        let log = verity_log::Log::open_read_only(&n.db)?;
        let checkpoint = log
            .latest_checkpoint()?
            .map(|(_, note)| String::from_utf8_lossy(&note).into_owned())
            .unwrap_or_default();
        let origin = n.verifier.name().to_string();
        let mut cosigned_by = Vec::new();
        for w in &witnesses {
            if let Some((_, size, _)) = w.cosigned()?.into_iter().find(|(o, _, _)| *o == origin) {
                cosigned_by.push((w.name.clone(), size));
            }
        }
        nodes.push(NodeReport {
            name: n.name.clone(),
            url: format!("{}/", n.url),
            entries: log.size()?,
            checkpoint,
            witness_key: n.witness_key.clone(),
            cosigned_by,
            alarms: n.alarms()?.len(),
        });
    }
    let cheater = cheat_report.as_ref().map(|c| c.party.clone());
    let false_alarms = compliance
        .findings
        .iter()
        .filter(|f| f.party.map(|p| p.to_string()) != cheater)
        .count();
    let cheat_report = cheat_report.map(|mut c| {
        c.caught = compliance
            .findings
            .iter()
            .any(|f| f.party.is_some_and(|p| p.as_str() == c.party) && f.is_violation());
        c
    });
    let report = DemoReport {
        seed,
        arsenals,
        cheat: cheat_report,
        false_alarms,
        nodes,
        timeline,
        compliance,
        chart_svg,
    };
    let mut cosignatures = Vec::new();
    for w in &witnesses {
        let name = w.witness_key.split('+').next().unwrap_or_default();
        for (origin, size, at) in w.cosigned_times()? {
            cosignatures.push(verity_dashboard::Cosignature {
                origin,
                witness: name.to_string(),
                size,
                time: chrono::DateTime::from_timestamp(i64::try_from(at).unwrap_or(0), 0),
                reported_by: format!("{}'s witness", w.name),
            });
        }
    }
    let observer_log = verity_log::Log::open_read_only(&net.observer.db)?;
    let snapshot = verity_dashboard::Snapshot {
        node: verity_dashboard::NodeView {
            party: observer_log.party().to_string(),
            origin: observer_log.origin().to_string(),
            observer: true,
        },
        today: chrono::Utc::now().date_naive(),
        judged_on,
        clock: "exercise clock".into(),
        treaty: treaty.clone(),
        treaties: builtin::treaties()?,
        report: report.compliance.clone(),
        cosignatures,
        unreachable: Vec::new(),
    };
    let html_path = args.dir.join("report.html");
    std::fs::write(&html_path, report::html(&report, &snapshot))
        .with_context(|| format!("cannot write {}", html_path.display()))?;
    let outcome = if report.compliance.has_violation() {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    if as_json {
        json(&report)?;
    } else {
        print_report(&report, &html_path)?;
    }
    if args.serve {
        {
            let _runtime = rt.enter();
            net.follow_in_background();
        }
        // One base URL per line, USA first (on stderr under --json, to keep stdout JSON).
        for n in &report.nodes {
            if as_json {
                eprintln!("{}", n.url);
            } else {
                outln!("{}", n.url)?;
            }
        }
        eprintln!("serving; Ctrl-C or SIGTERM stops the nodes");
        rt.block_on(verity_node::shutdown_signal());
    }
    rt.shutdown_background();
    Ok(outcome)
}

/// Detection within a year against inspections a year (split between the types in the
/// treaty's proportions), for the cheater as it cheats, with the treaty's quota marked and the
/// Monte Carlo point with its interval.
fn detection_chart(
    scenario: &Scenario,
    regime: &Regime,
    party: &str,
    strategy: &Strategy,
    est: &verity_sim::regime::RegimeEstimate,
) -> Result<String, String> {
    use verity_sim::plot::{Chart, Series, svg};
    let quota = regime.per_year();
    let y = est.per_year[0];
    let chart = Chart {
        title: format!("{party}, {}: detection within a year", strategy.name()),
        x_label: "Inspections of the party per year, all types (treaty proportions)".into(),
        y_label: "Probability of detection within one year (%)".into(),
        series: vec![Series {
            label: format!("{} (exact, simulator's model)", strategy.name()),
            points: verity_sim::regime::curve(scenario, regime, 0..=(quota * 2).max(10), 1),
            simulated: Some((quota, y.simulated, y.ci_low, y.ci_high)),
        }],
        marker: Some((quota, format!("the draft's quota: {quota} a year"))),
    };
    svg(&chart).map_err(|e| e.to_string())
}

/// Findings of one rule in one inspection, shown as one row.
struct FindingGroup {
    severity: Severity,
    party: String,
    rule: String,
    message: String,
    evidence: Vec<String>,
}

/// Groups the findings of one rule in one inspection (one per item) into a row naming the
/// items; the JSON and the HTML report keep every finding.
fn group_findings(findings: &[verity_inspect::view::ViewFinding]) -> Vec<FindingGroup> {
    let mut out: Vec<(FindingGroup, Vec<String>, Option<String>)> = Vec::new();
    for f in findings {
        let party = f.party.map(|p| p.to_string()).unwrap_or_default();
        let key_matches = |g: &(FindingGroup, Vec<String>, Option<String>)| {
            g.0.rule == f.rule.as_str()
                && g.0.party == party
                && g.2 == f.inspection
                && f.inspection.is_some()
        };
        let evidence: Vec<String> = f
            .evidence
            .iter()
            .map(|e| format!("{}#{}", e.party, e.index))
            .collect();
        match out.iter_mut().find(|g| key_matches(g)) {
            Some(g) => {
                g.1.extend(f.subject.clone());
                for e in evidence {
                    if !g.0.evidence.contains(&e) {
                        g.0.evidence.push(e);
                    }
                }
            }
            None => out.push((
                FindingGroup {
                    severity: f.severity,
                    party: party.clone(),
                    rule: f.rule.to_string(),
                    message: f.message.clone(),
                    evidence,
                },
                f.subject.clone().into_iter().collect(),
                f.inspection.clone(),
            )),
        }
    }
    out.into_iter()
        .map(|(mut g, items, _)| {
            if items.len() > 1 {
                // "inspection `X` at `S`: item `U`: what" → "… at `S`: N items (U1, U2, …): what"
                let what = g.message.rsplit("`: ").next().unwrap_or("").to_string();
                let head = g.message.split(": item `").next().unwrap_or("").to_string();
                let shown: Vec<&str> = items.iter().take(4).map(String::as_str).collect();
                let more = if items.len() > 4 { ", …" } else { "" };
                g.message = format!(
                    "{head}: {} items ({}{more}): {what}",
                    items.len(),
                    shown.join(", ")
                );
            }
            g
        })
        .collect()
}

/// A limit's verdict in words; a limit that applies only later says from when.
pub(super) fn verdict_text(v: &verity_treaty::compliance::LimitVerdict) -> String {
    v.describe()
}

fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

fn print_report(r: &DemoReport, html: &Path) -> Result<()> {
    outln!(
        "Verity demo: one treaty year of `{}` among USA, RUS and CHN, played through their nodes (seed {})\n",
        r.compliance.treaty,
        r.seed
    )?;
    let mut n = table(["Node", "URL", "Log entries", "Cosigned by (size)", "Alarms"]);
    for node in &r.nodes {
        n.add_row([
            node.name.clone(),
            node.url.clone(),
            thousands(node.entries),
            node.cosigned_by
                .iter()
                .map(|(w, s)| format!("{w} ({})", thousands(*s)))
                .collect::<Vec<_>>()
                .join(", "),
            node.alarms.to_string(),
        ]);
    }
    outln!("{n}")?;
    let mut a = table(["Party", "Warheads", "Source", "Items", "Published"]);
    for x in &r.arsenals {
        a.add_row([
            x.party.clone(),
            thousands(x.warheads),
            x.source.clone(),
            thousands(x.items as u64),
            "commitments and range proofs only: totals hidden".to_string(),
        ]);
    }
    outln!("{a}")?;
    let mut done = BTreeMap::<(String, String, String), (usize, usize)>::new();
    for i in &r.compliance.inspections {
        let e = done
            .entry((
                i.inspecting.to_string(),
                i.inspected.to_string(),
                i.inspection_type.clone(),
            ))
            .or_default();
        e.0 += 1;
        if i.status == verity_inspect::view::InspectionStatus::Complete {
            e.1 += 1;
        }
    }
    let mut t = table(["By", "Of", "Type", "Inspections", "Complete"]);
    for ((by, of, kind), (count, complete)) in &done {
        t.add_row([
            by.clone(),
            of.clone(),
            kind.clone(),
            count.to_string(),
            complete.to_string(),
        ]);
    }
    outln!(
        "\nInspections of the year (joint randomness: both seeds committed, then revealed)\n{t}"
    )?;
    let mut l = table(["Party", "Limit", "Ceiling", "Verdict"]);
    for v in &r.compliance.limits {
        l.add_row([
            v.party.as_str().to_string(),
            v.limit.clone(),
            thousands(v.max),
            verdict_text(v),
        ]);
    }
    outln!("\nLimits on {} (latest declarations)\n{l}", r.compliance.on)?;
    if r.compliance.findings.is_empty() {
        outln!("\nFindings: none.")?;
    } else {
        let mut f = table(["Severity", "Party", "Rule", "Finding", "Evidence"]);
        for g in group_findings(&r.compliance.findings) {
            f.add_row([
                match g.severity {
                    Severity::Violation => "VIOLATION",
                    Severity::Warning => "warning",
                    Severity::Info => "info",
                }
                .to_string(),
                g.party,
                g.rule,
                g.message,
                g.evidence.join(" "),
            ]);
        }
        outln!(
            "\nFindings of the observer's compliance view ({} violations; evidence as party#entry with inclusion proofs in --json)\n{f}",
            r.compliance.violations
        )?;
    }
    match &r.cheat {
        Some(c) => {
            outln!(
                "\nThe cheat: {}.\n{}. This regime catches it within a year with probability {} (simulator: exact {}, Monte Carlo {} in {} trials, 95% interval {} – {}).",
                c.planted,
                if c.caught {
                    "CAUGHT: the findings above name it"
                } else {
                    "NOT CAUGHT this year"
                },
                percent(c.probability_exact),
                percent(c.probability_exact),
                percent(c.probability_simulated),
                thousands(c.trials),
                percent(c.probability_ci.0),
                percent(c.probability_ci.1),
            )?;
        }
        None => outln!("\nNo party cheats in this run (--cheat none).")?,
    }
    if r.false_alarms > 0 {
        outln!(
            "{} finding(s) concern a party that did not cheat: see above.",
            r.false_alarms
        )?;
    }
    outln!("Report: {}", html.display())?;
    Ok(())
}
