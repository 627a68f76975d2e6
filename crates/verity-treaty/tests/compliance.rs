//! The compliance engine, rule by rule, on the published record and on small synthetic inputs
//! with exact expected verdicts and margins.

use std::collections::BTreeMap;

use verity_treaty::compliance::{
    Assessment, DeclaredFigures, ExchangeStatus, Mode, Severity, Verdict, assess,
};
use verity_treaty::{PartyCode, Treaty, builtin};

use crate::util::{d, new_start};

fn published(on: &str) -> Assessment {
    assess(
        &new_start(),
        &builtin::new_start_aggregates().unwrap(),
        d(on),
        Mode::AsWritten,
    )
}

fn verdict<'a>(
    a: &'a Assessment,
    date: &str,
    party: &str,
    limit: &str,
) -> &'a verity_treaty::compliance::LimitVerdict {
    a.verdicts
        .iter()
        .find(|v| v.date == d(date) && v.party.as_str() == party && v.limit == limit)
        .unwrap_or_else(|| panic!("no verdict for {date} {party} {limit}"))
}

fn row(party: &str, as_of: &str, values: &[(&str, Option<u64>)]) -> DeclaredFigures {
    DeclaredFigures {
        party: PartyCode::parse(party).unwrap(),
        as_of: d(as_of),
        values: values
            .iter()
            .map(|(k, v)| ((*k).to_string(), *v))
            .collect::<BTreeMap<_, _>>(),
        exchange: ExchangeStatus::Provided,
        delivered: None,
        derived: Vec::new(),
        source: "test".into(),
        origin: format!("test:{party}:{as_of}"),
    }
}

#[test]
fn the_published_record_has_no_violation_of_a_central_limit() {
    let a = published("2026-11-27");
    assert_eq!(a.verdicts.len(), 150);
    assert!(!a.has_limit_violation());
    let count = |v: Verdict| a.verdicts.iter().filter(|x| x.verdict == v).count();
    assert_eq!(count(Verdict::Compliant), 58);
    assert_eq!(count(Verdict::WithinLimitNotYetApplicable), 30);
    assert_eq!(count(Verdict::AboveLimitNotYetApplicable), 51);
    assert_eq!(count(Verdict::Unknown), 11);
    assert_eq!(count(Verdict::Violation), 0);
}

#[test]
fn values_over_a_limit_before_2018_02_05_are_not_violations() {
    let a = published("2026-11-27");
    let v = verdict(&a, "2011-02-05", "USA", "deployed_icbm_slbm_bombers");
    assert_eq!(
        (v.value, v.max, v.margin, v.verdict),
        (
            Some(882),
            700,
            Some(-182),
            Verdict::AboveLimitNotYetApplicable
        )
    );
    let v = verdict(&a, "2016-09-01", "RUS", "warheads_on_deployed");
    assert_eq!(
        (v.value, v.margin, v.verdict),
        (Some(1796), Some(-246), Verdict::AboveLimitNotYetApplicable)
    );
    let v = verdict(&a, "2017-09-01", "RUS", "warheads_on_deployed");
    assert_eq!(
        (v.value, v.margin, v.verdict),
        (Some(1561), Some(-11), Verdict::AboveLimitNotYetApplicable)
    );
    // Under the ceiling before it applies: within it, but not yet bound by it.
    let v = verdict(&a, "2011-02-05", "RUS", "deployed_icbm_slbm_bombers");
    assert_eq!(
        (v.value, v.margin, v.verdict),
        (Some(521), Some(179), Verdict::WithinLimitNotYetApplicable)
    );
}

#[test]
fn figures_from_the_limit_date_on_are_judged() {
    let a = published("2026-11-27");
    let v = verdict(
        &a,
        "2018-02-05",
        "USA",
        "deployed_and_nondeployed_launchers",
    );
    assert_eq!(
        (v.value, v.margin, v.verdict),
        (Some(800), Some(0), Verdict::Compliant)
    );
    let v = verdict(&a, "2022-09-01", "RUS", "warheads_on_deployed");
    assert_eq!(
        (v.value, v.margin, v.verdict),
        (Some(1549), Some(1), Verdict::Compliant)
    );
    assert!(v.reference.starts_with("Art. II(1)(b)"));
    assert_eq!(v.origin, "data/new_start_aggregates.csv:49");
    // Missing and withheld figures are unknown, never guessed.
    assert_eq!(
        verdict(&a, "2022-09-01", "USA", "warheads_on_deployed").verdict,
        Verdict::Unknown
    );
    let w = verdict(&a, "2023-03-01", "RUS", "warheads_on_deployed");
    assert_eq!((w.value, w.verdict), (None, Verdict::Unknown));
    // Derived figures are marked.
    assert!(verdict(&a, "2016-03-01", "RUS", "warheads_on_deployed").derived);
    assert!(!verdict(&a, "2016-03-01", "RUS", "deployed_icbm_slbm_bombers").derived);
}

