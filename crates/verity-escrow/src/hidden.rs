//! Hidden totals: every site commits to its count in each category a limit uses (`counts`),
//! and one aggregated Bulletproofs range proof shows that every category's total, and every
//! applicable limit's slack `ceiling − Σ coefficient × total`, lies in `[0, 2^bits)`. The
//! verifier sums the sites' published commitments into each total and derives each slack
//! commitment itself (`ceiling·B − Σ k·C`), so the proof says "within every limit", binds the
//! totals to the sites, and says nothing about the counts.

pub use crate::counts::OpenedCount;
use crate::counts::{SiteCounts, commit, parse_point, parse_scalar, pedersen};
use crate::digest::Digest;
use crate::error::EscrowError;
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use bulletproofs::{BulletproofGens, PedersenGens, RangeProof};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use merlin::Transcript;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use verity_treaty::{PartyCode, Treaty};

use crate::domain::HIDDEN_TOTALS_TRANSCRIPT as TRANSCRIPT_LABEL;
/// Largest number of values one aggregated proof covers (generators are made for it).
const MAX_VALUES: usize = 64;

/// What a hidden-totals proof is about: the declaration it is bound to.
#[derive(Debug, Clone, Copy)]
pub struct ProofContext<'a> {
    /// The treaty.
    pub treaty: &'a Treaty,
    /// The declaring party.
    pub party: PartyCode,
    /// The declaration's as-of date.
    pub as_of: chrono::NaiveDate,
    /// The declaration's escrow root.
    pub root: &'a Digest,
}

/// The limits a proof covers, the categories it range-checks, and the range size.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    /// (limit id, ceiling for the party, terms) for limits applicable on the as-of date.
    limits: Vec<(String, u64, BTreeMap<String, u64>)>,
    /// Limits not yet applicable on the as-of date (not proved).
    pending: Vec<String>,
    /// Categories that appear in a proved limit, sorted.
    categories: Vec<String>,
    /// Range size in bits.
    bits: usize,
}

impl Statement {
    fn of(ctx: &ProofContext<'_>) -> Result<Self, EscrowError> {
        let mut limits = Vec::new();
        let mut pending = Vec::new();
        for l in ctx.treaty.limits() {
            if l.applies_from > ctx.as_of {
                pending.push(l.id.clone());
                continue;
            }
            let max = l.max_for(ctx.party).ok_or_else(|| {
                EscrowError::Request(format!(
                    "limit `{}` of `{}` sets no ceiling for {}",
                    l.id,
                    ctx.treaty.id(),
                    ctx.party.as_str()
                ))
            })?;
            limits.push((l.id.clone(), max, l.terms.clone()));
        }
        let mut categories: Vec<String> = limits
            .iter()
            .flat_map(|(_, _, t)| t.keys().cloned())
            .collect();
        categories.sort();
        categories.dedup();
        // The smallest standard range above every ceiling. An honest count that does not fit
        // exceeds every limit it appears in (coefficients are at least 1), so it could not be
        // proved anyway; slacks are at most the ceiling.
        let top = limits.iter().map(|(_, m, _)| *m).max().unwrap_or(0);
        let bits = [16usize, 32]
            .into_iter()
            .find(|b| top < (1u64 << b))
            .unwrap_or(64);
        if categories.len() + limits.len() > MAX_VALUES {
            return Err(EscrowError::Request(format!(
                "{} categories and {} limits: more than the {MAX_VALUES} values one proof covers",
                categories.len(),
                limits.len()
            )));
        }
        Ok(Self {
            limits,
            pending,
            categories,
            bits,
        })
    }

    fn values(&self) -> usize {
        (self.categories.len() + self.limits.len())
            .max(1)
            .next_power_of_two()
    }

