//! Talking to a node over HTTP: reading any party's log from its node and verifying it against
//! that party's key (the signed checkpoint, every page of entries in order, the root they
//! rebuild), and posting a party's own steps to its node's write routes with the operator's
//! bearer token. Every response is read up to a cap, so a node cannot make a reader hold more
//! than it asked for.

use std::io::Read;
use std::time::Duration;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use chrono::NaiveDate;
use serde::Deserialize;
use verity_escrow::{Digest, MemTree};
use verity_log::{
    CosignedCheckpoint, CosignerKey, EntryBody, LogContents, MAX_LEAF_BYTES, MAX_NOTE_BYTES,
    StoredEntry, VerifierKey, leaf_hash, verify_checkpoint, verify_cosigned,
};

use verity_inspect::view::LoadedLog;

use crate::PartyError;
use crate::api;

/// The most bytes one answer may have: a page of entries at most this large (a single
/// largest entry, base64, with its framing, fits).
pub const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// What a node says about itself.
#[derive(Debug, Clone, Deserialize)]
pub struct NodeSummary {
    /// Its log's party.
    pub party: String,
    /// Its log's origin.
    pub origin: String,
    /// Its log's verifier key.
    pub verifier: String,
    /// Entries in its log.
    pub size: u64,
    /// The date it records entries on (its clock: the system's or an exercise's).
    #[serde(default)]
    pub today: Option<NaiveDate>,
}

#[derive(Deserialize)]
struct EntryIn {
    index: u64,
    kind: String,
    leaf: String,
}

#[derive(Deserialize)]
struct Appended {
    index: u64,
}

#[derive(Deserialize)]
struct ApiError {
    error: String,
}

/// A node, as a client reaches it.
#[derive(Debug, Clone)]
pub struct NodeClient {
    base: String,
    http: reqwest::blocking::Client,
    token: Option<String>,
}

