//! A treaty file with one broken line is rejected with an error naming the file, the line and
//! column, the key, and what was expected.

use verity_treaty::{Treaty, TreatyError};

use crate::util::treaty_text;

/// Replaces `from` by `to` in a built-in treaty and returns the error and the 1-based line on
/// which the replacement ends.
fn break_treaty(id: &str, from: &str, to: &str) -> (TreatyError, usize) {
    let text = treaty_text(id);
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("`{from}` not in {id}"));
    let line = text[..at].matches('\n').count() + 1 + to.matches('\n').count();
    let broken = text.replacen(from, to, 1);
    let err = Treaty::from_toml("broken.toml", &broken).unwrap_err();
    (err, line)
}

fn check(id: &str, from: &str, to: &str, key: &str, says: &str) {
    let (err, line) = break_treaty(id, from, to);
    let at = err
        .location()
        .unwrap_or_else(|| panic!("no location in {err}"));
    assert_eq!(at.file, "broken.toml");
    assert_eq!(at.line, line, "{err}");
    assert_eq!(at.key.as_deref(), Some(key), "{err}");
    let text = err.to_string();
    assert!(text.contains(says), "`{text}` does not say `{says}`");
    assert!(text.starts_with(&format!("broken.toml:{line}:")), "{text}");
}

#[test]
fn syntax_error_names_line_and_column() {
    let (err, line) = break_treaty("new-start", "max = 700", "max = 700 700");
    assert!(matches!(err, TreatyError::Syntax { .. }), "{err}");
    let at = err.location().unwrap();
    assert_eq!((at.line, at.column), (line, 7));
    assert_eq!(at.key.as_deref(), Some("limit.max"));
}

#[test]
fn unknown_key() {
    check(
        "new-start",
        "max = 700",
        "maximum = 700",
        "limit.maximum",
        "unknown field `maximum`",
    );
}

#[test]
fn wrong_type() {
    check(
        "new-start",
        "max = 700",
        "max = \"seven hundred\"",
        "limit.max",
        "invalid type: string",
    );
    check(
        "new-start",
        "years = 10",
        "years = -10",
        "duration.years",
        "invalid value",
    );
}

#[test]
fn limit_naming_an_undefined_category() {
    check(
        "new-start",
        "terms = { deployed_icbms = 1, deployed_slbms = 1, deployed_heavy_bombers = 1 }",
        "terms = { deployed_icbms = 1, deployed_cruise_missiles = 1, deployed_heavy_bombers = 1 }",
        "limit.terms",
        "undefined category `deployed_cruise_missiles`",
    );
}

#[test]
fn counting_rule_with_an_undefined_class() {
    check(
        "new-start",
        r#"counts = [{ class = "slbm", status = "deployed", measure = "items" }]"#,
        r#"counts = [{ class = "sub", status = "deployed", measure = "items" }]"#,
        "category.counts",
        "undefined item class `sub`",
    );
}

#[test]
fn dates_out_of_order() {
    check(
        "new-start",
        "entry_into_force = 2011-02-05",
        "entry_into_force = 2009-02-05",
        "dates.entry_into_force",
        "before signature 2010-04-08",
    );
    check(
        "new-start",
        "applies_from = 2018-02-05",
        "applies_from = 2010-02-05",
        "limit.applies_from",
        "before the instrument starts",
    );
    check(
        "new-start",
        "until = 2026-02-05",
        "until = 2027-02-05",
        "duration.extensions_taken.until",
        "exceeds the 5 years allowed",
    );
    check(
        "new-start",
        "until = 2026-02-05",
        "until = 2020-02-05",
        "duration.extensions_taken.until",
        "does not go beyond",
    );
    check(
        "trilateral-draft",
        "months_after_entry_into_force = 36",
        "months_after_entry_into_force = 6",
        "disclosure_stage.months_after_entry_into_force",
        "out of order",
    );
    check(
        "trilateral-draft",
        "level = \"sites\"\nopens = \"every-site\"",
        "level = \"sites\"\nopens = \"chosen-sites\"",
        "disclosure_stage.opens",
        "which are the whole declaration",
    );
    check(
        "trilateral-draft",
        "level = \"items\"\nopens = \"every-site\"",
        "level = \"items\"\nopens = \"some-sites\"",
        "disclosure_stage.opens",
        "unknown variant `some-sites`",
    );
    check(
        "new-start",
        "entry_into_force = 2011-02-05",
        "entry_into_force = 2011-02-05T10:00:00Z",
        "dates.entry_into_force",
        "expected a calendar date",
    );
}

