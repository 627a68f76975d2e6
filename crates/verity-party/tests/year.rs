//! Scripted treaty years, as the issue sets them: declarations, notifications (some late on
//! purpose), the full yearly quota of inspections, and one party whose truth differs from its
//! declaration by a known set of items. The compliance view must report exactly the planted
//! findings (late notifications, each difference an inspection reached, nothing else), with
//! evidence that verifies; a request over quota, a tampered opening and an opening that does
//! not follow the revealed seeds are each detected.

mod regime;

use chrono::{Days, NaiveDate};
use regime::{Opening, Party, Visited, check_evidence, compliance, day, inspect};
use std::collections::BTreeSet;
use verity_escrow::ItemRecord;
use verity_inspect::{Discrepancy, World, new_start_force, synthetic_arsenal};
use verity_log::{EntryBody, InspectionRequest};
use verity_treaty::Treaty;
use verity_treaty::builtin;

/// (rule, party, inspection, item) of a finding.
type Key = (String, String, Option<String>, Option<String>);

fn key(rule: &str, party: &str, inspection: Option<&str>, item: Option<&str>) -> Key {
    (
        rule.into(),
        party.into(),
        inspection.map(str::to_string),
        item.map(str::to_string),
    )
}

/// The findings an inspection of `party` must produce: each discrepancy the visit reaches.
fn expected_catches(
    party: &str,
    id: &str,
    visited: &Visited,
    planted: &[Discrepancy],
    declared: &[ItemRecord],
) -> Vec<Key> {
    let mut out = Vec::new();
    let site_of = |uid: &str| {
        declared
            .iter()
            .find(|r| r.uid == uid)
            .map(|r| r.site.clone())
    };
    for (site, designated) in visited {
        for d in planted {
            let rule = match d {
                Discrepancy::ExtraWarheads { uid, .. } if designated.contains(uid) => {
                    Some("item-mismatch")
                }
                Discrepancy::StatusHidden { uid, .. } if site_of(uid).as_ref() == Some(site) => {
                    Some("item-mismatch")
                }
                Discrepancy::Undeclared { record } if record.site == *site => {
                    Some("item-undeclared")
                }
                Discrepancy::Relocated { uid, to_site } => {
                    if site_of(uid).as_ref() == Some(site) {
                        Some("item-missing")
                    } else if to_site == site {
                        Some("item-undeclared")
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if let Some(rule) = rule {
                out.push(key(rule, party, Some(id), Some(d.uid())));
            }
        }
    }
    out
}

fn actual(report: &verity_inspect::view::ComplianceReport) -> BTreeSet<Key> {
    report
        .findings
        .iter()
        .map(|f| {
            key(
                f.rule.as_str(),
                f.party.as_ref().map_or("", |p| p.as_str()),
                f.inspection.as_deref(),
                f.subject.as_deref(),
            )
        })
        .collect()
}

/// The full yearly quota of every ordered pair and type, spread over the treaty year: round
/// robin over (type, inspecting, inspected), one inspection starting every `every` days.
fn schedule(
    treaty: &Treaty,
    start: NaiveDate,
    every: u64,
) -> Vec<(String, String, String, NaiveDate)> {
    let mut ranked = Vec::new();
    for kind in treaty.inspections() {
        for by in treaty.parties() {
            for of in treaty.parties() {
                for round in 0..kind.quota(*by, *of) {
                    ranked.push((round, by.as_str(), of.as_str(), kind.id.as_str()));
                }
            }
        }
    }
    ranked.sort_unstable();
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, (_, by, of, k))| {
            (
                k.to_string(),
                by.to_string(),
                of.to_string(),
                start + Days::new(every * i as u64),
            )
        })
        .collect()
}

fn party_mut<'a>(parties: &'a mut [Party], code: &str) -> &'a mut Party {
    parties.iter_mut().find(|p| p.code == code).unwrap()
}

/// Two mutable parties at once.
fn pair<'a>(parties: &'a mut [Party], a: &str, b: &str) -> (&'a mut Party, &'a mut Party) {
    let ia = parties.iter().position(|p| p.code == a).unwrap();
    let ib = parties.iter().position(|p| p.code == b).unwrap();
    assert_ne!(ia, ib);
    if ia < ib {
        let (x, y) = parties.split_at_mut(ib);
        (&mut x[ia], &mut y[0])
    } else {
        let (x, y) = parties.split_at_mut(ia);
        (&mut y[0], &mut x[ib])
    }
}

