//! The log's behaviour: appends are signed, canonical and checkpointed; proofs verify for every
//! pair of sizes; the audit recomputes everything and names the first bad entry when a byte of
//! the SQLite file changes; keys reject every malformed case; failed appends change nothing.
//! (What entries mean under a treaty is the compliance view's: `verity-inspect/tests/escrow.rs`.)

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use std::path::{Path, PathBuf};
use verity_escrow::{ItemRecord, SealedDeclaration};
use verity_log::{
    Declaration, Disclosure, EntryBody, Leaf, Log, Notification, PartyKey, VerifierKey, audit,
    check_consistency, check_inclusion, leaf_hash, verify_checkpoint,
};
use verity_treaty::model::{DisclosureLevel, EventKind};

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
    key: PartyKey,
    decl: SealedDeclaration,
}

fn item(i: usize) -> ItemRecord {
    ItemRecord {
        uid: format!("U{i:04}"),
        class: "icbm".into(),
        item_type: "Minuteman III".into(),
        site: format!("SITE-{}", i % 3),
        status: "deployed".into(),
        warheads: 1,
    }
}

fn fixture(notifications: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key = PartyKey::generate("verity.log/USA").unwrap();
    let (key_path, _) = key.write(dir.path(), "usa").unwrap();
    let db = dir.path().join("usa.db");
    let mut log = Log::init(&db, "USA", &key, &key_path).unwrap();
    let decl = SealedDeclaration::commit((0..30).map(item).collect()).unwrap();
    log.append(
        &key,
        vec![EntryBody::Declaration(Declaration {
            treaty: "new-start".into(),
            as_of: day("2026-09-01"),
            root: decl.root(),
            sites: Some(decl.site_commitments()),
            aggregates: None,
            hidden_totals: None,
            empty_facilities: Vec::new(),
            treaty_digest: None,
        })],
    )
    .unwrap();
    let site = decl.sites()[0].name.clone();
    log.append(
        &key,
        vec![EntryBody::Disclosure(Disclosure {
            declaration: 0,
            root: decl.root(),
            stage: 3,
            level: DisclosureLevel::Items,
            sites: vec![],
            site_counts: vec![],
            site_items: vec![decl.open_site(&site).unwrap()],
            dummy_sites: vec![],
            totals: None,
        })],
    )
    .unwrap();
    for i in 0..notifications {
        log.append(&key, vec![notification(i)]).unwrap();
    }
    Fixture {
        _dir: dir,
        db,
        key,
        decl,
    }
}

fn notification(i: usize) -> EntryBody {
    EntryBody::Notification(Notification {
        declaration: 0,
        event: EventKind::Created,
        event_date: day("2026-10-01"),
        uid: format!("N{i:05}"),
        old: None,
        new: Some(ItemRecord {
            uid: format!("N{i:05}"),
            class: "icbm".into(),
            item_type: "Minuteman III".into(),
            site: "Malmstrom".into(),
            status: "deployed".into(),
            warheads: 1,
        }),
    })
}

fn clean(db: &Path, key: &VerifierKey) -> verity_log::AuditReport {
    audit(db, key, &|_, _| {}).unwrap()
}

#[test]
fn a_fresh_log_audits_clean_and_counts_what_it_checked() {
    let f = fixture(5);
    let r = clean(&f.db, &f.key.verifier());
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.entries, r.signatures, r.checkpoints), (7, 7, 7));
    assert_eq!((r.declarations, r.disclosures, r.notifications), (1, 1, 5));
    let log = Log::open_read_only(&f.db).unwrap();
    assert_eq!(r.root, BASE64_STANDARD.encode(log.root(7).unwrap()));
    // Every leaf is canonical JSON signed for its own index, party and log.
    for e in log.entries(0, 7).unwrap() {
        let leaf = Leaf::parse(&e.leaf).unwrap();
        leaf.verify(&f.key.verifier()).unwrap();
        // The audit's shortcut (the message sliced out of the canonical leaf) is the message.
        let (_, msg) = Leaf::parse_with_message(&e.leaf).unwrap();
        assert_eq!(msg, verity_log::signature_message(&leaf.statement));
        assert_eq!(leaf.statement.index, e.index);
        assert_eq!(leaf.statement.party, "USA");
        assert_eq!(leaf.statement.entry.kind(), e.kind);
    }
}

