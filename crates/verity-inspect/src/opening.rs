//! The inspected party's side of an inspection: from its sealed declaration and the selection
//! seed, the opening of exactly what the selection reaches (padding positions by their salts,
//! real sites whole), built with the same walk everyone else recomputes.

use std::collections::BTreeMap;
use verity_escrow::{ItemRecord, SealedDeclaration, dummy_site_leaf, root_of_site_commitments};
use verity_log::{DummySiteProof, EntryRef, InspectionOpening};
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
    let mut padding = BTreeMap::new();
    for salt in sealed.dummy_site_salts() {
        let leaf = dummy_site_leaf(salt);
        if let Some(p) = commitments.iter().position(|c| *c == leaf) {
            padding.insert(p, salt.clone());
        }
    }
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
        if let Some(salt) = padding.get(&at) {
            opening.dummies.push(DummySiteProof {
                position: p,
                salt: salt.clone(),
            });
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
/// padding proof opens the commitment at its position, every opened site verifies. Whether it
/// opens exactly what the selection reaches needs the other party's log (the compliance view).
/// Returns each problem in words; empty when the opening holds together.
pub fn check_inspection_opening(o: &InspectionOpening) -> Vec<String> {
    let mut out = Vec::new();
    let n = o.site_commitments.len() as u64;
    if root_of_site_commitments(&o.site_commitments) != o.root {
        out.push(format!(
            "inspection `{}`: the {n} site commitments do not rebuild the declaration root",
            o.inspection
        ));
        return out;
    }
    for d in &o.dummies {
        let at = usize::try_from(d.position)
            .ok()
            .and_then(|p| o.site_commitments.get(p));
        if at != Some(&dummy_site_leaf(&d.salt)) {
            out.push(format!(
                "inspection `{}`: position {} is not a padding site (its salt does not open the commitment there)",
                o.inspection, d.position
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
        }
    }
    out
}
