//! Openings sealed to the inspecting party under hidden totals: a clean inspection publishes
//! its signed verdict and nothing of the sites; an understated site is caught the first time
//! an inspection opens it, and the key the inspectors disclose lets anyone check it from the
//! inspected party's own ciphertext; an opening sealed to the wrong key, a ciphertext that is
//! not the plaintext it signs, a disclosed key that opens nothing and a verdict without a key
//! are each a named finding against the party at fault.

mod regime;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use regime::{Party, compliance, day};
use verity_inspect::view::InspectionSummary;
use verity_inspect::{
    SealingKey, World, open_sealed, seal_opening, sealed_capacity, site_count_mismatches,
    synthetic_arsenal,
};
use verity_log::{
    EntryBody, InspectionOpening, InspectionRecord, SealedOutcome, SealedVerdict, SiteObservation,
};
use verity_party::{Inspection, Publish, Secrets};
use verity_treaty::{Rule, Treaty, builtin};

struct Exercise {
    _dir: tempfile::TempDir,
    treaty: Treaty,
    world: World,
    usa: Party,
    chn: Party,
}

/// USA and China under the trilateral draft (totals hidden), China declaring SIPRI 2025's
/// split (24 deployed, 576 stored) and committing `claimed` counts where given.
fn exercise(claimed: BTreeMap<String, BTreeMap<String, u64>>) -> Exercise {
    let treaty = builtin::treaty("trilateral-draft").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut usa = Party::new(dir.path(), "USA", 31);
    let mut chn = Party::new(dir.path(), "CHN", 32);
    let eif = treaty.dates().entry_into_force.unwrap();
    let mut world = World::new();
    usa.declare(&treaty, synthetic_arsenal("USA", 40, 40, 0), eif, eif);
    let items = synthetic_arsenal("CHN", 24, 576, 0);
    world.set_items("CHN", items.clone());
    chn.on(eif);
    let publish = Publish {
        hide_totals: true,
        claimed_counts: claimed,
        ..Default::default()
    };
    chn.declaration = chn.op.declare(&treaty, items, eif, &publish).unwrap().index;
    Exercise {
        _dir: dir,
        treaty,
        world,
        usa,
        chn,
    }
}

fn start(treaty: &Treaty) -> NaiveDate {
    treaty.dates().entry_into_force.unwrap() + Days::new(60)
}

/// USA requests a `kind` inspection of China; both commit and reveal. Returns the inspection
/// and the joint seed.
fn requested(x: &mut Exercise, id: &str, kind: &str) -> (Inspection, [u8; 32]) {
    let on = start(&x.treaty);
    x.usa.on(on);
    x.chn.on(on);
    let decl = x.chn.entry_ref(x.chn.declaration);
    let (mut insp, _) = x
        .usa
        .op
        .request(&x.treaty, id, kind, x.chn.party_code(), decl)
        .unwrap();
    x.usa.op.commit_seed(&mut insp).unwrap();
    x.chn.op.commit_seed(&mut insp).unwrap();
    x.usa.on(on + Days::new(1));
    x.chn.on(on + Days::new(1));
    x.chn.op.reveal_seed(&mut insp, &x.treaty).unwrap();
    x.usa.op.reveal_seed(&mut insp, &x.treaty).unwrap();
    let seed = insp.joint_seed().unwrap();
    (insp, seed)
}

/// China opens (its opening changed by `tamper` first), and the United States records what
/// honest inspectors see at the sites the selection reaches.
fn open_and_record(
    x: &mut Exercise,
    insp: &mut Inspection,
    seed: &[u8; 32],
    tamper: impl FnOnce(&mut InspectionOpening, &Inspection),
) -> verity_party::Recorded {
    let (mut o, selection) = x.chn.op.prepare_opening(insp, &x.treaty, seed).unwrap();
    tamper(&mut o, insp);
    x.chn.op.open_selection(insp, o).unwrap();
    let sites: Vec<SiteObservation> = selection
        .sites
        .iter()
        .map(|s| x.world.observe("CHN", &s.site, &s.designated))
        .collect();
    x.usa.on(start(&x.treaty) + Days::new(2));
    x.usa
        .op
        .record(insp, &x.treaty, &x.chn.loaded(), sites)
        .unwrap()
}

