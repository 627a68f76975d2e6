//! Peer sync: fetch a peer's checkpoint, verify it with the peer's key, fetch the entries this
//! node has not mirrored yet, and append them to the local copy only if every signature
//! checks and they rebuild the checkpoint's root; then the witness cosigns it, with the
//! consistency proof computed from the local copy. A peer that shows a checkpoint its history
//! cannot reach (same size, other root; or a size below what was mirrored) raises an alarm
//! carrying both signed notes. Each step is one transaction, so a node killed mid-sync
//! resumes where its copy ends, with nothing lost or duplicated.

use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use verity_log::{Log, LogError, VerifierKey, verify_checkpoint};
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

/// What one sync round did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The peer's origin.
    pub origin: String,
    /// Entries mirrored before the round.
    pub from: u64,
    /// Entries mirrored after it.
    pub to: u64,
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
    /// What the peer served does not check out; the copy is unchanged.
    #[error("peer {0}: {1}")]
    Invalid(String, String),
    /// The local copy could not be used.
    #[error("local copy: {0}")]
    Local(#[from] LogError),
    /// The witness refused.
    #[error("witness: {0}")]
    Witness(#[from] WitnessError),
}

/// One sync round with `peer`, blocking (run it off the async runtime): the copy extended and,
/// when `witness` is given, cosigned.
pub fn sync_once(
    peer: &Peer,
    witness: Option<&Mutex<Witness>>,
    now: u64,
) -> Result<SyncReport, SyncError> {
    let witness = || witness.map(|w| w.lock().unwrap_or_else(PoisonError::into_inner));
    let origin = peer.key.name().to_string();
    let fetch = |e: PartyError| SyncError::Fetch(origin.clone(), e.to_string());
    let client = NodeClient::new(&peer.url).map_err(fetch)?;
    let note = client.checkpoint().map_err(fetch)?;
    let cp = verify_checkpoint(&note, &peer.key)
        .map_err(|m| SyncError::Invalid(origin.clone(), format!("checkpoint: {m}")))?;
    let mut log = if peer.mirror.exists() {
        Log::open(&peer.mirror)?
    } else {
        Log::init_mirror(&peer.mirror, &peer.party, &peer.key)?
    };
    let from = log.size()?;
    if cp.size < from {
        return Err(SyncError::Invalid(
            origin.clone(),
            format!(
                "its checkpoint is of size {}, below the {from} entries already mirrored",
                cp.size
            ),
        ));
    }
    let leaves: Vec<Vec<u8>> = client
        .entries(from, cp.size)
        .map_err(|e| match e {
            PartyError::Node { status: None, .. } => {
                SyncError::Invalid(origin.clone(), e.to_string())
            }
            other => fetch(other),
        })?
        .into_iter()
        .map(|e| e.leaf)
        .collect();
    let to = match log.append_mirrored(&leaves, &note) {
        Ok(n) => n,
        Err(LogError::Request(m)) => {
            // Signed by the peer yet not an extension of what it served before: a fork. The
            // copy's latest checkpoint and this one are the proof.
            let forked = m.starts_with("split view") || m.contains("do not rebuild");
            if forked
                && let Some(w) = witness()
                && let Some((_, held)) = log.latest_checkpoint()?
            {
                w.raise(&Alarm {
                    origin: origin.clone(),
                    reason: format!("{m} (mirrored {from} entries)"),
                    cosigned: String::from_utf8_lossy(&held).into_owned(),
                    presented: String::from_utf8_lossy(&note).into_owned(),
                })?;
                tracing::warn!(%origin, reason = %m, "split view: alarm raised");
            }
            return Err(SyncError::Invalid(origin.clone(), m));
        }
        Err(e) => return Err(e.into()),
    };
    // The witness cosigns what the copy now holds, from the size it last cosigned.
    let cosignature = match witness() {
        None => None,
        Some(mut w) => {
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
                        checkpoint: note,
                    };
                    Some(w.add_checkpoint(&req, now)?)
                }
            }
        }
    };
    Ok(SyncReport {
        origin,
        from,
        to,
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
    let now = chrono::Utc::now().timestamp().max(0) as u64;
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

/// Follows `peers` until the process stops: a round with each every `every`, the outcome kept
/// in the node's peer table and logged.
pub(crate) async fn follow(state: Arc<NodeState>, peers: Vec<Peer>, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        for k in 0..peers.len() {
            let _ = sync_peer(&state, &peers, k).await;
        }
    }
}