#[test]
fn exchange_findings_on_the_published_record() {
    let a = published("2026-11-27");
    let by = |rule: &str| {
        a.findings
            .iter()
            .filter(|f| f.rule.as_str() == rule)
            .collect::<Vec<_>>()
    };
    let withheld = by("data-exchange-withheld");
    assert_eq!(withheld.len(), 2);
    assert!(
        withheld
            .iter()
            .all(|f| f.date == Some(d("2023-03-01")) && f.severity == Severity::Violation)
    );
    assert!(withheld.iter().any(
        |f| f.party.unwrap().as_str() == "USA" && f.message.contains("published unilaterally")
    ));
    // Scheduled exchanges with nothing in the record: 2018-03-01 and 2023-09-01 .. 2025-09-01.
    let absent = by("data-exchange-absent-from-record");
    assert_eq!(absent.len(), 12);
    assert!(absent.iter().all(|f| f.severity == Severity::Warning));
    let unscheduled = by("unscheduled-figures");
    assert_eq!(unscheduled.len(), 2);
    assert!(unscheduled.iter().all(|f| f.date == Some(d("2018-02-05"))));
    let nif = by("treaty-not-in-force");
    assert_eq!(nif.len(), 1);
    assert!(nif[0].message.contains("295 days"), "{}", nif[0].message);
    assert!(a.has_violation_finding());
}

#[test]
fn exchanges_not_yet_due_are_not_owed() {
    // On 2023-03-30 the March 2023 update is due that very day: not yet late or missing.
    let a = published("2023-03-30");
    assert!(!a.findings.iter().any(|f| f.date == Some(d("2023-03-01"))));
    let a = published("2023-03-31");
    assert_eq!(
        a.findings
            .iter()
            .filter(|f| f.date == Some(d("2023-03-01")))
            .count(),
        2
    );
    assert!(
        !a.findings
            .iter()
            .any(|f| f.rule.as_str() == "treaty-not-in-force")
    );
}

#[test]
fn a_violation_is_reported_with_its_margin() {
    let t = new_start();
    let rows = [
        row("RUS", "2019-09-01", &[("warheads_on_deployed", Some(1600))]),
        row("RUS", "2017-09-01", &[("warheads_on_deployed", Some(1600))]),
        row("USA", "2019-09-01", &[("warheads_on_deployed", Some(1550))]),
        row("USA", "2026-09-01", &[("warheads_on_deployed", Some(1700))]),
        row("USA", "2010-09-01", &[("warheads_on_deployed", Some(2200))]),
    ];
    let a = assess(&t, &rows, d("2026-11-27"), Mode::AsWritten);
    let w: Vec<_> = a
        .verdicts
        .iter()
        .filter(|v| v.limit == "warheads_on_deployed")
        .map(|v| (v.verdict, v.margin))
        .collect();
    assert_eq!(
        w,
        [
            (Verdict::Violation, Some(-50)),
            (Verdict::AboveLimitNotYetApplicable, Some(-50)),
            (Verdict::Compliant, Some(0)),
            (Verdict::NotInForce, Some(-150)),
            (Verdict::NotInForce, Some(-650)),
        ]
    );
    assert!(a.has_limit_violation());
    // Limits absent from a row are unknown.
    let other = a
        .verdicts
        .iter()
        .find(|v| v.limit == "deployed_icbm_slbm_bombers" && v.date == d("2019-09-01"))
        .unwrap();
    assert_eq!(other.verdict, Verdict::Unknown);
}

#[test]
fn late_delivery_is_a_violation_with_the_days_late() {
    let t = new_start();
    let mut r = row("USA", "2019-09-01", &[("warheads_on_deployed", Some(1376))]);
    r.delivered = Some(d("2019-10-03"));
    let mut on_time = row("RUS", "2019-09-01", &[("warheads_on_deployed", Some(1426))]);
    on_time.delivered = Some(d("2019-09-30"));
    let a = assess(&t, &[r, on_time], d("2020-01-01"), Mode::AsWritten);
    let late: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule.as_str() == "data-exchange-late")
        .collect();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].party.unwrap().as_str(), "USA");
    assert!(
        late[0]
            .message
            .contains("delivered 2019-10-03, 3 days after the deadline 2019-09-30"),
        "{}",
        late[0].message
    );
    assert_eq!(late[0].severity, Severity::Violation);
}

#[test]
fn figures_dated_after_the_assessment_date_are_flagged() {
    let a = assess(
        &new_start(),
        &[row("USA", "2019-09-01", &[])],
        d("2019-06-01"),
        Mode::AsWritten,
    );
    assert!(
        a.findings
            .iter()
            .any(|f| f.rule.as_str() == "figures-after-assessment-date"
                && f.severity == Severity::Warning)
    );
}

