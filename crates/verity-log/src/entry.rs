//! Log entries: a statement (which log, which party, which index, which kind, the body) in
//! canonical JSON (RFC 8785), signed with the party's Ed25519 key under a domain prefix. The
//! leaf the tree hashes is the canonical JSON of `{signature, statement}`, byte for byte.

use crate::keys::{PartyKey, VerifierKey};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer as _};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use verity_escrow::{
    Digest, HiddenTotals, ItemRecord, PaddingOpening, SiteCountOpening, SiteOpening, TotalsOpening,
};
use verity_treaty::PartyCode;
use verity_treaty::model::{DisclosureLevel, EventKind};

/// Format tag inside every statement.
pub const STATEMENT_FORMAT: &str = "verity-entry/v1";
/// Prefix of every entry signature's message: separates entry signatures from checkpoint
/// signatures and from anything else the key might sign.
pub const ENTRY_SIGNATURE_DOMAIN: &[u8] = verity_escrow::domain::LOG_ENTRY_SIGNATURE;

/// Category counts and limit values published in clear with a declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClearAggregates {
    /// Count per category id.
    pub categories: BTreeMap<String, u64>,
    /// Each limit's left-hand side, per limit id.
    pub limits: BTreeMap<String, u64>,
}

/// A declaration: the escrow's root and what the current stage publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// Treaty id.
    pub treaty: String,
    /// The date the declaration describes (YYYY-MM-DD on the wire).
    pub as_of: NaiveDate,
    /// The escrow's Merkle root.
    pub root: Digest,
    /// Stage-1 site commitments, when stage 1 is published with the declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<Digest>>,
    /// Aggregates in clear, when the party publishes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregates: Option<ClearAggregates>,
    /// Under hidden totals: commitments to the category counts and the proof that every
    /// applicable limit holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_totals: Option<HiddenTotals>,
    /// The facility register's other half: facilities the party declares to hold no
    /// accountable item (former storage sites, closed bases), in clear. Checks of empty
    /// facilities draw among them, and anything found there is undeclared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub empty_facilities: Vec<String>,
    /// The digest of the treaty's operative text the declaration was made under
    /// (`verity_escrow::treaty_digest`): a verifier judging by another text says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treaty_digest: Option<Digest>,
}

/// A disclosure: the openings of one stage of an earlier declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Log index of the declaration it opens.
    pub declaration: u64,
    /// That declaration's root (repeated so the entry stands alone).
    pub root: Digest,
    /// The stage number.
    pub stage: u32,
    /// The level the stage opens.
    pub level: DisclosureLevel,
    /// Level `sites`: every site commitment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Digest>,
    /// Level `site-item-counts`: chosen sites' counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_counts: Vec<SiteCountOpening>,
    /// Level `items`: chosen sites opened whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_items: Vec<SiteOpening>,
    /// Level `items`, every site opened: the padding sites (position, salt, and under hidden
    /// totals the blindings of their zero counts), so every leaf of the declaration is
    /// accounted for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dummy_sites: Vec<PaddingOpening>,
    /// At the treaty's reveal stage: the committed counts and their blinding factors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totals: Option<TotalsOpening>,
}

