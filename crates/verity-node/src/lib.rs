//! A party's node: its log served over HTTP (read API for everyone, a write API for its own
//! operator only, behind a bearer token), and a C2SP tlog-witness that cosigns other logs'
//! checkpoints after checking consistency and raises an alarm on a split view.

mod clock;
mod commit;
mod dashboard;
mod server;
pub mod sync;
mod token;
pub mod witness;

pub use clock::Clock;
pub use commit::{AppendResult, Appender, MAX_BATCH};
pub use dashboard::{DashboardConfig, ENTRIES_PER_PAGE};
pub use server::{
    MAX_ENTRIES_PER_REQUEST, NodeState, PeerStatus, ROUTES, openapi, router, serve, shutdown_signal,
};
pub use token::{create_token, load_token, token_path};
pub use witness::{AddCheckpoint, Alarm, Witness, WitnessError, cosignature_key_id};
