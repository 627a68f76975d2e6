//! Property tests of the decoders (deterministic seeds via proptest's config): arbitrary input
//! never panics and errors always carry a location; aggregates survive a CSV round trip; every
//! single-line deletion from a real treaty file is either valid or a located error.

use proptest::prelude::*;
use verity_treaty::compliance::ExchangeStatus;
use verity_treaty::{Treaty, builtin, figures};

use crate::util::{new_start, treaty_text};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn treaty_parser_never_panics(text in "\\PC{0,400}") {
        if let Err(e) = Treaty::from_toml("fuzz.toml", &text) {
            prop_assert!(e.location().is_some());
        }
    }

    #[test]
    fn treaty_parser_survives_mutations_of_a_real_file(at in 0usize..20_000, byte in any::<u8>()) {
        let text = treaty_text("trilateral-draft");
        let at = at % text.len();
        let mut bytes = text.as_bytes().to_vec();
        bytes[at] = byte;
        if let Ok(mutated) = String::from_utf8(bytes) {
            if let Err(e) = Treaty::from_toml("mutated.toml", &mutated) {
                let loc = e.location().unwrap();
                prop_assert!(loc.line >= 1 && loc.line <= mutated.lines().count() + 1);
            }
        }
    }

    #[test]
    fn csv_parsers_never_panic(text in "\\PC{0,300}") {
        let t = new_start();
        let _ = figures::parse_aggregates("fuzz.csv", &text, &t);
        let _ = figures::parse_estimates("fuzz.csv", &text);
        let _ = figures::parse_world_totals("fuzz.csv", &text);
        if let Err(e) = verity_treaty::forces::parse_forces("fuzz.csv", &text) {
            prop_assert!(e.location().is_some());
        }
        if let Err(e) = verity_treaty::accounting::parse_accountability("fuzz.csv", &text, &t) {
            prop_assert!(e.location().is_some());
        }
    }

    #[test]
    fn the_forces_and_accountability_files_survive_mutation(at in 0usize..20_000, byte in any::<u8>()) {
        let t = new_start();
        for (_, text) in [builtin::NEW_START_FORCES, builtin::NEW_START_ACCOUNTABILITY] {
            let at = at % text.len();
            let mut bytes = text.as_bytes().to_vec();
            bytes[at] = byte;
            let Ok(mutated) = String::from_utf8(bytes) else { continue };
            let errors = [
                verity_treaty::forces::parse_forces("m.csv", &mutated).err(),
                verity_treaty::accounting::parse_accountability("m.csv", &mutated, &t).err(),
            ];
            for e in errors.into_iter().flatten() {
                let loc = e.location().unwrap();
                prop_assert!(loc.line >= 1 && loc.line <= mutated.lines().count() + 1, "{e}");
            }
        }
    }

    #[test]
    fn aggregates_round_trip(rows in prop::collection::btree_map(
        (2011i32..2026, 0u32..2, 0usize..2),
        (prop::option::of(0u64..5000), prop::option::of(0u64..5000), prop::option::of(0u64..5000)),
        1..20,
    )) {
        let t = new_start();
        let mut csv = String::from("date,party,deployed_icbm_slbm_bombers,warheads_on_deployed,deployed_and_nondeployed_launchers,source\n");
        let show = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
        for ((year, half, party), (a, b, c)) in &rows {
            let date = if *half == 0 { format!("{year}-03-01") } else { format!("{year}-09-01") };
            let party = ["USA", "RUS"][*party];
            csv.push_str(&format!("{date},{party},{},{},{},\"src, with comma\"\n", show(*a), show(*b), show(*c)));
        }
        let parsed = figures::parse_aggregates("rt.csv", &csv, &t).unwrap();
        prop_assert_eq!(parsed.len(), rows.len());
        for ((year, half, party), (a, b, c)) in &rows {
            let month = if *half == 0 { 3 } else { 9 };
            let r = parsed
                .iter()
                .find(|r| r.as_of == chrono::NaiveDate::from_ymd_opt(*year, month, 1).unwrap() && r.party.as_str() == ["USA", "RUS"][*party])
                .unwrap();
            prop_assert_eq!(r.values["deployed_icbm_slbm_bombers"], *a);
            prop_assert_eq!(r.values["warheads_on_deployed"], *b);
            prop_assert_eq!(r.values["deployed_and_nondeployed_launchers"], *c);
            prop_assert_eq!(r.exchange, ExchangeStatus::Provided);
            prop_assert_eq!(r.source.as_str(), "src, with comma");
        }
    }
}