#[test]
fn unknown_party_codes() {
    check(
        "new-start",
        r#"parties = ["USA", "RUS"]"#,
        r#"parties = ["USA", "XXX"]"#,
        "parties",
        "`XXX` is not an assigned",
    );
    check(
        "new-start",
        r#"parties = ["USA", "RUS"]"#,
        r#"parties = ["US", "RUS"]"#,
        "parties",
        "three upper-case letters",
    );
    check(
        "new-start-voluntary-2026",
        r#"offered_by = ["RUS"]"#,
        r#"offered_by = ["CHN"]"#,
        "proposal.offered_by",
        "CHN is not a party",
    );
    check(
        "trilateral-draft",
        "USA = 5500, RUS = 5500, CHN = 1000 }",
        "USA = 5500, RUS = 5500, FRA = 1000 }",
        "limit.max_per_party",
        "FRA in max_per_party is not a party",
    );
    check(
        "trilateral-draft",
        r#"{ inspecting = "USA", inspected = "CHN", per_year = 4 },"#,
        r#"{ inspecting = "USA", inspected = "GBR", per_year = 4 },"#,
        "inspection.pair_quotas",
        "GBR is not a party",
    );
}

#[test]
fn structural_rules() {
    check(
        "new-start",
        r#"id = "new-start""#,
        r#"id = "New START""#,
        "id",
        "lower-case",
    );
    check(
        "new-start",
        "max = 1550",
        "max = 1550\nmax_per_party = { USA = 1, RUS = 1 }",
        "limit.max_per_party",
        "not both",
    );
    check(
        "trilateral-draft",
        "USA = 5500, RUS = 5500, CHN = 1000 }",
        "USA = 5500, RUS = 5500 }",
        "limit.max_per_party",
        "no ceiling for CHN",
    );
    check(
        "new-start",
        "period_months = 6",
        "period_months = 5",
        "data_exchange.period_months",
        "must divide the year",
    );
    check(
        "trilateral-draft",
        "totals_revealed_at_stage = 3",
        "totals_revealed_at_stage = 4",
        "escrow.totals_revealed_at_stage",
        "no disclosure stage 4",
    );
    check(
        "new-start",
        r#"state = "concluded""#,
        r#"state = "ratified""#,
        "state",
        "unknown variant `ratified`",
    );
}

#[test]
fn duplicate_definitions() {
    let (err, _) = break_treaty(
        "new-start",
        r#"id = "deployed_slbms""#,
        r#"id = "deployed_icbms""#,
    );
    assert!(
        err.to_string()
            .contains("category `deployed_icbms` is defined twice"),
        "{err}"
    );
}

#[test]
fn empty_and_garbage_inputs_are_errors_not_panics() {
    for text in ["", "\u{0}", "[[limit]]", "id = 3", "id = \"x\"\n[dates\n"] {
        let err = Treaty::from_toml("junk.toml", text).unwrap_err();
        assert_eq!(err.location().unwrap().file, "junk.toml");
    }
}

#[test]
fn inspection_protocol_rules() {
    check(
        "new-start",
        "seed_reveal_days = 2",
        "seed_reveal_days = 0",
        "inspection_protocol.seed_reveal_days",
        "seed_reveal_days must be at least 1 day",
    );
    // A fallback that would let the last revealer pick between two outcomes is not offered.
    check(
        "new-start",
        "if_inspecting_withholds = \"inspection-lapses\"",
        "if_inspecting_withholds = \"inspected-seed-alone\"",
        "inspection_protocol.if_inspecting_withholds",
        "unknown variant `inspected-seed-alone`, expected `inspection-lapses`",
    );
    let text = treaty_text("new-start");
    let start = text.find("[inspection_protocol]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let err = Treaty::from_toml(
        "broken.toml",
        &format!("{}{}", &text[..start], &text[end..]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("inspections need an [inspection_protocol] table"),
        "{err}"
    );
    let protocol = Treaty::from_toml("ok.toml", text)
        .unwrap()
        .inspection_protocol()
        .cloned()
        .unwrap();
    assert_eq!((protocol.seed_reveal_days, protocol.opening_days), (2, 1));
}

#[test]
fn selection_scope_rules() {
    check(
        "trilateral-draft",
        "scope = \"empty-facilities\"",
        "scope = \"everywhere\"",
        "inspection.selection",
        "unknown selection scope `everywhere`: expected \"declared-sites\" or \"empty-facilities\"",
    );
    check(
        "trilateral-draft",
        "scope = \"empty-facilities\", sites = 2, items = \"all\"",
        "scope = \"empty-facilities\", sites = 2, items = 3",
        "inspection.selection",
        "a check of empty facilities counts every item found there",
    );
    let draft = Treaty::from_toml("ok.toml", treaty_text("trilateral-draft")).unwrap();
    let check = draft
        .inspections()
        .iter()
        .find(|k| k.id == "facility-check")
        .unwrap();
    assert_eq!(
        check.selection.scope,
        verity_treaty::model::SelectionScope::EmptyFacilities
    );
    assert_eq!((check.selection.sites, check.quota_per_year), (2, 2));
}
