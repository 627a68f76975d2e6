//! The witness against the C2SP golden vectors (tlog-scales 0.0.3): the add-checkpoint body
//! parsed, the 500 → 1000 consistency proof checked, and the witness cosignature reproduced
//! byte for byte; then the refusals the protocol names, and a split view kept as an alarm.

use ed25519_dalek::SigningKey;
use verity_log::{PartyKey, VerifierKey};
use verity_node::{AddCheckpoint, Witness, WitnessError};

const LOG_VKEY: &str =
    "example.com/arms-control/party-a+20aa2ef9+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c";
const WITNESS_VKEY: &str =
    "witness.example.org/w1+6d7ef907+BIE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOU";
const CP_500: &str = "example.com/arms-control/party-a\n500\n2V8Irs8rzZrefL9FyNqOXSgH/WroxPgJ0z5JUU46LVE=\n\n\u{2014} example.com/arms-control/party-a IKou+fFXJUbhzyEv6SC0qHo0CYjhZPXxF4CSjJqh1FX1DIFDDpQ7H5yvG034QhzbeYtEdTrW4mMBMkflUnMtHNaq+g8=\n";
const CP_1000: &str = "example.com/arms-control/party-a\n1000\nCeaDrQxO2cvSCAIqSu1mcnAPaVI6wcfIgDX+Ge3VdEM=\n\n\u{2014} example.com/arms-control/party-a IKou+XB3uZ5shp18k/YkEFrmqVKE7kSog4z41WKz4pr5d3pKDbjit/UtABlmo+pwfV74K9OD5SZgRfUZVYUiRoGG4wo=\n";
const PROOF: [&str; 9] = [
    "vn0ycI7pfjg+mr3IPY/RBx8UBwLytFiT3EdNq85d3Rk=",
    "aZyMWj92kN8qhEA3MzMzuM3v/15cfpaOzy7+Ox73DMI=",
    "4lxcdwGN6FKSA2i0aouGOWMYqXlWZDUvxSKS2BS3wNk=",
    "6/IHLK2jcq6O/Dj3IpOG/iDjcvsTw5AzFuWr4YpjAU4=",
    "6abXxVx9sAO9NtlUFU2ObfkBjv5WPsshEUh/fpsqv2Y=",
    "HKG27HP70vlxVeh4jjv3FA7dmIrFd4OZP5BFSoJCGlA=",
    "7y6R7DlA7G/hHuKBVXjCRKh1iqlUn4MIyXHnWTPe6Yw=",
    "BjT4b+J4YOX9VZl9BvntMVzOCBRb0S2gRKRT9E2Z6Fw=",
    "+lLDjDxn63CuPiPQkZAf2R+d16JvMEc25xUAMdqiMvI=",
];
const COSIGNATURE_1000: &str = "\u{2014} witness.example.org/w1 bX75BwAAAABlU/EAM6GfnwbM38Oph1rtBMwJ9+9zlo6ZnKj9VmQgR9uFOeJIAcTdqoFCMRGdzDrUc6FspCEkxtIl8rWKonqY5WrzCQ==\n";

fn body(old: u64, proof: &[&str], cp: &str) -> Vec<u8> {
    let mut b = format!("old {old}\n");
    for p in proof {
        b.push_str(p);
        b.push('\n');
    }
    b.push('\n');
    b.push_str(cp);
    b.into_bytes()
}

fn witness(dir: &std::path::Path) -> Witness {
    let w = Witness::open(
        &dir.join("witness.db"),
        "witness.example.org/w1",
        SigningKey::from_bytes(&[2; 32]),
    )
    .unwrap();
    w.add_log(&VerifierKey::parse(LOG_VKEY).unwrap()).unwrap();
    w
}

#[test]
fn golden_vectors_cosignature_reproduced_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = witness(dir.path());
    assert_eq!(w.verifier_text(), WITNESS_VKEY);
    // The golden request body parses to exactly its parts.
    let req = AddCheckpoint::parse(&body(500, &PROOF, CP_1000)).unwrap();
    assert_eq!((req.old, req.proof.len()), (500, 9));
    // First the 500 checkpoint from nothing, then 1000 with the proof, at the vector's time.
    w.add_checkpoint(
        &AddCheckpoint::parse(&body(0, &[], CP_500)).unwrap(),
        1_699_999_000,
    )
    .unwrap();
    let line = w.add_checkpoint(&req, 1_700_000_000).unwrap();
    assert_eq!(line, COSIGNATURE_1000);
    let cosigned = w.cosigned().unwrap();
    assert_eq!((cosigned[0].1, cosigned[0].2.as_str()), (1000, CP_1000));
    // The time kept is the one the last cosignature carries.
    let times = w.cosigned_times().unwrap();
    assert_eq!(times.len(), 1);
    assert_eq!((times[0].1, times[0].2), (1000, 1_700_000_000));
}

