//! Witnessed time in the view: an entry is judged no earlier than the latest time a witness
//! saw its log without it. A notification that claims to be on time but came after a
//! cosigned checkpoint dated past its deadline is a backdated entry and a late notification,
//! with the cosigned checkpoint as evidence; a cosignature of another history is a finding
//! against the log, not a bound.

use chrono::NaiveDate;
use ed25519_dalek::SigningKey;
use verity_inspect::view::{LoadedLog, judge};
use verity_log::{
    CosignerKey, Declaration, EntryBody, Log, Notification, PartyKey, cosign, sign_checkpoint,
    verify_cosigned,
};
use verity_treaty::Rule;
use verity_treaty::compliance::Mode;
use verity_treaty::model::EventKind;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Seconds since the epoch at noon UTC on `d`.
fn noon(d: &str) -> u64 {
    day(d).and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp() as u64
}

fn eliminated(uid: &str, on: &str) -> EntryBody {
    EntryBody::Notification(Notification {
        declaration: 0,
        event: EventKind::Eliminated,
        event_date: day(on),
        uid: uid.into(),
        old: Some(verity_escrow::ItemRecord {
            uid: uid.into(),
            class: "icbm".into(),
            item_type: "Minuteman III".into(),
            site: "BASE".into(),
            status: "deployed".into(),
            warheads: 1,
        }),
        new: None,
    })
}

#[test]
fn an_entry_is_judged_on_the_witnessed_bound_and_a_backdated_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let key = PartyKey::from_seed("verity.log/USA", [4; 32]).unwrap();
    let (key_path, _) = key.write(dir.path(), "usa").unwrap();
    let db = dir.path().join("usa.db");
    let mut log = Log::init(&db, "USA", &key, &key_path).unwrap();
    log.append_on(
        &key,
        day("2019-03-01"),
        vec![EntryBody::Declaration(Declaration {
            treaty: "new-start".into(),
            as_of: day("2019-03-01"),
            root: verity_escrow::Digest([1; 32]),
            sites: Some(vec![verity_escrow::Digest([1; 32])]),
            aggregates: None,
            hidden_totals: None,
            empty_facilities: Vec::new(),
            treaty_digest: None,
        })],
    )
    .unwrap();
    // A witness sees the log at one entry on 20 March.
    let witness = SigningKey::from_bytes(&[9; 32]);
    let wkey = CosignerKey::of("witness.verity/RUS", &witness);
    let seen = log.latest_checkpoint().unwrap().unwrap().1;
    let line = cosign(&witness, "witness.verity/RUS", &seen, noon("2019-03-20")).unwrap();
    let cosigned = verify_cosigned(&seen, &line, &key.verifier(), &wkey).unwrap();
    // Then the party notifies an elimination of 10 March, claiming 12 March (on time).
    log.append_on(
        &key,
        day("2019-03-12"),
        vec![eliminated("U1", "2019-03-10")],
    )
    .unwrap();
    drop(log);
    let treaty = verity_treaty::builtin::treaty("new-start").unwrap();
    let judged = |with: Option<&verity_log::CosignedCheckpoint>| {
        let mut loaded = LoadedLog::from_file(&db, Some(key.verifier())).unwrap();
        loaded.add_witnessed(with.cloned());
        judge(&treaty, &[loaded], day("2019-04-01"), Mode::AsWritten)
    };
    // Without the witness, the claim stands: no finding.
    let plain = judged(None);
    assert!(plain.findings.is_empty(), "{:?}", plain.findings);
    // With it, the entry is dated 20 March at the earliest: backdated, and late.
    let report = judged(Some(&cosigned));
    let rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&Rule::BackdatedEntry), "{rules:?}");
    assert!(rules.contains(&Rule::LateNotification), "{rules:?}");
    let backdated = report
        .findings
        .iter()
        .find(|f| f.rule == Rule::BackdatedEntry)
        .unwrap();
    assert_eq!(
        backdated.message,
        format!(
            "entry 1: claims to be recorded on 2019-03-12, but witness `witness.verity/RUS` cosigned the log at 1 entries, without it, on 2019-03-20 (time {}): it is judged as recorded on 2019-03-20",
            noon("2019-03-20")
        )
    );
    let bound = backdated.evidence[0].witnessed.as_ref().unwrap();
    assert_eq!((bound.size, bound.time), (1, noon("2019-03-20")));
    assert_eq!(report.logs[0].witnesses, ["witness.verity/RUS"]);
    // A cosignature of another history at that size is a finding, and bounds nothing.
    let other = sign_checkpoint(&key, 1, [7; 32]).unwrap();
    let line = cosign(&witness, "witness.verity/RUS", &other, noon("2019-03-20")).unwrap();
    let forked = verify_cosigned(&other, &line, &key.verifier(), &wkey).unwrap();
    let report = judged(Some(&forked));
    let rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, [Rule::LogIntegrity], "{:?}", report.findings);
    assert!(report.findings[0].message.contains("signed two histories"));
}
