//! Where a party's entries go: its own log, kept in a local SQLite file (the operator holds
//! the signing key) or on its node (the node signs; the operator holds the bearer token). Both
//! read the log back and append one step at a time, each durable when `append` returns.

use std::path::Path;

use chrono::NaiveDate;
use verity_log::{EntryBody, Leaf, Log, LogContents, PartyKey, StoredEntry, VerifierKey};
use verity_treaty::PartyCode;

use crate::PartyError;
use crate::remote::NodeClient;

/// A party's own log, wherever it is kept.
pub trait OwnLog {
    /// The log's party.
    fn party(&self) -> PartyCode;
    /// The log's origin.
    fn origin(&self) -> &str;
    /// The key its entries verify with.
    fn verifier(&self) -> &VerifierKey;
    /// The date the next entry will be recorded on.
    fn today(&mut self) -> Result<NaiveDate, PartyError>;
    /// Everything the log holds.
    fn contents(&mut self) -> Result<LogContents, PartyError>;
    /// Appends one step; the entry as stored, durable when this returns.
    fn append(&mut self, body: EntryBody) -> Result<StoredEntry, PartyError>;
}

fn party_of(log_party: &str) -> Result<PartyCode, PartyError> {
    PartyCode::parse(log_party).map_err(|e| PartyError::refused(format!("the log's party: {e}")))
}

/// A log in a local SQLite file, appended to with the party's signing key on a given date.
#[derive(Debug)]
pub struct LocalLog {
    log: Log,
    key: PartyKey,
    party: PartyCode,
    verifier: VerifierKey,
    today: NaiveDate,
}

impl LocalLog {
    /// Opens the log at `db` with the signing key it records, recording entries on `today`.
    pub fn open(db: &Path, today: NaiveDate) -> Result<Self, PartyError> {
        let log = Log::open(db)?;
        let key = log.signing_key()?;
        Self::new(log, key, today)
    }

    /// A log already open, with its signing key, recording entries on `today`.
    pub fn new(log: Log, key: PartyKey, today: NaiveDate) -> Result<Self, PartyError> {
        let party = party_of(log.party())?;
        let verifier = log.recorded_verifier().clone();
        Ok(Self {
            log,
            key,
            party,
            verifier,
            today,
        })
    }

    /// Moves the date entries are recorded on (an exercise's calendar).
    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = today;
    }

    /// The log.
    pub fn log(&self) -> &Log {
        &self.log
    }
}

impl OwnLog for LocalLog {
    fn party(&self) -> PartyCode {
        self.party
    }

    fn origin(&self) -> &str {
        self.log.origin()
    }

    fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    fn today(&mut self) -> Result<NaiveDate, PartyError> {
        Ok(self.today)
    }

    fn contents(&mut self) -> Result<LogContents, PartyError> {
        Ok(self.log.contents()?)
    }

    fn append(&mut self, body: EntryBody) -> Result<StoredEntry, PartyError> {
        let index = self.log.append_on(&self.key, self.today, vec![body])?;
        let index = index
            .first()
            .copied()
            .ok_or_else(|| PartyError::refused("the log appended nothing"))?;
        Ok(self.log.entry(index)?)
    }
}

/// A log on the party's node: the node signs and records on its own clock; the operator posts
/// each step with the node's bearer token and checks what the node stored.
#[derive(Debug)]
pub struct NodeLog {
    client: NodeClient,
    party: PartyCode,
    origin: String,
    verifier: VerifierKey,
}

impl NodeLog {
    /// Connects to the party's node with its operator token. Its entries are checked against
    /// the key among `keys` its origin names, else against the key the node reports (the
    /// operator's own node).
    pub fn connect(url: &str, token: String, keys: &[VerifierKey]) -> Result<Self, PartyError> {
        let client = NodeClient::new(url)?.with_token(token);
        let summary = client.summary()?;
        let key = keys.iter().find(|k| k.name() == summary.origin).cloned();
        let verifier = match key {
            Some(k) => k,
            None => VerifierKey::parse(&summary.verifier).map_err(|e| PartyError::Unverified {
                url: client.url().to_string(),
                reason: format!("the node's verifier key: {e}"),
            })?,
        };
        if verifier.name() != summary.origin {
            return Err(PartyError::Unverified {
                url: client.url().to_string(),
                reason: format!(
                    "the node serves log `{}`, the key given is for `{}`",
                    summary.origin,
                    verifier.name()
                ),
            });
        }
        Ok(Self {
            party: party_of(&summary.party)?,
            origin: summary.origin,
            client,
            verifier,
        })
    }

    /// The node.
    pub fn client(&self) -> &NodeClient {
        &self.client
    }
}

impl OwnLog for NodeLog {
    fn party(&self) -> PartyCode {
        self.party
    }

    fn origin(&self) -> &str {
        &self.origin
    }

    fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    fn today(&mut self) -> Result<NaiveDate, PartyError> {
        self.client
            .summary()?
            .today
            .ok_or_else(|| PartyError::Node {
                url: self.client.url().to_string(),
                message: "the node does not say which date it records entries on".into(),
                status: None,
            })
    }

    fn contents(&mut self) -> Result<LogContents, PartyError> {
        self.client.contents(&self.verifier)
    }

    fn append(&mut self, body: EntryBody) -> Result<StoredEntry, PartyError> {
        let index = self.client.post(&body)?;
        let stored = self
            .client
            .entries(index, index + 1)?
            .pop()
            .ok_or_else(|| PartyError::Node {
                url: self.client.url().to_string(),
                message: format!("entry {index} is not served after it was appended"),
                status: None,
            })?;
        // The node must have stored exactly this step, signed with the party's key.
        let unverified = |reason: String| PartyError::Unverified {
            url: self.client.url().to_string(),
            reason: format!("entry {index}: {reason}"),
        };
        let leaf = Leaf::parse(&stored.leaf).map_err(|e| unverified(e.to_string()))?;
        leaf.verify(&self.verifier)
            .map_err(|e| unverified(e.to_string()))?;
        if leaf.statement.entry != body || leaf.statement.index != index {
            return Err(unverified("it is not the step posted".into()));
        }
        Ok(stored)
    }
}

impl<T: OwnLog + ?Sized> OwnLog for Box<T> {
    fn party(&self) -> PartyCode {
        (**self).party()
    }

    fn origin(&self) -> &str {
        (**self).origin()
    }

    fn verifier(&self) -> &VerifierKey {
        (**self).verifier()
    }

    fn today(&mut self) -> Result<NaiveDate, PartyError> {
        (**self).today()
    }

    fn contents(&mut self) -> Result<LogContents, PartyError> {
        (**self).contents()
    }

    fn append(&mut self, body: EntryBody) -> Result<StoredEntry, PartyError> {
        (**self).append(body)
    }
}
