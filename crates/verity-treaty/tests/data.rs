//! The shipped figures: every row has a source, nothing unconfirmed is filled in, and the
//! values agree with the sources (SIPRI Yearbook 2025; the published New START exchanges).

use verity_treaty::builtin;
use verity_treaty::compliance::ExchangeStatus;

use crate::util::d;

#[test]
fn every_data_row_carries_a_source() {
    for (file, text) in [
        builtin::NEW_START_AGGREGATES,
        builtin::ESTIMATES,
        builtin::WORLD_TOTALS,
        builtin::REGIME_EVENTS,
        builtin::NEW_START_FORCES,
        builtin::NEW_START_ACCOUNTABILITY,
    ] {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let source = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "source")
            .unwrap();
        let mut n = 0;
        for rec in reader.records() {
            let rec = rec.unwrap();
            assert!(
                rec.get(source).is_some_and(|s| s.trim().len() > 10),
                "{file}: row {rec:?} has no source"
            );
            assert!(
                !rec.iter()
                    .any(|c| c == "unconfirmed" || c == "not_provided"),
                "{file}: an unconfirmed marker instead of an empty cell in {rec:?}"
            );
            n += 1;
        }
        assert!(n > 0, "{file} is empty");
    }
}

#[test]
fn sipri_2025_for_all_nine_states() {
    let est = builtin::estimates().unwrap();
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
    let y2025: Vec<_> = est.iter().filter(|e| e.year == 2025).collect();
    assert_eq!(y2025.len(), 9);
    for (state, total, deployed, stored, retired) in want {
        let e = y2025.iter().find(|e| e.state.as_str() == state).unwrap();
        assert_eq!(
            (e.total_inventory, e.deployed, e.stored, e.retired),
            (Some(total), Some(deployed), Some(stored), Some(retired)),
            "{state}"
        );
        assert_eq!(e.edition, "SIPRI Yearbook 2025");
    }
    // The rows add up to SIPRI's own world figures.
    let sum = |f: fn(&verity_treaty::figures::Estimate) -> Option<u64>| {
        y2025.iter().filter_map(|e| f(e)).sum::<u64>()
    };
    let world = builtin::world_totals().unwrap();
    let sipri = world
        .iter()
        .find(|w| w.estimator == "SIPRI" && w.year == 2025)
        .unwrap();
    assert_eq!(sum(|e| e.total_inventory), 12241);
    assert_eq!(sipri.total_inventory, 12241);
    assert_eq!(Some(sum(|e| e.deployed)), sipri.deployed);
    assert_eq!(
        Some(sum(|e| e.deployed) + sum(|e| e.stored)),
        sipri.military_stockpile
    );
    assert_eq!(sipri.military_stockpile, Some(9614));
}

#[test]
fn earlier_years_and_changes() {
    let est = builtin::estimates().unwrap();
    let changes = verity_treaty::figures::with_changes(&est, Some(2025));
    let chn = changes
        .iter()
        .find(|c| c.estimate.state.as_str() == "CHN")
        .unwrap();
    assert_eq!(
        (
            chn.previous_year,
            chn.change_total,
            chn.change_across_editions
        ),
        (Some(2024), Some(100), false)
    );
    let usa = changes
        .iter()
        .find(|c| c.estimate.state.as_str() == "USA")
        .unwrap();
    assert_eq!(usa.change_total, Some(-151));
    // 2024 against 2023 crosses editions (SIPRI revised its January 2024 figures).
    let c2024 = verity_treaty::figures::with_changes(&est, Some(2024));
    let usa = c2024
        .iter()
        .find(|c| c.estimate.state.as_str() == "USA")
        .unwrap();
    assert_eq!(
        (usa.change_total, usa.change_across_editions),
        (Some(84), true)
    );
    // China's series from SIPRI's 2010 Yearbook (2012 and 2017 from FAS); 2014 and 2015 have
    // no Chinese figure in the stored sources.
    let series: Vec<(i32, u64)> = est
        .iter()
        .filter(|e| e.state.as_str() == "CHN")
        .filter_map(|e| e.total_inventory.map(|t| (e.year, t)))
        .collect();
    assert_eq!(
        series,
        [
            (2010, 240),
            (2011, 240),
            (2012, 240),
            (2013, 250),
            (2016, 260),
            (2017, 260),
            (2018, 280),
            (2019, 290),
            (2020, 320),
            (2021, 350),
            (2022, 350),
            (2023, 410),
            (2024, 500),
            (2025, 600)
        ]
    );
    // The nine states of January 2022 add up to SIPRI's world total of 12,705.
    assert_eq!(
        est.iter()
            .filter(|e| e.year == 2022)
            .map(|e| e.total_inventory.unwrap())
            .sum::<u64>(),
        12705
    );
    assert_eq!(
        est.iter()
            .filter(|e| e.year == 2023)
            .map(|e| e.total_inventory.unwrap())
            .sum::<u64>(),
        12512
    );
}

