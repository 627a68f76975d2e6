//! What the audit's batch check must add to match `verify_strict`: ed25519-dalek's batch
//! equation is cofactorless but does not refuse an R of small order or an R whose encoding is
//! not canonical, both of which every other path (appends, mirrors, checkpoints) refuses.

use curve25519_dalek::Scalar;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::traits::{Identity, IsIdentity};
use sha2::{Digest as _, Sha512};
use std::sync::OnceLock;

/// The sign bit of a compressed Edwards point (the top bit of its last byte).
const SIGN_BIT: u8 = 0x80;

/// The encodings, sign bit cleared, of the eight points of small order.
fn small_order_encodings() -> &'static [[u8; 32]] {
    static ENCODINGS: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    ENCODINGS.get_or_init(|| {
        let Some(generator) = torsion_generator() else {
            return Vec::new();
        };
        let mut point = EdwardsPoint::identity();
        let mut out = Vec::with_capacity(8);
        for _ in 0..8 {
            let mut enc = point.compress().to_bytes();
            enc[31] &= !SIGN_BIT;
            out.push(enc);
            point += generator;
        }
        out
    })
}

/// A point of order eight, found as ℓ·P for points P derived from a fixed label: ℓ·P is the
/// torsion component of P times ℓ, which generates the eight-torsion for half of all P.
fn torsion_generator() -> Option<EdwardsPoint> {
    let l_minus_one = -Scalar::ONE;
    (0u32..1024).find_map(|counter| {
        let h = Sha512::new()
            .chain_update(b"verity/eight-torsion\n")
            .chain_update(counter.to_be_bytes())
            .finalize();
        let mut y = [0u8; 32];
        y.copy_from_slice(h.get(..32)?);
        let p = CompressedEdwardsY(y).decompress()?;
        let t = p * l_minus_one + p;
        (!(t * Scalar::from(4u8)).is_identity()).then_some(t)
    })
}

/// Whether `r` (a signature's first half) is one `verify_strict` refuses before any
/// arithmetic: a y coordinate of 2^255 − 19 or more (a non-canonical encoding), or a point of
/// small order in any of its encodings.
pub(crate) fn refused_r(r: &[u8; 32]) -> bool {
    let mut y = *r;
    y[31] &= !SIGN_BIT;
    let non_canonical = y[31] == 0x7f && y[1..31].iter().all(|b| *b == 0xff) && y[0] >= 0xed;
    non_canonical || small_order_encodings().contains(&y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eight_small_order_points_are_found_and_refused() {
        let encodings = small_order_encodings();
        // Eight points, five y coordinates: P and −P share one, and the identity and the point
        // of order two are their own negatives.
        let distinct: std::collections::BTreeSet<_> = encodings.iter().collect();
        assert_eq!(distinct.len(), 5);
        let mut points = std::collections::BTreeSet::new();
        for enc in encodings {
            for sign in [0, SIGN_BIT] {
                let mut r = *enc;
                r[31] |= sign;
                assert!(refused_r(&r));
                if let Some(p) = CompressedEdwardsY(r).decompress() {
                    assert!(p.is_small_order());
                    points.insert(p.compress().to_bytes());
                }
            }
        }
        assert_eq!(points.len(), 8);
        // The identity, (0, 1), and the point of order two, (0, −1).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(refused_r(&identity));
        let mut minus_one = [0xff; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        assert!(refused_r(&minus_one));
        // y = p + 1, a non-canonical encoding of the identity; and the basepoint, refused never.
        let mut p_plus_one = [0xff; 32];
        p_plus_one[0] = 0xee;
        p_plus_one[31] = 0x7f;
        assert!(refused_r(&p_plus_one));
        let base = curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.to_bytes();
        assert!(!refused_r(&base));
    }
}
