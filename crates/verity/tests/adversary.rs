//! The red team, through Verity's own binary and routes: each test plays one attack as a
//! cheating party, a lying peer or an anonymous client would, and holds the outcome the threat
//! model promises (docs/threat-model.md): a finding against the cheater with evidence, an
//! error with exit 2 or a 4xx, a node that stays small and keeps answering, and nothing lost
//! or changed for the honest parties. Each was written first against the code before the
//! defence and failed there.

mod common;

use common::{PASS, day, new_start_inventory, ok, run, serve};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use verity_escrow::{Digest, PrivateStore, Salt, SealedDeclaration, SiteCountOpening};
use verity_log::{Declaration, Disclosure, EntryBody, Log, PartyKey};
use verity_treaty::model::DisclosureLevel;

/// A party's key, log and private store in `dir` (CLI), declared under `treaty` from `csv`.
fn party(dir: &Path, code: &str, treaty: &str, csv: &str, as_of: &str, extra: &[&str]) {
    let low = code.to_lowercase();
    ok(dir, as_of, &["keygen", "--party", code, "--out", "keys"]);
    let db = format!("{low}.db");
    ok(
        dir,
        as_of,
        &["log", "init", "--party", code, "--key", "keys", "--db", &db],
    );
    let path = format!("{low}.csv");
    std::fs::write(dir.join(&path), csv).unwrap();
    let mut args = vec![
        "declare",
        "--db",
        &db,
        "--inventory",
        &path,
        "--treaty",
        treaty,
        "--as-of",
        as_of,
    ];
    args.extend_from_slice(extra);
    ok(dir, as_of, &args);
}

/// The United States and Russia, each declared under New START on 1 March 2019.
fn new_start_parties(dir: &Path) {
    for p in ["USA", "RUS"] {
        party(
            dir,
            p,
            "new-start",
            &new_start_inventory(p),
            "2019-03-01",
            &["--clear-aggregates"],
        );
    }
}

/// Appends `body` to the log at `db` as its party would: signed with its own key, on `on`.
fn append_as_party(dir: &Path, code: &str, on: &str, body: EntryBody) -> u64 {
    let low = code.to_lowercase();
    let key = PartyKey::load(&dir.join(format!("keys/{low}.key"))).unwrap();
    let mut log = Log::open(&dir.join(format!("{low}.db"))).unwrap();
    log.append_on(&key, day(on), vec![body]).unwrap()[0]
}

/// The party's sealed declaration, from its private store.
fn sealed(dir: &Path, code: &str, root: &Digest) -> SealedDeclaration {
    let store = PrivateStore::open(
        &dir.join(format!("{}.db.private", code.to_lowercase())),
        PASS.as_bytes(),
    )
    .unwrap();
    SealedDeclaration::from_private_json(&store.get(root).unwrap(), root).unwrap()
}

fn declaration_root(dir: &Path, code: &str) -> Digest {
    let log = Log::open_read_only(&dir.join(format!("{}.db", code.to_lowercase()))).unwrap();
    match log.declaration(None).unwrap().1.statement.entry {
        EntryBody::Declaration(Declaration { root, .. }) => root,
        _ => unreachable!("a declaration"),
    }
}

/// A GET with a deadline: (status, body), or `None` when it did not answer in time.
fn get(url: &str, within: Duration) -> Option<(u16, Vec<u8>)> {
    let client = reqwest::blocking::Client::builder()
        .timeout(within)
        .build()
        .unwrap();
    let r = client.get(url).send().ok()?;
    let status = r.status().as_u16();
    Some((status, r.bytes().ok()?.to_vec()))
}

/// `verity compliance --json` over `parties`' logs in `dir` on `on`, which must find a
/// violation (exit 1); its findings as (party, rule, evidence indexes).
fn compliance(
    dir: &Path,
    on: &str,
    parties: &[&str],
    treaty: &str,
    extra: &[&str],
) -> Vec<(String, String, Vec<u64>)> {
    let logs: Vec<String> = parties
        .iter()
        .map(|p| format!("{}.db", p.to_lowercase()))
        .collect();
    let keys: Vec<String> = parties
        .iter()
        .map(|p| format!("keys/{}.pub", p.to_lowercase()))
        .collect();
    let mut args = vec!["compliance", "--logs"];
    args.extend(logs.iter().map(String::as_str));
    args.push("--keys");
    args.extend(keys.iter().map(String::as_str));
    args.extend(["--treaty", treaty, "--on", on, "--json"]);
    args.extend(extra);
    let (code, out, err) = run(dir, on, &args);
    assert_eq!(code, 1, "{err}");
    findings(&serde_json::from_str(&out).unwrap())
}

