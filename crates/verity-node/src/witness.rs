//! A C2SP tlog-witness: for each log it knows (origin and verifier key) it keeps the latest
//! checkpoint it cosigned, and cosigns a newer one only with a valid consistency proof from it
//! (C2SP tlog-cosignature v1: Ed25519 over `cosignature/v1\ntime T\n` ‖ the checkpoint body).
//! Two different signed checkpoints of one log at one size are a split view: the witness
//! refuses and keeps both signed notes as an alarm. It keeps, per log and size, its first and
//! latest cosignature: the evidence that bounds when each entry can have been recorded (no
//! entry beyond a size existed in what it saw at its latest cosignature of that size). State
//! lives in SQLite, one transaction per cosignature, so a restarted witness never cosigns a
//! fork of what it cosigned before.

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use ed25519_dalek::SigningKey;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use std::path::Path;
use verity_log::{CosignerKey, VerifierKey, check_consistency, cosign, verify_checkpoint};

/// Largest add-checkpoint body accepted (the proof has at most 63 lines).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// Why a checkpoint was not cosigned, with the HTTP status the protocol gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// 400: the request is malformed.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// 404: the witness does not know the log.
    #[error("unknown log `{0}`")]
    UnknownLog(String),
    /// 403: the checkpoint is not signed by the log's key.
    #[error("the checkpoint does not verify with the log's key: {0}")]
    BadSignature(String),
    /// 409: `old` is not the size this witness last cosigned.
    #[error("old size {given} is not the latest cosigned size {latest}")]
    Conflict {
        /// The size the request gave.
        given: u64,
        /// The size this witness last cosigned for the log.
        latest: u64,
    },
    /// 422: the consistency proof does not hold, or the checkpoint is a split view.
    #[error("{0}")]
    Unprocessable(String),
    /// 500: the witness's own storage failed.
    #[error("witness storage: {0}")]
    Storage(String),
}

impl WitnessError {
    /// The HTTP status the tlog-witness protocol assigns.
    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) => 400,
            Self::UnknownLog(_) => 404,
            Self::BadSignature(_) => 403,
            Self::Conflict { .. } => 409,
            Self::Unprocessable(_) => 422,
            Self::Storage(_) => 500,
        }
    }
}

/// A split view: two checkpoints of one log, each validly signed, that cannot both be true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alarm {
    /// The log's origin.
    pub origin: String,
    /// What is wrong.
    pub reason: String,
    /// The checkpoint this witness had cosigned.
    pub cosigned: String,
    /// The conflicting signed checkpoint.
    pub presented: String,
}

/// A watched log's row: verifier key, latest cosigned size, its root and its signed note.
type WatchedRow = (String, i64, Option<Vec<u8>>, Option<Vec<u8>>);

