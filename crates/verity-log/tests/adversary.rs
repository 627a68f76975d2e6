//! The red team against the audit: a party signs its own entries, so it can choose its
//! signatures' encodings. A signature whose R is a small-order point (here the identity, with
//! S = H(R ‖ A ‖ M)·a) passes cofactorless batch verification yet is refused by strict
//! verification; the audit must refuse it as strictly as every other path (appends, mirrors,
//! checkpoints) does, or one log's bytes would mean different things to different readers.

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::Signature;
use sha2::{Digest as _, Sha512};
use verity_escrow::{Digest, MemTree};
use verity_log::{
    EntryBody, Leaf, LogContents, Notification, PartyKey, STATEMENT_FORMAT, Statement, StoredEntry,
    audit_contents, canonical_json, leaf_hash, sign_checkpoint, signature_message,
};
use verity_treaty::model::EventKind;

fn statement(index: u64, uid: &str) -> Statement {
    Statement {
        format: STATEMENT_FORMAT.into(),
        log: "verity.log/USA".into(),
        party: "USA".into(),
        index,
        recorded: chrono::NaiveDate::from_ymd_opt(2027, 3, 2).unwrap(),
        entry: EntryBody::Notification(Notification {
            declaration: 0,
            event: EventKind::Eliminated,
            event_date: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            uid: uid.into(),
            old: Some(verity_escrow::ItemRecord {
                uid: uid.into(),
                class: "icbm".into(),
                item_type: "ICBM".into(),
                site: "BASE".into(),
                status: "deployed".into(),
                warheads: 1,
            }),
            new: None,
        }),
    }
}

/// The log of `leaves` as the party signs it: one checkpoint over them all.
fn signed_log(key: &PartyKey, leaves: [Vec<u8>; 2]) -> LogContents {
    let tree = MemTree::from_leaves(leaves.iter().map(|l| Digest(leaf_hash(l))));
    LogContents {
        party: "USA".into(),
        origin: "verity.log/USA".into(),
        entries: leaves
            .into_iter()
            .enumerate()
            .map(|(i, leaf)| StoredEntry {
                index: i as u64,
                kind: "notification".into(),
                leaf,
            })
            .collect(),
        stored_tree: None,
        checkpoints: vec![(2, sign_checkpoint(key, 2, tree.root().0).unwrap())],
    }
}

/// The party signs `st` with R = the identity point: S = H(R ‖ A ‖ M)·a.
fn small_order_signature(key: &PartyKey, st: &Statement) -> [u8; 64] {
    let mut r = [0u8; 32];
    r[0] = 1; // the identity, (0, 1), compressed
    let a = key.ed25519().verifying_key().to_bytes();
    let msg = signature_message(st);
    let k = Scalar::from_hash(
        Sha512::new()
            .chain_update(r)
            .chain_update(a)
            .chain_update(&msg),
    );
    let s = k * key.ed25519().to_scalar();
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r);
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

#[test]
fn a_small_order_r_is_refused_by_the_audit_as_by_every_other_path() {
    let key = PartyKey::from_seed("verity.log/USA", [3; 32]).unwrap();
    let honest = Leaf::sign(&key, statement(0, "U0"));
    let forged_st = statement(1, "U1");
    let raw = small_order_signature(&key, &forged_st);
    let forged = canonical_json(&Leaf {
        signature: BASE64_STANDARD.encode(raw),
        statement: forged_st.clone(),
    });
    // The attack is real: batch verification accepts the signature, strict verification not.
    let sig = Signature::from_bytes(&raw);
    let msg = signature_message(&forged_st);
    assert!(
        ed25519_dalek::verify_batch(&[msg.as_slice()], &[sig], &[key.ed25519().verifying_key()])
            .is_ok()
    );
    assert!(
        Leaf::parse(&forged)
            .unwrap()
            .verify(&key.verifier())
            .is_err()
    );
    // The log the party signs over both entries.
    let contents = signed_log(&key, [honest, forged]);
    let audited = audit_contents(&contents, &key.verifier(), &|_, _| {});
    let problems: Vec<(Option<u64>, &str)> = audited
        .report
        .problems
        .iter()
        .map(|p| (p.entry, p.message.as_str()))
        .collect();
    assert_eq!(
        problems,
        [(Some(1), "signature does not verify with the log's key")],
        "{problems:?}"
    );
    assert_eq!(audited.report.signatures, 1);
}

/// S + ℓ is the same signature to a cofactorless equation; strict verification refuses an S
/// that is not reduced, and the audit, batch and all, must too. (Withstood before this suite:
/// the batch refuses a non-canonical S and the audit falls back to strict one-by-one checks.)
#[test]
fn a_non_canonical_s_is_refused_by_the_audit() {
    let key = PartyKey::from_seed("verity.log/USA", [3; 32]).unwrap();
    let honest = Leaf::sign(&key, statement(0, "U0"));
    let st = statement(1, "U1");
    let good = Leaf::parse(&Leaf::sign(&key, st.clone())).unwrap();
    let mut raw = good.signature().unwrap().to_bytes();
    let s = Scalar::from_canonical_bytes(raw[32..].try_into().unwrap()).unwrap();
    // S + ℓ as a 256-bit integer (ℓ = 2^252 + 27742317777372353535851937790883648493).
    let l_minus_one = (-Scalar::ONE).to_bytes();
    let mut carry = 1u16;
    for (k, (a, b)) in s.as_bytes().iter().zip(l_minus_one).enumerate() {
        let sum = *a as u16 + b as u16 + carry;
        raw[32 + k] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    let forged = canonical_json(&Leaf {
        signature: BASE64_STANDARD.encode(raw),
        statement: st,
    });
    let contents = signed_log(&key, [honest, forged]);
    let audited = audit_contents(&contents, &key.verifier(), &|_, _| {});
    let entries: Vec<Option<u64>> = audited.report.problems.iter().map(|p| p.entry).collect();
    assert_eq!(entries, [Some(1)], "{:?}", audited.report.problems);
}
