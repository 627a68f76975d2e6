//! A self-contained item opening: the escrow opening, the declaration entry that holds its root
//! (exact leaf bytes) and that entry's inclusion proof, so a reader holding only a signed
//! checkpoint and the party's verifier key can check it.

use crate::checkpoint::verify_checkpoint;
use crate::entry::{EntryBody, Leaf};
use crate::error::LogError;
use crate::keys::VerifierKey;
use crate::store::Log;
use crate::tree::{check_inclusion, leaf_hash};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde::{Deserialize, Serialize};
use verity_escrow::{ItemOpening, SealedDeclaration};

/// Format tag of an opening bundle.
pub const BUNDLE_FORMAT: &str = "verity-item-opening/v1";
/// Largest bundle we read.
pub const MAX_BUNDLE_BYTES: usize = 16 * 1024 * 1024;

/// The declaration entry and its place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryProof {
    /// Log index of the entry.
    pub index: u64,
    /// Exact leaf bytes, base64.
    pub leaf: String,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// RFC 6962 inclusion proof, base64 hashes.
    pub inclusion: Vec<String>,
}

/// An item opening with its log context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemOpeningBundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// The log's origin.
    pub log: String,
    /// The declaration entry.
    pub declaration: EntryProof,
    /// The opening.
    pub opening: ItemOpening,
}

/// What a successful check established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleCheck {
    /// The log origin.
    pub log: String,
    /// The declaration's log index.
    pub declaration_index: u64,
    /// Its treaty and as-of date.
    pub treaty: String,
    /// As-of date.
    pub as_of: String,
    /// The declaration root, hex.
    pub root: String,
    /// The checkpoint's tree size.
    pub tree_size: u64,
}

impl ItemOpeningBundle {
    /// Builds the bundle for `uid` against the log's latest checkpoint.
    pub fn build(
        log: &Log,
        declaration_index: u64,
        decl: &SealedDeclaration,
        uid: &str,
    ) -> Result<Self, LogError> {
        let opening = decl.open_item(uid)?;
        let (size, _) = log
            .latest_checkpoint()?
            .ok_or_else(|| LogError::Request("the log has no checkpoint yet".into()))?;
        let entry = log.entry(declaration_index)?;
        let proof = log.inclusion_proof(declaration_index, size)?;
        Ok(Self {
            format: BUNDLE_FORMAT.into(),
            log: log.origin().to_string(),
            declaration: EntryProof {
                index: declaration_index,
                leaf: BASE64_STANDARD.encode(&entry.leaf),
                tree_size: size,
                inclusion: proof.iter().map(|h| BASE64_STANDARD.encode(h)).collect(),
            },
            opening,
        })
    }

    /// Parses a bundle, refusing oversized input.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(format!(
                "{} bytes: larger than the {MAX_BUNDLE_BYTES} accepted",
                bytes.len()
            ));
        }
        let b: Self =
            serde_json::from_slice(bytes).map_err(|e| format!("not an item opening: {e}"))?;
        if b.format != BUNDLE_FORMAT {
            return Err(format!("format `{}`, expected `{BUNDLE_FORMAT}`", b.format));
        }
        Ok(b)
    }

    /// Checks the bundle against a signed checkpoint and the party's key. The error says which
    /// link of the chain failed.
    pub fn verify(&self, checkpoint: &[u8], key: &VerifierKey) -> Result<BundleCheck, String> {
        let cp = verify_checkpoint(checkpoint, key).map_err(|m| format!("checkpoint: {m}"))?;
        if self.log != cp.origin {
            return Err(format!(
                "the opening is for log `{}`, the checkpoint for `{}`",
                self.log, cp.origin
            ));
        }
        let d = &self.declaration;
        if d.tree_size != cp.size {
            return Err(format!(
                "the inclusion proof is for tree size {}, the checkpoint has size {} (ask for a proof at that size)",
                d.tree_size, cp.size
            ));
        }
        let leaf = BASE64_STANDARD
            .decode(&d.leaf)
            .map_err(|e| format!("declaration leaf is not base64: {e}"))?;
        let proof = d
            .inclusion
            .iter()
            .map(|h| {
                BASE64_STANDARD
                    .decode(h)
                    .ok()
                    .and_then(|v| <[u8; 32]>::try_from(v).ok())
                    .ok_or_else(|| format!("inclusion proof hash `{h}` is not 32 bytes of base64"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !check_inclusion(&proof, cp.size, cp.root, d.index, leaf_hash(&leaf)) {
            return Err(format!(
                "the declaration entry is not at index {} of the checkpointed tree",
                d.index
            ));
        }
        let parsed = Leaf::parse(&leaf).map_err(|m| format!("declaration entry: {m}"))?;
        parsed
            .verify(key)
            .map_err(|m| format!("declaration entry: {m}"))?;
        if parsed.statement.index != d.index || parsed.statement.log != cp.origin {
            return Err("the declaration entry was signed for another place".into());
        }
        let EntryBody::Declaration(decl) = &parsed.statement.entry else {
            return Err(format!("entry {} is not a declaration", d.index));
        };
        self.opening
            .verify(&decl.root)
            .map_err(|e| format!("opening: {e}"))?;
        Ok(BundleCheck {
            log: cp.origin,
            declaration_index: d.index,
            treaty: decl.treaty.clone(),
            as_of: decl.as_of.clone(),
            root: decl.root.to_hex(),
            tree_size: cp.size,
        })
    }
}
