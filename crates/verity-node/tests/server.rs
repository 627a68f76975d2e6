//! The node over HTTP on 127.0.0.1 (a port the test picks): every read answer verifies
//! against the party's key; the write route refuses requests without the operator's token and
//! changes nothing; the witness route cosigns, answers a stale size with 409 and a split view
//! with 422 and an alarm; malformed, oversized and slow requests get a JSON 4xx and the node
//! keeps serving; the OpenAPI document describes every route.

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use verity_log::{
    EntryBody, Log, Notification, PartyKey, check_consistency, check_inclusion, leaf_hash,
    sign_checkpoint, verify_checkpoint,
};
use verity_node::{Node, NodeConfig, PeerSpec, ROUTES, WitnessKey};
use verity_treaty::model::EventKind;

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn notification(i: u64) -> EntryBody {
    EntryBody::Notification(Notification {
        declaration: 0,
        event: EventKind::Eliminated,
        event_date: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
        uid: format!("U{i}"),
        old: Some(verity_escrow::ItemRecord {
            uid: format!("U{i}"),
            class: "icbm".into(),
            item_type: "ICBM".into(),
            site: "BASE".into(),
            status: "deployed".into(),
            warheads: 1,
        }),
        new: None,
    })
}

/// The operator's token, written where the node reads it (mode 0600).
fn write_token(db: &std::path::Path) {
    let path = verity_node::token_path(db);
    std::fs::write(&path, format!("{TOKEN}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

struct Served {
    url: String,
    key: PartyKey,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn start() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let key = PartyKey::from_seed("verity.log/USA", [1; 32]).unwrap();
    let (key_path, _) = key.write(dir.path(), "usa").unwrap();
    let db = dir.path().join("usa.db");
    let mut log = Log::init(&db, "USA", &key, &key_path).unwrap();
    for i in 0..5 {
        log.append(&key, vec![notification(i)]).unwrap();
    }
    drop(log);
    write_token(&db);
    let rus = PartyKey::from_seed("verity.log/RUS", [2; 32]).unwrap();
    let config = NodeConfig {
        timeout: Duration::from_secs(1),
        dashboard: Some(verity_node::DashboardConfig {
            treaty: "new-start".into(),
            mode: verity_treaty::compliance::Mode::AsWritten,
        }),
        witness_key: WitnessKey::Given(Box::new(
            PartyKey::from_seed("witness.verity/USA", [8; 32]).unwrap(),
        )),
        peers: vec![PeerSpec {
            key: rus.verifier(),
            follow: None,
        }],
        ..NodeConfig::default()
    };
    let node = Node::open(&db, config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { node.serve(listener).await });
    Served {
        url,
        key,
        db,
        _dir: dir,
    }
}

fn hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| {
            BASE64_STANDARD
                .decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn read_answers_verify_against_the_party_key() {
    let n = start().await;
    let http = reqwest::Client::new();
    let note = http
        .get(format!("{}/checkpoint", n.url))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 200);
    let cp = verify_checkpoint(&note.bytes().await.unwrap(), &n.key.verifier()).unwrap();
    assert_eq!(cp.size, 5);
    let entries: Value = http
        .get(format!("{}/entries?from=0&to=5", n.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for e in entries.as_array().unwrap() {
        let index = e["index"].as_u64().unwrap();
        let leaf = BASE64_STANDARD.decode(e["leaf"].as_str().unwrap()).unwrap();
        let proof: Value = http
            .get(format!("{}/proof/inclusion?index={index}&size=5", n.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(check_inclusion(
            &hashes(&proof["proof"]),
            5,
            cp.root,
            index,
            leaf_hash(&leaf)
        ));
        let leaf_sig = verity_log::Leaf::parse(&leaf).unwrap();
        leaf_sig.verify(&n.key.verifier()).unwrap();
    }
    let proof: Value = http
        .get(format!("{}/proof/consistency?from=2&to=5", n.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let old_root = Log::open_read_only(&n.db).unwrap().root(2).unwrap();
    assert!(check_consistency(
        &hashes(&proof["proof"]),
        2,
        old_root,
        5,
        cp.root
    ));
    // The compliance view over what this node holds.
    let view: Value = http
        .get(format!(
            "{}/compliance?treaty=new-start&on=2027-03-02&as_if_in_force=true",
            n.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["treaty"], "new-start");
    assert_eq!(view["logs"][0]["party"], "USA");
    assert_eq!(view["logs"][0]["entries"], 5);
    let r = http
        .get(format!("{}/compliance?treaty=no-such&on=2027-03-02", n.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Out of range and malformed queries: JSON 400s.
    for q in [
        "entries?from=3&to=1",
        "entries?from=0&to=5000",
        "proof/inclusion?index=9&size=5",
        "entries?from=x&to=1",
    ] {
        let r = http.get(format!("{}/{q}", n.url)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{q}");
    }
}

#[tokio::test]
async fn the_write_route_needs_the_token_and_refusals_change_nothing() {
    let n = start().await;
    let http = reqwest::Client::new();
    let body = serde_json::to_vec(&notification(9)).unwrap();
    for auth in [None, Some("Bearer wrong"), Some("0123456789abcdef")] {
        let mut r = http.post(format!("{}/append", n.url)).body(body.clone());
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), 401);
        let e: Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains("bearer token"));
    }
    // Malformed and inconsistent bodies: 400; oversized: 413.
    let bearer = format!("Bearer {TOKEN}");
    for bad in [b"{not json".to_vec(), br#"{"kind":"notification","body":{"declaration":0,"event":"moved","event_date":"2027-01-01","uid":"X"}}"#.to_vec()] {
        let r = http.post(format!("{}/append", n.url)).header("authorization", &bearer).body(bad).send().await.unwrap();
        assert_eq!(r.status(), 400);
    }
    let r = http
        .post(format!("{}/append", n.url))
        .header("authorization", &bearer)
        .body(vec![b' '; 17 * 1024 * 1024 + 100_000])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(Log::open_read_only(&n.db).unwrap().size().unwrap(), 5);
    // With the token: appended, durable, and the returned checkpoint covers it.
    let r = http
        .post(format!("{}/append", n.url))
        .header("authorization", &bearer)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["index"], 5);
    let cp = verify_checkpoint(
        a["checkpoint"].as_str().unwrap().as_bytes(),
        &n.key.verifier(),
    )
    .unwrap();
    assert_eq!(cp.size, 6);
}

/// The typed write routes: each takes only its own step's body, needs the token, and a
/// refusal leaves the log as it was.
#[tokio::test]
async fn each_typed_write_route_takes_its_own_step_only() {
    let n = start().await;
    let http = reqwest::Client::new();
    let bearer = format!("Bearer {TOKEN}");
    let EntryBody::Notification(notice) = notification(7) else {
        unreachable!()
    };
    let notice = serde_json::to_vec(&notice).unwrap();
    // Without the token: 401 on every write route.
    for (method, path) in ROUTES
        .iter()
        .filter(|(m, p)| *m == "post" && *p != "/add-checkpoint")
    {
        assert_eq!(*method, "post");
        let r = http
            .post(format!("{}{path}", n.url))
            .body(notice.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    // A notification is not a declaration, an inspection request or a seed reveal.
    for path in [
        "/declare",
        "/disclose",
        "/inspection/request",
        "/inspection/seed-reveal",
        "/inspection/record",
    ] {
        let r = http
            .post(format!("{}{path}", n.url))
            .header("authorization", &bearer)
            .body(notice.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let e: Value = r.json().await.unwrap();
        assert!(
            e["error"].as_str().unwrap().starts_with("not a valid "),
            "{e}"
        );
    }
    assert_eq!(Log::open_read_only(&n.db).unwrap().size().unwrap(), 5);
    let r = http
        .post(format!("{}/notify", n.url))
        .header("authorization", &bearer)
        .body(notice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let log = Log::open_read_only(&n.db).unwrap();
    assert_eq!(log.size().unwrap(), 6);
    let leaf = verity_log::Leaf::parse(&log.entry(5).unwrap().leaf).unwrap();
    assert!(matches!(leaf.statement.entry, EntryBody::Notification(ref x) if x.uid == "U7"));
}

#[tokio::test]
async fn the_witness_cosigns_refuses_stale_sizes_and_catches_a_split_view() {
    let n = start().await;
    let http = reqwest::Client::new();
    let rus = PartyKey::from_seed("verity.log/RUS", [2; 32]).unwrap();
    let add = |old: u64, note: Vec<u8>| {
        let mut b = format!("old {old}\n\n").into_bytes();
        b.extend(note);
        http.post(format!("{}/add-checkpoint", n.url))
            .body(b)
            .send()
    };
    let first = sign_checkpoint(&rus, 3, [1; 32]).unwrap();
    let r = add(0, first.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let line = r.text().await.unwrap();
    assert!(line.starts_with("\u{2014} witness.verity/USA "), "{line}");
    let r = add(1, first).await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(r.text().await.unwrap(), "3\n");
    let fork = sign_checkpoint(&rus, 3, [2; 32]).unwrap();
    let r = add(3, fork).await.unwrap();
    assert_eq!(r.status(), 422);
    let view: Value = http
        .get(format!("{}/witness", n.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["alarms"].as_array().unwrap().len(), 1);
    assert!(
        view["alarms"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("split view")
    );
    assert_eq!(view["logs"][0]["size"], 3);
    // The time the witness keeps is the one inside its cosignature.
    let raw = BASE64_STANDARD
        .decode(line.trim_end().rsplit(' ').next().unwrap())
        .unwrap();
    let time = u64::from_be_bytes(raw[4..12].try_into().unwrap());
    assert_eq!(view["logs"][0]["cosigned_at"], time);
    let r = http
        .post(format!("{}/add-checkpoint", n.url))
        .body("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn slow_requests_time_out_and_the_node_keeps_serving() {
    let n = start().await;
    let addr = n.url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Headers promising a body that never comes.
    s.write_all(b"POST /add-checkpoint HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nold")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the node did not answer a stalled request in time"
    );
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let r = reqwest::get(format!("{}/checkpoint", n.url)).await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let n = start().await;
    let doc: Value = reqwest::get(format!("{}/openapi.json", n.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut described = Vec::new();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            described.push((method.clone(), path.clone()));
        }
    }
    described.sort();
    let mut routes: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    routes.sort();
    assert_eq!(described, routes);
    // Every listed route answers (not 404 or 405) on this node.
    for (m, p) in ROUTES {
        let url = format!("{}{}", n.url, p.replace("{party}", "USA"));
        let r = if m == "get" {
            reqwest::get(&url).await.unwrap()
        } else {
            reqwest::Client::new().post(&url).send().await.unwrap()
        };
        assert!(
            r.status() != 404 && r.status() != 405,
            "{m} {p}: {}",
            r.status()
        );
    }
}

#[tokio::test]
async fn concurrent_appends_are_group_committed_each_durable_once() {
    let n = start().await;
    let http = reqwest::Client::new();
    let bearer = format!("Bearer {TOKEN}");
    let mut tasks = Vec::new();
    for i in 0..200u64 {
        let (http, url, bearer) = (http.clone(), n.url.clone(), bearer.clone());
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(format!("{url}/append"))
                .header("authorization", bearer)
                .body(serde_json::to_vec(&notification(1000 + i)).unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            let v: Value = r.json().await.unwrap();
            v["index"].as_u64().unwrap()
        }));
    }
    let mut indexes = Vec::new();
    for t in tasks {
        indexes.push(t.await.unwrap());
    }
    indexes.sort_unstable();
    assert_eq!(
        indexes,
        (5..205).collect::<Vec<_>>(),
        "every append once, none lost"
    );
    let log = Log::open_read_only(&n.db).unwrap();
    let checkpoints = log.checkpoints().unwrap().len();
    assert!(
        checkpoints < 5 + 200,
        "{checkpoints} checkpoints: appends were not batched"
    );
    let report = verity_log::audit(&n.db, &n.key.verifier(), &|_, _| {}).unwrap();
    assert_eq!(report.entries, 205);
    assert_eq!(report.signatures, 205);
}

async fn get_json(http: &reqwest::Client, url: String) -> Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// The dashboard: a browser asking for `/` is sent to `/ui`, a program still gets JSON; the
/// log explorer shows each entry's signature state and the proof the node serves at
/// `/proof/inclusion`; a party the node holds no log of is a 404 page; the stylesheet and the
/// script are served by the node itself.
#[tokio::test]
async fn the_dashboard_serves_its_pages_and_the_same_proofs() {
    let n = start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(format!("{}/", n.url))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/ui");
    let summary = get_json(&http, format!("{}/", n.url)).await;
    assert_eq!(summary["party"], "USA");

    let page = http
        .get(format!("{}/ui/log/USA?proof=2", n.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
    let page = page.text().await.unwrap();
    assert_eq!(page.matches("<span class=\"ok\">valid</span>").count(), 5);
    assert!(page.contains("<script src=\"/ui/assets/proof.js\" defer>"));
    let proof = get_json(&http, format!("{}/proof/inclusion?index=2&size=5", n.url)).await;
    let served: Vec<&str> = proof["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        page.contains(&served.join("\n")),
        "the page carries the served proof"
    );
    let leaf = Log::open_read_only(&n.db).unwrap().entry(2).unwrap().leaf;
    assert!(page.contains(&BASE64_STANDARD.encode(leaf)));

    let r = http
        .get(format!("{}/ui/log/RUS", n.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("no log of party `RUS`"));
    let r = http
        .get(format!("{}/ui/log/USA?proof=99", n.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("entry 99 is not covered by the latest checkpoint (size 5)")
    );

    for (asset, kind) in [
        ("style.css", "text/css; charset=utf-8"),
        ("proof.js", "text/javascript; charset=utf-8"),
    ] {
        let r = http
            .get(format!("{}/ui/assets/{asset}", n.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], kind);
    }
    let overview = http
        .get(format!("{}/ui", n.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(overview.contains("<h2 id=\"treaties-h\">"));
    assert!(
        !overview.contains("http://") && !overview.contains("https://"),
        "nothing from elsewhere"
    );
}