/// Why a notification's records do not fit its event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// A record of another item.
    #[error("the notification is about `{uid}` but carries a record of `{found}`")]
    ForeignRecord {
        /// The notification's UID.
        uid: String,
        /// The UID in the record.
        found: String,
    },
    /// `created` with an old record, or without a new one.
    #[error("`created` needs a new record and no old one")]
    CreatedNeedsNewOnly,
    /// `eliminated` or `converted` with a new record, or without an old one.
    #[error("`{0}` needs an old record and no new one")]
    RemovalNeedsOldOnly(&'static str),
    /// A change without both records.
    #[error("`{0}` needs both the old and the new record")]
    ChangeNeedsBoth(&'static str),
    /// The records differ in other fields than the event names.
    #[error("`{event}` changes the {expected} and nothing else; the records differ in {changed}")]
    WrongFields {
        /// The event.
        event: &'static str,
        /// The field it changes.
        expected: &'static str,
        /// The fields that differ, in words.
        changed: String,
    },
}

/// Checks that a notification's records before and after fit its event: `created` has only a
/// new record, `eliminated` and `converted` only an old one, and the others both, differing
/// in exactly the field the event names (site, status or warheads) and in nothing else.
pub fn check_notification_records(
    event: EventKind,
    uid: &str,
    old: Option<&ItemRecord>,
    new: Option<&ItemRecord>,
) -> Result<(), NotificationError> {
    for r in old.iter().chain(new.iter()) {
        if r.uid != uid {
            return Err(NotificationError::ForeignRecord {
                uid: uid.to_string(),
                found: r.uid.clone(),
            });
        }
    }
    let (o, n) = match (event, old, new) {
        (EventKind::Created, None, Some(_)) => return Ok(()),
        (EventKind::Eliminated | EventKind::Converted, Some(_), None) => return Ok(()),
        (EventKind::Created, ..) => return Err(NotificationError::CreatedNeedsNewOnly),
        (EventKind::Eliminated | EventKind::Converted, ..) => {
            return Err(NotificationError::RemovalNeedsOldOnly(event.as_str()));
        }
        (_, Some(o), Some(n)) => (o, n),
        _ => return Err(NotificationError::ChangeNeedsBoth(event.as_str())),
    };
    let differs = [
        ("class", o.class != n.class),
        ("type", o.item_type != n.item_type),
        ("site", o.site != n.site),
        ("status", o.status != n.status),
        ("warheads", o.warheads != n.warheads),
    ];
    let expected = match event {
        EventKind::Moved => "site",
        EventKind::StatusChanged => "status",
        _ => "warheads",
    };
    let changed: Vec<&str> = differs.iter().filter(|d| d.1).map(|d| d.0).collect();
    if changed == [expected] {
        Ok(())
    } else {
        Err(NotificationError::WrongFields {
            event: event.as_str(),
            expected,
            changed: if changed.is_empty() {
                "nothing".to_string()
            } else {
                changed.join(", ")
            },
        })
    }
}

/// A notification: a change to a declared item since a declaration. It names the item and
/// carries its records before and after in clear, as New START notifications give the unique
/// identifier, type and location of the item concerned; under hidden totals it reveals the
/// changed item, never the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// Log index of the declaration the change amends.
    pub declaration: u64,
    /// What happened.
    pub event: EventKind,
    /// When it happened (YYYY-MM-DD on the wire).
    pub event_date: NaiveDate,
    /// The item's unique identifier.
    pub uid: String,
    /// The item's record before the event (absent for `created`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<ItemRecord>,
    /// The item's record after the event (absent for `eliminated` and `converted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<ItemRecord>,
}

impl Notification {
    /// Whether its records fit its event (see [`check_notification_records`]).
    pub fn check_records(&self) -> Result<(), NotificationError> {
        check_notification_records(self.event, &self.uid, self.old.as_ref(), self.new.as_ref())
    }
}

/// A pointer to an entry of some party's log: its origin, index and RFC 6962 leaf hash, so
/// a reader holding that log checks it names exactly the entry meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryRef {
    /// The log's origin (key name).
    pub log: String,
    /// The entry's index.
    pub index: u64,
    /// The RFC 6962 leaf hash of the entry's bytes.
    pub leaf_hash: Digest,
}

/// An inspection request, in the inspecting party's log. Its recorded date is the request
/// date, which the quota counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionRequest {
    /// The inspection id, unique within the treaty.
    pub inspection: String,
    /// Treaty id.
    pub treaty: String,
    /// The treaty's inspection type id.
    pub inspection_type: String,
    /// The inspected party.
    pub inspected: PartyCode,
    /// The inspected party's declaration the inspection checks: its latest on the request date.
    pub declaration: EntryRef,
    /// Under hidden totals: a fresh X25519 public key (hex) for this inspection only; the
    /// inspected party seals its opening to it (HPKE, RFC 9180), so what the sites hold is
    /// seen by the inspecting party and by no one else unless it discloses the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_to: Option<String>,
}

/// A commitment to a random seed for an inspection, in each party's own log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCommit {
    /// The inspection id.
    pub inspection: String,
    /// The request entry (in the inspecting party's log).
    pub request: EntryRef,
    /// `SHA-256(domain ‖ id ‖ party ‖ seed)`, see `verity-inspect`.
    pub commitment: Digest,
}

/// A seed revealed. The inspected party's reveal cites the inspecting party's commitment (so
/// that commitment provably came first); the inspecting party's reveal cites the inspected
/// party's reveal, or nothing when it reveals after the inspected party withheld past the
/// deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedReveal {
    /// The inspection id.
    pub inspection: String,
    /// The 32-byte seed.
    pub seed: Digest,
    /// The other party's entry this reveal follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<EntryRef>,
}