impl NodeClient {
    /// A client of the node at `url` (`http://host:port`, a trailing slash allowed).
    pub fn new(url: &str) -> Result<Self, PartyError> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(PartyError::refused(format!(
                "`{url}` is not a node URL (expected http://host:port)"
            )));
        }
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| PartyError::Node {
                url: base.clone(),
                message: format!("cannot make an HTTP client: {e}"),
                status: None,
            })?;
        Ok(Self {
            base,
            http,
            token: None,
        })
    }

    /// The same client, giving up on any answer after `timeout` (a peer in a sync round).
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Self, PartyError> {
        self.http = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| PartyError::Node {
                url: self.base.clone(),
                message: format!("cannot make an HTTP client: {e}"),
                status: None,
            })?;
        Ok(self)
    }

    /// The same client, posting with the operator's bearer token.
    pub fn with_token(mut self, token: String) -> Self {
        self.token = Some(token);
        self
    }

    /// The node's base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    fn node_error(&self, url: &str, message: impl Into<String>, status: Option<u16>) -> PartyError {
        let _ = self;
        PartyError::Node {
            url: url.to_string(),
            message: message.into(),
            status,
        }
    }

    /// Reads an answer's body, at most `cap` bytes; a refusal is an error with the node's own
    /// message.
    fn body(
        &self,
        url: &str,
        response: reqwest::blocking::Response,
        cap: u64,
    ) -> Result<Vec<u8>, PartyError> {
        let status = response.status();
        let mut bytes = Vec::new();
        response
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.node_error(url, format!("reading the answer: {e}"), None))?;
        if bytes.len() as u64 > cap {
            return Err(self.node_error(
                url,
                format!("the answer is larger than the {cap} bytes accepted"),
                Some(status.as_u16()),
            ));
        }
        if !status.is_success() {
            let message = serde_json::from_slice::<ApiError>(&bytes)
                .map(|e| e.error)
                .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(500).collect());
            return Err(self.node_error(
                url,
                format!("HTTP {status}: {message}"),
                Some(status.as_u16()),
            ));
        }
        Ok(bytes)
    }

    fn get(&self, path: &str, cap: u64) -> Result<Vec<u8>, PartyError> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .map_err(|e| self.node_error(&url, e.to_string(), None))?;
        self.body(&url, response, cap)
    }

    /// What the node says about itself.
    pub fn summary(&self) -> Result<NodeSummary, PartyError> {
        let bytes = self.get(api::SUMMARY, 1024 * 1024)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| self.node_error(&self.base, format!("not a node's summary: {e}"), None))
    }

    /// The node's latest signed checkpoint, unverified.
    pub fn checkpoint(&self) -> Result<Vec<u8>, PartyError> {
        self.get(api::CHECKPOINT, MAX_NOTE_BYTES as u64)
    }

    /// One page of entries from `from`, as many of `from..to` as one answer of at most `cap`
    /// bytes carries (at least one; fewer than asked when the node's pages are smaller or the
    /// entries large), each checked to be at its index and no larger than an entry may be.
    pub fn entries_page(
        &self,
        from: u64,
        to: u64,
        cap: u64,
    ) -> Result<Vec<StoredEntry>, PartyError> {
        let mut page = api::MAX_ENTRIES_PER_REQUEST;
        loop {
            let end = to.min(from.saturating_add(page));
            let path = format!("{}?from={from}&to={end}", api::ENTRIES);
            let bytes = match self.get(&path, cap) {
                Ok(b) => b,
                // A page too large for one answer: ask for fewer entries at a time.
                Err(PartyError::Node { message, .. })
                    if page > 1 && message.contains("larger than the") =>
                {
                    page = (page / 2).max(1);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let url = format!("{}{path}", self.base);
            let served: Vec<EntryIn> = serde_json::from_slice(&bytes)
                .map_err(|e| self.node_error(&url, format!("not a page of entries: {e}"), None))?;
            drop(bytes);
            if served.is_empty() || served.len() as u64 > end - from {
                return Err(self.node_error(
                    &url,
                    format!("asked for entries {from}..{end}, got {}", served.len()),
                    None,
                ));
            }
            let mut out = Vec::with_capacity(served.len());
            for (k, e) in served.into_iter().enumerate() {
                let index = from + k as u64;
                if e.index != index {
                    return Err(self.node_error(
                        &url,
                        format!("entry {} served in place of {index}", e.index),
                        None,
                    ));
                }
                let leaf = BASE64_STANDARD.decode(&e.leaf).map_err(|_| {
                    self.node_error(&url, format!("entry {index}: not base64"), None)
                })?;
                if leaf.len() > MAX_LEAF_BYTES {
                    return Err(self.node_error(
                        &url,
                        format!("entry {index} is larger than any entry may be"),
                        None,
                    ));
                }
                out.push(StoredEntry {
                    index,
                    kind: e.kind.chars().take(64).collect(),
                    leaf,
                });
            }
            return Ok(out);
        }
    }

    /// Entries `from..to` as the node serves them, in pages, each entry at its index.
    /// Unverified: [`NodeClient::contents`] checks them against the signed checkpoint.
    pub fn entries(&self, from: u64, to: u64) -> Result<Vec<StoredEntry>, PartyError> {
        let mut out = Vec::new();
        let mut at = from;
        while at < to {
            let page = self.entries_page(at, to, MAX_RESPONSE_BYTES)?;
            at += page.len() as u64;
            out.extend(page);
        }
        Ok(out)
    }

    /// The node's RFC 6962 consistency proof from `old` to `new` entries, unverified.
    pub fn consistency(&self, old: u64, new: u64) -> Result<Vec<[u8; 32]>, PartyError> {
        #[derive(Deserialize)]
        struct ProofIn {
            proof: Vec<String>,
        }
        let path = format!("{}?from={old}&to={new}", api::CONSISTENCY_PROOF);
        let url = format!("{}{path}", self.base);
        let bytes = self.get(&path, 64 * 1024)?;
        let served: ProofIn = serde_json::from_slice(&bytes)
            .map_err(|e| self.node_error(&url, format!("not a consistency proof: {e}"), None))?;
        if served.proof.len() > 128 {
            return Err(self.node_error(&url, "a proof of more than 128 hashes", None));
        }
        served
            .proof
            .iter()
            .map(|h| {
                BASE64_STANDARD
                    .decode(h)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| {
                        self.node_error(&url, "a proof hash is not 32 base64 bytes", None)
                    })
            })
            .collect()
    }

    /// The whole log the node serves, verified against `key`: its signed checkpoint, then page
    /// by page, each page proven a prefix of the signed log (a consistency proof from the
    /// page's end to the checkpoint) before the next is read, and the last rebuilding the
    /// checkpoint's root. A node that serves anything else is caught at the first page it
    /// falsifies, so it costs at most one page. What the entries say is the party's (it signed
    /// the root over them); the audit judges them.
    pub fn contents(&self, key: &VerifierKey) -> Result<LogContents, PartyError> {
        let summary = self.summary()?;
        let unverified = |reason: String| PartyError::Unverified {
            url: self.base.clone(),
            reason,
        };
        if summary.size == 0 {
            // A log with no entry has signed nothing yet.
            return Ok(LogContents {
                party: summary.party,
                origin: summary.origin,
                entries: Vec::new(),
                stored_tree: None,
                checkpoints: Vec::new(),
            });
        }
        let note = self.checkpoint()?;
        let cp = verify_checkpoint(&note, key).map_err(|e| unverified(e.to_string()))?;
        let mut tree = MemTree::from_leaves([]);
        let mut entries = Vec::new();
        while tree.size() < cp.size {
            let from = tree.size();
            let page = self.entries_page(from, cp.size, MAX_RESPONSE_BYTES)?;
            for e in &page {
                tree.push(Digest(leaf_hash(&e.leaf)));
            }
            let end = tree.size();
            let holds = if end == cp.size {
                tree.root().0 == cp.root
            } else {
                let proof = self.consistency(end, cp.size)?;
                verity_log::check_consistency(&proof, end, tree.root().0, cp.size, cp.root)
            };
            if !holds {
                return Err(unverified(format!(
                    "entries {from}..{end} served are not a prefix of the signed log of {} entries",
                    cp.size
                )));
            }
            entries.extend(page);
        }
        Ok(LogContents {
            party: summary.party,
            origin: cp.origin,
            entries,
            stored_tree: None,
            checkpoints: vec![(cp.size, note)],
        })
    }

    /// The cosigner key of the witness at this node, as the node states it (unverified: the
    /// caller holds the keys it trusts and matches this against them).
    pub fn witness_key_text(&self) -> Result<String, PartyError> {
        #[derive(Deserialize)]
        struct WitnessIn {
            witness: String,
        }
        let bytes = self.get("/witness", MAX_RESPONSE_BYTES)?;
        serde_json::from_slice::<WitnessIn>(&bytes)
            .map(|w| w.witness)
            .map_err(|e| self.node_error(&self.base, format!("not a witness's view: {e}"), None))
    }

    /// The cosignatures of log `origin` kept by the witness at this node, each verified with
    /// the witness's key `witness` and the log's key `log`: two per checkpoint (its first and
    /// latest cosignature). A line that does not verify is an error: the node served what its
    /// witness did not sign.
    pub fn cosignatures(
        &self,
        witness: &CosignerKey,
        log: &VerifierKey,
    ) -> Result<Vec<CosignedCheckpoint>, PartyError> {
        #[derive(Deserialize)]
        struct CosignedIn {
            checkpoint: String,
            first: String,
            last: String,
        }
        #[derive(Deserialize)]
        struct CosignaturesIn {
            cosigned: Vec<CosignedIn>,
        }
        let url = format!("{}{}", self.base, api::WITNESS_COSIGNATURES);
        let response = self
            .http
            .get(&url)
            .query(&[("origin", log.name())])
            .send()
            .map_err(|e| self.node_error(&url, e.to_string(), None))?;
        let bytes = self.body(&url, response, MAX_RESPONSE_BYTES)?;
        let served: CosignaturesIn = serde_json::from_slice(&bytes).map_err(|e| {
            self.node_error(&url, format!("not a witness's cosignatures: {e}"), None)
        })?;
        let mut out = Vec::with_capacity(served.cosigned.len() * 2);
        for c in served.cosigned {
            for line in [&c.first, &c.last] {
                let checked = verify_cosigned(c.checkpoint.as_bytes(), line, log, witness)
                    .map_err(|e| PartyError::Unverified {
                        url: url.clone(),
                        reason: format!("a cosignature of `{}`: {e}", log.name()),
                    })?;
                if !out.contains(&checked) {
                    out.push(checked);
                }
            }
        }
        Ok(out)
    }

    /// Posts one of the operator's own steps to its write route; the new entry's index.
    pub fn post(&self, body: &EntryBody) -> Result<u64, PartyError> {
        let route = api::write_route(body);
        let url = format!("{}{route}", self.base);
        let payload = match body {
            EntryBody::Declaration(b) => serde_json::to_vec(b),
            EntryBody::Disclosure(b) => serde_json::to_vec(b),
            EntryBody::Notification(b) => serde_json::to_vec(b),
            EntryBody::InspectionRequest(b) => serde_json::to_vec(b),
            EntryBody::SeedCommit(b) => serde_json::to_vec(b),
            EntryBody::SeedReveal(b) => serde_json::to_vec(b),
            EntryBody::InspectionOpening(b) => serde_json::to_vec(b),
            EntryBody::InspectionRecord(b) => serde_json::to_vec(b),
        }
        .map_err(|e| self.node_error(&url, format!("cannot encode the step: {e}"), None))?;
        let mut request = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(payload);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .map_err(|e| self.node_error(&url, e.to_string(), None))?;
        let bytes = self.body(&url, response, 1024 * 1024)?;
        serde_json::from_slice::<Appended>(&bytes)
            .map(|a| a.index)
            .map_err(|e| self.node_error(&url, format!("not an append's answer: {e}"), None))
    }
}

