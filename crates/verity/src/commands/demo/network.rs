//! The demo's network: one node per party and an observer that is not a party, each a real
//! `verity-node` server on a loopback port with its own store, witness and copies of the logs
//! it follows. Sync rounds are run explicitly between the year's steps (so no two rounds of one
//! node ever race); with `--serve` each node then follows its peers in the background.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use verity_log::{Log, PartyKey, VerifierKey};
use verity_node::sync::{Peer, follow, sync_once};
use verity_node::{Clock, NodeState, PeerStatus, Witness, create_token};

/// One running node.
pub(super) struct Node {
    /// `USA`, `RUS`, `CHN`, or `observer`.
    pub(super) name: String,
    /// Base URL, `http://127.0.0.1:PORT`.
    pub(super) url: String,
    /// The node's own log.
    pub(super) db: PathBuf,
    /// Its log's verifier key.
    pub(super) verifier: VerifierKey,
    /// The operator's bearer token.
    pub(super) token: String,
    /// The logs it follows.
    pub(super) peers: Vec<Peer>,
    /// The witness's verifier key, as text.
    pub(super) witness_key: String,
    state: Arc<NodeState>,
}

impl Node {
    fn witness(&self) -> Result<std::sync::MutexGuard<'_, Witness>> {
        let w = self.state.witness.as_ref();
        Ok(w.context("every demo node witnesses")?
            .lock()
            .expect("witness lock"))
    }

    /// Its witness's cosigned sizes: (origin, size, cosignature line).
    pub(super) fn cosigned(&self) -> Result<Vec<(String, u64, String)>> {
        self.witness()?
            .cosigned()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// When its witness last cosigned each log: (origin, size, seconds since the epoch).
    pub(super) fn cosigned_times(&self) -> Result<Vec<(String, u64, u64)>> {
        self.witness()?
            .cosigned_times()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Split-view alarms its witness raised.
    pub(super) fn alarms(&self) -> Result<Vec<verity_node::Alarm>> {
        self.witness()?.alarms().map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// The parties' nodes (in treaty order) and the observer.
pub(super) struct Network {
    pub(super) parties: Vec<Node>,
    pub(super) observer: Node,
    pub(super) clock: Clock,
    pub(super) http: reqwest::Client,
}

/// A party's signing key from the run's seed.
pub(super) fn party_key(seed: u64, code: &str) -> Result<PartyKey> {
    PartyKey::from_seed(&format!("verity-demo.log/{code}"), seed_bytes(seed, code))
        .map_err(anyhow::Error::msg)
}

/// 32 bytes for `label` (a key, an operator's seed stream) from the run's seed:
/// `SHA-256("verity-demo/seed/v1\n" ‖ u64be(seed) ‖ label)`.
pub(super) fn seed_bytes(seed: u64, label: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"verity-demo/seed/v1\n");
    h.update(seed.to_be_bytes());
    h.update(label.as_bytes());
    h.finalize().into()
}

struct Setup<'a> {
    dir: &'a Path,
    treaty: &'a str,
    seed: u64,
    clock: &'a Clock,
}

impl Setup<'_> {
    /// Creates the store of `name` (its log, key, token and witness) and starts its server.
    fn start(
        &self,
        name: &str,
        listener: tokio::net::TcpListener,
        followed: &[(String, VerifierKey, String)],
        judge_own_log: bool,
    ) -> Result<Node> {
        let stem = name.to_lowercase();
        let log_party = if judge_own_log { name } else { "OBS" };
        let key = party_key(self.seed, log_party)?;
        let (key_path, _) = key.write(self.dir, &stem)?;
        let db = self.dir.join(format!("{stem}.db"));
        drop(Log::init(&db, log_party, &key, &key_path)?);
        let token = create_token(&db).map_err(anyhow::Error::msg)?;
        let witness_key = PartyKey::from_seed(
            &format!("witness.verity-demo/{stem}"),
            seed_bytes(self.seed, &format!("witness/{stem}")),
        )
        .map_err(anyhow::Error::msg)?;
        witness_key.write(self.dir, &format!("{stem}.witness"))?;
        let witness = Witness::open(
            &self.dir.join(format!("{stem}.witness.db")),
            witness_key.name(),
            witness_key.ed25519().clone(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mirrors = self.dir.join(format!("{stem}.peers"));
        std::fs::create_dir_all(&mirrors)
            .with_context(|| format!("cannot create {}", mirrors.display()))?;
        let mut peers = Vec::new();
        for (party, verifier, url) in followed {
            witness
                .add_log(verifier)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            peers.push(Peer {
                url: url.clone(),
                party: party.clone(),
                key: verifier.clone(),
                mirror: mirrors.join(format!("{}.db", party.to_lowercase())),
            });
        }
        let witness_text = witness.verifier_text();
        let mut state = NodeState::new(db.clone(), key.clone(), token.clone(), Some(witness));
        state.clock = self.clock.clone();
        state.judge_own_log = judge_own_log;
        state.dashboard = Some(verity_node::DashboardConfig {
            treaty: self.treaty.to_string(),
            mode: verity_treaty::compliance::Mode::AsIfInForce,
        });
        state.mirrors = peers
            .iter()
            .map(|p| (p.mirror.clone(), p.key.clone()))
            .collect();
        *state.peers.lock().expect("peers lock") = peers.iter().map(PeerStatus::new).collect();
        let state = Arc::new(state);
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(verity_node::serve(listener, state.clone()));
        Ok(Node {
            name: name.to_string(),
            url,
            db,
            verifier: key.verifier(),
            token,
            peers,
            witness_key: witness_text,
            state,
        })
    }
}

impl Network {
    /// Starts a node per party and the observer, with fresh stores under `dir`. Every
    /// listener is bound first (the OS picks the ports), so each node knows its peers' URLs
    /// when it starts: every party follows the other two, the observer follows all three.
    pub(super) async fn start(
        dir: &Path,
        seed: u64,
        parties: &[String],
        clock: Clock,
        treaty: &str,
    ) -> Result<Self> {
        let setup = Setup {
            dir,
            treaty,
            seed,
            clock: &clock,
        };
        let mut listeners = Vec::new();
        for _ in 0..=parties.len() {
            listeners.push(
                tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .context("cannot listen on a loopback port")?,
            );
        }
        let mut everyone: Vec<(String, VerifierKey, String)> = Vec::new();
        for (code, l) in parties.iter().zip(&listeners) {
            everyone.push((
                code.clone(),
                party_key(seed, code)?.verifier(),
                format!("http://{}", l.local_addr()?),
            ));
        }
        let mut listeners = listeners.into_iter();
        let mut nodes = Vec::new();
        for code in parties {
            let others: Vec<(String, VerifierKey, String)> = everyone
                .iter()
                .filter(|(p, _, _)| p != code)
                .cloned()
                .collect();
            let l = listeners.next().context("a listener per node")?;
            nodes.push(setup.start(code, l, &others, true)?);
        }
        let l = listeners.next().context("a listener for the observer")?;
        let observer = setup.start("observer", l, &everyone, false)?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()?;
        Ok(Self {
            parties: nodes,
            observer,
            clock,
            http,
        })
    }

    /// The node of `party`.
    pub(super) fn node(&self, party: &str) -> Result<&Node> {
        self.parties
            .iter()
            .find(|n| n.name == party)
            .with_context(|| format!("no node for {party}"))
    }

    /// One sync round of every node with every peer: each copy extended, checked and
    /// cosigned. A failed round is an error: in this network nothing should fail.
    pub(super) async fn sync_all(&self) -> Result<()> {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        for node in self.parties.iter().chain(std::iter::once(&self.observer)) {
            for (k, peer) in node.peers.iter().enumerate() {
                let r = sync_once(&self.http, peer, node.state.witness.as_ref(), now).await;
                let mut table = node.state.peers.lock().expect("peers lock");
                let row = &mut table[k];
                row.rounds += 1;
                match r {
                    Ok(report) => {
                        row.mirrored = report.to;
                        row.last_error = None;
                    }
                    Err(e) => {
                        row.last_error = Some(e.to_string());
                        bail!("{} syncing {}: {e}", node.name, peer.party);
                    }
                }
            }
        }
        Ok(())
    }

    /// From now on every node follows its peers in the background (for `--serve`).
    pub(super) fn follow_in_background(&self) {
        for node in self.parties.iter().chain(std::iter::once(&self.observer)) {
            tokio::spawn(follow(
                node.state.clone(),
                node.peers.clone(),
                std::time::Duration::from_secs(2),
            ));
        }
    }
}
