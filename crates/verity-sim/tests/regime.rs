//! The regime simulator's promises: every strategy's simulated detection probability (the
//! real selection walk and comparison) holds the exact value of the same model in its 95%
//! interval, year by year; the same seed gives the same answer on one thread or two; honest
//! parties are never flagged and a site the declaration omits is never visited; and where the
//! world is plain sampling the exact value is the hypergeometric closed form.

use verity_escrow::ItemRecord;
use verity_inspect::new_start_force;
use verity_sim::regime::{InspectionPlan, Regime, Scenario, simulate};
use verity_sim::sampling::{Sampling, closed_form};
use verity_sim::strategy::Strategy;
use verity_treaty::model::{ItemsPerSite, Selection};
use verity_treaty::{PartyCode, builtin};

fn new_start_scenario(strategy: &Strategy) -> (Scenario, Regime) {
    let treaty = builtin::treaty("new-start").unwrap();
    let regime = Regime::of(&treaty, PartyCode::parse("RUS").unwrap());
    let honest = new_start_force("RUS", 6, 8);
    let (declared, truth) = strategy
        .apply(&honest, &treaty.inspections()[0].selection)
        .unwrap();
    (Scenario::new(&declared, &truth), regime)
}

#[test]
fn every_strategy_simulated_holds_the_exact_value() {
    let strategies = [
        Strategy::UnderDeclareWarheads { k: 2 },
        Strategy::DeclareEliminatedThatExist { k: 1 },
        Strategy::SwapIdentifiers { k: 1 },
        Strategy::SpreadHidden { k: 2, sites: 2 },
    ];
    let mut misses = Vec::new();
    for s in &strategies {
        let (scenario, regime) = new_start_scenario(s);
        assert_eq!(
            regime.per_year(),
            18,
            "10 Type One and 8 Type Two by the United States"
        );
        let trials = 3_000;
        let est = simulate(&scenario, &regime, 3, trials, 7, &|_| {});
        for y in &est.per_year {
            // Twelve 95% intervals (four strategies, three years) miss the truth now and then
            // by chance; each must hold it within four standard errors (a miss once in
            // 16,000), and the intervals may miss at most once between them (checked below).
            let se = (y.exact * (1.0 - y.exact) / trials as f64).sqrt();
            assert!(
                (y.simulated - y.exact).abs() <= 4.0 * se + 1e-12,
                "{}: year {}: simulated {:.4}, exact {:.4}, more than 4 standard errors apart",
                s.name(),
                y.years,
                y.simulated,
                y.exact
            );
            if !(y.ci_low <= y.exact && y.exact <= y.ci_high) {
                misses.push(format!(
                    "{}: year {}: exact {:.4} outside [{:.4}, {:.4}] (simulated {:.4})",
                    s.name(),
                    y.years,
                    y.exact,
                    y.ci_low,
                    y.ci_high,
                    y.simulated
                ));
            }
        }
        // More years never lower the chance of detection.
        assert!(est.per_year.windows(2).all(|w| w[0].exact <= w[1].exact));
    }
    assert!(misses.len() <= 1, "{misses:?}");
}

#[test]
fn honest_parties_are_never_flagged_and_undeclared_sites_never_visited() {
    for s in [Strategy::Honest, Strategy::HideAtUndeclaredSite { k: 50 }] {
        let (scenario, regime) = new_start_scenario(&s);
        let est = simulate(&scenario, &regime, 5, 500, 1, &|_| {});
        let last = est.per_year.last().unwrap();
        assert_eq!((last.detected, last.exact), (0, 0.0), "{}", s.name());
    }
}

#[test]
fn the_same_seed_gives_the_same_answer_on_one_thread_or_two() {
    let (scenario, regime) = new_start_scenario(&Strategy::UnderDeclareWarheads { k: 1 });
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| simulate(&scenario, &regime, 2, 1_000, 42, &|_| {}))
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_ne!(
        one.per_year[0].detected,
        simulate(&scenario, &regime, 2, 1_000, 43, &|_| {}).per_year[0].detected,
        "another seed, another sample"
    );
}

