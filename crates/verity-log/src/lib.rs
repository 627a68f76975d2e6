//! A party's append-only log: signed canonical-JSON entries (declarations, disclosures,
//! notifications, inspection steps) in SQLite, an RFC 6962 tree over them, C2SP checkpoints, inclusion and
//! consistency proofs, and an audit that recomputes all of it from the bytes.

// No unwrap, expect, panic or unchecked indexing outside tests (docs/threat-model.md).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod audit;
mod bundle;
mod checkpoint;
mod cosignature;
mod entry;
mod error;
mod keys;
mod store;
mod strict;
mod tree;

pub use audit::{
    AuditReport, Audited, LogContents, Problem, audit, audit_contents, bare_batch_verify,
    bare_signature_inputs, damaged,
};
pub use bundle::{
    BUNDLE_FORMAT, BundleCheck, BundleError, EntryProof, ItemOpeningBundle, MAX_BUNDLE_BYTES,
};
pub use checkpoint::{
    CheckpointError, MAX_NOTE_BYTES, VerifiedCheckpoint, sign_checkpoint, verify_checkpoint,
};
pub use cosignature::{
    ALG_COSIGNATURE_V1, CosignatureError, CosignedCheckpoint, CosignerKey, cosign,
    cosignature_key_id, verify_cosigned,
};
pub use entry::{
    ClearAggregates, Declaration, Disclosure, ENTRY_SIGNATURE_DOMAIN, EntryBody, EntryError,
    EntryRef, InspectionOpening, InspectionRecord, InspectionRequest, Leaf, Notification,
    NotificationError, ObservedItem, STATEMENT_FORMAT, SealedOpening, SealedOutcome, SealedVerdict,
    SeedCommit, SeedReveal, SiteObservation, Statement, canonical_json, check_notification_records,
    signature_message,
};
pub use error::{LogError, MirrorError};
pub use keys::{KeyError, PartyKey, VerifierKey, default_name, key_id};
pub use store::{LOG_FORMAT, Log, MAX_LEAF_BYTES, StoredEntry};
pub use tree::{MerkleStore, check_consistency, check_inclusion, leaf_hash};
