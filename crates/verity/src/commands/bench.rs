//! `verity bench`: durable appends one by one (for crash tests), and our escrow commitment and
//! log audit timed against the bare primitive each rests on, in the same run, as a ratio.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use verity_escrow::{ItemRecord, Salt, SealedDeclaration, bare_leaf_and_node_hashing};
use verity_log::{
    Declaration, EntryBody, Log, Notification, PartyKey, audit, bare_batch_verify,
    bare_signature_inputs,
};

use crate::Outcome;
use crate::output::{facts, json, thousands};

/// Timed repetitions; the median is reported.
const RUNS: usize = 3;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn spinner(msg: &str) -> Result<ProgressBar> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})")?);
    bar.set_message(msg.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Ok(bar)
}

fn notification(declaration: u64, i: u64, date: NaiveDate) -> EntryBody {
    let record = synthetic_item(i, 1);
    EntryBody::Notification(Notification {
        declaration,
        event: verity_treaty::model::EventKind::Created,
        event_date: date,
        uid: record.uid.clone(),
        old: None,
        new: Some(record),
    })
}

/// A plausible New START item: classes, statuses and warhead loadings cycle.
fn synthetic_item(i: u64, sites: u64) -> ItemRecord {
    let (class, item_type, warheads) = match i % 4 {
        0 => ("icbm", "Minuteman III", 1),
        1 => ("slbm", "Trident II D5", 4),
        2 => ("heavy_bomber", "B-52H", 1),
        _ => ("icbm_launcher", "Silo launcher", 0),
    };
    ItemRecord {
        uid: format!("ITEM-{i:08}"),
        class: class.into(),
        item_type: item_type.into(),
        site: format!("SITE-{:04}", i % sites.max(1)),
        status: if i % 3 == 0 {
            "non-deployed"
        } else {
            "deployed"
        }
        .into(),
        warheads,
    }
}

pub(crate) fn append(db: &Path, entries: u64, today: NaiveDate) -> Result<Outcome> {
    let mut log = Log::open(db)?;
    let key = log.signing_key()?;
    let (declaration, _) = log.declaration(None).map_err(|e| {
        anyhow::anyhow!("{e}: notifications refer to a declaration, so declare first")
    })?;
    let mut out = std::io::stdout().lock();
    for i in 0..entries {
        let index = log.append(&key, vec![notification(declaration, i, today)])?[0];
        writeln!(out, "{index}")?;
        out.flush()?;
    }
    Ok(Outcome::Clean)
}

#[derive(Debug, Serialize)]
struct Measurement {
    what: &'static str,
    size: u64,
    ours_s: f64,
    bare: &'static str,
    bare_s: f64,
    ratio: f64,
    target_ratio: f64,
    within_target: bool,
    runs: usize,
    threads: usize,
}