#[test]
fn a_proposal_binds_no_one_unless_assessed_as_if_in_force() {
    let t: Treaty = builtin::treaty("new-start-voluntary-2026").unwrap();
    let rows = [row(
        "RUS",
        "2026-09-01",
        &[("warheads_on_deployed", Some(1600))],
    )];
    let a = assess(&t, &rows, d("2026-11-27"), Mode::AsWritten);
    assert!(a.verdicts.iter().all(|v| v.verdict == Verdict::NotInForce));
    assert!(
        a.findings
            .iter()
            .any(|f| f.rule.as_str() == "treaty-not-in-force")
    );
    let a = assess(&t, &rows, d("2026-11-27"), Mode::AsIfInForce);
    let v = a
        .verdicts
        .iter()
        .find(|v| v.limit == "warheads_on_deployed")
        .unwrap();
    assert_eq!((v.verdict, v.margin), (Verdict::Violation, Some(-50)));
    assert!(
        !a.findings
            .iter()
            .any(|f| f.rule.as_str() == "treaty-not-in-force")
    );
}

#[test]
fn per_party_ceilings_apply_per_party() {
    let t = builtin::treaty("trilateral-draft").unwrap();
    let rows = [
        row(
            "CHN",
            "2028-03-01",
            &[
                ("total_warheads", Some(1001)),
                ("total_warheads_reduced", Some(1001)),
            ],
        ),
        row(
            "USA",
            "2028-03-01",
            &[
                ("total_warheads", Some(5177)),
                ("total_warheads_reduced", Some(5177)),
            ],
        ),
    ];
    let a = assess(&t, &rows, d("2028-06-01"), Mode::AsIfInForce);
    let totals: Vec<_> = a
        .verdicts
        .iter()
        .filter(|v| v.limit == "total_warheads")
        .map(|v| (v.party.as_str().to_string(), v.max, v.verdict))
        .collect();
    assert_eq!(
        totals,
        [
            ("CHN".to_string(), 1000, Verdict::Violation),
            ("USA".to_string(), 5500, Verdict::Compliant)
        ]
    );
    // The reduced ceiling is not yet applicable in 2028.
    let reduced = a
        .verdicts
        .iter()
        .find(|v| v.limit == "total_warheads_reduced" && v.party.as_str() == "USA")
        .unwrap();
    assert_eq!(
        (reduced.verdict, reduced.margin),
        (Verdict::AboveLimitNotYetApplicable, Some(-1177))
    );
    // As written, the draft binds no one.
    let a = assess(&t, &rows, d("2028-06-01"), Mode::AsWritten);
    assert!(a.verdicts.iter().all(|v| v.verdict == Verdict::NotInForce));
}

#[test]
fn hidden_totals_are_judged_from_verified_proofs_only() {
    use verity_treaty::compliance::judge_hidden;
    let t = builtin::treaty("trilateral-draft").unwrap();
    let chn = PartyCode::parse("CHN").unwrap();
    let proved: Vec<String> = ["total_warheads", "deployed_strategic_warheads"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let v = judge_hidden(
        &t,
        chn,
        d("2027-02-05"),
        &proved,
        Mode::AsIfInForce,
        "log entry 0",
    );
    let by: BTreeMap<&str, Verdict> = v.iter().map(|x| (x.limit.as_str(), x.verdict)).collect();
    assert_eq!(by["total_warheads"], Verdict::WithinLimitsProved);
    assert_eq!(
        by["deployed_strategic_warheads"],
        Verdict::WithinLimitsProved
    );
    assert_eq!(
        by["deployed_icbm_slbm_bombers"],
        Verdict::Unknown,
        "no proof, no verdict"
    );
    assert_eq!(by["total_warheads_reduced"], Verdict::Unknown);
    let total = v.iter().find(|x| x.limit == "total_warheads").unwrap();
    assert_eq!((total.max, total.value, total.margin), (1000, None, None));
    assert_eq!(Verdict::WithinLimitsProved.as_str(), "within-limits-proved");
    // A draft binds no one as written.
    let v = judge_hidden(
        &t,
        chn,
        d("2027-02-05"),
        &proved,
        Mode::AsWritten,
        "log entry 0",
    );
    assert!(v.iter().all(|x| x.verdict == Verdict::NotInForce));
    // New START as written: in force in 2020, expired in 2026.
    let usa = PartyCode::parse("USA").unwrap();
    let all: Vec<String> = new_start().limits().iter().map(|l| l.id.clone()).collect();
    let v = judge_hidden(
        &new_start(),
        usa,
        d("2020-09-01"),
        &all,
        Mode::AsWritten,
        "x",
    );
    assert!(v.iter().all(|x| x.verdict == Verdict::WithinLimitsProved));
    let v = judge_hidden(
        &new_start(),
        usa,
        d("2026-11-27"),
        &all,
        Mode::AsWritten,
        "x",
    );
    assert!(v.iter().all(|x| x.verdict == Verdict::NotInForce));
}