fn summary(x: &Exercise, id: &str) -> (InspectionSummary, Vec<(Rule, String, String)>) {
    let report = compliance(
        &x.treaty,
        &[&x.usa, &x.chn],
        start(&x.treaty) + Days::new(3),
    );
    let s = report
        .inspections
        .iter()
        .find(|i| i.id == id)
        .unwrap()
        .clone();
    let found = report
        .findings
        .iter()
        .filter(|f| f.inspection.as_deref() == Some(id))
        .map(|f| {
            (
                f.rule,
                f.party.unwrap().to_string(),
                f.evidence
                    .iter()
                    .map(|e| format!("{}#{}", e.party, e.index))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect();
    (s, found)
}

fn opening_entry(x: &Exercise, insp: &Inspection) -> InspectionOpening {
    match &x
        .chn
        .loaded()
        .leaf(insp.opening().unwrap().index)
        .unwrap()
        .statement
        .entry
    {
        EntryBody::InspectionOpening(o) => o.clone(),
        other => panic!("not an opening: {other:?}"),
    }
}

fn record_entry(x: &Exercise, insp: &Inspection) -> InspectionRecord {
    match &x
        .usa
        .loaded()
        .leaf(insp.record().unwrap().index)
        .unwrap()
        .statement
        .entry
    {
        EntryBody::InspectionRecord(r) => r.clone(),
        other => panic!("not a record: {other:?}"),
    }
}

#[test]
fn a_clean_sealed_inspection_publishes_its_verdict_and_nothing_of_the_sites() {
    let mut x = exercise(BTreeMap::new());
    let (mut insp, seed) = requested(&mut x, "T2", "type-two");
    let key = insp
        .seal_to
        .clone()
        .expect("hidden totals: the request carries a key");
    assert_eq!(key.len(), 64);
    let recorded = open_and_record(&mut x, &mut insp, &seed, |_, _| {});
    assert_eq!(recorded.sealed, Some(SealedOutcome::Clean));

    // In public: the opening holds no site, no padding position and no count in clear, and is
    // exactly the public capacity long; the record holds the verdict and no key.
    let o = opening_entry(&x, &insp);
    assert!(o.sites.is_empty() && o.dummies.is_empty());
    let sealed = o.sealed.as_ref().unwrap();
    assert_eq!(sealed.recipient, key);
    let capacity = sealed_capacity(&x.treaty, 1);
    assert_eq!(
        base64_len(&sealed.ciphertext),
        capacity + 16,
        "padded to the capacity, plus the AEAD tag"
    );
    let public = serde_json::to_string(&o).unwrap();
    assert!(!public.contains("CHN-STORE") && !public.contains("CHN-BASE"));
    let r = record_entry(&x, &insp);
    assert!(r.sites.is_empty());
    assert_eq!(
        r.sealed,
        Some(SealedVerdict {
            outcome: SealedOutcome::Clean,
            disclosed_key: None
        })
    );

    // The view: complete, sealed to USA, no selection shown, no finding.
    let (s, found) = summary(&x, "T2");
    assert_eq!(s.status.as_str(), "complete");
    assert_eq!(s.sealed_to.map(|p| p.to_string()), Some("USA".into()));
    assert!(!s.disclosed && s.selection.is_none() && s.checks.is_empty());
    assert_eq!(s.opening_shown().as_deref(), Some("opened to USA; sealed"));
    assert!(found.is_empty(), "{found:?}");

    // The United States, with its key, sees the designation; China's secrets hold no key.
    let logs = [x.usa.loaded(), x.chn.loaded()];
    let on = start(&x.treaty) + Days::new(3);
    let seen = verity_party::settle_sealed(&x.treaty, &logs, "T2", on, x.usa.op.secrets())
        .unwrap()
        .selection
        .unwrap();
    assert_eq!(seen.sites.len(), 1);
    assert_eq!(seen.sites[0].site, "CHN-STORE-0");
    assert!(!seen.sites[0].designated.is_empty());
    assert!(x.chn.op.secrets().sealing_key("T2").is_err());
    // The private half decrypts it to exactly what was sealed.
    let secret = SealingKey::from_bytes(x.usa.op.secrets().sealing_key("T2").unwrap()).unwrap();
    let full = open_sealed(&o, &secret.secret_hex()).unwrap();
    assert!(full.sites.iter().any(|s| s.header.site == "CHN-STORE-0"));
    assert!(
        full.sites
            .iter()
            .all(|s| site_count_mismatches(&x.treaty, s).is_empty())
    );
}

fn base64_len(s: &str) -> usize {
    use base64::Engine;
    base64::prelude::BASE64_STANDARD.decode(s).unwrap().len()
}

#[test]
fn an_understated_site_is_caught_the_first_time_it_is_opened_and_anyone_can_check() {
    // China commits 536 stored warheads at its store, where its containers hold 576.
    let mut counts = BTreeMap::new();
    let treaty = builtin::treaty("trilateral-draft").unwrap();
    let truth = synthetic_arsenal("CHN", 24, 576, 0);
    let mut tally = treaty
        .tally(
            truth
                .iter()
                .filter(|r| r.site == "CHN-STORE-0")
                .map(|r| r.facts()),
        )
        .unwrap()
        .categories;
    assert_eq!(tally["stored_warheads"], 576);
    for (category, n) in tally.iter_mut() {
        if category.contains("warheads") && *n >= 40 {
            *n -= 40;
        }
    }
    counts.insert("CHN-STORE-0".to_string(), tally);
    let mut x = exercise(counts);
    // Its proof verifies: nothing public tells the understatement.
    let before = compliance(&x.treaty, &[&x.usa, &x.chn], start(&x.treaty));
    assert!(
        before
            .findings
            .iter()
            .all(|f| f.party.map(|p| p.to_string()) != Some("CHN".into())),
        "{:?}",
        before.findings
    );
    let (mut insp, seed) = requested(&mut x, "T2", "type-two");
    let recorded = open_and_record(&mut x, &mut insp, &seed, |_, _| {});
    assert_eq!(recorded.sealed, Some(SealedOutcome::Finding));
    let (s, found) = summary(&x, "T2");
    let open = x.chn.entry_ref(insp.opening().unwrap().index).index;
    let rec = insp.record().unwrap().index;
    assert_eq!(
        found,
        [(
            Rule::SiteCountMismatch,
            "CHN".to_string(),
            format!("CHN#{open} USA#{rec}")
        )],
    );
    assert!(s.disclosed);
    assert_eq!(
        s.opening_shown().as_deref(),
        Some("opened to USA; sealed, key disclosed")
    );
    // A third party, from the two signed logs alone: the key in the record opens the
    // ciphertext in China's log, and the opened store's items count more than it committed.
    let r = record_entry(&x, &insp);
    let key = r.sealed.unwrap().disclosed_key.unwrap();
    let full = open_sealed(&opening_entry(&x, &insp), &key).unwrap();
    let store = full
        .sites
        .iter()
        .find(|s| s.header.site == "CHN-STORE-0")
        .unwrap();
    assert_eq!(
        site_count_mismatches(&x.treaty, store),
        ["site `CHN-STORE-0` committed `stored_warheads` as 536 but its opened items count 576"]
    );
}

#[test]
fn an_opening_sealed_to_another_key_is_named() {
    let mut x = exercise(BTreeMap::new());
    let (mut insp, seed) = requested(&mut x, "T2", "type-two");
    // China builds the opening in clear and seals it to a key of its own, not the request's.
    let mut clear = insp.clone();
    clear.seal_to = None;
    let (full, _) = x.chn.op.prepare_opening(&clear, &x.treaty, &seed).unwrap();
    let own = SealingKey::derive(&[9; 32]);
    assert_ne!(Some(own.public_hex()), insp.seal_to);
    let wrong = seal_opening(&full, &own.public_hex(), sealed_capacity(&x.treaty, 1)).unwrap();
    let recorded = open_and_record(&mut x, &mut insp, &seed, |o, _| *o = wrong);
    assert_eq!(recorded.sealed, Some(SealedOutcome::Unreadable));
    let (s, found) = summary(&x, "T2");
    assert_eq!(s.status.as_str(), "opening-rejected");
    let (open, rec) = (insp.opening().unwrap().index, insp.record().unwrap().index);
    assert_eq!(
        found,
        [(
            Rule::SealedToWrongKey,
            "CHN".to_string(),
            format!("USA#{} CHN#{open}", insp.request.index)
        )],
        "record at USA#{rec}"
    );
}

#[test]
fn a_ciphertext_that_is_not_the_plaintext_it_signs_is_named() {
    let mut x = exercise(BTreeMap::new());
    let (mut insp, seed) = requested(&mut x, "T2", "type-two");
    let recorded = open_and_record(&mut x, &mut insp, &seed, |o, _| {
        let s = o.sealed.as_mut().unwrap();
        s.plaintext_hash.0[0] ^= 1;
    });
    assert_eq!(recorded.sealed, Some(SealedOutcome::Unreadable));
    let r = record_entry(&x, &insp);
    assert!(r.sealed.unwrap().disclosed_key.is_some());
    let (_, found) = summary(&x, "T2");
    let rec = insp.record().unwrap().index;
    let open = insp.opening().unwrap().index;
    assert_eq!(
        found,
        [(
            Rule::SealedOpeningUnreadable,
            "CHN".to_string(),
            format!("CHN#{open} USA#{rec}")
        )]
    );
}

#[test]
fn a_disclosed_key_that_opens_nothing_and_a_verdict_without_a_key_are_named() {
    for (disclosed, want) in [
        (
            Some(SealingKey::derive(&[7; 32]).secret_hex()),
            Rule::DisclosedKeyInvalid,
        ),
        (Some("not a key".to_string()), Rule::DisclosedKeyInvalid),
        (None, Rule::SealedVerdictUnsupported),
    ] {
        let mut x = exercise(BTreeMap::new());
        let (mut insp, seed) = requested(&mut x, "T2", "type-two");
        let (o, _) = x.chn.op.prepare_opening(&insp, &x.treaty, &seed).unwrap();
        x.chn.op.open_selection(&mut insp, o).unwrap();
        // The United States claims a finding, disclosing a key that is not the one.
        let opening = x.chn.entry_ref(insp.opening().unwrap().index);
        let at = x.usa.append(
            start(&x.treaty) + Days::new(2),
            EntryBody::InspectionRecord(InspectionRecord {
                inspection: "T2".into(),
                opening,
                sites: Vec::new(),
                sealed: Some(SealedVerdict {
                    outcome: SealedOutcome::Finding,
                    disclosed_key: disclosed.clone(),
                }),
            }),
        );
        let (_, found) = summary(&x, "T2");
        assert_eq!(
            found,
            [(want, "USA".to_string(), format!("USA#{at}"))],
            "{disclosed:?}"
        );
    }
}

#[test]
fn the_private_half_is_kept_and_a_request_without_hidden_totals_is_not_sealed() {
    let mut x = exercise(BTreeMap::new());
    let (insp, _) = requested(&mut x, "T1", "type-one");
    let kept = SealingKey::from_bytes(x.usa.op.secrets().sealing_key("T1").unwrap()).unwrap();
    assert_eq!(Some(kept.public_hex()), insp.seal_to);
    // Facility checks open nothing: nothing to seal.
    let mut x = exercise(BTreeMap::new());
    let (fc, _) = requested(&mut x, "F1", "facility-check");
    assert_eq!(fc.seal_to, None);
    // Under New START (totals published), requests carry no key.
    let dir = tempfile::tempdir().unwrap();
    let ns = builtin::treaty("new-start").unwrap();
    let mut usa = Party::new(dir.path(), "USA", 1);
    let mut rus = Party::new(dir.path(), "RUS", 2);
    rus.declare(
        &ns,
        verity_inspect::new_start_force("RUS", 3, 4),
        day("2019-03-01"),
        day("2019-03-01"),
    );
    usa.on(day("2019-04-01"));
    let (plain, _) = usa
        .op
        .request(
            &ns,
            "N1",
            "type-one",
            rus.party_code(),
            rus.entry_ref(rus.declaration),
        )
        .unwrap();
    assert_eq!(plain.seal_to, None);
}
