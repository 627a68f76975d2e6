//! The escrow and log commands a party runs: `keygen`, `log init`, `declare`, `disclose`,
//! `open`, and the reader's `verify-opening`. Each loads its inputs, calls `verity-escrow` and
//! `verity-log`, and prints a short table or JSON.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use verity_escrow::{
    Padding, PrivateStore, ProofContext, SealedDeclaration, StagePlan, parse_inventory,
    prove_totals, stage_level, tally_items, verify_totals,
};
use verity_log::{
    ClearAggregates, Declaration, Disclosure, EntryBody, ItemOpeningBundle, Log, PartyKey,
    VerifierKey, default_name,
};
use verity_treaty::PartyCode;
use verity_treaty::model::DisclosureLevel;

use crate::Outcome;
use crate::output::{facts, json, thousands};
use crate::resolve;

fn party_code(party: &str) -> Result<PartyCode> {
    PartyCode::parse(party).map_err(|m| anyhow::anyhow!("--party: {m}"))
}

pub(crate) fn keygen(
    party: &str,
    out: &Path,
    name: Option<&str>,
    as_json: bool,
) -> Result<Outcome> {
    let party = party_code(party)?;
    let name = name.map_or_else(|| default_name(party.as_str()), str::to_string);
    let key = PartyKey::generate(&name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
    let stem = party.as_str().to_lowercase();
    let (key_path, pub_path) = key.write(out, &stem)?;
    let verifier = key.verifier();
    if as_json {
        json(&serde_json::json!({
            "party": party.as_str(),
            "name": name,
            "key_id": format!("{:08x}", verifier.id()),
            "signing_key": key_path,
            "verifier_key": pub_path,
            "verifier": verifier.text(),
        }))?;
    } else {
        let mut t = facts();
        t.add_row([
            "Signing key (mode 0600)".to_string(),
            key_path.display().to_string(),
        ]);
        t.add_row(["Verifier key".to_string(), pub_path.display().to_string()]);
        t.add_row(["Verifier".to_string(), verifier.text().to_string()]);
        outln!("{t}")?;
    }
    Ok(Outcome::Clean)
}

/// `--key` may name the key file or the directory `keygen` wrote `<party>.key` into.
fn key_file(given: &Path, party: &str) -> PathBuf {
    if given.is_dir() {
        given.join(format!("{}.key", party.to_lowercase()))
    } else {
        given.to_path_buf()
    }
}

pub(crate) fn log_init(party: &str, key: &Path, db: &Path, as_json: bool) -> Result<Outcome> {
    let party = party_code(party)?;
    let key_path = key_file(key, party.as_str());
    let key = PartyKey::load(&key_path)?;
    if db.exists() {
        bail!(
            "{} already exists: refusing to initialise over it",
            db.display()
        );
    }
    let store_dir = PrivateStore::dir_for(db);
    let pass = resolve::passphrase(true)?;
    PrivateStore::create(&store_dir, pass.as_bytes())?;
    let log = Log::init(db, party.as_str(), &key, &key_path)?;
    verity_node::create_token(db).map_err(anyhow::Error::msg)?;
    let token = verity_node::token_path(db);
    if as_json {
        json(&serde_json::json!({
            "db": db,
            "party": log.party(),
            "origin": log.origin(),
            "verifier": log.recorded_verifier().text(),
            "private_store": store_dir,
            "operator_token": token,
        }))?;
    } else {
        let mut t = facts();
        t.add_row(["Log".to_string(), db.display().to_string()]);
        t.add_row(["Party".to_string(), log.party().to_string()]);
        t.add_row(["Origin".to_string(), log.origin().to_string()]);
        t.add_row([
            "Private store (encrypted)".to_string(),
            store_dir.display().to_string(),
        ]);
        t.add_row([
            "Node operator token (mode 0600)".to_string(),
            token.display().to_string(),
        ]);
        outln!("{t}")?;
    }
    Ok(Outcome::Clean)
}

pub(crate) fn open_store(db: &Path) -> Result<PrivateStore> {
    let dir = PrivateStore::dir_for(db);
    if !dir.is_dir() {
        bail!(
            "{} has no private store ({} is missing)",
            db.display(),
            dir.display()
        );
    }
    let pass = resolve::passphrase(false)?;
    Ok(PrivateStore::open(&dir, pass.as_bytes())?)
}

/// Whether stage 1 (site commitments) is published with a declaration as of `as_of`: when the
/// plan's stage 1 opens sites and is due by then.
fn stage_one_due(treaty: &verity_treaty::Treaty, as_of: NaiveDate) -> bool {
    let plan = StagePlan::of(treaty);
    if plan.levels.first() != Some(&(1, DisclosureLevel::Sites)) {
        return false;
    }
    if !plan.from_treaty {
        return true;
    }
    let Some(stage) = treaty.disclosure_stages().iter().find(|s| s.stage == 1) else {
        return false;
    };
    match treaty.dates().entry_into_force {
        Some(eif) => eif
            .checked_add_months(chrono::Months::new(stage.months_after_entry_into_force))
            .is_some_and(|due| due <= as_of),
        None => stage.months_after_entry_into_force == 0,
    }
}

/// What a declaration publishes besides its root.
#[derive(Debug, Clone)]
pub(crate) struct Publish {
    /// Category counts and limit values in clear.
    pub(crate) clear_aggregates: bool,
    /// Commitments and a proof instead of counts (forced on when the treaty hides totals).
    pub(crate) hide_totals: bool,
    /// Facilities registered as holding no accountable item.
    pub(crate) empty_facilities: Vec<String>,
}

pub(crate) fn declare(
    db: &Path,
    inventory: &Path,
    treaty_arg: &str,
    as_of: NaiveDate,
    publish: Publish,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let mut log = Log::open(db)?;
    let key = log.signing_key()?;
    let treaty = resolve::treaty(treaty_arg)?;
    let party = party_code(log.party())?;
    if !treaty.parties().contains(&party) {
        bail!(
            "{} is not a party to `{}` (parties: {})",
            party.as_str(),
            treaty.id(),
            treaty
                .parties()
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let treaty_hides = treaty.escrow().is_some_and(|e| e.hidden_totals);
    let hide = publish.hide_totals || treaty_hides;
    if hide && publish.clear_aggregates {
        bail!(
            "`{}` keeps totals hidden until stage {}: --clear-aggregates would publish them",
            treaty.id(),
            treaty
                .escrow()
                .and_then(|e| e.totals_revealed_at_stage)
                .map_or_else(|| "its last".to_string(), |s| s.to_string())
        );
    }
    let padding = if hide {
        Some(Padding::of(&treaty).ok_or_else(|| {
            anyhow::anyhow!(
                "`{}` sets no public bound on sites and items ([escrow] padded_sites, padded_items_per_site): without padding the published shape of the declaration would give its totals away",
                treaty.id()
            )
        })?)
    } else {
        None
    };
    let text = resolve::read(inventory)?;
    let items = parse_inventory(&inventory.display().to_string(), &text, &treaty)?;
    let tally = tally_items(&treaty, &items)?;
    let item_count = items.len();
    let store = open_store(db)?;
    let mut sealed = SealedDeclaration::commit_padded(items, padding)?;
    let root = sealed.root();
    let hidden_totals = if hide {
        let ctx = ProofContext {
            treaty: &treaty,
            party,
            as_of,
            root: &root,
        };
        match prove_totals(&ctx, &tally.categories) {
            Ok((published, opening)) => {
                sealed.set_totals_opening(opening);
                Some(published)
            }
            Err(e @ verity_escrow::EscrowError::OverLimit { .. }) => {
                eprintln!("not declared: {e}");
                return Ok(Outcome::Findings);
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    store.put(&root, &sealed.to_private_json())?;
    let publish_sites = stage_one_due(&treaty, as_of);
    let aggregates = publish.clear_aggregates.then(|| ClearAggregates {
        limits: treaty.limit_values(&tally.categories),
        categories: tally.categories.clone(),
    });
    let limits = match &hidden_totals {
        Some(h) => Some(
            verify_totals(
                &ProofContext {
                    treaty: &treaty,
                    party,
                    as_of,
                    root: &root,
                },
                h,
            )
            .map_err(|m| anyhow::anyhow!("our own proof does not verify: {m}"))?,
        ),
        None => None,
    };
    let body = Declaration {
        treaty: treaty.id().to_string(),
        as_of: as_of.format("%Y-%m-%d").to_string(),
        root,
        sites: publish_sites.then(|| sealed.site_commitments()),
        aggregates: aggregates.clone(),
        hidden_totals,
        empty_facilities: publish.empty_facilities.clone(),
    };
    let index = log.append_on(&key, today, vec![EntryBody::Declaration(body)])?[0];
    if as_json {
        json(&serde_json::json!({
            "index": index,
            "root": root,
            "treaty": treaty.id(),
            "as_of": as_of,
            "items": item_count,
            "sites": sealed.sites().len(),
            "stage_1_published": publish_sites,
            "aggregates": aggregates,
            "hidden_totals": hide,
            "padding": padding.map(|p| serde_json::json!({"sites": p.sites, "items_per_site": p.items_per_site})),
            "limits": limits,
        }))?;
    } else {
        let mut t = facts();
        t.add_row(["Log index".to_string(), index.to_string()]);
        t.add_row(["Root".to_string(), root.to_hex()]);
        t.add_row([
            "Treaty, as of".to_string(),
            format!("{}, {as_of}", treaty.id()),
        ]);
        t.add_row([
            "Committed (private)".to_string(),
            format!(
                "{} items at {} sites",
                thousands(item_count as u64),
                thousands(sealed.sites().len() as u64)
            ),
        ]);
        if let Some(p) = padding {
            t.add_row([
                "Padded to (public bound)".to_string(),
                format!(
                    "{} sites × {} item slots",
                    thousands(u64::from(p.sites)),
                    thousands(u64::from(p.items_per_site))
                ),
            ]);
        }
        let published = [
            Some("root"),
            publish_sites.then_some("site commitments (stage 1)"),
            publish.clear_aggregates.then_some("aggregates in clear"),
            hide.then_some("count commitments and limit proofs (totals hidden)"),
        ];
        t.add_row([
            "Published".to_string(),
            published
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
        ]);
        if let Some(a) = &aggregates {
            for (id, v) in &a.limits {
                t.add_row([format!("Limit `{id}` (clear)"), thousands(*v)]);
            }
        }
        for l in limits.iter().flatten() {
            t.add_row([
                format!("Limit `{}` (ceiling {})", l.limit, thousands(l.ceiling)),
                match l.status {
                    "proved" => "within limits (proved), totals hidden".to_string(),
                    other => other.to_string(),
                },
            ]);
        }
        outln!("{t}")?;
    }
    Ok(Outcome::Clean)
}

pub(crate) fn load_declaration(
    log: &Log,
    index: Option<u64>,
    db: &Path,
) -> Result<(u64, Declaration, SealedDeclaration)> {
    let (idx, leaf) = log.declaration(index)?;
    let EntryBody::Declaration(decl) = leaf.statement.entry else {
        bail!("entry {idx} is not a declaration");
    };
    let store = open_store(db)?;
    let secrets = store.get(&decl.root)?;
    let sealed = SealedDeclaration::from_private_json(&secrets, &decl.root)?;
    Ok((idx, decl, sealed))
}

pub(crate) fn disclose(
    db: &Path,
    stage: u32,
    sites: &[String],
    declaration: Option<u64>,
    treaty_arg: Option<&str>,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let mut log = Log::open(db)?;
    let key = log.signing_key()?;
    let (idx, decl, sealed) = load_declaration(&log, declaration, db)?;
    let treaty = resolve::treaty(treaty_arg.unwrap_or(&decl.treaty))
        .with_context(|| format!("the treaty `{}` of declaration {idx}", decl.treaty))?;
    if treaty.id() != decl.treaty {
        bail!(
            "declaration {idx} is under `{}`, not `{}`",
            decl.treaty,
            treaty.id()
        );
    }
    let level = stage_level(&treaty, stage)?;
    if decl.hidden_totals.is_some() && level == DisclosureLevel::SiteItemCounts && sites.is_empty()
    {
        bail!(
            "declaration {idx} hides its totals: stage {stage} opens the item counts of chosen sites only (give --sites), since every site's count would add up to the total"
        );
    }
    let chosen: Vec<String> = if sites.is_empty() {
        sealed.sites().iter().map(|s| s.name.clone()).collect()
    } else {
        sites.to_vec()
    };
    let mut body = Disclosure {
        declaration: idx,
        root: decl.root,
        stage,
        level,
        sites: Vec::new(),
        site_counts: Vec::new(),
        site_items: Vec::new(),
        dummy_sites: Vec::new(),
        totals: None,
    };
    let reveal_stage = treaty.escrow().and_then(|e| e.totals_revealed_at_stage);
    if reveal_stage == Some(stage) {
        body.totals = sealed.totals_opening().cloned();
    }
    match level {
        DisclosureLevel::Sites => {
            if !sites.is_empty() {
                bail!("stage {stage} opens every site's commitment: --sites does not apply");
            }
            body.sites = sealed.site_commitments();
        }
        DisclosureLevel::SiteItemCounts => {
            body.site_counts = chosen
                .iter()
                .map(|s| sealed.open_site_count(s))
                .collect::<Result<_, _>>()?;
        }
        DisclosureLevel::Items => {
            body.site_items = chosen
                .iter()
                .map(|s| sealed.open_site(s))
                .collect::<Result<_, _>>()?;
            if sites.is_empty() {
                body.dummy_sites = sealed.dummy_site_salts().to_vec();
            }
        }
    }
    let opened = body.sites.len() + body.site_counts.len() + body.site_items.len();
    let items: usize = body.site_items.iter().map(|s| s.items.len()).sum();
    let index = log.append_on(&key, today, vec![EntryBody::Disclosure(body)])?[0];
    if as_json {
        json(&serde_json::json!({
            "index": index,
            "declaration": idx,
            "stage": stage,
            "level": level,
            "opened": opened,
            "items": items,
        }))?;
    } else {
        let mut t = facts();
        t.add_row(["Log index".to_string(), index.to_string()]);
        t.add_row(["Declaration".to_string(), idx.to_string()]);
        t.add_row(["Stage".to_string(), format!("{stage} ({level:?})")]);
        t.add_row([
            "Opened".to_string(),
            match level {
                DisclosureLevel::Sites => format!("{opened} site commitments"),
                DisclosureLevel::SiteItemCounts => format!("item counts of {opened} sites"),
                DisclosureLevel::Items => {
                    format!("{opened} sites whole ({} items)", thousands(items as u64))
                }
            },
        ]);
        outln!("{t}")?;
    }
    Ok(Outcome::Clean)
}

pub(crate) fn open(db: &Path, uid: &str, declaration: Option<u64>) -> Result<Outcome> {
    let log = Log::open(db)?;
    let (idx, _, sealed) = load_declaration(&log, declaration, db)?;
    let bundle = ItemOpeningBundle::build(&log, idx, &sealed, uid)?;
    json(&bundle)?;
    Ok(Outcome::Clean)
}

pub(crate) fn verify_opening(
    file: &Path,
    checkpoint: &Path,
    key: &Path,
    as_json: bool,
) -> Result<Outcome> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let bundle =
        ItemOpeningBundle::parse(&bytes).map_err(|m| anyhow::anyhow!("{}: {m}", file.display()))?;
    let note = std::fs::read(checkpoint)
        .with_context(|| format!("cannot read {}", checkpoint.display()))?;
    let key = VerifierKey::load(key)?;
    let result = bundle.verify(&note, &key);
    let r = &bundle.opening.record;
    if as_json {
        json(&match &result {
            Ok(check) => serde_json::json!({"valid": true, "check": check, "record": r}),
            Err(reason) => serde_json::json!({"valid": false, "reason": reason}),
        })?;
    } else {
        match &result {
            Ok(check) => {
                outln!(
                    "valid: item `{}` is committed in declaration {} of {} (treaty {}, as of {}), under a checkpoint of size {}",
                    r.uid,
                    check.declaration_index,
                    check.log,
                    check.treaty,
                    check.as_of,
                    check.tree_size
                )?;
                let mut t = facts();
                for (k, v) in [
                    ("UID", r.uid.clone()),
                    ("Class", r.class.clone()),
                    ("Type", r.item_type.clone()),
                    ("Site", r.site.clone()),
                    ("Status", r.status.clone()),
                    ("Warheads", r.warheads.to_string()),
                    ("Declaration root", check.root.clone()),
                ] {
                    t.add_row([k.to_string(), v]);
                }
                outln!("{t}")?;
            }
            Err(reason) => outln!("invalid: {reason}")?,
        }
    }
    Ok(if result.is_ok() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
