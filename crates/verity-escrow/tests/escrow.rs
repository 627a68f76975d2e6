//! The escrow's promises, each tested: inventories are checked against the treaty with located
//! errors; every opening verifies against the root alone; binding (any changed field or salt
//! byte fails); hiding (an opening shows nothing of an unopened sibling but its commitment);
//! completeness at an opened site; the private store's encryption and its failures.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::{Digest as _, Sha256};
use verity_escrow::{
    Digest, EscrowError, ItemRecord, Presence, PrivateStore, SealedDeclaration, item_commitment,
    item_leaf_preimage, parse_inventory, root_of_site_commitments,
};
use verity_treaty::builtin;

fn treaty() -> verity_treaty::Treaty {
    builtin::treaty("new-start").unwrap()
}

fn item(uid: &str, site: &str, warheads: u64) -> ItemRecord {
    ItemRecord {
        uid: uid.into(),
        class: "icbm".into(),
        item_type: "Minuteman III".into(),
        site: site.into(),
        status: "deployed".into(),
        warheads,
    }
}

fn inventory(n: usize, sites: usize) -> Vec<ItemRecord> {
    (0..n)
        .map(|i| {
            item(
                &format!("U{i:05}"),
                &format!("SITE-{:02}", i % sites),
                1 + (i % 3) as u64,
            )
        })
        .collect()
}

fn seeded(n: usize, sites: usize, seed: u64) -> SealedDeclaration {
    SealedDeclaration::commit_with_rng(
        inventory(n, sites),
        None,
        &mut ChaCha20Rng::seed_from_u64(seed),
    )
    .unwrap()
}

#[test]
fn inventory_rows_are_checked_with_their_line_and_column() {
    let t = treaty();
    let ok = "uid,class,type,site,status,warheads\nA1,icbm,Minuteman III,Malmstrom,deployed,1\n";
    assert_eq!(parse_inventory("inv.csv", ok, &t).unwrap().len(), 1);
    let cases = [
        (
            "uid,class,type,site,status\nA1,icbm,M,S,deployed\n",
            "expected the header",
        ),
        (
            "uid,class,type,site,status,warheads\nA1,cruise,M,S,deployed,1\n",
            "inv.csv:2 (column `class`): `cruise` is not an item class of `new-start`",
        ),
        (
            "uid,class,type,site,status,warheads\nA1,icbm,M,S,stored,1\n",
            "inv.csv:2 (column `status`): `stored` is not an item status",
        ),
        (
            "uid,class,type,site,status,warheads\nA1,icbm,M,S,deployed,1\nA1,icbm,M,S,deployed,1\n",
            "inv.csv:3 (column `uid`): `A1` is declared twice (first on line 2)",
        ),
        (
            "uid,class,type,site,status,warheads\nA1,icbm,M,S,deployed,-1\n",
            "inv.csv:2 (column `warheads`): expected a whole number",
        ),
        (
            "uid,class,type,site,status,warheads\nA1,icbm,,S,deployed,1\n",
            "inv.csv:2 (column `type`): empty",
        ),
        (
            "uid,class,type,site,status,warheads\nA1,icbm,M,S,deployed\n",
            "inv.csv:2 (column `*`): malformed CSV row",
        ),
        ("uid,class,type,site,status,warheads\n", "no items"),
    ];
    for (text, want) in cases {
        let err = parse_inventory("inv.csv", text, &t)
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{err:?} should contain {want:?}");
    }
    let long = format!(
        "uid,class,type,site,status,warheads\n{},icbm,M,S,deployed,1\n",
        "X".repeat(300)
    );
    let err = parse_inventory("inv.csv", &long, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("300 bytes long; at most 256"), "{err}");
}

#[test]
fn commitments_follow_the_documented_encoding() {
    // An outside tool recomputes a commitment with nothing but SHA-256:
    // SHA-256(0x00 ‖ "verity/escrow/item/v1\n" ‖ salt ‖ (u16 len ‖ field)×5 ‖ u64 warheads).
    let salt = verity_escrow::Salt([9; 32]);
    let r = item("A1", "S", 4);
    let mut data = b"verity/escrow/item/v1\n".to_vec();
    data.extend([9u8; 32]);
    for f in ["A1", "icbm", "Minuteman III", "S", "deployed"] {
        data.extend((f.len() as u16).to_be_bytes());
        data.extend(f.as_bytes());
    }
    data.extend(4u64.to_be_bytes());
    assert_eq!(item_leaf_preimage(&salt, &r), Some(data.clone()));
    let mut leaf = vec![0u8];
    leaf.extend(&data);
    assert_eq!(
        item_commitment(&salt, &r).unwrap().0,
        <[u8; 32]>::from(Sha256::digest(&leaf))
    );
}

