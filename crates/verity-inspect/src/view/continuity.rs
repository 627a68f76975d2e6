//! Continuity between a party's consecutive declarations, wherever both opened a site: no item
//! leaves a site, joins one or changes status without a notification in between, and no UID is
//! declared twice.

use std::collections::{BTreeMap, BTreeSet};
use verity_escrow::{Digest, ItemRecord, SiteOpening};
use verity_log::{EntryBody, Notification};
use verity_treaty::Rule;
use verity_treaty::model::EventKind;

use super::{Findings, PartyLog};

/// What one declaration's openings show: site → (items, the entry that opened it).
type OpenedSites = BTreeMap<String, (Vec<ItemRecord>, u64)>;

fn opened_by_declaration(pl: &PartyLog) -> BTreeMap<u64, OpenedSites> {
    let mut out: BTreeMap<u64, OpenedSites> = BTreeMap::new();
    let mut add = |decl: u64, root: &Digest, sites: &[SiteOpening], index: u64| {
        if pl.declaration(decl).is_none_or(|d| d.root != *root) {
            return;
        }
        for s in sites {
            if s.verify(root).is_ok() {
                out.entry(decl).or_default().insert(
                    s.header.site.clone(),
                    (s.items.iter().map(|i| i.record.clone()).collect(), index),
                );
            }
        }
    };
    for (index, body) in pl.bodies() {
        match body {
            EntryBody::Disclosure(d) => add(d.declaration, &d.root, &d.site_items, index),
            EntryBody::InspectionOpening(o) => add(o.declaration, &o.root, &o.sites, index),
            _ => {}
        }
    }
    out
}

