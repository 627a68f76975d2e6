//! Inspections replayed from the logs: the quota, the declaration named, the seed protocol
//! with its deadlines and fallbacks, the opening (in time, valid, exactly what the seed
//! selects) and the inspectors' record compared with the declaration amended by notifications.

use chrono::{Days, NaiveDate};
use std::borrow::Cow;

use crate::sealed::{UnsealError, open_sealed};
use verity_log::{
    EntryBody, EntryRef, InspectionOpening, InspectionRecord, InspectionRequest, Notification,
    SealedOutcome, SeedCommit, SeedReveal,
};
use verity_treaty::model::{InspectionProtocol, InspectionType, SelectionScope};
use verity_treaty::{Rule, Treaty};

use super::{Evidence, Findings, InspectionStatus, InspectionSummary, PartyLog};
use crate::compare::{ItemOutcome, compare_site, expected_at_site};
use crate::opening::check_inspection_opening;
use crate::quota::{QuotaError, QuotaLedger, QuotaUse, RecordedRequest};
use crate::randomness::{Role, SeedCommitment, SeedOutcome, SeedProtocol};
use crate::select::{SelectionResult, follow_facility_selection, follow_selection};

/// Finds an entry by reference among the logs read: the log, the index and the leaf hash must
/// all agree.
fn resolve<'a>(logs: &'a [PartyLog<'a>], r: &EntryRef) -> Option<(&'a PartyLog<'a>, u64)> {
    let pl = logs.iter().find(|l| l.origin == r.log)?;
    (pl.leaf(r.index).is_some() && pl.hash(r.index) == Some(r.leaf_hash.0)).then_some((pl, r.index))
}

/// The first entry of a party's log matching `pick`, with its index.
fn first<'a, T: ?Sized>(
    pl: &PartyLog<'a>,
    pick: impl Fn(&'a EntryBody) -> Option<&'a T>,
) -> Option<(u64, &'a T)> {
    pl.bodies().find_map(|(i, b)| pick(b).map(|t| (i, t)))
}

struct Inspection<'a> {
    id: &'a str,
    request: &'a InspectionRequest,
    inspecting: &'a PartyLog<'a>,
    request_index: u64,
    requested: NaiveDate,
}

/// Every request in the logs, replayed in the quota's order; the inspections and the quotas
/// they used.
pub(super) fn replay_inspections<'a>(
    treaty: &Treaty,
    logs: &'a [PartyLog<'a>],
    on: NaiveDate,
    findings: &mut Findings,
) -> (Vec<InspectionSummary>, Vec<QuotaUse>) {
    let mut requests = Vec::new();
    for pl in logs {
        for (i, body) in pl.bodies() {
            if let EntryBody::InspectionRequest(r) = body
                && let Some(date) = pl.recorded(i)
            {
                requests.push(RecordedRequest {
                    party: pl.party,
                    index: i,
                    date,
                    request: r,
                });
            }
        }
    }
    let (ledger, outcomes) = QuotaLedger::replay(treaty, requests);
    let out = outcomes
        .into_iter()
        .filter_map(|(rec, outcome)| {
            let inspecting = logs.iter().find(|l| l.party == rec.party)?;
            let insp = Inspection {
                id: &rec.request.inspection,
                request: rec.request,
                inspecting,
                request_index: rec.index,
                requested: rec.date,
            };
            let before = findings.0.len();
            let summary = replay_one(treaty, logs, on, &insp, outcome, findings);
            if let Some(added) = findings.0.get_mut(before..) {
                cite_inspection_articles(treaty, &summary.inspection_type, added);
            }
            Some(summary)
        })
        .collect();
    (out, ledger.usage())
}

