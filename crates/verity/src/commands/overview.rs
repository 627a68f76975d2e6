//! `verity overview`: the embedded data at a glance: every treaty's status today, New START's
//! compliance history from the published aggregate data exchanges, the trilateral draft's
//! hidden totals (each party proves every limit without revealing a count), and what the
//! draft's inspections would catch of each cheating strategy within a year.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;
use verity_escrow::{ProofContext, SealedDeclaration, prove_totals, verify_totals};
use verity_treaty::compliance::{self, Assessment, LimitVerdict, Mode, Severity, Verdict};
use verity_treaty::{PartyCode, StatusReport, builtin};

use crate::Outcome;
use crate::commands::check::print_findings;
use crate::commands::treaty::status_detail;
use crate::output::{json, maybe, signed, table, thousands};

#[derive(Serialize)]
struct DemoReport<'a> {
    today: NaiveDate,
    treaties: Vec<StatusReport>,
    new_start: Assessment,
    figures_file: &'static str,
    hidden_totals: Vec<HiddenDemo>,
    detection: Vec<DetectionDemo>,
    /// New START's recorded events in practice (`data/regime_events.csv`).
    new_start_practice: Vec<&'a verity_treaty::events::RegimeEvent>,
    /// The published figures under each party's recorded position on disputed accounting.
    new_start_disputed: Vec<verity_treaty::accounting::PositionVerdict>,
}

/// How likely the trilateral draft's inspections are to catch each strategy within a year.
#[derive(Serialize)]
struct DetectionDemo {
    party: PartyCode,
    inspections_per_year: u32,
    /// Strategy (with its size) → exact probability of detection within one year (model).
    by_strategy: Vec<(String, f64)>,
}

/// The strategies the demo shows, with their sizes.
const DEMO_STRATEGIES: [(&str, usize, usize); 6] = [
    ("hide-at-undeclared-site", 40, 0),
    ("under-declare-warheads", 5, 0),
    ("declare-eliminated-that-exist", 10, 0),
    ("swap-identifiers", 5, 0),
    ("spread-hidden", 40, 2),
    ("under-commit-totals", 40, 0),
];

/// Each trilateral party's synthetic arsenal against each strategy: the exact one-year
/// detection probability of the simulator's model (the same selection and comparison code).
fn detection_demo() -> Result<Vec<DetectionDemo>> {
    use verity_sim::regime::Regime;
    use verity_sim::strategy::Strategy;
    let treaty = builtin::treaty("trilateral-draft")?;
    let estimates = builtin::estimates()?;
    let records = builtin::new_start_forces()?;
    let counting = treaty
        .inspections()
        .first()
        .map(|k| k.selection.clone())
        .ok_or_else(|| anyhow::anyhow!("the draft has inspections"))?;
    let mut out = Vec::new();
    for party in treaty.parties() {
        let e = estimates
            .iter()
            .find(|e| e.state == *party && e.year == 2025)
            .ok_or_else(|| anyhow::anyhow!("no 2025 estimate for {party}"))?;
        let honest = verity_sim::forces::honest_forces(&treaty, *party, e, &records).items;
        let register = verity_sim::forces::synthetic_register(&treaty, *party);
        let regime = Regime::of(&treaty, *party);
        let mut by_strategy = Vec::new();
        for (name, k, sites) in DEMO_STRATEGIES {
            let s = Strategy::parse(name, k, sites)?;
            let cheat = s.plan(&treaty, &honest, &counting, &register)?;
            let label = match s {
                Strategy::SpreadHidden { k, sites } => format!("{name} ({k} over {sites} sites)"),
                Strategy::SwapIdentifiers { k } => format!("{name} ({k} pairs)"),
                _ => format!("{name} ({k})"),
            };
            by_strategy.push((label, cheat.scenario(&register).exact_year(&regime)));
        }
        out.push(DetectionDemo {
            party: *party,
            inspections_per_year: regime.per_year(),
            by_strategy,
        });
    }
    Ok(out)
}

