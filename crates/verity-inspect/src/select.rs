//! Deterministic selection from a selection seed: positions drawn without replacement by a
//! ChaCha20 stream keyed with the seed and a label, so anyone recomputes the same draws.
//! Under padding, a drawn position that the inspected party shows to be a dummy is skipped and
//! the next draw taken, as ARCHITECTURE.md sets out; so is a real site with no item the
//! inspection type checks. Items are then designated among the selected site's eligible ones.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use verity_escrow::{ItemRecord, SiteOpening};
use verity_log::InspectionOpening;
use verity_treaty::model::{ItemsPerSite, Selection};

fn stream(seed: &[u8; 32], label: &str) -> ChaCha20Rng {
    let mut h = Sha256::new();
    h.update(b"verity/inspect/draw/v1\n");
    h.update((label.len() as u32).to_be_bytes());
    h.update(label.as_bytes());
    h.update(seed);
    ChaCha20Rng::from_seed(h.finalize().into())
}

/// Every position of `0..n` in the order the seed draws them (a permutation): selection takes
/// them from the front. The label separates independent draws from one seed (sites, then the
/// items of each selected site).
pub fn draw_positions(seed: &[u8; 32], label: &str, n: usize) -> Vec<usize> {
    let mut rng = stream(seed, label);
    rand::seq::index::sample(&mut rng, n, n).into_vec()
}

/// Picks `k` real sites among `n` published positions: draws positions in the seed's order and
/// skips those `is_dummy` says are padding (the inspected party proves each with its salt).
/// Returns the chosen positions and how many draws it took; fewer than `k` when there are
/// fewer real positions.
pub fn select_sites(
    seed: &[u8; 32],
    n: usize,
    k: usize,
    mut is_dummy: impl FnMut(usize) -> bool,
) -> (Vec<usize>, usize) {
    let mut chosen = Vec::with_capacity(k);
    let mut draws = 0;
    for pos in draw_positions(seed, "sites", n) {
        if chosen.len() == k {
            break;
        }
        draws += 1;
        if !is_dummy(pos) {
            chosen.push(pos);
        }
    }
    (chosen, draws)
}

/// One drawn position and what it turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "draw")]
pub enum Draw {
    /// Padding, shown by its salt: skipped.
    Padding {
        /// Position among the site commitments.
        position: u64,
    },
    /// A real site with no item the inspection type checks: opened, then skipped.
    PassedOver {
        /// Position among the site commitments.
        position: u64,
        /// The site.
        site: String,
    },
    /// A real site the inspection visits.
    Selected {
        /// Position among the site commitments.
        position: u64,
        /// The site.
        site: String,
    },
}

/// A site the inspection visits and the items designated there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectedSite {
    /// Position among the site commitments.
    pub position: u64,
    /// The site.
    pub site: String,
    /// Items of the site the type's classes and statuses make eligible, by UID.
    pub eligible: usize,
    /// The designated items (their warheads are counted), in draw order.
    pub designated: Vec<String>,
}

/// The whole selection of one inspection, as anyone recomputes it from the seed and the
/// inspected party's opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectionResult {
    /// Every draw taken, in order.
    pub draws: Vec<Draw>,
    /// The sites visited.
    pub sites: Vec<SelectedSite>,
}

/// Items of a site eligible under an inspection type's selection, sorted by UID.
pub fn eligible_items<'a>(kind: &Selection, records: &'a [ItemRecord]) -> Vec<&'a ItemRecord> {
    let mut out: Vec<&ItemRecord> = records
        .iter()
        .filter(|r| kind.item_classes.contains(&r.class) && kind.item_statuses.contains(&r.status))
        .collect();
    out.sort_by(|a, b| a.uid.cmp(&b.uid));
    out
}

/// The items designated at a site: the type's count (or all) of the eligible items, drawn
/// by the seed under the label `items/<site>`.
pub fn designate(
    seed: &[u8; 32],
    kind: &Selection,
    site: &str,
    records: &[ItemRecord],
) -> Vec<String> {
    let eligible = eligible_items(kind, records);
    let take = match kind.items {
        ItemsPerSite::All => eligible.len(),
        ItemsPerSite::Count(n) => eligible.len().min(n as usize),
    };
    draw_positions(seed, &format!("items/{site}"), eligible.len())
        .into_iter()
        .take(take)
        .map(|i| eligible[i].uid.clone())
        .collect()
}

/// Walks the seed's draw order over the inspected party's opening: each drawn position must be
/// shown to be padding or opened whole; a real site with eligible items is selected, one
/// without is passed over; the walk stops at the type's number of sites. Fails, naming the
/// position, when a drawn position is neither opened nor shown to be padding, or when the
/// opening holds a position the walk never reached. The openings' own validity (salts, proofs)
/// is checked separately (`verity_log::check_inspection_opening`).
pub fn follow_selection(
    seed: &[u8; 32],
    kind: &Selection,
    opening: &InspectionOpening,
) -> Result<SelectionResult, String> {
    let n = opening.site_commitments.len();
    let dummies: BTreeSet<u64> = opening.dummies.iter().map(|d| d.position).collect();
    let mut sites: BTreeMap<u64, &SiteOpening> = BTreeMap::new();
    for s in &opening.sites {
        if sites.insert(s.header.index, s).is_some() || dummies.contains(&s.header.index) {
            return Err(format!("position {} is opened twice", s.header.index));
        }
    }
    let mut result = SelectionResult {
        draws: Vec::new(),
        sites: Vec::new(),
    };
    let mut reached = BTreeSet::new();
    for pos in draw_positions(seed, "sites", n) {
        if result.sites.len() == kind.sites as usize {
            break;
        }
        let position = pos as u64;
        reached.insert(position);
        if dummies.contains(&position) {
            result.draws.push(Draw::Padding { position });
            continue;
        }
        let Some(site) = sites.get(&position) else {
            return Err(format!(
                "position {position} was drawn but is neither opened nor shown to be padding"
            ));
        };
        let records: Vec<ItemRecord> = site.items.iter().map(|i| i.record.clone()).collect();
        let name = site.header.site.clone();
        let eligible = eligible_items(kind, &records).len();
        if eligible == 0 {
            result.draws.push(Draw::PassedOver {
                position,
                site: name,
            });
            continue;
        }
        result.draws.push(Draw::Selected {
            position,
            site: name.clone(),
        });
        result.sites.push(SelectedSite {
            position,
            designated: designate(seed, kind, &name, &records),
            site: name,
            eligible,
        });
    }
    if let Some(extra) = dummies
        .iter()
        .chain(sites.keys())
        .find(|p| !reached.contains(p))
    {
        return Err(format!(
            "position {extra} is opened although the selection never reached it"
        ));
    }
    Ok(result)
}

/// For the inspected party: which positions the selection reaches, given what each position
/// is (`None` for padding, else the site's name and its items). Returns the positions to
/// open, in draw order.
pub fn positions_to_open(
    seed: &[u8; 32],
    kind: &Selection,
    n: usize,
    mut what: impl FnMut(usize) -> Option<(String, Vec<ItemRecord>)>,
) -> Vec<usize> {
    let mut out = Vec::new();
    let mut selected = 0;
    for pos in draw_positions(seed, "sites", n) {
        if selected == kind.sites as usize {
            break;
        }
        out.push(pos);
        if let Some((_, records)) = what(pos)
            && !eligible_items(kind, &records).is_empty()
        {
            selected += 1;
        }
    }
    out
}
