//! New START as it was practised: the recorded events in effect on a date (the 2020 pause,
//! Russia's 2022 exemption and 2023 suspension, the United States' countermeasures), each
//! with its source; the grounds each party stated for withholding an exchange; and a
//! malformed events file named at its line and column.

use verity_treaty::builtin;
use verity_treaty::compliance::{Mode, assess};
use verity_treaty::events::{
    RegimeEventKind, Withheld, add_stated_grounds, parse_events, practice_on,
};
use verity_treaty::finding::Rule;

use crate::util::d;

#[test]
fn what_applied_in_practice_on_a_date() {
    let events = builtin::regime_events().unwrap();
    assert!(
        events
            .iter()
            .all(|e| e.source.contains("http") || e.source.contains("Treaty text"))
    );
    // Before the pandemic: nothing but the text.
    assert!(practice_on(&events, "new-start", d("2020-03-01")).is_empty());
    // June 2020: inspections paused by both.
    let june_2020 = practice_on(&events, "new-start", d("2020-06-01"));
    assert_eq!(june_2020.len(), 1);
    assert_eq!(june_2020[0].kind, RegimeEventKind::Pause);
    assert_eq!(
        june_2020[0].practice_line(),
        "inspections paused by mutual decision of USA and RUS since 2020-03-29"
    );
    // Mid-2023: the exemption, the suspension (contested), the United States' countermeasures.
    let lines: Vec<String> = practice_on(&events, "new-start", d("2023-06-15"))
        .iter()
        .map(|e| e.practice_line())
        .collect();
    assert_eq!(
        lines,
        [
            "inspections paused by mutual decision of USA and RUS since 2020-03-29",
            "inspections suspended by RUS (facilities exempted) since 2022-08-08 (contested by USA)",
            "treaty suspended by RUS (inspections, data, notifications withheld) since 2023-02-28 (contested by USA)",
            "countermeasures by USA (data withheld) since 2023-03-28 (contested by RUS)",
            "countermeasures by USA (inspections, data, notifications, telemetry withheld) since 2023-06-01 (contested by RUS)",
        ]
    );
    // The offer and the expiry are history, not something withheld.
    let offer = events
        .iter()
        .find(|e| e.kind == RegimeEventKind::Offer)
        .unwrap();
    assert_eq!(offer.date, d("2025-09-22"));
    assert!(offer.withholds.is_empty());
    let suspension = events
        .iter()
        .find(|e| e.kind == RegimeEventKind::Suspension)
        .unwrap();
    assert!(suspension.withholds.contains(&Withheld::Data));
    assert!(suspension.text.contains("38-FZ"));
}

#[test]
fn a_withheld_exchange_carries_the_grounds_its_party_stated_and_stays_a_finding() {
    let treaty = builtin::treaty("new-start").unwrap();
    let rows = builtin::new_start_aggregates().unwrap();
    let mut a = assess(&treaty, &rows, d("2026-11-27"), Mode::AsWritten);
    let before = a.findings.clone();
    add_stated_grounds(&treaty, &mut a.findings, &builtin::regime_events().unwrap());
    // Same findings, same rules and severities: the engine judges by the text.
    assert_eq!(
        before
            .iter()
            .map(|f| (f.rule, f.party, f.date))
            .collect::<Vec<_>>(),
        a.findings
            .iter()
            .map(|f| (f.rule, f.party, f.date))
            .collect::<Vec<_>>()
    );
    let message = |rule: Rule, party: &str, date: &str| {
        a.findings
            .iter()
            .find(|f| {
                f.rule == rule && f.party.unwrap().as_str() == party && f.date == Some(d(date))
            })
            .unwrap()
            .message
            .clone()
    };
    let usa = message(Rule::DataExchangeWithheld, "USA", "2023-03-01");
    assert!(
        usa.contains("withheld under countermeasures by USA (data withheld) since 2023-03-28 (contested by RUS) (data/regime_events.csv:5)"),
        "{usa}"
    );
    let rus = message(Rule::DataExchangeWithheld, "RUS", "2023-03-01");
    assert!(rus.contains("treaty suspended by RUS"), "{rus}");
    let later = message(Rule::DataExchangeAbsentFromRecord, "USA", "2025-09-01");
    assert!(later.contains("since 2023-06-01"), "{later}");
    // Before any event, an exchange absent from the record has no stated grounds.
    let early = message(Rule::DataExchangeAbsentFromRecord, "USA", "2018-03-01");
    assert!(!early.contains("withheld under"), "{early}");
}

#[test]
fn a_malformed_events_file_is_named_at_its_line_and_column() {
    let header = "treaty,date,actor,kind,withholds,contested_by,exchange,text,source\n";
    for (row, want) in [
        (
            "new-start,2023-02-30,RUS,suspension,data,,,t,s",
            "data/x.csv:2:2",
        ),
        (
            "new-start,2023-02-28,RUS,walkout,data,,,t,s",
            "data/x.csv:2:4",
        ),
        (
            "new-start,2023-02-28,RUS,suspension,missiles,,,t,s",
            "data/x.csv:2:5",
        ),
        (
            "new-start,2023-02-28,RUS;ussr,suspension,data,,,t,s",
            "data/x.csv:2:3",
        ),
        (
            "new-start,2023-02-28,RUS,suspension,data,,,t,",
            "data/x.csv:2:9",
        ),
    ] {
        let e = parse_events("data/x.csv", &format!("{header}{row}\n")).unwrap_err();
        assert!(e.to_string().contains(want), "{row}: {e}");
    }
    assert!(parse_events("data/x.csv", "date,party\n").is_err());
}