/// One party's escrowed declaration under the trilateral draft, with totals hidden.
#[derive(Serialize)]
struct HiddenDemo {
    party: PartyCode,
    /// SIPRI 2025 figures the synthetic item list adds up to (known only to the party).
    warheads: u64,
    deployed: u64,
    stored: u64,
    retired: u64,
    items: usize,
    /// What anyone sees: leaves of the declaration's tree, proof size, verdict per limit.
    published_site_leaves: usize,
    proof_bytes: usize,
    verdicts: Vec<LimitVerdict>,
}

/// Each trilateral party declares its SIPRI 2025 arsenal (as a synthetic item list) with
/// hidden totals, padded to the draft's bounds; the proofs are verified and judged.
fn hidden_totals_demo() -> Result<Vec<HiddenDemo>> {
    let treaty = builtin::treaty("trilateral-draft")?;
    let as_of = treaty
        .dates()
        .entry_into_force
        .ok_or_else(|| anyhow::anyhow!("the draft has notional dates"))?;
    let estimates = builtin::estimates()?;
    let mut out = Vec::new();
    for party in treaty.parties() {
        let e = estimates
            .iter()
            .find(|e| e.state == *party && e.year == 2025)
            .ok_or_else(|| anyhow::anyhow!("no 2025 estimate for {party}"))?;
        let (deployed, stored, retired) = (
            e.deployed.unwrap_or(0),
            e.stored.unwrap_or(0),
            e.retired.unwrap_or(0),
        );
        let items = verity_inspect::synthetic_arsenal(party.as_str(), deployed, stored, retired);
        let count = items.len();
        let sealed = SealedDeclaration::commit_hidden(items, &treaty)?;
        let root = sealed.root();
        let ctx = ProofContext {
            treaty: &treaty,
            party: *party,
            as_of,
            root: &root,
        };
        let (published, _) = prove_totals(&ctx, &sealed.site_counts())?;
        let limits = verify_totals(&ctx, &published)?;
        let proved: Vec<String> = limits
            .iter()
            .filter(|l| l.status == verity_escrow::LimitProof::Proved)
            .map(|l| l.limit.clone())
            .collect();
        out.push(HiddenDemo {
            party: *party,
            warheads: deployed + stored + retired,
            deployed,
            stored,
            retired,
            items: count,
            published_site_leaves: sealed.site_commitments().len(),
            proof_bytes: base64_len(&published.proof),
            verdicts: compliance::judge_hidden(
                &treaty,
                *party,
                as_of,
                &proved,
                Mode::AsIfInForce,
                "demo declaration",
            ),
        });
    }
    Ok(out)
}

fn base64_len(b64: &str) -> usize {
    b64.len() / 4 * 3 - b64.bytes().rev().take_while(|&c| c == b'=').count()
}

