//! A party's node: its log served over HTTP (read API for everyone, a write API for its own
//! operator only, behind a bearer token), a C2SP tlog-witness that cosigns other logs'
//! checkpoints after checking consistency and raises an alarm on a split view, peer sync, and
//! the dashboard. `Node::open` assembles one; the module graph runs one way: `server` and
//! `dashboard` (routes) and `sync` (background) use `state`, never each other's internals.

// No unwrap, expect, panic or unchecked indexing outside tests (docs/threat-model.md).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod clock;
mod commit;
mod dashboard;
mod error;
mod node;
mod server;
mod state;
pub mod sync;
mod token;
pub mod witness;

pub use clock::Clock;
pub use commit::{AppendResult, Appender, MAX_BATCH};
pub use dashboard::ENTRIES_PER_PAGE;
pub use error::NodeError;
pub use node::{Node, NodeConfig, PeerSpec, WitnessKey};
pub use server::{
    HEADER_READ_TIMEOUT, MAX_CONNECTIONS, MAX_ENTRIES_PER_REQUEST, MAX_OTHER_BYTES,
    MAX_WRITE_BYTES, ROUTES, openapi, router, serve, shutdown_signal,
};
pub use state::{DashboardConfig, NodeState, PeerStatus};
pub use token::{TokenError, create_token, load_token, read_token_file, token_path};
pub use verity_log::cosignature_key_id;
pub use witness::{AddCheckpoint, Alarm, KeptCosignature, Witness, WitnessError};
