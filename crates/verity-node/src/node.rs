//! Assembling a node, in one place for `verity serve` and the demo: the party's log and its
//! signing key, the operator's token, the witness (its key and database), the copies of the
//! logs it follows and the keys it holds for them, its clock and its dashboard. Files sit
//! beside the log: `<db>.token`, `<db>.witness.key` and `<db>.witness.pub` (its cosigner key,
//! `name+id+base64(0x04 ‖ key)`), `<db>.witness`, `<db>.peers/<party>.db`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use verity_log::{Log, PartyKey, VerifierKey};

use crate::Clock;
use crate::error::NodeError;
use crate::state::{DashboardConfig, Mirror, NodeState, PeerStatus, StateParts};
use crate::sync::Peer;
use crate::token::{create_token, load_token, token_path};
use crate::witness::Witness;

/// Where the witness's signing key comes from.
#[derive(Debug, Clone)]
pub enum WitnessKey {
    /// `<db>.witness.key`, created (mode 0600) the first time, named `witness.verity/<PARTY>`.
    BesideLog,
    /// A key the caller made (an exercise's, from its seed).
    Given(Box<PartyKey>),
}

/// A peer as the operator names it: its log's verifier key, and the node to follow when this
/// node mirrors it (without one, the witness only cosigns checkpoints submitted to it).
#[derive(Debug, Clone)]
pub struct PeerSpec {
    /// The peer log's verifier key.
    pub key: VerifierKey,
    /// `(node URL, party)` to mirror, audit and witness.
    pub follow: Option<(String, String)>,
}

/// How to assemble a node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The date appends are recorded on.
    pub clock: Clock,
    /// What the dashboard judges (`None`: no dashboard).
    pub dashboard: Option<DashboardConfig>,
    /// Whether the node's own log is a party's log to judge (false for an observer).
    pub judge_own_log: bool,
    /// The witness's key.
    pub witness_key: WitnessKey,
    /// The peers.
    pub peers: Vec<PeerSpec>,
    /// How long a request may take before it is refused with 408.
    pub timeout: Duration,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            clock: Clock::System,
            dashboard: None,
            judge_own_log: true,
            witness_key: WitnessKey::BesideLog,
            peers: Vec::new(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// A node, assembled and ready to serve.
#[derive(Debug, Clone)]
pub struct Node {
    state: Arc<NodeState>,
    follow: Vec<Peer>,
    witness_verifier: Option<String>,
    created_token: bool,
}

fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn witness_key(db: &Path, party: &str, source: &WitnessKey) -> Result<PartyKey, NodeError> {
    match source {
        WitnessKey::Given(k) => Ok((**k).clone()),
        WitnessKey::BesideLog => {
            let file = beside(db, ".witness.key");
            if file.exists() {
                return Ok(PartyKey::load(&file)?);
            }
            let key = PartyKey::generate(&format!("witness.verity/{party}")).map_err(|e| {
                NodeError::Log(verity_log::LogError::Key {
                    path: file.clone(),
                    source: e,
                })
            })?;
            let dir = file.parent().unwrap_or(Path::new("."));
            let stem = file
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".key"))
                .unwrap_or("witness")
                .to_string();
            key.write(dir, &stem)?;
            Ok(key)
        }
    }
}

impl Node {
    /// Assembles the node of the log at `db`: loads its signing key and token (creating the
    /// token when there is none), opens its witness and the copies of the logs it follows.
    pub fn open(db: &Path, config: NodeConfig) -> Result<Self, NodeError> {
        let log = Log::open(db)?;
        let key = log.signing_key()?;
        let (token, created_token) = if token_path(db).exists() {
            (load_token(db)?, false)
        } else {
            (create_token(db)?, true)
        };
        let wkey = witness_key(db, log.party(), &config.witness_key)?;
        let witness = Witness::open(&beside(db, ".witness"), wkey.name(), wkey.ed25519().clone())?;
        // The witness's public key, as others check its cosignatures with it.
        let pub_file = beside(db, ".witness.pub");
        let text = format!("{}\n", witness.verifier_text());
        if std::fs::read_to_string(&pub_file).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&pub_file, &text).map_err(|e| NodeError::Io {
                path: pub_file.clone(),
                source: e,
            })?;
        }
        let mirrors_dir = beside(db, ".peers");
        let mut follow = Vec::new();
        for p in &config.peers {
            witness.add_log(&p.key)?;
            if let Some((url, party)) = &p.follow {
                std::fs::create_dir_all(&mirrors_dir).map_err(|e| NodeError::Io {
                    path: mirrors_dir.clone(),
                    source: e,
                })?;
                follow.push(Peer {
                    url: url.trim_end_matches('/').to_string(),
                    party: party.clone(),
                    key: p.key.clone(),
                    mirror: mirrors_dir.join(format!("{}.db", party.to_lowercase())),
                });
            }
        }
        let witness_verifier = Some(witness.verifier_text());
        let state = NodeState::new(StateParts {
            db: db.to_path_buf(),
            log,
            key,
            token,
            witness: Some(witness),
            timeout: config.timeout,
            clock: config.clock,
            judge_own_log: config.judge_own_log,
            peers: follow.iter().map(PeerStatus::of).collect(),
            mirrors: follow
                .iter()
                .map(|p| Mirror {
                    path: p.mirror.clone(),
                    key: p.key.clone(),
                })
                .collect(),
            dashboard: config.dashboard,
        });
        Ok(Self {
            state: Arc::new(state),
            follow,
            witness_verifier,
            created_token,
        })
    }

    /// The shared state the routes serve.
    pub fn state(&self) -> &Arc<NodeState> {
        &self.state
    }

    /// The peers it follows.
    pub fn followed(&self) -> &[Peer] {
        &self.follow
    }

    /// The witness's verifier key, as text.
    pub fn witness_verifier(&self) -> Option<&str> {
        self.witness_verifier.as_deref()
    }

    /// Whether opening it created the operator's token (`<db>.token`).
    pub fn created_token(&self) -> bool {
        self.created_token
    }

    /// The router with every route and limit.
    pub fn router(&self) -> axum::Router {
        crate::server::router(self.state.clone())
    }

    /// Serves on `listener` until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn serve(&self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        crate::server::serve(listener, self.state.clone()).await
    }

    /// One sync round with every followed peer, in turn; the first failure is returned (each
    /// outcome is also kept in the peer table).
    pub async fn sync_round(&self) -> Result<(), crate::sync::SyncError> {
        for k in 0..self.follow.len() {
            crate::sync::sync_peer(&self.state, &self.follow, k).await?;
        }
        Ok(())
    }

    /// Follows every peer in the background, a round every `every`.
    pub fn follow_in_background(&self, every: Duration) {
        if !self.follow.is_empty() {
            tokio::spawn(crate::sync::follow(
                self.state.clone(),
                self.follow.clone(),
                every,
            ));
        }
    }
}

impl PeerStatus {
    /// A peer not synced yet.
    pub fn of(peer: &Peer) -> Self {
        Self {
            url: peer.url.clone(),
            party: peer.party.clone(),
            origin: peer.key.name().to_string(),
            mirrored: 0,
            rounds: 0,
            last_error: None,
        }
    }
}