#[test]
fn deleting_any_line_of_a_treaty_gives_a_valid_treaty_or_a_located_error() {
    for (id, _, text) in builtin::TREATIES {
        let lines: Vec<&str> = text.lines().collect();
        for skip in 0..lines.len() {
            let cut: String = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            if let Err(e) = Treaty::from_toml(id, &cut) {
                let loc = e
                    .location()
                    .unwrap_or_else(|| panic!("{id} without line {}: {e}", skip + 1));
                assert!(loc.line >= 1 && loc.line <= lines.len(), "{id}: {e}");
            }
        }
    }
}

#[test]
fn aggregate_errors_name_file_line_and_column() {
    let t = new_start();
    let cases = [
        (
            "date,party,warheads_on_deployed\n2019-03-01,USA,1365\n2019-09-01,USA,many\n",
            3,
            "warheads_on_deployed",
            "expected a whole number",
        ),
        (
            "date,party,warheads_on_deployed\n2019-03-01,US,1365\n",
            2,
            "party",
            "three upper-case letters",
        ),
        (
            "date,party,warheads_on_deployed\n2019-03-01,CHN,1365\n",
            2,
            "party",
            "CHN is not a party",
        ),
        (
            "date,party,warheads_on_deployed\n2019-13-01,USA,1365\n",
            2,
            "date",
            "expected a date",
        ),
        (
            "date,party,warheads\n2019-03-01,USA,1365\n",
            1,
            "warheads",
            "unknown column `warheads`",
        ),
        (
            "date,party,warheads_on_deployed\n2019-03-01,USA,1365\n2019-03-01,USA,1366\n",
            3,
            "date",
            "first is on line 2",
        ),
        (
            "date,party,warheads_on_deployed,status\n2019-03-01,USA,1365,withheld\n",
            2,
            "warheads_on_deployed",
            "withheld exchange cannot carry figures",
        ),
        (
            "date,party,warheads_on_deployed\n2019-03-01,USA,1365,9\n",
            3,
            "",
            "malformed CSV",
        ),
        (
            "date,party,warheads_on_deployed\n2019-03-01,USA,-5\n",
            2,
            "warheads_on_deployed",
            "whole number",
        ),
    ];
    for (text, line, key, says) in cases {
        let err = figures::parse_aggregates("f.csv", text, &t).unwrap_err();
        let at = err.location().unwrap();
        assert_eq!(at.file, "f.csv");
        let msg = err.to_string();
        assert!(msg.contains(says), "`{msg}` lacks `{says}`");
        if !key.is_empty() {
            assert_eq!((at.line, at.key.as_deref()), (line, Some(key)), "{msg}");
        }
    }
}

#[test]
fn estimate_errors() {
    let head = "state,name,year,total_inventory,deployed,stored,retired,edition,source\n";
    let bad_sum = format!("{head}USA,United States,2025,5000,1770,1930,1477,SIPRI,src\n");
    let err = figures::parse_estimates("e.csv", &bad_sum).unwrap_err();
    assert!(err.to_string().contains("exceeds the total 5000"), "{err}");
    let no_source = format!("{head}USA,United States,2025,5177,1770,1930,1477,SIPRI,\n");
    assert!(
        figures::parse_estimates("e.csv", &no_source)
            .unwrap_err()
            .to_string()
            .contains("`source` is required")
    );
    let wrong_header = "state,name,year,total,deployed,stored,retired,edition,source\n";
    let err = figures::parse_estimates("e.csv", wrong_header).unwrap_err();
    assert_eq!(err.location().unwrap().column, 4);
}