fn findings(report: &Value) -> Vec<(String, String, Vec<u64>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["party"].as_str().unwrap_or_default().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["index"].as_u64().unwrap())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn one_oversized_entry_silences_no_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    new_start_parties(dir);
    // An honest party's own finding, to see that the view still reaches it: a late notice.
    ok(
        dir,
        "2019-03-20",
        &[
            "notify",
            "--db",
            "usa.db",
            "--event",
            "eliminated",
            "--uid",
            "USA-I0",
            "--event-date",
            "2019-03-10",
        ],
    );
    // Russia signs into its own log a stage-2 disclosure whose site name is 70,000 bytes.
    let root = declaration_root(dir, "RUS");
    let opening = SiteCountOpening {
        site: "A".repeat(70_000),
        items: 3,
        slots: 3,
        salt: Salt([7; 32]),
        items_root: Digest([8; 32]),
        index: 0,
        sites: 2,
        proof: vec![Digest([9; 32])],
        counts: Default::default(),
    };
    let bad = append_as_party(
        dir,
        "RUS",
        "2019-03-21",
        EntryBody::Disclosure(Disclosure {
            declaration: 0,
            root,
            stage: 2,
            level: DisclosureLevel::SiteItemCounts,
            sites: vec![],
            site_counts: vec![opening],
            site_items: vec![],
            dummy_sites: vec![],
            totals: None,
        }),
    );
    // The audit names the entry (exit 1, not a crash).
    let (code, out, err) = run(
        dir,
        "2019-04-01",
        &["audit", "--db", "rus.db", "--key", "keys/rus.pub"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(&format!("entry {bad}")), "{out}");
    // The compliance view reports it against Russia and every other finding still.
    let found = compliance(dir, "2019-04-01", &["USA", "RUS"], "new-start", &[]);
    assert!(
        found
            .iter()
            .any(|(p, r, ev)| p == "RUS" && r == "disclosure-invalid" && ev == &[bad]),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(p, r, _)| p == "USA" && r == "late-notification"),
        "{found:?}"
    );
    // Russia's node serves the view, with the finding, and keeps serving.
    let (_node, url) = serve(
        dir,
        &[
            "serve",
            "--db",
            "rus.db",
            "--listen",
            "127.0.0.1:0",
            "--treaty",
            "new-start",
        ],
    );
    let (status, body) = get(
        &format!("{url}/compliance?treaty=new-start&on=2019-04-01"),
        Duration::from_secs(30),
    )
    .expect("an answer");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let report: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        findings(&report)
            .iter()
            .any(|(p, r, _)| p == "RUS" && r == "disclosure-invalid")
    );
    let (status, _) = get(&format!("{url}/checkpoint"), Duration::from_secs(2)).unwrap();
    assert_eq!(status, 200);
}

fn china_csv() -> String {
    let mut text = String::from("uid,class,type,site,status,warheads\n");
    for i in 0..6 {
        text.push_str(&format!(
            "CN-ICBM-{i:03},icbm,DF-41,BASE-{},deployed,1\n",
            i % 2
        ));
    }
    for i in 0..20 {
        text.push_str(&format!(
            "CN-WC-{i:04},warhead_container,Container,STORE-{},non-deployed,4\n",
            i % 2
        ));
    }
    text
}