/// The inspected party's openings for an inspection: exactly the commitments the selection
/// reaches, in the inspected party's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionOpening {
    /// The inspection id.
    pub inspection: String,
    /// The request entry (in the inspecting party's log).
    pub request: EntryRef,
    /// Index of the declaration opened (in this log).
    pub declaration: u64,
    /// That declaration's root.
    pub root: Digest,
    /// Every site commitment of the declaration, in tree order (they rebuild the root): the
    /// positions the selection draws from.
    pub site_commitments: Vec<Digest>,
    /// Drawn positions that are padding, each shown so by its salt (and, under hidden totals,
    /// by the blindings of its zero counts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dummies: Vec<PaddingOpening>,
    /// Drawn real sites, opened whole, in draw order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<SiteOpening>,
    /// When the request asked for it: the drawn positions (padding and sites) sealed to the
    /// inspecting party's key instead of `dummies` and `sites`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<SealedOpening>,
}

/// An opening sealed to the inspecting party (HPKE base mode: DHKEM(X25519, HKDF-SHA256),
/// HKDF-SHA256, ChaCha20-Poly1305). The plaintext is the canonical JSON of the padding and
/// sites opened, padded with zero bytes to a length fixed by public parameters (the type's
/// sites, the treaty's slots per site and sites per declaration), so its length says nothing;
/// its SHA-256 is signed here, binding what any key holder will read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedOpening {
    /// The recipient's public key (hex), the request's `seal_to`.
    pub recipient: String,
    /// The HPKE encapsulated key (hex).
    pub enc: String,
    /// The ciphertext with its tag (base64).
    pub ciphertext: String,
    /// SHA-256 of the padded plaintext.
    pub plaintext_hash: Digest,
}

/// An item as the inspectors found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedItem {
    /// Unique identifier as read on the item.
    pub uid: String,
    /// Item class.
    pub class: String,
    /// Type designation.
    #[serde(rename = "type")]
    pub item_type: String,
    /// Status as found.
    pub status: String,
    /// Warheads counted, for designated items only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warheads: Option<u64>,
}

/// What the inspectors found at one site: every accountable item seen there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteObservation {
    /// The site's name.
    pub site: String,
    /// Items found.
    pub found: Vec<ObservedItem>,
}

/// The inspectors' record of an inspection, in the inspecting party's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionRecord {
    /// The inspection id.
    pub inspection: String,
    /// The inspected party's opening entry the observations answer.
    pub opening: EntryRef,
    /// One observation per inspected site (withheld when a sealed opening checked out: a
    /// clean inspection reveals nothing but its signed outcome).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<SiteObservation>,
    /// For a sealed opening: what the inspectors made of it, and the key that opens it when
    /// they report a finding or could not read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<SealedVerdict>,
}

/// The inspectors' account of a sealed opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedVerdict {
    /// What they found.
    pub outcome: SealedOutcome,
    /// The inspection's X25519 private key (hex), disclosed with a finding or when the opening
    /// could not be read, so anyone can decrypt the ciphertext from the inspected party's own
    /// signed log and check the finding; absent for a clean inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosed_key: Option<String>,
}

/// What the inspectors made of a sealed opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SealedOutcome {
    /// Decrypted and checked: opening, selection and sites as committed; nothing found.
    Clean,
    /// Decrypted and checked: a finding (the observations and the key are disclosed).
    Finding,
    /// It could not be decrypted with the key, or its plaintext does not match its hash, or it
    /// is not an opening (the key is disclosed).
    Unreadable,
}

/// The body of an entry, tagged by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    content = "body",
    rename_all = "kebab-case",
    deny_unknown_fields
)]
pub enum EntryBody {
    /// See [`Declaration`].
    Declaration(Declaration),
    /// See [`Disclosure`].
    Disclosure(Disclosure),
    /// See [`Notification`].
    Notification(Notification),
    /// See [`InspectionRequest`].
    InspectionRequest(InspectionRequest),
    /// See [`SeedCommit`].
    SeedCommit(SeedCommit),
    /// See [`SeedReveal`].
    SeedReveal(SeedReveal),
    /// See [`InspectionOpening`].
    InspectionOpening(InspectionOpening),
    /// See [`InspectionRecord`].
    InspectionRecord(InspectionRecord),
}

impl EntryBody {
    /// The kind as written in the entry.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Declaration(_) => "declaration",
            Self::Disclosure(_) => "disclosure",
            Self::Notification(_) => "notification",
            Self::InspectionRequest(_) => "inspection-request",
            Self::SeedCommit(_) => "seed-commit",
            Self::SeedReveal(_) => "seed-reveal",
            Self::InspectionOpening(_) => "inspection-opening",
            Self::InspectionRecord(_) => "inspection-record",
        }
    }
}

/// What the party signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Always [`STATEMENT_FORMAT`].
    pub format: String,
    /// The log's origin (its key name).
    pub log: String,
    /// The party code.
    pub party: String,
    /// The entry's index in the log.
    pub index: u64,
    /// The day the party recorded the entry (YYYY-MM-DD on the wire): never earlier than the
    /// previous entry's. It is the party's own statement; witnesses' cosignatures bound it from
    /// outside.
    pub recorded: NaiveDate,
    /// Kind and body.
    pub entry: EntryBody,
}

