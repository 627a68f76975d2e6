//! Peer sync over HTTP on 127.0.0.1: an observer mirrors a party's log, the copy audits clean
//! with the party's key, its witness cosigns each new checkpoint with a consistency proof from
//! the last; a fork served under the same key (same size with another root, or a longer
//! history that does not extend the mirrored one) is refused, the copy is left as it was, and
//! the alarm keeps both signed notes.

use ed25519_dalek::SigningKey;
use std::path::Path;
use std::sync::{Arc, Mutex};
use verity_log::{Declaration, EntryBody, Log, Notification, PartyKey, audit, verify_checkpoint};
use verity_node::sync::{Peer, SyncError, SyncReport, sync_once};
use verity_node::{Node, NodeConfig, Witness};
use verity_treaty::model::EventKind;

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// One round, off the test's runtime (the client blocks).
async fn round(
    peer: &Peer,
    witness: &Arc<Mutex<Witness>>,
    now: u64,
) -> Result<SyncReport, SyncError> {
    let (peer, witness) = (peer.clone(), witness.clone());
    tokio::task::spawn_blocking(move || sync_once(&peer, Some(&witness), now))
        .await
        .unwrap()
}

fn notification(i: u64, tag: &str) -> EntryBody {
    EntryBody::Notification(Notification {
        declaration: 0,
        event: EventKind::Eliminated,
        event_date: day("2027-03-01"),
        uid: format!("{tag}{i}"),
        old: Some(verity_escrow::ItemRecord {
            uid: format!("{tag}{i}"),
            class: "icbm".into(),
            item_type: "ICBM".into(),
            site: "BASE".into(),
            status: "deployed".into(),
            warheads: 1,
        }),
        new: None,
    })
}

fn usa_key() -> PartyKey {
    PartyKey::from_seed("verity.log/USA", [1; 32]).unwrap()
}

/// A USA log at `db` with `n` entries tagged `tag`, served on a fresh port.
async fn serve_log(dir: &Path, name: &str, n: u64, tag: &str) -> (String, std::path::PathBuf) {
    let key = usa_key();
    let (key_path, _) = key.write(dir, name).unwrap();
    let db = dir.join(format!("{name}.db"));
    let mut log = Log::init(&db, "USA", &key, &key_path).unwrap();
    log.append(
        &key,
        vec![EntryBody::Declaration(Declaration {
            treaty: "new-start".into(),
            as_of: day("2027-02-05"),
            root: verity_escrow::Digest([tag.as_bytes()[0]; 32]),
            sites: None,
            aggregates: None,
            hidden_totals: None,
            empty_facilities: Vec::new(),
        })],
    )
    .unwrap();
    for i in 1..n {
        log.append(&key, vec![notification(i, tag)]).unwrap();
    }
    drop(log);
    let node = Node::open(&db, NodeConfig::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { node.serve(listener).await });
    (url, db)
}

fn observer(dir: &Path) -> Arc<Mutex<Witness>> {
    let w = Witness::open(
        &dir.join("observer-witness.db"),
        "witness.verity/OBS",
        SigningKey::from_bytes(&[7; 32]),
    )
    .unwrap();
    w.add_log(&usa_key().verifier()).unwrap();
    Arc::new(Mutex::new(w))
}

#[tokio::test]
async fn a_peer_is_mirrored_audited_and_cosigned_and_a_fork_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = serve_log(dir.path(), "usa", 1_500, "U").await;
    let witness = observer(dir.path());
    let peer = Peer {
        url: url.clone(),
        party: "USA".into(),
        key: usa_key().verifier(),
        mirror: dir.path().join("mirror-usa.db"),
    };
    // First round: 1,500 entries in two pages, cosigned from nothing.
    let r = round(&peer, &witness, 1_800_000_000).await.unwrap();
    assert_eq!((r.from, r.to), (0, 1_500));
    assert!(
        r.cosignature
            .unwrap()
            .starts_with("\u{2014} witness.verity/OBS ")
    );
    let report = audit(&peer.mirror, &usa_key().verifier(), &|_, _| {}).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems.first());
    assert_eq!(report.entries, 1_500);
    // The party appends; the next round takes only the new entries and cosigns with a proof.
    {
        let mut log = Log::open(&db).unwrap();
        for i in 1_500..1_503 {
            log.append(&usa_key(), vec![notification(i, "U")]).unwrap();
        }
    }
    let r = round(&peer, &witness, 1_800_000_100).await.unwrap();
    assert_eq!((r.from, r.to), (1_500, 1_503));
    assert!(r.cosignature.is_some());
    assert_eq!(witness.lock().unwrap().cosigned().unwrap()[0].1, 1_503);
    // Nothing new: an idle round changes nothing.
    let r = round(&peer, &witness, 1_800_000_200).await.unwrap();
    assert_eq!((r.from, r.to), (1_503, 1_503));

    // A fork of the same size under the same key, served elsewhere: refused, alarm raised.
    let (fork_url, _) = serve_log(&dir.path().join("f1").tap_mkdir(), "usa", 1_503, "F").await;
    let forked = Peer {
        url: fork_url,
        ..peer.clone()
    };
    let e = round(&forked, &witness, 1_800_000_300).await.unwrap_err();
    assert!(matches!(e, SyncError::Invalid(..)), "{e}");
    assert!(e.to_string().contains("split view"), "{e}");
    // A longer fork that does not extend the mirrored history: refused too.
    let (long_url, _) = serve_log(&dir.path().join("f2").tap_mkdir(), "usa", 1_600, "G").await;
    let e = round(
        &Peer {
            url: long_url,
            ..peer.clone()
        },
        &witness,
        1_800_000_400,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("do not rebuild"), "{e}");
    // The copy is as it was, and both alarms carry two notes that verify with USA's key.
    assert_eq!(
        Log::open_read_only(&peer.mirror).unwrap().size().unwrap(),
        1_503
    );
    let alarms = witness.lock().unwrap().alarms().unwrap();
    assert_eq!(alarms.len(), 2);
    for a in &alarms {
        let held = verify_checkpoint(a.cosigned.as_bytes(), &usa_key().verifier()).unwrap();
        let shown = verify_checkpoint(a.presented.as_bytes(), &usa_key().verifier()).unwrap();
        assert_eq!(held.size, 1_503);
        assert_ne!(held.root, shown.root);
    }
    // The honest node still syncs.
    assert!(round(&peer, &witness, 1_800_000_500).await.is_ok());
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