/// A notification to play on a date that no inspection occupies.
struct Notice {
    party: &'static str,
    uid: &'static str,
    /// `Some(site)`: moved there; `None`: eliminated.
    to: Option<&'static str>,
    event: NaiveDate,
    recorded: NaiveDate,
}

/// Plays a year: inspections in schedule order, notifications on their recorded dates, and
/// optionally a second declaration per party (its declared records carried forward) on a date.
fn play(
    treaty: &Treaty,
    world: &mut World,
    parties: &mut [Party],
    plan: &[(String, String, String, NaiveDate)],
    notices: &[Notice],
    redeclare: Option<(NaiveDate, NaiveDate)>,
    (cheater, planted): (&str, &[Discrepancy]),
) -> Vec<Key> {
    let mut expected = Vec::new();
    let mut pending: Vec<&Notice> = notices.iter().collect();
    let mut redeclare = redeclare;
    for (n, (kind, by, of, on)) in plan.iter().enumerate() {
        for nt in pending.iter().filter(|nt| nt.recorded < *on) {
            let p = party_mut(parties, nt.party);
            match nt.to {
                Some(site) => p.notify_move(world, nt.uid, site, nt.event, nt.recorded),
                None => p.notify_eliminated(world, nt.uid, nt.event, nt.recorded),
            };
            if (nt.recorded - nt.event).num_days() > 5 {
                expected.push(key("late-notification", nt.party, None, Some(nt.uid)));
            }
        }
        pending.retain(|nt| nt.recorded >= *on);
        if let Some((as_of, recorded)) = redeclare
            && recorded < *on
        {
            for p in parties.iter_mut() {
                let items: Vec<ItemRecord> = p
                    .sealed()
                    .records()
                    .iter()
                    .filter_map(|r| p.current(&r.uid))
                    .collect();
                p.declare(treaty, items, as_of, recorded);
            }
            redeclare = None;
        }
        let id = format!("{by}-{of}-{kind}-{n}");
        let (a, b) = pair(parties, by, of);
        let declared: Vec<ItemRecord> = b.sealed().records().to_vec();
        let visited = inspect(treaty, world, a, b, &id, kind, *on, Opening::Honest);
        if of == cheater {
            expected.extend(expected_catches(of, &id, &visited, planted, &declared));
        }
    }
    assert!(pending.is_empty(), "notices after the last inspection");
    expected
}

