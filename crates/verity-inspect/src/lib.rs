//! Inspections and the compliance view. The joint-randomness protocol fixes a selection seed
//! neither party can steer; selection from that seed is deterministic; quotas are counted per
//! type, ordered pair and year; observations are compared with openings; and `view` reads
//! every party's log and reports each finding with evidence that verifies. `world` holds a
//! ground truth for tests and exercises.

// No unwrap, expect, panic or unchecked indexing outside tests (docs/threat-model.md).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod compare;
mod opening;
mod quota;
mod randomness;
mod sealed;
mod select;
pub mod view;
mod world;

pub use compare::{
    FieldDifference, ItemCheck, ItemOutcome, SiteCheck, compare_site, expected_at_site,
};
pub use opening::{
    build_opening, check_inspection_opening, counts_problem, opening_findings, published_counts,
    site_count_mismatches,
};
pub use quota::{QuotaError, QuotaLedger, QuotaUse, RecordedRequest, Request, RequestOutcomes};
pub use randomness::{
    Role, SeedCommitment, SeedOutcome, SeedProtocol, SeedProtocolError, derive_selection_seed,
    sealing_key_slot, seed_store_slot,
};
pub use sealed::{
    SEALED_BYTES_PER_POSITION, SEALED_BYTES_PER_SLOT, SEALED_MAX_DOUBLINGS, SealError, SealingKey,
    UnsealError, bare_chacha20poly1305, open_sealed, seal_opening, sealed_capacity,
};
pub use select::{
    Draw, Position, SelectedSite, SelectionError, SelectionResult, designate, draw_positions,
    eligible_items, follow_facility_selection, follow_selection, select_facilities, walk_selection,
};
pub use world::{Discrepancy, NoSuchItem, World, new_start_force, observe_site, synthetic_arsenal};
