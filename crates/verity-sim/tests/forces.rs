//! Honest forces: the declared forces from the record reproduce the published exchange they
//! come from, exactly; every honest default is within every limit of every built-in treaty;
//! the forces file refuses malformed figures, naming file, line and column.

use verity_escrow::tally_items;
use verity_sim::forces::{ForcesBasis, honest_forces, recorded_inventory};
use verity_treaty::builtin;
use verity_treaty::forces::{FigureBasis, parse_forces};

#[test]
fn declared_forces_reproduce_the_exchange_they_come_from() {
    let treaty = builtin::treaty("new-start").unwrap();
    let aggregates = builtin::new_start_aggregates().unwrap();
    let records = builtin::new_start_forces().unwrap();
    let mut seen = Vec::new();
    for r in &records {
        let as_of = r.as_of().unwrap();
        let row = aggregates
            .iter()
            .find(|a| a.party == r.party && a.as_of == as_of)
            .unwrap_or_else(|| panic!("no exchange of {} on {as_of}", r.party));
        let items = recorded_inventory(r);
        let values = treaty.limit_values(&tally_items(&treaty, &items).unwrap().categories);
        for (limit, value) in &values {
            assert_eq!(
                row.values.get(limit).copied().flatten(),
                Some(*value),
                "{} {limit} on {as_of}",
                r.party
            );
        }
        seen.push((r.party.as_str().to_string(), as_of.to_string(), values));
    }
    let by = |p: &str| seen.iter().find(|s| s.0 == p).unwrap();
    // The State Department's fact sheet of 1 December 2020 and Russia's MFA of March 2022.
    assert_eq!(by("USA").1, "2020-09-01");
    assert_eq!(by("USA").2["deployed_icbm_slbm_bombers"], 675);
    assert_eq!(by("USA").2["warheads_on_deployed"], 1457);
    assert_eq!(by("USA").2["deployed_and_nondeployed_launchers"], 800);
    assert_eq!(by("RUS").1, "2022-03-01");
    assert_eq!(by("RUS").2["deployed_icbm_slbm_bombers"], 526);
    assert_eq!(by("RUS").2["warheads_on_deployed"], 1474);
    assert_eq!(by("RUS").2["deployed_and_nondeployed_launchers"], 761);
}

#[test]
fn the_layout_follows_the_published_basing() {
    let records = builtin::new_start_forces().unwrap();
    let usa = records.iter().find(|r| r.party.as_str() == "USA").unwrap();
    let items = recorded_inventory(usa);
    let sites = |prefix: &str| {
        let mut s: Vec<&str> = items
            .iter()
            .map(|i| i.site.as_str())
            .filter(|s| s.starts_with(prefix))
            .collect();
        s.sort_unstable();
        s.dedup();
        s.len()
    };
    assert_eq!(sites("USA-ICBM-BASE-"), 3);
    assert_eq!(sites("USA-SUB-BASE-"), 2);
    assert_eq!(sites("USA-AIR-BASE-"), 3);
    // One warhead on each Minuteman III; 1,012 over 230 Trident II, four or five each.
    let icbms: Vec<_> = items
        .iter()
        .filter(|i| i.class == "icbm" && i.status == "deployed")
        .collect();
    assert_eq!(icbms.len(), 397);
    assert!(icbms.iter().all(|i| i.warheads == 1));
    let slbms: Vec<u64> = items
        .iter()
        .filter(|i| i.class == "slbm" && i.status == "deployed")
        .map(|i| i.warheads)
        .collect();
    assert_eq!(slbms.len(), 230);
    assert_eq!(slbms.iter().sum::<u64>(), 1012);
    assert!(slbms.iter().all(|w| (4..=5).contains(w)));
    // Bombers count one by rule and carry none loaded.
    assert!(
        items
            .iter()
            .filter(|i| i.class == "heavy_bomber")
            .all(|i| i.warheads == 0 && i.site.starts_with("USA-AIR-BASE-"))
    );
    let uids: std::collections::BTreeSet<&str> = items.iter().map(|i| i.uid.as_str()).collect();
    assert_eq!(uids.len(), items.len(), "every uid once");
    // Russia's split is marked as assumed, the United States' is not.
    let rus = records.iter().find(|r| r.party.as_str() == "RUS").unwrap();
    assert!(rus.has_assumptions() && !usa.has_assumptions());
    assert_eq!(rus.figures["icbm_bases"].basis, FigureBasis::Stated);
    assert_eq!(rus.figures["deployed_slbms"].basis, FigureBasis::Assumed);
}