#[test]
fn plain_sampling_reduces_to_the_hypergeometric_closed_form() {
    // One site of 400 missiles, 20 carrying an undeclared warhead, one inspection a year
    // counting the warheads on n of them: exactly the field's sampling problem.
    let honest: Vec<ItemRecord> = (0..400)
        .map(|i| ItemRecord {
            uid: format!("M{i:03}"),
            class: "icbm".into(),
            item_type: "ICBM".into(),
            site: "BASE".into(),
            status: "deployed".into(),
            warheads: 1,
        })
        .collect();
    for n in [10u32, 43] {
        let selection = Selection {
            scope: Default::default(),
            sites: 1,
            items: ItemsPerSite::Count(n),
            item_classes: vec!["icbm".into()],
            item_statuses: vec!["deployed".into()],
        };
        let (declared, truth) = Strategy::UnderDeclareWarheads { k: 20 }
            .apply(&honest, &selection)
            .unwrap();
        let scenario = Scenario::new(&declared, &truth);
        let regime = Regime {
            inspections: vec![InspectionPlan {
                inspection_type: "count".into(),
                selection,
                per_year: 1,
            }],
            padded_sites: None,
        };
        let exact = scenario.exact_year(&regime);
        let hyper = closed_form(Sampling::new(400, 20, u64::from(n)).unwrap());
        assert!((exact - hyper).abs() < 1e-12, "{exact} vs {hyper}");
        let est = simulate(&scenario, &regime, 1, 4_000, 3, &|_| {});
        let y = est.per_year[0];
        assert!(y.ci_low <= hyper && hyper <= y.ci_high, "{y:?} vs {hyper}");
    }
    // The field's figures: 10 checks about 40%, 43 checks 90%.
    let p10 = closed_form(Sampling::new(400, 20, 10).unwrap());
    assert!((p10 - 0.4049).abs() < 1e-4);
}

#[test]
fn trilateral_china_padding_is_skipped_and_the_model_holds() {
    let treaty = builtin::treaty("trilateral-draft").unwrap();
    let chn = PartyCode::parse("CHN").unwrap();
    let regime = Regime::of(&treaty, chn);
    assert_eq!(regime.padded_sites, Some(64));
    assert_eq!(
        regime.per_year(),
        16,
        "4 + 2 + 2 facility checks by each of the United States and Russia"
    );
    let honest = verity_inspect::synthetic_arsenal("CHN", 24, 576, 0);
    let (declared, truth) = Strategy::UnderDeclareWarheads { k: 1 }
        .apply(&honest, &treaty.inspections()[0].selection)
        .unwrap();
    let scenario = Scenario::new(&declared, &truth);
    let est = simulate(&scenario, &regime, 2, 2_000, 5, &|_| {});
    for y in &est.per_year {
        assert!(y.ci_low <= y.exact && y.exact <= y.ci_high, "{y:?}");
    }
    // Eight Type One inspections a year, each designating one of China's six ICBMs at its
    // only base: 1 − (5/6)^8.
    let want = 1.0 - (5.0f64 / 6.0).powi(8);
    assert!((est.per_year[0].exact - want).abs() < 1e-12);
}

#[test]
fn the_design_search_finds_the_closed_form_minimum() {
    let honest: Vec<ItemRecord> = (0..400)
        .map(|i| ItemRecord {
            uid: format!("M{i:03}"),
            class: "icbm".into(),
            item_type: "ICBM".into(),
            site: "BASE".into(),
            status: "deployed".into(),
            warheads: 1,
        })
        .collect();
    let plan = InspectionPlan {
        inspection_type: "count".into(),
        selection: Selection {
            scope: Default::default(),
            sites: 1,
            items: ItemsPerSite::Count(1),
            item_classes: vec!["icbm".into()],
            item_statuses: vec!["deployed".into()],
        },
        per_year: 1,
    };
    let (declared, truth) = Strategy::UnderDeclareWarheads { k: 20 }
        .apply(&honest, &plan.selection)
        .unwrap();
    let scenario = Scenario::new(&declared, &truth);
    let design = verity_sim::design::search(&scenario, &plan, None, 0.9, 1, 3, 100);
    let best = design.cheapest.clone().unwrap();
    assert_eq!(
        (best.inspections_per_year, best.items_per_inspection),
        (1, Some(43))
    );
    assert_eq!(
        verity_sim::sampling::min_checks(400, 20, 0.9),
        Some(43),
        "the closed form's minimum"
    );
    // Two inspections a year need fewer items each; never more than one inspection's worth.
    let two = &design.trade_off[1];
    assert!(two.reaches && two.items_per_inspection.unwrap() < 43);
    assert!(two.items_per_inspection.unwrap() * 2 >= 43);
    // An unreachable target says so.
    let hard = verity_sim::design::search(&scenario, &plan, None, 0.9999, 1, 2, 10);
    assert!(hard.cheapest.is_none());
    assert!(hard.trade_off.iter().all(|r| !r.reaches));
}

