//! A party's log in SQLite (WAL, `synchronous=FULL`): entries, the tree's stored hashes and the
//! signed checkpoints. One append (or one batch of appends) is one transaction that also signs
//! the new checkpoint; when `append` returns, the entries and their checkpoint are durable.

use crate::checkpoint::sign_checkpoint;
use crate::entry::{EntryBody, Leaf, STATEMENT_FORMAT, Statement};
use crate::error::{LogError, MirrorError};
use crate::keys::{PartyKey, VerifierKey};
use crate::tree;
use chrono::NaiveDate;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};

/// The `format` value in a log's metadata.
pub const LOG_FORMAT: &str = "verity-log/v1";
/// Largest leaf we accept for appending or reading (16 MiB).
pub const MAX_LEAF_BYTES: usize = 16 * 1024 * 1024;

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE entries (idx INTEGER PRIMARY KEY, kind TEXT NOT NULL, leaf BLOB NOT NULL) STRICT;
CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, note BLOB NOT NULL) STRICT;
";

/// One stored entry, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Index in the log.
    pub index: u64,
    /// Kind as recorded beside the leaf.
    pub kind: String,
    /// The exact leaf bytes.
    pub leaf: Vec<u8>,
}

/// An open log.
pub struct Log {
    path: PathBuf,
    conn: Connection,
    party: String,
    origin: String,
    verifier: VerifierKey,
    key_path: Option<PathBuf>,
    /// Whether this is a copy of another party's log (filled by proven pages).
    mirror: bool,
    /// Upper tree hashes already read, kept by read-only connections only (`None` for
    /// connections that write).
    upper: Option<tree::UpperHashes>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("path", &self.path)
            .field("party", &self.party)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

fn pragmas(conn: &Connection, path: &Path) -> Result<(), LogError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(LogError::sqlite(path))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(LogError::sqlite(path))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(LogError::Store {
            path: path.to_path_buf(),
            message: format!("could not switch to WAL journaling (got `{mode}`)"),
        });
    }
    conn.execute_batch("PRAGMA synchronous=FULL;")
        .map_err(LogError::sqlite(path))?;
    Ok(())
}

impl Log {
    /// Creates a new log for `party` signed by `key`; the key file's path is remembered so later
    /// appends can load it. Fails if the database already exists.
    pub fn init(db: &Path, party: &str, key: &PartyKey, key_path: &Path) -> Result<Self, LogError> {
        if db.exists() {
            return Err(LogError::Store {
                path: db.to_path_buf(),
                message: "already exists: refusing to initialise over an existing file".into(),
            });
        }
        let conn = Connection::open_with_flags(
            db,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(LogError::sqlite(db))?;
        pragmas(&conn, db)?;
        let key_path = std::fs::canonicalize(key_path).map_err(|e| LogError::Io {
            path: key_path.to_path_buf(),
            source: e,
        })?;
        let verifier = key.verifier();
        let tx = conn.unchecked_transaction().map_err(LogError::sqlite(db))?;
        tx.execute_batch(SCHEMA).map_err(LogError::sqlite(db))?;
        tx.execute_batch(tree::TREE_SCHEMA)
            .map_err(LogError::sqlite(db))?;
        for (k, v) in [
            ("format", LOG_FORMAT.to_string()),
            ("party", party.to_string()),
            ("origin", key.name().to_string()),
            ("verifier_key", verifier.text().to_string()),
            ("signing_key_path", key_path.display().to_string()),
        ] {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![k, v],
            )
            .map_err(LogError::sqlite(db))?;
        }
        tx.commit().map_err(LogError::sqlite(db))?;
        drop(conn);
        Self::open(db)
    }

