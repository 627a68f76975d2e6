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
        // Committing is computing every site's points (what sealing does once, for the
        // sites' leaves; the proof reuses them).
        let points = counts
            .iter()
            .map(verity_escrow::SiteCounts::points)
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)?;
        co.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let (h, _) = verity_escrow::prove_totals_with_points(&ctx, &counts, &points)?;
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

#[derive(Debug, Serialize)]
struct SealMeasurement {
    items: usize,
    slots: usize,
    padding_positions_shown: usize,
    /// Canonical JSON of what is sealed, before padding.
    opening_bytes: usize,
    /// Padded plaintext: the public capacity of a one-site opening.
    sealed_bytes: usize,
    /// The ciphertext as the entry carries it (base64).
    entry_ciphertext_bytes: usize,
    seal_ours_s: f64,
    seal_bare_s: f64,
    seal_ratio: f64,
    open_ours_s: f64,
    open_bare_s: f64,
    open_ratio: f64,
    runs: usize,
}

/// `verity bench seal`.
pub(crate) fn seal(items: usize, as_json: bool) -> Result<Outcome> {
    let treaty = verity_treaty::builtin::treaty("trilateral-draft")?;
    let slots = treaty
        .escrow()
        .map_or(0, |e| e.padded_items_per_site as usize);
    if items == 0 || items > slots {
        bail!("--items must be between 1 and {slots} (the draft's slots per site)");
    }
    let site = "BENCH-STORE-0";
    let records: Vec<ItemRecord> = (0..items)
        .map(|i| ItemRecord {
            uid: format!("BENCH-WC-{i:05}"),
            class: "warhead_container".into(),
            item_type: "Container".into(),
            site: site.into(),
            status: "non-deployed".into(),
            warheads: 1,
        })
        .collect();
    let bar = spinner("committing a declaration of one full site")?;
    let sealed = SealedDeclaration::commit_hidden(records, &treaty)?;
    let opening = verity_log::InspectionOpening {
        inspection: "BENCH-SEAL".into(),
        request: verity_log::EntryRef {
            log: "bench.log/USA".into(),
            index: 0,
            leaf_hash: verity_escrow::Digest([0; 32]),
        },
        declaration: 0,
        root: sealed.root(),
        site_commitments: sealed.site_commitments(),
        dummies: sealed.padding_openings(),
        sites: vec![sealed.open_site(site)?],
        sealed: None,
    };
    let capacity = verity_inspect::sealed_capacity(&treaty, 1);
    let mut ikm = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut ikm);
    let key = verity_inspect::SealingKey::derive(&ikm);
    bar.set_message("sealing and unsealing");
    const SEAL_RUNS: usize = 7;
    let (mut so, mut oo, mut sb, mut ob) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut entry_ciphertext_bytes = 0;
    for _ in 0..SEAL_RUNS {
        let t = Instant::now();
        let s = verity_inspect::seal_opening(&opening, &key.public_hex(), capacity)?;
        so.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let back = verity_inspect::open_sealed(&s, &key.secret_hex())?;
        oo.push(t.elapsed().as_secs_f64());
        if back.sites != opening.sites || back.dummies != opening.dummies {
            bail!("the sealed opening did not come back as sealed");
        }
        entry_ciphertext_bytes = s.sealed.as_ref().map_or(0, |x| x.ciphertext.len());
        let (bs, bo) = verity_inspect::bare_chacha20poly1305(&vec![0x5a; capacity])?;
        sb.push(bs);
        ob.push(bo);
    }
    bar.finish_and_clear();
    let opening_bytes = verity_log::canonical_json(&(&opening.dummies, &opening.sites)).len();
    let (seal_ours_s, seal_bare_s, open_ours_s, open_bare_s) =
        (median(so), median(sb), median(oo), median(ob));
    let m = SealMeasurement {
        items,
        slots,
        padding_positions_shown: opening.dummies.len(),
        opening_bytes,
        sealed_bytes: capacity,
        entry_ciphertext_bytes,
        seal_ours_s,
        seal_bare_s,
        seal_ratio: seal_ours_s / seal_bare_s,
        open_ours_s,
        open_bare_s,
        open_ratio: open_ours_s / open_bare_s,
        runs: SEAL_RUNS,
    };
    if as_json {
        json(&m)?;
        return Ok(Outcome::Clean);
    }
    let mut t = facts();
    t.add_row([
        "Opening".to_string(),
        format!(
            "one site of {} items in {} slots, {} padding positions shown: {} bytes of JSON, sealed as {} bytes ({} in the entry, base64)",
            thousands(items as u64),
            thousands(slots as u64),
            m.padding_positions_shown,
            thousands(opening_bytes as u64),
            thousands(capacity as u64),
            thousands(entry_ciphertext_bytes as u64)
        ),
    ]);
    t.add_row([
        "Seal: ours (encode, pad, hash, HPKE) / bare ChaCha20-Poly1305".to_string(),
        format!(
            "{:.2} ms / {:.2} ms = {:.2}",
            seal_ours_s * 1e3,
            seal_bare_s * 1e3,
            m.seal_ratio
        ),
    ]);
    t.add_row([
        "Unseal: ours (HPKE, hash, decode) / bare ChaCha20-Poly1305".to_string(),
        format!(
            "{:.2} ms / {:.2} ms = {:.2}",
            open_ours_s * 1e3,
            open_bare_s * 1e3,
            m.open_ratio
        ),
    ]);
    t.add_row([
        "Runs".to_string(),
        format!("medians of {SEAL_RUNS}, one core"),
    ]);
    outln!("{t}")?;
    Ok(Outcome::Clean)
}