#[test]
fn every_honest_default_is_within_every_limit_of_every_built_in_treaty() {
    let estimates = builtin::estimates().unwrap();
    let records = builtin::new_start_forces().unwrap();
    let mut checked = 0;
    let mut later = Vec::new();
    for treaty in builtin::treaties().unwrap() {
        for party in treaty.parties() {
            let e = estimates
                .iter()
                .find(|e| e.state == *party && e.year == 2025)
                .unwrap();
            let forces = honest_forces(&treaty, *party, e, &records);
            if treaty.id().starts_with("new-start") {
                assert!(
                    matches!(forces.basis, ForcesBasis::Record { .. }),
                    "{} {party}: {:?}",
                    treaty.id(),
                    forces.basis
                );
            }
            let tally = tally_items(&treaty, &forces.items).unwrap();
            // The defaults play the regime's first years: every limit that binds when the
            // first does. A later reduction (the draft's 4,000 from 2034) is what the regime
            // asks a party to reach, not where it starts.
            let first = treaty
                .limits()
                .iter()
                .map(|l| l.applies_from)
                .min()
                .unwrap();
            for (limit, value) in treaty.limit_values(&tally.categories) {
                let l = treaty.limit(&limit).unwrap();
                if l.applies_from > first {
                    later.push(format!("{} {party} {limit}", treaty.id()));
                    continue;
                }
                let max = l.max_for(*party).unwrap();
                assert!(
                    value <= max,
                    "{} {party}: {limit} = {value} above {max} (applies from {})",
                    treaty.id(),
                    l.applies_from
                );
                checked += 1;
            }
        }
    }
    // New START and the voluntary offer: 2 parties × 3 limits each; the draft: 3 parties × 4.
    assert_eq!(checked, 2 * 3 + 2 * 3 + 3 * 4);
    assert_eq!(
        later,
        [
            "trilateral-draft USA total_warheads_reduced",
            "trilateral-draft RUS total_warheads_reduced",
            "trilateral-draft CHN total_warheads_reduced"
        ]
    );
}

#[test]
fn a_malformed_forces_file_is_refused_with_its_place() {
    let header = "party,as_of,figure,value,basis,source\n";
    let cases = [
        (
            "USA,2020-09-01,deployed_icbms,397,stated,fact sheet\nUSA,2020-09-01,deployed_icbms,398,stated,fact sheet\n",
            "forces.csv:3:",
            "a second `deployed_icbms` for USA (the first is on line 2)",
        ),
        (
            "USA,2020-09-01,deployed_missiles,397,stated,fact sheet\n",
            "forces.csv:2:",
            "unknown figure `deployed_missiles`",
        ),
        (
            "USA,2020-09-01,deployed_icbms,397,guessed,fact sheet\n",
            "forces.csv:2:",
            "expected `stated`, `derived` or `assumed`, found `guessed`",
        ),
        (
            "USA,2020-09-01,deployed_icbms,-3,stated,fact sheet\n",
            "forces.csv:2:",
            "expected a whole number, found `-3`",
        ),
        (
            "USA,2020-09-01,deployed_icbms,397,stated,\n",
            "forces.csv:2:",
            "source",
        ),
        (
            "USA,2020-09-01,deployed_icbms,397,stated,fact sheet\n",
            "forces.csv:2:",
            "USA has no `warheads_on_deployed_icbms` figure",
        ),
    ];
    for (rows, place, says) in cases {
        let e = parse_forces("forces.csv", &format!("{header}{rows}"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(place), "{e}");
        assert!(e.contains(says), "{e}");
    }
    let e = parse_forces("forces.csv", "party,as_of,figure,value,source\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected column `basis`"), "{e}");
}
