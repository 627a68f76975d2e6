//! The escrow and log commands a party runs: `keygen`, `log init`, `declare`, `disclose`,
//! `open`, and the reader's `verify-opening`. Each loads its inputs, calls `verity-escrow` and
//! `verity-log`, and prints a short table or JSON.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use verity_escrow::{EscrowError, LimitProof, PrivateStore, parse_inventory};
use verity_log::{EntryBody, ItemOpeningBundle, Log, PartyKey, VerifierKey, default_name};
use verity_party::{PartyError, Publish, Secrets};
use verity_treaty::PartyCode;
use verity_treaty::compliance::PROVED_TOTALS_HIDDEN;
use verity_treaty::model::DisclosureLevel;

use crate::Outcome;
use crate::cli::OwnLogArgs;
use crate::commands::party::{open_store, operator};
use crate::output::{facts, json, thousands};
use crate::resolve;

fn party_code(party: &str) -> Result<PartyCode> {
    PartyCode::parse(party).context("--party")
}

pub(crate) fn keygen(
    party: &str,
    out: &Path,
    name: Option<&str>,
    as_json: bool,
) -> Result<Outcome> {
    let party = party_code(party)?;
    let name = name.map_or_else(|| default_name(party.as_str()), str::to_string);
    let key = PartyKey::generate(&name).context("--name")?;
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
    verity_node::create_token(db)?;
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

pub(crate) fn declare(
    own: &OwnLogArgs,
    inventory: &Path,
    treaty_arg: &str,
    as_of: NaiveDate,
    publish: Publish,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let treaty = resolve::treaty(treaty_arg)?;
    let text = resolve::read(inventory)?;
    let items = parse_inventory(&inventory.display().to_string(), &text, &treaty)?;
    let mut party = operator(own, today)?;
    let d = match party.declare(&treaty, items, as_of, &publish) {
        Ok(d) => d,
        Err(PartyError::Escrow(e @ EscrowError::OverLimit { .. })) => {
            eprintln!("not declared: {e}");
            return Ok(Outcome::Findings);
        }
        Err(e) => return Err(e.into()),
    };
    if as_json {
        json(&serde_json::json!({
            "index": d.index,
            "root": d.root,
            "treaty": treaty.id(),
            "as_of": as_of,
            "items": d.items,
            "sites": d.sites,
            "stage_1_published": d.stage_1_published,
            "aggregates": d.aggregates,
            "hidden_totals": d.hidden_totals,
            "padding": d.padding.map(|(s, i)| serde_json::json!({"sites": s, "items_per_site": i})),
            "limits": d.limits,
        }))?;
        return Ok(Outcome::Clean);
    }
    let mut t = facts();
    t.add_row(["Log index".to_string(), d.index.to_string()]);
    t.add_row(["Root".to_string(), d.root.to_hex()]);
    t.add_row([
        "Treaty, as of".to_string(),
        format!("{}, {as_of}", treaty.id()),
    ]);
    t.add_row([
        "Committed (private)".to_string(),
        format!(
            "{} items at {} sites",
            thousands(d.items as u64),
            thousands(d.sites as u64)
        ),
    ]);
    if let Some((sites, per_site)) = d.padding {
        t.add_row([
            "Padded to (public bound)".to_string(),
            format!(
                "{} sites × {} item slots",
                thousands(u64::from(sites)),
                thousands(u64::from(per_site))
            ),
        ]);
    }
    let published = [
        Some("root"),
        d.stage_1_published.then_some("site commitments (stage 1)"),
        d.aggregates.is_some().then_some("aggregates in clear"),
        d.hidden_totals
            .then_some("count commitments and limit proofs (totals hidden)"),
    ];
    t.add_row([
        "Published".to_string(),
        published
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
    ]);
    if let Some(a) = &d.aggregates {
        for (id, v) in &a.limits {
            t.add_row([format!("Limit `{id}` (clear)"), thousands(*v)]);
        }
    }
    for l in d.limits.iter().flatten() {
        t.add_row([
            format!("Limit `{}` (ceiling {})", l.limit, thousands(l.ceiling)),
            match l.status {
                LimitProof::Proved => PROVED_TOTALS_HIDDEN.to_string(),
                LimitProof::NotYetApplicable => "not yet applicable".to_string(),
            },
        ]);
    }
    outln!("{t}")?;
    Ok(Outcome::Clean)
}

pub(crate) fn disclose(
    own: &OwnLogArgs,
    stage: u32,
    sites: &[String],
    declaration: Option<u64>,
    treaty_arg: Option<&str>,
    today: NaiveDate,
    as_json: bool,
) -> Result<Outcome> {
    let mut party = operator(own, today)?;
    let (idx, decl) = party.declaration(declaration)?;
    let named = decl.treaty.clone();
    let treaty = resolve::treaty(treaty_arg.unwrap_or(&named))
        .with_context(|| format!("the treaty `{named}` of declaration {idx}"))?;
    let d = party.disclose(&treaty, stage, sites, Some(idx))?;
    if as_json {
        json(&serde_json::json!({
            "index": d.index,
            "declaration": d.declaration,
            "stage": d.stage,
            "level": d.level,
            "opened": d.opened,
            "items": d.items,
        }))?;
        return Ok(Outcome::Clean);
    }
    let mut t = facts();
    t.add_row(["Log index".to_string(), d.index.to_string()]);
    t.add_row(["Declaration".to_string(), d.declaration.to_string()]);
    t.add_row(["Stage".to_string(), format!("{stage} ({:?})", d.level)]);
    t.add_row([
        "Opened".to_string(),
        match d.level {
            DisclosureLevel::Sites => format!("{} site commitments", d.opened),
            DisclosureLevel::SiteItemCounts => format!("item counts of {} sites", d.opened),
            DisclosureLevel::Items => format!(
                "{} sites whole ({} items)",
                d.opened,
                thousands(d.items as u64)
            ),
        },
    ]);
    outln!("{t}")?;
    Ok(Outcome::Clean)
}

pub(crate) fn open(db: &Path, uid: &str, declaration: Option<u64>) -> Result<Outcome> {
    let log = Log::open_read_only(db)?;
    let (idx, leaf) = log.declaration(declaration)?;
    let EntryBody::Declaration(decl) = leaf.statement.entry else {
        bail!("entry {idx} is not a declaration");
    };
    let store = open_store(&PrivateStore::dir_for(db))?;
    let sealed = store.declaration(&decl.root)?;
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
    let bundle = ItemOpeningBundle::parse(&bytes).with_context(|| file.display().to_string())?;
    let note = std::fs::read(checkpoint)
        .with_context(|| format!("cannot read {}", checkpoint.display()))?;
    let key = VerifierKey::load(key)?;
    let result = bundle.verify(&note, &key);
    let r = &bundle.opening.record;
    if as_json {
        json(&match &result {
            Ok(check) => serde_json::json!({"valid": true, "check": check, "record": r}),
            Err(reason) => serde_json::json!({"valid": false, "reason": reason.to_string()}),
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
