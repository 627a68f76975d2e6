//! The red team against the escrow: openings are party bytes, so a field of any length must be
//! refused as not opening its commitment, never crash the checker; and the private store must
//! resist offline guessing for as long as its secrets stay sealed (decades), so it derives its
//! key with RFC 9106's recommended Argon2id cost and refuses a passphrase too short to guess
//! for long.

use verity_escrow::{
    Digest, EscrowError, ItemRecord, OpenedItem, PrivateStore, Salt, SealedDeclaration,
    SiteCountOpening, item_commitment,
};

fn record(uid: &str, site: &str) -> ItemRecord {
    ItemRecord {
        uid: uid.into(),
        class: "icbm".into(),
        item_type: "Minuteman III".into(),
        site: site.into(),
        status: "deployed".into(),
        warheads: 1,
    }
}

#[test]
fn a_field_longer_than_any_commitment_can_hold_does_not_open_and_does_not_crash() {
    let d =
        SealedDeclaration::commit((0..6).map(|i| record(&format!("U{i}"), "A")).collect()).unwrap();
    let root = d.root();
    let huge = "A".repeat(70_000);
    // A site's header with a 70,000-byte name: refused, as not under the root.
    let mut header: SiteCountOpening = d.open_site_count("A").unwrap();
    assert!(header.verify(&root).is_ok());
    header.site = huge.clone();
    assert!(header.verify(&root).is_err());
    // A whole-site opening whose item carries a 70,000-byte UID: refused.
    let mut site = d.open_site("A").unwrap();
    site.items[0].record.uid = huge.clone();
    assert!(site.verify(&root).is_err());
    // An item commitment of such a record cannot be made.
    assert!(item_commitment(&Salt([1; 32]), &record(&huge, "A")).is_none());
    let opened = OpenedItem {
        record: record(&huge, "A"),
        salt: Salt([1; 32]),
    };
    assert!(opened.commitment().is_none());
    assert_ne!(root, Digest([0; 32]));
}

#[test]
fn the_private_store_uses_rfc_9106_costs_and_refuses_a_short_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let short = PrivateStore::create(&dir.path().join("short"), b"correct horse").unwrap_err();
    assert!(
        matches!(short, EscrowError::WeakPassphrase { .. }),
        "{short}"
    );
    assert!(
        short.to_string().contains("at least 15 characters"),
        "{short}"
    );
    let repeated = PrivateStore::create(&dir.path().join("same"), &[b'a'; 40]).unwrap_err();
    assert!(
        matches!(repeated, EscrowError::WeakPassphrase { .. }),
        "{repeated}"
    );
    assert!(!dir.path().join("short").exists() && !dir.path().join("same").exists());
    let store_dir = dir.path().join("store");
    PrivateStore::create(&store_dir, b"four random words then some").unwrap();
    let desc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store_dir.join("store.json")).unwrap()).unwrap();
    assert_eq!(desc["kdf"]["algorithm"], "argon2id");
    assert!(
        desc["kdf"]["memory_kib"].as_u64().unwrap() >= 64 * 1024,
        "{desc}"
    );
    assert!(desc["kdf"]["passes"].as_u64().unwrap() >= 3, "{desc}");
    assert_eq!(
        hex::decode(desc["kdf"]["salt"].as_str().unwrap())
            .unwrap()
            .len(),
        16
    );
    PrivateStore::open(&store_dir, b"four random words then some").unwrap();
}