pub(crate) fn run(today: NaiveDate, as_json: bool) -> Result<Outcome> {
    let treaties = builtin::treaties()?;
    let statuses: Vec<StatusReport> = treaties.iter().map(|t| t.status_on(today)).collect();
    let new_start = builtin::treaty("new-start")?;
    let rows = builtin::new_start_aggregates()?;
    let mut assessment = compliance::assess(&new_start, &rows, today, Mode::AsWritten);
    let events = builtin::regime_events()?;
    verity_treaty::events::add_stated_grounds(&new_start, &mut assessment.findings, &events);
    let hidden = hidden_totals_demo()?;
    let detection = detection_demo()?;
    let disputed = verity_treaty::accounting::judge_positions(
        &new_start,
        &assessment.verdicts,
        &builtin::new_start_accountability()?,
    );

    if as_json {
        json(&DemoReport {
            today,
            treaties: statuses,
            new_start: assessment,
            figures_file: builtin::NEW_START_AGGREGATES.0,
            hidden_totals: hidden,
            detection,
            new_start_practice: events
                .iter()
                .filter(|e| e.treaty == new_start.id())
                .collect(),
            new_start_disputed: disputed,
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

    outln!(
        "\nNew START in practice, as each party stated it ({}; the history above is judged by the text)",
        builtin::REGIME_EVENTS.0
    )?;
    let mut pt = table(["Date", "Who", "Event", "Contested by", "Row"]);
    for e in events.iter().filter(|e| e.treaty == new_start.id()) {
        pt.add_row([
            e.date.to_string(),
            e.actors_text(),
            match e.kind {
                verity_treaty::events::RegimeEventKind::Offer
                | verity_treaty::events::RegimeEventKind::Expiry => e.text.clone(),
                _ => e.practice_line(),
            },
            e.contested_by
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            e.origin.clone(),
        ]);
    }
    outln!("{pt}")?;

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
    for p in new_start.accounting_positions() {
        let mine: Vec<_> = disputed.iter().filter(|v| v.position == p.id).collect();
        if let (Some(first), Some(last)) = (mine.first(), mine.last()) {
            outln!(
                "Disputed: {} counts {}'s {} at {} ({}) on {}, as claimed, where {} counts {} ({}); {} figures from {} to {}, each count with its source in `verity check accounting {} --treaty {}`.",
                p.held_by,
                p.about,
                short_limit_name(&last.declared.limit).to_lowercase(),
                thousands(last.value),
                signed(last.margin),
                last.declared.date,
                p.about,
                maybe(last.declared.value),
                last.declared.verdict.as_str(),
                mine.len(),
                first.declared.date,
                last.declared.date,
                builtin::NEW_START_AGGREGATES.0,
                new_start.id()
            )?;
        }
    }

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

    outln!(
        "\nTrilateral draft, as if in force on its notional date: each party declares its SIPRI 2025 \
         arsenal (a synthetic item list with those totals) with totals hidden"
    )?;
    let limit_ids: Vec<String> = hidden
        .first()
        .map(|h| h.verdicts.iter().map(|v| v.limit.clone()).collect())
        .unwrap_or_default();
    let mut header = vec![
        "Party".to_string(),
        "Warheads (the party's secret)".to_string(),
        "Published".to_string(),
    ];
    header.extend(limit_ids.iter().cloned());
    let mut hv = table(header);
    for h in &hidden {
        let mut row = vec![
            h.party.to_string(),
            thousands(h.warheads),
            format!(
                "{} site leaves, {}-byte proof",
                h.published_site_leaves, h.proof_bytes
            ),
        ];
        for v in &h.verdicts {
            row.push(match v.verdict {
                Verdict::WithinLimitsProved => format!("≤ {}: proved", thousands(v.max)),
                Verdict::Unknown if v.applies_from > v.date => {
                    format!("≤ {} from {}", thousands(v.max), v.applies_from)
                }
                other => other.as_str().to_string(),
            });
        }
        hv.add_row(row);
    }
    outln!("{hv}")?;
    outln!(
        "Every party publishes the same shape (64 site leaves, 2,048 item slots per site, one \
         proof of every applicable limit); `verity declare --treaty trilateral-draft` and \
         `verity audit` do the same on a party's log."
    )?;

    outln!(
        "\nWhat the draft's inspections would catch within a year (exact value of the simulator's \
         model; `verity simulate --treaty trilateral-draft --strategy S` runs the Monte Carlo)"
    )?;
    let mut header = vec!["Party".to_string(), "Inspections a year".to_string()];
    header.extend(
        detection
            .first()
            .map(|d| {
                d.by_strategy
                    .iter()
                    .map(|(s, _)| s.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let mut dt = table(header);
    for d in &detection {
        let mut row = vec![d.party.to_string(), d.inspections_per_year.to_string()];
        row.extend(
            d.by_strategy
                .iter()
                .map(|(_, p)| format!("{:.1}%", p * 100.0)),
        );
        dt.add_row(row);
    }
    outln!("{dt}")?;
    outln!(
        "Type One and Two draw only among declared sites; items kept off the declaration are \
         reached by checks of the facilities each party registers as empty (four each here, two \
         checked per visit). A place on no register is beyond any on-site quota."
    )?;
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
    let word = v.verdict.short_label();
    format!("{value}{star} {word}")
}
