//! Peer sync: fetch a peer's checkpoint, verify it with the peer's key, then pull the entries
//! this node has not mirrored yet page by page, each page proven a prefix of the signed log (a
//! consistency proof from its end to the checkpoint) and stored in its own transaction before
//! the next is read; the witness cosigns once the copy reaches the checkpoint. A round is
//! bounded in entries, bytes and time, so a lying peer costs at most one page and a large one
//! is caught up over several rounds; peers are followed each on its own task, so none stalls
//! another. A checkpoint the copy contradicts (another root at a size the copy holds, or a
//! longer one the node cannot show extends the copy) raises an alarm carrying both notes.

use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use verity_log::{Log, LogError, MirrorError, VerifierKey, check_consistency, verify_checkpoint};
use verity_party::{NodeClient, PartyError};

use crate::state::NodeState;
use crate::witness::{AddCheckpoint, Alarm, Witness, WitnessError};

/// A peer to follow.
#[derive(Debug, Clone)]
pub struct Peer {
    /// Its node's base URL, e.g. `http://127.0.0.1:8081`.
    pub url: String,
    /// Its party code.
    pub party: String,
    /// Its log's verifier key.
    pub key: VerifierKey,
    /// Where this node keeps its copy of the peer's log.
    pub mirror: PathBuf,
}

/// How much one round may take from a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundLimits {
    /// Entries pulled in one round at most (the rest wait for the next).
    pub entries: u64,
    /// Bytes of entries pulled in one round at most.
    pub bytes: u64,
    /// The largest answer read from the peer (one page; a single largest entry fits).
    pub response_bytes: u64,
    /// Time after which the round stops pulling (what it verified is kept).
    pub duration: Duration,
    /// How long one answer may take.
    pub request_timeout: Duration,
}

