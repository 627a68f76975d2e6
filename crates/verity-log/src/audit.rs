//! The audit: recompute everything a log is from its raw bytes, trusting only the verifier
//! key the auditor brings: every leaf's form and signature, the whole tree against the stored
//! hashes, every checkpoint's signature and root, and the order of recorded dates. What an
//! entry means under a treaty (the escrow, proofs, inspections) is the compliance view's.

use crate::checkpoint::verify_checkpoint;
use crate::entry::{EntryBody, Leaf};
use crate::error::LogError;
use crate::keys::VerifierKey;
use crate::store::{Log, MAX_LEAF_BYTES, StoredEntry};
use ed25519_dalek::Signature;
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;
use verity_escrow::{Digest, MemTree};
use verity_treaty::Rule;

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The entry at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    /// The checkpoint (by tree size) at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<u64>,
    /// The rule broken: `log-integrity` (a signature, the tree, a checkpoint, an entry's
    /// place), or `malformed-entry` (bytes that are not an entry at all).
    pub rule: Rule,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// An integrity problem with entry `index`.
    pub fn entry(index: u64, message: impl Into<String>) -> Self {
        Self {
            entry: Some(index),
            checkpoint: None,
            rule: Rule::LogIntegrity,
            message: message.into(),
        }
    }

    /// Entry `index` is not an entry: its author wrote bytes no reader can take as one.
    pub fn malformed(index: u64, message: impl Into<String>) -> Self {
        Self {
            rule: Rule::MalformedEntry,
            ..Self::entry(index, message)
        }
    }

    /// A problem with the log as a whole.
    pub fn log(message: impl Into<String>) -> Self {
        Self {
            entry: None,
            checkpoint: None,
            rule: Rule::LogIntegrity,
            message: message.into(),
        }
    }

    fn sort_key(&self) -> (u64, u64) {
        (
            self.entry.unwrap_or(u64::MAX),
            self.checkpoint.unwrap_or(u64::MAX),
        )
    }

    /// Where it is and what it is, in words: `entry 4: …`, `checkpoint 7: …`, or the message.
    pub fn describe(&self) -> String {
        match (self.entry, self.checkpoint) {
            (_, Some(c)) => format!("checkpoint {c}: {}", self.message),
            (Some(e), None) => format!("entry {e}: {}", self.message),
            (None, None) => self.message.clone(),
        }
    }
}

/// What an audit checked and what it found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// The log's party.
    pub party: String,
    /// The log's origin.
    pub origin: String,
    /// Entries read.
    pub entries: u64,
    /// Entry signatures verified.
    pub signatures: u64,
    /// Checkpoints verified.
    pub checkpoints: u64,
    /// Declaration entries.
    pub declarations: u64,
    /// Disclosure entries.
    pub disclosures: u64,
    /// Notification entries.
    pub notifications: u64,
    /// Inspection entries (requests, seed commitments and reveals, openings, records).
    pub inspection_entries: u64,
    /// The tree root at the log's size, base64 (as in checkpoints).
    pub root: String,
    /// Problems, first bad entry first.
    pub problems: Vec<Problem>,
}

impl AuditReport {
    /// The first problem, if any.
    pub fn first_problem(&self) -> Option<&Problem> {
        self.problems.first()
    }
}

/// Everything a log holds, as read from its store or fetched from its node: what the audit
/// checks. A store gives every checkpoint it kept and its stored tree hashes; a remote reader
/// gives the checkpoint it was served and no stored hashes.
#[derive(Debug, Clone)]
pub struct LogContents {
    /// The log's party, as its store or checkpoint names it.
    pub party: String,
    /// The log's origin.
    pub origin: String,
    /// Every entry, in index order.
    pub entries: Vec<StoredEntry>,
    /// The stored tree hashes in Go `tlog` index order, when read from a store.
    pub stored_tree: Option<Vec<Vec<u8>>>,
    /// Signed checkpoints as (size, note), by size.
    pub checkpoints: Vec<(u64, Vec<u8>)>,
}