    fn transcript(&self, ctx: &ProofContext<'_>) -> Transcript {
        let mut t = Transcript::new(TRANSCRIPT_LABEL);
        t.append_message(b"treaty", ctx.treaty.id().as_bytes());
        t.append_message(b"treaty-text", &crate::text::treaty_digest(ctx.treaty).0);
        t.append_message(b"party", ctx.party.as_str().as_bytes());
        t.append_message(
            b"as-of",
            ctx.as_of.format("%Y-%m-%d").to_string().as_bytes(),
        );
        t.append_message(b"root", &ctx.root.0);
        t.append_u64(b"bits", self.bits as u64);
        for (id, max, terms) in &self.limits {
            t.append_message(b"limit", id.as_bytes());
            t.append_u64(b"ceiling", *max);
            for (c, k) in terms {
                t.append_message(b"term", c.as_bytes());
                t.append_u64(b"coefficient", *k);
            }
        }
        for c in &self.categories {
            t.append_message(b"category", c.as_bytes());
        }
        t
    }
}

/// Bulletproofs generators by (values, bits).
type GensByShape = HashMap<(usize, usize), Arc<BulletproofGens>>;

/// The generators for `values` ranges of `bits` bits, made once per process and shape:
/// deriving them (hashing to the curve) costs more than verifying a small proof.
fn generators(values: usize, bits: usize) -> (PedersenGens, Arc<BulletproofGens>) {
    static CACHE: OnceLock<Mutex<GensByShape>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let gens = map
        .entry((values, bits))
        .or_insert_with(|| Arc::new(BulletproofGens::new(bits, values)))
        .clone();
    (pedersen(), gens)
}

/// The published part: commitments and the proof, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HiddenTotals {
    /// Range size in bits.
    pub bits: u32,
    /// Per position of the declaration's site tree (real or padding site, in tree order): the
    /// Pedersen commitment (compressed Ristretto, hex) to its count in each category a limit
    /// uses. Each site's leaf covers its own; a category's total is their sum.
    pub sites: Vec<BTreeMap<String, String>>,
    /// Commitments that pad the aggregated proof to a power of two values.
    pub padding: Vec<String>,
    /// The aggregated range proof, base64.
    pub proof: String,
}

/// The secret side, kept in the private store until the treaty's reveal stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalsOpening {
    /// Per category: the count and the blinding factor (hex scalar).
    pub categories: BTreeMap<String, OpenedCount>,
}

/// Whether a proof covers a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LimitProof {
    /// Within the limit, counts hidden.
    Proved,
    /// The limit applies only after the as-of date: the proof does not cover it.
    NotYetApplicable,
}

/// A limit as a hidden-totals proof covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvedLimit {
    /// Limit id.
    pub limit: String,
    /// The party's ceiling.
    pub ceiling: u64,
    /// Whether the proof covers it.
    pub status: LimitProof,
}

/// Why a hidden-totals proof or the opening of its counts does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The treaty's limits cannot be put into one proof for this party.
    #[error("{0}")]
    Statement(String),
    /// The range size differs from the one the treaty's ceilings need.
    #[error("proof uses {found} bits, the treaty's ceilings need {needed}")]
    Bits {
        /// Bits in the proof.
        found: u32,
        /// Bits the ceilings need.
        needed: usize,
    },
    /// The committed categories are not the ones the proved limits use.
    #[error("commitments are for categories {found:?}, the proved limits use {needed:?}")]
    Categories {
        /// Categories committed.
        found: Vec<String>,
        /// Categories needed.
        needed: Vec<String>,
    },
    /// The aggregated proof is padded with the wrong number of commitments.
    #[error("{found} padding commitments; {needed} are needed")]
    Padding {
        /// Padding commitments given.
        found: usize,
        /// Padding commitments needed.
        needed: usize,
    },
    /// A commitment is not a valid compressed Ristretto point in hex.
    #[error("{what}: not a valid Ristretto point (64 hex digits of a compressed point)")]
    NotAPoint {
        /// Which commitment.
        what: String,
    },
    /// A blinding factor is not a canonical scalar in hex.
    #[error("{what}: not a canonical scalar (64 hex digits)")]
    NotAScalar {
        /// Which blinding factor.
        what: String,
    },
    /// The proof bytes are not base64 or not a range proof.
    #[error("the proof is malformed: {0}")]
    Malformed(String),
    /// The proof does not verify for this declaration.
    #[error("the range proof does not verify for this declaration")]
    DoesNotVerify,
    /// The revealed counts are for other categories than the committed ones.
    #[error("the opened categories are not the committed ones")]
    OpenedCategories,
    /// A revealed count and blinding do not open the commitment.
    #[error(
        "category `{category}`: {count} with the published blinding does not open its commitment"
    )]
    DoesNotOpen {
        /// The category.
        category: String,
        /// The count revealed.
        count: u64,
    },
}