/// Continuity between consecutive declarations wherever both opened a site: an item cannot
/// leave a site, join one or change status without a notification in between, and a UID
/// cannot be declared twice.
pub(super) fn check_continuity(pl: &PartyLog, findings: &mut Findings) {
    let opened = opened_by_declaration(pl);
    let decls: Vec<u64> = pl
        .bodies()
        .filter(|(_, b)| matches!(b, EntryBody::Declaration(_)))
        .map(|(i, _)| i)
        .collect();
    let notes: Vec<(u64, &Notification)> = pl
        .bodies()
        .filter_map(|(i, b)| match b {
            EntryBody::Notification(n) => Some((i, n)),
            _ => None,
        })
        .collect();
    let empty = OpenedSites::new();

    // A UID declared at two sites of one declaration, or created while it already exists.
    for &d in &decls {
        let sites = opened.get(&d).unwrap_or(&empty);
        let mut seen: BTreeMap<&str, (&str, u64)> = BTreeMap::new();
        for (site, (items, at)) in sites {
            for r in items {
                if let Some((other, other_at)) = seen.insert(&r.uid, (site, *at))
                    && other != site
                {
                    findings.add(
                        Rule::DuplicateUid,
                        pl.party,
                        None,
                        format!(
                            "UID `{}` is declared at `{other}` and at `{site}` in declaration {d}",
                            r.uid
                        ),
                        vec![pl.evidence(d), pl.evidence(other_at), pl.evidence(*at)],
                    );
                    findings.about(&r.uid);
                }
            }
        }
        for &(i, n) in &notes {
            if n.declaration == d
                && n.event == EventKind::Created
                && let Some((site, at)) = seen.get(n.uid.as_str())
            {
                findings.add(
                Rule::DuplicateUid,
                pl.party,
                    None,
                    format!(
                        "`{}` is notified as created, but declaration {d} already declares it at `{site}`",
                        n.uid
                    ),
                    vec![pl.evidence(*at), pl.evidence(i)],
                );
                findings.about(&n.uid);
            }
        }
    }

    for pair in decls.windows(2) {
        let &[d1, d2] = pair else { continue };
        let (s1, s2) = (
            opened.get(&d1).unwrap_or(&empty),
            opened.get(&d2).unwrap_or(&empty),
        );
        let between: Vec<(u64, &Notification)> = notes
            .iter()
            .copied()
            .filter(|(i, _)| *i > d1 && *i < d2)
            .collect();
        let notified = |uid: &str, ok: &dyn Fn(&Notification) -> bool| {
            between.iter().any(|(_, n)| n.uid == uid && ok(n))
        };
        let site_of = |sites: &OpenedSites, uid: &str| {
            sites
                .iter()
                .find(|(_, (items, _))| items.iter().any(|r| r.uid == uid))
                .map(|(s, (_, at))| (s.clone(), *at))
        };
        let mut reported = BTreeSet::new();
        for (site, (before, at1)) in s1 {
            let Some((after, at2)) = s2.get(site) else {
                continue;
            };
            for r in before {
                match after.iter().find(|a| a.uid == r.uid) {
                    Some(a) if a.status != r.status => {
                        if !notified(&r.uid, &|n| n.event == EventKind::StatusChanged) {
                            findings.add(
                Rule::StatusChangedWithoutNotification,
                pl.party,
                                None,
                                format!(
                                    "`{}` at `{site}` is `{}` in declaration {d1} and `{}` in declaration {d2}, with no status-change notification between",
                                    r.uid, r.status, a.status
                                ),
                                vec![pl.evidence(*at1), pl.evidence(*at2)],
                            );
                            findings.about(&r.uid);
                        }
                    }
                    Some(_) => {}
                    None => {
                        let left = notified(&r.uid, &|n| match n.event {
                            EventKind::Eliminated | EventKind::Converted => true,
                            EventKind::Moved => n.old.as_ref().is_some_and(|o| o.site == *site),
                            _ => false,
                        });
                        if left || !reported.insert(r.uid.clone()) {
                            continue;
                        }
                        let (rule, message, mut evidence) = match site_of(s2, &r.uid) {
                            Some((elsewhere, at)) => (
                                Rule::MovedWithoutNotification,
                                format!(
                                    "`{}` is at `{site}` in declaration {d1} and at `{elsewhere}` in declaration {d2}, with no movement notification between",
                                    r.uid
                                ),
                                vec![pl.evidence(at)],
                            ),
                            None => (
                                Rule::VanishedWithoutNotification,
                                format!(
                                    "`{}` is at `{site}` in declaration {d1} and absent from that site in declaration {d2}, with no elimination, conversion or movement notification between",
                                    r.uid
                                ),
                                Vec::new(),
                            ),
                        };
                        evidence.splice(0..0, [pl.evidence(*at1), pl.evidence(*at2)]);
                        findings.add(rule, pl.party, None, message, evidence);
                        findings.about(&r.uid);
                    }
                }
            }
            for a in after {
                if before.iter().any(|r| r.uid == a.uid) || reported.contains(&a.uid) {
                    continue;
                }
                let joined = notified(&a.uid, &|n| {
                    matches!(n.event, EventKind::Created | EventKind::Moved)
                        && n.new.as_ref().is_some_and(|r| r.site == *site)
                });
                if joined {
                    continue;
                }
                reported.insert(a.uid.clone());
                let (rule, message, mut evidence) = match site_of(s1, &a.uid) {
                    Some((earlier, at)) => (
                        Rule::MovedWithoutNotification,
                        format!(
                            "`{}` is at `{earlier}` in declaration {d1} and at `{site}` in declaration {d2}, with no movement notification between",
                            a.uid
                        ),
                        vec![pl.evidence(at)],
                    ),
                    None => (
                        Rule::AppearedWithoutNotification,
                        format!(
                            "`{}` is at `{site}` in declaration {d2} but not in declaration {d1}, with no creation or movement notification between",
                            a.uid
                        ),
                        Vec::new(),
                    ),
                };
                evidence.splice(0..0, [pl.evidence(*at1), pl.evidence(*at2)]);
                findings.add(rule, pl.party, None, message, evidence);
                findings.about(&a.uid);
            }
        }
    }
}