/// A leaf as stored: the statement and the base64 signature over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leaf {
    /// Base64 Ed25519 signature over `ENTRY_SIGNATURE_DOMAIN ‖ JCS(statement)`.
    pub signature: String,
    /// What was signed.
    pub statement: Statement,
}

/// Why bytes are not a valid signed entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// Not JSON, or not an entry's structure (the parser says where).
    #[error("not a valid entry: {0}")]
    NotAnEntry(String),
    /// Valid, but not byte for byte the canonical form.
    #[error("not in canonical JSON form (RFC 8785)")]
    NotCanonical,
    /// Another statement format.
    #[error("format `{0}`, expected `{STATEMENT_FORMAT}`")]
    Format(String),
    /// The signature is not base64 of 64 bytes.
    #[error("the signature is not 64 bytes of base64")]
    SignatureEncoding,
    /// The signature does not verify with the log's key.
    #[error("signature does not verify with the log's key")]
    SignatureDoesNotVerify,
}

/// Canonical JSON (RFC 8785) of a value.
pub fn canonical_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Our entry types are plain structs, strings, integers and maps with string keys: RFC 8785
    // serialises every such value (it fails only on non-finite floats, which they never hold).
    // Were it ever to fail, no bytes is a form no entry has: a check against it fails, and
    // nothing panics.
    serde_jcs::to_vec(value).unwrap_or_default()
}

/// The exact message an entry signature covers.
pub fn signature_message(statement: &Statement) -> Vec<u8> {
    let mut msg = ENTRY_SIGNATURE_DOMAIN.to_vec();
    msg.extend(canonical_json(statement));
    msg
}

impl Leaf {
    /// Signs a statement and returns the leaf bytes.
    pub fn sign(key: &PartyKey, statement: Statement) -> Vec<u8> {
        let sig = key.signing_key().sign(&signature_message(&statement));
        canonical_json(&Leaf {
            signature: BASE64_STANDARD.encode(sig.to_bytes()),
            statement,
        })
    }

    /// Parses leaf bytes and insists they are exactly the canonical form (so no two byte
    /// strings can carry the same signed entry). Does not check the signature.
    pub fn parse(bytes: &[u8]) -> Result<Self, EntryError> {
        let leaf: Leaf =
            serde_json::from_slice(bytes).map_err(|e| EntryError::NotAnEntry(e.to_string()))?;
        if canonical_json(&leaf) != bytes {
            return Err(EntryError::NotCanonical);
        }
        if leaf.statement.format != STATEMENT_FORMAT {
            return Err(EntryError::Format(leaf.statement.format));
        }
        Ok(leaf)
    }

    /// Parses leaf bytes as [`Leaf::parse`] does and also returns the exact message the
    /// signature covers. In canonical form the statement's canonical JSON is a slice of the
    /// leaf (`{"signature":"…","statement":` ‖ JCS(statement) ‖ `}`), so it is not serialised
    /// a second time.
    pub fn parse_with_message(bytes: &[u8]) -> Result<(Self, Vec<u8>), EntryError> {
        let leaf = Self::parse(bytes)?;
        let prefix = format!("{{\"signature\":\"{}\",\"statement\":", leaf.signature);
        let statement = bytes
            .strip_prefix(prefix.as_bytes())
            .and_then(|rest| rest.strip_suffix(b"}"))
            .ok_or(EntryError::NotCanonical)?;
        let mut msg = Vec::with_capacity(ENTRY_SIGNATURE_DOMAIN.len() + statement.len());
        msg.extend_from_slice(ENTRY_SIGNATURE_DOMAIN);
        msg.extend_from_slice(statement);
        Ok((leaf, msg))
    }

    /// The signature bytes.
    pub fn signature(&self) -> Result<Signature, EntryError> {
        let raw = BASE64_STANDARD
            .decode(&self.signature)
            .map_err(|_| EntryError::SignatureEncoding)?;
        let raw: [u8; 64] = raw.try_into().map_err(|_| EntryError::SignatureEncoding)?;
        Ok(Signature::from_bytes(&raw))
    }

    /// Checks the signature strictly (no malleable or small-order cases).
    pub fn verify(&self, key: &VerifierKey) -> Result<(), EntryError> {
        let sig = self.signature()?;
        key.key()
            .verify_strict(&signature_message(&self.statement), &sig)
            .map_err(|_| EntryError::SignatureDoesNotVerify)
    }
}
