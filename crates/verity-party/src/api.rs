//! The paths of a node's HTTP API, shared by the node that serves them and the clients that
//! call them: the read routes anyone may use and the write routes, one per step, for the
//! operator's bearer token.

use verity_log::EntryBody;

/// The node's summary (party, origin, verifier key, size, date, routes).
pub const SUMMARY: &str = "/";
/// The latest signed checkpoint (C2SP signed note).
pub const CHECKPOINT: &str = "/checkpoint";
/// Entries `from..to` with their exact leaf bytes.
pub const ENTRIES: &str = "/entries";
/// An RFC 6962 inclusion proof.
pub const INCLUSION_PROOF: &str = "/proof/inclusion";
/// An RFC 6962 consistency proof.
pub const CONSISTENCY_PROOF: &str = "/proof/consistency";
/// A witness's cosignatures of one log (`?origin=`), each checkpoint's first and latest.
pub const WITNESS_COSIGNATURES: &str = "/witness/cosignatures";
/// Any entry body (operator only).
pub const APPEND: &str = "/append";
/// A declaration (operator only).
pub const DECLARE: &str = "/declare";
/// A disclosure (operator only).
pub const DISCLOSE: &str = "/disclose";
/// A notification (operator only).
pub const NOTIFY: &str = "/notify";
/// An inspection request (operator only).
pub const INSPECTION_REQUEST: &str = "/inspection/request";
/// A seed commitment (operator only).
pub const SEED_COMMIT: &str = "/inspection/seed-commit";
/// A seed reveal (operator only).
pub const SEED_REVEAL: &str = "/inspection/seed-reveal";
/// An inspection opening (operator only).
pub const INSPECTION_OPENING: &str = "/inspection/opening";
/// An inspection record (operator only).
pub const INSPECTION_RECORD: &str = "/inspection/record";

/// Most entries one `/entries` request returns.
pub const MAX_ENTRIES_PER_REQUEST: u64 = 1000;

/// The write route that takes this step's body.
pub fn write_route(body: &EntryBody) -> &'static str {
    match body {
        EntryBody::Declaration(_) => DECLARE,
        EntryBody::Disclosure(_) => DISCLOSE,
        EntryBody::Notification(_) => NOTIFY,
        EntryBody::InspectionRequest(_) => INSPECTION_REQUEST,
        EntryBody::SeedCommit(_) => SEED_COMMIT,
        EntryBody::SeedReveal(_) => SEED_REVEAL,
        EntryBody::InspectionOpening(_) => INSPECTION_OPENING,
        EntryBody::InspectionRecord(_) => INSPECTION_RECORD,
    }
}
