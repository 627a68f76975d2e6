//! Log entries: a statement (which log, which party, which index, which kind, the body) in
//! canonical JSON (RFC 8785), signed with the party's Ed25519 key under a domain prefix. The
//! leaf the tree hashes is the canonical JSON of `{signature, statement}`, byte for byte.

use crate::keys::{PartyKey, VerifierKey};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use ed25519_dalek::{Signature, Signer as _};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use verity_escrow::{Digest, HiddenTotals, Salt, SiteCountOpening, SiteOpening, TotalsOpening};
use verity_treaty::model::DisclosureLevel;

/// Format tag inside every statement.
pub const STATEMENT_FORMAT: &str = "verity-entry/v1";
/// Prefix of every entry signature's message: separates entry signatures from checkpoint
/// signatures and from anything else the key might sign.
pub const ENTRY_SIGNATURE_DOMAIN: &[u8] = b"verity/log-entry/v1\n";

/// Category counts and limit values published in clear with a declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClearAggregates {
    /// Count per category id.
    pub categories: BTreeMap<String, u64>,
    /// Each limit's left-hand side, per limit id.
    pub limits: BTreeMap<String, u64>,
}

/// A declaration: the escrow's root and what the current stage publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// Treaty id.
    pub treaty: String,
    /// The date the declaration describes (YYYY-MM-DD).
    pub as_of: String,
    /// The escrow's Merkle root.
    pub root: Digest,
    /// Stage-1 site commitments, when stage 1 is published with the declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<Digest>>,
    /// Aggregates in clear, when the party publishes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregates: Option<ClearAggregates>,
    /// Under hidden totals: commitments to the category counts and the proof that every
    /// applicable limit holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_totals: Option<HiddenTotals>,
}

/// A disclosure: the openings of one stage of an earlier declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Log index of the declaration it opens.
    pub declaration: u64,
    /// That declaration's root (repeated so the entry stands alone).
    pub root: Digest,
    /// The stage number.
    pub stage: u32,
    /// The level the stage opens.
    pub level: DisclosureLevel,
    /// Level `sites`: every site commitment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Digest>,
    /// Level `site-item-counts`: chosen sites' counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_counts: Vec<SiteCountOpening>,
    /// Level `items`: chosen sites opened whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_items: Vec<SiteOpening>,
    /// Level `items`, every site opened: the salts of the padding sites, so every leaf of the
    /// declaration is accounted for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dummy_sites: Vec<Salt>,
    /// At the treaty's reveal stage: the committed counts and their blinding factors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totals: Option<TotalsOpening>,
}

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemEvent {
    /// A new accountable item.
    Created,
    /// Moved to another site.
    Moved,
    /// Status changed (e.g. deployed to non-deployed).
    StatusChanged,
    /// Eliminated or converted out of accountability.
    Eliminated,
}

/// A notification: a change to a declared item, with the commitments that keep the escrow
/// consistent (old commitment withdrawn, new one added).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// Log index of the declaration the item belongs to.
    pub declaration: u64,
    /// What happened.
    pub event: ItemEvent,
    /// When it happened (YYYY-MM-DD).
    pub event_date: String,
    /// The item's commitment before the event (absent for `created`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Digest>,
    /// The item's commitment after the event (absent for `eliminated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Digest>,
}

/// The body of an entry, tagged by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    content = "body",
    rename_all = "kebab-case",
    deny_unknown_fields
)]
pub enum EntryBody {
    /// See [`Declaration`].
    Declaration(Declaration),
    /// See [`Disclosure`].
    Disclosure(Disclosure),
    /// See [`Notification`].
    Notification(Notification),
}

impl EntryBody {
    /// The kind as written in the entry.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Declaration(_) => "declaration",
            Self::Disclosure(_) => "disclosure",
            Self::Notification(_) => "notification",
        }
    }
}

/// What the party signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Always [`STATEMENT_FORMAT`].
    pub format: String,
    /// The log's origin (its key name).
    pub log: String,
    /// The party code.
    pub party: String,
    /// The entry's index in the log.
    pub index: u64,
    /// Kind and body.
    pub entry: EntryBody,
}

/// A leaf as stored: the statement and the base64 signature over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leaf {
    /// Base64 Ed25519 signature over `ENTRY_SIGNATURE_DOMAIN ‖ JCS(statement)`.
    pub signature: String,
    /// What was signed.
    pub statement: Statement,
}

/// Canonical JSON (RFC 8785) of a value.
pub fn canonical_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_jcs::to_vec(value).expect("our entry types serialise to JSON")
}

/// The exact message an entry signature covers.
pub fn signature_message(statement: &Statement) -> Vec<u8> {
    let mut msg = ENTRY_SIGNATURE_DOMAIN.to_vec();
    msg.extend(canonical_json(statement));
    msg
}

impl Leaf {
    /// Signs a statement and returns the leaf bytes.
    pub fn sign(key: &PartyKey, statement: Statement) -> Vec<u8> {
        let sig = key.signing_key().sign(&signature_message(&statement));
        canonical_json(&Leaf {
            signature: BASE64_STANDARD.encode(sig.to_bytes()),
            statement,
        })
    }

    /// Parses leaf bytes and insists they are exactly the canonical form (so no two byte
    /// strings can carry the same signed entry). Does not check the signature.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let leaf: Leaf =
            serde_json::from_slice(bytes).map_err(|e| format!("not a valid entry: {e}"))?;
        if canonical_json(&leaf) != bytes {
            return Err("not in canonical JSON form (RFC 8785)".into());
        }
        if leaf.statement.format != STATEMENT_FORMAT {
            return Err(format!(
                "format `{}`, expected `{STATEMENT_FORMAT}`",
                leaf.statement.format
            ));
        }
        Ok(leaf)
    }

    /// Parses leaf bytes as [`Leaf::parse`] does and also returns the exact message the
    /// signature covers. In canonical form the statement's canonical JSON is a slice of the
    /// leaf (`{"signature":"…","statement":` ‖ JCS(statement) ‖ `}`), so it is not serialised
    /// a second time.
    pub fn parse_with_message(bytes: &[u8]) -> Result<(Self, Vec<u8>), String> {
        let leaf = Self::parse(bytes)?;
        let prefix = format!("{{\"signature\":\"{}\",\"statement\":", leaf.signature);
        let statement = bytes
            .strip_prefix(prefix.as_bytes())
            .and_then(|rest| rest.strip_suffix(b"}"))
            .ok_or_else(|| "not in canonical JSON form (RFC 8785)".to_string())?;
        let mut msg = Vec::with_capacity(ENTRY_SIGNATURE_DOMAIN.len() + statement.len());
        msg.extend_from_slice(ENTRY_SIGNATURE_DOMAIN);
        msg.extend_from_slice(statement);
        Ok((leaf, msg))
    }

    /// The signature bytes.
    pub fn signature(&self) -> Result<Signature, String> {
        let raw = BASE64_STANDARD
            .decode(&self.signature)
            .map_err(|e| format!("signature is not base64: {e}"))?;
        let raw: [u8; 64] = raw
            .try_into()
            .map_err(|r: Vec<u8>| format!("signature is {} bytes, expected 64", r.len()))?;
        Ok(Signature::from_bytes(&raw))
    }

    /// Checks the signature strictly (no malleable or small-order cases).
    pub fn verify(&self, key: &VerifierKey) -> Result<(), String> {
        let sig = self.signature()?;
        key.key()
            .verify_strict(&signature_message(&self.statement), &sig)
            .map_err(|_| "signature does not verify with the log's key".to_string())
    }
}