    /// Creates a copy of another party's log, to be filled only by [`Log::append_mirrored`]
    /// with what that party's node serves, each piece checked against `verifier`. It records no
    /// signing key: nothing can be appended to it under this node's name.
    pub fn init_mirror(db: &Path, party: &str, verifier: &VerifierKey) -> Result<Self, LogError> {
        if db.exists() {
            return Err(LogError::Store {
                path: db.to_path_buf(),
                message: "already exists: refusing to initialise over an existing file".into(),
            });
        }
        // Built under a temporary name and renamed into place, so a process killed midway
        // never leaves a file that looks like a copy but is not one.
        let mut tmp = db.as_os_str().to_owned();
        tmp.push(format!(".init-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        {
            let conn = Connection::open_with_flags(
                &tmp,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            )
            .map_err(LogError::sqlite(&tmp))?;
            conn.execute_batch("PRAGMA synchronous=FULL;")
                .map_err(LogError::sqlite(&tmp))?;
            let tx = conn
                .unchecked_transaction()
                .map_err(LogError::sqlite(&tmp))?;
            tx.execute_batch(SCHEMA).map_err(LogError::sqlite(&tmp))?;
            tx.execute_batch(tree::TREE_SCHEMA)
                .map_err(LogError::sqlite(&tmp))?;
            for (k, v) in [
                ("format", LOG_FORMAT.to_string()),
                ("party", party.to_string()),
                ("origin", verifier.name().to_string()),
                ("verifier_key", verifier.text().to_string()),
                ("mirror", "1".to_string()),
            ] {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )
                .map_err(LogError::sqlite(&tmp))?;
            }
            tx.commit().map_err(LogError::sqlite(&tmp))?;
        }
        std::fs::rename(&tmp, db).map_err(|e| LogError::Io {
            path: db.to_path_buf(),
            source: e,
        })?;
        Self::open(db)
    }

    /// Appends one page of another party's log as its node served it, at the copy's end: the
    /// page must be a prefix of the log `note` signs, proven by `proof` (an RFC 6962
    /// consistency proof from the page's end to the checkpoint's size), or, when it reaches
    /// that size, rebuild the checkpoint's root, and then `note` becomes the copy's latest
    /// checkpoint. Leaves are kept byte for byte: an entry that is not well formed is still its
    /// party's (its signature of the root covers it) and the audit finds it. One transaction;
    /// on any failure nothing is stored. Returns the copy's new size.
    pub fn append_mirrored_page(
        &mut self,
        leaves: &[Vec<u8>],
        note: &[u8],
        proof: &[[u8; 32]],
    ) -> Result<u64, LogError> {
        let cp = crate::checkpoint::verify_checkpoint(note, &self.verifier)
            .map_err(MirrorError::Checkpoint)?;
        let path = self.path.clone();
        let from = self.size()?;
        let end = from + leaves.len() as u64;
        if end > cp.size {
            return Err(MirrorError::BeyondCheckpoint {
                from,
                end,
                size: cp.size,
            }
            .into());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(LogError::sqlite(&path))?;
        let mut refs = Vec::with_capacity(leaves.len());
        for (k, bytes) in leaves.iter().enumerate() {
            let kind = Leaf::parse(bytes).map_or("malformed", |l| l.statement.entry.kind());
            tx.execute(
                "INSERT INTO entries (idx, kind, leaf) VALUES (?1, ?2, ?3)",
                params![(from + k as u64) as i64, kind, bytes],
            )
            .map_err(LogError::sqlite(&path))?;
            refs.push(bytes.as_slice());
        }
        let new_size = tree::append_leaves(&tx, from, &refs).map_err(LogError::sqlite(&path))?;
        if new_size == cp.size {
            let root = tree::root(&tx, new_size).map_err(|e| unreadable(&path, e))?;
            if root != cp.root {
                return Err(MirrorError::RootMismatch {
                    from,
                    size: cp.size,
                }
                .into());
            }
            tx.execute(
                "INSERT OR IGNORE INTO checkpoints (size, note) VALUES (?1, ?2)",
                params![new_size as i64, note],
            )
            .map_err(LogError::sqlite(&path))?;
            tx.execute("DELETE FROM meta WHERE key = 'mirror_target'", [])
                .map_err(LogError::sqlite(&path))?;
        } else {
            let root = tree::root(&tx, new_size).map_err(|e| unreadable(&path, e))?;
            if new_size == 0 || !tree::check_consistency(proof, new_size, root, cp.size, cp.root) {
                return Err(MirrorError::NotAPrefix {
                    from,
                    end: new_size,
                    size: cp.size,
                }
                .into());
            }
            // The entries beyond the copy's latest checkpoint are a proven prefix of this one.
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('mirror_target', ?1)",
                params![String::from_utf8_lossy(note)],
            )
            .map_err(LogError::sqlite(&path))?;
        }
        tx.commit().map_err(LogError::sqlite(&path))?;
        Ok(new_size)
    }

