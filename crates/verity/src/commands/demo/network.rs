//! The demo's network: one node per party and an observer that is not a party, each a real
//! `verity-node` server on a loopback port with its own store, witness and copies of the logs
//! it follows. Sync rounds are run explicitly between the year's steps (so no two rounds of one
//! node ever race); with `--serve` each node then follows its peers in the background.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use verity_log::{Log, PartyKey, VerifierKey};
use verity_node::{Clock, Node as NodeHandle, NodeConfig, PeerSpec, WitnessKey, load_token};

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
    /// The witness's verifier key, as text.
    pub(super) witness_key: String,
    node: NodeHandle,
}

impl Node {
    fn witness(&self) -> Result<std::sync::MutexGuard<'_, verity_node::Witness>> {
        self.node
            .state()
            .witness()
            .context("every demo node witnesses")
    }

    /// Its witness's cosigned sizes: (origin, size, cosignature line).
    pub(super) fn cosigned(&self) -> Result<Vec<(String, u64, String)>> {
        Ok(self.witness()?.cosigned()?)
    }

    /// When its witness last cosigned each log: (origin, size, seconds since the epoch).
    pub(super) fn cosigned_times(&self) -> Result<Vec<(String, u64, u64)>> {
        Ok(self.witness()?.cosigned_times()?)
    }

    /// Split-view alarms its witness raised.
    pub(super) fn alarms(&self) -> Result<Vec<verity_node::Alarm>> {
        Ok(self.witness()?.alarms()?)
    }

    /// The peers it follows.
    pub(super) fn peers(&self) -> &[verity_node::sync::Peer] {
        self.node.followed()
    }
}

/// The parties' nodes (in treaty order) and the observer.
pub(super) struct Network {
    pub(super) parties: Vec<Node>,
    pub(super) observer: Node,
    pub(super) clock: Clock,
}

/// A party's signing key from the run's seed.
pub(super) fn party_key(seed: u64, code: &str) -> Result<PartyKey> {
    Ok(PartyKey::from_seed(
        &format!("verity-demo.log/{code}"),
        seed_bytes(seed, code),
    )?)
}

/// 32 bytes for `label` (a key, an operator's seed stream) from the run's seed:
/// `SHA-256(label ‖ u64be(seed) ‖ purpose)`.
pub(super) fn seed_bytes(seed: u64, label: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(verity_escrow::domain::EXERCISE_SEED);
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
        let witness_key = PartyKey::from_seed(
            &format!("witness.verity-demo/{stem}"),
            seed_bytes(self.seed, &format!("witness/{stem}")),
        )?;
        let config = NodeConfig {
            clock: self.clock.clone(),
            dashboard: Some(verity_node::DashboardConfig {
                treaty: self.treaty.to_string(),
                mode: verity_treaty::compliance::Mode::AsIfInForce,
            }),
            judge_own_log,
            witness_key: WitnessKey::Given(Box::new(witness_key)),
            peers: followed
                .iter()
                .map(|(party, key, url)| PeerSpec {
                    key: key.clone(),
                    follow: Some((url.clone(), party.clone())),
                })
                .collect(),
            ..NodeConfig::default()
        };
        let node = NodeHandle::open(&db, config)?;
        let token = load_token(&db)?;
        let url = format!("http://{}", listener.local_addr()?);
        let serving = node.clone();
        tokio::spawn(async move { serving.serve(listener).await });
        Ok(Node {
            name: name.to_string(),
            url,
            db,
            verifier: key.verifier(),
            token,
            witness_key: node.witness_verifier().unwrap_or_default().to_string(),
            node,
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
        Ok(Self {
            parties: nodes,
            observer,
            clock,
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
        for node in self.parties.iter().chain(std::iter::once(&self.observer)) {
            node.node
                .sync_round()
                .await
                .with_context(|| format!("{} syncing its peers", node.name))?;
        }
        Ok(())
    }

    /// From now on every node follows its peers in the background (for `--serve`).
    pub(super) fn follow_in_background(&self) {
        for node in self.parties.iter().chain(std::iter::once(&self.observer)) {
            node.node
                .follow_in_background(std::time::Duration::from_secs(2));
        }
    }
}
