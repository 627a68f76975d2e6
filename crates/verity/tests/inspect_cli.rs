//! The inspection flow and the compliance view through the command line, as a user runs them:
//! two parties under New START declare, notify (one late), run an inspection step by step
//! (request, seed commitments, reveals in order, selection, opening, record of what was found
//! against a truth that differs from the declaration), use up the yearly quota and have the
//! next request refused; `verity compliance` then reports exactly the planted findings, with
//! inclusion proofs that verify against the logs' checkpoints. Wrong steps are refused with
//! a clear error, exit 2, and the logs untouched.

mod common;

use common::{ok, run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn json(dir: &Path, today: &str, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&ok(dir, today, &args)).unwrap()
}

/// A small force: an ICBM base, a submarine base and a storage site.
fn force(p: &str) -> Vec<[String; 6]> {
    let mut rows = Vec::new();
    let row = |uid: String, class: &str, t: &str, site: &str, status: &str, w: u64| {
        [
            uid,
            class.to_string(),
            t.to_string(),
            format!("{p}-{site}"),
            status.to_string(),
            w.to_string(),
        ]
    };
    for k in 0..4 {
        rows.push(row(
            format!("{p}-I{k}"),
            "icbm",
            "Minuteman III",
            "ICBM-BASE",
            "deployed",
            1,
        ));
        rows.push(row(
            format!("{p}-M{k}"),
            "slbm",
            "Trident II D5",
            "SUB-BASE",
            "deployed",
            4,
        ));
    }
    rows.push(row(
        format!("{p}-L0"),
        "icbm_launcher",
        "Silo launcher",
        "ICBM-BASE",
        "non-deployed",
        0,
    ));
    for k in 0..3 {
        rows.push(row(
            format!("{p}-S{k}"),
            "icbm",
            "Minuteman III",
            "STORAGE",
            "non-deployed",
            0,
        ));
    }
    rows
}

