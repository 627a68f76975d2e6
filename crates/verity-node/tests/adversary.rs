//! The red team against peer sync: a peer that shows a checkpoint below what was mirrored is
//! either stale (its root at that size is the copy's: an error, nothing more) or a fork (another
//! root at that size: an alarm carrying both signed notes, the copy unchanged).

mod common;

use common::{TapMkdir, observer, round, serve_log, usa_key};
use verity_log::{Log, verify_checkpoint};
use verity_node::sync::Peer;

#[tokio::test]
async fn a_checkpoint_below_the_copy_with_another_root_is_an_alarm_with_both_notes() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = serve_log(dir.path(), "usa", 10, "U").await;
    let witness = observer(dir.path());
    let peer = Peer {
        url,
        party: "USA".into(),
        key: usa_key().verifier(),
        mirror: dir.path().join("mirror-usa.db"),
    };
    round(&peer, &witness, 1_800_000_000).await.unwrap();
    // The same log, served from an older copy: below the mirror, but the same history.
    let (stale_url, _) = serve_log(&dir.path().join("stale").tap_mkdir(), "usa", 6, "U").await;
    let e = round(
        &Peer {
            url: stale_url,
            ..peer.clone()
        },
        &witness,
        1_800_000_100,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("below the 10 entries"), "{e}");
    assert!(witness.lock().unwrap().alarms().unwrap().is_empty());
    // Another history of 6 entries under the same key: a fork, kept as an alarm.
    let (fork_url, _) = serve_log(&dir.path().join("fork").tap_mkdir(), "usa", 6, "F").await;
    let e = round(
        &Peer {
            url: fork_url,
            ..peer.clone()
        },
        &witness,
        1_800_000_200,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("below the 10 entries"), "{e}");
    let alarms = witness.lock().unwrap().alarms().unwrap();
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    let held = verify_checkpoint(alarms[0].cosigned.as_bytes(), &usa_key().verifier()).unwrap();
    let shown = verify_checkpoint(alarms[0].presented.as_bytes(), &usa_key().verifier()).unwrap();
    assert_eq!((held.size, shown.size), (10, 6));
    assert_eq!(
        Log::open_read_only(&peer.mirror).unwrap().size().unwrap(),
        10,
        "the copy is unchanged"
    );
}