impl Default for RoundLimits {
    fn default() -> Self {
        Self {
            entries: 100_000,
            bytes: 256 * 1024 * 1024,
            response_bytes: 24 * 1024 * 1024,
            duration: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What one sync round did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The peer's origin.
    pub origin: String,
    /// Entries mirrored before the round.
    pub from: u64,
    /// Entries mirrored after it.
    pub to: u64,
    /// The size of the peer's signed checkpoint (the copy is complete when `to` reaches it).
    pub target: u64,
    /// The witness's cosignature line for the checkpoint, when it cosigned.
    pub cosignature: Option<String>,
}

/// Why a round failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The peer could not be reached or answered badly.
    #[error("peer {0}: {1}")]
    Fetch(String, String),
    /// What the peer served does not check out; the copy keeps only what was proven.
    #[error("peer {0}: {1}")]
    Invalid(String, String),
    /// The local copy could not be used.
    #[error("local copy: {0}")]
    Local(#[from] LogError),
    /// The witness refused.
    #[error("witness: {0}")]
    Witness(#[from] WitnessError),
}

/// One sync round with `peer` within the default limits; see [`sync_within`].
pub fn sync_once(
    peer: &Peer,
    witness: Option<&Mutex<Witness>>,
    now: u64,
) -> Result<SyncReport, SyncError> {
    sync_within(peer, witness, now, &RoundLimits::default())
}

/// One sync round with `peer`, blocking (run it off the async runtime): the copy extended by
/// proven pages within `limits` and, when it reaches the peer's checkpoint and `witness` is
/// given, cosigned at `now` (seconds since the epoch).
pub fn sync_within(
    peer: &Peer,
    witness: Option<&Mutex<Witness>>,
    now: u64,
    limits: &RoundLimits,
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let witness = || witness.map(|w| w.lock().unwrap_or_else(PoisonError::into_inner));
    let origin = peer.key.name().to_string();
    let fetch = |e: PartyError| match e {
        PartyError::Node { status: None, .. } | PartyError::Unverified { .. } => {
            SyncError::Invalid(origin.clone(), e.to_string())
        }
        other => SyncError::Fetch(origin.clone(), other.to_string()),
    };
    let invalid = |m: String| SyncError::Invalid(origin.clone(), m);
    let client = NodeClient::new(&peer.url)
        .and_then(|c| c.with_timeout(limits.request_timeout))
        .map_err(fetch)?;
    let note = client.checkpoint().map_err(fetch)?;
    let cp =
        verify_checkpoint(&note, &peer.key).map_err(|m| invalid(format!("checkpoint: {m}")))?;
    let mut log = if peer.mirror.exists() {
        Log::open(&peer.mirror)?
    } else {
        Log::init_mirror(&peer.mirror, &peer.party, &peer.key)?
    };
    let from = log.size()?;
    let alarm = |reason: String, held: Vec<u8>| -> Result<(), SyncError> {
        if let Some(w) = witness() {
            w.raise(&Alarm {
                origin: origin.clone(),
                reason: reason.clone(),
                cosigned: String::from_utf8_lossy(&held).into_owned(),
                presented: String::from_utf8_lossy(&note).into_owned(),
            })?;
            tracing::warn!(%origin, %reason, "split view: alarm raised");
        }
        Ok(())
    };
    // A checkpoint the copy already covers: the same history (stale or current) or a fork.
    match log.mirror_standing(&note) {
        Ok(()) => {}
        Err(LogError::Mirror(e @ MirrorError::SplitView { .. })) => {
            if let MirrorError::SplitView { held, .. } = &e {
                alarm(e.to_string(), held.clone())?;
            }
            return Err(invalid(e.to_string()));
        }
        Err(LogError::Mirror(e)) => return Err(invalid(e.to_string())),
        Err(e) => return Err(e.into()),
    }
    // A longer one must extend the copy: the node shows it with a consistency proof.
    if from > 0 && cp.size > from {
        let root = log.root(from)?;
        let extends = client
            .consistency(from, cp.size)
            .map(|proof| check_consistency(&proof, from, root, cp.size, cp.root))
            .unwrap_or(false);
        if !extends {
            let held = log.latest_checkpoint()?.map(|(_, n)| n).unwrap_or_default();
            let reason = format!(
                "its signed checkpoint of size {} does not extend the {from} entries mirrored: the node shows no consistency proof from the copy's root",
                cp.size
            );
            alarm(reason.clone(), held)?;
            return Err(invalid(reason));
        }
    }
    // Page by page, each proven before the next is read, within the round's limits.
    let (mut at, mut bytes) = (from, 0u64);
    while at < cp.size
        && at - from < limits.entries
        && bytes < limits.bytes
        && started.elapsed() < limits.duration
    {
        let end = cp.size.min(at + (limits.entries - (at - from)));
        let page = client
            .entries_page(at, end, limits.response_bytes)
            .map_err(fetch)?;
        let page_end = at + page.len() as u64;
        let proof = if page_end < cp.size {
            client.consistency(page_end, cp.size).map_err(fetch)?
        } else {
            Vec::new()
        };
        bytes += page.iter().map(|e| e.leaf.len() as u64).sum::<u64>();
        let leaves: Vec<Vec<u8>> = page.into_iter().map(|e| e.leaf).collect();
        at = match log.append_mirrored_page(&leaves, &note, &proof) {
            Ok(n) => n,
            Err(LogError::Mirror(e)) => return Err(invalid(e.to_string())),
            Err(e) => return Err(e.into()),
        };
    }
    // The witness cosigns what the copy now holds in full, from the size it last cosigned.
    let cosignature = match witness() {
        Some(mut w) if at == cp.size => {
            let last = w
                .cosigned()?
                .into_iter()
                .find(|(o, _, _)| *o == origin)
                .map(|(_, size, _)| size);
            match last {
                // Not a log this witness was told to watch, or already past this checkpoint.
                None => None,
                Some(old) if old > cp.size => None,
                Some(old) => {
                    let proof = if old == 0 || old == cp.size {
                        Vec::new()
                    } else {
                        log.consistency_proof(old, cp.size)?
                    };
                    let req = AddCheckpoint {
                        old,
                        proof,
                        checkpoint: note.clone(),
                    };
                    Some(w.add_checkpoint(&req, now)?)
                }
            }
        }
        _ => None,
    };
    Ok(SyncReport {
        origin,
        from,
        to: at,
        target: cp.size,
        cosignature,
    })
}

/// One round with peer `k` of `peers`, off the runtime; the outcome goes in the peer table.
pub(crate) async fn sync_peer(
    state: &Arc<NodeState>,
    peers: &[Peer],
    k: usize,
) -> Result<SyncReport, SyncError> {
    let Some(peer) = peers.get(k).cloned() else {
        return Err(SyncError::Fetch(
            String::new(),
            format!("no peer {k} to follow"),
        ));
    };
    let now = state.clock().timestamp();
    let s = state.clone();
    let outcome = tokio::task::spawn_blocking(move || sync_once(&peer, s.witness_lock(), now))
        .await
        .unwrap_or_else(|e| Err(SyncError::Fetch(String::new(), e.to_string())));
    match &outcome {
        Ok(r) => {
            if r.to > r.from {
                tracing::info!(origin = %r.origin, from = r.from, to = r.to, "mirrored");
            }
            state.peer_round(k, &outcome);
        }
        Err(e) => {
            tracing::warn!(error = %e, "sync round failed");
            state.peer_round(k, &outcome);
        }
    }
    outcome
}

/// Follows `peers` until the process stops: each peer on its own task, a round every
/// `every` (a slow or lying peer delays only its own rounds), the outcome kept in the node's
/// peer table and logged.
pub(crate) async fn follow(state: Arc<NodeState>, peers: Vec<Peer>, every: Duration) {
    let peers = Arc::new(peers);
    let tasks: Vec<_> = (0..peers.len())
        .map(|k| {
            let (state, peers) = (state.clone(), peers.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let _ = sync_peer(&state, &peers, k).await;
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}
