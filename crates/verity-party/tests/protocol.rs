//! The compliance view on the seed protocol's failure paths (a party that withholds, reveals
//! out of order, or never opens) and on continuity between declarations (items that vanish,
//! move or appear without a notification; a UID declared twice).

mod regime;

use chrono::Days;
use regime::{Party, check_evidence, compliance, day};
use verity_escrow::{Digest, ItemRecord};
use verity_inspect::{
    SeedCommitment, SeedOutcome, derive_selection_seed, follow_selection, new_start_force,
};
use verity_log::{Disclosure, EntryBody, InspectionRequest, Notification, SeedCommit, SeedReveal};
use verity_treaty::builtin;
use verity_treaty::compliance::Severity;
use verity_treaty::model::DisclosureLevel;
use verity_treaty::model::EventKind;

fn setup(dir: &std::path::Path) -> (verity_treaty::Treaty, Party, Party) {
    let treaty = builtin::treaty("new-start").unwrap();
    let mut usa = Party::new(dir, "USA", 31);
    let mut rus = Party::new(dir, "RUS", 32);
    for p in [&mut usa, &mut rus] {
        let force = new_start_force(&p.code, 6, 8);
        p.declare(&treaty, force, day("2019-03-01"), day("2019-03-01"));
    }
    (treaty, usa, rus)
}

/// Request and both commitments on `on`; returns (request, USA commit, RUS commit) indexes.
fn begin(
    treaty: &verity_treaty::Treaty,
    usa: &mut Party,
    rus: &mut Party,
    id: &str,
    on: chrono::NaiveDate,
    rus_commits: bool,
) -> (u64, u64, Option<u64>) {
    let request = usa.append(
        on,
        EntryBody::InspectionRequest(InspectionRequest {
            inspection: id.into(),
            treaty: treaty.id().into(),
            inspection_type: "type-one".into(),
            inspected: verity_treaty::PartyCode::parse("RUS").unwrap(),
            declaration: rus.entry_ref(rus.declaration),
            seal_to: None,
        }),
    );
    let req = usa.entry_ref(request);
    let ca = usa.append(
        on,
        EntryBody::SeedCommit(SeedCommit {
            inspection: id.into(),
            request: req.clone(),
            commitment: Digest(SeedCommitment::new(id, "USA", &[7; 32]).0),
        }),
    );
    let cb = rus_commits.then(|| {
        rus.append(
            on,
            EntryBody::SeedCommit(SeedCommit {
                inspection: id.into(),
                request: req,
                commitment: Digest(SeedCommitment::new(id, "RUS", &[8; 32]).0),
            }),
        )
    });
    (request, ca, cb)
}

