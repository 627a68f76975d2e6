//! `verity serve` as an operator runs it: `log init` writes the operator token (mode 0600);
//! the node prints its URL, serves the same checkpoint `log checkpoint` prints, refuses a write
//! without the token, accepts one with it, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const PASS: &str = "a long test passphrase";

fn verity(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_verity"))
        .current_dir(dir)
        .env("VERITY_PASSPHRASE", PASS)
        .env("VERITY_TODAY", "2027-02-05")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One HTTP/1.1 request; returns (status, body).
/// USA's keys in `keys/` and its empty log `usa.db` (with its operator token).
fn init_usa_log(dir: &std::path::Path) {
    verity(dir, &["keygen", "--party", "USA", "--out", "keys"]);
    verity(
        dir,
        &[
            "log", "init", "--party", "USA", "--key", "keys", "--db", "usa.db",
        ],
    );
}

fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status: u16 = text[9..12].parse().unwrap();
    let at = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut body = out[at..].to_vec();
    if text
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        // Chunked: keep the chunk payloads only.
        let mut plain = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16)
                .unwrap();
            if n == 0 {
                break;
            }
            plain.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
            rest = &rest[nl + 2 + n + 2..];
        }
        body = plain;
    }
    (status, body)
}

#[test]
fn serve_prints_its_url_serves_the_log_guards_writes_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init_usa_log(dir);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("usa.db.token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::write(
        dir.join("inv.csv"),
        "uid,class,type,site,status,warheads\nU1,icbm,Minuteman III,BASE,deployed,1\n",
    )
    .unwrap();
    verity(
        dir,
        &[
            "declare",
            "--db",
            "usa.db",
            "--inventory",
            "inv.csv",
            "--treaty",
            "new-start",
            "--as-of",
            "2027-02-05",
            "--clear-aggregates",
        ],
    );
    let checkpoint = verity(dir, &["log", "checkpoint", "--db", "usa.db"]);

    let mut node = Command::new(env!("CARGO_BIN_EXE_verity"))
        .current_dir(dir)
        .env("VERITY_TODAY", "2027-02-06")
        .args(["serve", "--db", "usa.db", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(node.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{url}"
    );
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();

    let (status, body) = http(&addr, "GET", "/checkpoint", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        checkpoint.trim_end().to_string() + "\n"
    );

    let entry = br#"{"kind":"notification","body":{"declaration":0,"event":"eliminated","event_date":"2027-02-06","uid":"U1","old":{"uid":"U1","class":"icbm","type":"Minuteman III","site":"BASE","status":"deployed","warheads":1}}}"#;
    let (status, _) = http(&addr, "POST", "/append", &[], entry);
    assert_eq!(status, 401);
    let token = std::fs::read_to_string(dir.join("usa.db.token")).unwrap();
    let bearer = format!("Bearer {}", token.trim());
    let (status, body) = http(
        &addr,
        "POST",
        "/append",
        &[("authorization", &bearer)],
        entry,
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));

    // The dashboard judges the treaty the log's declaration names, on the node's date.
    let (status, body) = http(&addr, "GET", "/ui/treaty", &[], b"");
    assert_eq!(status, 200);
    let page = String::from_utf8(body).unwrap();
    assert!(
        page.contains("judging new-start on 2027-02-06 (fixed date)"),
        "{page}"
    );
    assert!(page.contains("<h1>New START</h1>"), "{page}");
    // Russia's recorded position on the US conversions is on the treaty page; the US figure of
    // 2027 falls after expiry, so nothing is judged under it.
    assert!(
        page.contains("Disputed accounting") && page.contains("RUS about USA"),
        "{page}"
    );
    assert!(
        page.contains("No declaration of a party a position is about has been judged yet."),
        "{page}"
    );

    // SIGTERM: a graceful stop, exit status 0.
    let pid = node.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(s) = node.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the node did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    // The append is durable: the log audits clean with two entries.
    let audit = verity(
        dir,
        &["audit", "--db", "usa.db", "--key", "keys/usa.pub", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(
        (
            v["entries"].as_u64(),
            v["problems"].as_array().map(Vec::len)
        ),
        (Some(2), Some(0))
    );
}

/// A dashboard treaty Verity does not know is a usage error before anything starts.
#[test]
fn serve_refuses_an_unknown_dashboard_treaty() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init_usa_log(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_verity"))
        .current_dir(dir)
        .args([
            "serve",
            "--db",
            "usa.db",
            "--listen",
            "127.0.0.1:0",
            "--treaty",
            "start-iv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--treaty start-iv"), "{stderr}");
}

fn spawn_node(dir: &std::path::Path, db: &str, extra: &[&str]) -> (std::process::Child, String) {
    let mut args = vec!["serve", "--db", db, "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = Command::new(env!("CARGO_BIN_EXE_verity"))
        .current_dir(dir)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    (child, addr)
}

fn mirrored(addr: &str) -> u64 {
    let (status, body) = http(addr, "GET", "/peers", &[], b"");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v[0]["mirrored"].as_u64().unwrap_or(0)
}

#[test]
fn an_observer_killed_during_sync_catches_up_with_nothing_lost_or_duplicated() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The United States' log: a declaration and 4,999 notifications.
    let key = verity_log::PartyKey::from_seed("verity.log/USA", [1; 32]).unwrap();
    let (key_path, pub_path) = key.write(dir, "usa").unwrap();
    let mut log = verity_log::Log::init(&dir.join("usa.db"), "USA", &key, &key_path).unwrap();
    let decl = verity_log::EntryBody::Declaration(verity_log::Declaration {
        treaty: "new-start".into(),
        as_of: chrono::NaiveDate::from_ymd_opt(2027, 2, 5).unwrap(),
        root: verity_escrow::Digest([1; 32]),
        sites: None,
        aggregates: None,
        hidden_totals: None,
        empty_facilities: Vec::new(),
        treaty_digest: None,
    });
    log.append(&key, vec![decl]).unwrap();
    for chunk in 0..5 {
        let bodies = (0..1000)
            .filter(|i| chunk * 1000 + i > 0)
            .map(|i| {
                let uid = format!("U{}", chunk * 1000 + i);
                verity_log::EntryBody::Notification(verity_log::Notification {
                    declaration: 0,
                    event: verity_treaty::model::EventKind::Eliminated,
                    event_date: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
                    uid: uid.clone(),
                    old: Some(verity_escrow::ItemRecord {
                        uid,
                        class: "icbm".into(),
                        item_type: "ICBM".into(),
                        site: "BASE".into(),
                        status: "deployed".into(),
                        warheads: 1,
                    }),
                    new: None,
                })
            })
            .collect();
        log.append(&key, bodies).unwrap();
    }
    drop(log);
    // The observer: a Russian node following the American one.
    verity(dir, &["keygen", "--party", "RUS", "--out", "keys"]);
    verity(
        dir,
        &[
            "log", "init", "--party", "RUS", "--key", "keys", "--db", "rus.db",
        ],
    );
    let (mut usa, usa_addr) = spawn_node(dir, "usa.db", &[]);
    let vkey = std::fs::read_to_string(&pub_path).unwrap();
    std::fs::write(
        dir.join("peers.txt"),
        format!("http://{usa_addr} USA {}\n", vkey.trim()),
    )
    .unwrap();
    let (mut rus, _) = spawn_node(
        dir,
        "rus.db",
        &["--peers", "peers.txt", "--sync-every", "1"],
    );
    // Kill it as soon as its copy of the American log appears.
    let mirror = dir.join("rus.db.peers").join("usa.db");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !mirror.exists() {
        assert!(std::time::Instant::now() < deadline, "sync never started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    rus.kill().unwrap();
    rus.wait().unwrap();
    // Restarted, it resumes where its copy ends.
    let (mut rus, rus_addr) = spawn_node(
        dir,
        "rus.db",
        &["--peers", "peers.txt", "--sync-every", "1"],
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while mirrored(&rus_addr) < 5000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the observer did not catch up"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, body) = http(&rus_addr, "GET", "/witness", &[], b"");
    assert_eq!(status, 200);
    let view: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(view["logs"][0]["size"], 5000);
    assert!(view["alarms"].as_array().unwrap().is_empty());
    for child in [&mut rus, &mut usa] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // The copy audits clean against USA's key: every entry once, in order.
    let audit = verity(
        dir,
        &[
            "audit",
            "--db",
            "rus.db.peers/usa.db",
            "--key",
            "usa.pub",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(v["entries"], 5000);
    assert_eq!(v["signatures"], 5000);
    assert!(v["problems"].as_array().unwrap().is_empty(), "{audit}");
}

#[test]
fn bench_serve_reports_its_measurements() {
    let tmp = tempfile::tempdir().unwrap();
    let out = verity(
        tmp.path(),
        &[
            "bench",
            "serve",
            "--seconds",
            "1",
            "--clients",
            "4",
            "--entries",
            "3000",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let acknowledged = v["appends_acknowledged"].as_u64().unwrap();
    assert!(acknowledged > 0);
    assert!(v["checkpoints_after_appends"].as_u64().unwrap() <= acknowledged + 1);
    for k in [
        "appends_per_second",
        "checkpoint_reads_per_second",
        "proof_from_storage_microseconds",
        "proofs_served_per_second",
    ] {
        assert!(v[k].as_f64().unwrap() > 0.0, "{k}");
    }
    assert_eq!(v["log_entries"], 3000);
}
