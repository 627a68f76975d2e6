//! A party's side of the regime, written once. Every step a party takes (declare, disclose a
//! stage, notify a change, request an inspection, commit and reveal a seed, open what the
//! seeds select, record what inspectors found) is a method of [`Party`], which checks the step
//! against the treaty and the party's own record and appends it to the party's log, kept in a
//! local file ([`LocalLog`]) or on its node ([`NodeLog`]). Secrets stay in the party's private
//! store ([`Secrets`]) and never travel to a node. Other parties' logs are read from files or
//! from their nodes ([`remote::fetch_log`]), verified against their keys. The command line,
//! the demo's operators and the tests all drive parties through this crate.

// No unwrap, expect, panic or unchecked indexing outside tests (docs/threat-model.md).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod api;
mod error;
mod inspection;
mod party;
pub mod remote;
mod secrets;
mod sink;

pub use error::PartyError;
pub use inspection::{
    Inspection, LogEntries, Opened, Recorded, Revealed, Stage, settle, settle_sealed,
};
pub use party::{Declared, Disclosed, ItemChange, OwnEntry, Party, Publish, disclosure_draw};
pub use remote::{NodeClient, NodeSummary, add_witnessed, fetch_log, read_log};
pub use secrets::{MemorySecrets, Secrets};
pub use sink::{LocalLog, NodeLog, OwnLog};
