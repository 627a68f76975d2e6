//! Loading a log for the view: all the I/O and all the verification of bytes. A log comes from
//! its SQLite file or as contents a verifying reader fetched from a node; either way it is
//! audited against the key given, parsed, and its tree recomputed, so judging needs nothing
//! but what is loaded here (proofs come from the tree in memory).

use std::path::{Path, PathBuf};

use verity_escrow::{Digest, MemTree};
use verity_log::{
    AuditReport, Audited, CosignedCheckpoint, EntryBody, Leaf, Log, LogContents, LogError,
    VerifierKey, audit_contents, damaged,
};
use verity_treaty::{PartyCode, PartyCodeError};

use super::Evidence;

/// A log file to read and the key to check it against.
#[derive(Debug, Clone)]
pub struct LogSource {
    /// The SQLite file.
    pub path: PathBuf,
    /// The verifier key.
    pub key: VerifierKey,
    /// Whether the key was supplied by the reader (`false`: taken from the log itself).
    pub key_supplied: bool,
}

/// Why a log cannot be loaded at all (damage inside a log is a finding, not this).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The log cannot be opened.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The log's party is not a state's code, so no finding could be held against it.
    #[error("log `{origin}` names its party `{party}`: {source}")]
    Party {
        /// The log's origin.
        origin: String,
        /// The party text.
        party: String,
        /// Why it is not a code.
        source: PartyCodeError,
    },
}

/// A log as loaded: audited against its key, every entry parsed, its tree recomputed.
#[derive(Debug, Clone)]
pub struct LoadedLog {
    party: PartyCode,
    origin: String,
    source: String,
    key: VerifierKey,
    key_supplied: bool,
    audit: AuditReport,
    leaves: Vec<Option<Leaf>>,
    tree: MemTree,
    checkpoint: Option<(u64, Vec<u8>)>,
    /// Checkpoints of this log that witnesses cosigned, each checked against the log's tree.
    witnessed: Vec<CosignedCheckpoint>,
}

impl LoadedLog {
    /// Reads and audits the log file at `path` against `key`, or against the key the log
    /// records when none is given (which shows self-consistency only).
    pub fn from_file(path: &Path, key: Option<VerifierKey>) -> Result<Self, LoadError> {
        Self::from_file_watched(path, key, &|_, _| {})
    }

