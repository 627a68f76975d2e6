//! The inspected party's side of an inspection: from its sealed declaration and the selection
//! seed, the opening of exactly what the selection reaches (padding positions by their salts,
//! real sites whole), built with the same walk everyone else recomputes.

use std::collections::BTreeMap;
use verity_escrow::{
    CountPoints, ItemRecord, PaddingOpening, SealedDeclaration, root_of_site_commitments,
};
use verity_log::{EntryRef, InspectionOpening};
use verity_treaty::model::{Selection, SelectionScope};

use crate::select::{Position, SelectionError, walk_selection};

/// The opening for inspection `id` of `sealed` (the declaration at log index `declaration`).
pub fn build_opening(
    sealed: &SealedDeclaration,
    declaration: u64,
    kind: &Selection,
    seed: &[u8; 32],
    id: &str,
    request: EntryRef,
) -> Result<InspectionOpening, SelectionError> {
    let commitments = sealed.site_commitments();
    let mut opening = InspectionOpening {
        inspection: id.to_string(),
        request,
        declaration,
        root: sealed.root(),
        site_commitments: commitments.clone(),
        dummies: Vec::new(),
        sites: Vec::new(),
        sealed: None,
    };
    if kind.scope == SelectionScope::EmptyFacilities {
        // The register of empty facilities is public: nothing is opened.
        return Ok(opening);
    }
    let mut sites: BTreeMap<usize, (&str, Vec<ItemRecord>)> = BTreeMap::new();
    for site in sealed.sites() {
        let header = sealed
            .open_site_count(&site.name)
            .map_err(|e| SelectionError::Escrow(e.to_string()))?;
        let records = sealed.site_items(site).map(|(r, _, _)| r.clone()).collect();
        sites.insert(header.index as usize, (site.name.as_str(), records));
    }
    let padding: BTreeMap<usize, PaddingOpening> = sealed
        .padding_openings()
        .into_iter()
        .filter_map(|p| usize::try_from(p.index).ok().map(|i| (i, p)))
        .collect();
    let walk = walk_selection(seed, kind, commitments.len(), |p| {
        if padding.contains_key(&p) {
            Position::Padding
        } else {
            sites.get(&p).map_or(Position::Unknown, |(name, records)| {
                Position::Site(name, records)
            })
        }
    })
    .map_err(|position| SelectionError::NotInStore {
        position,
        declaration,
    })?;
    for p in walk.positions() {
        let at = p as usize;
        if let Some(pad) = padding.get(&at) {
            opening.dummies.push(pad.clone());
        } else if let Some((name, _)) = sites.get(&at) {
            opening.sites.push(
                sealed
                    .open_site(name)
                    .map_err(|e| SelectionError::Escrow(e.to_string()))?,
            );
        }
    }
    Ok(opening)
}

/// Checks an inspection opening on its own: the site commitments rebuild the root, every
/// padding proof opens the commitment at its position, every opened site verifies; under
/// hidden totals (`published`: the declaration's count commitments per position), every
/// opened position carries counts that open the ones published for it. Whether it opens
/// exactly what the selection reaches needs the other party's log (the compliance view).
/// Returns each problem in words; empty when the opening holds together.
pub fn check_inspection_opening(
    o: &InspectionOpening,
    published: Option<&[CountPoints]>,
) -> Vec<String> {
    let mut out = Vec::new();
    let n = o.site_commitments.len() as u64;
    if root_of_site_commitments(&o.site_commitments) != o.root {
        out.push(format!(
            "inspection `{}`: the {n} site commitments do not rebuild the declaration root",
            o.inspection
        ));
        return out;
    }
    let published_at =
        |index: u64| published.and_then(|p| usize::try_from(index).ok().and_then(|i| p.get(i)));
    for d in &o.dummies {
        let at = usize::try_from(d.index)
            .ok()
            .and_then(|p| o.site_commitments.get(p));
        if d.leaf().is_none() || at != d.leaf().as_ref() {
            out.push(format!(
                "inspection `{}`: position {} is not a padding site (its salt does not open the commitment there)",
                o.inspection, d.index
            ));
        } else if let Some(problem) = counts_problem(&d.counts(), published_at(d.index)) {
            out.push(format!(
                "inspection `{}`: padding position {}: {problem}",
                o.inspection, d.index
            ));
        }
    }
    for site in &o.sites {
        if let Err(e) = site.verify(&o.root) {
            out.push(format!("inspection `{}`: {e}", o.inspection));
        } else if site.header.sites != n {
            out.push(format!(
                "inspection `{}`: site `{}` is proved in a tree of {} sites, not {n}",
                o.inspection, site.header.site, site.header.sites
            ));
        } else if let Some(problem) =
            counts_problem(&site.header.counts, published_at(site.header.index))
        {
            out.push(format!(
                "inspection `{}`: site `{}`: {problem}",
                o.inspection,
                verity_escrow::clip_name(&site.header.site)
            ));
        }
    }
    out
}

