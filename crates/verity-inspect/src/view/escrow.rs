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
    CountPoints, Digest, HiddenTotals, ItemRecord, LimitProof, ProofContext, ProvedLimit,
    check_totals_opening, clip_name, root_of_site_commitments, verify_totals,
};

use crate::opening::{counts_problem, site_count_mismatches};
use verity_log::EntryBody;
use verity_treaty::compliance::{LimitVerdict, Mode, judge_hidden};
use verity_treaty::model::{DisclosureLevel, StageCoverage};
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
    /// The declaration's leaves, from its own site commitments or a stage-1 disclosure that
    /// rebuilds its root: the only source of its size (an opening's claimed size is not).
    leaves: Option<Vec<Digest>>,
    hidden: Option<HiddenTotals>,
    /// Under hidden totals: each position's published count commitments.
    published: Option<Vec<CountPoints>>,
    /// Real sites opened whole, by leaf position: the opened items.
    opened_sites: BTreeMap<u64, Vec<ItemRecord>>,
    /// Padding sites opened, by leaf position.
    opened_dummies: BTreeSet<u64>,
    /// Per stage: the disclosures that made it and the leaf positions they opened.
    stages: BTreeMap<u32, StageCover>,
    /// Revealed counts and where.
    revealed: Option<(u64, BTreeMap<String, u64>)>,
    check: Option<usize>,
}

/// What the disclosures of one stage opened.
#[derive(Default)]
struct StageCover {
    entries: Vec<u64>,
    positions: BTreeSet<u64>,
}

impl DeclState {
    fn size(&self) -> Option<u64> {
        self.leaves.as_ref().map(|l| l.len() as u64)
    }