/// Reads the log a node serves and verifies it with the key among `keys` named by the log's
/// origin (a node whose log no key names is refused: its answers could not be attributed).
pub fn fetch_log(
    url: &str,
    keys: &[VerifierKey],
) -> Result<(LogContents, VerifierKey), PartyError> {
    let client = NodeClient::new(url)?;
    let note = client.checkpoint()?;
    let origin = String::from_utf8_lossy(&note)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let key = keys
        .iter()
        .find(|k| k.name() == origin)
        .cloned()
        .ok_or_else(|| PartyError::NoKey {
            url: client.url().to_string(),
            origin: origin.chars().take(200).collect(),
        })?;
    Ok((client.contents(&key)?, key))
}

/// Another party's log, from a file or from its node (`http://…`), checked against the key
/// among `keys` that its origin names. A file read without keys is checked against the key it
/// records, which shows only that it is self-consistent; a node needs a key.
pub fn read_log(source: &str, keys: &[VerifierKey]) -> Result<LoadedLog, PartyError> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let (contents, key) = fetch_log(source, keys)?;
        return Ok(LoadedLog::from_contents(
            contents,
            key,
            true,
            source.to_string(),
        )?);
    }
    let path = std::path::Path::new(source);
    let origin = verity_log::Log::open_read_only(path)?.origin().to_string();
    let key = match (keys.is_empty(), keys.iter().find(|k| k.name() == origin)) {
        (true, _) => None,
        (false, Some(k)) => Some(k.clone()),
        (false, None) => {
            return Err(PartyError::NoKey {
                url: source.to_string(),
                origin,
            });
        }
    };
    Ok(LoadedLog::from_file(path, key)?)
}

/// Bounds the dates of `logs`' entries with what the witnesses at `witnesses` (node URLs)
/// cosigned: each witness must be one of `keys` (the cosigner keys the reader trusts), and
/// every cosignature it serves must verify with its key and the log's.
pub fn add_witnessed(
    logs: &mut [LoadedLog],
    witnesses: &[String],
    keys: &[CosignerKey],
) -> Result<(), PartyError> {
    for url in witnesses {
        let client = NodeClient::new(url)?;
        let stated = client.witness_key_text()?;
        let key = keys
            .iter()
            .find(|k| k.text() == stated.trim())
            .ok_or_else(|| PartyError::Unverified {
                url: client.url().to_string(),
                reason: format!(
                    "its witness key `{}` is not among the witness keys given",
                    stated.chars().take(200).collect::<String>()
                ),
            })?;
        for log in logs.iter_mut() {
            let cosigned = client.cosignatures(key, log.key())?;
            log.add_witnessed(cosigned);
        }
    }
    Ok(())
}
