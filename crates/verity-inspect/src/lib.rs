//! Inspections, first layer: the joint-randomness protocol that fixes a selection seed neither
//! the inspecting nor the inspected party can steer, deterministic selection from that seed,
//! and the yearly quota ledger. Log entries, openings and findings build on these.

mod quota;
mod randomness;
mod select;

pub use quota::{QuotaError, QuotaLedger, Request};
pub use randomness::{
    Role, SeedCommitment, SeedOutcome, SeedProtocol, SeedProtocolError, derive_selection_seed,
};
pub use select::{draw_positions, select_sites};