/// An audited log: the report, each entry parsed (`None` where it does not parse), and the
/// tree recomputed from the leaves, from which anyone can build proofs without storage.
#[derive(Debug, Clone)]
pub struct Audited {
    /// What was found.
    pub report: AuditReport,
    /// Each entry, parsed, by index.
    pub leaves: Vec<Option<Leaf>>,
    /// The RFC 6962 tree over every entry.
    pub tree: MemTree,
}

const SIGNATURE_CHUNK: usize = 2048;

/// Verifies a chunk of signatures as a batch; on failure, one by one to find the bad ones.
/// An R that `verify_strict` refuses on its bytes alone (small order, non-canonical) is bad
/// before the batch sees it, since the batch equation would accept a small-order R.
fn bad_signatures(key: &VerifierKey, chunk: &[(u64, Vec<u8>, Signature)]) -> Vec<u64> {
    let (refused, rest): (Vec<_>, Vec<_>) = chunk
        .iter()
        .partition(|(_, _, s)| crate::strict::refused_r(s.r_bytes()));
    let mut bad: Vec<u64> = refused.iter().map(|(i, _, _)| *i).collect();
    let msgs: Vec<&[u8]> = rest.iter().map(|(_, m, _)| m.as_slice()).collect();
    let sigs: Vec<Signature> = rest.iter().map(|(_, _, s)| *s).collect();
    let keys = vec![*key.key(); rest.len()];
    if !rest.is_empty() && ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_err() {
        bad.extend(
            rest.iter()
                .filter(|(_, m, s)| key.key().verify_strict(m, s).is_err())
                .map(|(i, _, _)| *i),
        );
    }
    bad
}

