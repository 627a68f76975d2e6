//! The built-in treaties say what the texts say: dates, limits, counting rules, schedules.

use verity_treaty::model::{AdoptionState, Ceiling, ItemsPerSite, NotificationDeadline};
use verity_treaty::{ExchangeKind, ItemFacts, PartyCode, Status, builtin};

use crate::util::{d, new_start};

#[test]
fn every_builtin_treaty_parses() {
    let all = builtin::treaties().unwrap();
    let ids: Vec<&str> = all.iter().map(|t| t.id()).collect();
    assert_eq!(
        ids,
        ["new-start", "new-start-voluntary-2026", "trilateral-draft"]
    );
}

#[test]
fn new_start_dates_term_and_extension() {
    let t = new_start();
    assert_eq!(
        t.parties(),
        [
            PartyCode::parse("USA").unwrap(),
            PartyCode::parse("RUS").unwrap()
        ]
    );
    assert_eq!(t.dates().signed, Some(d("2010-04-08")));
    assert_eq!(t.dates().entry_into_force, Some(d("2011-02-05")));
    let du = t.duration().unwrap();
    assert_eq!(
        (du.years, du.max_extensions, du.extension_max_years),
        (10, 1, 5)
    );
    assert_eq!(du.extensions_taken.len(), 1);
    assert_eq!(du.extensions_taken[0].agreed, d("2021-02-03"));
    assert_eq!(t.expiry(), Some(d("2026-02-05")));
    assert_eq!(t.withdrawal().unwrap().notice_months, 3);
}

#[test]
fn new_start_status_on_the_days_that_matter() {
    let t = new_start();
    let s = t.status_on(d("2026-11-27"));
    assert_eq!(s.status, Status::Expired);
    assert_eq!(s.expires, Some(d("2026-02-05")));
    assert_eq!(s.days_since_expiry, Some(295));
    assert!(s.obligations.is_empty());

    // The last day in force and the first day expired.
    assert_eq!(t.status_on(d("2026-02-04")).status, Status::InForce);
    assert_eq!(t.status_on(d("2026-02-04")).days_until_expiry, Some(1));
    assert_eq!(t.status_on(d("2026-02-05")).days_since_expiry, Some(0));
    // Before entry into force, and on the day.
    let before = t.status_on(d("2011-01-01"));
    assert_eq!(before.status, Status::NotYetInForce);
    assert_eq!(before.days_until_entry_into_force, Some(35));
    assert_eq!(t.status_on(d("2011-02-05")).status, Status::InForce);
    // Without the 2021 extension it would have expired on 2021-02-05; with it, in force then.
    assert_eq!(t.status_on(d("2021-02-05")).status, Status::InForce);
}

#[test]
fn new_start_obligations_while_in_force() {
    let t = new_start();
    let s = t.status_on(d("2017-06-01"));
    let limits: Vec<&str> = s
        .obligations
        .iter()
        .filter(|o| o.kind == "limit")
        .map(|o| o.description.as_str())
        .collect();
    assert_eq!(limits.len(), 3);
    assert!(
        limits[1].contains("at most 1,550; applies from 2018-02-05 (in 249 days)"),
        "{}",
        limits[1]
    );
    let dx: Vec<&str> = s
        .obligations
        .iter()
        .filter(|o| o.kind == "data-exchange")
        .map(|o| o.description.as_str())
        .collect();
    assert_eq!(dx, ["next data as of 2017-09-01, due by 2017-09-30"]);
    let insp: Vec<&str> = s
        .obligations
        .iter()
        .filter(|o| o.kind == "inspection")
        .map(|o| o.description.as_str())
        .collect();
    assert!(
        insp[0].starts_with("Type One inspections: 10 per year"),
        "{}",
        insp[0]
    );
    assert!(
        insp[0].contains("quota year 2017-02-05 to 2018-02-04"),
        "{}",
        insp[0]
    );
    assert!(insp[1].starts_with("Type Two inspections: 8 per year"));
    // Mid-March a delivery is pending.
    let s = t.status_on(d("2019-03-15"));
    assert!(
        s.obligations
            .iter()
            .any(|o| o.description == "data as of 2019-03-01 due by 2019-03-30")
    );
}

#[test]
fn new_start_central_limits_and_references() {
    let t = new_start();
    let want = [
        ("deployed_icbm_slbm_bombers", 700, "Art. II(1)(a)"),
        ("warheads_on_deployed", 1550, "Art. II(1)(b)"),
        ("deployed_and_nondeployed_launchers", 800, "Art. II(1)(c)"),
    ];
    assert_eq!(t.limits().len(), 3);
    for (id, max, art) in want {
        let l = t.limit(id).unwrap();
        assert_eq!(l.max, Ceiling::Common(max));
        assert_eq!(l.applies_from, d("2018-02-05"));
        assert!(l.reference.starts_with(art), "{id}: {}", l.reference);
    }
    for c in t.categories() {
        assert!(
            !c.reference.is_empty(),
            "category {} has no reference",
            c.id
        );
    }
    assert_eq!(
        t.limit("deployed_and_nondeployed_launchers")
            .unwrap()
            .terms
            .len(),
        6
    );
}

