//! Peer sync: fetch a peer's checkpoint, verify it with the peer's key, fetch the entries
//! this node has not mirrored yet, and append them to the local copy only if every signature
//! checks and they rebuild the checkpoint's root; then the witness cosigns it, with the
//! consistency proof computed from the local copy. A peer that shows a checkpoint its history
//! cannot reach (same size, other root; or a size below what was mirrored) raises an alarm
//! carrying both signed notes. Each step is one transaction, so a node killed mid-sync
//! resumes where its copy ends, with nothing lost or duplicated.

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;
use verity_log::{Log, LogError, VerifierKey, verify_checkpoint};

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

#[derive(Deserialize)]
struct EntryIn {
    index: u64,
    leaf: String,
}

async fn get_text(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let r = client.get(url).send().await.map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("{url}: HTTP {}", r.status()));
    }
    r.bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| e.to_string())
}

/// One sync round with `peer`.
pub async fn sync_once(
    client: &reqwest::Client,
    peer: &Peer,
    witness: Option<&Mutex<Witness>>,
    now: u64,
) -> Result<SyncReport, SyncError> {
    let origin = peer.key.name().to_string();
    let fetch = |m: String| SyncError::Fetch(origin.clone(), m);
    let note = get_text(client, &format!("{}/checkpoint", peer.url))
        .await
        .map_err(fetch)?;
    let cp = verify_checkpoint(&note, &peer.key)
        .map_err(|m| SyncError::Invalid(origin.clone(), format!("checkpoint: {m}")))?;
    let mirror = peer.mirror.clone();
    let (party, key) = (peer.party.clone(), peer.key.clone());
    let from = tokio::task::spawn_blocking(move || -> Result<u64, LogError> {
        let log = if mirror.exists() {
            Log::open(&mirror)?
        } else {
            Log::init_mirror(&mirror, &party, &key)?
        };
        log.size()
    })
    .await
    .map_err(|e| fetch(e.to_string()))??;
    if cp.size < from {
        return Err(SyncError::Invalid(
            origin.clone(),
            format!(
                "its checkpoint is of size {}, below the {from} entries already mirrored",
                cp.size
            ),
        ));
    }
    let mut leaves = Vec::new();
    let mut at = from;
    while at < cp.size {
        let to = cp.size.min(at + crate::server::MAX_ENTRIES_PER_REQUEST);
        let page: Vec<EntryIn> = serde_json::from_slice(
            &get_text(client, &format!("{}/entries?from={at}&to={to}", peer.url))
                .await
                .map_err(fetch)?,
        )
        .map_err(|e| SyncError::Invalid(origin.clone(), format!("entries: {e}")))?;
        if page.len() as u64 != to - at {
            return Err(SyncError::Invalid(
                origin.clone(),
                format!("asked for entries {at}..{to}, got {}", page.len()),
            ));
        }
        for (k, e) in page.into_iter().enumerate() {
            if e.index != at + k as u64 {
                return Err(SyncError::Invalid(
                    origin.clone(),
                    format!("entry {} out of order", e.index),
                ));
            }
            leaves.push(BASE64_STANDARD.decode(&e.leaf).map_err(|_| {
                SyncError::Invalid(origin.clone(), format!("entry {}: not base64", e.index))
            })?);
        }
        at = to;
    }
    let mirror = peer.mirror.clone();
    let note_copy = note.clone();
    let appended = tokio::task::spawn_blocking(move || -> Result<u64, LogError> {
        Log::open(&mirror)?.append_mirrored(&leaves, &note_copy)
    })
    .await
    .map_err(|e| fetch(e.to_string()))?;
    let to = match appended {
        Ok(n) => n,
        Err(LogError::Request(m)) => {
            // Signed by the peer yet not an extension of what it served before: a fork. The
            // copy's latest checkpoint and this one are the proof.
            let forked = m.starts_with("split view") || m.contains("do not rebuild");
            if forked && let Some(w) = witness {
                let held = Log::open_read_only(&peer.mirror)?.latest_checkpoint()?;
                if let Some((_, held)) = held {
                    w.lock().expect("witness lock").raise(&Alarm {
                        origin: origin.clone(),
                        reason: format!("{m} (mirrored {from} entries)"),
                        cosigned: String::from_utf8_lossy(&held).into_owned(),
                        presented: String::from_utf8_lossy(&note).into_owned(),
                    })?;
                }
            }
            return Err(SyncError::Invalid(origin.clone(), m));
        }
        Err(e) => return Err(e.into()),
    };
    // The witness cosigns what the copy now holds, from the size it last cosigned.
    let cosignature = match witness {
        None => None,
        Some(w) => {
            let mut w = w.lock().expect("witness lock");
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
                        Log::open_read_only(&peer.mirror)?.consistency_proof(old, cp.size)?
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

/// Follows `peers` until the process stops: a round with each every `every`, the outcome kept
/// in the node's peer table (and errors printed to stderr).
pub async fn follow(
    state: std::sync::Arc<crate::NodeState>,
    peers: Vec<Peer>,
    every: std::time::Duration,
) {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("an HTTP client");
    {
        let mut table = state.peers.lock().expect("peers lock");
        *table = peers.iter().map(crate::PeerStatus::new).collect();
    }
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        for (k, peer) in peers.iter().enumerate() {
            let now = chrono::Utc::now().timestamp().max(0) as u64;
            let outcome = sync_once(&client, peer, state.witness.as_ref(), now).await;
            let mut table = state.peers.lock().expect("peers lock");
            let row = &mut table[k];
            row.rounds += 1;
            match outcome {
                Ok(r) => {
                    row.mirrored = r.to;
                    row.last_error = None;
                }
                Err(e) => {
                    eprintln!("sync: {e}");
                    row.last_error = Some(e.to_string());
                }
            }
        }
    }
}
