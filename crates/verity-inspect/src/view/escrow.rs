//! What a party's escrow entries mean under a treaty: each declaration's own consistency (its
//! site commitments rebuild its root, its register of empty facilities, its hidden-totals
//! proof), every disclosure against the declaration it opens (level, openings, padding, UIDs,
//! revealed totals), notifications against the declaration they amend, and, once every leaf of
//! a declaration is opened, its revealed totals against its items.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use verity_escrow::{
    Digest, HiddenTotals, ItemRecord, LimitProof, ProofContext, ProvedLimit, check_totals_opening,
    dummy_site_leaf, root_of_site_commitments, verify_totals,
};
use verity_log::EntryBody;
use verity_treaty::compliance::{LimitVerdict, Mode, judge_hidden};
use verity_treaty::model::DisclosureLevel;
use verity_treaty::{PartyCode, Rule, Treaty};

use super::{Findings, LoadedLog, PartyLog, ViewFinding};

/// What the view established about one declaration's hidden totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HiddenTotalsCheck {
    /// The declaring party.
    pub party: PartyCode,
    /// The declaration's index.
    pub declaration: u64,
    /// Each limit: proved (within limits, totals hidden) or not yet applicable.
    pub limits: Vec<ProvedLimit>,
    /// The compliance engine's verdict per limit, from the verified proof (a draft is judged
    /// as if in force on its notional dates, as in exercises).
    pub verdicts: Vec<LimitVerdict>,
    /// The counts, once a disclosure revealed them (and they opened the commitments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revealed: Option<BTreeMap<String, u64>>,
    /// Whether every leaf of the declaration was opened, so the revealed counts were compared
    /// with the opened items.
    pub compared_with_items: bool,
}

/// The escrow of one log, judged: hidden totals established and openings checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EscrowReport {
    /// Every declaration with hidden totals whose proof verified.
    pub hidden_totals: Vec<HiddenTotalsCheck>,
    /// Escrow openings checked against their declaration roots.
    pub openings: u64,
    /// What is wrong, each a finding against the log's party.
    pub findings: Vec<ViewFinding>,
}

/// The treaty a declaration names: the one judged when the ids agree, else a built-in one.
pub(super) fn treaty_named<'t>(judged: &'t Treaty, id: &str) -> Option<Cow<'t, Treaty>> {
    if judged.id() == id {
        return Some(Cow::Borrowed(judged));
    }
    verity_treaty::builtin::treaty(id).ok().map(Cow::Owned)
}

/// Judges the escrow of one loaded log on its own (every entry, whatever its date), resolving
/// each declaration's treaty with `treaty_for` (a user's treaty file, or a built-in one).
pub fn judge_escrow(
    log: &LoadedLog,
    treaty_for: &dyn Fn(&str) -> Option<Cow<'static, Treaty>>,
) -> EscrowReport {
    let pl = PartyLog::new(log, NaiveDate::MAX);
    let mut findings = Findings(Vec::new());
    let lookup = |id: &str| treaty_for(id);
    let mut report = check_escrow(&pl, &lookup, Mode::AsWritten, &mut findings);
    report.findings = findings.0;
    report
}

struct DeclState {
    root: Digest,
    /// UID → (site, where it was first opened).
    uids: HashMap<String, (String, u64)>,
    treaty: String,
    /// Stage-1 leaves, when published.
    leaves: Option<Vec<Digest>>,
    /// Leaves in the declaration's tree, from stage 1 or any site opening.
    size: Option<u64>,
    hidden: Option<HiddenTotals>,
    /// Real sites opened whole: name → opened items.
    opened_sites: BTreeMap<String, Vec<ItemRecord>>,
    /// Padding sites opened (their leaves, so one opened twice counts once).
    opened_dummies: BTreeSet<Digest>,
    /// Revealed counts and where.
    revealed: Option<(u64, BTreeMap<String, u64>)>,
    check: Option<usize>,
}

