//! Two parties on two machines, with Verity's own tools only: each party's node runs as a
//! `verity serve` process with its own directory (log, signing key, token), and each party's
//! operator works from another directory holding only its private store, a copy of its node's
//! token, and the other party's verifier key and URL. An inspection is played step by step
//! over HTTP; steps out of order and writes without the token are refused (exit 2, nothing
//! appended to either log); the compliance view read from the two URLs is the one read from
//! the two files; a URL whose log no given key names is refused.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

const PASS: &str = "a long test passphrase for two machines";
const DAY: &str = "2019-04-10";

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("verity")
        .unwrap()
        .current_dir(dir)
        .env("VERITY_TODAY", DAY)
        .env("VERITY_PASSPHRASE", PASS)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&ok(dir, &args)).unwrap()
}

/// A `verity serve` process, stopped (SIGTERM) when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, db: &str) -> Served {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("verity"))
        .current_dir(dir)
        .args([
            "--today",
            DAY,
            "serve",
            "--db",
            db,
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().trim_end_matches('/').to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Served { child, url }
}

/// The size of a party's log as its node reports it.
fn size(url: &str) -> u64 {
    verity_party::NodeClient::new(url)
        .unwrap()
        .summary()
        .unwrap()
        .size
}

/// A party: its node's machine and its operator's machine.
struct Side {
    code: &'static str,
    node_dir: PathBuf,
    user_dir: PathBuf,
    served: Served,
}

impl Side {
    /// The operator's flags for its own node.
    fn own(&self) -> Vec<String> {
        let low = self.code.to_lowercase();
        vec![
            "--node".into(),
            self.served.url.clone(),
            "--token-file".into(),
            format!("{low}.token"),
            "--private".into(),
            format!("{low}.private"),
        ]
    }

    fn ok(&self, args: &[&str], extra: &[String]) -> String {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(extra.iter().map(String::as_str));
        ok(&self.user_dir, &all)
    }

    fn run(&self, args: &[&str], extra: &[String]) -> (i32, String, String) {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(extra.iter().map(String::as_str));
        run(&self.user_dir, &all)
    }
}

/// Sets up one party: its node's directory (key, log, token), its operator's directory (the
/// private store moved out of the node's machine, a copy of the token), the node started.
fn side(root: &Path, code: &'static str) -> Side {
    let low = code.to_lowercase();
    let node_dir = root.join(format!("node-{low}"));
    let user_dir = root.join(format!("user-{low}"));
    std::fs::create_dir_all(&node_dir).unwrap();
    std::fs::create_dir_all(&user_dir).unwrap();
    ok(&node_dir, &["keygen", "--party", code, "--out", "keys"]);
    ok(
        &node_dir,
        &[
            "log",
            "init",
            "--party",
            code,
            "--key",
            "keys",
            "--db",
            &format!("{low}.db"),
        ],
    );
    std::fs::rename(
        node_dir.join(format!("{low}.db.private")),
        user_dir.join(format!("{low}.private")),
    )
    .unwrap();
    let token = user_dir.join(format!("{low}.token"));
    std::fs::copy(node_dir.join(format!("{low}.db.token")), &token).unwrap();
    std::fs::write(
        user_dir.join(format!("{low}.csv")),
        common::new_start_inventory(code),
    )
    .unwrap();
    let served = serve(&node_dir, &format!("{low}.db"));
    Side {
        code,
        node_dir,
        user_dir,
        served,
    }
}

/// Gives `to` the verifier key of `from` (a file copied from one machine to the other).
fn hand_key(from: &Side, to: &Side) {
    let low = from.code.to_lowercase();
    std::fs::copy(
        from.node_dir.join(format!("keys/{low}.pub")),
        to.user_dir.join(format!("{low}.pub")),
    )
    .unwrap();
}

#[test]
fn two_parties_on_two_nodes_play_an_inspection_with_verity_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let usa = side(tmp.path(), "USA");
    let rus = side(tmp.path(), "RUS");
    hand_key(&rus, &usa);
    hand_key(&usa, &rus);
    let (u, r) = (usa.served.url.clone(), rus.served.url.clone());
    let tr = ["--treaty", "new-start"];
    for s in [&usa, &rus] {
        let low = s.code.to_lowercase();
        s.ok(
            &[
                "declare",
                "--inventory",
                &format!("{low}.csv"),
                tr[0],
                tr[1],
                "--as-of",
                "2019-03-01",
                "--clear-aggregates",
            ],
            &s.own(),
        );
    }
    assert_eq!((size(&u), size(&r)), (1, 1));

    // A write without the operator's token is refused by the node: 401, exit 2, nothing added.
    std::fs::write(
        usa.user_dir.join("wrong.token"),
        format!("{}\n", "ab".repeat(32)),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            usa.user_dir.join("wrong.token"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    let (code, _, err) = usa.run(
        &[
            "notify",
            "--node",
            &u,
            "--token-file",
            "wrong.token",
            "--private",
            "usa.private",
            "--event",
            "eliminated",
            "--uid",
            "USA-I0",
            "--event-date",
            "2019-04-01",
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("401") && err.contains("bearer token"), "{err}");
    assert_eq!(size(&u), 1);

    // The inspection, each step from the operator's own machine.
    let req = json(
        &usa.user_dir,
        &[
            &["inspect", "request", "--id", "I1", "--type", "type-one"][..],
            &["--inspected-log", &r, "--keys", "rus.pub", tr[0], tr[1]],
            &usa.own().iter().map(String::as_str).collect::<Vec<_>>()[..],
        ]
        .concat(),
    );
    assert_eq!(req["number_in_quota_year"], "1");
    usa.ok(&["inspect", "commit-seed", "--id", "I1"], &usa.own());
    // RUS reveals before it commits: refused, nothing appended to either log.
    let (code, _, err) = rus.run(
        &[
            "inspect",
            "reveal-seed",
            "--id",
            "I1",
            "--other-log",
            &u,
            "--keys",
            "usa.pub",
            tr[0],
            tr[1],
        ],
        &rus.own(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("RUS never committed a seed"), "{err}");
    assert_eq!((size(&u), size(&r)), (3, 1));
    rus.ok(
        &[
            "inspect",
            "commit-seed",
            "--id",
            "I1",
            "--request-log",
            &u,
            "--keys",
            "usa.pub",
        ],
        &rus.own(),
    );
    // The inspecting party may not reveal before the inspected party.
    let (code, _, err) = usa.run(
        &[
            "inspect",
            "reveal-seed",
            "--id",
            "I1",
            "--other-log",
            &r,
            "--keys",
            "rus.pub",
            tr[0],
            tr[1],
        ],
        &usa.own(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("RUS has not revealed yet: the inspected party reveals first"),
        "{err}"
    );
    assert_eq!((size(&u), size(&r)), (3, 2));
    rus.ok(
        &[
            "inspect",
            "reveal-seed",
            "--id",
            "I1",
            "--other-log",
            &u,
            "--keys",
            "usa.pub",
            tr[0],
            tr[1],
        ],
        &rus.own(),
    );
    usa.ok(
        &[
            "inspect",
            "reveal-seed",
            "--id",
            "I1",
            "--other-log",
            &r,
            "--keys",
            "rus.pub",
            tr[0],
            tr[1],
        ],
        &usa.own(),
    );
    let select = |side: &Side, keys: [&str; 2]| {
        json(
            &side.user_dir,
            &[
                "inspect", "select", "--logs", &u, &r, "--keys", keys[0], keys[1], "--id", "I1",
                tr[0], tr[1],
            ],
        )
    };
    // Reading both logs over HTTP needs both keys.
    std::fs::copy(
        usa.node_dir.join("keys/usa.pub"),
        usa.user_dir.join("usa.pub"),
    )
    .unwrap();
    let pending = select(&usa, ["usa.pub", "rus.pub"]);
    assert_eq!(pending["status"], "awaiting-opening");
    assert_eq!(pending["seed"]["outcome"], "joint");
    rus.ok(
        &[
            "inspect",
            "open",
            "--id",
            "I1",
            "--request-log",
            &u,
            "--keys",
            "usa.pub",
            tr[0],
            tr[1],
        ],
        &rus.own(),
    );
    let sel = select(&usa, ["usa.pub", "rus.pub"]);
    assert_eq!(sel["status"], "awaiting-record");
    let site = sel["selection"]["sites"][0]["site"].as_str().unwrap();
    let designated: Vec<&str> = sel["selection"]["sites"][0]["designated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // The inspectors find exactly what is declared there.
    let mut found = String::from("site,uid,class,type,status,warheads\n");
    for line in common::new_start_inventory("RUS").lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[3] == site {
            let w = if designated.contains(&cells[0]) {
                cells[5]
            } else {
                ""
            };
            found.push_str(&format!(
                "{site},{},{},{},{},{w}\n",
                cells[0], cells[1], cells[2], cells[4]
            ));
        }
    }
    std::fs::write(usa.user_dir.join("found.csv"), found).unwrap();
    usa.ok(
        &[
            "inspect",
            "record",
            "--id",
            "I1",
            "--opening-log",
            &r,
            "--keys",
            "rus.pub",
            "--observations",
            "found.csv",
        ],
        &usa.own(),
    );
    // Recording twice is refused, and changes nothing.
    let (code, _, err) = usa.run(
        &[
            "inspect",
            "record",
            "--id",
            "I1",
            "--opening-log",
            &r,
            "--keys",
            "rus.pub",
            "--observations",
            "found.csv",
        ],
        &usa.own(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already recorded"), "{err}");
    assert_eq!((size(&u), size(&r)), (5, 4));
    let done = select(&usa, ["usa.pub", "rus.pub"]);
    assert_eq!(done["status"], "complete");

    // The compliance view from the two URLs is the one from the two files.
    let over = |logs: [&str; 2], keys: [&str; 2], dir: &Path| {
        let mut v = json(
            dir,
            &[
                "compliance",
                "--logs",
                logs[0],
                logs[1],
                "--keys",
                keys[0],
                keys[1],
                tr[0],
                tr[1],
                "--on",
                DAY,
            ],
        );
        for l in v["logs"].as_array_mut().unwrap() {
            l.as_object_mut().unwrap().remove("path");
        }
        v
    };
    let by_url = over([&u, &r], ["usa.pub", "rus.pub"], &usa.user_dir);
    let files = [usa.node_dir.join("usa.db"), rus.node_dir.join("rus.db")];
    let keys = [
        usa.node_dir.join("keys/usa.pub"),
        rus.node_dir.join("keys/rus.pub"),
    ];
    let by_file = over(
        [files[0].to_str().unwrap(), files[1].to_str().unwrap()],
        [keys[0].to_str().unwrap(), keys[1].to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(by_url, by_file);
    assert_eq!(by_url["violations"], 0, "{by_url:#}");
    assert_eq!(by_url["inspections"][0]["status"], "complete");
    assert!(
        by_url["logs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["key_source"] == "given")
    );

    // A node whose log no given key names cannot be read: exit 2.
    let (code, _, err) = run(
        &usa.user_dir,
        &[
            "compliance",
            "--logs",
            &u,
            "--keys",
            "rus.pub",
            tr[0],
            tr[1],
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no verifier key given with --keys is named `verity.log/USA`"),
        "{err}"
    );

    // The secrets stayed with the operators: no private store on either node's machine.
    for s in [&usa, &rus] {
        let low = s.code.to_lowercase();
        assert!(!s.node_dir.join(format!("{low}.db.private")).exists());
        let sealed = std::fs::read_dir(s.user_dir.join(format!("{low}.private")))
            .unwrap()
            .count();
        assert!(sealed >= 3, "store.json, a declaration and a seed");
    }
}
