//! A party's append-only log: signed canonical-JSON entries (declarations, disclosures,
//! notifications) in SQLite, an RFC 6962 tree over them, C2SP checkpoints, inclusion and
//! consistency proofs, and an audit that recomputes all of it from the bytes.

mod audit;
mod bundle;
mod checkpoint;
mod entry;
mod error;
mod keys;
mod store;
mod tree;

pub use audit::{
    AuditReport, HiddenTotalsCheck, Problem, audit, bare_batch_verify, bare_signature_inputs,
};
pub use bundle::{BUNDLE_FORMAT, BundleCheck, EntryProof, ItemOpeningBundle, MAX_BUNDLE_BYTES};
pub use checkpoint::{MAX_NOTE_BYTES, VerifiedCheckpoint, sign_checkpoint, verify_checkpoint};
pub use entry::{
    ClearAggregates, Declaration, Disclosure, ENTRY_SIGNATURE_DOMAIN, EntryBody, ItemEvent, Leaf,
    Notification, STATEMENT_FORMAT, Statement, canonical_json, signature_message,
};
pub use error::LogError;
pub use keys::{PartyKey, VerifierKey, default_name, key_id};
pub use store::{LOG_FORMAT, Log, MAX_LEAF_BYTES, StoredEntry};
pub use tree::{MerkleStore, check_consistency, check_inclusion, leaf_hash};