#[test]
fn proofs_verify_for_every_index_and_every_pair_of_sizes() {
    let f = fixture(14);
    let log = Log::open_read_only(&f.db).unwrap();
    let n = log.size().unwrap();
    assert_eq!(n, 16);
    let entries = log.entries(0, n).unwrap();
    for size in 1..=n {
        let root = log.root(size).unwrap();
        for i in 0..size {
            let proof = log.inclusion_proof(i, size).unwrap();
            assert!(check_inclusion(
                &proof,
                size,
                root,
                i,
                leaf_hash(&entries[i as usize].leaf)
            ));
            assert!(!check_inclusion(
                &proof,
                size,
                root,
                i,
                leaf_hash(b"forged")
            ));
        }
        for old in 1..=size {
            let proof = log.consistency_proof(old, size).unwrap();
            assert!(check_consistency(
                &proof,
                old,
                log.root(old).unwrap(),
                size,
                root
            ));
        }
    }
    assert!(log.inclusion_proof(16, 16).is_err());
    assert!(log.consistency_proof(3, 17).is_err());
    // Sizes beyond the log are refused by name, on the cached read path too (which reads the
    // log's size only when a proof cannot be built), including the proofs that read no hash.
    let beyond = |r: Result<Vec<[u8; 32]>, verity_log::LogError>| {
        let e = r.unwrap_err().to_string();
        assert!(e.contains("beyond the log's 16 entries"), "{e}");
    };
    beyond(log.inclusion_proof(0, 17));
    beyond(log.inclusion_proof(3, 40));
    beyond(log.consistency_proof(16, 17));
    beyond(log.consistency_proof(17, 17));
    // The read-only connection (upper hashes cached) and a writing one give the same proofs.
    let writer = Log::open(&f.db).unwrap();
    for size in [5, 11, 16] {
        for i in 0..size {
            assert_eq!(
                log.inclusion_proof(i, size).unwrap(),
                writer.inclusion_proof(i, size).unwrap()
            );
        }
        assert_eq!(
            log.consistency_proof(3, size).unwrap(),
            writer.consistency_proof(3, size).unwrap()
        );
    }
    // Every append left a signed checkpoint for exactly the tree it made.
    for (size, note) in log.checkpoints().unwrap() {
        let cp = verify_checkpoint(&note, &f.key.verifier()).unwrap();
        assert_eq!((cp.size, cp.root), (size, log.root(size).unwrap()));
    }
}

/// Flips one byte of `needle`'s first occurrence in the SQLite file itself.
fn flip_in_file(db: &Path, needle: &[u8], offset: usize) {
    let mut bytes = std::fs::read(db).unwrap();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the bytes are in the main database file");
    bytes[at + offset] ^= 0x01;
    std::fs::write(db, bytes).unwrap();
}

#[test]
fn a_byte_changed_in_an_entry_in_the_file_is_named_by_the_audit() {
    let f = fixture(5);
    let log = Log::open_read_only(&f.db).unwrap();
    let victim = log.entry(4).unwrap();
    drop(log);
    // Inside the signature, inside the body (the item's UID), and inside the signed index:
    // each is named as entry 4.
    let leaf = Leaf::parse(&victim.leaf).unwrap();
    for (needle, offset) in [
        (leaf.signature.as_bytes(), 10),
        (b"\"uid\":\"N00002\"".as_slice(), 9),
        (b"\"index\":4,".as_slice(), 8),
    ] {
        let copy = f.db.with_extension("copy");
        std::fs::copy(&f.db, &copy).unwrap();
        flip_in_file(&copy, needle, offset);
        let r = clean(&copy, &f.key.verifier());
        let first = r.first_problem().expect("a changed byte is found");
        assert_eq!(first.entry, Some(4), "{:?}", r.problems);
        std::fs::remove_file(&copy).unwrap();
    }
    // The unique signature of entry 4: named exactly.
    flip_in_file(&f.db, leaf.signature.as_bytes(), 10);
    let r = clean(&f.db, &f.key.verifier());
    assert_eq!(
        r.first_problem().unwrap().entry,
        Some(4),
        "{:?}",
        r.problems
    );
}

