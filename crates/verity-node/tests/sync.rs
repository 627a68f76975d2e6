//! Peer sync over HTTP on 127.0.0.1: an observer mirrors a party's log, the copy audits clean
//! with the party's key, its witness cosigns each new checkpoint with a consistency proof from
//! the last; a fork served under the same key (same size with another root, or a longer
//! history that does not extend the mirrored one) is refused, the copy is left as it was, and
//! the alarm keeps both signed notes.

mod common;

use common::{TapMkdir, notification, observer, round, serve_log, usa_key};
use verity_log::{Log, audit, verify_checkpoint};
use verity_node::sync::{Peer, RoundLimits, SyncError, sync_within};

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
    assert!(e.to_string().contains("does not extend"), "{e}");
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

/// A round takes at most its limit of entries; what it verified is kept, the copy shows only
/// what a checkpoint covers (so it audits clean mid-way), and the witness cosigns only once
/// the copy reaches the peer's checkpoint.
#[tokio::test]
async fn a_large_log_is_caught_up_over_bounded_rounds() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = serve_log(dir.path(), "usa", 1_500, "U").await;
    let witness = observer(dir.path());
    let peer = Peer {
        url,
        party: "USA".into(),
        key: usa_key().verifier(),
        mirror: dir.path().join("mirror-usa.db"),
    };
    let limits = RoundLimits {
        entries: 600,
        ..RoundLimits::default()
    };
    let bounded = |now: u64| {
        let (peer, witness) = (peer.clone(), witness.clone());
        tokio::task::spawn_blocking(move || sync_within(&peer, Some(&witness), now, &limits))
    };
    let r = bounded(1_800_000_000).await.unwrap().unwrap();
    assert_eq!((r.from, r.to, r.target), (0, 600, 1_500));
    assert!(r.cosignature.is_none());
    let report = audit(&peer.mirror, &usa_key().verifier(), &|_, _| {}).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems.first());
    assert_eq!(
        report.entries, 0,
        "no checkpoint of the copy covers the 600 yet"
    );
    let r = bounded(1_800_000_100).await.unwrap().unwrap();
    assert_eq!((r.from, r.to), (600, 1_200));
    let r = bounded(1_800_000_200).await.unwrap().unwrap();
    assert_eq!((r.from, r.to), (1_200, 1_500));
    assert!(r.cosignature.is_some());
    let report = audit(&peer.mirror, &usa_key().verifier(), &|_, _| {}).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems.first());
    assert_eq!((report.entries, report.checkpoints), (1_500, 1));
}