/// Checks every declaration, disclosure and notification of `pl` and returns the hidden
/// totals its proofs establish; findings go to `findings`. A declaration under a treaty that
/// `treaty_for` does not know is checked in its structure only.
pub(super) fn check_escrow<'t>(
    pl: &PartyLog<'_>,
    treaty_for: &dyn Fn(&str) -> Option<Cow<'t, Treaty>>,
    mode: Mode,
    findings: &mut Findings,
) -> EscrowReport {
    let mut report = EscrowReport::default();
    let mut decls: BTreeMap<u64, DeclState> = BTreeMap::new();
    let party = pl.party;
    for (index, body) in pl.bodies() {
        let mut problem = |rule: Rule, message: String| {
            findings.add(rule, party, None, message, vec![pl.evidence(index)]);
        };
        match body {
            EntryBody::Declaration(d) => {
                if d.treaty.is_empty() {
                    problem(
                        Rule::DeclarationInvalid,
                        format!("entry {index}: declaration names no treaty"),
                    );
                }
                let mut seen = BTreeSet::new();
                for f in &d.empty_facilities {
                    if f.trim().is_empty() || !seen.insert(f.as_str()) {
                        problem(
                            Rule::DeclarationInvalid,
                            format!(
                                "entry {index}: declaration registers the empty facility `{f}` blank or twice"
                            ),
                        );
                    }
                }
                let mut check = None;
                if let Some(h) = &d.hidden_totals
                    && let Some(treaty) = treaty_for(&d.treaty)
                {
                    let ctx = ProofContext {
                        treaty: &treaty,
                        party,
                        as_of: d.as_of,
                        root: &d.root,
                    };
                    match verify_totals(&ctx, h) {
                        Ok(limits) => {
                            let proved: Vec<String> = limits
                                .iter()
                                .filter(|l| l.status == LimitProof::Proved)
                                .map(|l| l.limit.clone())
                                .collect();
                            let mode = if treaty.binding_period().is_some() {
                                mode
                            } else {
                                Mode::AsIfInForce
                            };
                            let verdicts = judge_hidden(
                                &treaty,
                                party,
                                d.as_of,
                                &proved,
                                mode,
                                &format!("log entry {index}"),
                            );
                            report.hidden_totals.push(HiddenTotalsCheck {
                                party,
                                declaration: index,
                                limits,
                                verdicts,
                                revealed: None,
                                compared_with_items: false,
                            });
                            check = Some(report.hidden_totals.len() - 1);
                        }
                        Err(m) => problem(
                            Rule::HiddenTotalsUnproved,
                            format!("entry {index}: hidden totals: {m}"),
                        ),
                    }
                }
                if let Some(sites) = &d.sites
                    && (sites.is_empty() || root_of_site_commitments(sites) != d.root)
                {
                    problem(
                        Rule::DeclarationInvalid,
                        format!(
                            "entry {index}: the {} published site commitments do not rebuild the declared root",
                            sites.len()
                        ),
                    );
                }
                decls.insert(
                    index,
                    DeclState {
                        root: d.root,
                        uids: HashMap::new(),
                        treaty: d.treaty.clone(),
                        leaves: d.sites.clone(),
                        size: d.sites.as_ref().map(|s| s.len() as u64),
                        hidden: d.hidden_totals.clone(),
                        opened_sites: BTreeMap::new(),
                        opened_dummies: BTreeSet::new(),
                        revealed: None,
                        check,
                    },
                );
            }
            EntryBody::Disclosure(d) => {
                let mut problem = |message: String| problem(Rule::DisclosureInvalid, message);
                let Some(state) = decls.get_mut(&d.declaration) else {
                    problem(format!(
                        "entry {index}: discloses entry {}, which is not an earlier declaration",
                        d.declaration
                    ));
                    continue;
                };
                if d.root != state.root {
                    problem(format!(
                        "entry {index}: names root {} but declaration {} has root {}",
                        d.root, d.declaration, state.root
                    ));
                    continue;
                }
                let wrong_level = match d.level {
                    DisclosureLevel::Sites => {
                        !d.site_counts.is_empty() || !d.site_items.is_empty() || d.sites.is_empty()
                    }
                    DisclosureLevel::SiteItemCounts => {
                        !d.sites.is_empty() || !d.site_items.is_empty() || d.site_counts.is_empty()
                    }
                    DisclosureLevel::Items => {
                        !d.sites.is_empty() || !d.site_counts.is_empty() || d.site_items.is_empty()
                    }
                };
                if wrong_level {
                    problem(format!(
                        "entry {index}: the openings do not match the stage's level `{:?}`",
                        d.level
                    ));
                }
                if !d.sites.is_empty() {
                    report.openings += 1;
                    if root_of_site_commitments(&d.sites) != d.root {
                        problem(format!(
                            "entry {index}: the {} site commitments do not rebuild the declared root",
                            d.sites.len()
                        ));
                    }
                }
                for c in &d.site_counts {
                    report.openings += 1;
                    match c.verify(&d.root) {
                        Ok(()) => state.size = Some(c.sites),
                        Err(e) => problem(format!("entry {index}: {e}")),
                    }
                }
                if !d.dummy_sites.is_empty() {
                    match &state.leaves {
                        None => problem(format!(
                            "entry {index}: opens padding sites of a declaration whose site commitments were never published"
                        )),
                        Some(leaves) => {
                            for salt in &d.dummy_sites {
                                report.openings += 1;
                                let leaf = dummy_site_leaf(salt);
                                if leaves.contains(&leaf) {
                                    state.opened_dummies.insert(leaf);
                                } else {
                                    problem(format!(
                                        "entry {index}: an opened padding site is not among the declaration's sites"
                                    ));
                                }
                            }
                        }
                    }
                }
                if let Some(t) = &d.totals {
                    match &state.hidden {
                        None => problem(format!(
                            "entry {index}: reveals totals of a declaration that did not hide them"
                        )),
                        Some(h) => match check_totals_opening(h, t) {
                            Ok(counts) => {
                                report.openings += counts.len() as u64;
                                if let Some(c) = state.check
                                    && let Some(check) = report.hidden_totals.get_mut(c)
                                {
                                    check.revealed = Some(counts.clone());
                                }
                                state.revealed = Some((index, counts));
                            }
                            Err(m) => problem(format!("entry {index}: revealed totals: {m}")),
                        },
                    }
                }
                for s in &d.site_items {
                    report.openings += 1 + s.items.len() as u64;
                    if let Err(e) = s.verify(&d.root) {
                        problem(format!("entry {index}: {e}"));
                        continue;
                    }
                    state.size = Some(s.header.sites);
                    state.opened_sites.insert(
                        s.header.site.clone(),
                        s.items.iter().map(|i| i.record.clone()).collect(),
                    );
                    for item in &s.items {
                        let uid = &item.record.uid;
                        match state.uids.get(uid) {
                            Some((site, first)) if site != &s.header.site => {
                                problem(format!(
                                    "entry {index}: UID `{uid}` is opened at site `{}` but entry {first} opened it at site `{site}`",
                                    s.header.site
                                ));
                            }
                            Some(_) => {}
                            None => {
                                state
                                    .uids
                                    .insert(uid.clone(), (s.header.site.clone(), index));
                            }
                        }
                    }
                }
            }
            EntryBody::Notification(nf) => {
                if !decls.contains_key(&nf.declaration) {
                    problem(
                        Rule::NotificationInvalid,
                        format!(
                            "entry {index}: refers to entry {}, which is not an earlier declaration",
                            nf.declaration
                        ),
                    );
                }
                if let Err(m) = nf.check_records() {
                    problem(Rule::NotificationInvalid, format!("entry {index}: {m}"));
                }
            }
            EntryBody::InspectionOpening(o) => {
                report.openings += o
                    .sites
                    .iter()
                    .map(|s| 1 + s.items.len() as u64)
                    .sum::<u64>()
                    + o.dummies.len() as u64;
            }
            EntryBody::InspectionRequest(_)
            | EntryBody::SeedCommit(_)
            | EntryBody::SeedReveal(_)
            | EntryBody::InspectionRecord(_) => {}
        }
    }
    compare_revealed(pl, &decls, treaty_for, &mut report, findings);
    report
}

