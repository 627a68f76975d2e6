//! The `verity` binary end to end: the commands and figures the foundation issue names, exit
//! codes (0 ok, 1 findings, 2 input error), and clear errors for broken inputs.

use assert_cmd::Command;
use serde_json::Value;

fn verity(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("verity")
        .unwrap()
        .env("VERITY_TODAY", "2026-11-27")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> Value {
    let (code, out, err) = verity(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn data(file: &str) -> String {
    format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn new_start_expired_295_days_before_2026_11_27() {
    let v = json(&[
        "treaty",
        "status",
        "new-start",
        "--on",
        "2026-11-27",
        "--json",
    ]);
    assert_eq!(v["treaty"], "new-start");
    assert_eq!(v["on"], "2026-11-27");
    assert_eq!(v["status"], "expired");
    assert_eq!(v["entry_into_force"], "2011-02-05");
    assert_eq!(v["expires"], "2026-02-05");
    assert_eq!(v["days_since_expiry"], 295);
    // Without --on, the clock (VERITY_TODAY here) decides.
    assert_eq!(
        json(&["treaty", "status", "new-start", "--json"])["days_since_expiry"],
        295
    );
    let (code, out, _) = verity(&["treaty", "status", "new-start", "--on", "2015-06-01"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("in-force") && out.contains("Obligations on 2015-06-01"),
        "{out}"
    );
}

/// `treaty status` tells the law and the practice: in June 2020 the inspections paused by both
/// parties; in June 2023 still in force in law, with Russia's exemption and suspension
/// (contested by the United States) and the United States' countermeasures, dated and sourced.
#[test]
fn treaty_status_tells_the_law_and_the_practice() {
    let (code, out, _) = verity(&["treaty", "status", "new-start", "--on", "2020-06-01"]);
    assert_eq!(code, 0);
    let first = out.lines().next().unwrap();
    assert_eq!(
        first,
        "New START on 2020-06-01: in-force; inspections paused by mutual decision of USA and RUS since 2020-03-29"
    );
    assert!(out.contains("https://tass.com/world/1137135"), "{out}");
    let (_, out, _) = verity(&["treaty", "status", "new-start", "--on", "2023-06-15"]);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("New START on 2023-06-15: in-force; "),
        "{first}"
    );
    for part in [
        "inspections suspended by RUS (facilities exempted) since 2022-08-08 (contested by USA)",
        "treaty suspended by RUS (inspections, data, notifications withheld) since 2023-02-28 (contested by USA)",
        "countermeasures by USA (inspections, data, notifications, telemetry withheld) since 2023-06-01 (contested by RUS)",
    ] {
        assert!(first.contains(part), "{part}: {first}");
    }
    assert!(out.contains("In law: in force since 2011-02-05"), "{out}");
    let v = json(&[
        "treaty",
        "status",
        "new-start",
        "--on",
        "2023-06-15",
        "--json",
    ]);
    assert_eq!(v["status"], "in-force");
    let practice = v["practice"].as_array().unwrap();
    assert_eq!(practice.len(), 5);
    assert_eq!(practice[2]["kind"], "suspension");
    assert_eq!(practice[2]["contested_by"][0], "USA");
    assert!(
        practice
            .iter()
            .all(|e| e["source"].as_str().unwrap().contains("http"))
    );
    // Before any event, and for a treaty without a recorded practice: the text alone.
    let v = json(&[
        "treaty",
        "status",
        "new-start",
        "--on",
        "2015-06-01",
        "--json",
    ]);
    assert_eq!(v["practice"].as_array().unwrap().len(), 0);
}

#[test]
fn treaty_list_and_show() {
    let v = json(&["treaty", "list", "--json"]);
    let rows = v.as_array().unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["new-start", "new-start-voluntary-2026", "trilateral-draft"]
    );
    let statuses: Vec<&str> = rows
        .iter()
        .map(|r| r["status"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["expired", "proposed", "draft"]);
    assert_eq!(rows[2]["parties"], serde_json::json!(["USA", "RUS", "CHN"]));

    let (code, out, _) = verity(&["treaty", "show", "new-start"]);
    assert_eq!(code, 0);
    for needle in [
        "1,550",
        "Art. II(1)(b)",
        "2021-02-03",
        "Type One",
        "within 5 days",
        "both seeds revealed within 2 day(s) of the request",
    ] {
        assert!(out.contains(needle), "show lacks {needle}");
    }
    let v = json(&["treaty", "show", "trilateral-draft", "--json"]);
    assert_eq!(v["disclosure_stages"].as_array().unwrap().len(), 3);
    assert_eq!(
        v["inspection_protocol"]["if_inspected_withholds"],
        "inspecting-seed-alone"
    );
    // A path works wherever an id does.
    let path = format!(
        "{}/../../treaties/new-start.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    assert_eq!(
        json(&["treaty", "status", &path, "--json"])["status"],
        "expired"
    );
}

#[test]
fn check_aggregates_judges_the_published_record_as_the_text_does() {
    let v = json(&[
        "check",
        "aggregates",
        &data("new_start_aggregates.csv"),
        "--treaty",
        "new-start",
        "--json",
    ]);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 150);
    for r in rows {
        for key in ["date", "party", "limit", "value", "max", "verdict"] {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
        assert_ne!(r["verdict"], "violation", "{r}");
    }
    let first = &rows[0];
    assert_eq!(
        (
            first["date"].as_str(),
            first["party"].as_str(),
            first["limit"].as_str(),
            first["value"].as_u64(),
            first["max"].as_u64(),
            first["verdict"].as_str()
        ),
        (
            Some("2011-02-05"),
            Some("USA"),
            Some("deployed_icbm_slbm_bombers"),
            Some(882),
            Some(700),
            Some("above-limit-not-yet-applicable")
        )
    );
    let pre_2018_over = rows
        .iter()
        .filter(|r| {
            r["date"].as_str().unwrap() < "2018-02-05" && r["value"].as_u64() > r["max"].as_u64()
        })
        .count();
    assert_eq!(pre_2018_over, 51);
}

#[test]
fn a_violation_exits_1_and_schedule_findings_are_separate() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("over.csv");
    std::fs::write(&csv, "date,party,warheads_on_deployed,source\n2019-09-01,RUS,1600,exercise\n2019-09-01,USA,1376,exercise\n").unwrap();
    let (code, out, _) = verity(&[
        "check",
        "aggregates",
        csv.to_str().unwrap(),
        "--treaty",
        "new-start",
        "--json",
    ]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let bad: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] == "violation")
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(
        (bad[0]["party"].as_str(), bad[0]["margin"].as_i64()),
        (Some("RUS"), Some(-50))
    );

    let (code, out, _) = verity(&[
        "check",
        "exchanges",
        &data("new_start_aggregates.csv"),
        "--treaty",
        "new-start",
        "--json",
    ]);
    assert_eq!(
        code, 1,
        "the withheld 2023 exchanges are violations of Protocol Part Four"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v.as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "data-exchange-withheld")
            .count(),
        2
    );
}

#[test]
fn estimates_2025_agree_with_sipri() {
    let v = json(&["estimates", "--year", "2025", "--json"]);
    let rows = v.as_array().unwrap();
    let want = [
        ("USA", 5177, 1770, 1930, 1477),
        ("RUS", 5459, 1718, 2591, 1150),
        ("GBR", 225, 120, 105, 0),
        ("FRA", 290, 280, 10, 0),
        ("CHN", 600, 24, 576, 0),
        ("IND", 180, 0, 180, 0),
        ("PAK", 170, 0, 170, 0),
        ("PRK", 50, 0, 50, 0),
        ("ISR", 90, 0, 90, 0),
    ];
    assert_eq!(rows.len(), 9);
    for (r, (state, total, deployed, stored, retired)) in rows.iter().zip(want) {
        assert_eq!(r["state"], state);
        assert_eq!(r["year"], 2025);
        assert_eq!(
            [
                &r["total_inventory"],
                &r["deployed"],
                &r["stored"],
                &r["retired"]
            ],
            [total, deployed, stored, retired]
        );
        assert!(r["name"].is_string() && r["source"].as_str().unwrap().contains("http"));
    }
    assert_eq!(rows[4]["change_total"], 100);
    let (code, out, _) = verity(&["estimates", "--year", "2025"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("the nine states sum to 12,241; the SIPRI world total is 12,241: agrees"),
        "{out}"
    );
    let (code, _, err) = verity(&["estimates", "--year", "1990"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("years available are 2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025"),
        "{err}"
    );
    // The longer record: New START's first year and the year it was extended, as SIPRI gave
    // them; a range stays a range (no figure), and sources that differ say so.
    let v: Value =
        serde_json::from_str(&verity(&["estimates", "--year", "2011", "--json"]).1).unwrap();
    let rows = v.as_array().unwrap();
    let find = |s: &str| rows.iter().find(|r| r["state"] == s).unwrap();
    assert_eq!(find("USA")["total_inventory"], 8500);
    assert_eq!(find("USA")["deployed"], 2150);
    assert_eq!(find("RUS")["total_inventory"], 11000);
    assert_eq!(find("RUS")["change_total"], -1000);
    assert!(find("IND")["total_inventory"].is_null());
    assert!(
        find("IND")["source"]
            .as_str()
            .unwrap()
            .contains("range of 80–100")
    );
    let (_, out, _) = verity(&["estimates", "--year", "2021"]);
    assert!(out.contains("5,550") && out.contains("6,255"), "{out}");
    let (_, out, _) = verity(&["estimates", "--year", "2013"]);
    assert!(out.contains("SOURCES DIFFER"), "{out}");
}

#[test]
fn overview_runs_on_the_embedded_data() {
    let (code, out, err) = verity(&["overview"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("expired 2026-02-05 (295 days ago)"));
    assert!(out.contains(
        "150 figures judged: 51 above-limit-not-yet-applicable, 58 compliant, 11 unknown, 30 within-limit-not-yet-applicable."
    ));
    assert!(out.contains("No published figure exceeded a central limit once the limits applied."));
    let v = json(&["overview", "--json"]);
    assert_eq!(v["treaties"].as_array().unwrap().len(), 3);
    assert_eq!(v["new_start"]["verdicts"].as_array().unwrap().len(), 150);
    // Russia's count of the US launchers beside the US count, never as the verdict.
    assert!(
        out.contains("Disputed: RUS counts USA's launchers at 901 (−101) on 2023-03-01, as claimed, where USA counts 800 (compliant)"),
        "{out}"
    );
    let disputed = v["new_start_disputed"].as_array().unwrap();
    assert_eq!(disputed.len(), 4);
    assert_eq!(disputed[3]["value"], 901);
}

#[test]
fn a_broken_treaty_file_is_exit_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(format!(
        "{}/../../treaties/new-start.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let line = good[..good.find("max = 1550").unwrap()]
        .matches('\n')
        .count()
        + 1;
    let path = dir.path().join("draft.toml");
    std::fs::write(&path, good.replacen("max = 1550", "max = 1550,", 1)).unwrap();
    let p = path.to_str().unwrap();
    let (code, out, err) = verity(&["treaty", "show", p]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with(&format!("error: {p}:{line}:")), "{err}");
    assert!(err.contains("key `limit.max`"), "{err}");
    assert!(!err.contains("panicked"));

    std::fs::write(
        &path,
        good.replacen("deployed_slbms = 1,", "deployed_sub_missiles = 1,", 1),
    )
    .unwrap();
    let (code, _, err) = verity(&[
        "check",
        "aggregates",
        &data("new_start_aggregates.csv"),
        "--treaty",
        p,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("undefined category `deployed_sub_missiles`")
            && err.contains("key `limit.terms`"),
        "{err}"
    );
}

#[test]
fn input_errors_are_exit_2() {
    let (code, _, err) = verity(&["treaty", "status", "start-iv"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown treaty `start-iv`"), "{err}");
    let (code, _, err) = verity(&[
        "check",
        "aggregates",
        "/nonexistent.csv",
        "--treaty",
        "new-start",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent.csv"), "{err}");
    let (code, _, err) = verity(&["treaty", "status", "new-start", "--on", "2026-13-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "date,party,warheads_on_deployed\n2019-09-01,RU,1426\n",
    )
    .unwrap();
    let (code, _, err) = verity(&[
        "check",
        "aggregates",
        csv.to_str().unwrap(),
        "--treaty",
        "new-start",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.csv:2:2 (key `party`)"), "{err}");
}

#[test]
fn simulate_sampling_reports_simulated_interval_and_closed_form() {
    let args = [
        "simulate",
        "sampling",
        "--items",
        "400",
        "--falsified",
        "20",
        "--checks",
        "10",
        "--trials",
        "40000",
        "--seed",
        "5",
        "--json",
    ];
    let v = json(&args);
    let (sim, lo, hi, exact) = (
        v["simulated"].as_f64().unwrap(),
        v["ci_low"].as_f64().unwrap(),
        v["ci_high"].as_f64().unwrap(),
        v["closed_form"].as_f64().unwrap(),
    );
    assert!((exact - 0.404_856).abs() < 1e-6, "{exact}");
    assert!(lo <= sim && sim <= hi && lo <= exact && exact <= hi, "{v}");
    assert_eq!(json(&args), v, "same seed, same answer");
    let (code, _, err) = verity(&[
        "simulate",
        "sampling",
        "--items",
        "10",
        "--falsified",
        "1",
        "--checks",
        "11",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("without replacement"), "{err}");
}

#[test]
fn overview_proves_every_trilateral_party_within_limits_with_totals_hidden() {
    let v = json(&["overview", "--json"]);
    let parties: Vec<(String, u64, u64)> = v["hidden_totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["party"].as_str().unwrap().to_string(),
                h["warheads"].as_u64().unwrap(),
                h["published_site_leaves"].as_u64().unwrap(),
            )
        })
        .collect();
    // SIPRI 2025 totals, and the same published shape for all three.
    assert_eq!(
        parties,
        [
            ("USA".into(), 5177, 64),
            ("RUS".into(), 5459, 64),
            ("CHN".into(), 600, 64)
        ]
    );
    for h in v["hidden_totals"].as_array().unwrap() {
        for verdict in h["verdicts"].as_array().unwrap() {
            let want = if verdict["limit"] == "total_warheads_reduced" {
                "unknown" // from 2034-02-05: not covered by a proof as of 2027-02-05
            } else {
                "within-limits-proved"
            };
            assert_eq!(verdict["verdict"], want, "{verdict}");
            assert!(verdict["value"].is_null(), "no count is given: {verdict}");
        }
    }
    // What the draft's inspections would catch within a year, per party and strategy.
    let detection = v["detection"].as_array().unwrap();
    let per_year: Vec<u64> = detection
        .iter()
        .map(|d| d["inspections_per_year"].as_u64().unwrap())
        .collect();
    assert_eq!(
        per_year,
        [28, 28, 16],
        "10 + 8 by one, 4 + 2 by the other, and 2 facility checks by each"
    );
    for d in detection {
        let p = |name: &str| {
            d["by_strategy"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s[0].as_str().unwrap().starts_with(name))
                .unwrap()[1]
                .as_f64()
                .unwrap()
        };
        // Four checks a year of two of four registered empty facilities: 1 - (1/2)^4.
        assert!((p("hide-at-undeclared-site") - 0.9375).abs() < 1e-12, "{d}");
        assert!(p("swap-identifiers") > 0.99, "{d}");
    }
    // China: five of its six ICBMs under-declared, eight Type One inspections a year each
    // counting one of them at its only base: 1 − (1/6)^8.
    let chn = &detection[2]["by_strategy"][1][1];
    assert!((chn.as_f64().unwrap() - (1.0 - (1.0f64 / 6.0).powi(8))).abs() < 1e-12);
}
