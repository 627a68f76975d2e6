//! Each step of the protocol refuses, saying why, when it is not the party's turn: nothing is
//! appended to either log by a refused step. The inspection moves requested → committed →
//! inspected revealed → revealed → opened → recorded, whether carried along in memory or read
//! back from the two logs.

mod regime;

use regime::{Party, day};
use verity_inspect::new_start_force;
use verity_party::{Inspection, LogEntries, PartyError, Stage};
use verity_treaty::builtin;

fn sizes(a: &Party, b: &Party) -> (u64, u64) {
    (a.log().size().unwrap(), b.log().size().unwrap())
}

fn out_of_order(e: PartyError, want: &str) {
    match e {
        PartyError::OutOfOrder { reason, .. } => assert!(reason.contains(want), "{reason}"),
        other => panic!("expected a refusal out of order, got {other}"),
    }
}

#[test]
fn every_step_out_of_turn_is_refused_and_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let treaty = builtin::treaty("new-start").unwrap();
    let mut usa = Party::new(dir.path(), "USA", 41);
    let mut rus = Party::new(dir.path(), "RUS", 42);
    let mut gbr = Party::new(dir.path(), "GBR", 43);
    for p in [&mut usa, &mut rus] {
        let force = new_start_force(&p.code, 4, 6);
        p.declare(&treaty, force, day("2019-03-01"), day("2019-03-01"));
    }
    let on = day("2019-04-10");
    usa.on(on);
    rus.on(on);
    let decl = rus.entry_ref(rus.declaration);
    let (mut insp, number) = usa
        .op
        .request(&treaty, "S1", "type-one", rus.party_code(), decl.clone())
        .unwrap();
    assert_eq!((number, insp.stage()), (1, Stage::Requested));
    // The same id again, and a type the treaty does not have: refused.
    let e = usa
        .op
        .request(&treaty, "S1", "type-one", rus.party_code(), decl.clone())
        .unwrap_err();
    assert!(e.to_string().contains("`S1` is already used"), "{e}");
    let e = usa
        .op
        .request(&treaty, "S2", "type-nine", rus.party_code(), decl.clone())
        .unwrap_err();
    assert!(matches!(e, PartyError::Quota(_)), "{e}");
    let before = sizes(&usa, &rus);
    // Revealing before committing; a party that is neither side.
    out_of_order(
        rus.op.reveal_seed(&mut insp, &treaty).unwrap_err(),
        "RUS never committed a seed",
    );
    let e = gbr.op.commit_seed(&mut insp).unwrap_err();
    assert!(e.to_string().contains("GBR is neither side"), "{e}");
    assert_eq!(sizes(&usa, &rus), before);

    usa.op.commit_seed(&mut insp).unwrap();
    out_of_order(
        usa.op.commit_seed(&mut insp).unwrap_err(),
        "USA already committed a seed",
    );
    // The inspecting party cannot reveal before the inspected party (deadline not passed).
    out_of_order(
        usa.op.reveal_seed(&mut insp, &treaty).unwrap_err(),
        "the inspected party reveals first",
    );
    // Nor the inspected party before it has committed itself.
    out_of_order(
        rus.op.reveal_seed(&mut insp, &treaty).unwrap_err(),
        "RUS never committed a seed",
    );
    rus.op.commit_seed(&mut insp).unwrap();
    assert_eq!(insp.stage(), Stage::Committed);
    // No joint seed before both reveals; the inspected party cannot open yet.
    out_of_order(insp.joint_seed().unwrap_err(), "has not revealed its seed");
    rus.op.reveal_seed(&mut insp, &treaty).unwrap();
    assert_eq!(insp.stage(), Stage::InspectedRevealed);
    usa.op.reveal_seed(&mut insp, &treaty).unwrap();
    assert_eq!(insp.stage(), Stage::Revealed);
    let seed = insp.joint_seed().unwrap();
    // Only the inspected party opens; only the inspecting party records, after the opening.
    out_of_order(
        usa.op.prepare_opening(&insp, &treaty, &seed).unwrap_err(),
        "only the inspected party (RUS) does",
    );
    out_of_order(
        usa.op
            .record(&mut insp, &treaty, &rus.loaded(), Vec::new())
            .unwrap_err(),
        "RUS has not opened anything",
    );
    let (opening, _) = rus.op.prepare_opening(&insp, &treaty, &seed).unwrap();
    rus.op.open_selection(&mut insp, opening.clone()).unwrap();
    assert_eq!(insp.stage(), Stage::Opened);
    out_of_order(
        rus.op.open_selection(&mut insp, opening).unwrap_err(),
        "it is already opened",
    );
    out_of_order(
        rus.op
            .record(&mut insp, &treaty, &rus.loaded(), Vec::new())
            .unwrap_err(),
        "only the inspecting party (USA) does",
    );
    let before = sizes(&usa, &rus);
    usa.op
        .record(&mut insp, &treaty, &rus.loaded(), Vec::new())
        .unwrap();
    assert_eq!(insp.stage(), Stage::Recorded);
    out_of_order(
        usa.op
            .record(&mut insp, &treaty, &rus.loaded(), Vec::new())
            .unwrap_err(),
        "it is already recorded",
    );
    assert_eq!(sizes(&usa, &rus), (before.0 + 1, before.1));

    // Read back from the two logs, the inspection is where the steps left it.
    let a = usa.op.own_entries();
    let b = rus.op.own_entries();
    let read = Inspection::from_logs("S1", &b, &a).unwrap();
    assert_eq!(read.stage(), Stage::Recorded);
    assert_eq!(
        (read.inspecting, read.inspected),
        (usa.party_code(), rus.party_code())
    );
    assert_eq!(read.request, insp.request);
    assert_eq!(read.opening(), insp.opening());
    assert_eq!(read.joint_seed().unwrap(), seed);
    assert_eq!(
        LogEntries::of(
            &verity_inspect::view::LoadedLog::from_file(&rus.db, Some(rus.key.verifier())).unwrap()
        )
        .latest_declaration(on),
        Some(decl)
    );
}

#[test]
fn a_request_over_the_yearly_quota_is_refused_and_the_next_year_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let treaty = builtin::treaty("new-start").unwrap();
    let mut usa = Party::new(dir.path(), "USA", 51);
    let mut rus = Party::new(dir.path(), "RUS", 52);
    for p in [&mut usa, &mut rus] {
        let force = new_start_force(&p.code, 4, 6);
        p.declare(&treaty, force, day("2019-03-01"), day("2019-03-01"));
    }
    let decl = rus.entry_ref(rus.declaration);
    let quota = treaty
        .inspection_type("type-one")
        .unwrap()
        .quota(usa.party_code(), rus.party_code());
    usa.on(day("2019-04-10"));
    for k in 0..quota {
        usa.op
            .request(
                &treaty,
                &format!("Q{k}"),
                "type-one",
                rus.party_code(),
                decl.clone(),
            )
            .unwrap();
    }
    let before = usa.log().size().unwrap();
    let e = usa
        .op
        .request(&treaty, "OVER", "type-one", rus.party_code(), decl.clone())
        .unwrap_err();
    assert!(e.to_string().contains("over quota"), "{e}");
    assert_eq!(usa.log().size().unwrap(), before);
    // New START's quota year runs from the anniversary of entry into force (5 February).
    usa.on(day("2020-02-05"));
    let (_, number) = usa
        .op
        .request(&treaty, "NEXT", "type-one", rus.party_code(), decl)
        .unwrap();
    assert_eq!(number, 1);
}