#[test]
fn the_inspected_party_withholding_is_a_violation_and_the_inspecting_seed_selects() {
    let dir = tempfile::tempdir().unwrap();
    let (treaty, mut usa, mut rus) = setup(dir.path());
    let on = day("2019-04-10");
    let (request, _, _) = begin(&treaty, &mut usa, &mut rus, "W1", on, true);
    // Before the deadline (two days): still open, no finding.
    let report = compliance(&treaty, &[&usa, &rus], on + Days::new(2));
    assert_eq!(report.inspections[0].status.as_str(), "awaiting-seeds");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // RUS never reveals. After the deadline USA reveals without citing anything.
    usa.append(
        on + Days::new(3),
        EntryBody::SeedReveal(SeedReveal {
            inspection: "W1".into(),
            seed: Digest([7; 32]),
            after: None,
        }),
    );
    let report = compliance(&treaty, &[&usa, &rus], on + Days::new(3));
    let rules: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.party.as_ref().map_or("", |p| p.as_str())))
        .collect();
    assert_eq!(rules, [("seed-withheld", "RUS")]);
    let seed = report.inspections[0].seed.as_ref().unwrap();
    assert!(matches!(
        seed,
        SeedOutcome::InspectedWithheld { seed: Some(_) }
    ));
    // The fallback is USA's seed alone, and RUS must still open what it selects.
    let fallback = seed.seed().unwrap();
    assert_ne!(fallback, derive_selection_seed("W1", &[7; 32], &[8; 32]));
    assert_eq!(report.inspections[0].status.as_str(), "awaiting-opening");
    let later = compliance(&treaty, &[&usa, &rus], on + Days::new(5));
    assert!(
        later
            .findings
            .iter()
            .any(|f| f.rule.as_str() == "opening-withheld"
                && f.party.is_some_and(|p| p.as_str() == "RUS"))
    );
    // Opening what the fallback selects settles it (late, one day past the due date).
    let o = rus.opening(&treaty, "W1", "type-one", usa.entry_ref(request), &fallback);
    let kind = &treaty.inspections()[0].selection;
    assert!(follow_selection(&fallback, kind, &o).is_ok());
    rus.append(on + Days::new(5), EntryBody::InspectionOpening(o));
    let settled = compliance(&treaty, &[&usa, &rus], on + Days::new(5));
    let rules: Vec<&str> = settled.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["late-opening", "seed-withheld"]);
    assert_eq!(settled.inspections[0].status.as_str(), "awaiting-record");
    check_evidence(&settled, &[&usa, &rus]);
}

#[test]
fn the_inspecting_party_withholding_lapses_the_inspection() {
    let dir = tempfile::tempdir().unwrap();
    let (treaty, mut usa, mut rus) = setup(dir.path());
    let on = day("2019-04-10");
    let (_, ca, _) = begin(&treaty, &mut usa, &mut rus, "L1", on, true);
    rus.append(
        on + Days::new(1),
        EntryBody::SeedReveal(SeedReveal {
            inspection: "L1".into(),
            seed: Digest([8; 32]),
            after: Some(usa.entry_ref(ca)),
        }),
    );
    // USA saw RUS's seed and could compute the outcome; it does not reveal.
    let report = compliance(&treaty, &[&usa, &rus], on + Days::new(3));
    let rules: Vec<(&str, &str, Severity)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.party.as_ref().map_or("", |p| p.as_str()),
                f.severity,
            )
        })
        .collect();
    assert_eq!(rules, [("inspection-lapsed", "USA", Severity::Warning)]);
    assert_eq!(report.inspections[0].status.as_str(), "lapsed");
    // It still counts against the quota.
    assert_eq!(report.inspections[0].number_in_year, Some(1));
}

#[test]
fn a_reveal_out_of_order_is_disregarded() {
    let dir = tempfile::tempdir().unwrap();
    let (treaty, mut usa, mut rus) = setup(dir.path());
    let on = day("2019-04-10");
    let (_, _, cb) = begin(&treaty, &mut usa, &mut rus, "O1", on, true);
    // USA reveals first, citing RUS's commitment instead of its reveal.
    usa.append(
        on,
        EntryBody::SeedReveal(SeedReveal {
            inspection: "O1".into(),
            seed: Digest([7; 32]),
            after: Some(rus.entry_ref(cb.unwrap())),
        }),
    );
    let report = compliance(&treaty, &[&usa, &rus], on + Days::new(3));
    let rules: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.party.as_ref().map_or("", |p| p.as_str())))
        .collect();
    // RUS, having seen USA's seed, withholds; that would hand USA the fallback, but USA's
    // reveal was out of order: disregarded, so the inspection lapses instead.
    assert!(
        rules.contains(&("seed-reveal-out-of-order", "USA")),
        "{rules:?}"
    );
    assert_eq!(report.inspections[0].status.as_str(), "lapsed");
}