/// A witness database from before cosignature times were kept opens, gains the column, and
/// keeps what it had cosigned (with no time until the next cosignature).
#[test]
fn an_older_witness_database_gains_the_cosignature_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("witness.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE logs (origin TEXT PRIMARY KEY, vkey TEXT NOT NULL,
           size INTEGER NOT NULL, root BLOB, note BLOB) STRICT;
         CREATE TABLE alarms (id INTEGER PRIMARY KEY, origin TEXT NOT NULL,
           reason TEXT NOT NULL, cosigned BLOB NOT NULL, presented BLOB NOT NULL) STRICT;",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO logs (origin, vkey, size) VALUES ('example.com/arms-control/party-a', ?1, 0)",
        [LOG_VKEY],
    )
    .unwrap();
    drop(conn);
    let mut w = witness(dir.path());
    assert!(w.cosigned_times().unwrap().is_empty());
    w.add_checkpoint(
        &AddCheckpoint::parse(&body(0, &[], CP_500)).unwrap(),
        1_699_999_000,
    )
    .unwrap();
    assert_eq!(
        w.cosigned_times().unwrap(),
        [(
            "example.com/arms-control/party-a".to_string(),
            500,
            1_699_999_000
        )]
    );
}

#[test]
fn refusals_name_the_reason_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = witness(dir.path());
    w.add_checkpoint(&AddCheckpoint::parse(&body(0, &[], CP_500)).unwrap(), 1)
        .unwrap();
    // Wrong old size: 409 with the latest size.
    let e = w
        .add_checkpoint(
            &AddCheckpoint::parse(&body(400, &PROOF, CP_1000)).unwrap(),
            2,
        )
        .unwrap_err();
    assert_eq!(
        e,
        WitnessError::Conflict {
            given: 400,
            latest: 500
        }
    );
    assert_eq!(e.status(), 409);
    // A proof with one hash changed: 422.
    let mut bad = PROOF;
    bad[3] = "AAIHLK2jcq6O/Dj3IpOG/iDjcvsTw5AzFuWr4YpjAU4=";
    let e = w
        .add_checkpoint(&AddCheckpoint::parse(&body(500, &bad, CP_1000)).unwrap(), 2)
        .unwrap_err();
    assert_eq!(e.status(), 422, "{e}");
    // A checkpoint signed by another key: 403.
    let forged = PartyKey::from_seed("example.com/arms-control/party-a", [9; 32]).unwrap();
    let note = verity_log::sign_checkpoint(&forged, 1000, [7; 32]).unwrap();
    let e = w
        .add_checkpoint(
            &AddCheckpoint::parse(&body(500, &PROOF, std::str::from_utf8(&note).unwrap())).unwrap(),
            2,
        )
        .unwrap_err();
    assert_eq!(e.status(), 403, "{e}");
    // An unknown log: 404. Malformed bodies: 400.
    let other = PartyKey::from_seed("verity.log/CHN", [5; 32]).unwrap();
    let note = verity_log::sign_checkpoint(&other, 1, [1; 32]).unwrap();
    let e = w
        .add_checkpoint(
            &AddCheckpoint::parse(&body(0, &[], std::str::from_utf8(&note).unwrap())).unwrap(),
            2,
        )
        .unwrap_err();
    assert_eq!(e.status(), 404);
    for b in [
        b"old 5\n".to_vec(),
        b"new 5\n\nx".to_vec(),
        b"old 05\n\nx".to_vec(),
        b"old 5\nnot-base64\n\nx".to_vec(),
        vec![b'a'; 20_000],
    ] {
        assert_eq!(AddCheckpoint::parse(&b).unwrap_err().status(), 400);
    }
    // Nothing of that moved the witness.
    assert_eq!(w.cosigned().unwrap()[0].1, 500);
    assert!(w.alarms().unwrap().is_empty());
}

#[test]
fn a_split_view_is_refused_and_kept_as_an_alarm_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let key = PartyKey::from_seed("verity.log/RUS", [3; 32]).unwrap();
    {
        let mut w = Witness::open(
            &dir.path().join("w.db"),
            "witness.verity/OBS",
            SigningKey::from_bytes(&[4; 32]),
        )
        .unwrap();
        w.add_log(&key.verifier()).unwrap();
        let honest = verity_log::sign_checkpoint(&key, 10, [1; 32]).unwrap();
        w.add_checkpoint(
            &AddCheckpoint::parse(&body(0, &[], std::str::from_utf8(&honest).unwrap())).unwrap(),
            1,
        )
        .unwrap();
    }
    // Reopened (a restart): the log now shows this reader another tree of the same size.
    let mut w = Witness::open(
        &dir.path().join("w.db"),
        "witness.verity/OBS",
        SigningKey::from_bytes(&[4; 32]),
    )
    .unwrap();
    let fork = verity_log::sign_checkpoint(&key, 10, [2; 32]).unwrap();
    let e = w
        .add_checkpoint(
            &AddCheckpoint::parse(&body(10, &[], std::str::from_utf8(&fork).unwrap())).unwrap(),
            2,
        )
        .unwrap_err();
    assert_eq!(e.status(), 422);
    assert!(e.to_string().contains("split view"), "{e}");
    let alarms = w.alarms().unwrap();
    assert_eq!(alarms.len(), 1);
    // Both signed notes are kept, and each verifies with the log's key: proof of the fork.
    for note in [&alarms[0].cosigned, &alarms[0].presented] {
        let cp = verity_log::verify_checkpoint(note.as_bytes(), &key.verifier()).unwrap();
        assert_eq!(cp.size, 10);
    }
    assert_ne!(alarms[0].cosigned, alarms[0].presented);
}