#[test]
fn a_byte_changed_in_a_checkpoint_in_the_file_is_named_by_the_audit() {
    let f = fixture(3);
    let log = Log::open_read_only(&f.db).unwrap();
    let (_, note) = log.checkpoints().unwrap()[2].clone();
    drop(log);
    let sig_line = note.split(|&b| b == b'\n').nth(4).unwrap().to_vec();
    flip_in_file(&f.db, &sig_line[sig_line.len() - 20..], 3);
    let r = clean(&f.db, &f.key.verifier());
    let p = r.first_problem().expect("found");
    assert_eq!(p.checkpoint, Some(3), "{:?}", r.problems);
    assert!(
        p.message.contains("checkpoint at tree size 3"),
        "{}",
        p.message
    );
}

#[test]
fn a_byte_changed_in_a_stored_tree_hash_is_found() {
    let f = fixture(3);
    let log = Log::open_read_only(&f.db).unwrap();
    let leaf = log.entry(2).unwrap().leaf;
    drop(log);
    flip_in_file(&f.db, &leaf_hash(&leaf), 7);
    let r = clean(&f.db, &f.key.verifier());
    let p = r.first_problem().expect("found");
    assert_eq!(p.entry, Some(2), "{:?}", r.problems);
    assert!(p.message.contains("stored tree hash"), "{}", p.message);
}

#[test]
fn the_audit_trusts_only_the_key_it_is_given() {
    let f = fixture(1);
    let other = PartyKey::generate("verity.log/USA").unwrap().verifier();
    let r = clean(&f.db, &other);
    assert!(
        r.first_problem()
            .unwrap()
            .message
            .contains("not the key given")
    );
}

#[test]
fn failed_appends_change_nothing() {
    let f = fixture(1);
    let mut log = Log::open(&f.db).unwrap();
    let before = (log.size().unwrap(), log.latest_checkpoint().unwrap());
    // A batch whose second entry is oversized is refused whole.
    let huge = EntryBody::Declaration(Declaration {
        treaty: "x".repeat(verity_log::MAX_LEAF_BYTES),
        as_of: day("2026-01-01"),
        root: f.decl.root(),
        sites: None,
        aggregates: None,
        hidden_totals: None,
        empty_facilities: Vec::new(),
        treaty_digest: None,
    });
    assert!(log.append(&f.key, vec![notification(9), huge]).is_err());
    // Another party's key is refused.
    let stranger = PartyKey::generate("verity.log/USA").unwrap();
    assert!(log.append(&stranger, vec![notification(9)]).is_err());
    assert_eq!(
        (log.size().unwrap(), log.latest_checkpoint().unwrap()),
        before
    );
    assert!(clean(&f.db, &f.key.verifier()).problems.is_empty());
    // A batch is one transaction and one checkpoint.
    let idx = log
        .append(&f.key, (0..10).map(notification).collect())
        .unwrap();
    assert_eq!(idx, (before.0..before.0 + 10).collect::<Vec<_>>());
    assert_eq!(log.latest_checkpoint().unwrap().unwrap().0, before.0 + 10);
    assert!(clean(&f.db, &f.key.verifier()).problems.is_empty());
}