#[test]
fn a_stage_that_must_open_every_site_and_does_not_is_a_violation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    party(
        dir,
        "CHN",
        "trilateral-draft",
        &china_csv(),
        "2027-02-05",
        &[],
    );
    let root = declaration_root(dir, "CHN");
    let sealed = sealed(dir, "CHN", &root);
    // Stage 3 opens every site; China opens all but one, with every padding salt and its
    // committed totals, as if the stage were complete.
    let names: Vec<String> = sealed.sites().iter().map(|s| s.name.clone()).collect();
    let kept = &names[1..];
    let body = EntryBody::Disclosure(Disclosure {
        declaration: 0,
        root,
        stage: 3,
        level: DisclosureLevel::Items,
        sites: vec![],
        site_counts: vec![],
        site_items: kept.iter().map(|s| sealed.open_site(s).unwrap()).collect(),
        dummy_sites: sealed.padding_openings(),
        totals: sealed.totals_opening().cloned(),
    });
    let at = append_as_party(dir, "CHN", "2030-02-05", body);
    let (code, out, _) = run(
        dir,
        "2030-03-01",
        &["audit", "--db", "chn.db", "--key", "keys/chn.pub", "--json"],
    );
    assert_eq!(code, 1, "{out}");
    let audit: Value = serde_json::from_str(&out).unwrap();
    assert!(
        audit["problems"].as_array().unwrap().iter().any(
            |p| p["entry"] == at && p["message"].as_str().unwrap().contains("opens every site")
        ),
        "{audit:#}"
    );
    let found = compliance(dir, "2030-03-01", &["CHN"], "trilateral-draft", &[]);
    assert!(
        found
            .iter()
            .any(|(p, r, ev)| p == "CHN" && r == "disclosure-incomplete" && ev.contains(&at)),
        "{found:?}"
    );
    // The totals it revealed were never compared with its items: the view says so.
    assert!(
        found
            .iter()
            .any(|(p, r, _)| p == "CHN" && r == "totals-not-compared"),
        "{found:?}"
    );
}

/// Waits (at most `limit`) until `check` holds.
fn until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