#[test]
fn scaling_keeps_the_treaty_proportions() {
    let treaty = builtin::treaty("new-start").unwrap();
    let regime = Regime::of(&treaty, PartyCode::parse("RUS").unwrap());
    let counts = |t| -> Vec<u32> {
        regime
            .scaled(t)
            .inspections
            .iter()
            .map(|p| p.per_year)
            .collect()
    };
    assert_eq!(counts(18), [10, 8]);
    assert_eq!(counts(9), [5, 4]);
    assert_eq!(counts(1), [1, 0]);
    assert_eq!(counts(0), [0, 0]);
    for t in 0..60 {
        assert_eq!(counts(t).iter().sum::<u32>(), t);
    }
    let (scenario, _) = new_start_scenario(&Strategy::SpreadHidden { k: 3, sites: 3 });
    let points = verity_sim::regime::curve(&scenario, &regime, 0..=30, 1);
    assert_eq!(points[0], (0, 0.0));
    assert!(points.windows(2).all(|w| w[0].1 <= w[1].1 + 1e-12));
    assert!((points[18].1 - scenario.exact_year(&regime)).abs() < 1e-12);
}

/// The trilateral draft's facility checks: Russia hides 40 warheads at one of the four
/// facilities it registers as empty; four checks a year, each of two facilities, find it with
/// probability 1 − (C(3,2)/C(4,2))^4 = 1 − (1/2)^4, the simulation agrees, and without a
/// register (the hiding place on no list) nothing can find it.
#[test]
fn facility_checks_reach_a_site_registered_empty_and_nothing_else_does() {
    let treaty = builtin::treaty("trilateral-draft").unwrap();
    let rus = PartyCode::parse("RUS").unwrap();
    let regime = Regime::of(&treaty, rus);
    let checks = regime
        .inspections
        .iter()
        .find(|p| p.inspection_type == "facility-check")
        .unwrap();
    assert_eq!(checks.per_year, 4, "two by the United States, two by China");
    let honest = verity_inspect::synthetic_arsenal("RUS", 300, 200, 40);
    let register = verity_sim::forces::synthetic_register(&treaty, rus);
    assert_eq!(register.len(), 4);
    let hide = Strategy::HideAtUndeclaredSite { k: 40 };
    let counting = &treaty.inspections()[0].selection;
    let (declared, truth) = hide
        .apply_with_register(&honest, counting, &register)
        .unwrap();
    assert_eq!(
        truth.iter().filter(|r| r.site == register[0]).count(),
        40,
        "hidden at the first registered empty facility"
    );
    let scenario = Scenario::new(&declared, &truth).with_register(&register);
    let exact = scenario.exact_year(&regime);
    assert!((exact - 0.9375).abs() < 1e-12, "{exact}");
    let est = simulate(&scenario, &regime, 1, 2_000, 11, &|_| {});
    let y = est.per_year[0];
    assert!(y.ci_low <= exact && exact <= y.ci_high, "{y:?}");
    // No register: the hiding place is on no list and no inspection type reaches it.
    let (declared, truth) = hide.apply(&honest, counting).unwrap();
    assert_eq!(Scenario::new(&declared, &truth).exact_year(&regime), 0.0);
}

#[test]
fn under_committed_totals_are_found_whenever_the_site_is_opened_exact_and_simulated() {
    let treaty = builtin::treaty("trilateral-draft").unwrap();
    // Two stores: STORE-0 holds 1,500 containers (6,000 warheads), STORE-1 750 (3,000).
    let honest = verity_inspect::synthetic_arsenal("RUS", 40, 9000, 0);
    let type_two = treaty
        .inspections()
        .iter()
        .find(|k| k.id == "type-two")
        .unwrap();
    let s = Strategy::UnderCommitTotals { k: 40 };
    let cheat = s.plan(&treaty, &honest, &type_two.selection, &[]).unwrap();
    assert_eq!(cheat.declared, honest, "every item declared as it is");
    assert_eq!(cheat.truth, honest);
    let claimed = &cheat.claimed_counts["RUS-STORE-0"];
    assert_eq!(claimed["stored_warheads"], 6000 - 40);
    assert_eq!(cheat.claimed_counts.len(), 1);
    // Two Type Two inspections a year, each opening one of the two stores: 1 − (1/2)².
    let regime = Regime {
        inspections: vec![InspectionPlan {
            inspection_type: "type-two".into(),
            selection: type_two.selection.clone(),
            per_year: 2,
        }],
        padded_sites: Some(64),
    };
    let scenario = cheat.scenario(&[]);
    let exact = scenario.exact_year(&regime);
    assert!((exact - 0.75).abs() < 1e-12, "{exact}");
    let est = simulate(&scenario, &regime, 2, 4_000, 5, &|_| {});
    for y in &est.per_year {
        assert!(y.ci_low <= y.exact && y.exact <= y.ci_high, "{y:?}");
    }
    assert!((est.per_year[1].exact - (1.0 - 0.25f64.powi(2))).abs() < 1e-12);
    // Under New START (totals published) there are no site counts to understate.
    let ns = builtin::treaty("new-start").unwrap();
    let e = s
        .plan(
            &ns,
            &new_start_force("RUS", 3, 4),
            &ns.inspections()[0].selection,
            &[],
        )
        .unwrap_err();
    assert!(e.to_string().contains("hides totals"), "{e}");
}