#[test]
fn new_start_counting_rules_from_the_issue() {
    let t = new_start();
    let icbm = ItemFacts {
        class: "icbm",
        status: "deployed",
        warheads: 4,
    };
    let tally = t.tally([icbm]).unwrap();
    let values = t.limit_values(&tally.categories);
    assert_eq!(tally.categories["deployed_icbms"], 1);
    assert_eq!(tally.categories["warheads_on_deployed_icbms"], 4);
    assert_eq!(values["deployed_icbm_slbm_bombers"], 1);
    assert_eq!(values["warheads_on_deployed"], 4);
    assert_eq!(values["deployed_and_nondeployed_launchers"], 1);

    // A deployed heavy bomber counts one bomber, one warhead (whatever it carries), one launcher.
    let bomber = ItemFacts {
        class: "heavy_bomber",
        status: "deployed",
        warheads: 16,
    };
    let v = t.limit_values(&t.tally([bomber]).unwrap().categories);
    assert_eq!(
        (
            v["deployed_icbm_slbm_bombers"],
            v["warheads_on_deployed"],
            v["deployed_and_nondeployed_launchers"]
        ),
        (1, 1, 1)
    );

    // Non-deployed launchers and bombers count one launcher only.
    for class in ["icbm_launcher", "slbm_launcher", "heavy_bomber"] {
        let item = ItemFacts {
            class,
            status: "non-deployed",
            warheads: 0,
        };
        let v = t.limit_values(&t.tally([item]).unwrap().categories);
        assert_eq!(
            (
                v["deployed_icbm_slbm_bombers"],
                v["warheads_on_deployed"],
                v["deployed_and_nondeployed_launchers"]
            ),
            (0, 0, 1),
            "{class}"
        );
    }

    // A mixed force adds up: 400 Minuteman III with one warhead, 240 Trident II with four,
    // 60 bombers, 54 empty ICBM silos.
    let mut items = Vec::new();
    items.extend(std::iter::repeat_n(
        ItemFacts {
            class: "icbm",
            status: "deployed",
            warheads: 1,
        },
        400,
    ));
    items.extend(std::iter::repeat_n(
        ItemFacts {
            class: "slbm",
            status: "deployed",
            warheads: 4,
        },
        240,
    ));
    items.extend(std::iter::repeat_n(
        ItemFacts {
            class: "heavy_bomber",
            status: "deployed",
            warheads: 20,
        },
        60,
    ));
    items.extend(std::iter::repeat_n(
        ItemFacts {
            class: "icbm_launcher",
            status: "non-deployed",
            warheads: 0,
        },
        54,
    ));
    let v = t.limit_values(&t.tally(items).unwrap().categories);
    assert_eq!(v["deployed_icbm_slbm_bombers"], 700);
    assert_eq!(v["warheads_on_deployed"], 400 + 960 + 60);
    assert_eq!(v["deployed_and_nondeployed_launchers"], 754);

    assert!(
        t.tally([ItemFacts {
            class: "cruise_missile",
            status: "deployed",
            warheads: 1
        }])
        .unwrap_err()
        .to_string()
        .contains("cruise_missile")
    );
    assert!(
        t.tally([ItemFacts {
            class: "icbm",
            status: "retired",
            warheads: 1
        }])
        .unwrap_err()
        .to_string()
        .contains("retired")
    );
}

#[test]
fn new_start_schedule_has_thirty_exchanges() {
    let t = new_start();
    let s = t.exchange_schedule(d("2011-02-05"), t.expiry());
    assert_eq!(s.len(), 30);
    assert_eq!(s[0].kind, ExchangeKind::Initial);
    assert_eq!(
        (s[0].as_of, s[0].deadline),
        (d("2011-02-05"), d("2011-03-22"))
    );
    assert_eq!(
        (s[1].as_of, s[1].deadline),
        (d("2011-09-01"), d("2011-09-30"))
    );
    assert_eq!(
        (s[2].as_of, s[2].deadline),
        (d("2012-03-01"), d("2012-03-30"))
    );
    // A leap year: the period ends on 29 February 2024.
    assert!(
        s.iter()
            .any(|x| x.as_of == d("2024-03-01") && x.deadline == d("2024-03-30"))
    );
    assert_eq!(s.last().unwrap().as_of, d("2025-09-01"));
    for pair in s[1..].windows(2) {
        assert_eq!(pair[0].as_of + chrono::Months::new(6), pair[1].as_of);
    }
}