/// Gives each finding of one inspection the article it rests on: the inspection protocol's
/// for the seeds and the opening's deadline, the inspection type's for everything else.
fn cite_inspection_articles(treaty: &Treaty, kind: &str, found: &mut [super::ViewFinding]) {
    let protocol = treaty.inspection_protocol().map(|p| p.reference.as_str());
    let kind = treaty.inspection_type(kind).map(|k| k.reference.as_str());
    for f in found.iter_mut().filter(|f| f.reference.is_empty()) {
        let article = match f.rule {
            Rule::SeedRevealOutOfOrder
            | Rule::BadSeedReveal
            | Rule::SeedWithheld
            | Rule::InspectionLapsed
            | Rule::OpeningWithheld
            | Rule::LateOpening => protocol,
            _ => kind,
        };
        f.reference = article.unwrap_or_default().to_string();
    }
}

fn replay_one<'a>(
    treaty: &Treaty,
    logs: &'a [PartyLog<'a>],
    on: NaiveDate,
    insp: &Inspection<'a>,
    quota: Result<u32, QuotaError>,
    findings: &mut Findings,
) -> InspectionSummary {
    let r = insp.request;
    let id = insp.id;
    let inspecting = insp.inspecting;
    let req_ev = inspecting.evidence(insp.request_index);
    let mut summary = InspectionSummary {
        id: id.to_string(),
        inspection_type: r.inspection_type.clone(),
        inspecting: inspecting.party,
        inspected: r.inspected,
        requested: insp.requested,
        number_in_year: None,
        status: InspectionStatus::Refused,
        seed: None,
        selection: None,
        checks: Vec::new(),
        sealed_to: None,
        disclosed: false,
    };
    let refuse = |rule: Rule, message: String, findings: &mut Findings| {
        findings.add(
            rule,
            inspecting.party,
            Some(id),
            message,
            vec![req_ev.clone()],
        );
    };
    match quota {
        Ok(n) => summary.number_in_year = Some(n),
        Err(e @ QuotaError::OtherTreaty { .. }) => {
            refuse(Rule::InvalidRequest, e.to_string(), findings);
            return summary;
        }
        Err(e @ QuotaError::OverQuota { .. }) => {
            refuse(
                Rule::RequestOverQuota,
                format!("inspection `{id}` refused: {e}"),
                findings,
            );
            return summary;
        }
        Err(e) => {
            refuse(
                Rule::InvalidRequest,
                format!("inspection `{id}` refused: {e}"),
                findings,
            );
            return summary;
        }
    }
    // The ledger accepted the request, so its type exists and the treaty has a protocol.
    let (Some(kind), Some(protocol)) = (
        treaty.inspection_type(&r.inspection_type),
        treaty.inspection_protocol(),
    ) else {
        return summary;
    };
    let Some(inspected) = logs.iter().find(|l| l.party == r.inspected) else {
        findings.add(
            Rule::LogNotSupplied,
            r.inspected,
            Some(id),
            format!(
                "inspection `{id}`: no log of {} was given, so its side cannot be followed",
                r.inspected
            ),
            vec![req_ev],
        );
        summary.status = InspectionStatus::AwaitingSeeds;
        return summary;
    };
    // The declaration inspected: the inspected party's latest on the request date.
    let latest = inspected
        .bodies()
        .filter(|(i, b)| {
            matches!(b, EntryBody::Declaration(_))
                && inspected.recorded(*i).is_some_and(|d| d <= insp.requested)
        })
        .map(|(i, _)| i)
        .last();
    let named = resolve(logs, &r.declaration)
        .filter(|(pl, i)| pl.party == inspected.party && pl.declaration(*i).is_some());
    match (named, latest) {
        (Some((_, n)), Some(l)) if n == l => {}
        _ => {
            findings.add(
                Rule::RequestNamesWrongDeclaration,
                inspecting.party,
                Some(id),
                format!(
                    "inspection `{id}` names entry {} of `{}`, which is not {}'s latest declaration on {}{}",
                    r.declaration.index,
                    r.declaration.log,
                    inspected.party,
                    insp.requested,
                    latest.map(|l| format!(" (entry {l})")).unwrap_or_default()
                ),
                vec![req_ev],
            );
            return summary;
        }
    }
    let c = Ctx {
        treaty,
        logs,
        on,
        id,
        insp,
        inspecting,
        inspected,
        req_ev,
        kind,
        protocol,
        declaration: r.declaration.index,
    };
    if let Some(fixed) = settle_seed(&c, &mut summary, findings)
        && let Some(opened) = check_opening(&c, &fixed, &mut summary, findings)
    {
        check_record(&c, opened, &mut summary, findings);
    }
    summary
}

