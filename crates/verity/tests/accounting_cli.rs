//! Disputed accounting through the command line: New START's launcher limit for the United
//! States under its own count and under Russia's position, from the published exchanges (the
//! March 2023 figure: 800 as the United States counts, 901 and 101 over as Russia would) and
//! from a declaration that carries converted items, in `verity compliance`.

mod common;

use common::{new_start_inventory, ok, run};
use serde_json::Value;

#[test]
fn the_march_2023_launchers_under_both_accountings_side_by_side() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let csv = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/new_start_aggregates.csv"
    );
    let args = ["check", "accounting", csv, "--treaty", "new-start"];
    let (code, out, err) = run(dir, "2026-12-02", &args);
    assert_eq!(code, 0, "a position is claimed, not adjudicated: {err}");
    let row = out
        .lines()
        .find(|l| l.contains("2023-03-01"))
        .unwrap_or_else(|| panic!("{out}"));
    for cell in [
        "800",
        "compliant",
        "+101 (41 + 56 + 4; counts of 2022-03-01)",
        "901",
        "−101",
        "violation",
    ] {
        assert!(row.contains(cell), "{cell}: {row}");
    }
    for source in [
        "https://mid.ru/en/foreign_policy/international_safety/1808707",
        "https://tass.com/politics/1293117/amp",
    ] {
        assert!(out.contains(source), "{source}\n{out}");
    }

    let mut with_json = args.to_vec();
    with_json.push("--json");
    let v: Value = serde_json::from_str(&ok(dir, "2026-12-02", &with_json)).unwrap();
    let verdicts = v["verdicts"].as_array().unwrap();
    let dates: Vec<&str> = verdicts
        .iter()
        .map(|x| x["declared"]["date"].as_str().unwrap())
        .collect();
    // 2020-09-01 has no count of the 'training silos' yet; 2022-09-01 no US figure.
    assert_eq!(
        dates,
        ["2021-03-01", "2021-09-01", "2022-03-01", "2023-03-01"]
    );
    let march = &verdicts[3];
    assert_eq!(march["held_by"], "RUS");
    assert_eq!(march["declared"]["party"], "USA");
    assert_eq!(
        march["declared"]["limit"],
        "deployed_and_nondeployed_launchers"
    );
    assert_eq!(march["declared"]["value"], 800);
    assert_eq!(march["declared"]["margin"], 0);
    assert_eq!(march["declared"]["verdict"], "compliant");
    assert_eq!(march["value"], 901);
    assert_eq!(march["margin"], -101);
    assert_eq!(march["verdict"], "violation");
    let added: Vec<(String, u64)> = march["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["category"].as_str().unwrap().to_string(),
                a["count"]["value"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        added,
        [
            ("converted_heavy_bombers".to_string(), 41),
            ("converted_slbm_launchers".to_string(), 56),
            ("training_silos".to_string(), 4)
        ]
    );

    // `check aggregates` keeps the United States' count and points at the dispute.
    let (code, out, _) = run(
        dir,
        "2026-12-02",
        &["check", "aggregates", csv, "--treaty", "new-start"],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("RUS disputes how USA counts `deployed_and_nondeployed_launchers`"),
        "{out}"
    );

    // Counts that name no category of the treaty are refused with their place, exit 2.
    std::fs::write(
        dir.join("bad.csv"),
        "as_of,party,category,value,basis,source\n2022-03-01,USA,converted_tubes,56,stated,MFA\n",
    )
    .unwrap();
    let (code, _, err) = run(
        dir,
        "2026-12-02",
        &[
            "check",
            "accounting",
            csv,
            "--treaty",
            "new-start",
            "--accountability",
            "bad.csv",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.csv:2:")
            && err.contains("`converted_tubes` is not a category of `new-start`"),
        "{err}"
    );
}

#[test]
fn a_declaration_with_converted_items_is_judged_under_both_accountings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let today = "2022-03-01";
    ok(dir, today, &["keygen", "--party", "USA", "--out", "keys"]);
    ok(
        dir,
        today,
        &[
            "log", "init", "--party", "USA", "--key", "keys", "--db", "usa.db",
        ],
    );
    let mut inv = new_start_inventory("USA");
    for k in 0..3 {
        inv.push_str(&format!(
            "USA-T{k},slbm_launcher,Trident II tube,USA-SUB-BASE,converted,0\n"
        ));
    }
    inv.push_str("USA-B0,heavy_bomber,B-52H,USA-AIR-BASE,converted,0\n");
    inv.push_str("USA-TS0,training_silo,Training silo,USA-TRAINING,non-deployed,0\n");
    std::fs::write(dir.join("usa.csv"), inv).unwrap();
    ok(
        dir,
        today,
        &[
            "declare",
            "--db",
            "usa.db",
            "--inventory",
            "usa.csv",
            "--treaty",
            "new-start",
            "--as-of",
            today,
            "--clear-aggregates",
        ],
    );
    let args = [
        "compliance",
        "--logs",
        "usa.db",
        "--keys",
        "keys/usa.pub",
        "--treaty",
        "new-start",
        "--on",
        today,
    ];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let v: Value = serde_json::from_str(&ok(dir, today, &with_json)).unwrap();
    let positions = v["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 1, "{positions:?}");
    let p = &positions[0];
    // Eight missiles in their launchers count; the converted tubes, the bomber and the
    // training silo count only under Russia's position.
    assert_eq!(p["declared"]["value"], 8);
    assert_eq!(p["declared"]["margin"], 792);
    assert_eq!(p["value"], 13);
    assert_eq!(p["margin"], 787);
    assert_eq!(p["verdict"], "compliant");
    let out = ok(dir, today, &args);
    assert!(out.contains("Under disputed accounting"), "{out}");
    assert!(
        out.contains("+5 (1 + 3 + 1; counts of 2022-03-01)"),
        "{out}"
    );
}