/// A declaration's published count commitments per position, when it hides totals (a
/// position whose commitments do not parse gets none, so no opening of it can match).
pub fn published_counts(d: &verity_log::Declaration) -> Option<Vec<CountPoints>> {
    d.hidden_totals.as_ref().map(|h| {
        h.sites
            .iter()
            .map(|s| verity_escrow::parse_points(s).unwrap_or_default())
            .collect()
    })
}

/// Whether an opened position's counts are the ones its declaration published for it: under
/// hidden totals they must be there and open the published commitments exactly.
pub fn counts_problem(
    opened: &verity_escrow::SiteCounts,
    published: Option<&CountPoints>,
) -> Option<String> {
    match published {
        None if opened.is_empty() => None,
        None => Some("carries counts its declaration did not commit".into()),
        Some(_) if opened.is_empty() => {
            Some("opened without its counts (the declaration hides totals)".into())
        }
        Some(points) => match opened.points() {
            Ok(p) if &p == points => None,
            Ok(_) => Some(
                "its opened counts do not open the count commitments published for its position"
                    .into(),
            ),
            Err(e) => Some(format!("its opened counts: {e}")),
        },
    }
}

/// Where a whole-site opening's committed counts differ from the treaty's tally of its opened
/// items, one sentence each (empty when they agree or the site commits no counts).
pub fn site_count_mismatches(
    treaty: &verity_treaty::Treaty,
    s: &verity_escrow::SiteOpening,
) -> Vec<String> {
    if s.header.counts.is_empty() {
        return Vec::new();
    }
    let tally = match treaty.tally(s.items.iter().map(|i| i.record.facts())) {
        Ok(t) => t,
        Err(e) => {
            return vec![format!(
                "site `{}`: its opened items cannot be counted: {e}",
                verity_escrow::clip_name(&s.header.site)
            )];
        }
    };
    s.header
        .counts
        .0
        .iter()
        .filter_map(|(category, committed)| {
            let opened = tally.categories.get(category).copied().unwrap_or(0);
            (opened != committed.count).then(|| {
                format!(
                    "site `{}` committed `{category}` as {} but its opened items count {opened}",
                    verity_escrow::clip_name(&s.header.site),
                    committed.count
                )
            })
        })
        .collect()
}

/// What inspectors find in an opening they can read (a sealed one once decrypted): each
/// problem in words. The opening does not hold together, a site's counts differ from its
/// items, it does not follow the selection `seed` fixes, or an item found differs from what
/// its site should hold (the opened declaration amended by `updates`, the inspected party's
/// notifications before the opening). Empty when the inspection is clean. The compliance view
/// judges the same things from the logs; this is the inspectors' own reading, which decides
/// whether they disclose a sealed opening's key.
pub fn opening_findings(
    treaty: &verity_treaty::Treaty,
    selection: &Selection,
    seed: &[u8; 32],
    opening: &InspectionOpening,
    published: Option<&[CountPoints]>,
    updates: &[&verity_log::Notification],
    observations: &[verity_log::SiteObservation],
) -> Vec<String> {
    let mut out = check_inspection_opening(opening, published);
    if !out.is_empty() {
        return out;
    }
    for site in &opening.sites {
        out.extend(site_count_mismatches(treaty, site));
    }
    let followed = match selection.scope {
        SelectionScope::DeclaredSites => crate::select::follow_selection(seed, selection, opening),
        // Facility checks open nothing: there is nothing sealed to read.
        SelectionScope::EmptyFacilities => return out,
    };
    let selected = match followed {
        Ok(s) => s,
        Err(e) => {
            out.push(format!("the opening does not follow the selection: {e}"));
            return out;
        }
    };
    for sel in &selected.sites {
        let Some(obs) = observations.iter().find(|o| o.site == sel.site) else {
            continue;
        };
        let opened: Vec<ItemRecord> = opening
            .sites
            .iter()
            .find(|s| s.header.site == sel.site)
            .map(|s| s.items.iter().map(|i| i.record.clone()).collect())
            .unwrap_or_default();
        let expected =
            crate::compare::expected_at_site(&sel.site, &opened, updates.iter().copied());
        let check = crate::compare::compare_site(&expected, obs, &sel.designated);
        out.extend(
            check
                .discrepancies()
                .map(|c| format!("at `{}`: item `{}` is not as declared", sel.site, c.uid)),
        );
    }
    out
}