#[test]
fn every_opening_verifies_against_the_root_alone() {
    let d = seeded(500, 7, 1);
    let root = d.root();
    assert_eq!(d.sites().len(), 7);
    assert_eq!(d.item_count(), 500);
    assert_eq!(root_of_site_commitments(&d.site_commitments()), root);
    for r in inventory(500, 7) {
        d.open_item(&r.uid).unwrap().verify(&root).unwrap();
    }
    for s in d.sites() {
        let count = d.open_site_count(&s.name).unwrap();
        count.verify(&root).unwrap();
        assert_eq!(count.items, s.len() as u64);
        d.open_site(&s.name).unwrap().verify(&root).unwrap();
    }
    // Another declaration's root accepts none of them.
    let other = seeded(500, 7, 2).root();
    assert_ne!(other, root);
    assert!(d.open_item("U00001").unwrap().verify(&other).is_err());
    // Counts per site add up to the inventory.
    let total: u64 = d
        .sites()
        .iter()
        .map(|s| d.open_site_count(&s.name).unwrap().items)
        .sum();
    assert_eq!(total, 500);
}

/// A change made to an opening.
type Mutation = Box<dyn Fn(&mut verity_escrow::ItemOpening)>;

#[test]
fn binding_any_changed_field_or_salt_byte_fails() {
    let d = seeded(64, 3, 3);
    let root = d.root();
    let opening = d.open_item("U00010").unwrap();
    opening.verify(&root).unwrap();
    let mutations: Vec<Mutation> = vec![
        Box::new(|o| o.record.uid.push('X')),
        Box::new(|o| o.record.class = "slbm".into()),
        Box::new(|o| o.record.item_type = "Minuteman IV".into()),
        Box::new(|o| o.record.status = "non-deployed".into()),
        Box::new(|o| o.record.warheads += 1),
        Box::new(|o| {
            o.record.site = "SITE-99".into();
            o.site.site = "SITE-99".into();
        }),
        Box::new(|o| o.salt.0[0] ^= 1),
        Box::new(|o| o.salt.0[31] ^= 0x80),
        Box::new(|o| o.site.salt.0[7] ^= 1),
        Box::new(|o| o.site.items += 1),
        Box::new(|o| o.index ^= 1),
        Box::new(|o| o.proof[0].0[0] ^= 1),
        Box::new(|o| o.site.proof[0].0[3] ^= 1),
        Box::new(|o| o.site.items_root.0[0] ^= 1),
    ];
    for (k, m) in mutations.iter().enumerate() {
        let mut o = opening.clone();
        m(&mut o);
        assert!(o.verify(&root).is_err(), "mutation {k} still verified");
    }
    // Every single bit of the salt matters.
    for byte in 0..32 {
        let mut o = opening.clone();
        o.salt.0[byte] ^= 0x01;
        assert!(o.verify(&root).is_err(), "salt byte {byte}");
    }
}

