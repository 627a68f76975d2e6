//! A self-contained item opening: the escrow opening, the declaration entry that holds its root
//! (exact leaf bytes) and that entry's inclusion proof, so a reader holding only a signed
//! checkpoint and the party's verifier key can check it.

use crate::checkpoint::{CheckpointError, verify_checkpoint};
use crate::entry::{EntryBody, EntryError, Leaf};
use crate::error::LogError;
use crate::keys::VerifierKey;
use crate::store::Log;
use crate::tree::{check_inclusion, leaf_hash};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde::{Deserialize, Serialize};
use verity_escrow::{ItemOpening, OpeningError, SealedDeclaration};

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

/// Which link of an item opening's chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Larger than any bundle we read.
    #[error("{0} bytes: larger than the {MAX_BUNDLE_BYTES} accepted")]
    TooLarge(usize),
    /// Not a bundle's JSON.
    #[error("not an item opening: {0}")]
    NotABundle(String),
    /// Another format.
    #[error("format `{0}`, expected `{BUNDLE_FORMAT}`")]
    Format(String),
    /// The checkpoint does not verify with the key.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The bundle is of another log than the checkpoint.
    #[error("the opening is for log `{bundle}`, the checkpoint for `{checkpoint}`")]
    WrongLog {
        /// The bundle's log.
        bundle: String,
        /// The checkpoint's origin.
        checkpoint: String,
    },
    /// The proof is for another tree size than the checkpoint's.
    #[error(
        "the inclusion proof is for tree size {proof}, the checkpoint has size {checkpoint} (ask for a proof at that size)"
    )]
    SizeMismatch {
        /// The proof's size.
        proof: u64,
        /// The checkpoint's size.
        checkpoint: u64,
    },
    /// The declaration leaf or a proof hash is not base64 of the right length.
    #[error("{0} is not base64 of the right length")]
    Encoding(&'static str),
    /// The entry is not at its index in the checkpointed tree.
    #[error("the declaration entry is not at index {0} of the checkpointed tree")]
    NotIncluded(u64),
    /// The declaration entry itself does not parse or verify.
    #[error("declaration entry: {0}")]
    Entry(#[from] EntryError),
    /// The entry was signed for another index or log.
    #[error("the declaration entry was signed for another place")]
    WrongPlace,
    /// The entry is not a declaration.
    #[error("entry {0} is not a declaration")]
    NotADeclaration(u64),
    /// The opening does not verify against the declaration's root.
    #[error("opening: {0}")]
    Opening(#[from] OpeningError),
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
    pub as_of: chrono::NaiveDate,
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
    pub fn parse(bytes: &[u8]) -> Result<Self, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge(bytes.len()));
        }
        let b: Self =
            serde_json::from_slice(bytes).map_err(|e| BundleError::NotABundle(e.to_string()))?;
        if b.format != BUNDLE_FORMAT {
            return Err(BundleError::Format(b.format));
        }
        Ok(b)
    }

    /// Checks the bundle against a signed checkpoint and the party's key. The error says which
    /// link of the chain failed.
    pub fn verify(&self, checkpoint: &[u8], key: &VerifierKey) -> Result<BundleCheck, BundleError> {
        let cp = verify_checkpoint(checkpoint, key)?;
        if self.log != cp.origin {
            return Err(BundleError::WrongLog {
                bundle: self.log.clone(),
                checkpoint: cp.origin,
            });
        }
        let d = &self.declaration;
        if d.tree_size != cp.size {
            return Err(BundleError::SizeMismatch {
                proof: d.tree_size,
                checkpoint: cp.size,
            });
        }
        let leaf = BASE64_STANDARD
            .decode(&d.leaf)
            .map_err(|_| BundleError::Encoding("the declaration leaf"))?;
        let proof = d
            .inclusion
            .iter()
            .map(|h| {
                BASE64_STANDARD
                    .decode(h)
                    .ok()
                    .and_then(|v| <[u8; 32]>::try_from(v).ok())
                    .ok_or(BundleError::Encoding("an inclusion proof hash"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !check_inclusion(&proof, cp.size, cp.root, d.index, leaf_hash(&leaf)) {
            return Err(BundleError::NotIncluded(d.index));
        }
        let parsed = Leaf::parse(&leaf)?;
        parsed.verify(key)?;
        if parsed.statement.index != d.index || parsed.statement.log != cp.origin {
            return Err(BundleError::WrongPlace);
        }
        let EntryBody::Declaration(decl) = &parsed.statement.entry else {
            return Err(BundleError::NotADeclaration(d.index));
        };
        // Under hidden totals the item's site leaf covers the count commitments the
        // declaration published for its position.
        let published = decl
            .hidden_totals
            .as_ref()
            .and_then(|h| {
                usize::try_from(self.opening.site.index)
                    .ok()
                    .and_then(|i| h.sites.get(i))
            })
            .map(|p| verity_escrow::parse_points(p).unwrap_or_default());
        self.opening.verify_with(&decl.root, published.as_ref())?;
        Ok(BundleCheck {
            log: cp.origin,
            declaration_index: d.index,
            treaty: decl.treaty.clone(),
            as_of: decl.as_of,
            root: decl.root.to_hex(),
            tree_size: cp.size,
        })
    }
}
