//! The inspection layer's promises: seed commitments bind, the protocol's order and fallbacks
//! leave no side a choice of outcome, selection is deterministic and unbiased, and quotas are
//! counted per type, ordered pair and quota year, refusing the request one over.

use chrono::NaiveDate;
use verity_inspect::Position;
use verity_inspect::{
    QuotaError, QuotaLedger, Request, Role, SeedCommitment, SeedOutcome, SeedProtocol,
    SeedProtocolError, derive_selection_seed, draw_positions, walk_selection,
};
use verity_treaty::model::{ItemsPerSite, Selection};
use verity_treaty::{PartyCode, builtin};

const ID: &str = "USA-RUS-type-one-2020-1";

fn protocol() -> SeedProtocol {
    let mut p = SeedProtocol::new(ID, "USA", "RUS");
    p.commit(Role::Inspecting, SeedCommitment::new(ID, "USA", &[1; 32]))
        .unwrap();
    p.commit(Role::Inspected, SeedCommitment::new(ID, "RUS", &[2; 32]))
        .unwrap();
    p
}

#[test]
fn commitments_bind_seed_inspection_and_party() {
    let c = SeedCommitment::new(ID, "USA", &[1; 32]);
    assert!(c.opens(ID, "USA", &[1; 32]));
    let mut other = [1u8; 32];
    other[31] = 0;
    assert!(!c.opens(ID, "USA", &other));
    assert!(!c.opens("another-inspection", "USA", &[1; 32]));
    assert!(!c.opens(ID, "RUS", &[1; 32]));
}

#[test]
fn both_reveals_in_order_give_the_joint_seed() {
    let mut p = protocol();
    assert_eq!(p.outcome(false), None);
    p.reveal(Role::Inspected, [2; 32]).unwrap();
    p.reveal(Role::Inspecting, [1; 32]).unwrap();
    let want = hex::encode(derive_selection_seed(ID, &[1; 32], &[2; 32]));
    assert_eq!(p.outcome(false), Some(SeedOutcome::Joint { seed: want }));
    // Each side's seed changes the result: neither fixes it alone.
    assert_ne!(
        derive_selection_seed(ID, &[1; 32], &[2; 32]),
        derive_selection_seed(ID, &[1; 32], &[3; 32])
    );
    assert_ne!(
        derive_selection_seed(ID, &[1; 32], &[2; 32]),
        derive_selection_seed(ID, &[4; 32], &[2; 32])
    );
}

#[test]
fn out_of_order_repeated_or_false_steps_are_refused() {
    let mut p = SeedProtocol::new(ID, "USA", "RUS");
    p.commit(Role::Inspecting, SeedCommitment::new(ID, "USA", &[1; 32]))
        .unwrap();
    assert!(matches!(
        p.reveal(Role::Inspecting, [1; 32]),
        Err(SeedProtocolError::OutOfOrder(_))
    ));
    assert_eq!(
        p.commit(Role::Inspecting, SeedCommitment::new(ID, "USA", &[9; 32])),
        Err(SeedProtocolError::Repeated(Role::Inspecting))
    );
    let mut p = protocol();
    // The inspecting party may not reveal first: it would then know the outcome before the
    // inspected party decides, and could not be held to it.
    assert!(matches!(
        p.reveal(Role::Inspecting, [1; 32]),
        Err(SeedProtocolError::OutOfOrder(_))
    ));
    assert_eq!(
        p.reveal(Role::Inspected, [3; 32]),
        Err(SeedProtocolError::BadReveal(Role::Inspected))
    );
    p.reveal(Role::Inspected, [2; 32]).unwrap();
    assert!(matches!(
        p.commit(Role::Inspected, SeedCommitment::new(ID, "RUS", &[5; 32])),
        Err(SeedProtocolError::OutOfOrder(_))
    ));
    assert_eq!(
        p.reveal(Role::Inspected, [2; 32]),
        Err(SeedProtocolError::Repeated(Role::Inspected))
    );
}

#[test]
fn withholding_gains_nothing() {
    // The inspected party withholds: the inspecting party's seed alone decides, and the
    // result is not the joint one the inspected party might have computed.
    let mut p = protocol();
    assert_eq!(p.outcome(false), None);
    assert_eq!(
        p.outcome(true),
        Some(SeedOutcome::InspectedWithheld { seed: None })
    );
    assert_eq!(
        p.reveal_after_withholding([9; 32]),
        Err(SeedProtocolError::BadReveal(Role::Inspecting))
    );
    p.reveal_after_withholding([1; 32]).unwrap();
    let Some(SeedOutcome::InspectedWithheld { seed: Some(seed) }) = p.outcome(true) else {
        panic!("expected the fallback seed");
    };
    assert_ne!(
        seed,
        hex::encode(derive_selection_seed(ID, &[1; 32], &[2; 32]))
    );
    // The inspecting party withholds after seeing the inspected seed: the inspection lapses
    // (and still counts against its quota): no second draw.
    let mut p = protocol();
    p.reveal(Role::Inspected, [2; 32]).unwrap();
    assert_eq!(p.outcome(false), None);
    assert_eq!(p.outcome(true), Some(SeedOutcome::Lapsed));
}

