//! Every domain-separation label Verity hashes or signs under, in one place. Each label is
//! used for exactly one purpose, ends in a version, and (for hash preimages) a newline, so no
//! two purposes can ever produce the same preimage. The escrow is the lowest crate with
//! cryptography, so the log, inspections and nodes take their labels from here too.

/// RFC 6962 prefix of a leaf hash: `SHA-256(0x00 ‖ leaf)`.
pub const RFC6962_LEAF_PREFIX: u8 = 0x00;
/// RFC 6962 prefix of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
pub const RFC6962_NODE_PREFIX: u8 = 0x01;

/// An item commitment: `SHA-256(0x00 ‖ label ‖ salt ‖ record)`.
pub const ESCROW_ITEM: &[u8] = b"verity/escrow/item/v1\n";
/// A site commitment: `SHA-256(0x00 ‖ label ‖ salt ‖ name ‖ count ‖ slots ‖ items root)`.
pub const ESCROW_SITE: &[u8] = b"verity/escrow/site/v1\n";
/// A site commitment under hidden totals: as `ESCROW_SITE`, then the site's count
/// commitments (`u16 n ‖ (u16 len ‖ category ‖ compressed point)*`).
pub const ESCROW_SITE_COUNTED: &[u8] = b"verity/escrow/site-counted/v1\n";
/// A padding site under hidden totals: `SHA-256(0x00 ‖ label ‖ salt ‖ its zero counts' points)`.
pub const ESCROW_DUMMY_SITE_COUNTED: &[u8] = b"verity/escrow/dummy-site-counted/v1\n";
/// A padding item slot: `SHA-256(0x00 ‖ label ‖ salt)`, indistinguishable without the salt.
pub const ESCROW_DUMMY_ITEM: &[u8] = b"verity/escrow/dummy-item/v1\n";
/// A padding site: `SHA-256(0x00 ‖ label ‖ salt)`.
pub const ESCROW_DUMMY_SITE: &[u8] = b"verity/escrow/dummy-site/v1\n";

/// A treaty's operative text: `SHA-256(label ‖ JCS(operative content))` (see `text.rs`).
pub const TREATY_TEXT: &[u8] = b"verity/treaty/operative/v1\n";

/// The Merlin transcript of a hidden-totals range proof (then bound to treaty, party, as-of
/// date, root, range size, limits and categories).
pub const HIDDEN_TOTALS_TRANSCRIPT: &[u8] = b"verity/hidden-totals/v1";

/// Associated data of every record sealed in a private store (followed by the record's name).
pub const PRIVATE_STORE_RECORD: &str = "verity/private/v1\n";
/// Associated data of the private store's passphrase check value.
pub const PRIVATE_STORE_CHECK: &[u8] = b"verity/private/v1 check";
/// The plaintext of the passphrase check value.
pub const PRIVATE_STORE_CHECK_TEXT: &[u8] = b"verity private store: passphrase check";

/// Prefix of every log-entry signature's message: `label ‖ JCS(statement)`. Checkpoints are
/// signed as C2SP notes, whose text begins with the log's origin, never with this label.
pub const LOG_ENTRY_SIGNATURE: &[u8] = b"verity/log-entry/v1\n";

/// A party's commitment to its inspection seed: `SHA-256(label ‖ id ‖ party ‖ seed)`.
pub const SEED_COMMITMENT: &[u8] = b"verity/inspect/seed-commitment/v1\n";
/// Where a party keeps the private key of an inspection's sealed opening in its private store.
pub const SEALING_KEY_STORE_SLOT: &[u8] = b"verity/inspect/sealing-key-store/v1\n";
/// The joint selection seed: `SHA-256(label ‖ id ‖ inspecting seed ‖ inspected seed)`.
pub const SELECTION_SEED: &[u8] = b"verity/inspect/selection-seed/v1\n";
/// The selection seed when the inspected party withheld: the inspecting party's seed alone.
pub const SELECTION_SEED_FALLBACK: &[u8] = b"verity/inspect/selection-seed-fallback/v1\n";
/// Where a party keeps its seed for an inspection in its private store.
pub const SEED_STORE_SLOT: &[u8] = b"verity/inspect/seed-store/v1\n";
/// The key of each draw stream (sites, items at a site, facilities) from a selection seed.
pub const SELECTION_DRAW: &[u8] = b"verity/inspect/draw/v1\n";

/// The HPKE `info` of an opening sealed to the inspecting party (followed by the inspection
/// id); the associated data is the canonical JSON of the opening's public header.
pub const SEALED_OPENING: &[u8] = b"verity/inspect/sealed-opening/v1\n";

/// The draw of the site a stage-2 disclosure opens, from the other parties' checkpoints.
pub const DISCLOSURE_DRAW: &[u8] = b"verity/disclose/site-draw/v1\n";

/// A C2SP tlog-cosignature v1 message begins with this line (the format's own label), then
/// `time <seconds>` and the checkpoint body.
pub const COSIGNATURE_V1: &str = "cosignature/v1";

/// The exercise's keys and seed streams: `SHA-256(label ‖ u64be(run seed) ‖ purpose)`, so a
/// demo run is reproducible from its `--seed`.
pub const EXERCISE_SEED: &[u8] = b"verity-demo/seed/v1\n";
