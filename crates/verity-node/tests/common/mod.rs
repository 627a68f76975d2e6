//! Shared by the node's sync and red-team tests: a served USA log with tagged entries, an
//! observer's witness, and a sync round run off the test's runtime.

#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use std::path::Path;
use std::sync::{Arc, Mutex};
use verity_log::{Declaration, EntryBody, Log, Notification, PartyKey};
use verity_node::sync::{Peer, SyncError, SyncReport, sync_once};
use verity_node::{Node, NodeConfig, Witness};
use verity_treaty::model::EventKind;

pub(crate) fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// One round, off the test's runtime (the client blocks).
pub(crate) async fn round(
    peer: &Peer,
    witness: &Arc<Mutex<Witness>>,
    now: u64,
) -> Result<SyncReport, SyncError> {
    let (peer, witness) = (peer.clone(), witness.clone());
    tokio::task::spawn_blocking(move || sync_once(&peer, Some(&witness), now))
        .await
        .unwrap()
}

pub(crate) fn notification(i: u64, tag: &str) -> EntryBody {
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

pub(crate) fn usa_key() -> PartyKey {
    PartyKey::from_seed("verity.log/USA", [1; 32]).unwrap()
}

/// A USA log at `db` with `n` entries tagged `tag`, served on a fresh port.
pub(crate) async fn serve_log(
    dir: &Path,
    name: &str,
    n: u64,
    tag: &str,
) -> (String, std::path::PathBuf) {
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
            treaty_digest: None,
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

pub(crate) fn observer(dir: &Path) -> Arc<Mutex<Witness>> {
    let w = Witness::open(
        &dir.join("observer-witness.db"),
        "witness.verity/OBS",
        SigningKey::from_bytes(&[7; 32]),
    )
    .unwrap();
    w.add_log(&usa_key().verifier()).unwrap();
    Arc::new(Mutex::new(w))
}

pub(crate) trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
