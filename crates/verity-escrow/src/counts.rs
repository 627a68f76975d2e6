//! Per-site count commitments under hidden totals. Every site of a declaration's tree, real or
//! padding, commits to its count in each category a limit uses, with a Pedersen commitment
//! `count·B + r·B̃` (Ristretto; the `bulletproofs` generators), and its leaf covers the
//! compressed points. The declaration publishes every site's points; a verifier sums them per
//! category, so the totals the range proof checks are the sum of what the sites are bound to,
//! not numbers the party chooses apart from its sites.
//!
//! What is proved, and what is only checked on opening:
//! - **Proved at declaration, to everyone**: each category's sum over all sites, and every
//!   applicable limit's slack `ceiling − Σ coefficient × total`, lie in `[0, 2^bits)` (one
//!   aggregated range proof, `hidden`).
//! - **Checked when a site is opened** (by an inspection or a disclosure stage): its opened
//!   counts open its published points, the points are the ones its leaf commits, and the
//!   counts equal the treaty's tally of its opened items (`site-count-mismatch` otherwise); a
//!   padding site's points open to zero.
//! - **Not proved**: that an unopened site's count is its items' tally, or that it is not
//!   negative. Neither needs a proof of its own: a site committed to fewer than its items, by a
//!   smaller count or by a negative one (a scalar `ℓ − k`), cannot be opened to its items' tally,
//!   because no one can open a Pedersen commitment to two values (binding under the discrete
//!   logarithm assumption in the Ristretto group). So understating the totals means understating
//!   some site, and the first opening of that site names it; random selection is what makes
//!   every site a risk. Range proofs per site (sites × categories values, 832 for 64 sites of
//!   13 categories) would name a negative count at once, at about twenty times the cost of the
//!   one proof, and would still not catch a positive understatement, which only an opening
//!   does; they are therefore not made.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use bulletproofs::PedersenGens;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use verity_treaty::Treaty;

use crate::hidden::ProofError;

/// Compressed count commitments of one site, by category.
pub type CountPoints = BTreeMap<String, [u8; 32]>;

/// A count with its blinding factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenedCount {
    /// The count.
    pub count: u64,
    /// The blinding factor, 32 bytes little-endian, hex.
    pub blinding: String,
}

/// The categories a treaty's limits count (each site commits to these), sorted.
pub fn limit_categories(treaty: &Treaty) -> Vec<String> {
    let mut out: Vec<String> = treaty
        .limits()
        .iter()
        .flat_map(|l| l.terms.keys().cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The Pedersen generators (B, and B̃ hashed to the curve), made once per process.
pub(crate) fn pedersen() -> PedersenGens {
    static GENS: OnceLock<PedersenGens> = OnceLock::new();
    *GENS.get_or_init(PedersenGens::default)
}

/// `count·B + r·B̃`, each from a precomputed table (constant time in both scalars).
pub(crate) fn commit(count: u64, blinding: &Scalar) -> RistrettoPoint {
    static BLINDING_TABLE: OnceLock<RistrettoBasepointTable> = OnceLock::new();
    let table =
        BLINDING_TABLE.get_or_init(|| RistrettoBasepointTable::create(&pedersen().B_blinding));
    RISTRETTO_BASEPOINT_TABLE * &Scalar::from(count) + table * blinding
}

pub(crate) fn parse_scalar(s: &str, what: &str) -> Result<Scalar, ProofError> {
    let not_a_scalar = || ProofError::NotAScalar {
        what: what.to_string(),
    };
    let mut b = [0u8; 32];
    hex::decode_to_slice(s, &mut b).map_err(|_| not_a_scalar())?;
    Option::from(Scalar::from_canonical_bytes(b)).ok_or_else(not_a_scalar)
}

pub(crate) fn parse_point(s: &str, what: &str) -> Result<RistrettoPoint, ProofError> {
    let not_a_point = || ProofError::NotAPoint {
        what: what.to_string(),
    };
    let mut b = [0u8; 32];
    hex::decode_to_slice(s, &mut b).map_err(|_| not_a_point())?;
    CompressedRistretto(b).decompress().ok_or_else(not_a_point)
}

/// One site's counts with their blindings: the secret behind its count commitments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SiteCounts(pub BTreeMap<String, OpenedCount>);

impl SiteCounts {
    /// Commits `counts` in every one of `categories` (absent ones count zero), each with a
    /// fresh blinding from the operating system's generator.
    pub fn commit(counts: &BTreeMap<String, u64>, categories: &[String]) -> Self {
        Self(
            categories
                .iter()
                .map(|c| {
                    let blinding = Scalar::random(&mut OsRng);
                    (
                        c.clone(),
                        OpenedCount {
                            count: counts.get(c).copied().unwrap_or(0),
                            blinding: hex::encode(blinding.as_bytes()),
                        },
                    )
                })
                .collect(),
        )
    }

    /// Whether no count is committed (a declaration without hidden totals).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The count in `category` (zero when not committed).
    pub fn count(&self, category: &str) -> u64 {
        self.0.get(category).map_or(0, |o| o.count)
    }

    /// The count commitments these counts and blindings open, by category.
    pub fn points(&self) -> Result<CountPoints, ProofError> {
        self.0
            .iter()
            .map(|(c, o)| {
                let r = parse_scalar(&o.blinding, &format!("blinding of `{c}`"))?;
                Ok((c.clone(), commit(o.count, &r).compress().to_bytes()))
            })
            .collect()
    }

    /// The blinding of `category`.
    pub(crate) fn blinding(&self, category: &str) -> Result<Scalar, ProofError> {
        let o = self.0.get(category).ok_or_else(|| ProofError::NotAScalar {
            what: format!("blinding of `{category}` (not committed)"),
        })?;
        parse_scalar(&o.blinding, &format!("blinding of `{category}`"))
    }
}

/// Published points as hex, by category.
pub fn points_hex(points: &CountPoints) -> BTreeMap<String, String> {
    points
        .iter()
        .map(|(c, p)| (c.clone(), hex::encode(p)))
        .collect()
}

/// Published hex points, parsed (each must be a valid compressed Ristretto point).
pub fn parse_points(hexed: &BTreeMap<String, String>) -> Result<CountPoints, ProofError> {
    hexed
        .iter()
        .map(|(c, h)| {
            let p = parse_point(h, &format!("count commitment of `{c}`"))?;
            Ok((c.clone(), p.compress().to_bytes()))
        })
        .collect()
}

/// Appends the points as a leaf covers them: `u16 count ‖ (u16 len ‖ category ‖ point)*`, in
/// category order; `None` when a category name or the count overflows its prefix.
pub(crate) fn encode_points(out: &mut Vec<u8>, points: &CountPoints) -> Option<()> {
    let n = u16::try_from(points.len()).ok()?;
    out.extend_from_slice(&n.to_be_bytes());
    for (c, p) in points {
        crate::inventory::put_field(out, c)?;
        out.extend_from_slice(p);
    }
    Some(())
}