fn point_hex(p: &CompressedRistretto) -> String {
    hex::encode(p.as_bytes())
}

/// Proves every applicable limit over the sites' committed counts (`sites`, in the order of
/// the declaration's site tree: each site's counts and blindings). Refuses, naming the limit,
/// when a total is over a limit or out of range: no proof can be made for it.
pub fn prove_totals(
    ctx: &ProofContext<'_>,
    sites: &[SiteCounts],
) -> Result<(HiddenTotals, TotalsOpening), EscrowError> {
    let points = sites
        .iter()
        .map(SiteCounts::points)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EscrowError::Request(format!("site counts: {e}")))?;
    prove_totals_with_points(ctx, sites, &points)
}

/// [`prove_totals`] with each site's count commitments already computed (by sealing:
/// [`crate::SealedDeclaration::site_points`]), in the same order as `sites`. Points that are
/// not the counts' make a proof that does not verify.
pub fn prove_totals_with_points(
    ctx: &ProofContext<'_>,
    sites: &[SiteCounts],
    points: &[crate::counts::CountPoints],
) -> Result<(HiddenTotals, TotalsOpening), EscrowError> {
    if points.len() != sites.len() {
        return Err(EscrowError::Request(format!(
            "{} sites' counts but {} sites' count commitments",
            sites.len(),
            points.len()
        )));
    }
    let st = Statement::of(ctx)?;
    let bad = |e: ProofError| EscrowError::Request(format!("site counts: {e}"));
    // Every committed category's total (the proof covers the applicable limits' ones; the
    // opening at the reveal stage opens them all).
    let mut committed: BTreeSet<String> = sites.iter().flat_map(|s| s.0.keys().cloned()).collect();
    committed.extend(st.categories.iter().cloned());
    let mut totals: BTreeMap<String, (u64, Scalar)> = BTreeMap::new();
    for c in &committed {
        let mut count = 0u64;
        let mut blinding = Scalar::ZERO;
        for site in sites {
            count = count.checked_add(site.count(c)).ok_or_else(|| {
                EscrowError::Request(format!("category `{c}`: the sites' counts overflow"))
            })?;
            blinding += site.blinding(c).map_err(bad)?;
        }
        if st.bits < 64 && count >= 1u64 << st.bits {
            return Err(EscrowError::Request(format!(
                "category `{c}` counts {count}, beyond the {}-bit range: it exceeds every limit it is in",
                st.bits
            )));
        }
        totals.insert(c.clone(), (count, blinding));
    }
    let count = |c: &str| totals.get(c).map_or(0, |(v, _)| *v);
    let mut values: Vec<u64> = st.categories.iter().map(|c| count(c)).collect();
    let mut blindings: Vec<Scalar> = st
        .categories
        .iter()
        .map(|c| totals.get(c).map_or(Scalar::ZERO, |(_, r)| *r))
        .collect();
    for (id, max, terms) in &st.limits {
        let used: u128 = terms
            .iter()
            .map(|(c, k)| u128::from(*k) * u128::from(count(c)))
            .sum();
        if used > u128::from(*max) {
            return Err(EscrowError::OverLimit {
                limit: id.clone(),
                value: used,
                ceiling: *max,
            });
        }
        let mut r = Scalar::ZERO;
        for (c, k) in terms {
            let (_, blind) = totals.get(c).ok_or_else(|| {
                EscrowError::Request(format!(
                    "limit `{id}` counts `{c}`, which has no commitment"
                ))
            })?;
            r -= Scalar::from(*k) * blind;
        }
        values.push(max - used as u64);
        blindings.push(r);
    }
    let m = st.values();
    while values.len() < m {
        values.push(0);
        blindings.push(Scalar::random(&mut OsRng));
    }
    let (pc, bp) = generators(m, st.bits);
    let (proof, commitments) = RangeProof::prove_multiple(
        &bp,
        &pc,
        &mut st.transcript(ctx),
        &values,
        &blindings,
        st.bits,
    )
    .map_err(|e| EscrowError::Request(format!("range proof: {e}")))?;
    let published = HiddenTotals {
        bits: st.bits as u32,
        sites: points.iter().map(crate::counts::points_hex).collect(),
        padding: commitments
            .iter()
            .skip(st.categories.len() + st.limits.len())
            .map(point_hex)
            .collect(),
        proof: BASE64_STANDARD.encode(proof.to_bytes()),
    };
    let opening = TotalsOpening {
        categories: totals
            .into_iter()
            .map(|(c, (count, r))| {
                (
                    c,
                    OpenedCount {
                        count,
                        blinding: hex::encode(r.as_bytes()),
                    },
                )
            })
            .collect(),
    };
    Ok((published, opening))
}

