//! Hidden totals: commitments to the counts and one aggregated range proof of every limit.
//! Proved within limits, refused over a limit, bound to its declaration (no replay), opened
//! consistently at the reveal stage, and nothing in what is published gives a count away.

use std::collections::BTreeMap;
use verity_escrow::{
    Digest, EscrowError, ItemRecord, Padding, ProofContext, SealedDeclaration,
    check_totals_opening, prove_totals, verify_totals,
};
use verity_treaty::{PartyCode, Treaty, builtin};

fn trilateral() -> Treaty {
    builtin::treaty("trilateral-draft").unwrap()
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn chn() -> PartyCode {
    PartyCode::parse("CHN").unwrap()
}

/// China's SIPRI 2025 figures as category counts: 24 deployed (on ICBMs), 576 stored.
fn china_counts(stored: u64) -> BTreeMap<String, u64> {
    [
        ("deployed_icbms", 24),
        ("deployed_icbm_launchers", 24),
        ("warheads_on_deployed_icbms", 24),
        ("stored_warheads", stored),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The whole declaration as one site committing to `counts`.
fn one_site(t: &Treaty, counts: &BTreeMap<String, u64>) -> Vec<verity_escrow::SiteCounts> {
    vec![verity_escrow::SiteCounts::commit(
        counts,
        &verity_escrow::limit_categories(t),
    )]
}

fn ctx<'a>(t: &'a Treaty, root: &'a Digest) -> ProofContext<'a> {
    ProofContext {
        treaty: t,
        party: chn(),
        as_of: date("2027-02-05"),
        root,
    }
}

#[test]
fn within_every_limit_proved_and_the_reduced_ceiling_not_yet_applicable() {
    let t = trilateral();
    let root = Digest([7; 32]);
    let (h, _) = prove_totals(&ctx(&t, &root), &one_site(&t, &china_counts(576))).unwrap();
    assert_eq!(h.bits, 16, "every trilateral ceiling is below 2^16");
    let limits = verify_totals(&ctx(&t, &root), &h).unwrap();
    let by_id: BTreeMap<&str, (String, u64)> = limits
        .iter()
        .map(|l| {
            let status = serde_json::to_value(l.status).unwrap();
            (
                l.limit.as_str(),
                (status.as_str().unwrap().to_string(), l.ceiling),
            )
        })
        .collect();
    assert_eq!(by_id["total_warheads"], ("proved".to_string(), 1000));
    assert_eq!(
        by_id["deployed_strategic_warheads"],
        ("proved".to_string(), 1800)
    );
    assert_eq!(
        by_id["deployed_icbm_slbm_bombers"],
        ("proved".to_string(), 700)
    );
    assert_eq!(
        by_id["deployed_and_nondeployed_launchers"],
        ("proved".to_string(), 800)
    );
    // 4,000 / 4,000 / 1,000 from 2034-02-05: not covered on 2027-02-05.
    assert_eq!(
        by_id["total_warheads_reduced"],
        ("not-yet-applicable".to_string(), 1000)
    );
}

#[test]
fn one_over_a_limit_cannot_be_proved_and_exactly_at_it_can() {
    let t = trilateral();
    let root = Digest([7; 32]);
    // China's total ceiling is 1,000: 24 deployed + 976 stored is exactly at it.
    let (h, _) = prove_totals(&ctx(&t, &root), &one_site(&t, &china_counts(976))).unwrap();
    verify_totals(&ctx(&t, &root), &h).unwrap();
    let err = prove_totals(&ctx(&t, &root), &one_site(&t, &china_counts(977))).unwrap_err();
    match err {
        EscrowError::OverLimit {
            limit,
            value,
            ceiling,
        } => assert_eq!(
            (limit.as_str(), value, ceiling),
            ("total_warheads", 1001, 1000)
        ),
        other => panic!("expected OverLimit, got {other}"),
    }
}

#[test]
fn a_forged_proof_fails() {
    let t = trilateral();
    let root = Digest([7; 32]);
    let (honest, _) = prove_totals(&ctx(&t, &root), &one_site(&t, &china_counts(576))).unwrap();
    // The commitments of an over-limit declaration with the proof of an honest one.
    let over_counts = china_counts(976);
    let (other, _) = prove_totals(&ctx(&t, &root), &one_site(&t, &over_counts)).unwrap();
    let mut forged = honest.clone();
    forged.sites = other.sites.clone();
    assert!(verify_totals(&ctx(&t, &root), &forged).is_err());
    // One flipped bit anywhere in the proof, one changed commitment, a dropped padding value.
    let mut raw = base64_decode(&honest.proof);
    for pos in [0, raw.len() / 2, raw.len() - 1] {
        raw[pos] ^= 1;
        let mut f = honest.clone();
        f.proof = base64_encode(&raw);
        assert!(verify_totals(&ctx(&t, &root), &f).is_err(), "bit at {pos}");
        raw[pos] ^= 1;
    }
    let mut f = honest.clone();
    let (a, b) = {
        let mut it = f.sites[0].values();
        (it.next().unwrap().clone(), it.next().unwrap().clone())
    };
    *f.sites[0].values_mut().next().unwrap() = b;
    *f.sites[0].values_mut().nth(1).unwrap() = a;
    assert!(
        verify_totals(&ctx(&t, &root), &f).is_err(),
        "swapped commitments"
    );
    let mut f = honest.clone();
    f.sites.push(f.sites[0].clone());
    assert!(
        verify_totals(&ctx(&t, &root), &f).is_err(),
        "a site's commitments counted twice"
    );
    let mut f = honest.clone();
    f.padding.pop();
    assert!(
        verify_totals(&ctx(&t, &root), &f).is_err(),
        "padding dropped"
    );
}

#[test]
fn a_proof_moved_to_another_declaration_party_date_or_treaty_fails() {
    let t = trilateral();
    let root = Digest([7; 32]);
    let (h, _) = prove_totals(&ctx(&t, &root), &one_site(&t, &china_counts(576))).unwrap();
    let other_root = Digest([8; 32]);
    assert!(verify_totals(&ctx(&t, &other_root), &h).is_err(), "root");
    let mut c = ctx(&t, &root);
    c.party = PartyCode::parse("RUS").unwrap();
    assert!(verify_totals(&c, &h).is_err(), "party");
    let mut c = ctx(&t, &root);
    c.as_of = date("2027-02-06");
    assert!(verify_totals(&c, &h).is_err(), "date");
    let ns = builtin::treaty("new-start").unwrap();
    let c = ProofContext {
        treaty: &ns,
        party: PartyCode::parse("USA").unwrap(),
        as_of: date("2020-02-05"),
        root: &root,
    };
    assert!(verify_totals(&c, &h).is_err(), "treaty");
}

#[test]
fn revealed_counts_open_the_commitments_and_nothing_else_does() {
    let t = trilateral();
    let root = Digest([7; 32]);
    let (h, opening) = prove_totals(&ctx(&t, &root), &one_site(&t, &china_counts(576))).unwrap();
    let counts = check_totals_opening(&h, &opening).unwrap();
    assert_eq!(counts["stored_warheads"], 576);
    assert_eq!(counts["warheads_on_deployed_icbms"], 24);
    let mut lie = opening.clone();
    lie.categories.get_mut("stored_warheads").unwrap().count = 575;
    let err = check_totals_opening(&h, &lie).unwrap_err().to_string();
    assert!(err.contains("`stored_warheads`: 575"), "{err}");
    let mut lie = opening.clone();
    lie.categories.remove("stored_warheads");
    assert!(check_totals_opening(&h, &lie).is_err());
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::prelude::BASE64_STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::prelude::BASE64_STANDARD.encode(b)
}

fn items(deployed: usize, containers: usize, per_container: u64) -> Vec<ItemRecord> {
    let mut v: Vec<ItemRecord> = (0..deployed)
        .map(|i| ItemRecord {
            uid: format!("CN-ICBM-{i:03}"),
            class: "icbm".into(),
            item_type: "DF-41".into(),
            site: format!("BASE-{}", i % 3),
            status: "deployed".into(),
            warheads: 1,
        })
        .collect();
    v.extend((0..containers).map(|i| ItemRecord {
        uid: format!("CN-WC-{i:04}"),
        class: "warhead_container".into(),
        item_type: "Container".into(),
        site: format!("STORE-{}", i % 5),
        status: "non-deployed".into(),
        warheads: per_container,
    }));
    v
}

/// Every number in a JSON value, and every string's decoded bytes (hex or base64).
fn published_numbers_and_bytes(v: &serde_json::Value, nums: &mut Vec<u64>, bytes: &mut Vec<u8>) {
    use base64::Engine;
    match v {
        serde_json::Value::Number(n) => nums.extend(n.as_u64()),
        serde_json::Value::String(s) => {
            if let Ok(b) = hex::decode(s) {
                bytes.extend(b);
            } else if let Ok(b) = base64::prelude::BASE64_STANDARD.decode(s) {
                bytes.extend(b);
            }
            nums.extend(s.parse::<u64>().ok());
        }
        serde_json::Value::Array(a) => a
            .iter()
            .for_each(|x| published_numbers_and_bytes(x, nums, bytes)),
        serde_json::Value::Object(o) => o
            .values()
            .for_each(|x| published_numbers_and_bytes(x, nums, bytes)),
        _ => {}
    }
}

/// The published shape: every string replaced by its length.
fn shape(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::String(s) => serde_json::Value::from(s.len()),
        serde_json::Value::Array(a) => a.iter().map(shape).collect(),
        serde_json::Value::Object(o) => o.iter().map(|(k, x)| (k.clone(), shape(x))).collect(),
        other => other.clone(),
    }
}

#[test]
fn nothing_published_gives_a_count_away_and_two_declarations_look_alike() {
    let t = trilateral();
    let padding = Padding::of(&t).unwrap();
    assert_eq!((padding.sites, padding.items_per_site), (64, 2048));
    // 24 deployed + 139 containers × 4 = 580 stored (total 604) against 24 + 61 × 4 = 268.
    let big = SealedDeclaration::commit_hidden(items(24, 139, 4), &t).unwrap();
    let small = SealedDeclaration::commit_hidden(items(24, 61, 4), &t).unwrap();
    let publish = |d: &SealedDeclaration| {
        let c = ctx(&t, &Digest([0; 32]));
        let root = d.root();
        let (h, _) = prove_totals(&ProofContext { root: &root, ..c }, &d.site_counts()).unwrap();
        assert_eq!(
            h.sites.len(),
            64,
            "every site, real or padding, commits its counts"
        );
        serde_json::json!({"root": root, "sites": d.site_commitments(), "hidden_totals": h})
    };
    let (pb, ps) = (publish(&big), publish(&small));
    for (published, counts) in [(&pb, [556u64, 580, 604, 139]), (&ps, [244, 268, 292, 61])] {
        let (mut nums, mut bytes) = (Vec::new(), Vec::new());
        published_numbers_and_bytes(published, &mut nums, &mut bytes);
        for c in counts {
            assert!(!nums.contains(&c), "{c} appears as a number");
            for enc in [c.to_be_bytes(), c.to_le_bytes()] {
                assert!(!bytes.windows(8).any(|w| w == enc), "{c} appears as a u64");
            }
            let text = serde_json::to_string(published).unwrap();
            assert!(!text.contains(&format!("\"{c}\"")) && !text.contains(&format!(":{c},")));
        }
    }
    assert_eq!(shape(&pb), shape(&ps), "same shape whatever the totals");
    assert_eq!(big.site_commitments().len(), 64);
    // Openings still verify under padding, and a padded site tree always has 2,048 slots.
    let root = big.root();
    let o = big.open_item("CN-WC-0007").unwrap();
    // One item opens none of its site's counts: its site's leaf is rebuilt with the count
    // commitments the declaration published at its position.
    assert!(o.site.counts.is_empty());
    let published = big.site_counts()[o.site.index as usize].points().unwrap();
    o.verify_with(&root, Some(&published)).unwrap();
    assert!(o.verify(&root).is_err());
    assert_eq!((o.site.slots, o.site.sites), (2048, 64));
    let s = big.open_site("STORE-2").unwrap();
    s.verify(&root).unwrap();
    assert_eq!(s.items.len() + s.dummies.len(), 2048);
    let mut dropped = s.clone();
    dropped.dummies.pop();
    assert!(
        dropped.verify(&root).is_err(),
        "every padding leaf must be accounted for"
    );
    // Over the public bounds: refused, naming the bound.
    let tight = Padding {
        sites: 4,
        items_per_site: 2048,
    };
    let err = SealedDeclaration::commit_padded(items(24, 61, 4), Some(tight)).unwrap_err();
    assert!(err.to_string().contains("public bound of 4"), "{err}");
    // The private form keeps the padding and rebuilds the same root.
    let back = SealedDeclaration::from_private_json(&big.to_private_json(), &root).unwrap();
    assert_eq!(back.site_commitments(), big.site_commitments());
}

/// A private copy of the trilateral draft that keeps its id but counts retired warheads by
/// container (one each) instead of by warhead.
fn private_copy() -> Treaty {
    let text = include_str!("../../../treaties/trilateral-draft.toml").replace(
        r#"counts = [{ class = "warhead_container", status = "retired", measure = "warheads" }]"#,
        r#"counts = [{ class = "warhead_container", status = "retired", measure = "items" }]"#,
    );
    Treaty::from_toml("private-copy.toml", &text).unwrap()
}

#[test]
fn a_proof_under_a_private_copy_of_the_text_does_not_verify_against_the_treaty() {
    let (real, copy) = (trilateral(), private_copy());
    assert_eq!(real.id(), copy.id());
    assert_ne!(
        verity_escrow::treaty_digest(&real),
        verity_escrow::treaty_digest(&copy)
    );
    // Prose is not the text: a changed citation leaves the digest alone.
    let reworded = Treaty::from_toml(
        "reworded.toml",
        &include_str!("../../../treaties/trilateral-draft.toml").replace(
            "Design choice: counted until verified dismantlement",
            "Design choice (reworded): counted until verified dismantlement",
        ),
    )
    .unwrap();
    assert_eq!(
        verity_escrow::treaty_digest(&real),
        verity_escrow::treaty_digest(&reworded)
    );
    let root = Digest([7; 32]);
    let mut counts = china_counts(576);
    counts.insert("retired_warheads".into(), 20);
    let (h, _) = prove_totals(&ctx(&copy, &root), &one_site(&copy, &counts)).unwrap();
    assert!(verify_totals(&ctx(&copy, &root), &h).is_ok());
    assert_eq!(
        verify_totals(&ctx(&real, &root), &h),
        Err(verity_escrow::ProofError::DoesNotVerify)
    );
}