/// What the seed protocol fixed.
struct FixedSeed {
    seed: [u8; 32],
    /// The day the selection was fixed (the inspecting party's reveal).
    fixed_on: NaiveDate,
    /// The day the opening is due.
    due: NaiveDate,
    /// The inspecting party's reveal entry.
    reveal_index: Option<u64>,
}

/// The inspection's facts every phase needs.
struct Ctx<'a, 'r> {
    treaty: &'r Treaty,
    logs: &'a [PartyLog<'a>],
    on: NaiveDate,
    id: &'a str,
    insp: &'r Inspection<'a>,
    inspecting: &'a PartyLog<'a>,
    inspected: &'a PartyLog<'a>,
    req_ev: Evidence,
    kind: &'r InspectionType,
    protocol: &'r InspectionProtocol,
    /// The inspected declaration's index in the inspected party's log.
    declaration: u64,
}

/// The seed protocol, as the two logs played it: order, deadlines and fallbacks.
fn settle_seed<'a>(
    c: &Ctx<'a, '_>,
    summary: &mut InspectionSummary,
    findings: &mut Findings,
) -> Option<FixedSeed> {
    let &Ctx {
        logs,
        on,
        id,
        insp,
        inspecting,
        inspected,
        protocol,
        ..
    } = c;
    let req_ev = c.req_ev.clone();
    let deadline = insp.requested + Days::new(u64::from(protocol.seed_reveal_days));
    let find_commit = |pl: &'a PartyLog<'a>| {
        first(pl, |b| match b {
            EntryBody::SeedCommit(c)
                if c.inspection == id
                    && resolve(logs, &c.request).is_some_and(|(l, i)| {
                        l.origin == inspecting.origin && i == insp.request_index
                    }) =>
            {
                Some(c)
            }
            _ => None,
        })
    };
    let find_reveal = |pl: &'a PartyLog<'a>| {
        first(pl, |b| match b {
            EntryBody::SeedReveal(s) if s.inspection == id => Some(s),
            _ => None,
        })
    };
    let mut proto = SeedProtocol::new(id, inspecting.party.as_str(), inspected.party.as_str());
    let c_ing: Option<(u64, &SeedCommit)> = find_commit(inspecting);
    let c_ed: Option<(u64, &SeedCommit)> = find_commit(inspected);
    if let Some((_, c)) = c_ing {
        let _ = proto.commit(Role::Inspecting, SeedCommitment(c.commitment.0));
    }
    if let Some((_, c)) = c_ed {
        let _ = proto.commit(Role::Inspected, SeedCommitment(c.commitment.0));
    }
    let in_time = |pl: &PartyLog<'_>, i: u64| pl.recorded(i).is_some_and(|d| d <= deadline);
    let r_ed: Option<(u64, &SeedReveal)> = find_reveal(inspected);
    let r_ing: Option<(u64, &SeedReveal)> = find_reveal(inspecting);
    let mut inspected_revealed = false;
    if let Some((i, s)) = r_ed {
        let cites = s.after.as_ref().and_then(|a| resolve(logs, a));
        let ordered = matches!((cites, c_ing), (Some((l, ci)), Some((want, _))) if l.origin == inspecting.origin && ci == want)
            && c_ed.is_some_and(|(ci, _)| ci < i);
        if !ordered {
            findings.add(
                Rule::SeedRevealOutOfOrder,
                inspected.party,
                Some(id),
                format!("inspection `{id}`: {}'s reveal does not follow its own commitment and cite {}'s seed commitment; it is disregarded", inspected.party, inspecting.party),
                vec![inspected.evidence(i)],
            );
        } else if in_time(inspected, i) {
            match proto.reveal(Role::Inspected, s.seed.0) {
                Ok(()) => inspected_revealed = true,
                Err(e) => findings.add(
                    Rule::BadSeedReveal,
                    inspected.party,
                    Some(id),
                    format!("inspection `{id}`: {e}"),
                    vec![inspected.evidence(i)],
                ),
            }
        }
    }
    let mut fixed_on = None;
    let mut reveal_index = None;
    let mut inspecting_out_of_order = false;
    if let Some((i, s)) = r_ing {
        let cites_inspected =
            s.after
                .as_ref()
                .and_then(|a| resolve(logs, a))
                .is_some_and(|(l, ri)| {
                    l.origin == inspected.origin && r_ed.is_some_and(|(want, _)| want == ri)
                });
        let result = if inspected_revealed && cites_inspected && in_time(inspecting, i) {
            Some(proto.reveal(Role::Inspecting, s.seed.0))
        } else if !inspected_revealed && inspecting.recorded(i).is_some_and(|d| d > deadline) {
            Some(proto.reveal_after_withholding(s.seed.0))
        } else if inspected_revealed && !in_time(inspecting, i) {
            None // too late: the inspection lapses
        } else {
            inspecting_out_of_order = true;
            findings.add(
                Rule::SeedRevealOutOfOrder,
                inspecting.party,
                Some(id),
                format!("inspection `{id}`: {}'s reveal came before {}'s (or cites another entry); it is disregarded and the inspection lapses", inspecting.party, inspected.party),
                vec![inspecting.evidence(i)],
            );
            None
        };
        match result {
            Some(Ok(())) => {
                fixed_on = inspecting.recorded(i);
                reveal_index = Some(i);
            }
            Some(Err(e)) => findings.add(
                Rule::BadSeedReveal,
                inspecting.party,
                Some(id),
                format!("inspection `{id}`: {e}"),
                vec![inspecting.evidence(i)],
            ),
            None => {}
        }
    }
    let committed_in_time = c_ing.is_some_and(|(i, _)| in_time(inspecting, i));
    let outcome = if on > deadline && (!committed_in_time || inspecting_out_of_order) {
        // The inspecting party never committed in time, or revealed before the inspected
        // party (who could then choose between the joint and the fallback outcome): it loses
        // the inspection.
        Some(SeedOutcome::Lapsed)
    } else {
        proto.outcome(on > deadline)
    };
    summary.seed = outcome.clone();
    match &outcome {
        None => {
            summary.status = InspectionStatus::AwaitingSeeds;
            return None;
        }
        Some(SeedOutcome::Lapsed) => {
            findings.add(
                Rule::InspectionLapsed,
                inspecting.party,
                Some(id),
                format!("inspection `{id}`: {} did not commit to and reveal its seed, in order, by {deadline}; the inspection lapses and counts against its quota", inspecting.party),
                vec![req_ev],
            );
            summary.status = InspectionStatus::Lapsed;
            return None;
        }
        Some(SeedOutcome::InspectedWithheld { .. }) => {
            findings.add(
                Rule::SeedWithheld,
                inspected.party,
                Some(id),
                format!("inspection `{id}`: {} did not reveal its seed by {deadline}; {}'s seed alone selects ({:?})", inspected.party, inspecting.party, protocol.if_inspected_withholds),
                c_ed.map(|(i, _)| vec![req_ev.clone(), inspected.evidence(i)]).unwrap_or_else(|| vec![req_ev.clone()]),
            );
        }
        Some(SeedOutcome::Joint { .. }) => {}
    }
    let Some(seed) = outcome.as_ref().and_then(SeedOutcome::seed) else {
        summary.status = InspectionStatus::AwaitingSeeds;
        return None;
    };
    let fixed_on = fixed_on.unwrap_or(deadline);
    Some(FixedSeed {
        seed,
        fixed_on,
        due: fixed_on + Days::new(u64::from(c.protocol.opening_days)),
        reveal_index,
    })
}

