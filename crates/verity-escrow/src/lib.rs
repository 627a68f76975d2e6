//! Escrowed declarations: a party's complete inventory committed on day one as salted hashes in
//! three levels (party → site → item) under one Merkle root, opened level by level later, with
//! the secrets (salts, cleartext records) kept in a private store encrypted at rest.

// No unwrap, expect, panic or unchecked indexing outside tests (docs/threat-model.md).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod commit;
mod counts;
mod digest;
pub mod domain;
mod error;
mod hidden;
mod inventory;
mod opening;
mod private;
mod text;
mod tree;

pub use commit::{Padding, SealedDeclaration, SealedSite, StagePlan, stage_level};
pub use counts::{CountPoints, SiteCounts, limit_categories, parse_points, points_hex};
pub use digest::{Digest, NotADigest, Salt};
pub use error::EscrowError;
pub use hidden::{
    HiddenTotals, LimitProof, OpenedCount, ProofContext, ProofError, ProvedLimit, TotalsOpening,
    bare_range_proofs, check_totals_opening, prove_totals, prove_totals_with_points, verify_totals,
};
pub use inventory::{ItemRecord, MAX_FIELD_BYTES, parse_inventory, tally_items};
pub use opening::{
    ItemOpening, OpenedItem, OpeningError, PaddingOpening, Presence, SiteCountOpening, SiteOpening,
    clip_name, root_of_site_commitments,
};
pub use private::{MIN_PASSPHRASE_CHARS, PASSPHRASE_ENV, PrivateStore};
pub use text::{operative_text, treaty_digest};
pub use tree::{
    MemTree, bare_leaf_and_node_hashing, check_inclusion, counted_dummy_site_leaf, dummy_site_leaf,
    item_commitment, item_leaf_preimage,
};