#[test]
fn a_reveal_that_does_not_open_its_commitment_is_a_violation() {
    let dir = tempfile::tempdir().unwrap();
    let (treaty, mut usa, mut rus) = setup(dir.path());
    let on = day("2019-04-10");
    let (_, ca, _) = begin(&treaty, &mut usa, &mut rus, "B1", on, true);
    rus.append(
        on + Days::new(1),
        EntryBody::SeedReveal(SeedReveal {
            inspection: "B1".into(),
            seed: Digest([9; 32]),
            after: Some(usa.entry_ref(ca)),
        }),
    );
    let report = compliance(&treaty, &[&usa, &rus], on + Days::new(3));
    let rules: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.party.as_ref().map_or("", |p| p.as_str())))
        .collect();
    assert!(rules.contains(&("bad-seed-reveal", "RUS")), "{rules:?}");
    assert!(rules.contains(&("seed-withheld", "RUS")), "{rules:?}");
}

fn record(uid: &str, site: &str, status: &str) -> ItemRecord {
    ItemRecord {
        uid: uid.into(),
        class: "icbm".into(),
        item_type: "Minuteman III".into(),
        site: site.into(),
        status: status.into(),
        warheads: 1,
    }
}

#[test]
fn continuity_between_declarations_on_opened_sites() {
    let treaty = builtin::treaty("new-start").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut usa = Party::new(dir.path(), "USA", 41);
    let first = vec![
        record("A", "BASE-1", "deployed"),
        record("B", "BASE-1", "deployed"),
        record("C", "BASE-1", "deployed"),
        record("D", "BASE-1", "deployed"),
        record("E", "BASE-1", "deployed"),
        record("F", "BASE-2", "deployed"),
    ];
    let d1 = usa.declare(&treaty, first, day("2019-03-01"), day("2019-03-01"));
    let open_all = |p: &mut Party, decl: u64, on| {
        let sealed = p.sealed();
        let body = Disclosure {
            declaration: decl,
            root: sealed.root(),
            stage: 3,
            level: DisclosureLevel::Items,
            sites: vec![],
            site_counts: vec![],
            site_items: sealed
                .sites()
                .iter()
                .map(|s| sealed.open_site(&s.name).unwrap())
                .collect(),
            dummy_sites: vec![],
            totals: None,
        };
        p.append(on, EntryBody::Disclosure(body))
    };
    open_all(&mut usa, d1, day("2019-03-02"));
    // Notified: A eliminated. Not notified: B vanishes, C moves to BASE-2, D changes status,
    // G appears. E stays. A `created` notification for F, already declared, is a duplicate.
    usa.append(
        day("2019-04-01"),
        EntryBody::Notification(Notification {
            declaration: d1,
            event: EventKind::Eliminated,
            event_date: day("2019-03-30"),
            uid: "A".into(),
            old: Some(record("A", "BASE-1", "deployed")),
            new: None,
        }),
    );
    usa.append(
        day("2019-04-01"),
        EntryBody::Notification(Notification {
            declaration: d1,
            event: EventKind::Created,
            event_date: day("2019-03-30"),
            uid: "F".into(),
            old: None,
            new: Some(record("F", "BASE-2", "deployed")),
        }),
    );
    let second = vec![
        record("C", "BASE-2", "deployed"),
        record("D", "BASE-1", "non-deployed"),
        record("E", "BASE-1", "deployed"),
        record("F", "BASE-2", "deployed"),
        record("G", "BASE-1", "deployed"),
    ];
    let d2 = usa.declare(&treaty, second, day("2019-09-01"), day("2019-09-01"));
    open_all(&mut usa, d2, day("2019-09-02"));
    let report = compliance(&treaty, &[&usa], day("2019-10-01"));
    let got: Vec<(&str, Option<&str>)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.subject.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("appeared-without-notification", Some("G")),
            ("duplicate-uid", Some("F")),
            ("moved-without-notification", Some("C")),
            ("status-changed-without-notification", Some("D")),
            ("vanished-without-notification", Some("B")),
        ],
        "{:#?}",
        report.findings
    );
    check_evidence(&report, &[&usa]);
}