/// The inspected party's opening: in time, answering the request, valid against the
/// declaration, and exactly what the seed selects.
fn check_opening<'a>(
    c: &Ctx<'a, '_>,
    fixed: &FixedSeed,
    summary: &mut InspectionSummary,
    findings: &mut Findings,
) -> Option<Opened<'a>> {
    let &Ctx {
        logs,
        on,
        id,
        insp,
        inspecting,
        inspected,
        protocol,
        ..
    } = c;
    let (declaration, req_ev) = (c.declaration, &c.req_ev);
    let FixedSeed {
        seed,
        fixed_on,
        due,
        reveal_index,
    } = *fixed;
    let opening: Option<(u64, &InspectionOpening)> = first(inspected, |b| match b {
        EntryBody::InspectionOpening(o) if o.inspection == id => Some(o),
        _ => None,
    });
    let Some((oi, o)) = opening else {
        if on > due {
            findings.add(
                Rule::OpeningWithheld,
                inspected.party,
                Some(id),
                format!("inspection `{id}`: the selection was fixed on {fixed_on}; {} has not opened the selected commitments, due by {due}", inspected.party),
                reveal_index.map(|i| vec![inspecting.evidence(i)]).unwrap_or_else(|| vec![req_ev.clone()]),
            );
        }
        summary.status = InspectionStatus::AwaitingOpening;
        return None;
    };
    let o_ev = inspected.evidence(oi);
    let answers = resolve(logs, &o.request)
        .is_some_and(|(l, i)| l.origin == inspecting.origin && i == insp.request_index);
    let right_decl = o.declaration == declaration
        && inspected
            .declaration(declaration)
            .is_some_and(|d| d.root == o.root);
    if !answers || !right_decl {
        findings.add(
                Rule::OpeningWrongDeclaration,
                inspected.party,
            Some(id),
            format!("inspection `{id}`: the opening does not answer the request or does not open declaration {declaration}"),
            vec![req_ev.clone(), o_ev],
        );
        summary.status = InspectionStatus::OpeningRejected;
        return None;
    }
    if let Some(at) = inspected.recorded(oi)
        && at > due
    {
        findings.add(
                Rule::LateOpening,
                inspected.party,
            Some(id),
            format!("inspection `{id}`: the opening was due by {due} ({} day(s) after the selection was fixed on {fixed_on}) and recorded on {at}", protocol.opening_days),
            vec![o_ev.clone()],
        );
    }
    // A sealed opening is read with the key the inspecting party discloses, or not at all;
    // what is found in it cites the opening and the record that disclosed its key.
    let mut o_ev = vec![o_ev];
    let o: Cow<'a, InspectionOpening> = match &o.sealed {
        None => Cow::Borrowed(o),
        Some(sealed) => {
            summary.sealed_to = Some(inspecting.party);
            if insp.request.seal_to.as_deref() != Some(sealed.recipient.as_str()) {
                findings.add(
                    Rule::SealedToWrongKey,
                    inspected.party,
                    Some(id),
                    format!("inspection `{id}`: the opening is sealed to key {}, not to the key the request gives", verity_escrow::clip_name(&sealed.recipient)),
                    [vec![req_ev.clone()], o_ev].concat(),
                );
                summary.status = InspectionStatus::OpeningRejected;
                return None;
            }
            let disclosed = first(inspecting, |b| match b {
                EntryBody::InspectionRecord(x) if x.inspection == id => {
                    x.sealed.as_ref().and_then(|v| v.disclosed_key.as_deref())
                }
                _ => None,
            });
            let Some((ri, key)) = disclosed else {
                return Some(Opened {
                    index: oi,
                    opening: Cow::Borrowed(o),
                    selection: None,
                });
            };
            summary.disclosed = true;
            let r_ev = inspecting.evidence(ri);
            match open_sealed(o, key) {
                Ok(full) => {
                    o_ev.push(r_ev);
                    Cow::Owned(full)
                }
                Err(e @ (UnsealError::WrongKey | UnsealError::NotAKey(_))) => {
                    findings.add(
                        Rule::DisclosedKeyInvalid,
                        inspecting.party,
                        Some(id),
                        format!("inspection `{id}`: the record discloses a key that does not open the opening: {e}"),
                        vec![r_ev],
                    );
                    return Some(Opened {
                        index: oi,
                        opening: Cow::Borrowed(o),
                        selection: None,
                    });
                }
                Err(e) => {
                    findings.add(
                        Rule::SealedOpeningUnreadable,
                        inspected.party,
                        Some(id),
                        format!("inspection `{id}`: with the key the inspectors disclose, {e}"),
                        [o_ev, vec![r_ev]].concat(),
                    );
                    summary.status = InspectionStatus::OpeningRejected;
                    return None;
                }
            }
        }
    };
    let published = inspected
        .declaration(o.declaration)
        .and_then(crate::opening::published_counts);
    let problems = check_inspection_opening(&o, published.as_deref());
    if !problems.is_empty() {
        findings.add(
            Rule::InvalidOpening,
            inspected.party,
            Some(id),
            format!("inspection `{id}`: {}", problems.join("; ")),
            o_ev,
        );
        summary.status = InspectionStatus::OpeningRejected;
        return None;
    }
    // Each opened site's counts against its items: an understated site is named here.
    for site in &o.sites {
        for m in crate::opening::site_count_mismatches(c.treaty, site) {
            findings.add(
                Rule::SiteCountMismatch,
                inspected.party,
                Some(id),
                format!("inspection `{id}`: {m}"),
                o_ev.clone(),
            );
        }
    }
    let followed = match c.kind.selection.scope {
        SelectionScope::DeclaredSites => follow_selection(&seed, &c.kind.selection, &o),
        SelectionScope::EmptyFacilities => follow_facility_selection(
            &seed,
            &c.kind.selection,
            &o,
            inspected
                .declaration(declaration)
                .map_or(&[][..], |d| d.empty_facilities.as_slice()),
        ),
    };
    let selection = match followed {
        Ok(s) => s,
        Err(m) => {
            findings.add(
                Rule::OpeningOffSelection,
                inspected.party,
                Some(id),
                format!("inspection `{id}`: the opening does not follow the selection the revealed seeds fix: {m}"),
                o_ev,
            );
            summary.status = InspectionStatus::OpeningRejected;
            return None;
        }
    };
    Some(Opened {
        index: oi,
        opening: o,
        selection: Some(selection),
    })
}