fn write_csv(path: &Path, rows: &[[String; 6]]) {
    let mut text = String::from("uid,class,type,site,status,warheads\n");
    for r in rows {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn log_size(dir: &Path, db: &str) -> usize {
    json(dir, "2019-12-31", &["log", "entries", "--db", db])
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn an_inspection_step_by_step_and_the_compliance_view() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for p in ["USA", "RUS"] {
        let low = p.to_lowercase();
        ok(
            dir,
            "2019-03-01",
            &["keygen", "--party", p, "--out", "keys"],
        );
        ok(
            dir,
            "2019-03-01",
            &[
                "log",
                "init",
                "--party",
                p,
                "--key",
                "keys",
                "--db",
                &format!("{low}.db"),
            ],
        );
        write_csv(&dir.join(format!("{low}.csv")), &force(p));
        ok(
            dir,
            "2019-03-01",
            &[
                "declare",
                "--db",
                &format!("{low}.db"),
                "--inventory",
                &format!("{low}.csv"),
                "--treaty",
                "new-start",
                "--as-of",
                "2019-03-01",
                "--clear-aggregates",
            ],
        );
    }
    // Russia's truth: an undeclared missile at each base, and one SLBM with a fifth warhead.
    let mut truth = force("RUS");
    truth.push([
        "RUS-X1".into(),
        "icbm".into(),
        "Minuteman III".into(),
        "RUS-ICBM-BASE".into(),
        "deployed".into(),
        "1".into(),
    ]);
    truth.push([
        "RUS-X2".into(),
        "slbm".into(),
        "Trident II D5".into(),
        "RUS-SUB-BASE".into(),
        "deployed".into(),
        "4".into(),
    ]);
    truth.iter_mut().find(|r| r[0] == "RUS-M2").unwrap()[5] = "5".into();

    // Notifications: Russia moves a stored missile to its ICBM base on 20 March and notifies
    // on 1 April (due by 25 March); the United States eliminates one on 30 March, on time.
    let before = log_size(dir, "rus.db");
    let (code, _, err) = run(
        dir,
        "2019-04-01",
        &[
            "notify",
            "--db",
            "rus.db",
            "--event",
            "created",
            "--uid",
            "RUS-S0",
            "--event-date",
            "2019-03-20",
            "--class",
            "icbm",
            "--type",
            "X",
            "--site",
            "S",
            "--status",
            "deployed",
            "--warheads",
            "1",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("`RUS-S0` is already declared") && err.contains("cannot be declared twice"),
        "{err}"
    );
    let (code, _, err) = run(
        dir,
        "2019-04-01",
        &[
            "notify",
            "--db",
            "rus.db",
            "--event",
            "teleported",
            "--uid",
            "RUS-S0",
            "--event-date",
            "2019-03-20",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--event: expected created, moved"), "{err}");
    assert_eq!(
        log_size(dir, "rus.db"),
        before,
        "refused notifications leave the log as it was"
    );
    ok(
        dir,
        "2019-04-01",
        &[
            "notify",
            "--db",
            "rus.db",
            "--event",
            "moved",
            "--uid",
            "RUS-S0",
            "--site",
            "RUS-ICBM-BASE",
            "--event-date",
            "2019-03-20",
        ],
    );
    truth.iter_mut().find(|r| r[0] == "RUS-S0").unwrap()[3] = "RUS-ICBM-BASE".into();
    ok(
        dir,
        "2019-04-01",
        &[
            "notify",
            "--db",
            "usa.db",
            "--event",
            "eliminated",
            "--uid",
            "USA-S2",
            "--event-date",
            "2019-03-30",
        ],
    );

    // The inspection, step by step.
    let tr = ["--treaty", "new-start"];
    let req = json(
        dir,
        "2019-04-10",
        &[
            "inspect",
            "request",
            "--db",
            "usa.db",
            "--id",
            "I1",
            "--type",
            "type-one",
            "--inspected-log",
            "rus.db",
            tr[0],
            tr[1],
        ],
    );
    assert_eq!(req["number_in_quota_year"], "1");
    ok(
        dir,
        "2019-04-10",
        &["inspect", "commit-seed", "--db", "usa.db", "--id", "I1"],
    );
    // The inspected party cannot reveal before it commits, nor the inspecting party before
    // the inspected party reveals.
    let (code, _, err) = run(
        dir,
        "2019-04-10",
        &[
            "inspect",
            "reveal-seed",
            "--db",
            "usa.db",
            "--id",
            "I1",
            "--other-log",
            "rus.db",
            tr[0],
            tr[1],
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("RUS has not revealed yet: the inspected party reveals first"),
        "{err}"
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
            "I1",
            "--request-log",
            "usa.db",
        ],
    );
    ok(
        dir,
        "2019-04-11",
        &[
            "inspect",
            "reveal-seed",
            "--db",
            "rus.db",
            "--id",
            "I1",
            "--other-log",
            "usa.db",
            tr[0],
            tr[1],
        ],
    );
    ok(
        dir,
        "2019-04-11",
        &[
            "inspect",
            "reveal-seed",
            "--db",
            "usa.db",
            "--id",
            "I1",
            "--other-log",
            "rus.db",
            tr[0],
            tr[1],
        ],
    );
    let pending = json(
        dir,
        "2019-04-11",
        &[
            "inspect", "select", "--logs", "usa.db", "rus.db", "--id", "I1", tr[0], tr[1],
        ],
    );
    assert_eq!(pending["status"], "awaiting-opening");
    assert_eq!(pending["seed"]["outcome"], "joint");
    ok(
        dir,
        "2019-04-11",
        &[
            "inspect",
            "open",
            "--db",
            "rus.db",
            "--id",
            "I1",
            "--request-log",
            "usa.db",
            tr[0],
            tr[1],
        ],
    );
    let sel = json(
        dir,
        "2019-04-11",
        &[
            "inspect", "select", "--logs", "usa.db", "rus.db", "--id", "I1", tr[0], tr[1],
        ],
    );
    assert_eq!(sel["status"], "awaiting-record");
    let site = sel["selection"]["sites"][0]["site"]
        .as_str()
        .unwrap()
        .to_string();
    let designated: Vec<String> = sel["selection"]["sites"][0]["designated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(site == "RUS-ICBM-BASE" || site == "RUS-SUB-BASE", "{site}");
    assert_eq!(designated.len(), 1);

    // The inspectors record the truth at the selected site.
    let bad = dir.join("bad-observations.csv");
    std::fs::write(&bad, "site,uid,class,type,status,warheads\nRUS-ICBM-BASE,RUS-I0,icbm,Minuteman III,deployed,one\n").unwrap();
    let (code, _, err) = run(
        dir,
        "2019-04-12",
        &[
            "inspect",
            "record",
            "--db",
            "usa.db",
            "--id",
            "I1",
            "--opening-log",
            "rus.db",
            "--observations",
            "bad-observations.csv",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("bad-observations.csv:2 (column warheads): `one` is not a whole number"),
        "{err}"
    );
    let mut obs = String::from("site,uid,class,type,status,warheads\n");
    for r in truth.iter().filter(|r| r[3] == site) {
        let w = if designated.contains(&r[0]) {
            r[5].as_str()
        } else {
            ""
        };
        obs.push_str(&format!(
            "{},{},{},{},{},{w}\n",
            r[3], r[0], r[1], r[2], r[4]
        ));
    }
    std::fs::write(dir.join("observations.csv"), obs).unwrap();
    ok(
        dir,
        "2019-04-12",
        &[
            "inspect",
            "record",
            "--db",
            "usa.db",
            "--id",
            "I1",
            "--opening-log",
            "rus.db",
            "--observations",
            "observations.csv",
        ],
    );

    // The rest of the year's Type One quota (10), then one more: refused, log unchanged.
    for k in 2..=10 {
        let r = json(
            dir,
            "2019-04-20",
            &[
                "inspect",
                "request",
                "--db",
                "usa.db",
                "--id",
                &format!("I{k}"),
                "--type",
                "type-one",
                "--inspected-log",
                "rus.db",
                tr[0],
                tr[1],
            ],
        );
        assert_eq!(r["number_in_quota_year"], k.to_string());
    }
    let before = log_size(dir, "usa.db");
    let (code, _, err) = run(
        dir,
        "2019-04-20",
        &[
            "inspect",
            "request",
            "--db",
            "usa.db",
            "--id",
            "I11",
            "--type",
            "type-one",
            "--inspected-log",
            "rus.db",
            tr[0],
            tr[1],
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("request refused: over quota: USA has used all 10 `type-one` inspections of RUS for the quota year 2019-02-05 to 2020-02-05"),
        "{err}"
    );
    assert_eq!(log_size(dir, "usa.db"), before);
    // A Type Two request is a separate quota.
    ok(
        dir,
        "2019-04-20",
        &[
            "inspect",
            "request",
            "--db",
            "usa.db",
            "--id",
            "II1",
            "--type",
            "type-two",
            "--inspected-log",
            "rus.db",
            tr[0],
            tr[1],
        ],
    );

    // The compliance view: exactly the planted findings.
    let view_args = [
        "compliance",
        "--logs",
        "usa.db",
        "rus.db",
        "--keys",
        "keys/usa.pub",
        "keys/rus.pub",
        "--treaty",
        "new-start",
        "--on",
        "2019-04-20",
        "--json",
    ];
    let (code, out, err) = run(dir, "2019-12-31", &view_args);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let got: BTreeSet<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["party"].as_str().unwrap().to_string(),
                f["subject"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut want: BTreeSet<(String, String, String)> = BTreeSet::new();
    want.insert(("late-notification".into(), "RUS".into(), "RUS-S0".into()));
    if site == "RUS-ICBM-BASE" {
        want.insert(("item-undeclared".into(), "RUS".into(), "RUS-X1".into()));
    } else {
        want.insert(("item-undeclared".into(), "RUS".into(), "RUS-X2".into()));
        if designated == ["RUS-M2"] {
            want.insert(("item-mismatch".into(), "RUS".into(), "RUS-M2".into()));
        }
    }
    assert_eq!(got, want, "{out}");
    let late = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "late-notification")
        .unwrap();
    assert!(
        late["message"]
            .as_str()
            .unwrap()
            .contains("due within 5 days, by 2019-03-25; recorded on 2019-04-01, 7 days late"),
        "{late}"
    );
    // Every evidence proof verifies against the checkpoint in the report (here: with the
    // log's own `verify-opening`-independent path: `log prove` gives the same proof).
    for f in report["findings"].as_array().unwrap() {
        for e in f["evidence"].as_array().unwrap() {
            let db = if e["party"] == "USA" {
                "usa.db"
            } else {
                "rus.db"
            };
            let index = e["index"].as_u64().unwrap().to_string();
            let size = e["tree_size"].as_u64().unwrap().to_string();
            let proof = json(
                dir,
                "2019-12-31",
                &[
                    "log", "prove", "--db", db, "--index", &index, "--size", &size,
                ],
            );
            let hashes: Vec<String> = proof["proof"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| hex_of_b64(h.as_str().unwrap()))
                .collect();
            let listed: Vec<String> = e["proof"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_string())
                .collect();
            assert_eq!(hashes, listed, "{e}");
        }
    }
    let statuses: Vec<&str> = report["inspections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "complete").count(), 1);
    assert_eq!(
        statuses.iter().filter(|s| **s == "awaiting-seeds").count(),
        10
    );
    // The table for a person says the same.
    let (code, table, _) = run(dir, "2019-12-31", &view_args[..view_args.len() - 1]);
    assert_eq!(code, 1);
    assert!(
        table.contains("VIOLATION")
            && table.contains("late-notification")
            && table.contains("item-undeclared"),
        "{table}"
    );
}

fn hex_of_b64(s: &str) -> String {
    use base64::Engine;
    let raw = base64::prelude::BASE64_STANDARD.decode(s).unwrap();
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// Under the trilateral draft (totals hidden) an inspection's opening is sealed to the
/// inspecting party: `select` shows anyone that it is sealed and nothing of the sites, and
/// shows the United States, with its private store, the site and the designated items; the
/// clean record publishes its outcome only, and `compliance` lists the inspection as
/// "opened to USA; sealed" with no finding.
#[test]
fn a_sealed_inspection_through_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let tr = ["--treaty", "trilateral-draft"];
    let mut rows = Vec::new();
    for k in 0..3 {
        rows.push([
            format!("CHN-I{k}"),
            "icbm".into(),
            "DF-41".into(),
            "CHN-BASE".into(),
            "deployed".into(),
            "1".into(),
        ]);
    }
    for k in 0..20 {
        rows.push([
            format!("CHN-C{k:02}"),
            "warhead_container".into(),
            "Container".into(),
            "CHN-STORE".into(),
            "non-deployed".into(),
            "4".into(),
        ]);
    }
    for p in ["USA", "CHN"] {
        let low = p.to_lowercase();
        ok(
            dir,
            "2027-02-05",
            &["keygen", "--party", p, "--out", "keys"],
        );
        let db = format!("{low}.db");
        ok(
            dir,
            "2027-02-05",
            &["log", "init", "--party", p, "--key", "keys", "--db", &db],
        );
    }
    write_csv(&dir.join("chn.csv"), &rows);
    ok(
        dir,
        "2027-02-05",
        &[
            "declare",
            "--db",
            "chn.db",
            "--inventory",
            "chn.csv",
            tr[0],
            tr[1],
            "--as-of",
            "2027-02-05",
        ],
    );
    let step = |today: &str, args: &[&str]| {
        let mut a = args.to_vec();
        a.extend(tr);
        ok(dir, today, &a)
    };
    step(
        "2027-04-10",
        &[
            "inspect",
            "request",
            "--db",
            "usa.db",
            "--id",
            "S1",
            "--type",
            "type-two",
            "--inspected-log",
            "chn.db",
        ],
    );
    ok(
        dir,
        "2027-04-10",
        &["inspect", "commit-seed", "--db", "usa.db", "--id", "S1"],
    );
    ok(
        dir,
        "2027-04-10",
        &[
            "inspect",
            "commit-seed",
            "--db",
            "chn.db",
            "--id",
            "S1",
            "--request-log",
            "usa.db",
        ],
    );
    step(
        "2027-04-11",
        &[
            "inspect",
            "reveal-seed",
            "--db",
            "chn.db",
            "--id",
            "S1",
            "--other-log",
            "usa.db",
        ],
    );
    step(
        "2027-04-11",
        &[
            "inspect",
            "reveal-seed",
            "--db",
            "usa.db",
            "--id",
            "S1",
            "--other-log",
            "chn.db",
        ],
    );
    let opened = step(
        "2027-04-11",
        &[
            "inspect",
            "open",
            "--db",
            "chn.db",
            "--id",
            "S1",
            "--request-log",
            "usa.db",
        ],
    );
    assert!(opened.contains("sealed to USA"), "{opened}");
    assert!(
        opened.contains("CHN-STORE"),
        "China's operator sees its own site: {opened}"
    );

    // Anyone: sealed, no designation.
    let select = [
        "inspect", "select", "--logs", "usa.db", "chn.db", "--id", "S1",
    ];
    let public = step("2027-04-11", &select);
    assert!(public.contains("opened to USA; sealed"), "{public}");
    assert!(
        !public.contains("CHN-STORE") && !public.contains("CHN-C"),
        "{public}"
    );
    let mut with_key = select.to_vec();
    with_key.extend(["--private", "usa.db.private", "--json"]);
    let seen: Value = serde_json::from_str(&step("2027-04-11", &with_key)).unwrap();
    assert_eq!(seen["sealed_to"], "USA");
    let site = &seen["selection"]["sites"][0];
    assert_eq!(site["site"], "CHN-STORE");
    assert_eq!(site["eligible"], 20);
    let designated: Vec<&str> = site["designated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(designated.len(), 10);
    // China's secrets hold no key to this opening.
    let mut chn_key = select.to_vec();
    chn_key.extend([
        "--private",
        "chn.db.private",
        "--treaty",
        "trilateral-draft",
    ]);
    let (code, _, err) = run(dir, "2027-04-11", &chn_key);
    assert_eq!(code, 2, "{err}");

    // The United States records what it saw: clean, nothing of it published.
    let mut obs = String::from("site,uid,class,type,status,warheads\n");
    for r in rows.iter().filter(|r| r[3] == "CHN-STORE") {
        let w = if designated.contains(&r[0].as_str()) {
            "4"
        } else {
            ""
        };
        obs.push_str(&format!(
            "{},{},{},{},{},{w}\n",
            r[3], r[0], r[1], r[2], r[4]
        ));
    }
    std::fs::write(dir.join("observations.csv"), obs).unwrap();
    let recorded = ok(
        dir,
        "2027-04-12",
        &[
            "inspect",
            "record",
            "--db",
            "usa.db",
            "--id",
            "S1",
            "--opening-log",
            "chn.db",
            "--observations",
            "observations.csv",
        ],
    );
    assert!(
        recorded.contains("decrypted and checked, clean"),
        "{recorded}"
    );
    let (_, text, _) = run(
        dir,
        "2027-04-13",
        &["compliance", "--logs", "usa.db", "chn.db", tr[0], tr[1]],
    );
    assert!(text.contains("opened to USA; sealed"), "{text}");
    let (_, report, _) = run(
        dir,
        "2027-04-13",
        &[
            "compliance",
            "--logs",
            "usa.db",
            "chn.db",
            tr[0],
            tr[1],
            "--json",
        ],
    );
    let report: Value = serde_json::from_str(&report).unwrap();
    let insp = &report["inspections"][0];
    assert_eq!(
        (&insp["status"], &insp["sealed_to"]),
        (&"complete".into(), &"USA".into())
    );
    assert!(insp["selection"].is_null());
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["inspection"].is_null()),
        "{report}"
    );
    let published = std::fs::read(dir.join("chn.db")).unwrap();
    assert!(
        !published.windows(9).any(|w| w == b"CHN-STORE"),
        "no site name of China's in its log"
    );
}