/// The witness.
pub struct Witness {
    conn: Connection,
    key: SigningKey,
    name: String,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn storage(e: rusqlite::Error) -> WitnessError {
    WitnessError::Storage(e.to_string())
}

/// A parsed add-checkpoint request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the proof starts from.
    pub old: u64,
    /// The consistency proof.
    pub proof: Vec<[u8; 32]>,
    /// The new checkpoint, a signed note.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpoint {
    /// Parses `old N\n`, one base64 hash per line, an empty line, then the signed note.
    pub fn parse(body: &[u8]) -> Result<Self, WitnessError> {
        if body.len() > MAX_REQUEST_BYTES {
            return Err(WitnessError::Malformed(format!(
                "{} bytes: at most {MAX_REQUEST_BYTES} are accepted",
                body.len()
            )));
        }
        let text = std::str::from_utf8(body)
            .map_err(|_| WitnessError::Malformed("the body is not UTF-8".into()))?;
        let (head, note) = text
            .split_once("\n\n")
            .ok_or_else(|| WitnessError::Malformed("no empty line before the checkpoint".into()))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or_else(|| WitnessError::Malformed("the first line is not `old <size>`".into()))?;
        if old.len() > 1 && old.starts_with('0') {
            return Err(WitnessError::Malformed(format!(
                "old size `{old}` has a leading zero"
            )));
        }
        let old: u64 = old
            .parse()
            .map_err(|_| WitnessError::Malformed(format!("old size `{old}` is not a number")))?;
        let proof = lines
            .enumerate()
            .map(|(i, l)| {
                BASE64_STANDARD
                    .decode(l)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| {
                        WitnessError::Malformed(format!(
                            "proof line {} is not a base64 hash",
                            i + 1
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > 63 {
            return Err(WitnessError::Malformed(format!(
                "{} proof lines: at most 63",
                proof.len()
            )));
        }
        Ok(Self {
            old,
            proof,
            checkpoint: note.as_bytes().to_vec(),
        })
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS logs (origin TEXT PRIMARY KEY, vkey TEXT NOT NULL,
  size INTEGER NOT NULL, root BLOB, note BLOB, cosigned_at INTEGER) STRICT;
CREATE TABLE IF NOT EXISTS alarms (id INTEGER PRIMARY KEY, origin TEXT NOT NULL,
  reason TEXT NOT NULL, cosigned BLOB NOT NULL, presented BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS cosigned (origin TEXT NOT NULL, size INTEGER NOT NULL,
  note BLOB NOT NULL, first_time INTEGER NOT NULL, first_line TEXT NOT NULL,
  last_time INTEGER NOT NULL, last_line TEXT NOT NULL, PRIMARY KEY (origin, size)) STRICT;
";

/// A witness's first and latest cosignature of one checkpoint, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptCosignature {
    /// The checkpoint's size.
    pub size: u64,
    /// The signed checkpoint.
    pub note: String,
    /// When it first cosigned that size (seconds since the epoch) and the line.
    pub first_time: u64,
    /// The first cosignature line.
    pub first: String,
    /// When it last cosigned that size: the log was still that size then.
    pub last_time: u64,
    /// The latest cosignature line.
    pub last: String,
}

impl Witness {
    /// Opens (or creates) the witness state at `db`, signing as `name` with `key`.
    pub fn open(db: &Path, name: &str, key: SigningKey) -> Result<Self, WitnessError> {
        let conn = Connection::open(db).map_err(storage)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(storage)?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
            .map_err(storage)?;
        conn.execute_batch(SCHEMA).map_err(storage)?;
        // Witness databases made before the cosignature time was kept gain the column.
        let has_time: bool = conn
            .prepare("SELECT 1 FROM pragma_table_info('logs') WHERE name = 'cosigned_at'")
            .and_then(|mut s| s.exists([]))
            .map_err(storage)?;
        if !has_time {
            conn.execute_batch("ALTER TABLE logs ADD COLUMN cosigned_at INTEGER")
                .map_err(storage)?;
        }
        Ok(Self {
            conn,
            key,
            name: name.to_string(),
        })
    }

    /// The witness's public key.
    pub fn cosigner_key(&self) -> CosignerKey {
        CosignerKey::of(&self.name, &self.key)
    }

    /// The witness's verifier key in C2SP form (`name+keyid+base64(0x04 ‖ key)`).
    pub fn verifier_text(&self) -> String {
        self.cosigner_key().text()
    }

    /// Starts witnessing a log (from size 0) unless it is already known with the same key.
    pub fn add_log(&self, key: &VerifierKey) -> Result<(), WitnessError> {
        let known: Option<String> = self
            .conn
            .query_row(
                "SELECT vkey FROM logs WHERE origin = ?1",
                [key.name()],
                |r| r.get(0),
            )
            .optional()
            .map_err(storage)?;
        match known {
            Some(k) if k == key.text() => Ok(()),
            Some(k) => Err(WitnessError::Unprocessable(format!(
                "log `{}` is already witnessed with key `{k}`",
                key.name()
            ))),
            None => {
                self.conn
                    .execute(
                        "INSERT INTO logs (origin, vkey, size) VALUES (?1, ?2, 0)",
                        params![key.name(), key.text()],
                    )
                    .map_err(storage)?;
                Ok(())
            }
        }
    }

    /// Checks an add-checkpoint request and, if it holds, cosigns the checkpoint at `time`
    /// (seconds since the epoch) and remembers it. Returns the cosignature line.
    pub fn add_checkpoint(
        &mut self,
        req: &AddCheckpoint,
        time: u64,
    ) -> Result<String, WitnessError> {
        let origin = std::str::from_utf8(&req.checkpoint)
            .ok()
            .and_then(|t| t.lines().next())
            .ok_or_else(|| WitnessError::Malformed("the checkpoint has no origin line".into()))?
            .to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let row: Option<WatchedRow> = tx
            .query_row(
                "SELECT vkey, size, root, note FROM logs WHERE origin = ?1",
                [&origin],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(storage)?;
        let (vkey, latest, root, note) =
            row.ok_or_else(|| WitnessError::UnknownLog(origin.clone()))?;
        let key = VerifierKey::parse(&vkey).map_err(|e| WitnessError::Storage(e.to_string()))?;
        let cp = verify_checkpoint(&req.checkpoint, &key)
            .map_err(|e| WitnessError::BadSignature(e.to_string()))?;
        let latest = latest as u64;
        if req.old > cp.size {
            return Err(WitnessError::Malformed(format!(
                "old size {} is beyond the checkpoint's size {}",
                req.old, cp.size
            )));
        }
        if req.old != latest {
            return Err(WitnessError::Conflict {
                given: req.old,
                latest,
            });
        }
        if let (Some(root), Some(note)) = (&root, &note) {
            let root: [u8; 32] = root
                .as_slice()
                .try_into()
                .map_err(|_| WitnessError::Storage("stored root".into()))?;
            let holds = if cp.size == latest {
                req.proof.is_empty() && cp.root == root
            } else {
                check_consistency(&req.proof, latest, root, cp.size, cp.root)
            };
            if !holds {
                if cp.size == latest {
                    let alarm = Alarm {
                        origin: origin.clone(),
                        reason: format!(
                            "split view: two different signed checkpoints of size {latest}"
                        ),
                        cosigned: String::from_utf8_lossy(note).into_owned(),
                        presented: String::from_utf8_lossy(&req.checkpoint).into_owned(),
                    };
                    tx.execute(
                        "INSERT INTO alarms (origin, reason, cosigned, presented) VALUES (?1, ?2, ?3, ?4)",
                        params![alarm.origin, alarm.reason, note, req.checkpoint],
                    )
                    .map_err(storage)?;
                    tx.commit().map_err(storage)?;
                    return Err(WitnessError::Unprocessable(alarm.reason));
                }
                return Err(WitnessError::Unprocessable(format!(
                    "the consistency proof from size {latest} to {} does not hold",
                    cp.size
                )));
            }
        } else if !req.proof.is_empty() {
            return Err(WitnessError::Unprocessable(
                "no checkpoint cosigned yet: the proof must be empty".into(),
            ));
        }
        let line = cosign(&self.key, &self.name, &req.checkpoint, time)
            .map_err(|e| WitnessError::Malformed(e.to_string()))?;
        tx.execute(
            "INSERT INTO cosigned (origin, size, note, first_time, first_line, last_time, last_line)
             VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?5)
             ON CONFLICT (origin, size) DO UPDATE SET last_time = excluded.last_time,
               last_line = excluded.last_line WHERE excluded.last_time >= cosigned.last_time",
            params![origin, cp.size as i64, req.checkpoint, time as i64, line],
        )
        .map_err(storage)?;
        tx.execute(
            "UPDATE logs SET size = ?1, root = ?2, note = ?3, cosigned_at = ?4 WHERE origin = ?5",
            params![
                cp.size as i64,
                cp.root.to_vec(),
                req.checkpoint,
                time as i64,
                origin
            ],
        )
        .map_err(storage)?;
        tx.commit().map_err(storage)?;
        Ok(line)
    }

    /// Every checkpoint of `origin` this witness cosigned, by size, with its first and latest
    /// cosignature.
    pub fn cosignatures(&self, origin: &str) -> Result<Vec<KeptCosignature>, WitnessError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT size, note, first_time, first_line, last_time, last_line FROM cosigned
                 WHERE origin = ?1 ORDER BY size",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map([origin], |r| {
                Ok(KeptCosignature {
                    size: r.get::<_, i64>(0)? as u64,
                    note: String::from_utf8_lossy(&r.get::<_, Vec<u8>>(1)?).into_owned(),
                    first_time: r.get::<_, i64>(2)? as u64,
                    first: r.get(3)?,
                    last_time: r.get::<_, i64>(4)? as u64,
                    last: r.get(5)?,
                })
            })
            .map_err(storage)?;
        rows.collect::<Result<_, _>>().map_err(storage)
    }

    /// A number that changes whenever this witness cosigns anything (for caches of what
    /// depends on its cosignatures).
    pub fn version(&self) -> Result<(u64, u64), WitnessError> {
        self.conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(last_time), 0) FROM cosigned",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
            )
            .map_err(storage)
    }

    /// Records an alarm found elsewhere (peer sync): two signed checkpoints of one log that
    /// cannot both be true.
    pub fn raise(&self, alarm: &Alarm) -> Result<(), WitnessError> {
        self.conn
            .execute(
                "INSERT INTO alarms (origin, reason, cosigned, presented) VALUES (?1, ?2, ?3, ?4)",
                params![
                    alarm.origin,
                    alarm.reason,
                    alarm.cosigned.as_bytes(),
                    alarm.presented.as_bytes()
                ],
            )
            .map_err(storage)?;
        Ok(())
    }

    /// Every alarm raised.
    pub fn alarms(&self) -> Result<Vec<Alarm>, WitnessError> {
        let mut stmt = self
            .conn
            .prepare("SELECT origin, reason, cosigned, presented FROM alarms ORDER BY id")
            .map_err(storage)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Alarm {
                    origin: r.get(0)?,
                    reason: r.get(1)?,
                    cosigned: String::from_utf8_lossy(&r.get::<_, Vec<u8>>(2)?).into_owned(),
                    presented: String::from_utf8_lossy(&r.get::<_, Vec<u8>>(3)?).into_owned(),
                })
            })
            .map_err(storage)?;
        rows.collect::<Result<_, _>>().map_err(storage)
    }

    /// When this witness last cosigned each log: (origin, size, seconds since the epoch), for
    /// logs it has cosigned at least once.
    pub fn cosigned_times(&self) -> Result<Vec<(String, u64, u64)>, WitnessError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT origin, size, cosigned_at FROM logs WHERE cosigned_at IS NOT NULL ORDER BY origin",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                ))
            })
            .map_err(storage)?;
        rows.collect::<Result<_, _>>().map_err(storage)
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The latest cosigned checkpoint of each log: (origin, size, note).
    pub fn cosigned(&self) -> Result<Vec<(String, u64, String)>, WitnessError> {
        let mut stmt = self
            .conn
            .prepare("SELECT origin, size, note FROM logs ORDER BY origin")
            .map_err(storage)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, Option<Vec<u8>>>(2)?
                        .map(|n| String::from_utf8_lossy(&n).into_owned())
                        .unwrap_or_default(),
                ))
            })
            .map_err(storage)?;
        rows.collect::<Result<_, _>>().map_err(storage)
    }
}
