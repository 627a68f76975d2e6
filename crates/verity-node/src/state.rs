//! What a running node holds and every part of it shares: its own log (read through kept
//! read-only connections, appended through the group-commit writer), its operator's token,
//! its witness, the copies of the logs it follows with their keys, how each peer's last sync
//! went, its clock, and the last compliance view (recomputed only when a log grew or the date
//! moved). Fields are private: the server, the dashboard and sync use its methods.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use verity_inspect::view::{ComplianceReport, LoadedLog, judge};
use verity_log::{CosignedCheckpoint, Log, LogError, PartyKey, VerifierKey, verify_cosigned};
use verity_treaty::Treaty;
use verity_treaty::compliance::Mode;

use crate::Clock;
use crate::commit::Appender;
use crate::error::AppError;
use crate::witness::Witness;

/// What the dashboard under `/ui` judges: a treaty, as written or as if in force.
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    /// Built-in treaty id.
    pub treaty: String,
    /// As written, or as if in force (an exercise of a draft).
    pub mode: Mode,
}

/// A followed peer, as the node last saw it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerStatus {
    /// The peer's node.
    pub url: String,
    /// Its party.
    pub party: String,
    /// Its log's origin.
    pub origin: String,
    /// Entries mirrored here.
    pub mirrored: u64,
    /// Rounds completed.
    pub rounds: u64,
    /// The last round's error, if it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// A local copy of a followed log and the key the operator gave for it.
#[derive(Debug, Clone)]
pub(crate) struct Mirror {
    pub(crate) path: PathBuf,
    pub(crate) key: VerifierKey,
}

/// A compliance view with the log sizes, date, treaty and mode it was taken for.
struct CachedReport {
    sizes: Vec<u64>,
    /// What the node's witness had cosigned (its cosignatures bound the entries' dates).
    witnessed: (u64, u64),
    on: NaiveDate,
    treaty: String,
    mode: Mode,
    report: Arc<ComplianceReport>,
}

/// Read-only connections kept for reuse: opening one per request costs more than a proof.
const MAX_READERS: usize = 16;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind (a list, a cache):
    // serving on with it is safe.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Everything the handlers share.
pub struct NodeState {
    db: PathBuf,
    party: String,
    origin: String,
    verifier: VerifierKey,
    token: String,
    key: PartyKey,
    appender: OnceLock<Appender>,
    readers: Mutex<Vec<Log>>,
    witness: Option<Mutex<Witness>>,
    timeout: Duration,
    clock: Clock,
    judge_own_log: bool,
    peers: Mutex<Vec<PeerStatus>>,
    mirrors: Vec<Mirror>,
    dashboard: Option<DashboardConfig>,
    report_cache: Mutex<Option<CachedReport>>,
    /// Held while a report is computed: requests that miss the cache together wait for the
    /// one computation instead of each starting their own.
    computing: Mutex<()>,
}

impl std::fmt::Debug for NodeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeState")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

/// What a node is assembled from (see `Node::open`).
pub(crate) struct StateParts {
    pub(crate) db: PathBuf,
    pub(crate) log: Log,
    pub(crate) key: PartyKey,
    pub(crate) token: String,
    pub(crate) witness: Option<Witness>,
    pub(crate) timeout: Duration,
    pub(crate) clock: Clock,
    pub(crate) judge_own_log: bool,
    pub(crate) peers: Vec<PeerStatus>,
    pub(crate) mirrors: Vec<Mirror>,
    pub(crate) dashboard: Option<DashboardConfig>,
}

impl NodeState {
    pub(crate) fn new(p: StateParts) -> Self {
        Self {
            party: p.log.party().to_string(),
            origin: p.log.origin().to_string(),
            verifier: p.log.recorded_verifier().clone(),
            readers: Mutex::new(vec![]),
            db: p.db,
            token: p.token,
            key: p.key,
            appender: OnceLock::new(),
            witness: p.witness.map(Mutex::new),
            timeout: p.timeout,
            clock: p.clock,
            judge_own_log: p.judge_own_log,
            peers: Mutex::new(p.peers),
            mirrors: p.mirrors,
            dashboard: p.dashboard,
            report_cache: Mutex::new(None),
            computing: Mutex::new(()),
        }
    }

    /// The node's log database.
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// Its log's party.
    pub fn party(&self) -> &str {
        &self.party
    }