impl Measurement {
    /// Medians of the runs, their ratio, and the 1.5× target both benchmarks share.
    fn new(
        what: &'static str,
        size: u64,
        ours: Vec<f64>,
        bare: &'static str,
        bare_runs: Vec<f64>,
    ) -> Self {
        let (ours_s, bare_s) = (median(ours), median(bare_runs));
        Self {
            what,
            size,
            ours_s,
            bare,
            bare_s,
            ratio: ours_s / bare_s,
            target_ratio: 1.5,
            within_target: ours_s / bare_s <= 1.5,
            runs: RUNS,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

fn report(m: &Measurement, as_json: bool) -> Result<Outcome> {
    if as_json {
        json(m)?;
        return Ok(Outcome::Clean);
    }
    let mut t = facts();
    t.add_row([
        "Measured".to_string(),
        format!("{} ({})", m.what, thousands(m.size)),
    ]);
    t.add_row([
        "Ours (median of runs)".to_string(),
        format!("{:.3} s on {} threads", m.ours_s, m.threads),
    ]);
    t.add_row([
        "Bare primitive".to_string(),
        format!("{:.3} s: {}", m.bare_s, m.bare),
    ]);
    t.add_row([
        "Ratio ours / bare".to_string(),
        format!(
            "{:.2} (target ≤ {:.1}: {})",
            m.ratio,
            m.target_ratio,
            if m.within_target { "met" } else { "NOT met" }
        ),
    ]);
    outln!("{t}")?;
    Ok(Outcome::Clean)
}

pub(crate) fn commit(items: u64, as_json: bool) -> Result<Outcome> {
    if items == 0 {
        bail!("--items must be at least 1");
    }
    let sites = (items / 10_000).max(1);
    let bar = spinner(&format!("committing {} items", thousands(items)))?;
    let inventory: Vec<ItemRecord> = (0..items).map(|i| synthetic_item(i, sites)).collect();
    let leaf_len = {
        let total: usize = inventory
            .iter()
            .take(10_000)
            .map(|r| verity_escrow::item_leaf_preimage(&Salt([0; 32]), r).map_or(0, |p| p.len()))
            .sum();
        total / inventory.len().min(10_000)
    };
    let mut ours = Vec::new();
    let mut bare = Vec::new();
    for _ in 0..RUNS {
        let input = inventory.clone();
        let t = Instant::now();
        let decl = SealedDeclaration::commit(input)?;
        ours.push(t.elapsed().as_secs_f64());
        std::hint::black_box(decl.root());
        drop(decl);
        let t = Instant::now();
        std::hint::black_box(bare_leaf_and_node_hashing(
            items + sites,
            leaf_len,
            items - 1,
        ));
        bare.push(t.elapsed().as_secs_f64());
    }
    bar.finish_and_clear();
    report(
        &Measurement::new(
            "escrow commitment of a synthetic inventory (items)",
            items,
            ours,
            "SHA-256 of as many leaves (same length) and nodes, one core",
            bare,
        ),
        as_json,
    )
}

pub(crate) fn audit_bench(entries: u64, today: NaiveDate, as_json: bool) -> Result<Outcome> {
    if entries == 0 {
        bail!("--entries must be at least 1");
    }
    let dir = tempfile::tempdir()?;
    let key_path = dir.path().join("bench.key");
    let key = PartyKey::generate("verity.log/USA")?;
    key.write(dir.path(), "bench")?;
    let db = dir.path().join("bench.db");
    let mut log = Log::init(&db, "USA", &key, &key_path)?;
    let decl = SealedDeclaration::commit((0..100).map(|i| synthetic_item(i, 4)).collect())?;
    log.append(
        &key,
        vec![EntryBody::Declaration(Declaration {
            treaty: "new-start".into(),
            as_of: today,
            root: decl.root(),
            sites: Some(decl.site_commitments()),
            aggregates: None,
            hidden_totals: None,
            empty_facilities: Vec::new(),
            treaty_digest: None,
        })],
    )?;
    let bar = ProgressBar::new(entries);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} building the log {bar:40} {pos}/{len} entries ({eta} left)",
    )?);
    let mut i = 0;
    while i < entries {
        let batch = (entries - i).min(1000);
        let bodies = (i..i + batch).map(|k| notification(0, k, today)).collect();
        log.append(&key, bodies)?;
        i += batch;
        bar.set_position(i);
    }
    bar.finish_and_clear();
    drop(log);
    let verifier = key.verifier();
    let inputs = bare_signature_inputs(&db)?;
    let bar = spinner("auditing")?;
    let mut ours = Vec::new();
    let mut bare = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = audit(&db, &verifier, &|_, _| {})?;
        ours.push(t.elapsed().as_secs_f64());
        if !r.problems.is_empty() {
            bail!("the benchmark log did not audit clean: {:?}", r.problems[0]);
        }
        let t = Instant::now();
        if !bare_batch_verify(&verifier, &inputs) {
            bail!("bare batch verification failed on the benchmark log");
        }
        bare.push(t.elapsed().as_secs_f64());
    }
    bar.finish_and_clear();
    report(
        &Measurement::new(
            "audit of a log (entries, including one declaration)",
            entries + 1,
            ours,
            "Ed25519 batch verification of the same signatures, one core",
            bare,
        ),
        as_json,
    )
}

