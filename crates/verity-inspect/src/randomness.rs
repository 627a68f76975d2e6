//! Joint randomness for one inspection. Both parties commit to a 32-byte seed (a hash under a
//! domain, the inspection id and the party); the inspected party reveals first, the inspecting
//! party second; the selection seed hashes both reveals with the inspection id.
//!
//! Order and fallbacks make aborting useless. The inspected party reveals before it can know
//! the other seed, so it cannot compute the outcome before deciding whether to reveal; if it
//! withholds, the selection comes from the inspecting party's seed alone and the withholding
//! is a violation finding. The inspecting party reveals last and could see the outcome first,
//! so if it withholds the inspection lapses and still counts against its quota: aborting can
//! only cost it the inspection, never buy a second draw.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use verity_escrow::domain::{
    SEALING_KEY_STORE_SLOT, SEED_COMMITMENT as COMMIT_DOMAIN, SEED_STORE_SLOT,
    SELECTION_SEED as JOINT_DOMAIN, SELECTION_SEED_FALLBACK as FALLBACK_DOMAIN,
};

/// A party's side in one inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The party that requested the inspection.
    Inspecting,
    /// The party whose site is inspected.
    Inspected,
}

/// A commitment to a seed: `SHA-256(domain ‖ len(id) ‖ id ‖ len(party) ‖ party ‖ seed)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedCommitment(pub [u8; 32]);

fn put(h: &mut Sha256, field: &[u8]) {
    h.update((field.len() as u32).to_be_bytes());
    h.update(field);
}

impl SeedCommitment {
    /// Commits `party`'s `seed` for inspection `id`.
    pub fn new(id: &str, party: &str, seed: &[u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(COMMIT_DOMAIN);
        put(&mut h, id.as_bytes());
        put(&mut h, party.as_bytes());
        h.update(seed);
        Self(h.finalize().into())
    }

    /// Whether `seed` opens this commitment for `id` and `party`.
    pub fn opens(&self, id: &str, party: &str, seed: &[u8; 32]) -> bool {
        Self::new(id, party, seed) == *self
    }
}

/// The selection seed from both reveals: `SHA-256(domain ‖ len(id) ‖ id ‖ inspecting ‖ inspected)`.
pub fn derive_selection_seed(id: &str, inspecting: &[u8; 32], inspected: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(JOINT_DOMAIN);
    put(&mut h, id.as_bytes());
    h.update(inspecting);
    h.update(inspected);
    h.finalize().into()
}

fn fallback_seed(id: &str, inspecting: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(FALLBACK_DOMAIN);
    put(&mut h, id.as_bytes());
    h.update(inspecting);
    h.finalize().into()
}

/// How the protocol ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum SeedOutcome {
    /// Both revealed in order: the joint seed.
    Joint {
        /// The selection seed, hex.
        seed: String,
    },
    /// The inspected party did not reveal by the deadline: the inspecting party's seed alone
    /// decides (once it reveals it), and the withholding is a violation by the inspected party.
    InspectedWithheld {
        /// The selection seed, hex, once the inspecting party has revealed its seed.
        seed: Option<String>,
    },
    /// The inspecting party did not reveal by the deadline: no selection; the inspection
    /// lapses and counts against the inspecting party's quota.
    Lapsed,
}

impl SeedOutcome {
    /// The selection seed's bytes, once fixed.
    pub fn seed(&self) -> Option<[u8; 32]> {
        let hex_seed = match self {
            Self::Joint { seed } | Self::InspectedWithheld { seed: Some(seed) } => seed,
            _ => return None,
        };
        hex::decode(hex_seed).ok()?.try_into().ok()
    }
}

/// Where a party keeps its own seed for inspection `id` until it reveals it: the key under
/// which the CLI stores it in the party's encrypted private store.
pub fn seed_store_slot(id: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(SEED_STORE_SLOT);
    put(&mut h, id.as_bytes());
    h.finalize().into()
}

/// Where a party keeps the private key of inspection `id`'s sealed opening in its private
/// store: `SHA-256(label ‖ len ‖ id)`.
pub fn sealing_key_slot(id: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(SEALING_KEY_STORE_SLOT);
    put(&mut h, id.as_bytes());
    h.finalize().into()
}

/// What can go wrong in the protocol: each names the party and the step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedProtocolError {
    /// A step came out of order.
    #[error("{0}")]
    OutOfOrder(String),
    /// A reveal does not open the party's commitment.
    #[error("the {0:?} party's revealed seed does not open its commitment")]
    BadReveal(Role),
    /// A step was repeated.
    #[error("the {0:?} party already did this step")]
    Repeated(Role),
}