#[test]
fn new_start_aggregates_cover_every_exchange_both_parties() {
    let rows = builtin::new_start_aggregates().unwrap();
    assert_eq!(rows.len(), 50);
    assert_eq!(rows.first().unwrap().as_of, d("2011-02-05"));
    assert_eq!(rows.last().unwrap().as_of, d("2023-03-01"));
    let first_usa = rows.iter().find(|r| r.party.as_str() == "USA").unwrap();
    let v = |r: &verity_treaty::compliance::DeclaredFigures, k: &str| r.values[k];
    assert_eq!(
        (
            v(first_usa, "deployed_icbm_slbm_bombers"),
            v(first_usa, "warheads_on_deployed"),
            v(first_usa, "deployed_and_nondeployed_launchers")
        ),
        (Some(882), Some(1800), Some(1124))
    );
    let rus_2023 = rows
        .iter()
        .find(|r| r.party.as_str() == "RUS" && r.as_of == d("2023-03-01"))
        .unwrap();
    assert_eq!(rus_2023.exchange, ExchangeStatus::Withheld);
    assert!(rus_2023.values.values().all(Option::is_none));
    let usa_2023 = rows
        .iter()
        .find(|r| r.party.as_str() == "USA" && r.as_of == d("2023-03-01"))
        .unwrap();
    assert_eq!(usa_2023.exchange, ExchangeStatus::PublishedOnly);
    assert_eq!(v(usa_2023, "warheads_on_deployed"), Some(1419));
    let missing: usize = rows
        .iter()
        .map(|r| r.values.values().filter(|v| v.is_none()).count())
        .sum();
    assert_eq!(missing, 11);
    // Launcher totals the State Department published that were once missing: 2013-03 (the
    // United States' 1,028 stated; Russia's 900 derived from its stated 894 "minus six" in
    // September), 2014-09 (912 and 911), and Russia's 894 of 2013-09 stated, not derived.
    let launchers = |date: &str, party: &str| {
        let r = rows
            .iter()
            .find(|r| r.party.as_str() == party && r.as_of == d(date))
            .unwrap();
        (
            v(r, "deployed_and_nondeployed_launchers"),
            r.derived
                .iter()
                .any(|x| x == "deployed_and_nondeployed_launchers"),
        )
    };
    assert_eq!(launchers("2013-03-01", "USA"), (Some(1028), false));
    assert_eq!(launchers("2013-03-01", "RUS"), (Some(900), true));
    assert_eq!(launchers("2013-09-01", "RUS"), (Some(894), false));
    assert_eq!(launchers("2014-09-01", "USA"), (Some(912), false));
    assert_eq!(launchers("2014-09-01", "RUS"), (Some(911), false));
    for pair in rows.chunks(2) {
        assert_eq!(pair[0].as_of, pair[1].as_of);
        assert_ne!(pair[0].party, pair[1].party);
    }
}
