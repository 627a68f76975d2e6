//! The simulator through the binary: a strategy against a treaty's inspections (simulated
//! within the interval of the exact value, same seed same answer), plots a person can read
//! (SVG with title, labelled axes and legend; a real PNG), the HTML report, the design search
//! and its minimum, the throughput benchmark, and bad input refused with exit 2.

use assert_cmd::Command;
use serde_json::Value;

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("verity")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(dir: &std::path::Path, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let (code, out, err) = run(dir, &args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_strategy_against_new_start_with_plots_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let args = [
        "simulate",
        "--treaty",
        "new-start",
        "--strategy",
        "under-declare-warheads",
        "--k",
        "10",
        "--party",
        "RUS",
        "--trials",
        "1500",
        "--years",
        "2",
        "--seed",
        "11",
    ];
    let v = json(dir, &args);
    let party = &v["parties"][0];
    assert_eq!(party["party"], "RUS");
    assert_eq!(party["estimate"]["inspections_per_year"], 18);
    let years = party["estimate"]["per_year"].as_array().unwrap();
    assert_eq!(years.len(), 2);
    for y in years {
        let (lo, hi, exact) = (
            y["ci_low"].as_f64().unwrap(),
            y["ci_high"].as_f64().unwrap(),
            y["exact"].as_f64().unwrap(),
        );
        assert!(lo <= exact && exact <= hi, "{y}");
    }
    assert_eq!(v, json(dir, &args), "same seed, same answer");

    // Plots and the HTML report.
    let mut with_plot = args.to_vec();
    with_plot.extend(["--plot", "rus.svg", "--html", "report.html"]);
    let (code, out, err) = run(dir, &with_plot);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("wrote rus.svg") && out.contains("wrote rus.png"),
        "{out}"
    );
    let svg = std::fs::read_to_string(dir.join("rus.svg")).unwrap();
    for text in [
        "New START: detection within 2 year(s), inspections of RUS",
        "Inspections of RUS per year",
        "Probability of detection within 2 year(s) (%)",
        "under-declare-warheads (k = 10)",
        "spread-hidden (k = 10 over 3 sites)",
        "treaty quota (18 a year)",
    ] {
        assert!(svg.contains(text), "the plot lacks `{text}`");
    }
    let png = std::fs::read(dir.join("rus.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (900, 560));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("<table>") && html.contains("RUS"));
}

#[test]
fn design_finds_the_fewest_inspections_and_refuses_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let v = json(
        dir,
        &[
            "design",
            "--treaty",
            "new-start",
            "--strategy",
            "under-declare-warheads",
            "--k",
            "10",
            "--party",
            "RUS",
            "--target",
            "0.9",
            "--years",
            "1",
            "--trials",
            "1000",
        ],
    );
    let best = &v["cheapest"];
    let q = best["inspections_per_year"].as_u64().unwrap();
    assert!(best["exact"].as_f64().unwrap() >= 0.9);
    // Every cheaper row misses the target; the cheapest is confirmed by simulation.
    for row in v["trade_off"].as_array().unwrap() {
        if row["inspections_per_year"].as_u64().unwrap() < q {
            assert_eq!(row["reaches"], false, "{row}");
        }
    }
    let confirmed = &v["confirmed"];
    assert!(confirmed["ci_high"].as_f64().unwrap() >= best["exact"].as_f64().unwrap());
    assert!(
        v["not_searched"]
            .as_str()
            .unwrap()
            .contains("disclosure order")
    );

    for (args, says) in [
        (
            vec![
                "simulate",
                "--treaty",
                "new-start",
                "--strategy",
                "teleport",
            ],
            "unknown strategy `teleport`: expected one of honest,",
        ),
        (
            vec![
                "simulate",
                "--treaty",
                "new-start",
                "--strategy",
                "honest",
                "--party",
                "CHN",
            ],
            "--party: CHN is not a party to `new-start`",
        ),
        (
            vec![
                "design",
                "--treaty",
                "new-start",
                "--strategy",
                "honest",
                "--target",
                "1.5",
            ],
            "--target: expected a probability between 0 and 1",
        ),
        (vec!["simulate", "--strategy", "honest"], "--treaty"),
    ] {
        let (code, _, err) = run(dir, &args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn the_throughput_benchmark_reports_both_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let v = json(tmp.path(), &["bench", "simulate", "--trials", "300"]);
    assert!(v["one_thread_per_second"].as_f64().unwrap() > 0.0);
    assert!(v["all_threads_per_second"].as_f64().unwrap() > 0.0);
    assert!(v["all_threads"].as_u64().unwrap() >= 1);
}

#[test]
fn honest_new_start_forces_are_the_declared_ones_and_within_every_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "simulate",
        "--treaty",
        "new-start",
        "--strategy",
        "honest",
        "--trials",
        "200",
        "--years",
        "1",
    ];
    let v = json(tmp.path(), &args);
    let forces = &v["forces"];
    // The State Department's data of 2020-09-01 and Russia's MFA data of 2022-03-01.
    for (party, want) in [("USA", [675, 1457, 800]), ("RUS", [526, 1474, 761])] {
        for (limit, value) in [
            "deployed_icbm_slbm_bombers",
            "warheads_on_deployed",
            "deployed_and_nondeployed_launchers",
        ]
        .iter()
        .zip(want)
        {
            assert_eq!(forces[party][limit], value, "{party} {limit}");
        }
        assert_eq!(v["forces_basis"][party]["kind"], "record", "{party}");
    }
    assert_eq!(v["forces_basis"]["RUS"]["with_assumptions"], true);
    assert_eq!(v["forces_basis"]["USA"]["as_of"], "2020-09-01");
    for p in v["parties"].as_array().unwrap() {
        assert_eq!(p["estimate"]["per_year"][0]["exact"], 0.0, "{p}");
        assert_eq!(p["estimate"]["per_year"][0]["simulated"], 0.0, "{p}");
    }
    let (code, out, err) = run(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    for text in [
        "Honest forces under `new-start`'s counting rules",
        "USA: declared forces as of 2020-09-01",
        "RUS: declared forces as of 2022-03-01; split by leg assumed",
    ] {
        assert!(out.contains(text), "{text}\n{out}");
    }
    assert!(!out.contains(" over"), "{out}");
}