#[test]
fn hiding_an_opening_shows_an_unopened_sibling_only_as_a_hash() {
    // Two inventories differ only in item U00001 (same site as U00000). Openings of U00000
    // under each carry the same record and salt; they differ only in proof hashes, and never
    // contain any field of the sibling.
    let mut a = inventory(2, 1);
    let mut b = a.clone();
    a[1] = ItemRecord {
        item_type: "SECRET-TYPE-A".into(),
        warheads: 3,
        ..a[1].clone()
    };
    b[1] = ItemRecord {
        item_type: "SECRET-TYPE-B".into(),
        warheads: 1,
        ..b[1].clone()
    };
    let da =
        SealedDeclaration::commit_with_rng(a, None, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
    let db =
        SealedDeclaration::commit_with_rng(b, None, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
    let oa = da.open_item("U00000").unwrap();
    let ob = db.open_item("U00000").unwrap();
    assert_eq!(oa.record, ob.record);
    assert_eq!(oa.salt, ob.salt);
    let ja = serde_json::to_string(&oa).unwrap();
    let jb = serde_json::to_string(&ob).unwrap();
    for secret in ["SECRET-TYPE", "U00001"] {
        assert!(
            !ja.contains(secret) && !jb.contains(secret),
            "{secret} leaked"
        );
    }
    assert_eq!(oa.proof.len(), 1, "the sibling appears as one hash");
    let sibling_a = da.open_item("U00001").unwrap().commitment().unwrap();
    assert_eq!(
        oa.proof[0], sibling_a,
        "and that hash is its commitment, nothing more"
    );
    oa.verify(&da.root()).unwrap();
    ob.verify(&db.root()).unwrap();
}

#[test]
fn completeness_an_opened_site_proves_what_is_not_on_it() {
    let d = seeded(40, 2, 7);
    let root = d.root();
    let site = d.sites()[0].name.clone();
    let opening = d.open_site(&site).unwrap();
    opening.verify(&root).unwrap();
    let declared = opening.items[0].record.uid.clone();
    assert!(matches!(
        opening.presence(&declared),
        Presence::Declared { .. }
    ));
    assert_eq!(opening.presence("SMUGGLED-1"), Presence::Undeclared);
    // Dropping an item, adding one, or renaming one breaks the opening.
    let mut dropped = opening.clone();
    dropped.items.pop();
    assert!(dropped.verify(&root).is_err());
    let mut added = opening.clone();
    let mut extra = added.items[0].clone();
    extra.record.uid = "SMUGGLED-1".into();
    added.items.push(extra);
    assert!(added.verify(&root).is_err());
    let mut duplicated = opening.clone();
    duplicated.items[1] = duplicated.items[0].clone();
    assert!(duplicated.verify(&root).is_err());
}

#[test]
fn commitment_is_deterministic_in_its_randomness_and_fresh_from_the_os() {
    assert_eq!(seeded(100, 4, 11).root(), seeded(100, 4, 11).root());
    let a = SealedDeclaration::commit(inventory(100, 4)).unwrap();
    let b = SealedDeclaration::commit(inventory(100, 4)).unwrap();
    assert_ne!(a.root(), b.root(), "fresh OS salts give fresh commitments");
    let err = SealedDeclaration::commit(vec![item("A", "S", 1), item("A", "T", 1)]).unwrap_err();
    assert!(err.to_string().contains("UID `A` appears twice"), "{err}");
    assert!(SealedDeclaration::commit(vec![]).is_err());
}

#[test]
fn private_store_round_trip_and_its_failures() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("usa.db.private");
    let d = seeded(300, 5, 13);
    let root = d.root();
    {
        let store = PrivateStore::create(&store_dir, b"correct horse battery staple").unwrap();
        store.put(&root, &d.to_private_json()).unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&store_dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    let store = PrivateStore::open(&store_dir, b"correct horse battery staple").unwrap();
    let back = SealedDeclaration::from_private_json(&store.get(&root).unwrap(), &root).unwrap();
    assert_eq!(back.root(), root);
    assert_eq!(
        back.open_item("U00007").unwrap(),
        d.open_item("U00007").unwrap()
    );
    // The file holds no cleartext.
    let sealed = std::fs::read(store_dir.join(format!("{}.sealed", root.to_hex()))).unwrap();
    assert!(!sealed.windows(6).any(|w| w == b"U00007"));
    // Wrong passphrase: a clear error, never garbage.
    let err = PrivateStore::open(&store_dir, b"wrong horse battery staple").unwrap_err();
    assert!(matches!(err, EscrowError::WrongPassphrase(_)), "{err}");
    assert!(err.to_string().contains("wrong passphrase"));
    // A flipped byte in a sealed record fails authentication and names the file.
    let path = store_dir.join(format!("{}.sealed", root.to_hex()));
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let err = store.get(&root).unwrap_err();
    assert!(matches!(err, EscrowError::Tampered(_)), "{err}");
    // A record under another root's name (swapped files) fails too: the root is bound in.
    let other = Digest([1; 32]);
    std::fs::write(
        store_dir.join(format!("{}.sealed", other.to_hex())),
        &sealed,
    )
    .unwrap();
    assert!(matches!(
        store.get(&other).unwrap_err(),
        EscrowError::Tampered(_)
    ));
    // Unknown roots and refusing to overwrite.
    assert!(matches!(
        store.get(&Digest([2; 32])).unwrap_err(),
        EscrowError::NotInStore { .. }
    ));
    assert!(PrivateStore::create(&store_dir, b"x").is_err());
    // Secrets that rebuild another root are refused.
    assert!(SealedDeclaration::from_private_json(&d.to_private_json(), &other).is_err());
}

mod decoders {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn inventory_parser_never_panics(text in "\\PC{0,400}") {
            let _ = parse_inventory("fuzz.csv", &text, &treaty());
        }

        #[test]
        fn mutated_openings_never_panic_and_never_verify(pos in 0usize..4000, byte in any::<u8>()) {
            let d = seeded(20, 2, 17);
            let root = d.root();
            let json = serde_json::to_vec(&d.open_item("U00003").unwrap()).unwrap();
            let mut bytes = json.clone();
            let pos = pos % bytes.len();
            prop_assume!(bytes[pos] != byte);
            bytes[pos] = byte;
            if let Ok(o) = serde_json::from_slice::<verity_escrow::ItemOpening>(&bytes) {
                // A different decoded value must not verify; the same value (a change that
                // decodes identically, e.g. in whitespace) may.
                let original: verity_escrow::ItemOpening = serde_json::from_slice(&json).unwrap();
                if o != original {
                    prop_assert!(o.verify(&root).is_err());
                }
            }
        }
    }
}
