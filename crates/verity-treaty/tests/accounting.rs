//! Disputed accounting in the engine: a position's figure beside the declared one, the latest
//! count on or before each date carried forward, figures without every count left out, and
//! positions that cannot be meant refused where they are written.

use verity_treaty::accounting::{judge_positions, parse_accountability};
use verity_treaty::compliance::{Mode, Verdict, assess};
use verity_treaty::{Treaty, builtin};

use crate::util::d;

#[test]
fn russias_position_puts_the_us_101_over_800_and_the_us_count_stands() {
    let treaty = builtin::treaty("new-start").unwrap();
    let rows = builtin::new_start_aggregates().unwrap();
    let counts = builtin::new_start_accountability().unwrap();
    let a = assess(&treaty, &rows, d("2026-12-02"), Mode::AsWritten);
    let judged = judge_positions(&treaty, &a.verdicts, &counts);
    let dates: Vec<String> = judged.iter().map(|v| v.declared.date.to_string()).collect();
    assert_eq!(
        dates,
        ["2021-03-01", "2021-09-01", "2022-03-01", "2023-03-01"]
    );
    for v in &judged {
        assert_eq!(v.declared.value, Some(800));
        assert_eq!(v.declared.verdict, Verdict::Compliant);
        assert_eq!(
            (v.value, v.margin, v.verdict),
            (901, -101, Verdict::Violation)
        );
    }
    let march = &judged[3];
    assert!(
        march.added.iter().all(|a| a.count.as_of == d("2022-03-01")),
        "carried from the last count"
    );
    assert!(
        !a.has_limit_violation(),
        "the engine judges by the declared count"
    );
}

#[test]
fn a_position_that_cannot_be_meant_is_refused_where_it_is_written() {
    let text = builtin::TREATIES[0].2;
    let cases = [
        (
            "held_by = \"RUS\"\nabout = \"USA\"",
            "held_by = \"USA\"\nabout = \"USA\"",
            "held by USA about itself",
        ),
        (
            "adds = { deployed_and_nondeployed_launchers = { converted_slbm_launchers",
            "adds = { deployed_and_nondeployed_launcher = { converted_slbm_launchers",
            "undefined limit `deployed_and_nondeployed_launcher`",
        ),
        (
            "converted_heavy_bombers = 1, training_silos = 1 }",
            "converted_heavy_bombers = 1, nondeployed_heavy_bombers = 1 }",
            "adds `nondeployed_heavy_bombers`, already a term of limit",
        ),
        ("about = \"USA\"", "about = \"CHN\"", "CHN is not a party"),
    ];
    for (from, to, says) in cases {
        assert!(text.contains(from), "{from}");
        let e = Treaty::from_toml("ns.toml", &text.replacen(from, to, 1))
            .unwrap_err()
            .to_string();
        assert!(e.contains(says) && e.contains("ns.toml:"), "{says}: {e}");
    }
}

#[test]
fn counts_are_read_against_the_treaty() {
    let treaty = builtin::treaty("new-start").unwrap();
    let head = "as_of,party,category,value,basis,source\n";
    for (row, says) in [
        (
            "2022-03-01,CHN,training_silos,4,stated,x",
            "CHN is not a party to `new-start`",
        ),
        (
            "2022-03-01,USA,silos,4,stated,x",
            "`silos` is not a category of `new-start`",
        ),
        (
            "2022-03-01,USA,training_silos,four,stated,x",
            "expected a whole number, found `four`",
        ),
        (
            "2022-03-01,USA,training_silos,4,claimed,x",
            "found `claimed`",
        ),
        (
            "2022-03-01,USA,training_silos,4,stated,x\n2022-03-01,USA,training_silos,5,stated,y",
            "a second `training_silos` for USA as of 2022-03-01 (the first is on line 2)",
        ),
    ] {
        let e = parse_accountability("acc.csv", &format!("{head}{row}\n"), &treaty)
            .unwrap_err()
            .to_string();
        assert!(e.contains(says) && e.contains("acc.csv:"), "{says}: {e}");
    }
}
