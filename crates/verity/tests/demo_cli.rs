//! `verity demo` end to end: three party nodes and an observer on loopback play a treaty year
//! of the trilateral draft over HTTP. The default cheat (Russia keeps 40 undeclared warheads
//! at a facility it registers as empty) is reported with evidence that verifies against the
//! parties' keys and nothing else is; an honest year reports nothing; the report is written.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use verity_log::{Log, VerifierKey, check_inclusion, leaf_hash, verify_checkpoint};

fn demo(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("verity")
        .unwrap()
        .current_dir(dir)
        .arg("demo")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn hash(hex_text: &str) -> [u8; 32] {
    hex_decode(hex_text).try_into().unwrap()
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Every evidence entry of every finding: the report's checkpoint of that log verifies with
/// the party's published key, the entry in the party's own store hashes to the leaf hash, and
/// the inclusion proof ties it to the checkpoint's root.
fn check_evidence(report: &Value, store: &Path) {
    for f in report["findings"].as_array().unwrap() {
        let evidence = f["evidence"].as_array().unwrap();
        assert!(!evidence.is_empty(), "{f}");
        for e in evidence {
            let party = e["party"].as_str().unwrap().to_lowercase();
            let key = VerifierKey::parse(
                std::fs::read_to_string(store.join(format!("{party}.pub")))
                    .unwrap()
                    .trim(),
            )
            .unwrap();
            let summary = report["logs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["party"] == e["party"])
                .unwrap();
            let cp = verify_checkpoint(summary["checkpoint"].as_str().unwrap().as_bytes(), &key)
                .unwrap();
            assert_eq!(cp.size, e["tree_size"].as_u64().unwrap());
            let index = e["index"].as_u64().unwrap();
            let leaf = Log::open_read_only(&store.join(format!("{party}.db")))
                .unwrap()
                .entry(index)
                .unwrap()
                .leaf;
            assert_eq!(hash(e["leaf_hash"].as_str().unwrap()), leaf_hash(&leaf));
            let proof: Vec<[u8; 32]> = e["proof"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| hash(h.as_str().unwrap()))
                .collect();
            assert!(
                check_inclusion(&proof, cp.size, cp.root, index, leaf_hash(&leaf)),
                "{party}#{index} does not verify"
            );
        }
    }
}

#[test]
fn the_default_year_catches_the_planted_cheat_with_evidence_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = demo(dir.path(), &["--json"]);
    assert_eq!(code, 1, "a violation found is exit 1: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let cheat = &v["cheat"];
    assert_eq!(cheat["party"], "RUS");
    assert_eq!(cheat["strategy"]["strategy"], "hide-at-undeclared-site");
    assert_eq!(cheat["undeclared_warheads"], 40);
    assert_eq!(cheat["undeclared_items"], 10);
    // Four facility checks of Russia a year, each of two of its four registered facilities.
    assert!((cheat["probability_exact"].as_f64().unwrap() - 0.9375).abs() < 1e-12);
    assert_eq!(cheat["caught"], true);
    assert_eq!(v["false_alarms"], 0);
    // The compliance report is the top level, with the run's facts beside it.
    let report = &v;
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(f["party"], "RUS", "{f}");
        assert_eq!(f["rule"], "item-undeclared", "{f}");
        assert_eq!(f["severity"], "violation", "{f}");
        assert!(f["subject"].as_str().unwrap().starts_with("HIDDEN-"), "{f}");
        assert!(
            f["inspection"].as_str().unwrap().contains("facility-check"),
            "{f}"
        );
    }
    // Each facility check of Russia that drew the hiding place reports all ten containers.
    let reaching = report["inspections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["inspected"] == "RUS"
                && i["inspection_type"] == "facility-check"
                && i["selection"]["sites"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["site"] == "RUS-FORMER-STORE-1")
        })
        .count();
    assert_eq!(findings.len(), 10 * reaching);
    // The full quotas, every inspection complete: 72 in the year.
    let inspections = report["inspections"].as_array().unwrap();
    assert_eq!(inspections.len(), 72);
    assert!(inspections.iter().all(|i| i["status"] == "complete"));
    // Limits proved with totals hidden; no count anywhere in the verdicts.
    for l in report["limits"].as_array().unwrap() {
        assert!(l["value"].is_null(), "{l}");
    }
    let store = dir.path().join("verity-demo");
    check_evidence(report, &store);
    // Every party's log is cosigned at its full size by both other parties and the observer,
    // and no witness raised an alarm.
    for n in v["nodes"].as_array().unwrap() {
        assert_eq!(n["alarms"], 0);
        if n["name"] == "observer" {
            continue;
        }
        let cosigners: Vec<&str> = n["cosigned_by"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c[1] == n["entries"])
            .map(|c| c[0].as_str().unwrap())
            .collect();
        assert_eq!(cosigners.len(), 3, "{n}");
        assert!(cosigners.contains(&"observer"));
    }
    let html = std::fs::read_to_string(store.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<strong>Caught.</strong>"));
    assert!(html.contains("93.8%"));
    // The cheater's detection curve, inline, with the draft's quota marked (10 + 8 + 2 by the
    // United States, 4 + 2 + 2 by China).
    assert!(html.contains("<figure id=\"detection\">"));
    assert!(
        html.contains("the draft&apos;s quota: 28 a year"),
        "SVG text is XML-escaped"
    );
    // The dashboard's views in the same file: the verdict, every finding, the figures (the
    // detection curve, two estimate charts, New START against its three limits).
    let violations = report["violations"].as_u64().unwrap();
    assert!(html.contains(&format!("{violations} violations</span>")));
    assert_eq!(
        html.matches("<td class=\"violation\">violation</td>")
            .count() as u64,
        violations
    );
    assert_eq!(html.matches("<svg ").count(), 6);
    for limit in ["Limit: 700", "Limit: 1,550", "Limit: 800"] {
        assert!(html.contains(limit), "{limit}");
    }
    assert!(html.contains("within limits (proved), totals hidden"));
    assert!(!html.contains("<script"), "the report needs no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "nothing loaded from elsewhere"
    );
}

/// Bad arguments are refused before anything runs (an honest year, which reports nothing, is
/// played twice by `tests/leak.rs`).
#[test]
fn bad_arguments_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "XXX:honest",
        "RUS",
        "RUS:bribe-the-inspectors",
        "FRA:hide-at-undeclared-site",
    ] {
        let (code, _, err) = demo(dir.path(), &["--cheat", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--cheat"), "{bad}: {err}");
    }
    for bad in ["CHN", "CHN:0", "CHN:many", "FRA:100"] {
        let (code, _, err) = demo(dir.path(), &["--warheads", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--warheads"), "{bad}: {err}");
    }
    // A directory that is not the demo's own is never emptied.
    let other = dir.path().join("mine");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("thesis.txt"), "keep me").unwrap();
    let (code, _, err) = demo(dir.path(), &["--dir", "mine"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a Verity demo directory"), "{err}");
    assert_eq!(
        std::fs::read_to_string(other.join("thesis.txt")).unwrap(),
        "keep me"
    );
}

/// China declares every item truly but commits 40 warheads fewer at its store than its
/// containers hold: its proofs verify, and every inspection that opens the store names it,
/// with the key the inspectors disclose so anyone can check; the others stay sealed.
#[test]
fn understated_committed_totals_are_caught_by_every_inspection_that_opens_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = demo(
        dir.path(),
        &["--cheat", "CHN:under-commit-totals", "--json"],
    );
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let cheat = &v["cheat"];
    assert_eq!(cheat["strategy"]["strategy"], "under-commit-totals");
    assert_eq!(cheat["strategy"]["k"], 40);
    assert_eq!(cheat["caught"], true);
    assert_eq!(v["false_alarms"], 0);
    // Four Type Two inspections of China a year, each drawn to its one store.
    assert_eq!(cheat["probability_exact"].as_f64().unwrap(), 1.0);
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.len() >= 4, "{findings:?}");
    for f in findings {
        assert_eq!(f["party"], "CHN", "{f}");
        assert_eq!(f["rule"], "site-count-mismatch", "{f}");
        // 40 warheads short at the store, whichever declaration the inspection opened (576
        // before China's notified move of one container to its base, 572 after).
        let m = f["message"].as_str().unwrap();
        let tail = m
            .split("site `CHN-STORE-0` committed `stored_warheads` as ")
            .nth(1)
            .unwrap_or_else(|| panic!("{m}"));
        let (committed, opened) = tail.split_once(" but its opened items count ").unwrap();
        let (committed, opened): (u64, u64) = (committed.parse().unwrap(), opened.parse().unwrap());
        assert_eq!(opened - committed, 40, "{m}");
        assert!(opened == 576 || opened == 572, "{m}");
        // The opening in China's log and the record that disclosed its key.
        let cited: Vec<&str> = f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["party"].as_str().unwrap())
            .collect();
        assert_eq!(cited.len(), 2, "{f}");
        assert_eq!(cited[0], "CHN");
        assert!(cited[1] == "USA" || cited[1] == "RUS", "{f}");
    }
    check_evidence(&v, &dir.path().join("verity-demo"));
    // Inspections of declared sites under hidden totals are sealed to the inspecting party;
    // only those with a finding show their selection.
    for i in v["inspections"].as_array().unwrap() {
        if i["inspection_type"] == "facility-check" {
            assert!(i["sealed_to"].is_null(), "{i}");
            continue;
        }
        assert_eq!(i["sealed_to"], i["inspecting"], "{i}");
        let flagged = findings.iter().any(|f| f["inspection"] == i["id"]);
        assert_eq!(i["disclosed"].as_bool().unwrap_or(false), flagged, "{i}");
        assert_eq!(i["selection"].is_object(), flagged, "{i}");
    }
}

/// `--serve`: after the year the nodes stay up, their URLs printed one per line (USA, RUS,
/// CHN, then the observer); what they serve verifies against the parties' keys, a write
/// without the token is refused and changes nothing, and SIGTERM stops them cleanly.
#[test]
fn serve_keeps_the_nodes_up_and_their_answers_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (child, urls) = common::serve_demo(dir.path(), &["--cheat", "none"]);
    let store = dir.path().join("verity-demo");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        for (url, party) in urls.iter().zip(["usa", "rus", "chn"]) {
            let key = VerifierKey::parse(
                std::fs::read_to_string(store.join(format!("{party}.pub")))
                    .unwrap()
                    .trim(),
            )
            .unwrap();
            let note = get(&http, format!("{url}checkpoint")).await;
            let cp = verify_checkpoint(&note, &key).unwrap();
            assert!(cp.size > 100, "{party}: {}", cp.size);
            let index = cp.size / 2;
            let proof: Value = serde_json::from_slice(
                &get(
                    &http,
                    format!("{url}proof/inclusion?index={index}&size={}", cp.size),
                )
                .await,
            )
            .unwrap();
            let leaf = Log::open_read_only(&store.join(format!("{party}.db")))
                .unwrap()
                .entry(index)
                .unwrap()
                .leaf;
            let hashes: Vec<[u8; 32]> = proof["proof"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    let b = base64_decode(h.as_str().unwrap());
                    b.try_into().unwrap()
                })
                .collect();
            assert!(check_inclusion(
                &hashes,
                cp.size,
                cp.root,
                index,
                leaf_hash(&leaf)
            ));
            // No token: refused, nothing appended.
            let r = http
                .post(format!("{url}notify"))
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
            let after =
                verify_checkpoint(&get(&http, format!("{url}checkpoint")).await, &key).unwrap();
            assert_eq!(after.size, cp.size);
        }
        // The observer follows all three parties.
        let peers: Value =
            serde_json::from_slice(&get(&http, format!("{}peers", urls[3])).await).unwrap();
        let followed: Vec<&str> = peers
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["party"].as_str().unwrap())
            .collect();
        assert_eq!(followed, ["USA", "RUS", "CHN"]);
    });
    assert_eq!(
        common::stop(child),
        Some(0),
        "an honest year, stopped by SIGTERM"
    );
}

async fn get(http: &reqwest::Client, url: String) -> Vec<u8> {
    http.get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::prelude::BASE64_STANDARD.decode(s).unwrap()
}