#[test]
fn new_start_notifications_and_inspections() {
    let t = new_start();
    assert_eq!(
        t.notifications()[0].deadline,
        NotificationDeadline::DaysAfterEvent(5)
    );
    assert_eq!(
        t.notifications()[1].deadline,
        NotificationDeadline::NextDataExchange
    );
    let usa = PartyCode::parse("USA").unwrap();
    let rus = PartyCode::parse("RUS").unwrap();
    let one = &t.inspections()[0];
    let two = &t.inspections()[1];
    assert_eq!(
        (one.id.as_str(), one.quota(usa, rus), one.quota(rus, usa)),
        ("type-one", 10, 10)
    );
    assert_eq!((two.id.as_str(), two.quota(usa, rus)), ("type-two", 8));
    assert_eq!(one.quota(usa, usa), 0);
    assert_eq!(one.earliest_days_after_entry_into_force, 60);
    assert_eq!(two.selection.items, ItemsPerSite::All);
}

#[test]
fn voluntary_commitment_is_proposed_and_binds_no_one() {
    let t = builtin::treaty("new-start-voluntary-2026").unwrap();
    assert_eq!(t.state(), AdoptionState::Proposed);
    let p = t.proposal().unwrap();
    assert_eq!(p.offered, d("2025-09-22"));
    assert_eq!(p.offered_by, [PartyCode::parse("RUS").unwrap()]);
    assert!(!p.reciprocated);
    assert!(p.reply.starts_with("No formal reply was given"));
    assert_eq!(
        (p.would_apply_from, p.would_apply_until),
        (d("2026-02-05"), d("2027-02-05"))
    );
    assert!(
        t.data_exchange().is_none() && t.inspections().is_empty() && t.notifications().is_empty()
    );
    for on in ["2025-01-01", "2026-06-01", "2027-06-01"] {
        assert_eq!(t.status_on(d(on)).status, Status::Proposed);
        assert!(!t.in_force_on(d(on)));
    }
    assert_eq!(
        t.limits().iter().map(|l| l.max.clone()).collect::<Vec<_>>(),
        [
            Ceiling::Common(700),
            Ceiling::Common(1550),
            Ceiling::Common(800)
        ]
    );
}

#[test]
fn voluntary_commitment_if_reciprocated_runs_one_year() {
    let text = crate::util::treaty_text("new-start-voluntary-2026")
        .replace("reciprocated = false", "reciprocated = true");
    let t = verity_treaty::Treaty::from_toml("reciprocated.toml", &text).unwrap();
    assert_eq!(t.status_on(d("2026-02-04")).status, Status::NotYetInForce);
    let s = t.status_on(d("2026-11-27"));
    assert_eq!((s.status, s.days_until_expiry), (Status::InForce, Some(70)));
    assert_eq!(t.status_on(d("2027-02-05")).status, Status::Expired);
}

#[test]
fn trilateral_draft_design() {
    let t = builtin::treaty("trilateral-draft").unwrap();
    let [usa, rus, chn] = ["USA", "RUS", "CHN"].map(|c| PartyCode::parse(c).unwrap());
    assert_eq!(t.parties(), [usa, rus, chn]);
    assert_eq!(t.status_on(d("2026-11-27")).status, Status::Draft);
    assert!(!t.in_force_on(d("2028-01-01")));
    let total = t.limit("total_warheads").unwrap();
    assert_eq!(
        (total.max_for(usa), total.max_for(rus), total.max_for(chn)),
        (Some(5500), Some(5500), Some(1000))
    );
    // SIPRI 2025 totals fit under the freeze.
    assert!(
        5177 <= total.max_for(usa).unwrap()
            && 5459 <= total.max_for(rus).unwrap()
            && 600 <= total.max_for(chn).unwrap()
    );
    assert_eq!(
        t.limit("total_warheads_reduced").unwrap().max_for(usa),
        Some(4000)
    );
    assert_eq!(
        t.limit("deployed_strategic_warheads").unwrap().max,
        Ceiling::Common(1800)
    );
    assert_eq!(t.disclosure_stages().len(), 3);
    assert_eq!(t.escrow().unwrap().totals_revealed_at_stage, Some(3));
    let one = &t.inspections()[0];
    assert_eq!(
        (
            one.quota(usa, rus),
            one.quota(usa, chn),
            one.quota(chn, rus)
        ),
        (10, 4, 4)
    );
    // Stored warheads in containers count toward the total ceiling, bomber weapons as loaded.
    let items = [
        ItemFacts {
            class: "warhead_container",
            status: "non-deployed",
            warheads: 4,
        },
        ItemFacts {
            class: "warhead_container",
            status: "retired",
            warheads: 2,
        },
        ItemFacts {
            class: "heavy_bomber",
            status: "deployed",
            warheads: 16,
        },
    ];
    let v = t.limit_values(&t.tally(items).unwrap().categories);
    assert_eq!(v["total_warheads"], 22);
    assert_eq!(v["deployed_strategic_warheads"], 16);
}

#[test]
fn ceilings_read_as_a_person_reads_them() {
    let t = new_start();
    let warheads = t.limit("warheads_on_deployed").unwrap();
    assert_eq!(warheads.max.describe(), "1,550");
    let draft = builtin::treaty("trilateral-draft").unwrap();
    assert_eq!(
        draft.limits()[0].max.describe(),
        "CHN 1,000, RUS 5,500, USA 5,500"
    );
}