#[test]
fn new_start_year_two_parties_one_cheating() {
    let treaty = builtin::treaty("new-start").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut parties = vec![
        Party::new(dir.path(), "USA", 1),
        Party::new(dir.path(), "RUS", 2),
    ];
    let mut world = World::new();
    let planted = vec![
        Discrepancy::ExtraWarheads {
            uid: "RUS-1-002".into(),
            extra: 1,
        },
        Discrepancy::ExtraWarheads {
            uid: "RUS-4-005".into(),
            extra: 2,
        },
        Discrepancy::Undeclared {
            record: ItemRecord {
                uid: "RUS-X-001".into(),
                class: "icbm".into(),
                item_type: "Minuteman III".into(),
                site: "RUS-ICBM-BASE-3".into(),
                status: "deployed".into(),
                warheads: 1,
            },
        },
        Discrepancy::Relocated {
            uid: "RUS-S-002".into(),
            to_site: "RUS-ICBM-BASE-0".into(),
        },
        Discrepancy::StatusHidden {
            uid: "RUS-0-L".into(),
            true_status: "deployed".into(),
        },
    ];
    for p in parties.iter_mut() {
        let force = new_start_force(&p.code, 6, 8);
        p.declare(&treaty, force.clone(), day("2019-03-01"), day("2019-03-01"));
        let discrepancies = if p.code == "RUS" {
            planted.as_slice()
        } else {
            &[]
        };
        world.set_truth(&p.code, &force, discrepancies).unwrap();
    }
    // Every inspection takes three days; inspections start every eight days, so the days
    // between (4th to 8th) are free for notifications and the September data exchange.
    let start = day("2019-04-06");
    let plan = schedule(&treaty, start, 8);
    assert_eq!(plan.len(), 36, "10 + 8 each way");
    let free = |k: u64| start + Days::new(8 * k + 4);
    let notices = [
        Notice {
            party: "USA",
            uid: "USA-S-001",
            to: Some("USA-ICBM-BASE-0"),
            event: free(4) - Days::new(2),
            recorded: free(4),
        },
        Notice {
            party: "USA",
            uid: "USA-S-003",
            to: Some("USA-ICBM-BASE-3"),
            event: free(8) - Days::new(9),
            recorded: free(8),
        },
        Notice {
            party: "RUS",
            uid: "RUS-S-004",
            to: None,
            event: free(12) - Days::new(19),
            recorded: free(12),
        },
        Notice {
            party: "RUS",
            uid: "RUS-S-005",
            to: Some("RUS-ICBM-BASE-0"),
            event: free(16) - Days::new(5),
            recorded: free(16),
        },
    ];
    let mut expected = play(
        &treaty,
        &mut world,
        &mut parties,
        &plan,
        &notices,
        Some((day("2019-09-01"), free(20))),
        ("RUS", &planted),
    );
    let on = day("2020-02-01");
    let refs: Vec<&Party> = parties.iter().collect();
    let report = compliance(&treaty, &refs, on);
    expected.sort();
    expected.dedup();
    let want: BTreeSet<Key> = expected.iter().cloned().collect();
    let got = actual(&report);
    assert_eq!(got, want, "findings: {:#?}", report.findings);
    // The planted lateness is named with its figures.
    let late: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule.as_str() == "late-notification")
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        late.iter()
            .any(|m| m.contains("`USA-S-003`") && m.contains("4 days late")),
        "{late:?}"
    );
    assert!(
        late.iter()
            .any(|m| m.contains("`RUS-S-004`") && m.contains("14 days late")),
        "{late:?}"
    );
    // Some planted differences were reached and some were not: the regime catches what it
    // visits and only that.
    let caught: BTreeSet<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule.as_str().starts_with("item-"))
        .filter_map(|f| f.subject.as_deref())
        .collect();
    assert!(!caught.is_empty(), "no difference was reached");
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.party.is_some_and(|p| p.as_str() == "RUS")
                || f.rule.as_str() == "late-notification")
    );
    assert_eq!(report.violations, report.findings.len());
    check_evidence(&report, &refs);
    // Every inspection completed, numbered within the quota year.
    assert_eq!(report.inspections.len(), 36);
    assert!(
        report
            .inspections
            .iter()
            .all(|i| i.status.as_str() == "complete"),
        "{:#?}",
        report
            .inspections
            .iter()
            .map(|i| (&i.id, &i.status))
            .collect::<Vec<_>>()
    );
    let mut numbers: Vec<u32> = report
        .inspections
        .iter()
        .filter(|i| i.inspecting.as_str() == "USA" && i.inspection_type == "type-one")
        .filter_map(|i| i.number_in_year)
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    // Limits from the clear aggregates of the latest declarations: all compliant.
    assert_eq!(report.limits.len(), 6);
    assert!(
        report
            .limits
            .iter()
            .all(|v| v.verdict == verity_treaty::compliance::Verdict::Compliant)
    );

    // An eleventh Type One request by the United States that year is over quota: the
    // view refuses it and says so, and nothing else changes.
    let (usa, rus) = pair(&mut parties, "USA", "RUS");
    let decl = rus.entry_ref(rus.declaration);
    usa.append(
        day("2020-01-28"),
        EntryBody::InspectionRequest(InspectionRequest {
            inspection: "USA-RUS-type-one-extra".into(),
            treaty: treaty.id().into(),
            inspection_type: "type-one".into(),
            inspected: verity_treaty::PartyCode::parse("RUS").unwrap(),
            declaration: decl,
            seal_to: None,
        }),
    );
    let refs: Vec<&Party> = parties.iter().collect();
    let again = compliance(&treaty, &refs, on);
    let mut want_more = want.clone();
    want_more.insert(key(
        "request-over-quota",
        "USA",
        Some("USA-RUS-type-one-extra"),
        None,
    ));
    assert_eq!(actual(&again), want_more);
    let refused = again
        .findings
        .iter()
        .find(|f| f.rule.as_str() == "request-over-quota")
        .unwrap();
    assert!(
        refused.message.contains(
            "used all 10 `type-one` inspections of RUS for the quota year 2019-02-05 to 2020-02-05"
        ),
        "{}",
        refused.message
    );
    check_evidence(&again, &refs);
}