    /// Its log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Its log's verifier key.
    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    /// The date it records appends on.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// How long a request may take before it is refused with 408.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether a request carries the operator's token.
    pub(crate) fn is_operator(&self, bearer: Option<&str>) -> bool {
        bearer.is_some_and(|t| {
            // Compared in full whatever the first difference, so timing says nothing.
            t.len() == self.token.len()
                && t.bytes()
                    .zip(self.token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }

    /// The group-commit writer, started with the first append.
    pub(crate) fn appender(&self) -> &Appender {
        self.appender
            .get_or_init(|| Appender::start(self.db.clone(), self.key.clone(), self.clock.clone()))
    }

    /// The witness, when this node witnesses other logs.
    pub fn witness(&self) -> Option<MutexGuard<'_, Witness>> {
        self.witness.as_ref().map(lock)
    }

    /// The witness's lock, for work that takes it on another thread.
    pub(crate) fn witness_lock(&self) -> Option<&Mutex<Witness>> {
        self.witness.as_ref()
    }

    /// Whether this node witnesses.
    pub(crate) fn has_witness(&self) -> bool {
        self.witness.is_some()
    }

    /// What the dashboard judges, when it has one.
    pub(crate) fn dashboard(&self) -> Option<&DashboardConfig> {
        self.dashboard.as_ref()
    }

    /// Whether the node's own log is a party's (false for an observer).
    pub(crate) fn judges_own_log(&self) -> bool {
        self.judge_own_log
    }

    /// The peers it follows and how their last sync went.
    pub fn peers(&self) -> Vec<PeerStatus> {
        lock(&self.peers).clone()
    }

    /// Records the outcome of a sync round with peer `k`.
    pub(crate) fn peer_round(
        &self,
        k: usize,
        outcome: &Result<crate::sync::SyncReport, crate::sync::SyncError>,
    ) {
        if let Some(row) = lock(&self.peers).get_mut(k) {
            row.rounds += 1;
            match outcome {
                Ok(r) => {
                    row.mirrored = r.to;
                    row.last_error = None;
                }
                Err(e) => row.last_error = Some(e.to_string()),
            }
        }
    }

    /// Runs `f` with a read-only connection to the log, reusing a kept one when there is one.
    /// Each statement sees the latest committed state (WAL).
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Log) -> Result<T, LogError>,
    ) -> Result<T, AppError> {
        let kept = lock(&self.readers).pop();
        let log = match kept {
            Some(l) => l,
            None => Log::open_read_only(&self.db)?,
        };
        let out = f(&log).map_err(AppError::from);
        let mut readers = lock(&self.readers);
        if readers.len() < MAX_READERS {
            readers.push(log);
        }
        out
    }

    /// The logs the compliance view reads, with the keys the node holds for them: its own
    /// (unless an observer's) and its copies of the followed logs.
    fn judged_sources(&self) -> Vec<(PathBuf, VerifierKey)> {
        let mut out = Vec::new();
        if self.judge_own_log {
            out.push((self.db.clone(), self.verifier.clone()));
        }
        for m in &self.mirrors {
            if m.path.exists() {
                out.push((m.path.clone(), m.key.clone()));
            }
        }
        out
    }

    /// The compliance view of `treaty` over the node's logs on `on`, recomputed only when a
    /// log has grown, the date moved, or another treaty or mode is asked for.
    pub(crate) fn compliance(
        &self,
        treaty: &Treaty,
        on: NaiveDate,
        mode: Mode,
    ) -> Result<Arc<ComplianceReport>, AppError> {
        let sources = self.judged_sources();
        let mut sizes = Vec::with_capacity(sources.len());
        for (path, _) in &sources {
            sizes.push(Log::open_read_only(path).and_then(|l| l.size())?);
        }
        let witnessed = match self.witness() {
            Some(w) => w.version().map_err(|e| AppError::internal(e.to_string()))?,
            None => (0, 0),
        };
        let cached = || {
            lock(&self.report_cache)
                .as_ref()
                .filter(|c| {
                    c.sizes == sizes
                        && c.witnessed == witnessed
                        && c.on == on
                        && c.treaty == treaty.id()
                        && c.mode == mode
                })
                .map(|c| c.report.clone())
        };
        if let Some(r) = cached() {
            return Ok(r);
        }
        // One computation at a time: whoever waited finds the cache filled.
        let _computing = lock(&self.computing);
        if let Some(r) = cached() {
            return Ok(r);
        }
        let mut logs = Vec::with_capacity(sources.len());
        for (path, key) in sources {
            let mut log = LoadedLog::from_file(&path, Some(key.clone()))
                .map_err(|e| AppError::internal(e.to_string()))?;
            log.add_witnessed(self.witnessed(&key)?);
            logs.push(log);
        }
        let report = Arc::new(judge(treaty, &logs, on, mode));
        *lock(&self.report_cache) = Some(CachedReport {
            sizes,
            witnessed,
            on,
            treaty: treaty.id().to_string(),
            mode,
            report: report.clone(),
        });
        Ok(report)
    }

    /// What this node's witness cosigned of the log `key` names, each cosignature verified:
    /// the bounds on when that log's entries were recorded.
    fn witnessed(&self, key: &VerifierKey) -> Result<Vec<CosignedCheckpoint>, AppError> {
        let Some(w) = self.witness() else {
            return Ok(Vec::new());
        };
        let cosigner = w.cosigner_key();
        let kept = w
            .cosignatures(key.name())
            .map_err(|e| AppError::internal(e.to_string()))?;
        drop(w);
        let mut out = Vec::with_capacity(kept.len() * 2);
        for k in kept {
            for line in [&k.first, &k.last] {
                // Its own cosignatures of notes it verified: one that does not check out is
                // damage to its store, left out (and logged) rather than trusted.
                match verify_cosigned(k.note.as_bytes(), line, key, &cosigner) {
                    Ok(c) => out.push(c),
                    Err(e) => {
                        tracing::warn!(origin = key.name(), error = %e, "a kept cosignature does not verify")
                    }
                }
            }
        }
        Ok(out)
    }

    /// The log (own or a copy) of `party`, with the key the node holds for it.
    pub(crate) fn log_of(&self, party: &str) -> Result<Option<(PathBuf, VerifierKey)>, AppError> {
        if self.party == party {
            return Ok(Some((self.db.clone(), self.verifier.clone())));
        }
        for m in &self.mirrors {
            if m.path.exists() && Log::open_read_only(&m.path)?.party() == party {
                return Ok(Some((m.path.clone(), m.key.clone())));
            }
        }
        Ok(None)
    }
}