/// A synthetic treaty with `k` categories (one class each) and three limits: all categories,
/// the even ones, the odd ones. Ceilings below 2^16, as real ones are.
fn bench_treaty(k: usize) -> Result<verity_treaty::Treaty> {
    use std::fmt::Write as _;
    let mut t = String::from(
        "id = \"bench-proofs\"\ntitle = \"Synthetic treaty for benchmarks\"\nshort_title = \"Bench\"\n\
         kind = \"treaty\"\nstate = \"draft\"\nparties = [\"USA\", \"RUS\"]\n\
         summary = \"Synthetic\"\nsource = \"verity bench proofs\"\n\
         [dates]\nentry_into_force = 2027-02-05\nref = \"synthetic\"\n\
         [items]\nstatuses = [\"deployed\"]\nclasses = [",
    );
    for i in 0..k {
        write!(t, "{{ id = \"k{i}\", name = \"class {i}\" }},")?;
    }
    t.push_str("]\n");
    for i in 0..k {
        write!(
            t,
            "[[category]]\nid = \"c{i}\"\nname = \"category {i}\"\n\
             counts = [{{ class = \"k{i}\", status = \"deployed\", measure = \"items\" }}]\nref = \"synthetic\"\n"
        )?;
    }
    let terms = |pick: &dyn Fn(usize) -> bool| {
        let v: Vec<String> = (0..k)
            .filter(|i| pick(*i))
            .map(|i| format!("c{i} = 1"))
            .collect();
        if v.is_empty() {
            "c0 = 1".to_string()
        } else {
            v.join(", ")
        }
    };
    for (id, max, tm) in [
        ("all", 60_000, terms(&|_| true)),
        ("even", 30_000, terms(&|i| i % 2 == 0)),
        ("odd", 30_000, terms(&|i| i % 2 == 1)),
    ] {
        write!(
            t,
            "[[limit]]\nid = \"{id}\"\nname = \"{id}\"\nmax = {max}\nterms = {{ {tm} }}\n\
             applies_from = 2027-02-05\nref = \"synthetic\"\n"
        )?;
    }
    Ok(verity_treaty::Treaty::from_toml("bench-proofs", &t)?)
}

#[derive(Debug, Serialize)]
struct ProofMeasurement {
    categories: usize,
    limits: usize,
    sites: usize,
    values: usize,
    bits: u32,
    /// Committing every site's counts (done once, when the declaration is sealed).
    commit_counts_s: f64,
    prove_ours_s: f64,
    prove_bare_s: f64,
    prove_ratio: f64,
    verify_ours_s: f64,
    verify_bare_s: f64,
    verify_ratio: f64,
    target_prove_ratio: f64,
    target_verify_s: f64,
    within_target: bool,
    runs: usize,
}