#[test]
fn trilateral_year_three_parties_china_cheating() {
    let treaty = builtin::treaty("trilateral-draft").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut parties = vec![
        Party::new(dir.path(), "USA", 11),
        Party::new(dir.path(), "RUS", 12),
        Party::new(dir.path(), "CHN", 13),
    ];
    let mut world = World::new();
    let planted = vec![
        Discrepancy::ExtraWarheads {
            uid: "CHN-BASE-00002".into(),
            extra: 1,
        },
        Discrepancy::ExtraWarheads {
            uid: "CHN-STORE-00017".into(),
            extra: 2,
        },
        Discrepancy::Undeclared {
            record: ItemRecord {
                uid: "CHN-STORE-X0001".into(),
                class: "warhead_container".into(),
                item_type: "Container".into(),
                site: "CHN-STORE-0".into(),
                status: "non-deployed".into(),
                warheads: 4,
            },
        },
        Discrepancy::Relocated {
            uid: "CHN-STORE-00100".into(),
            to_site: "CHN-BASE-0".into(),
        },
        // Kept at a facility China registers as empty: only facility checks can reach it.
        Discrepancy::Undeclared {
            record: ItemRecord {
                uid: "CHN-STORE-X0002".into(),
                class: "warhead_container".into(),
                item_type: "Container".into(),
                site: "CHN-FORMER-STORE-2".into(),
                status: "non-deployed".into(),
                warheads: 10,
            },
        },
    ];
    let eif = treaty.dates().entry_into_force.unwrap();
    for p in parties.iter_mut() {
        p.empty_facilities = (1..=4)
            .map(|i| format!("{}-FORMER-STORE-{i}", p.code))
            .collect();
        // Scaled-down arsenals (China's is SIPRI 2025's: 24 deployed, 576 stored).
        let force = match p.code.as_str() {
            "CHN" => synthetic_arsenal("CHN", 24, 576, 0),
            code => synthetic_arsenal(code, 600, 400, 80),
        };
        p.declare(&treaty, force.clone(), eif, eif);
        let discrepancies = if p.code == "CHN" {
            planted.as_slice()
        } else {
            &[]
        };
        world.set_truth(&p.code, &force, discrepancies).unwrap();
    }
    let start = eif + Days::new(60);
    let plan = schedule(&treaty, start, 4);
    assert_eq!(
        plan.len(),
        72,
        "USA-RUS 10 + 8 each way; 4 + 2 on and by China each way; 2 facility checks each way"
    );
    let free = |k: u64| start + Days::new(4 * k + 3);
    let notices = [
        Notice {
            party: "USA",
            uid: "USA-STORE-00001",
            to: Some("USA-BASE-0"),
            event: free(10) - Days::new(8),
            recorded: free(10),
        },
        Notice {
            party: "CHN",
            uid: "CHN-STORE-00003",
            to: Some("CHN-BASE-0"),
            event: free(30) - Days::new(1),
            recorded: free(30),
        },
        Notice {
            party: "RUS",
            uid: "RUS-DISMANTLE-00004",
            to: None,
            event: free(40) - Days::new(4),
            recorded: free(40),
        },
    ];
    let mut expected = play(
        &treaty,
        &mut world,
        &mut parties,
        &plan,
        &notices,
        None,
        ("CHN", &planted),
    );
    let refs: Vec<&Party> = parties.iter().collect();
    let report = compliance(&treaty, &refs, start + Days::new(320));
    expected.sort();
    expected.dedup();
    let want: BTreeSet<Key> = expected.into_iter().collect();
    assert_eq!(actual(&report), want, "findings: {:#?}", report.findings);
    assert!(want.contains(&key(
        "late-notification",
        "USA",
        None,
        Some("USA-STORE-00001")
    )));
    // China's two real sites are found among 64 published positions every time: padding
    // positions drawn are skipped with their salts, never opened as sites.
    for i in report
        .inspections
        .iter()
        .filter(|i| i.inspected.as_str() == "CHN" && i.inspection_type != "facility-check")
    {
        let sel = i.selection.as_ref().unwrap();
        assert_eq!(sel.sites.len(), 1);
        assert!(sel.sites[0].site == "CHN-BASE-0" || sel.sites[0].site == "CHN-STORE-0");
    }
    // The undeclared container is caught by every Type Two inspection of China (the store is
    // its only eligible site), and only there.
    let undeclared: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.subject.as_deref() == Some("CHN-STORE-X0001"))
        .filter_map(|f| f.inspection.as_deref())
        .collect();
    assert_eq!(undeclared.len(), 4, "{undeclared:?}");
    assert!(undeclared.iter().all(|id| id.contains("type-two")));
    // Facility checks visit two of the four registered facilities each; the container kept at
    // one of them is reported by exactly the checks of China whose draw included it.
    let mut reaching = Vec::new();
    for i in report
        .inspections
        .iter()
        .filter(|i| i.inspection_type == "facility-check")
    {
        let sel = i.selection.as_ref().unwrap();
        assert_eq!(sel.sites.len(), 2, "{}", i.id);
        assert!(sel.sites.iter().all(|s| {
            s.site
                .starts_with(&format!("{}-FORMER-STORE-", i.inspected))
        }));
        if sel.sites.iter().any(|s| s.site == "CHN-FORMER-STORE-2") {
            reaching.push(i.id.as_str());
        }
    }
    let mut hidden: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.subject.as_deref() == Some("CHN-STORE-X0002"))
        .filter_map(|f| f.inspection.as_deref())
        .collect();
    hidden.sort_unstable();
    reaching.sort_unstable();
    assert_eq!(hidden, reaching);
    assert!(!hidden.is_empty(), "this seed reaches the facility");
    // Hidden totals: every applicable limit proved, no count shown.
    assert!(report.limits.iter().all(|v| v.value.is_none()));
    assert!(
        report
            .limits
            .iter()
            .any(|v| v.verdict == verity_treaty::compliance::Verdict::WithinLimitsProved)
    );
    assert!(
        report
            .inspections
            .iter()
            .all(|i| i.status.as_str() == "complete")
    );
    check_evidence(&report, &refs);
}