#[test]
fn keys_reject_every_malformed_case_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let key = PartyKey::generate("verity.log/RUS").unwrap();
    let (key_path, pub_path) = key.write(dir.path(), "rus").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        PartyKey::load(&key_path).unwrap();
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = PartyKey::load(&key_path).unwrap_err().to_string();
        assert!(err.contains("permissions are 0644"), "{err}");
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert!(key.write(dir.path(), "rus").is_err(), "never overwrites");
    let vk = VerifierKey::load(&pub_path).unwrap();
    assert_eq!(vk.text(), key.verifier().text());
    let text = key.private_text();
    let b64 = text.splitn(5, '+').nth(4).unwrap();
    let raw = BASE64_STANDARD.decode(b64).unwrap();
    let short = text.replace(b64, &BASE64_STANDARD.encode(&raw[..32]));
    let wrong_alg = text.replace(
        b64,
        &BASE64_STANDARD.encode([&[2u8][..], &raw[1..]].concat()),
    );
    let cases = [
        (short, "wrong length: 32 bytes"),
        (text.replace(b64, "!!!notbase64"), "not valid base64"),
        (wrong_alg, "algorithm byte 0x02"),
        (
            text.replacen("PRIVATE+KEY", "PUBLIC+KEY", 1),
            "not a signing key",
        ),
        (
            text.replace("verity.log/RUS", "verity log/RUS"),
            "not valid",
        ),
    ];
    for (bad, want) in cases {
        let err = PartyKey::parse(&bad).unwrap_err().to_string();
        assert!(err.contains(want), "{err:?} should contain {want:?}");
    }
    // A flipped bit in the seed no longer matches the key id.
    let mut flipped = raw.clone();
    flipped[5] ^= 1;
    let err = PartyKey::parse(&text.replace(b64, &BASE64_STANDARD.encode(&flipped)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not match the key"), "{err}");
    let vtext = key.verifier().text().to_string();
    for (bad, want) in [
        (vtext.replacen("+", "+0", 1), "not 8 hex digits"),
        (format!("{vtext}AA"), "base64"),
        (text.clone(), "private signing key"),
    ] {
        let err = VerifierKey::parse(&bad).unwrap_err().to_string();
        assert!(err.contains(want), "{err:?} should contain {want:?}");
    }
}

mod decoders {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn leaf_checkpoint_and_key_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = Leaf::parse(&bytes);
            let key = PartyKey::from_seed("verity.log/USA", [3; 32]).unwrap().verifier();
            let _ = verify_checkpoint(&bytes, &key);
            let _ = verity_log::ItemOpeningBundle::parse(&bytes);
            let text = String::from_utf8_lossy(&bytes);
            let _ = VerifierKey::parse(&text);
            let _ = PartyKey::parse(&text);
        }

        #[test]
        fn a_changed_byte_in_a_signed_leaf_never_passes(pos in 0usize..2000, byte in any::<u8>()) {
            let key = PartyKey::from_seed("verity.log/USA", [4; 32]).unwrap();
            let leaf = Leaf::sign(&key, verity_log::Statement {
                format: verity_log::STATEMENT_FORMAT.into(),
                log: "verity.log/USA".into(),
                party: "USA".into(),
                index: 7,
                recorded: day("2026-10-02"),
                entry: notification(1),
            });
            let mut bytes = leaf.clone();
            let pos = pos % bytes.len();
            prop_assume!(bytes[pos] != byte);
            bytes[pos] = byte;
            let accepted = Leaf::parse(&bytes).and_then(|l| l.verify(&key.verifier()));
            prop_assert!(accepted.is_err());
        }
    }
}

/// A party that commits fewer stored warheads than its items hold is caught at the stage that
/// opens every site and reveals the totals: the audit names the category and both counts.
#[test]
fn recorded_dates_never_go_back() {
    let f = fixture(0);
    let mut log = Log::open(&f.db).unwrap();
    let last = log.last_recorded().unwrap().unwrap();
    let later = last + chrono::Days::new(3);
    log.append_on(&f.key, later, vec![notification(1)]).unwrap();
    let before = std::fs::read(&f.db).unwrap();
    let err = log
        .append_on(&f.key, day("2020-01-01"), vec![notification(2)])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot record on 2020-01-01") && err.contains(&later.to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read(&f.db).unwrap(), before, "nothing stored");
    assert_eq!(log.last_recorded().unwrap(), Some(later));
    let leaf = Leaf::parse(&log.entry(2).unwrap().leaf).unwrap();
    assert_eq!(leaf.statement.recorded, later);
}