#[test]
fn selection_is_a_deterministic_permutation_and_skips_dummies() {
    let seed = [7u8; 32];
    let a = draw_positions(&seed, "sites", 64);
    assert_eq!(
        a,
        draw_positions(&seed, "sites", 64),
        "anyone recomputes it"
    );
    let mut sorted = a.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..64).collect::<Vec<_>>(), "a permutation");
    assert_ne!(
        a,
        draw_positions(&seed, "items", 64),
        "labels separate draws"
    );
    assert_ne!(a, draw_positions(&[8; 32], "sites", 64));
    // Positions 0..48 are padding: the first real one drawn is chosen, after the dummies
    // drawn before it; the count of draws is public.
    let record = [verity_escrow::ItemRecord {
        uid: "M1".into(),
        class: "icbm".into(),
        item_type: "ICBM".into(),
        site: "S".into(),
        status: "deployed".into(),
        warheads: 1,
    }];
    let select = |sites: u32, dummy: &dyn Fn(usize) -> bool| {
        let kind = Selection {
            scope: Default::default(),
            sites,
            items: ItemsPerSite::Count(1),
            item_classes: vec!["icbm".into()],
            item_statuses: vec!["deployed".into()],
        };
        let walk = walk_selection(&seed, &kind, 64, |p| {
            if dummy(p) {
                Position::Padding
            } else {
                Position::Site("S", &record)
            }
        })
        .unwrap();
        let chosen: Vec<usize> = walk.sites.iter().map(|s| s.position as usize).collect();
        (chosen, walk.draws.len())
    };
    let (chosen, draws) = select(1, &|p| p < 48);
    let first_real = a.iter().position(|&p| p >= 48).unwrap();
    assert_eq!(chosen, vec![a[first_real]]);
    assert_eq!(draws, first_real + 1);
    let (chosen, _) = select(100, &|p| p % 2 == 0);
    assert_eq!(chosen.len(), 32, "no more than the real positions");
}

#[test]
fn every_position_is_equally_likely_to_be_drawn_first() {
    let n = 16;
    let trials = 16_000u32;
    let mut first = vec![0u32; n];
    for t in 0..trials {
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&t.to_be_bytes());
        first[draw_positions(&seed, "sites", n)[0]] += 1;
    }
    // Expected 1,000 each; a chi-square statistic with 15 degrees of freedom above 40 has
    // probability below 0.001 for a fair draw.
    let chi2: f64 = first
        .iter()
        .map(|&o| (f64::from(o) - 1000.0).powi(2) / 1000.0)
        .sum();
    assert!(chi2 < 40.0, "chi-square {chi2}: {first:?}");
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn req(id: &str, kind: &str, by: &str, on: &str, date: &str) -> Request {
    Request {
        id: id.into(),
        inspection_type: kind.into(),
        inspecting: PartyCode::parse(by).unwrap(),
        inspected: PartyCode::parse(on).unwrap(),
        date: d(date),
    }
}

#[test]
fn new_start_quotas_per_treaty_year() {
    let t = builtin::treaty("new-start").unwrap();
    let mut ledger = QuotaLedger::new(&t);
    for k in 0..10 {
        let n = ledger
            .request(req(
                &format!("a{k}"),
                "type-one",
                "USA",
                "RUS",
                "2019-03-01",
            ))
            .unwrap();
        assert_eq!(n, k + 1);
    }
    let err = ledger
        .request(req("a10", "type-one", "USA", "RUS", "2020-01-15"))
        .unwrap_err();
    assert_eq!(
        err,
        QuotaError::OverQuota {
            inspection_type: "type-one".into(),
            inspecting: PartyCode::parse("USA").unwrap(),
            inspected: PartyCode::parse("RUS").unwrap(),
            quota: 10,
            year_start: d("2019-02-05"),
            year_end: d("2020-02-05"),
        }
    );
    assert!(
        err.to_string()
            .contains("has used all 10 `type-one` inspections of RUS")
    );
    // The refused id was not consumed; a new treaty year, the other direction and the other
    // type each have their own quota.
    ledger
        .request(req("a10", "type-one", "USA", "RUS", "2020-02-05"))
        .unwrap();
    ledger
        .request(req("b0", "type-one", "RUS", "USA", "2020-01-15"))
        .unwrap();
    ledger
        .request(req("c0", "type-two", "USA", "RUS", "2020-01-15"))
        .unwrap();
    assert_eq!(ledger.accepted().len(), 13);
    // Not before 60 days after entry into force (2011-02-05 + 60 = 2011-04-06).
    let err = ledger
        .request(req("e0", "type-one", "USA", "RUS", "2011-04-05"))
        .unwrap_err();
    assert!(err.to_string().contains("may start on 2011-04-06"), "{err}");
    for (bad, want) in [
        (
            req("a1", "type-one", "USA", "RUS", "2021-03-01"),
            "already used",
        ),
        (
            req("x", "type-three", "USA", "RUS", "2021-03-01"),
            "no inspection type",
        ),
        (
            req("y", "type-one", "USA", "USA", "2021-03-01"),
            "cannot inspect itself",
        ),
        (
            req("z", "type-one", "USA", "CHN", "2021-03-01"),
            "not a party",
        ),
    ] {
        let err = ledger.request(bad).unwrap_err().to_string();
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn trilateral_pair_quotas_apply_to_china() {
    let t = builtin::treaty("trilateral-draft").unwrap();
    let kind = t.inspections().iter().find(|i| i.id == "type-one").unwrap();
    let (usa, chn) = (
        PartyCode::parse("USA").unwrap(),
        PartyCode::parse("CHN").unwrap(),
    );
    let quota = kind.quota(usa, chn);
    let mut ledger = QuotaLedger::new(&t);
    for k in 0..quota {
        ledger
            .request(req(
                &format!("u{k}"),
                "type-one",
                "USA",
                "CHN",
                "2027-06-01",
            ))
            .unwrap();
    }
    assert!(matches!(
        ledger.request(req("over", "type-one", "USA", "CHN", "2027-06-02")),
        Err(QuotaError::OverQuota { quota: q, .. }) if q == quota
    ));
    assert!(quota < kind.quota(usa, PartyCode::parse("RUS").unwrap()));
}
