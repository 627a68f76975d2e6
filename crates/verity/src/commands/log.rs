//! Reading a party's log: `log checkpoint`, `log prove`, `log entries`, and `audit`, which
//! recomputes everything from the database's bytes against the verifier key the user brings.

use std::path::Path;

use anyhow::{Result, bail};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use indicatif::{ProgressBar, ProgressStyle};
use verity_inspect::view::{LoadedLog, judge_escrow};
use verity_log::{Log, Problem, VerifierKey, leaf_hash};
use verity_treaty::Treaty;
use verity_treaty::compliance::Verdict;

use crate::Outcome;
use crate::output::{facts, json, table, thousands};
use crate::resolve;

pub(crate) fn checkpoint(db: &Path, as_json: bool) -> Result<Outcome> {
    let log = Log::open_read_only(db)?;
    let Some((size, note)) = log.latest_checkpoint()? else {
        bail!("{} has no entries, so no checkpoint yet", db.display());
    };
    if as_json {
        json(&serde_json::json!({
            "size": size,
            "note": String::from_utf8_lossy(&note),
        }))?;
    } else {
        use std::io::Write;
        std::io::stdout().lock().write_all(&note)?;
    }
    Ok(Outcome::Clean)
}

fn b64(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(|h| BASE64_STANDARD.encode(h)).collect()
}

pub(crate) fn prove(
    db: &Path,
    index: Option<u64>,
    size: Option<u64>,
    from: Option<u64>,
    to: Option<u64>,
    as_json: bool,
) -> Result<Outcome> {
    let log = Log::open_read_only(db)?;
    let value = match (index, from, to) {
        (Some(index), None, None) => {
            let size = match size {
                Some(s) => s,
                None => log.size()?,
            };
            let proof = log.inclusion_proof(index, size)?;
            let entry = log.entry(index)?;
            serde_json::json!({
                "type": "inclusion",
                "index": index,
                "tree_size": size,
                "root": BASE64_STANDARD.encode(log.root(size)?),
                "leaf_hash": BASE64_STANDARD.encode(leaf_hash(&entry.leaf)),
                "proof": b64(&proof),
            })
        }
        (None, Some(from), Some(to)) => {
            let proof = log.consistency_proof(from, to)?;
            serde_json::json!({
                "type": "consistency",
                "from": from,
                "to": to,
                "old_root": BASE64_STANDARD.encode(log.root(from)?),
                "new_root": BASE64_STANDARD.encode(log.root(to)?),
                "proof": b64(&proof),
            })
        }
        _ => bail!(
            "give --index I for an inclusion proof, or --from N --to M for a consistency proof"
        ),
    };
    if as_json {
        json(&value)?;
    } else {
        let mut t = facts();
        if let Some(map) = value.as_object() {
            for (k, v) in map {
                let text = match v {
                    serde_json::Value::Array(a) => a
                        .iter()
                        .map(|x| x.as_str().unwrap_or_default().to_string())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                t.add_row([k.clone(), text]);
            }
        }
        outln!("{t}")?;
    }
    Ok(Outcome::Clean)
}

pub(crate) fn entries(db: &Path, from: u64, to: Option<u64>, as_json: bool) -> Result<Outcome> {
    let log = Log::open_read_only(db)?;
    let to = match to {
        Some(t) => t,
        None => log.size()?,
    };
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    let entries = log.entries(from, to)?;
    if as_json {
        let rows: Vec<_> = entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "index": e.index,
                    "kind": e.kind,
                    "leaf": BASE64_STANDARD.encode(&e.leaf),
                    "leaf_hash": BASE64_STANDARD.encode(leaf_hash(&e.leaf)),
                })
            })
            .collect();
        json(&rows)?;
    } else {
        let mut t = table(["Index", "Kind", "Bytes", "Leaf hash (RFC 6962, base64)"]);
        for e in &entries {
            t.add_row([
                e.index.to_string(),
                e.kind.clone(),
                thousands(e.leaf.len() as u64),
                BASE64_STANDARD.encode(leaf_hash(&e.leaf)),
            ]);
        }
        outln!("{t}")?;
    }
    Ok(Outcome::Clean)
}

/// The treaty a declaration names: the one given with `--treaty` when the ids agree, else the
/// built-in one.
fn treaty_resolver(
    given: Option<Treaty>,
) -> impl Fn(&str) -> Option<std::borrow::Cow<'static, Treaty>> {
    move |id: &str| match &given {
        Some(t) if t.id() == id => Some(std::borrow::Cow::Owned(t.clone())),
        _ => verity_treaty::builtin::treaty(id)
            .ok()
            .map(std::borrow::Cow::Owned),
    }
}