/// Each category's total commitment: the sum of the sites' published commitments to it.
fn totals_of(h: &HiddenTotals, categories: &[String]) -> Result<Vec<RistrettoPoint>, ProofError> {
    let mut sums = vec![RistrettoPoint::default(); categories.len()];
    for (p, site) in h.sites.iter().enumerate() {
        for (sum, c) in sums.iter_mut().zip(categories) {
            let hexp = site.get(c).ok_or_else(|| ProofError::Categories {
                found: site.keys().cloned().collect(),
                needed: categories.to_vec(),
            })?;
            *sum += parse_point(hexp, &format!("site {p}'s commitment of `{c}`"))?;
        }
    }
    Ok(sums)
}

/// Checks a hidden-totals proof for the declaration `ctx` describes. Returns each limit's
/// status; the error says what failed.
pub fn verify_totals(
    ctx: &ProofContext<'_>,
    h: &HiddenTotals,
) -> Result<Vec<ProvedLimit>, ProofError> {
    let st = Statement::of(ctx).map_err(|e| ProofError::Statement(e.to_string()))?;
    if h.bits as usize != st.bits {
        return Err(ProofError::Bits {
            found: h.bits,
            needed: st.bits,
        });
    }
    if h.sites.is_empty() {
        return Err(ProofError::Categories {
            found: Vec::new(),
            needed: st.categories.clone(),
        });
    }
    let m = st.values();
    if st.categories.len() + st.limits.len() + h.padding.len() != m {
        return Err(ProofError::Padding {
            found: h.padding.len(),
            needed: m - st.categories.len() - st.limits.len(),
        });
    }
    let pc = pedersen();
    let sums = totals_of(h, &st.categories)?;
    let points: BTreeMap<String, RistrettoPoint> = st
        .categories
        .iter()
        .cloned()
        .zip(sums.iter().copied())
        .collect();
    let mut all: Vec<CompressedRistretto> = sums.iter().map(RistrettoPoint::compress).collect();
    for (_, max, terms) in &st.limits {
        // Commitment to the slack: ceiling·B − Σ k·C_c (coefficient 1 by addition, others by
        // one variable-time multiscalar multiplication: all of it is public data).
        let ones: RistrettoPoint = terms
            .iter()
            .filter(|(_, k)| **k == 1)
            .filter_map(|(c, _)| points.get(c))
            .sum();
        let (ks, ps): (Vec<Scalar>, Vec<RistrettoPoint>) = terms
            .iter()
            .filter(|(_, k)| **k != 1)
            .filter_map(|(c, k)| points.get(c).map(|p| (Scalar::from(*k), *p)))
            .unzip();
        let others = RistrettoPoint::vartime_multiscalar_mul(ks, ps);
        let derived = pc.commit(Scalar::from(*max), Scalar::ZERO) - ones - others;
        all.push(derived.compress());
    }
    for (i, p) in h.padding.iter().enumerate() {
        all.push(parse_point(p, &format!("padding commitment {i}"))?.compress());
    }
    let bytes = BASE64_STANDARD
        .decode(&h.proof)
        .map_err(|e| ProofError::Malformed(format!("not base64: {e}")))?;
    let proof = RangeProof::from_bytes(&bytes).map_err(|e| ProofError::Malformed(e.to_string()))?;
    let (_, bp) = generators(m, st.bits);
    proof
        .verify_multiple(&bp, &pc, &mut st.transcript(ctx), &all, st.bits)
        .map_err(|_| ProofError::DoesNotVerify)?;
    let mut out: Vec<ProvedLimit> = st
        .limits
        .iter()
        .map(|(id, max, _)| ProvedLimit {
            limit: id.clone(),
            ceiling: *max,
            status: LimitProof::Proved,
        })
        .collect();
    for id in &st.pending {
        out.push(ProvedLimit {
            limit: id.clone(),
            ceiling: ctx
                .treaty
                .limit(id)
                .and_then(|l| l.max_for(ctx.party))
                .unwrap_or(0),
            status: LimitProof::NotYetApplicable,
        });
    }
    Ok(out)
}