/// Audits the log at `db` against `key`. `progress` is told (entries processed, entries in all).
/// An unreadable or damaged database is reported as a problem, not as an error; an error means
/// the audit could not start (no such file, not a log).
pub fn audit(
    db: &Path,
    key: &VerifierKey,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<AuditReport, LogError> {
    let log = Log::open_read_only(db)?;
    if log.origin() != key.name() || log.recorded_verifier().text() != key.text() {
        return Ok(AuditReport {
            party: log.party().to_string(),
            origin: log.origin().to_string(),
            problems: vec![Problem::log(format!(
                "the log records key `{}`, not the key given (`{}`)",
                log.recorded_verifier().text(),
                key.text()
            ))],
            ..AuditReport::default()
        });
    }
    match log.contents() {
        Ok(contents) => Ok(audit_contents(&contents, key, progress).report),
        Err(e) => Ok(AuditReport {
            party: log.party().to_string(),
            origin: log.origin().to_string(),
            problems: vec![damaged(&e)],
            ..AuditReport::default()
        }),
    }
}

/// A problem saying the store could not be read in full.
pub fn damaged(e: &LogError) -> Problem {
    Problem::log(format!("the database cannot be read in full: {e}"))
}

/// Audits a log's contents against `key`: form, signatures, tree, checkpoints, recorded dates.
pub fn audit_contents(
    contents: &LogContents,
    key: &VerifierKey,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Audited {
    let entries = &contents.entries;
    let mut report = AuditReport {
        party: contents.party.clone(),
        origin: contents.origin.clone(),
        ..AuditReport::default()
    };
    let n = entries.len() as u64;
    report.entries = n;
    let mut problems = Vec::new();
    if contents.origin != key.name() {
        problems.push(Problem::log(format!(
            "the log's origin is `{}`, not the key's name `{}`",
            contents.origin,
            key.name()
        )));
    }

    // 1. Form: contiguous indexes, canonical leaves naming this log, party and index.
    if let Some((i, e)) = entries
        .iter()
        .enumerate()
        .find(|(i, e)| e.index != *i as u64)
    {
        problems.push(Problem::entry(
            i as u64,
            format!("entry {i} is missing (next stored index is {})", e.index),
        ));
    }
    let parsed: Vec<Result<(Leaf, Vec<u8>), Problem>> = entries
        .par_iter()
        .map(|e| check_form(e, &contents.origin, &contents.party))
        .collect();
    progress(n / 4, n);

    // 2. Signatures, batched per chunk on every core.
    let mut to_verify = Vec::with_capacity(entries.len());
    let mut leaves: Vec<Option<Leaf>> = Vec::with_capacity(entries.len());
    for (e, p) in entries.iter().zip(parsed) {
        match p {
            Ok((leaf, msg)) => {
                match leaf.signature() {
                    Ok(sig) => to_verify.push((e.index, msg, sig)),
                    Err(m) => problems.push(Problem::malformed(e.index, m.to_string())),
                }
                leaves.push(Some(leaf));
            }
            Err(p) => {
                problems.push(p);
                leaves.push(None);
            }
        }
    }
    let bad: Vec<u64> = to_verify
        .par_chunks(SIGNATURE_CHUNK)
        .flat_map_iter(|c| bad_signatures(key, c))
        .collect();
    report.signatures = (to_verify.len() - bad.len()) as u64;
    for i in bad {
        problems.push(Problem::entry(
            i,
            "signature does not verify with the log's key",
        ));
    }
    progress(n / 2, n);

    // 3. The tree, recomputed from the leaves, against every stored hash.
    let leaf_hashes: Vec<Digest> = entries
        .par_iter()
        .map(|e| Digest(crate::tree::leaf_hash(&e.leaf)))
        .collect();
    let tree = MemTree::from_leaves(leaf_hashes);
    report.root = base64::Engine::encode(&base64::prelude::BASE64_STANDARD, tree.root().0);
    if let Some(stored) = &contents.stored_tree {
        check_stored_tree(stored, &tree, n, &mut problems);
    }
    progress(3 * n / 4, n);

    // 4. Checkpoints: signature by the key, origin, size within the log, root recomputed.
    if n > 0 && contents.checkpoints.last().map(|(s, _)| *s) != Some(n) {
        problems.push(Problem::entry(
            n - 1,
            format!("no checkpoint covers the log's {n} entries"),
        ));
    }
    for (size, note) in &contents.checkpoints {
        let at = |m: String| Problem {
            entry: size.checked_sub(1),
            checkpoint: Some(*size),
            rule: Rule::LogIntegrity,
            message: format!("checkpoint at tree size {size}: {m}"),
        };
        match verify_checkpoint(note, key) {
            Err(m) => problems.push(at(m.to_string())),
            Ok(cp) if cp.size != *size => {
                problems.push(at(format!("the note says size {}", cp.size)));
            }
            Ok(_) if *size > n => {
                problems.push(at(format!("beyond the log's {n} entries")));
            }
            Ok(cp) if tree.root_at(*size).map(|r| r.0) != Some(cp.root) => problems.push(at(
                "its root is not the root recomputed from the entries".into(),
            )),
            Ok(_) => report.checkpoints += 1,
        }
    }

    // 5. Recorded dates never go back; counts per kind.
    let mut last_recorded = None;
    for (index, leaf) in leaves
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.as_ref().map(|l| (i as u64, l)))
    {
        let d = leaf.statement.recorded;
        if let Some(last) = last_recorded
            && d < last
        {
            problems.push(Problem::entry(
                index,
                format!(
                    "recorded on {d}, before the previous entry ({last}): recorded dates never go back"
                ),
            ));
        }
        last_recorded = Some(d);
        match &leaf.statement.entry {
            EntryBody::Declaration(_) => report.declarations += 1,
            EntryBody::Disclosure(_) => report.disclosures += 1,
            EntryBody::Notification(_) => report.notifications += 1,
            EntryBody::InspectionRequest(_)
            | EntryBody::SeedCommit(_)
            | EntryBody::SeedReveal(_)
            | EntryBody::InspectionOpening(_)
            | EntryBody::InspectionRecord(_) => report.inspection_entries += 1,
        }
    }
    progress(n, n);

    problems.sort_by_key(Problem::sort_key);
    problems.dedup();
    report.problems = problems;
    Audited {
        report,
        leaves,
        tree,
    }
}

fn check_stored_tree(stored: &[Vec<u8>], tree: &MemTree, n: u64, problems: &mut Vec<Problem>) {
    let expected = tree.stored();
    if stored.len() != expected.len() {
        problems.push(Problem::log(format!(
            "the stored tree has {} hashes; {n} entries need {}",
            stored.len(),
            expected.len()
        )));
    }
    if let Some(k) = stored
        .iter()
        .zip(expected)
        .position(|(s, e)| s.as_slice() != e.0)
    {
        let (level, node) = tlog_tiles::split_stored_hash_index(k as u64);
        let first = node << level;
        let last = ((node + 1) << level) - 1;
        problems.push(Problem::entry(
            first,
            format!(
                "the stored tree hash at level {level} over entries {first}..={last} differs from the recomputed one"
            ),
        ));
    }
}

/// An entry's form: bytes that decode as a canonical signed entry (else it is malformed, its
/// author's fault whatever it holds), placed where it is stored (else an integrity problem).
fn check_form(e: &StoredEntry, origin: &str, party: &str) -> Result<(Leaf, Vec<u8>), Problem> {
    if e.leaf.len() > MAX_LEAF_BYTES {
        return Err(Problem::malformed(
            e.index,
            format!(
                "the entry is {} bytes; an entry is at most {MAX_LEAF_BYTES}",
                e.leaf.len()
            ),
        ));
    }
    let (leaf, msg) = Leaf::parse_with_message(&e.leaf)
        .map_err(|m| Problem::malformed(e.index, m.to_string()))?;
    let s = &leaf.statement;
    let misplaced = |m: String| Err(Problem::entry(e.index, m));
    if s.index != e.index {
        return misplaced(format!(
            "the signed index is {} but the entry is stored at {}",
            s.index, e.index
        ));
    }
    if s.log != origin {
        return misplaced(format!("signed for log `{}`, not `{origin}`", s.log));
    }
    if s.party != party {
        return misplaced(format!("signed for party `{}`, not `{party}`", s.party));
    }
    if s.entry.kind() != e.kind {
        return misplaced(format!(
            "stored as kind `{}` but the signed kind is `{}`",
            e.kind,
            s.entry.kind()
        ));
    }
    Ok((leaf, msg))
}

/// For benchmarks: every entry's signed message and signature, read and parsed before the
/// clock starts, so [`bare_batch_verify`] times the bare primitive alone.
pub fn bare_signature_inputs(db: &Path) -> Result<Vec<(Vec<u8>, Signature)>, LogError> {
    let log = Log::open_read_only(db)?;
    log.entries(0, u64::MAX)?
        .iter()
        .map(|e| {
            let (leaf, msg) = Leaf::parse_with_message(&e.leaf)
                .map_err(|m| LogError::malformed(format!("entry {}", e.index), m.to_string()))?;
            let sig = leaf
                .signature()
                .map_err(|m| LogError::malformed(format!("entry {}", e.index), m.to_string()))?;
            Ok((msg, sig))
        })
        .collect()
}

/// Batch-verifies prepared signatures on one core in the audit's chunk size.
pub fn bare_batch_verify(key: &VerifierKey, inputs: &[(Vec<u8>, Signature)]) -> bool {
    inputs.chunks(SIGNATURE_CHUNK).all(|c| {
        let msgs: Vec<&[u8]> = c.iter().map(|(m, _)| m.as_slice()).collect();
        let sigs: Vec<Signature> = c.iter().map(|(_, s)| *s).collect();
        let keys = vec![*key.key(); c.len()];
        ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok()
    })
}