/// Once a declaration's totals are revealed and every leaf of it has been opened, the opened
/// items' category counts must be the committed counts.
fn compare_revealed<'t>(
    pl: &PartyLog<'_>,
    decls: &BTreeMap<u64, DeclState>,
    treaty_for: &dyn Fn(&str) -> Option<Cow<'t, Treaty>>,
    report: &mut EscrowReport,
    findings: &mut Findings,
) {
    for (index, st) in decls {
        let (Some((at, counts)), Some(size)) = (&st.revealed, st.size) else {
            continue;
        };
        if (st.opened_sites.len() + st.opened_dummies.len()) as u64 != size {
            continue;
        }
        let Some(treaty) = treaty_for(&st.treaty) else {
            continue;
        };
        let items: Vec<&ItemRecord> = st.opened_sites.values().flatten().collect();
        let tally = match treaty.tally(items.iter().map(|r| r.facts())) {
            Ok(t) => t,
            Err(m) => {
                findings.add(
                    Rule::TotalsDifferFromItems,
                    pl.party,
                    None,
                    format!("entry {at}: opened items: {m}"),
                    vec![pl.evidence(*at)],
                );
                continue;
            }
        };
        for (category, committed) in counts {
            let opened = tally.categories.get(category).copied().unwrap_or(0);
            if opened != *committed {
                findings.add(
                    Rule::TotalsDifferFromItems,
                    pl.party,
                    None,
                    format!(
                        "entry {at}: declaration {index}: category `{category}` was committed as {committed} but the opened items count {opened}"
                    ),
                    vec![pl.evidence(*index), pl.evidence(*at)],
                );
            }
        }
        if let Some(c) = st.check
            && let Some(check) = report.hidden_totals.get_mut(c)
        {
            check.compared_with_items = true;
        }
    }
}