    /// Where a signed checkpoint of the mirrored log stands against the copy, when it is not
    /// beyond it: `Ok` when it is the copy's own size and root (storing it as the copy's
    /// checkpoint if the copy's entries had reached it by proven pages), else the error that
    /// says why it cannot extend the copy. A root other than the copy's at that size is a
    /// split view, with the copy's signed note that covers that size.
    pub fn mirror_standing(&mut self, note: &[u8]) -> Result<(), LogError> {
        let cp = crate::checkpoint::verify_checkpoint(note, &self.verifier)
            .map_err(MirrorError::Checkpoint)?;
        let held_size = self.size()?;
        if cp.size > held_size {
            return Ok(());
        }
        let root = tree::root(&self.conn, cp.size).map_err(|e| unreadable(&self.path, e))?;
        if root != cp.root {
            let held = self
                .checkpoints()?
                .into_iter()
                .find(|(s, _)| *s >= cp.size)
                .map(|(_, n)| n)
                .or(self.mirror_target()?.map(String::into_bytes))
                .unwrap_or_default();
            return Err(MirrorError::SplitView {
                size: cp.size,
                held_size,
                held,
            }
            .into());
        }
        if cp.size < held_size {
            return Err(MirrorError::Stale {
                size: cp.size,
                held_size,
            }
            .into());
        }
        self.conn
            .execute(
                "INSERT OR IGNORE INTO checkpoints (size, note) VALUES (?1, ?2)",
                params![cp.size as i64, note],
            )
            .map_err(LogError::sqlite(&self.path))?;
        Ok(())
    }

    /// The signed checkpoint a copy's entries beyond its latest checkpoint are a proven prefix
    /// of, while a sync is under way.
    fn mirror_target(&self) -> Result<Option<String>, LogError> {
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'mirror_target'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(LogError::sqlite(&self.path))
    }

    /// Opens an existing log for reading and appending.
    pub fn open(db: &Path) -> Result<Self, LogError> {
        Self::open_with(db, false)
    }

    /// Opens an existing log without the right to change it.
    pub fn open_read_only(db: &Path) -> Result<Self, LogError> {
        Self::open_with(db, true)
    }