fn write_peers(dir: &Path, lines: &[String]) -> PathBuf {
    let path = dir.join("peers.txt");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

fn pub_key(dir: &Path, code: &str) -> String {
    std::fs::read_to_string(dir.join(format!("keys/{}.pub", code.to_lowercase())))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn a_backdated_reveal_is_still_the_inspected_partys_violation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    new_start_parties(dir);
    let tr = ["--treaty", "new-start"];
    ok(
        dir,
        "2019-04-10",
        &[
            "inspect",
            "request",
            "--db",
            "usa.db",
            "--id",
            "B1",
            "--type",
            "type-one",
            "--inspected-log",
            "rus.db",
            tr[0],
            tr[1],
        ],
    );
    ok(
        dir,
        "2019-04-10",
        &["inspect", "commit-seed", "--db", "usa.db", "--id", "B1"],
    );
    ok(
        dir,
        "2019-04-10",
        &[
            "inspect",
            "commit-seed",
            "--db",
            "rus.db",
            "--id",
            "B1",
            "--request-log",
            "usa.db",
        ],
    );
    // Russia withholds past the deadline (12 April); the United States reveals alone.
    ok(
        dir,
        "2019-04-13",
        &[
            "inspect",
            "reveal-seed",
            "--db",
            "usa.db",
            "--id",
            "B1",
            "--other-log",
            "rus.db",
            tr[0],
            tr[1],
        ],
    );
    // Russia's node serves its log; the United States' node, on 13 April, witnesses it.
    let (_rus, rus_url) = serve(dir, &["serve", "--db", "rus.db", "--listen", "127.0.0.1:0"]);
    let peers = write_peers(dir, &[format!("{rus_url} RUS {}", pub_key(dir, "RUS"))]);
    let (_usa, usa_url) = serve(
        dir,
        &[
            "--today",
            "2019-04-13",
            "serve",
            "--db",
            "usa.db",
            "--listen",
            "127.0.0.1:0",
            "--peers",
            peers.to_str().unwrap(),
            "--sync-every",
            "1",
        ],
    );
    let rus_size = Log::open_read_only(&dir.join("rus.db"))
        .unwrap()
        .size()
        .unwrap();
    assert!(
        until(Duration::from_secs(30), || {
            get(&format!("{usa_url}/witness"), Duration::from_secs(2)).is_some_and(|(_, b)| {
                let v: Value = serde_json::from_slice(&b).unwrap_or_default();
                v["logs"].as_array().is_some_and(|l| {
                    l.iter()
                        .any(|x| x["origin"] == "verity.log/RUS" && x["size"] == rus_size)
                })
            })
        }),
        "the United States' witness cosigned Russia's log"
    );
    // Now Russia, having seen the fallback draw, reveals and sets its clock back to 11 April.
    ok(
        dir,
        "2019-04-11",
        &[
            "inspect",
            "reveal-seed",
            "--db",
            "rus.db",
            "--id",
            "B1",
            "--other-log",
            "usa.db",
            tr[0],
            tr[1],
        ],
    );
    let witness = dir.join("usa.db.witness.pub");
    let found = compliance(
        dir,
        "2019-04-20",
        &["USA", "RUS"],
        "new-start",
        &[
            "--witnesses",
            &usa_url,
            "--witness-keys",
            witness.to_str().unwrap(),
        ],
    );
    // The claim is contradicted by a cosigned checkpoint without the entry.
    assert!(
        found
            .iter()
            .any(|(p, r, _)| p == "RUS" && r == "backdated-entry"),
        "{found:?}"
    );
    // Judged on its witnessed time, the reveal came after the deadline: Russia withheld.
    assert!(
        found
            .iter()
            .any(|(p, r, _)| p == "RUS" && r == "seed-withheld"),
        "{found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|(p, r, _)| p == "USA" && r == "inspection-lapsed"),
        "{found:?}"
    );
}

/// A peer that lies: it signs a checkpoint of 10^12 entries and serves junk, fast and big.
fn lying_peer(key: PartyKey) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let note = verity_log::sign_checkpoint(&key, 1_000_000_000_000, [5; 32]).unwrap();
    let summary = serde_json::json!({
        "party": "RUS",
        "origin": key.name(),
        "verifier": key.verifier().text(),
        "size": 1_000_000_000_000u64,
        "today": "2019-04-10",
    })
    .to_string();
    let junk = "QUFB".repeat(25_000);
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        let start = Instant::now();
        for stream in listener.incoming() {
            if start.elapsed() > Duration::from_secs(40) {
                break;
            }
            let Ok(mut s) = stream else { continue };
            let (note, summary, junk) = (note.clone(), summary.clone(), junk.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let body: Vec<u8> = if path.starts_with("/checkpoint") {
                    note
                } else if path.starts_with("/entries") {
                    // Every page asked for, full of 100 kB "entries" numbered in place.
                    let param = |name: &str| {
                        path.split(['?', '&'])
                            .find_map(|kv| kv.strip_prefix(name))
                            .and_then(|v| v.parse::<u64>().ok())
                            .unwrap_or(0)
                    };
                    let (from, to) = (param("from="), param("to="));
                    let mut page = b"[".to_vec();
                    for index in from..to.min(from + 1000) {
                        if index > from {
                            page.push(b',');
                        }
                        page.extend_from_slice(
                            format!(
                                "{{\"index\":{index},\"kind\":\"declaration\",\"leaf\":\"{junk}\"}}"
                            )
                            .as_bytes(),
                        );
                    }
                    page.push(b']');
                    page
                } else {
                    summary.into_bytes()
                };
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(&body);
            });
        }
    });
    (url, handle)
}

#[test]
fn a_lying_peer_costs_a_bounded_amount_and_stalls_no_other() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    new_start_parties(dir);
    party(
        dir,
        "CHN",
        "trilateral-draft",
        &china_csv(),
        "2027-02-05",
        &[],
    );
    // China's node is honest; "Russia's" is a liar that holds Russia's key.
    let (_chn, chn_url) = serve(dir, &["serve", "--db", "chn.db", "--listen", "127.0.0.1:0"]);
    let rus_key = PartyKey::load(&dir.join("keys/rus.key")).unwrap();
    let (liar_url, _liar) = lying_peer(rus_key);
    let peers = write_peers(
        dir,
        &[
            format!("{liar_url} RUS {}", pub_key(dir, "RUS")),
            format!("{chn_url} CHN {}", pub_key(dir, "CHN")),
        ],
    );
    let (usa, usa_url) = serve(
        dir,
        &[
            "serve",
            "--db",
            "usa.db",
            "--listen",
            "127.0.0.1:0",
            "--peers",
            peers.to_str().unwrap(),
            "--sync-every",
            "1",
        ],
    );
    let start = Instant::now();
    let mut peak = 0;
    let mut slow = Vec::new();
    while start.elapsed() < Duration::from_secs(20) {
        peak = peak.max(usa.rss_mb());
        let t = Instant::now();
        match get(&format!("{usa_url}/checkpoint"), Duration::from_secs(2)) {
            Some((200, _)) => {}
            other => slow.push(format!("{:?} after {:?}", other.map(|o| o.0), t.elapsed())),
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("peak resident memory {peak} MB");
    assert!(peak < 300, "the node grew to {peak} MB");
    assert!(
        slow.is_empty(),
        "/checkpoint did not answer in time: {slow:?}"
    );
    // The honest peer was mirrored all the same, and the liar's round failed by name.
    let (_, body) = get(&format!("{usa_url}/peers"), Duration::from_secs(2)).unwrap();
    let peers: Value = serde_json::from_slice(&body).unwrap();
    let row = |party: &str| {
        peers
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["party"] == party)
            .unwrap()
            .clone()
    };
    assert_eq!(row("CHN")["mirrored"], 1, "{peers:#}");
    assert!(row("RUS")["last_error"].is_string(), "{peers:#}");
}