#[test]
fn tampered_opening_and_off_selection_opening_are_detected() {
    let treaty = builtin::treaty("new-start").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut parties = vec![
        Party::new(dir.path(), "USA", 21),
        Party::new(dir.path(), "RUS", 22),
    ];
    let mut world = World::new();
    for p in parties.iter_mut() {
        let force = new_start_force(&p.code, 6, 8);
        p.declare(&treaty, force.clone(), day("2019-03-01"), day("2019-03-01"));
        world.set_truth(&p.code, &force, &[]).unwrap();
    }
    let (usa, rus) = pair(&mut parties, "USA", "RUS");
    inspect(
        &treaty,
        &world,
        usa,
        rus,
        "T1",
        "type-one",
        day("2019-04-10"),
        Opening::Tampered,
    );
    inspect(
        &treaty,
        &world,
        usa,
        rus,
        "T2",
        "type-two",
        day("2019-04-20"),
        Opening::OffSelection,
    );
    inspect(
        &treaty,
        &world,
        rus,
        usa,
        "T3",
        "type-one",
        day("2019-04-30"),
        Opening::Honest,
    );
    let refs: Vec<&Party> = parties.iter().collect();
    let report = compliance(&treaty, &refs, day("2019-06-01"));
    let got = actual(&report);
    let want: BTreeSet<Key> = [
        key("invalid-opening", "RUS", Some("T1"), None),
        key("opening-off-selection", "RUS", Some("T2"), None),
        // Its bytes are sound (RUS signed what it tampered with), so the log itself is not at
        // fault: the tampered opening is judged once, as the inspection's invalid opening.
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want, "{:#?}", report.findings);
    let off = report
        .findings
        .iter()
        .find(|f| f.rule.as_str() == "opening-off-selection")
        .unwrap();
    assert!(
        off.message
            .contains("was drawn but is neither opened nor shown to be padding"),
        "{}",
        off.message
    );
    let bad = report
        .findings
        .iter()
        .find(|f| f.rule.as_str() == "invalid-opening")
        .unwrap();
    assert!(
        bad.message.contains("do not rebuild its committed list"),
        "{}",
        bad.message
    );
    let status = |id: &str| {
        report
            .inspections
            .iter()
            .find(|i| i.id == id)
            .unwrap()
            .status
            .as_str()
    };
    assert_eq!(
        (status("T1"), status("T2"), status("T3")),
        ("opening-rejected", "opening-rejected", "complete")
    );
    check_evidence(&report, &refs);
}