    fn open_with(db: &Path, read_only: bool) -> Result<Self, LogError> {
        if !db.is_file() {
            return Err(LogError::Store {
                path: db.to_path_buf(),
                message: "no such log database (create one with `verity log init`)".into(),
            });
        }
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        };
        let conn = Connection::open_with_flags(db, flags).map_err(LogError::sqlite(db))?;
        if read_only {
            conn.busy_timeout(std::time::Duration::from_secs(10))
                .map_err(LogError::sqlite(db))?;
            // Readers serve proofs: map the file and keep pages cached.
            conn.execute_batch("PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536;")
                .map_err(LogError::sqlite(db))?;
        } else {
            pragmas(&conn, db)?;
        }
        let meta = |k: &str| -> Result<String, LogError> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", params![k], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| LogError::Store {
                path: db.to_path_buf(),
                message: format!("not a Verity log ({e})"),
            })?
            .ok_or_else(|| LogError::Store {
                path: db.to_path_buf(),
                message: format!("not a Verity log: metadata `{k}` is missing"),
            })
        };
        let format = meta("format")?;
        if format != LOG_FORMAT {
            return Err(LogError::Store {
                path: db.to_path_buf(),
                message: format!("log format `{format}`, expected `{LOG_FORMAT}`"),
            });
        }
        let party = meta("party")?;
        let origin = meta("origin")?;
        let verifier = VerifierKey::parse(&meta("verifier_key")?).map_err(|m| LogError::Store {
            path: db.to_path_buf(),
            message: format!("stored verifier key: {m}"),
        })?;
        let key_path = meta("signing_key_path").ok().map(PathBuf::from);
        let mirror = meta("mirror").is_ok_and(|v| v == "1");
        Ok(Self {
            path: db.to_path_buf(),
            conn,
            party,
            origin,
            verifier,
            key_path,
            mirror,
            upper: read_only.then(Default::default),
        })
    }

    /// The database path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The party code.
    pub fn party(&self) -> &str {
        &self.party
    }

    /// The log origin (key name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key recorded at init (audits take the key from the user instead).
    pub fn recorded_verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    /// Loads the signing key recorded at init.
    pub fn signing_key(&self) -> Result<PartyKey, LogError> {
        let path = self.key_path.as_ref().ok_or_else(|| LogError::Store {
            path: self.path.clone(),
            message: "no signing key is recorded for this log".into(),
        })?;
        let key = PartyKey::load(path)?;
        if key.verifier().text() != self.verifier.text() {
            return Err(LogError::Store {
                path: self.path.clone(),
                message: format!(
                    "the signing key {} is not this log's key (its key is {})",
                    path.display(),
                    self.verifier.text()
                ),
            });
        }
        Ok(key)
    }

    /// Number of entries.
    pub fn size(&self) -> Result<u64, LogError> {
        // Cached: every proof checks the size first, and preparing the statement each time
        // cost more than running it.
        self.conn
            .prepare_cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(LogError::sqlite(&self.path))
    }

    /// Appends entries recorded today (UTC); see [`Log::append_on`].
    pub fn append(&mut self, key: &PartyKey, bodies: Vec<EntryBody>) -> Result<Vec<u64>, LogError> {
        self.append_on(key, chrono::Utc::now().date_naive(), bodies)
    }

    /// The recorded date of the last entry, if any.
    pub fn last_recorded(&self) -> Result<Option<NaiveDate>, LogError> {
        let size = self.size()?;
        if size == 0 {
            return Ok(None);
        }
        let e = self.entry(size - 1)?;
        let leaf = Leaf::parse(&e.leaf).map_err(|m| LogError::Store {
            path: self.path.clone(),
            message: format!("entry {}: {m}", e.index),
        })?;
        Ok(Some(leaf.statement.recorded))
    }

    /// Appends entries recorded on `recorded` in one durable transaction and signs the
    /// checkpoint of the new tree in it. Returns the new entries' indexes. Refuses a date
    /// earlier than the last entry's. On any error nothing is stored.
    pub fn append_on(
        &mut self,
        key: &PartyKey,
        recorded: NaiveDate,
        bodies: Vec<EntryBody>,
    ) -> Result<Vec<u64>, LogError> {
        if let Some(last) = self.last_recorded()?
            && recorded < last
        {
            return Err(LogError::Request(format!(
                "cannot record on {recorded}: the log's last entry was recorded on {last}, and recorded dates never go back"
            )));
        }
        if key.verifier().text() != self.verifier.text() {
            return Err(LogError::Request(format!(
                "the signing key `{}` is not this log's key",
                key.name()
            )));
        }
        if bodies.is_empty() {
            return Ok(Vec::new());
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(LogError::sqlite(&path))?;
        let size: u64 = tx
            .prepare_cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
            .map_err(LogError::sqlite(&path))? as u64;
        let rows = tree::stored_rows(&tx).map_err(LogError::sqlite(&path))?;
        if rows != tlog_tiles::stored_hash_count(size) {
            return Err(LogError::Store {
                path,
                message: format!(
                    "the stored tree ({rows} hashes) does not match {size} entries: run `verity audit`"
                ),
            });
        }
        let mut indexes = Vec::with_capacity(bodies.len());
        let mut leaves = Vec::with_capacity(bodies.len());
        for (k, body) in bodies.into_iter().enumerate() {
            let index = size + k as u64;
            let kind = body.kind();
            let leaf = Leaf::sign(
                key,
                Statement {
                    format: STATEMENT_FORMAT.into(),
                    log: self.origin.clone(),
                    party: self.party.clone(),
                    index,
                    recorded,
                    entry: body,
                },
            );
            if leaf.len() > MAX_LEAF_BYTES {
                return Err(LogError::Request(format!(
                    "entry {index} would be {} bytes; at most {MAX_LEAF_BYTES} are accepted",
                    leaf.len()
                )));
            }
            tx.prepare_cached("INSERT INTO entries (idx, kind, leaf) VALUES (?1, ?2, ?3)")
                .and_then(|mut s| s.execute(params![index as i64, kind, &leaf]))
                .map_err(LogError::sqlite(&path))?;
            indexes.push(index);
            leaves.push(leaf);
        }
        let refs: Vec<&[u8]> = leaves.iter().map(Vec::as_slice).collect();
        let new_size = tree::append_leaves(&tx, size, &refs).map_err(LogError::sqlite(&path))?;
        let root =
            tree::root(&tx, new_size).map_err(|e| LogError::Request(format!("tree root: {e}")))?;
        let note = sign_checkpoint(key, new_size, root).map_err(MirrorError::Checkpoint)?;
        tx.execute(
            "INSERT INTO checkpoints (size, note) VALUES (?1, ?2)",
            params![new_size as i64, &note],
        )
        .map_err(LogError::sqlite(&path))?;
        tx.commit().map_err(LogError::sqlite(&path))?;
        Ok(indexes)
    }

    /// Entries with index in `from..to` (clamped to the log), in order.
    pub fn entries(&self, from: u64, to: u64) -> Result<Vec<StoredEntry>, LogError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT idx, kind, leaf FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
            )
            .map_err(LogError::sqlite(&self.path))?;
        let rows = stmt
            .query_map(
                params![
                    i64::try_from(from).unwrap_or(i64::MAX),
                    i64::try_from(to).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok(StoredEntry {
                        index: r.get::<_, i64>(0)? as u64,
                        kind: r.get(1)?,
                        leaf: r.get(2)?,
                    })
                },
            )
            .map_err(LogError::sqlite(&self.path))?;
        rows.collect::<Result<_, _>>()
            .map_err(LogError::sqlite(&self.path))
    }

    /// One entry.
    pub fn entry(&self, index: u64) -> Result<StoredEntry, LogError> {
        self.entries(index, index.saturating_add(1))?
            .pop()
            .ok_or_else(|| {
                LogError::Request(format!(
                    "no entry {index} in {} ({} entries)",
                    self.path.display(),
                    self.size().unwrap_or(0)
                ))
            })
    }

    /// Every stored checkpoint as (size, note), by size.
    pub fn checkpoints(&self) -> Result<Vec<(u64, Vec<u8>)>, LogError> {
        let mut stmt = self
            .conn
            .prepare("SELECT size, note FROM checkpoints ORDER BY size")
            .map_err(LogError::sqlite(&self.path))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
            .map_err(LogError::sqlite(&self.path))?;
        rows.collect::<Result<_, _>>()
            .map_err(LogError::sqlite(&self.path))
    }

    /// The checkpoint of the largest tree.
    pub fn latest_checkpoint(&self) -> Result<Option<(u64, Vec<u8>)>, LogError> {
        self.conn
            .query_row(
                "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .optional()
            .map_err(LogError::sqlite(&self.path))
    }

    fn check_range(&self, size: u64) -> Result<u64, LogError> {
        let n = self.size()?;
        if size > n {
            return Err(LogError::Request(format!(
                "tree size {size} is beyond the log's {n} entries"
            )));
        }
        Ok(n)
    }

    /// Root of the first `size` entries.
    pub fn root(&self, size: u64) -> Result<[u8; 32], LogError> {
        self.check_range(size)?;
        tree::root(&self.conn, size).map_err(|e| LogError::Store {
            path: self.path.clone(),
            message: format!("stored tree unreadable: {e}"),
        })
    }

    /// The stored hashes, through the upper-level cache on read-only connections.
    fn hashes(&self) -> tree::StoredHashes<'_> {
        match &self.upper {
            Some(upper) => tree::StoredHashes::Cached(tree::CachedSqlHashes {
                conn: &self.conn,
                upper,
            }),
            None => tree::StoredHashes::Plain(tree::SqlHashes(&self.conn)),
        }
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries.
    ///
    /// The log's size is read only when the proof cannot be built: a tree larger than the log
    /// needs a stored hash covering its last leaf, which does not exist, so the happy path is
    /// one query (each statement on a read-only WAL connection costs a few microseconds).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<[u8; 32]>, LogError> {
        if index >= size {
            return Err(LogError::Request(format!(
                "entry {index} is not in a tree of {size} entries"
            )));
        }
        let proof = tree::inclusion(&self.hashes(), index, size);
        if size == 1 {
            // A one-leaf tree's proof is empty and reads no hash: check the size itself.
            self.check_range(size)?;
        }
        proof.or_else(|e| {
            self.check_range(size)?;
            Err(LogError::Store {
                path: self.path.clone(),
                message: format!("stored tree unreadable: {e}"),
            })
        })
    }

    /// Consistency proof from `old` to `new` entries (the size is read only on failure, as
    /// for [`Log::inclusion_proof`]).
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<[u8; 32]>, LogError> {
        if old > new || old == 0 {
            return Err(LogError::Request(format!(
                "a consistency proof needs 0 < from ≤ to, got from {old} to {new}"
            )));
        }
        let proof = tree::consistency(&self.hashes(), old, new);
        if old == new {
            // The proof is empty and reads no hash: check the size itself.
            self.check_range(new)?;
        }
        proof.or_else(|e| {
            self.check_range(new)?;
            Err(LogError::Store {
                path: self.path.clone(),
                message: format!("stored tree unreadable: {e}"),
            })
        })
    }

    /// Everything the log holds, for the audit: entries, stored tree hashes, checkpoints.
    ///
    /// A copy of another party's log shows what its latest checkpoint covers: entries beyond
    /// it are a sync under way (proven pages of a checkpoint not yet reached), not yet signed
    /// for in the copy.
    pub fn contents(&self) -> Result<crate::audit::LogContents, LogError> {
        let checkpoints = self.checkpoints()?;
        let (entries, stored_tree) = if self.mirror {
            let signed = checkpoints.last().map_or(0, |(s, _)| *s);
            let mut stored = self.stored_tree()?;
            stored.truncate(
                usize::try_from(tlog_tiles::stored_hash_count(signed)).unwrap_or(usize::MAX),
            );
            (self.entries(0, signed)?, stored)
        } else {
            (self.entries(0, u64::MAX)?, self.stored_tree()?)
        };
        Ok(crate::audit::LogContents {
            party: self.party.clone(),
            origin: self.origin.clone(),
            entries,
            stored_tree: Some(stored_tree),
            checkpoints,
        })
    }

    /// The stored tree hashes in index order; a gap is damage.
    fn stored_tree(&self) -> Result<Vec<Vec<u8>>, LogError> {
        let mut stmt = self
            .conn
            .prepare("SELECT idx, hash FROM tree ORDER BY idx")
            .map_err(LogError::sqlite(&self.path))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
            .map_err(LogError::sqlite(&self.path))?;
        let mut out = Vec::new();
        for (k, row) in rows.enumerate() {
            let (idx, hash) = row.map_err(LogError::sqlite(&self.path))?;
            if idx != k as i64 {
                return Err(LogError::Store {
                    path: self.path.clone(),
                    message: format!("stored tree hash {k} is missing"),
                });
            }
            out.push(hash);
        }
        Ok(out)
    }

    /// The newest declaration (index and parsed leaf), or the one at `index`.
    pub fn declaration(&self, index: Option<u64>) -> Result<(u64, Leaf), LogError> {
        let found: Option<(i64, Vec<u8>)> = match index {
            Some(i) => self
                .conn
                .query_row(
                    "SELECT idx, leaf FROM entries WHERE idx = ?1 AND kind = 'declaration'",
                    params![i as i64],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional(),
            None => self
                .conn
                .query_row(
                    "SELECT idx, leaf FROM entries WHERE kind = 'declaration' ORDER BY idx DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional(),
        }
        .map_err(LogError::sqlite(&self.path))?;
        let (idx, leaf) = found.ok_or_else(|| {
            LogError::Request(match index {
                Some(i) => format!("entry {i} of {} is not a declaration", self.path.display()),
                None => format!("{} holds no declaration yet", self.path.display()),
            })
        })?;
        let leaf = Leaf::parse(&leaf)
            .map_err(|m| LogError::malformed(format!("entry {idx}"), m.to_string()))?;
        Ok((idx as u64, leaf))
    }
}

/// The stored tree could not be read.
fn unreadable(path: &Path, e: tlog_tiles::Error) -> LogError {
    LogError::Store {
        path: path.to_path_buf(),
        message: format!("stored tree unreadable: {e}"),
    }
}