#[test]
fn anonymous_clients_cannot_exhaust_a_node() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    party(
        dir,
        "USA",
        "new-start",
        &new_start_inventory("USA"),
        "2019-03-01",
        &["--clear-aggregates"],
    );
    // A log of 400 declarations, so the compliance view costs seconds to compute.
    {
        let key = PartyKey::load(&dir.join("keys/usa.key")).unwrap();
        let mut log = Log::open(&dir.join("usa.db")).unwrap();
        let bodies = (0..400)
            .map(|i| {
                EntryBody::Declaration(Declaration {
                    treaty: "new-start".into(),
                    as_of: day("2019-03-01"),
                    root: Digest([i as u8; 32]),
                    sites: Some(vec![Digest([i as u8; 32])]),
                    aggregates: None,
                    hidden_totals: None,
                    empty_facilities: Vec::new(),
                    treaty_digest: None,
                })
            })
            .collect();
        log.append_on(&key, day("2019-03-02"), bodies).unwrap();
    }
    let (node, url) = serve(
        dir,
        &[
            "serve",
            "--db",
            "usa.db",
            "--listen",
            "127.0.0.1:0",
            "--treaty",
            "new-start",
        ],
    );
    let addr = url.trim_start_matches("http://").to_string();
    // A hundred uploads of 16 MB without a token, each sent slowly.
    let mut uploads = Vec::new();
    for _ in 0..100 {
        let mut s = TcpStream::connect(&addr).unwrap();
        let _ = write!(
            s,
            "POST /declare HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 16000000\r\n\r\n"
        );
        uploads.push(s);
    }
    // And one request whose headers never finish.
    let mut half = TcpStream::connect(&addr).unwrap();
    let _ = write!(half, "GET /checkpoint HTTP/1.1\r\nhost: x\r\n");
    half.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let chunk = vec![b'x'; 64 * 1024];
    let start = Instant::now();
    let mut peak = 0;
    let mut slow = Vec::new();
    while start.elapsed() < Duration::from_secs(10) {
        for s in &mut uploads {
            let _ = s.write_all(&chunk);
        }
        peak = peak.max(node.rss_mb());
        match get(&format!("{url}/checkpoint"), Duration::from_secs(2)) {
            Some((200, _)) => {}
            other => slow.push(format!("{:?}", other.map(|o| o.0))),
        }
    }
    eprintln!("peak resident memory {peak} MB");
    assert!(peak < 300, "the node grew to {peak} MB");
    assert!(
        slow.is_empty(),
        "/checkpoint did not answer in time: {slow:?}"
    );
    // Every upload was refused (401) without the node reading its body.
    for s in &mut uploads {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut head = [0u8; 12];
        let n = s.read(&mut head).unwrap_or(0);
        assert_eq!(
            &head[..n.min(12)],
            b"HTTP/1.1 401",
            "an upload was not refused"
        );
    }
    // The half-sent request is dropped by the node, not kept open.
    let mut rest = Vec::new();
    let closed = half.read_to_end(&mut rest).is_ok();
    assert!(closed, "the half-sent request was kept open");
    // Eight views at once on a costly log: every one answers, none times out.
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let u = format!("{url}/compliance?treaty=new-start&on=2019-04-01");
            std::thread::spawn(move || get(&u, Duration::from_secs(60)).map(|(s, _)| s))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Some(200));
    }
}