pub(crate) fn proofs(categories: usize, sites: usize, as_json: bool) -> Result<Outcome> {
    if categories == 0 || categories > 60 {
        bail!("--categories must be between 1 and 60");
    }
    if sites == 0 || sites > 4096 {
        bail!("--sites must be between 1 and 4,096");
    }
    let treaty = bench_treaty(categories)?;
    let names = verity_escrow::limit_categories(&treaty);
    // Each category's total (100 + i) spread over the first sites; the rest count zero.
    let per_site: Vec<std::collections::BTreeMap<String, u64>> = (0..sites)
        .map(|s| {
            (0..categories)
                .map(|i| {
                    let total = 100 + i as u64;
                    let n = sites as u64;
                    let share = total / n + u64::from((s as u64) < total % n);
                    (format!("c{i}"), share)
                })
                .collect()
        })
        .collect();
    let root = verity_escrow::Digest([0x42; 32]);
    let ctx = verity_escrow::ProofContext {
        treaty: &treaty,
        party: verity_treaty::PartyCode::parse("USA").map_err(anyhow::Error::msg)?,
        as_of: NaiveDate::from_ymd_opt(2027, 2, 5).expect("valid date"),
        root: &root,
    };
    const PROOF_RUNS: usize = 7;
    let bar = spinner("proving and verifying")?;
    let (mut co, mut po, mut vo, mut pb, mut vb) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut bits = 0;
    let values = (categories + 3).next_power_of_two();
    for _ in 0..PROOF_RUNS {
        let t = Instant::now();
        let counts: Vec<verity_escrow::SiteCounts> = per_site
            .iter()
            .map(|c| verity_escrow::SiteCounts::commit(c, &names))
            .collect();
        // Committing is computing every site's points (what sealing does once).
        for c in &counts {
            c.points().map_err(anyhow::Error::msg)?;
        }
        co.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let (h, _) = verity_escrow::prove_totals(&ctx, &counts)?;
        po.push(t.elapsed().as_secs_f64());
        bits = h.bits;
        let t = Instant::now();
        verity_escrow::verify_totals(&ctx, &h).map_err(anyhow::Error::msg)?;
        vo.push(t.elapsed().as_secs_f64());
        let (p, v) = verity_escrow::bare_range_proofs(categories + 3, h.bits as usize)?;
        pb.push(p);
        vb.push(v);
    }
    bar.finish_and_clear();
    let (prove_ours_s, prove_bare_s) = (median(po), median(pb));
    let (verify_ours_s, verify_bare_s) = (median(vo), median(vb));
    let m = ProofMeasurement {
        categories,
        limits: 3,
        sites,
        values,
        bits,
        commit_counts_s: median(co),
        prove_ours_s,
        prove_bare_s,
        prove_ratio: prove_ours_s / prove_bare_s,
        verify_ours_s,
        verify_bare_s,
        verify_ratio: verify_ours_s / verify_bare_s,
        target_prove_ratio: 1.3,
        target_verify_s: 0.020,
        within_target: prove_ours_s / prove_bare_s <= 1.3 && verify_ours_s < 0.020,
        runs: PROOF_RUNS,
    };
    if as_json {
        json(&m)?;
        return Ok(Outcome::Clean);
    }
    let mut t = facts();
    t.add_row([
        "Declaration".to_string(),
        format!(
            "{sites} sites each committing to {categories} category counts; 3 limits: {} ranges of {bits} bits (padded to {values})",
            categories + 3
        ),
    ]);
    t.add_row([
        "Commit the sites' counts (once, when sealing)".to_string(),
        format!(
            "{:.1} ms ({} commitments)",
            m.commit_counts_s * 1e3,
            sites * categories
        ),
    ]);
    t.add_row([
        "Prove: ours / bare crate".to_string(),
        format!(
            "{:.1} ms / {:.1} ms = {:.2}",
            m.prove_ours_s * 1e3,
            m.prove_bare_s * 1e3,
            m.prove_ratio
        ),
    ]);
    t.add_row([
        "Verify: ours / bare crate".to_string(),
        format!(
            "{:.2} ms / {:.2} ms = {:.2} (summing {} site commitments included)",
            m.verify_ours_s * 1e3,
            m.verify_bare_s * 1e3,
            m.verify_ratio,
            sites * categories
        ),
    ]);
    t.add_row([
        "Target".to_string(),
        format!(
            "prove ratio ≤ 1.3 and verify < 20 ms: {} (medians of {PROOF_RUNS} runs, one core)",
            if m.within_target { "met" } else { "NOT met" }
        ),
    ]);
    outln!("{t}")?;
    Ok(Outcome::Clean)
}