pub(crate) fn run_audit(
    db: &Path,
    key: &Path,
    treaty: Option<&str>,
    as_json: bool,
) -> Result<Outcome> {
    let key = VerifierKey::load(key)?;
    let given = treaty.map(resolve::treaty).transpose()?;
    let bar = ProgressBar::new(0);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} auditing {bar:40} {pos}/{len} entries",
    )?);
    let loaded = LoadedLog::from_file_watched(db, Some(key), &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    let report = loaded.audit().clone();
    let escrow = judge_escrow(&loaded, &treaty_resolver(given));
    // Every problem, the bytes' and the escrow's violations, by entry; the escrow's warnings
    // (totals not yet compared with items) are notes that do not fail the audit.
    let as_problem = |f: &verity_inspect::view::ViewFinding| Problem {
        entry: f.evidence.last().map(|e| e.index),
        checkpoint: None,
        rule: f.rule,
        message: strip_entry(&f.message),
    };
    let mut problems: Vec<Problem> = report.problems.clone();
    problems.extend(
        escrow
            .findings
            .iter()
            .filter(|f| f.is_violation())
            .map(as_problem),
    );
    let notes: Vec<Problem> = escrow
        .findings
        .iter()
        .filter(|f| !f.is_violation())
        .map(as_problem)
        .collect();
    problems.sort_by_key(|p| {
        (
            p.entry.unwrap_or(u64::MAX),
            p.checkpoint.unwrap_or(u64::MAX),
        )
    });
    if as_json {
        let mut v = serde_json::to_value(&report)?;
        v["openings"] = serde_json::json!(escrow.openings);
        v["hidden_totals"] = serde_json::to_value(&escrow.hidden_totals)?;
        v["problems"] = serde_json::to_value(&problems)?;
        v["notes"] = serde_json::to_value(&notes)?;
        json(&v)?;
    } else {
        let mut t = facts();
        t.add_row([
            "Log".to_string(),
            format!("{} ({})", report.origin, report.party),
        ]);
        t.add_row(["Entries".to_string(), thousands(report.entries)]);
        t.add_row([
            "Signatures verified".to_string(),
            thousands(report.signatures),
        ]);
        t.add_row([
            "Checkpoints verified".to_string(),
            thousands(report.checkpoints),
        ]);
        t.add_row([
            "Declarations / disclosures / notifications".to_string(),
            format!(
                "{} / {} / {}",
                report.declarations, report.disclosures, report.notifications
            ),
        ]);
        t.add_row([
            "Escrow openings checked".to_string(),
            thousands(escrow.openings),
        ]);
        t.add_row(["Root (base64)".to_string(), report.root.clone()]);
        outln!("{t}")?;
        if !escrow.hidden_totals.is_empty() {
            let mut h = table(["Declaration", "Limit", "Ceiling", "Applies from", "Verdict"]);
            for d in &escrow.hidden_totals {
                for v in &d.verdicts {
                    let verdict = match (v.verdict, &d.revealed) {
                        (Verdict::WithinLimitsProved, Some(_)) => {
                            "within limits (proved); totals since revealed".to_string()
                        }
                        (Verdict::Unknown, _) if v.applies_from > v.date => {
                            "not yet applicable (not covered by the proof)".to_string()
                        }
                        _ => v.describe(),
                    };
                    h.add_row([
                        d.declaration.to_string(),
                        v.limit.clone(),
                        thousands(v.max),
                        v.applies_from.to_string(),
                        verdict,
                    ]);
                }
            }
            outln!("{h}")?;
        }
        for n in &notes {
            outln!("note: {}", n.describe())?;
        }
        match problems.first() {
            None => outln!(
                "audit clean: every signature, tree hash, checkpoint and opening checks out"
            )?,
            Some(p) => {
                let place = match (p.entry, p.checkpoint) {
                    (Some(e), _) => format!("entry {e}"),
                    (None, Some(c)) => format!("checkpoint at size {c}"),
                    (None, None) => "log".to_string(),
                };
                outln!("audit FAILED at {place}: {}", p.message)?;
                if problems.len() > 1 {
                    outln!("({} problems in all; --json lists them)", problems.len())?;
                }
            }
        }
    }
    Ok(if problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// A finding's message without its leading `entry N: ` (the problem names the entry).
fn strip_entry(message: &str) -> String {
    match message.split_once(": ") {
        Some((head, rest)) if head.starts_with("entry ") => rest.to_string(),
        _ => message.to_string(),
    }
}
