//! Reading a treaty TOML file: serde structures that mirror the file (unknown keys rejected),
//! then one validation pass that turns them into the model, with a file:line:column for every
//! problem. Syntax errors come from the `toml` crate; rule errors from here.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use chrono::{Months, NaiveDate};
use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

use crate::Treaty;
use crate::error::{TreatyError, locate_toml};
use crate::model::*;
use crate::party::PartyCode;

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTreaty {
    id: S<String>,
    title: String,
    short_title: String,
    kind: InstrumentKind,
    state: AdoptionState,
    parties: S<Vec<S<String>>>,
    summary: String,
    source: String,
    dates: S<RawDates>,
    duration: Option<S<RawDuration>>,
    withdrawal: Option<RawWithdrawal>,
    proposal: Option<S<RawProposal>>,
    items: RawItems,
    #[serde(default, rename = "category")]
    categories: Vec<S<RawCategory>>,
    #[serde(default, rename = "limit")]
    limits: Vec<S<RawLimit>>,
    #[serde(default, rename = "accounting_position")]
    accounting_positions: Vec<S<RawPosition>>,
    data_exchange: Option<RawDataExchange>,
    #[serde(default, rename = "notification")]
    notifications: Vec<S<RawNotification>>,
    #[serde(default, rename = "inspection")]
    inspections: Vec<S<RawInspection>>,
    #[serde(default, rename = "disclosure_stage")]
    disclosure_stages: Vec<S<RawStage>>,
    escrow: Option<S<RawEscrow>>,
    inspection_protocol: Option<S<RawInspectionProtocol>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDates {
    signed: Option<S<Datetime>>,
    entry_into_force: Option<S<Datetime>>,
    #[serde(rename = "ref")]
    reference: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDuration {
    years: S<u32>,
    max_extensions: u32,
    extension_max_years: u32,
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    extensions_taken: Vec<S<RawExtension>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    agreed: S<Datetime>,
    until: S<Datetime>,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWithdrawal {
    notice_months: u32,
    condition: String,
    #[serde(rename = "ref")]
    reference: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProposal {
    offered: S<Datetime>,
    offered_by: Vec<S<String>>,
    condition: String,
    reciprocated: bool,
    reply: String,
    would_apply_from: S<Datetime>,
    would_apply_until: S<Datetime>,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItems {
    classes: Vec<S<RawClass>>,
    statuses: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    id: S<String>,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: S<String>,
    name: String,
    counts: Vec<S<RawRule>>,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    class: S<String>,
    status: S<String>,
    measure: Measure,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    id: S<String>,
    name: String,
    max: Option<u64>,
    max_per_party: Option<S<BTreeMap<String, u64>>>,
    terms: S<BTreeMap<String, S<i64>>>,
    applies_from: S<Datetime>,
    #[serde(rename = "ref")]
    reference: String,
}

/// A limit's added terms as written: category → coefficient.
type RawTerms = BTreeMap<String, S<i64>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPosition {
    id: S<String>,
    name: String,
    held_by: S<String>,
    about: S<String>,
    adds: S<BTreeMap<String, S<RawTerms>>>,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDataExchange {
    initial_deadline_days: u32,
    period_months: S<u32>,
    deadline_days: u32,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotification {
    id: S<String>,
    name: String,
    events: S<Vec<EventKind>>,
    deadline_days: Option<u32>,
    with_next_data_exchange: Option<bool>,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInspection {
    id: S<String>,
    name: String,
    purpose: String,
    quota_per_year: u32,
    #[serde(default)]
    pair_quotas: Vec<S<RawPairQuota>>,
    quota_year: QuotaYear,
    #[serde(default)]
    earliest_days_after_entry_into_force: u32,
    selection: RawSelection,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPairQuota {
    inspecting: S<String>,
    inspected: S<String>,
    per_year: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelection {
    #[serde(default)]
    scope: Option<S<String>>,
    sites: S<u32>,
    items: S<toml::Value>,
    item_classes: Vec<S<String>>,
    item_statuses: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    stage: S<u32>,
    level: S<DisclosureLevel>,
    opens: S<StageCoverage>,
    months_after_entry_into_force: S<u32>,
    scope: String,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInspectionProtocol {
    seed_reveal_days: S<u32>,
    opening_days: S<u32>,
    if_inspected_withholds: InspectedWithholds,
    if_inspecting_withholds: InspectingWithholds,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEscrow {
    hidden_totals: bool,
    totals_revealed_at_stage: Option<S<u32>>,
    padded_sites: u32,
    padded_items_per_site: u32,
    #[serde(rename = "ref")]
    reference: String,
}

/// Carries the file name and text so that every check can report a precise location.
struct Checker<'a> {
    file: &'a str,
    source: &'a str,
}

impl Checker<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> TreatyError {
        TreatyError::Invalid {
            at: locate_toml(self.file, self.source, span.start),
            message: message.into(),
        }
    }

    /// Points at `needle` inside `span` when it occurs there (a key of an inline table), else at
    /// the span itself.
    fn err_at_key(&self, span: Range<usize>, needle: &str, message: String) -> TreatyError {
        let start = self
            .source
            .get(span.clone())
            .and_then(|s| s.find(needle))
            .map_or(span.start, |i| span.start + i);
        self.err(start..start + needle.len(), message)
    }

    fn date(&self, value: &S<Datetime>) -> Result<NaiveDate, TreatyError> {
        let dt = value.get_ref();
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| self.err(value.span(), format!("`{dt}` is not a calendar date")))
            }
            _ => Err(self.err(
                value.span(),
                format!("expected a calendar date like 2011-02-05, found `{dt}`"),
            )),
        }
    }

    fn party(&self, code: &S<String>) -> Result<PartyCode, TreatyError> {
        PartyCode::parse(code.get_ref()).map_err(|m| self.err(code.span(), m.to_string()))
    }

    fn ident(&self, id: &S<String>, what: &str) -> Result<String, TreatyError> {
        let s = id.get_ref();
        let ok = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(s.clone())
        } else {
            Err(self.err(
                id.span(),
                format!("{what} `{s}` must be non-empty lower-case letters, digits, `_` or `-`"),
            ))
        }
    }

    fn unique(
        &self,
        seen: &mut BTreeSet<String>,
        id: &S<String>,
        what: &str,
    ) -> Result<(), TreatyError> {
        if seen.insert(id.get_ref().clone()) {
            Ok(())
        } else {
            Err(self.err(
                id.span(),
                format!("{what} `{}` is defined twice", id.get_ref()),
            ))
        }
    }
}

/// Parses and validates one treaty file.
pub(crate) fn parse(file: &str, source: &str) -> Result<Treaty, TreatyError> {
    let raw: RawTreaty = toml::from_str(source).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        TreatyError::Syntax {
            at: locate_toml(file, source, offset),
            message: e.message().trim().to_string(),
        }
    })?;
    let c = Checker { file, source };

    let id = c.ident(&raw.id, "treaty id")?;

    let mut parties = Vec::new();
    for p in raw.parties.get_ref() {
        let code = c.party(p)?;
        if parties.contains(&code) {
            return Err(c.err(p.span(), format!("party {code} is listed twice")));
        }
        parties.push(code);
    }
    if parties.len() < 2 {
        return Err(c.err(raw.parties.span(), "a treaty needs at least two parties"));
    }

    // Dates and lifecycle.
    let signed = raw
        .dates
        .get_ref()
        .signed
        .as_ref()
        .map(|d| c.date(d))
        .transpose()?;
    let eif = raw
        .dates
        .get_ref()
        .entry_into_force
        .as_ref()
        .map(|d| c.date(d))
        .transpose()?;
    if let (Some(s), Some(e)) = (signed, eif) {
        if e < s {
            let span = raw
                .dates
                .get_ref()
                .entry_into_force
                .as_ref()
                .map_or(0..0, |d| d.span());
            return Err(c.err(
                span,
                format!("entry into force {e} is before signature {s}: dates out of order"),
            ));
        }
    }
    match (raw.state, &raw.proposal, eif) {
        (AdoptionState::Proposed, None, _) => {
            return Err(c.err(
                raw.dates.span(),
                "a proposed instrument needs a [proposal] table",
            ));
        }
        (AdoptionState::Proposed, Some(_), Some(_)) => {
            return Err(c.err(
                raw.dates.span(),
                "a proposed instrument has not entered into force: remove dates.entry_into_force",
            ));
        }
        (AdoptionState::Concluded | AdoptionState::Draft, Some(p), _) => {
            return Err(c.err(
                p.span(),
                "only an instrument with state = \"proposed\" has a [proposal] table",
            ));
        }
        _ => {}
    }

    let duration = match &raw.duration {
        None => None,
        Some(d) => Some(check_duration(&c, d, eif)?),
    };
    let expiry = match (&duration, eif) {
        (Some(d), Some(e)) => Some(expiry_of(d, e)),
        _ => None,
    };

    let proposal = match &raw.proposal {
        None => None,
        Some(p) => {
            let pr = p.get_ref();
            let offered = c.date(&pr.offered)?;
            let from = c.date(&pr.would_apply_from)?;
            let until = c.date(&pr.would_apply_until)?;
            if until <= from {
                return Err(c.err(
                    pr.would_apply_until.span(),
                    format!("would_apply_until {until} must be after would_apply_from {from}"),
                ));
            }
            if from < offered {
                return Err(c.err(
                    pr.would_apply_from.span(),
                    format!("would_apply_from {from} is before the offer {offered}"),
                ));
            }
            let mut by = Vec::new();
            for o in &pr.offered_by {
                let code = c.party(o)?;
                if !parties.contains(&code) {
                    return Err(c.err(o.span(), format!("{code} is not a party to `{id}`")));
                }
                by.push(code);
            }
            Some(Proposal {
                offered,
                offered_by: by,
                condition: pr.condition.clone(),
                reciprocated: pr.reciprocated,
                reply: pr.reply.clone(),
                would_apply_from: from,
                would_apply_until: until,
                reference: pr.reference.clone(),
            })
        }
    };

    // Items.
    let mut item_classes = Vec::new();
    let mut seen = BTreeSet::new();
    for class in &raw.items.classes {
        let cl = class.get_ref();
        let cid = c.ident(&cl.id, "item class")?;
        c.unique(&mut seen, &cl.id, "item class")?;
        item_classes.push(ItemClass {
            id: cid,
            name: cl.name.clone(),
        });
    }
    let class_ids = seen;
    let mut status_ids = BTreeSet::new();
    let mut item_statuses = Vec::new();
    for st in &raw.items.statuses {
        item_statuses.push(c.ident(st, "item status")?);
        c.unique(&mut status_ids, st, "item status")?;
    }
    let known =
        |set: &BTreeSet<String>, v: &S<String>, what: &str| -> Result<String, TreatyError> {
            if set.contains(v.get_ref()) {
                Ok(v.get_ref().clone())
            } else {
                Err(c.err(
                    v.span(),
                    format!(
                        "undefined {what} `{}`: expected one of {}",
                        v.get_ref(),
                        set.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ))
            }
        };

    // Categories.
    let mut categories = Vec::new();
    let mut category_ids = BTreeSet::new();
    for cat in &raw.categories {
        let r = cat.get_ref();
        let cid = c.ident(&r.id, "category")?;
        c.unique(&mut category_ids, &r.id, "category")?;
        if r.counts.is_empty() {
            return Err(c.err(cat.span(), format!("category `{cid}` has no counting rule")));
        }
        let mut counts = Vec::new();
        for rule in &r.counts {
            let ru = rule.get_ref();
            counts.push(CountingRule {
                class: known(&class_ids, &ru.class, "item class")?,
                status: known(&status_ids, &ru.status, "item status")?,
                measure: ru.measure,
            });
        }
        categories.push(Category {
            id: cid,
            name: r.name.clone(),
            counts,
            reference: r.reference.clone(),
        });
    }

    // Limits.
    let mut limits = Vec::new();
    let mut limit_ids = BTreeSet::new();
    for lim in &raw.limits {
        let l = lim.get_ref();
        let lid = c.ident(&l.id, "limit")?;
        c.unique(&mut limit_ids, &l.id, "limit")?;
        let max = match (l.max, &l.max_per_party) {
            (Some(m), None) => Ceiling::Common(m),
            (None, Some(per)) => {
                let mut map = BTreeMap::new();
                for (code, m) in per.get_ref() {
                    let p = PartyCode::parse(code)
                        .map_err(|msg| c.err_at_key(per.span(), code, msg.to_string()))?;
                    if !parties.contains(&p) {
                        return Err(c.err_at_key(
                            per.span(),
                            code,
                            format!("{p} in max_per_party is not a party to `{id}`"),
                        ));
                    }
                    map.insert(p, *m);
                }
                if let Some(missing) = parties.iter().find(|p| !map.contains_key(p)) {
                    return Err(c.err(
                        per.span(),
                        format!("max_per_party of limit `{lid}` has no ceiling for {missing}"),
                    ));
                }
                Ceiling::PerParty(map)
            }
            (Some(_), Some(per)) => {
                return Err(c.err(
                    per.span(),
                    format!(
                        "limit `{lid}` needs exactly one of `max` or `max_per_party`, not both"
                    ),
                ));
            }
            (None, None) => {
                return Err(c.err(
                    l.id.span(),
                    format!("limit `{lid}` needs exactly one of `max` or `max_per_party`"),
                ));
            }
        };
        if l.terms.get_ref().is_empty() {
            return Err(c.err(l.terms.span(), format!("limit `{lid}` has no terms")));
        }
        let mut terms = BTreeMap::new();
        for (cat, coef) in l.terms.get_ref() {
            if !category_ids.contains(cat) {
                return Err(c.err_at_key(
                    l.terms.span(),
                    cat,
                    format!(
                        "limit `{lid}` names undefined category `{cat}`: expected one of {}",
                        category_ids.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            let k = *coef.get_ref();
            if k < 1 {
                return Err(c.err(
                    coef.span(),
                    format!("coefficient of `{cat}` in limit `{lid}` must be a positive integer, found {k}"),
                ));
            }
            terms.insert(cat.clone(), k.unsigned_abs());
        }
        let applies_from = c.date(&l.applies_from)?;
        let start = eif.or(proposal.as_ref().map(|p| p.would_apply_from));
        if let Some(s) = start {
            if applies_from < s {
                return Err(c.err(
                    l.applies_from.span(),
                    format!("limit `{lid}` applies from {applies_from}, before the instrument starts on {s}"),
                ));
            }
        }
        let end = expiry.or(proposal.as_ref().map(|p| p.would_apply_until));
        if let Some(e) = end {
            if applies_from >= e {
                return Err(c.err(
                    l.applies_from.span(),
                    format!("limit `{lid}` applies from {applies_from}, after the instrument ends on {e}"),
                ));
            }
        }
        limits.push(Limit {
            id: lid,
            name: l.name.clone(),
            max,
            terms,
            applies_from,
            reference: l.reference.clone(),
        });
    }

    let accounting_positions = check_positions(
        &c,
        &raw.accounting_positions,
        &parties,
        &limits,
        &category_ids,
    )?;

    let data_exchange = match &raw.data_exchange {
        None => None,
        Some(d) => {
            let months = *d.period_months.get_ref();
            if months == 0 || 12 % months != 0 {
                return Err(c.err(
                    d.period_months.span(),
                    format!(
                        "period_months must divide the year (1, 2, 3, 4, 6 or 12), found {months}"
                    ),
                ));
            }
            Some(DataExchange {
                initial_deadline_days: d.initial_deadline_days,
                period_months: months,
                deadline_days: d.deadline_days,
                reference: d.reference.clone(),
            })
        }
    };

    let mut notifications = Vec::new();
    let mut notification_ids = BTreeSet::new();
    let mut covered: BTreeMap<EventKind, String> = BTreeMap::new();
    for n in &raw.notifications {
        let r = n.get_ref();
        let nid = c.ident(&r.id, "notification")?;
        c.unique(&mut notification_ids, &r.id, "notification")?;
        let deadline = match (r.deadline_days, r.with_next_data_exchange) {
            (Some(d), None | Some(false)) => NotificationDeadline::DaysAfterEvent(d),
            (None, Some(true)) => {
                if data_exchange.is_none() {
                    return Err(c.err(n.span(), format!("notification `{nid}` is due with the next data exchange, but the treaty has no [data_exchange]")));
                }
                NotificationDeadline::NextDataExchange
            }
            _ => {
                return Err(c.err(
                    n.span(),
                    format!("notification `{nid}` needs exactly one of `deadline_days` or `with_next_data_exchange = true`"),
                ));
            }
        };
        if r.events.get_ref().is_empty() {
            return Err(c.err(
                r.events.span(),
                format!("notification `{nid}` covers no event"),
            ));
        }
        for ev in r.events.get_ref() {
            if let Some(other) = covered.insert(*ev, nid.clone()) {
                return Err(c.err(
                    r.events.span(),
                    format!("event {ev:?} is covered by both `{other}` and `{nid}`"),
                ));
            }
        }
        notifications.push(NotificationType {
            id: nid,
            name: r.name.clone(),
            events: r.events.get_ref().clone(),
            deadline,
            reference: r.reference.clone(),
        });
    }

    let mut inspections = Vec::new();
    let mut inspection_ids = BTreeSet::new();
    for i in &raw.inspections {
        let r = i.get_ref();
        let iid = c.ident(&r.id, "inspection type")?;
        c.unique(&mut inspection_ids, &r.id, "inspection type")?;
        let mut pair_quotas: Vec<PairQuota> = Vec::new();
        for q in &r.pair_quotas {
            let qr = q.get_ref();
            let inspecting = c.party(&qr.inspecting)?;
            let inspected = c.party(&qr.inspected)?;
            for (code, span) in [
                (inspecting, qr.inspecting.span()),
                (inspected, qr.inspected.span()),
            ] {
                if !parties.contains(&code) {
                    return Err(c.err(span, format!("{code} is not a party to `{id}`")));
                }
            }
            if inspecting == inspected {
                return Err(c.err(q.span(), format!("{inspecting} cannot inspect itself")));
            }
            if pair_quotas
                .iter()
                .any(|p| p.inspecting == inspecting && p.inspected == inspected)
            {
                return Err(c.err(
                    q.span(),
                    format!("quota {inspecting}→{inspected} is given twice"),
                ));
            }
            pair_quotas.push(PairQuota {
                inspecting,
                inspected,
                per_year: qr.per_year,
            });
        }
        let sel = &r.selection;
        if *sel.sites.get_ref() == 0 {
            return Err(c.err(sel.sites.span(), "an inspection selects at least one site"));
        }
        let items = match sel.items.get_ref() {
            toml::Value::Integer(n) if *n >= 1 => {
                ItemsPerSite::Count(u32::try_from(*n).unwrap_or(u32::MAX))
            }
            toml::Value::String(s) if s == "all" => ItemsPerSite::All,
            other => {
                return Err(c.err(
                    sel.items.span(),
                    format!("expected a positive number of items or \"all\", found `{other}`"),
                ));
            }
        };
        let mut item_classes_sel = Vec::new();
        for cl in &sel.item_classes {
            item_classes_sel.push(known(&class_ids, cl, "item class")?);
        }
        let mut item_statuses_sel = Vec::new();
        for st in &sel.item_statuses {
            item_statuses_sel.push(known(&status_ids, st, "item status")?);
        }
        let scope = match sel.scope.as_ref() {
            None => SelectionScope::DeclaredSites,
            Some(s) => match s.get_ref().as_str() {
                "declared-sites" => SelectionScope::DeclaredSites,
                "empty-facilities" => SelectionScope::EmptyFacilities,
                other => {
                    return Err(c.err(
                        s.span(),
                        format!("unknown selection scope `{other}`: expected \"declared-sites\" or \"empty-facilities\""),
                    ));
                }
            },
        };
        if scope == SelectionScope::EmptyFacilities && items != ItemsPerSite::All {
            return Err(c.err(
                sel.items.span(),
                "a check of empty facilities counts every item found there: `items` must be \"all\"",
            ));
        }
        inspections.push(InspectionType {
            id: iid,
            name: r.name.clone(),
            purpose: r.purpose.clone(),
            quota_per_year: r.quota_per_year,
            pair_quotas,
            quota_year: r.quota_year,
            earliest_days_after_entry_into_force: r.earliest_days_after_entry_into_force,
            selection: Selection {
                scope,
                sites: *sel.sites.get_ref(),
                items,
                item_classes: item_classes_sel,
                item_statuses: item_statuses_sel,
            },
            reference: r.reference.clone(),
        });
    }

    let mut disclosure_stages = Vec::new();
    let mut last_month = 0;
    for (n, s) in raw.disclosure_stages.iter().enumerate() {
        let r = s.get_ref();
        let expected = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if *r.stage.get_ref() != expected {
            return Err(c.err(
                r.stage.span(),
                format!("disclosure stages are numbered 1, 2, 3, … in order: expected {expected}, found {}", r.stage.get_ref()),
            ));
        }
        let months = *r.months_after_entry_into_force.get_ref();
        if months < last_month {
            return Err(c.err(
                r.months_after_entry_into_force.span(),
                format!("stage {expected} is due at month {months}, before the previous stage (month {last_month}): dates out of order"),
            ));
        }
        last_month = months;
        let level = *r.level.get_ref();
        let opens = *r.opens.get_ref();
        if level == DisclosureLevel::Sites && opens != StageCoverage::EverySite {
            return Err(c.err(
                r.opens.span(),
                format!("stage {expected} publishes the site commitments, which are the whole declaration: it opens \"every-site\""),
            ));
        }
        disclosure_stages.push(DisclosureStage {
            stage: expected,
            level,
            opens,
            months_after_entry_into_force: months,
            scope: r.scope.clone(),
            reference: r.reference.clone(),
        });
    }

    let escrow = match &raw.escrow {
        None => None,
        Some(e) => {
            let r = e.get_ref();
            let reveal = r
                .totals_revealed_at_stage
                .as_ref()
                .map(|s| (*s.get_ref(), s.span()));
            match (r.hidden_totals, reveal.clone()) {
                (false, Some((_, span))) => {
                    return Err(c.err(
                        span,
                        "totals_revealed_at_stage only applies with hidden_totals = true",
                    ));
                }
                (true, Some((stage, span)))
                    if stage == 0 || stage as usize > disclosure_stages.len() =>
                {
                    return Err(c.err(
                        span,
                        format!(
                            "no disclosure stage {stage}: the treaty defines {}",
                            disclosure_stages.len()
                        ),
                    ));
                }
                _ => {}
            }
            if r.padded_sites == 0 || r.padded_items_per_site == 0 {
                return Err(c.err(
                    e.span(),
                    "padded_sites and padded_items_per_site must be at least 1",
                ));
            }
            Some(EscrowRules {
                hidden_totals: r.hidden_totals,
                totals_revealed_at_stage: reveal.map(|(s, _)| s),
                padded_sites: r.padded_sites,
                padded_items_per_site: r.padded_items_per_site,
                reference: r.reference.clone(),
            })
        }
    };

    let inspection_protocol = match (&raw.inspection_protocol, raw.inspections.first()) {
        (None, None) => None,
        (None, Some(first)) => {
            return Err(c.err(
                first.span(),
                "inspections need an [inspection_protocol] table: the seed-reveal and opening deadlines and the fallbacks when a party withholds its seed",
            ));
        }
        (Some(p), None) => {
            return Err(c.err(
                p.span(),
                "[inspection_protocol] without any [[inspection]] type",
            ));
        }
        (Some(p), Some(_)) => {
            let r = p.get_ref();
            for (days, what) in [
                (&r.seed_reveal_days, "seed_reveal_days"),
                (&r.opening_days, "opening_days"),
            ] {
                if *days.get_ref() == 0 {
                    return Err(c.err(days.span(), format!("{what} must be at least 1 day")));
                }
            }
            Some(InspectionProtocol {
                seed_reveal_days: *r.seed_reveal_days.get_ref(),
                opening_days: *r.opening_days.get_ref(),
                if_inspected_withholds: r.if_inspected_withholds,
                if_inspecting_withholds: r.if_inspecting_withholds,
                reference: r.reference.clone(),
            })
        }
    };

    Ok(Treaty {
        id,
        title: raw.title,
        short_title: raw.short_title,
        kind: raw.kind,
        state: raw.state,
        parties,
        summary: raw.summary,
        source: raw.source,
        dates: Dates {
            signed,
            entry_into_force: eif,
            reference: raw.dates.get_ref().reference.clone(),
            note: raw.dates.get_ref().note.clone(),
        },
        duration,
        withdrawal: raw.withdrawal.map(|w| Withdrawal {
            notice_months: w.notice_months,
            condition: w.condition,
            reference: w.reference,
            note: w.note,
        }),
        proposal,
        item_classes,
        item_statuses,
        categories,
        limits,
        accounting_positions,
        data_exchange,
        notifications,
        inspections,
        inspection_protocol,
        disclosure_stages,
        escrow,
    })
}

/// Positions on disputed accounting: parties of the instrument, two different ones; every
/// limit and category named exists; an added category is not already a term of the limit.
fn check_positions(
    c: &Checker<'_>,
    raw: &[S<RawPosition>],
    parties: &[PartyCode],
    limits: &[Limit],
    category_ids: &BTreeSet<String>,
) -> Result<Vec<AccountingPosition>, TreatyError> {
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    for pos in raw {
        let r = pos.get_ref();
        let pid = c.ident(&r.id, "accounting position")?;
        c.unique(&mut ids, &r.id, "accounting position")?;
        let held_by = c.party(&r.held_by)?;
        let about = c.party(&r.about)?;
        for (p, span) in [(held_by, r.held_by.span()), (about, r.about.span())] {
            if !parties.contains(&p) {
                return Err(c.err(span, format!("{p} is not a party to this instrument")));
            }
        }
        if held_by == about {
            return Err(c.err(
                r.about.span(),
                format!("position `{pid}` is held by {held_by} about itself: a position is one party's view of another's items"),
            ));
        }
        if r.adds.get_ref().is_empty() {
            return Err(c.err(r.adds.span(), format!("position `{pid}` adds nothing")));
        }
        let mut adds = BTreeMap::new();
        for (lid, cats) in r.adds.get_ref() {
            let Some(limit) = limits.iter().find(|l| &l.id == lid) else {
                return Err(c.err_at_key(
                    r.adds.span(),
                    lid,
                    format!(
                        "position `{pid}` names undefined limit `{lid}`: expected one of {}",
                        limits
                            .iter()
                            .map(|l| l.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            let mut terms = BTreeMap::new();
            for (cat, coef) in cats.get_ref() {
                if !category_ids.contains(cat) {
                    return Err(c.err_at_key(
                        cats.span(),
                        cat,
                        format!("position `{pid}` names undefined category `{cat}`"),
                    ));
                }
                if limit.terms.contains_key(cat) {
                    return Err(c.err_at_key(
                        cats.span(),
                        cat,
                        format!("position `{pid}` adds `{cat}`, already a term of limit `{lid}`"),
                    ));
                }
                let k = *coef.get_ref();
                if k < 1 {
                    return Err(c.err(
                        coef.span(),
                        format!("coefficient of `{cat}` in position `{pid}` must be a positive integer, found {k}"),
                    ));
                }
                terms.insert(cat.clone(), k.unsigned_abs());
            }
            adds.insert(lid.clone(), terms);
        }
        out.push(AccountingPosition {
            id: pid,
            name: r.name.clone(),
            held_by,
            about,
            adds,
            reference: r.reference.clone(),
        });
    }
    Ok(out)
}

fn check_duration(
    c: &Checker<'_>,
    d: &S<RawDuration>,
    eif: Option<NaiveDate>,
) -> Result<Duration, TreatyError> {
    let r = d.get_ref();
    let Some(eif) = eif else {
        return Err(c.err(
            d.span(),
            "[duration] needs dates.entry_into_force to count from",
        ));
    };
    if *r.years.get_ref() == 0 {
        return Err(c.err(r.years.span(), "duration.years must be at least 1"));
    }
    if r.extensions_taken.len() > r.max_extensions as usize {
        return Err(c.err(
            d.span(),
            format!(
                "{} extensions taken, but the text allows {}",
                r.extensions_taken.len(),
                r.max_extensions
            ),
        ));
    }
    let mut expiry = add_years(eif, *r.years.get_ref());
    let mut taken = Vec::new();
    for ext in &r.extensions_taken {
        let e = ext.get_ref();
        let agreed = c.date(&e.agreed)?;
        let until = c.date(&e.until)?;
        if agreed > expiry {
            return Err(c.err(
                e.agreed.span(),
                format!("extension agreed {agreed}, after the instrument had already expired on {expiry}"),
            ));
        }
        if until <= expiry {
            return Err(c.err(
                e.until.span(),
                format!("extension until {until} does not go beyond the current expiry {expiry}"),
            ));
        }
        let longest = add_years(expiry, r.extension_max_years);
        if until > longest {
            return Err(c.err(
                e.until.span(),
                format!(
                    "extension until {until} exceeds the {} years allowed (at most {longest})",
                    r.extension_max_years
                ),
            ));
        }
        expiry = until;
        taken.push(Extension {
            agreed,
            until,
            reference: e.reference.clone(),
        });
    }
    Ok(Duration {
        years: *r.years.get_ref(),
        max_extensions: r.max_extensions,
        extension_max_years: r.extension_max_years,
        reference: r.reference.clone(),
        extensions_taken: taken,
    })
}

/// `date` plus whole years (29 February maps to 28 February in common years).
pub(crate) fn add_years(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_add_months(Months::new(years * 12))
        .unwrap_or(NaiveDate::MAX)
}

/// The first day the instrument is no longer in force: the last extension's end, or entry
/// into force plus the initial term.
pub(crate) fn expiry_of(d: &Duration, eif: NaiveDate) -> NaiveDate {
    d.extensions_taken
        .last()
        .map_or_else(|| add_years(eif, d.years), |e| e.until)
}