    /// [`LoadedLog::from_file`], telling `progress` (entries audited, entries in all).
    pub fn from_file_watched(
        path: &Path,
        key: Option<VerifierKey>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Self, LoadError> {
        let log = Log::open_read_only(path)?;
        let key_supplied = key.is_some();
        let key = key.unwrap_or_else(|| log.recorded_verifier().clone());
        let source = path.display().to_string();
        let recorded_other_key =
            log.origin() != key.name() || log.recorded_verifier().text() != key.text();
        let contents = match log.contents() {
            Ok(c) => c,
            Err(e) => {
                // A store that cannot be read in full: judged as empty, with the damage as a
                // finding against its party.
                let mut loaded = Self::from_contents(
                    LogContents {
                        party: log.party().to_string(),
                        origin: log.origin().to_string(),
                        entries: Vec::new(),
                        stored_tree: None,
                        checkpoints: Vec::new(),
                    },
                    key,
                    key_supplied,
                    source,
                )?;
                loaded.audit.problems.insert(0, damaged(&e));
                return Ok(loaded);
            }
        };
        let mut loaded = Self::audited(contents, key, key_supplied, source, progress)?;
        if recorded_other_key {
            loaded.audit.problems.insert(
                0,
                verity_log::Problem::log(format!(
                    "the log records key `{}`, not the key given (`{}`)",
                    log.recorded_verifier().text(),
                    loaded.key.text()
                )),
            );
        }
        Ok(loaded)
    }

    /// Audits contents read elsewhere (a node's answers, already checked against its signed
    /// checkpoint by the reader) against `key`. `source` says where they came from.
    pub fn from_contents(
        contents: LogContents,
        key: VerifierKey,
        key_supplied: bool,
        source: String,
    ) -> Result<Self, LoadError> {
        Self::audited(contents, key, key_supplied, source, &|_, _| {})
    }

    fn audited(
        contents: LogContents,
        key: VerifierKey,
        key_supplied: bool,
        source: String,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Self, LoadError> {
        let party = PartyCode::parse(&contents.party).map_err(|e| LoadError::Party {
            origin: contents.origin.clone(),
            party: contents.party.clone(),
            source: e,
        })?;
        let Audited {
            report,
            leaves,
            tree,
        } = audit_contents(&contents, &key, progress);
        Ok(Self {
            party,
            origin: contents.origin,
            source,
            key,
            key_supplied,
            audit: report,
            leaves,
            tree,
            checkpoint: contents.checkpoints.last().cloned(),
            witnessed: Vec::new(),
        })
    }

    /// Adds checkpoints of this log that witnesses cosigned (each already verified with the
    /// log's key and the witness's). One within the log whose root is another than the log's
    /// at that size shows the party signed two histories: it is kept as a problem of the log,
    /// not as a bound. One beyond the log (a witness that saw more than was loaded) bounds
    /// nothing here and is left out.
    pub fn add_witnessed(&mut self, cosigned: impl IntoIterator<Item = CosignedCheckpoint>) {
        for c in cosigned {
            if c.origin != self.origin || c.size > self.len() || c.size == 0 {
                continue;
            }
            let root = self.tree.root_at(c.size).map(|r| hex::encode(r.0));
            if root.as_deref() != Some(c.root.as_str()) {
                self.audit.problems.push(verity_log::Problem::entry(
                    c.size - 1,
                    format!(
                        "witness `{}` cosigned a checkpoint of size {} whose root is not the log's at that size: the log's key signed two histories",
                        c.witness, c.size
                    ),
                ));
                continue;
            }
            if !self.witnessed.contains(&c) {
                self.witnessed.push(c);
            }
        }
        self.witnessed.sort_by_key(|c| (c.size, c.time));
    }

    /// The cosigned checkpoints held, by size.
    pub fn witnessed(&self) -> &[CosignedCheckpoint] {
        &self.witnessed
    }

    /// The log's party.
    pub fn party(&self) -> PartyCode {
        self.party
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Where it was read from: a file's path or a node's URL.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The key it was checked against.
    pub fn key(&self) -> &VerifierKey {
        &self.key
    }

    /// Whether the reader supplied the key (`false`: the log's own).
    pub fn key_supplied(&self) -> bool {
        self.key_supplied
    }

    /// What the audit found.
    pub fn audit(&self) -> &AuditReport {
        &self.audit
    }

    /// Number of entries held.
    pub fn len(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// Whether the log holds no entry.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The latest signed checkpoint held, as (size, note).
    pub fn checkpoint(&self) -> Option<&(u64, Vec<u8>)> {
        self.checkpoint.as_ref()
    }

    /// The size of the latest checkpoint (what the log has signed for); 0 without one.
    pub fn signed_size(&self) -> u64 {
        self.checkpoint
            .as_ref()
            .map_or(0, |(s, _)| *s)
            .min(self.len())
    }

    /// Entry `index`, parsed (`None` when it does not parse or is not held).
    pub fn leaf(&self, index: u64) -> Option<&Leaf> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.leaves.get(i))
            .and_then(Option::as_ref)
    }

    /// Every parsed entry with its index.
    pub fn leaves(&self) -> impl Iterator<Item = (u64, &Leaf)> {
        self.leaves
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.as_ref().map(|l| (i as u64, l)))
    }

    /// Every parsed entry's body with its index.
    pub fn bodies(&self) -> impl Iterator<Item = (u64, &EntryBody)> {
        self.leaves().map(|(i, l)| (i, &l.statement.entry))
    }

    /// The RFC 6962 leaf hash of entry `index`.
    pub fn leaf_hash(&self, index: u64) -> Option<[u8; 32]> {
        self.tree.leaf(index).map(|d| d.0)
    }

    /// Entry `index` as evidence: its leaf hash and its inclusion proof against the latest
    /// signed checkpoint (an empty proof when the entry is beyond it).
    pub fn evidence(&self, index: u64) -> Evidence {
        let size = self.signed_size();
        let proof = self.tree.prove_at(index, size).unwrap_or_default();
        Evidence {
            party: self.party,
            log: self.origin.clone(),
            index,
            kind: self
                .leaf(index)
                .map_or("unreadable", |l| l.statement.entry.kind())
                .to_string(),
            leaf_hash: self.leaf_hash(index).map(hex::encode).unwrap_or_default(),
            tree_size: size,
            proof: proof.iter().map(Digest::to_hex).collect(),
            witnessed: None,
        }
    }
}