/// Checks revealed totals against the sums of the sites' published commitments; returns the
/// counts.
pub fn check_totals_opening(
    h: &HiddenTotals,
    opening: &TotalsOpening,
) -> Result<BTreeMap<String, u64>, ProofError> {
    let categories: Vec<String> = opening.categories.keys().cloned().collect();
    let committed: BTreeSet<&String> = h.sites.iter().flat_map(|s| s.keys()).collect();
    if categories.is_empty() || !categories.iter().eq(committed.iter().copied()) {
        return Err(ProofError::OpenedCategories);
    }
    let sums = totals_of(h, &categories)?;
    let mut out = BTreeMap::new();
    for ((c, o), total) in opening.categories.iter().zip(sums) {
        let r = parse_scalar(&o.blinding, &format!("blinding of `{c}`"))?;
        if commit(o.count, &r) != total {
            return Err(ProofError::DoesNotOpen {
                category: c.clone(),
                count: o.count,
            });
        }
        out.insert(c.clone(), o.count);
    }
    Ok(out)
}

/// For benchmarks: the bare crate proving and verifying `values` ranges of `bits` bits
/// (same generators, plain transcript). Returns (prove seconds, verify seconds).
pub fn bare_range_proofs(values: usize, bits: usize) -> Result<(f64, f64), EscrowError> {
    let m = values.max(1).next_power_of_two();
    let (pc, bp) = generators(m, bits);
    let v: Vec<u64> = (0..m as u64).map(|i| i % 1000).collect();
    let r: Vec<Scalar> = (0..m).map(|_| Scalar::random(&mut OsRng)).collect();
    let failed = |e: bulletproofs::ProofError| EscrowError::Request(format!("range proof: {e}"));
    let t = std::time::Instant::now();
    let (proof, commitments) =
        RangeProof::prove_multiple(&bp, &pc, &mut Transcript::new(b"bare"), &v, &r, bits)
            .map_err(failed)?;
    let prove = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    proof
        .verify_multiple(&bp, &pc, &mut Transcript::new(b"bare"), &commitments, bits)
        .map_err(failed)?;
    Ok((prove, t.elapsed().as_secs_f64()))
}