/// An opening as the view could read it: in clear, or sealed (without its selection, unless
/// the inspectors disclosed the key).
struct Opened<'a> {
    index: u64,
    opening: Cow<'a, InspectionOpening>,
    selection: Option<SelectionResult>,
}

/// The inspectors' record, compared site by site with the declaration as amended by the
/// notifications recorded before the opening.
fn check_record(
    c: &Ctx<'_, '_>,
    opened: Opened<'_>,
    summary: &mut InspectionSummary,
    findings: &mut Findings,
) {
    let (oi, o) = (opened.index, opened.opening.as_ref());
    let (logs, id, inspecting, inspected, declaration) =
        (c.logs, c.id, c.inspecting, c.inspected, c.declaration);
    let o_ev = inspected.evidence(oi);
    let record: Option<(u64, &InspectionRecord)> = first(inspecting, |b| match b {
        EntryBody::InspectionRecord(x) if x.inspection == id => Some(x),
        _ => None,
    });
    let Some((ri, rec)) = record else {
        summary.selection = opened.selection;
        summary.status = InspectionStatus::AwaitingRecord;
        return;
    };
    let r_ev = inspecting.evidence(ri);
    // A sealed opening the view cannot read: the inspectors' signed verdict is the outcome.
    let Some(selection) = opened.selection else {
        match rec.sealed.as_ref().map(|v| (v.outcome, v.disclosed_key.is_some())) {
            Some((SealedOutcome::Clean, _)) => {}
            Some((outcome, false)) => findings.add(
                Rule::SealedVerdictUnsupported,
                inspecting.party,
                Some(id),
                format!("inspection `{id}`: the record reports the sealed opening as {} but discloses no key to check it by", sealed_outcome_words(outcome)),
                vec![r_ev.clone()],
            ),
            Some((_, true)) => {}
            None => findings.add(
                Rule::SealedVerdictUnsupported,
                inspecting.party,
                Some(id),
                format!("inspection `{id}`: the opening is sealed and the record says nothing of it"),
                vec![r_ev.clone()],
            ),
        }
        summary.status = InspectionStatus::Complete;
        return;
    };
    if let Some(v) = &rec.sealed
        && v.outcome == SealedOutcome::Unreadable
    {
        // The disclosed key opened it: the inspectors' claim does not hold.
        findings.add(
            Rule::SealedVerdictUnsupported,
            inspecting.party,
            Some(id),
            format!("inspection `{id}`: the record reports the sealed opening unreadable, but the key it discloses opens it"),
            vec![o_ev.clone(), r_ev.clone()],
        );
    }
    if !resolve(logs, &rec.opening).is_some_and(|(l, i)| l.origin == inspected.origin && i == oi) {
        findings.add(
            Rule::RecordWrongOpening,
            inspecting.party,
            Some(id),
            format!(
                "inspection `{id}`: the record does not cite {}'s opening (entry {oi})",
                inspected.party
            ),
            vec![r_ev.clone()],
        );
    }
    let updates: Vec<&Notification> = inspected
        .bodies()
        .filter_map(|(i, b)| match b {
            EntryBody::Notification(n) if i < oi && n.declaration == declaration => Some(n),
            _ => None,
        })
        .collect();
    let d_ev = inspected.evidence(declaration);
    for sel in &selection.sites {
        let Some(obs) = rec.sites.iter().find(|s| s.site == sel.site) else {
            findings.add(
                Rule::SiteNotRecorded,
                inspecting.party,
                Some(id),
                format!(
                    "inspection `{id}`: no observation of the selected site `{}`",
                    sel.site
                ),
                vec![r_ev.clone()],
            );
            continue;
        };
        let opened = o
            .sites
            .iter()
            .find(|s| s.header.site == sel.site)
            .map(|s| s.items.iter().map(|i| i.record.clone()).collect::<Vec<_>>())
            .unwrap_or_default();
        let expected = expected_at_site(&sel.site, &opened, updates.iter().copied());
        let check = compare_site(&expected, obs, &sel.designated);
        for c in check.discrepancies() {
            let (rule, what) = match &c.outcome {
                ItemOutcome::Mismatch { fields } => (
                    Rule::ItemMismatch,
                    fields
                        .iter()
                        .map(|f| {
                            format!("{} declared `{}`, found `{}`", f.field, f.declared, f.found)
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                ItemOutcome::Missing => (
                    Rule::ItemMissing,
                    "declared at the site, not found there".into(),
                ),
                ItemOutcome::Undeclared => (
                    Rule::ItemUndeclared,
                    "found at the site, not declared there".into(),
                ),
                ItemOutcome::Match => continue,
            };
            findings.add(
                rule,
                inspected.party,
                Some(id),
                format!(
                    "inspection `{id}` at `{}`: item `{}`: {what}",
                    sel.site, c.uid
                ),
                vec![d_ev.clone(), o_ev.clone(), r_ev.clone()],
            );
            findings.about(&c.uid);
        }
        if !check.uncounted.is_empty() {
            findings.add(
                Rule::DesignatedItemNotCounted,
                inspecting.party,
                Some(id),
                format!("inspection `{id}` at `{}`: the record gives no warhead count for designated {}", sel.site, check.uncounted.join(", ")),
                vec![r_ev.clone()],
            );
        }
        summary.checks.push(check);
    }
    for obs in &rec.sites {
        if !selection.sites.iter().any(|s| s.site == obs.site) {
            findings.add(
                Rule::ObservationOutsideSelection,
                inspecting.party,
                Some(id),
                format!("inspection `{id}`: the record observes `{}`, which the selection did not reach", obs.site),
                vec![r_ev.clone()],
            );
        }
    }
    summary.selection = Some(selection);
    summary.status = InspectionStatus::Complete;
}

/// A sealed verdict in words.
fn sealed_outcome_words(outcome: SealedOutcome) -> &'static str {
    match outcome {
        SealedOutcome::Clean => "clean",
        SealedOutcome::Finding => "holding a finding",
        SealedOutcome::Unreadable => "unreadable",
    }
}