    /// Whether every leaf has been opened item by item (real sites) or as padding.
    fn fully_opened(&self) -> Option<(u64, u64)> {
        let size = self.size()?;
        let opened = self
            .opened_sites
            .keys()
            .chain(&self.opened_dummies)
            .collect::<BTreeSet<_>>()
            .len() as u64;
        Some((opened, size))
    }
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
        // Findings resting on more than this entry, added once the entry is judged.
        let mut cited: Vec<(Rule, String, Vec<u64>)> = Vec::new();
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
                if let Some(stated) = &d.treaty_digest
                    && let Some(treaty) = treaty_for(&d.treaty)
                {
                    let judged = verity_escrow::treaty_digest(&treaty);
                    if *stated != judged {
                        problem(
                            Rule::DeclaredUnderOtherText,
                            format!(
                                "entry {index}: declared under a text of `{}` whose operative digest is {stated}; the text judged by has {judged}",
                                d.treaty
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
                if let (Some(h), Some(sites)) = (&d.hidden_totals, &d.sites)
                    && h.sites.len() != sites.len()
                {
                    problem(
                        Rule::HiddenTotalsUnproved,
                        format!(
                            "entry {index}: hidden totals commit the counts of {} sites; the declaration has {}",
                            h.sites.len(),
                            sites.len()
                        ),
                    );
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
                        leaves: d
                            .sites
                            .clone()
                            .filter(|s| !s.is_empty() && root_of_site_commitments(s) == d.root),
                        hidden: d.hidden_totals.clone(),
                        published: crate::opening::published_counts(d),
                        opened_sites: BTreeMap::new(),
                        opened_dummies: BTreeSet::new(),
                        stages: BTreeMap::new(),
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
                        "entry {index}: the openings do not match the stage's level `{}`",
                        d.level.as_str()
                    ));
                }
                let treaty = treaty_for(&state.treaty);
                // A treaty without a release plan leaves disclosures voluntary, any stage.
                let stage = treaty
                    .as_ref()
                    .filter(|t| !t.disclosure_stages().is_empty())
                    .map(|t| {
                        t.disclosure_stages()
                            .iter()
                            .find(|s| s.stage == d.stage)
                            .cloned()
                    });
                match &stage {
                    Some(None) => problem(format!(
                        "entry {index}: names stage {}, which treaty `{}` does not define",
                        d.stage, state.treaty
                    )),
                    Some(Some(s)) if s.level != d.level => problem(format!(
                        "entry {index}: stage {} of `{}` opens `{}`, not `{}`",
                        d.stage,
                        state.treaty,
                        s.level.as_str(),
                        d.level.as_str()
                    )),
                    _ => {}
                }
                let cover = state.stages.entry(d.stage).or_default();
                cover.entries.push(index);
                if !d.sites.is_empty() {
                    report.openings += 1;
                    if root_of_site_commitments(&d.sites) != d.root {
                        problem(format!(
                            "entry {index}: the {} site commitments do not rebuild the declared root",
                            d.sites.len()
                        ));
                    } else {
                        cover.positions.extend(0..d.sites.len() as u64);
                        if state.leaves.is_none() {
                            state.leaves = Some(d.sites.clone());
                        }
                    }
                }
                let size = state.leaves.as_ref().map(|l| l.len() as u64);
                // An opening's proof binds its leaf to a position only for the true size.
                let wrong_size = |claimed: u64, what: &str| match size {
                    Some(n) if claimed != n => Some(format!(
                        "entry {index}: the opening of {what} claims a declaration of {claimed} leaves; declaration {} has {n}",
                        d.declaration
                    )),
                    _ => None,
                };
                let published_at = |i: u64| {
                    state.published.as_ref().map(|p| {
                        usize::try_from(i)
                            .ok()
                            .and_then(|i| p.get(i))
                            .cloned()
                            .unwrap_or_default()
                    })
                };
                for c in &d.site_counts {
                    report.openings += 1;
                    // Stage 2 tells a site's items, not its counts: its leaf is rebuilt with
                    // the count commitments published for its position (opened ones, if a
                    // party opens them anyway, must open those).
                    let published = published_at(c.index);
                    if let Err(e) = c.verify_with(&d.root, published.as_ref()) {
                        problem(format!("entry {index}: {e}"));
                    } else if let Some(m) =
                        wrong_size(c.sites, &format!("site `{}`", clip_name(&c.site)))
                    {
                        problem(m);
                    } else if let Some(m) = (!c.counts.is_empty())
                        .then(|| counts_problem(&c.counts, published.as_ref()))
                        .flatten()
                    {
                        problem(format!("entry {index}: site `{}`: {m}", clip_name(&c.site)));
                    } else {
                        cover.positions.insert(c.index);
                    }
                }
                if !d.dummy_sites.is_empty() {
                    match &state.leaves {
                        None => problem(format!(
                            "entry {index}: opens padding sites of a declaration whose site commitments were never published"
                        )),
                        Some(leaves) => {
                            for pad in &d.dummy_sites {
                                report.openings += 1;
                                let at =
                                    usize::try_from(pad.index).ok().and_then(|i| leaves.get(i));
                                let leaf = pad.leaf();
                                if leaf.is_none() || at != leaf.as_ref() {
                                    problem(format!(
                                        "entry {index}: position {} is not a padding site of the declaration (its salt does not open the leaf there)",
                                        pad.index
                                    ));
                                } else if let Some(m) =
                                    counts_problem(&pad.counts(), published_at(pad.index).as_ref())
                                {
                                    problem(format!(
                                        "entry {index}: padding position {}: {m}",
                                        pad.index
                                    ));
                                } else {
                                    state.opened_dummies.insert(pad.index);
                                    cover.positions.insert(pad.index);
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
                    if let Some(m) = wrong_size(
                        s.header.sites,
                        &format!("site `{}`", clip_name(&s.header.site)),
                    ) {
                        problem(m);
                        continue;
                    }
                    if let Some(m) =
                        counts_problem(&s.header.counts, published_at(s.header.index).as_ref())
                    {
                        problem(format!(
                            "entry {index}: site `{}`: {m}",
                            clip_name(&s.header.site)
                        ));
                        continue;
                    }
                    if let Some(t) = treaty.as_ref() {
                        for m in site_count_mismatches(t, s) {
                            cited.push((
                                Rule::SiteCountMismatch,
                                format!("entry {index}: {m}"),
                                vec![d.declaration, index],
                            ));
                        }
                    }
                    if let Some(cover) = state.stages.get_mut(&d.stage) {
                        cover.positions.insert(s.header.index);
                    }
                    state.opened_sites.insert(
                        s.header.index,
                        s.items.iter().map(|i| i.record.clone()).collect(),
                    );
                    for item in &s.items {
                        let uid = &item.record.uid;
                        match state.uids.get(uid) {
                            Some((site, first)) if site != &s.header.site => {
                                problem(format!(
                                    "entry {index}: UID `{}` is opened at site `{}` but entry {first} opened it at site `{}`",
                                    clip_name(uid),
                                    clip_name(&s.header.site),
                                    clip_name(site)
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
        for (rule, message, at) in cited {
            let evidence = at.into_iter().map(|i| pl.evidence(i)).collect();
            findings.add(rule, party, None, message, evidence);
        }
    }
    check_stage_completeness(pl, &decls, treaty_for, findings);
    compare_revealed(pl, &decls, treaty_for, &mut report, findings);
    report
}

/// Every stage the treaty says opens every site must have opened every leaf of its
/// declaration (the leaves counted from the declaration, never from an opening).
fn check_stage_completeness<'t>(
    pl: &PartyLog<'_>,
    decls: &BTreeMap<u64, DeclState>,
    treaty_for: &dyn Fn(&str) -> Option<Cow<'t, Treaty>>,
    findings: &mut Findings,
) {
    for (index, st) in decls {
        let Some(treaty) = treaty_for(&st.treaty) else {
            continue;
        };
        for (stage, cover) in &st.stages {
            let every_site = treaty
                .disclosure_stages()
                .iter()
                .any(|s| s.stage == *stage && s.opens == StageCoverage::EverySite);
            let Some(&last) = cover.entries.last() else {
                continue;
            };
            if !every_site {
                continue;
            }
            let message = match st.size() {
                None => format!(
                    "entry {last}: stage {stage} opens every site, but declaration {index}'s site commitments were never published, so it cannot be shown to be complete"
                ),
                Some(size) if (cover.positions.len() as u64) < size => {
                    let missing: Vec<String> = (0..size)
                        .filter(|p| !cover.positions.contains(p))
                        .take(8)
                        .map(|p| p.to_string())
                        .collect();
                    format!(
                        "entry {last}: stage {stage} opens every site, but its disclosures opened {} of declaration {index}'s {size} leaves (not opened: leaf {}{})",
                        cover.positions.len(),
                        missing.join(", "),
                        if size - cover.positions.len() as u64 > 8 {
                            ", …"
                        } else {
                            ""
                        }
                    )
                }
                Some(_) => continue,
            };
            let mut evidence = vec![pl.evidence(*index)];
            evidence.extend(cover.entries.iter().map(|e| pl.evidence(*e)));
            findings.add(
                Rule::DisclosureIncomplete,
                pl.party,
                None,
                message,
                evidence,
            );
        }
    }
}

/// Once a declaration's totals are revealed and every leaf of it has been opened, the opened
/// items' category counts must be the committed counts; until then the view says they were not
/// compared.
fn compare_revealed<'t>(
    pl: &PartyLog<'_>,
    decls: &BTreeMap<u64, DeclState>,
    treaty_for: &dyn Fn(&str) -> Option<Cow<'t, Treaty>>,
    report: &mut EscrowReport,
    findings: &mut Findings,
) {
    for (index, st) in decls {
        let Some((at, counts)) = &st.revealed else {
            continue;
        };
        let not_compared = match st.fully_opened() {
            None => Some(format!(
                "entry {at}: declaration {index}'s totals were revealed, but its site commitments were never published, so whether every leaf was opened cannot be established and the totals were not compared with its items"
            )),
            Some((opened, size)) if opened < size => Some(format!(
                "entry {at}: declaration {index}'s totals were revealed, but only {opened} of its {size} leaves were opened item by item or as padding, so the totals were not compared with its items"
            )),
            Some(_) => None,
        };
        if let Some(message) = not_compared {
            findings.add(
                Rule::TotalsNotCompared,
                pl.party,
                None,
                message,
                vec![pl.evidence(*index), pl.evidence(*at)],
            );
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