/// The protocol's state for one inspection, fed with the steps as they appear in the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedProtocol {
    id: String,
    inspecting: String,
    inspected: String,
    commitments: [Option<SeedCommitment>; 2],
    reveals: [Option<[u8; 32]>; 2],
}

/// The place of `role` in a pair kept as [inspecting, inspected].
fn slot<T>(pair: &mut [T; 2], role: Role) -> &mut T {
    let [inspecting, inspected] = pair;
    match role {
        Role::Inspecting => inspecting,
        Role::Inspected => inspected,
    }
}

impl SeedProtocol {
    /// A new protocol for inspection `id` of `inspected` by `inspecting`.
    pub fn new(id: &str, inspecting: &str, inspected: &str) -> Self {
        Self {
            id: id.to_string(),
            inspecting: inspecting.to_string(),
            inspected: inspected.to_string(),
            commitments: [None, None],
            reveals: [None, None],
        }
    }

    fn party(&self, role: Role) -> &str {
        match role {
            Role::Inspecting => &self.inspecting,
            Role::Inspected => &self.inspected,
        }
    }

    /// Records a commitment. Both commitments must be in before any reveal.
    pub fn commit(&mut self, role: Role, c: SeedCommitment) -> Result<(), SeedProtocolError> {
        if self.reveals.iter().any(Option::is_some) {
            return Err(SeedProtocolError::OutOfOrder(format!(
                "the {role:?} party committed after a seed was revealed"
            )));
        }
        let s = slot(&mut self.commitments, role);
        if s.is_some() {
            return Err(SeedProtocolError::Repeated(role));
        }
        *s = Some(c);
        Ok(())
    }

    /// Records a reveal: the inspected party first, after both commitments.
    pub fn reveal(&mut self, role: Role, seed: [u8; 32]) -> Result<(), SeedProtocolError> {
        if self.commitments.iter().any(Option::is_none) {
            return Err(SeedProtocolError::OutOfOrder(format!(
                "the {role:?} party revealed before both parties committed"
            )));
        }
        if role == Role::Inspecting && slot(&mut self.reveals, Role::Inspected).is_none() {
            return Err(SeedProtocolError::OutOfOrder(
                "the inspecting party revealed before the inspected party".into(),
            ));
        }
        if slot(&mut self.reveals, role).is_some() {
            return Err(SeedProtocolError::Repeated(role));
        }
        let Some(c) = *slot(&mut self.commitments, role) else {
            return Err(SeedProtocolError::OutOfOrder(format!(
                "the {role:?} party revealed before committing"
            )));
        };
        if !c.opens(&self.id, self.party(role), &seed) {
            return Err(SeedProtocolError::BadReveal(role));
        }
        *slot(&mut self.reveals, role) = Some(seed);
        Ok(())
    }

    /// The outcome once the reveal deadline has passed (or both revealed). `None` while the
    /// protocol can still complete.
    pub fn outcome(&self, deadline_passed: bool) -> Option<SeedOutcome> {
        match (self.reveals[0], self.reveals[1]) {
            (Some(a), Some(b)) => Some(SeedOutcome::Joint {
                seed: hex::encode(derive_selection_seed(&self.id, &a, &b)),
            }),
            _ if !deadline_passed => None,
            // The inspected party withheld: the inspecting party's seed decides once revealed
            // (its reveal is allowed after the deadline for this purpose only).
            (a, None) => Some(SeedOutcome::InspectedWithheld {
                seed: a.map(|a| hex::encode(fallback_seed(&self.id, &a))),
            }),
            (None, Some(_)) => Some(SeedOutcome::Lapsed),
        }
    }

    /// After the inspected party withheld past the deadline, the inspecting party reveals its
    /// own seed so the fallback selection can be computed.
    pub fn reveal_after_withholding(&mut self, seed: [u8; 32]) -> Result<(), SeedProtocolError> {
        if slot(&mut self.reveals, Role::Inspected).is_some() {
            return Err(SeedProtocolError::OutOfOrder(
                "the inspected party revealed: use the ordinary reveal".into(),
            ));
        }
        let c = self.commitments[0].ok_or_else(|| {
            SeedProtocolError::OutOfOrder("the inspecting party never committed".into())
        })?;
        if !c.opens(&self.id, &self.inspecting, &seed) {
            return Err(SeedProtocolError::BadReveal(Role::Inspecting));
        }
        self.reveals[0] = Some(seed);
        Ok(())
    }
}
