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
use verity_escrow::ItemRecord;
use verity_log::InspectionOpening;
use verity_treaty::model::{ItemsPerSite, Selection};

fn stream(seed: &[u8; 32], label: &str) -> ChaCha20Rng {
    let mut h = Sha256::new();
    h.update(verity_escrow::domain::SELECTION_DRAW);
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
        .filter_map(|i| eligible.get(i).map(|r| r.uid.clone()))
        .collect()
}

/// What a drawn position holds, as the walk sees it.
#[derive(Debug, Clone, Copy)]
pub enum Position<'r> {
    /// Padding (shown by its salt).
    Padding,
    /// A real site: its name and its declared items.
    Site(&'r str, &'r [ItemRecord]),
    /// Not known to the caller (an opening that lacks the position).
    Unknown,
}

/// The selection: walks the seed's draw order over `n` positions. Padding is skipped; a real
/// site with no item the type checks is passed over; the first `sites` real sites with
/// eligible items are selected, with their designated items. Stops there. Fails with the
/// first drawn position the caller does not know. Every user of selection (the compliance
/// view, the inspected party's opening, the simulator) goes through this one walk.
pub fn walk_selection<'r>(
    seed: &[u8; 32],
    kind: &Selection,
    n: usize,
    mut what: impl FnMut(usize) -> Position<'r>,
) -> Result<SelectionResult, u64> {
    let mut result = SelectionResult {
        draws: Vec::new(),
        sites: Vec::new(),
    };
    for pos in draw_positions(seed, "sites", n) {
        if result.sites.len() == kind.sites as usize {
            break;
        }
        let position = pos as u64;
        let (name, records) = match what(pos) {
            Position::Padding => {
                result.draws.push(Draw::Padding { position });
                continue;
            }
            Position::Unknown => return Err(position),
            Position::Site(name, records) => (name, records),
        };
        let eligible = eligible_items(kind, records).len();
        if eligible == 0 {
            result.draws.push(Draw::PassedOver {
                position,
                site: name.to_string(),
            });
            continue;
        }
        result.select(
            position,
            name.to_string(),
            eligible,
            designate(seed, kind, name, records),
        );
    }
    Ok(result)
}

impl SelectionResult {
    /// Records a site the inspection visits: drawn and selected, with its designated items.
    fn select(&mut self, position: u64, site: String, eligible: usize, designated: Vec<String>) {
        self.draws.push(Draw::Selected {
            position,
            site: site.clone(),
        });
        self.sites.push(SelectedSite {
            position,
            site,
            eligible,
            designated,
        });
    }

    /// Every drawn position, in draw order.
    pub fn positions(&self) -> Vec<u64> {
        self.draws
            .iter()
            .map(|d| match d {
                Draw::Padding { position }
                | Draw::PassedOver { position, .. }
                | Draw::Selected { position, .. } => *position,
            })
            .collect()
    }
}

/// Why an opening does not follow the selection, or cannot be built for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectionError {
    /// A position is opened twice (or opened and shown to be padding).
    #[error("position {0} is opened twice")]
    OpenedTwice(u64),
    /// A drawn position is neither opened nor shown to be padding.
    #[error("position {0} was drawn but is neither opened nor shown to be padding")]
    DrawnNotOpened(u64),
    /// A position is opened that the walk never reached.
    #[error("position {0} is opened although the selection never reached it")]
    NotReached(u64),
    /// A check of empty facilities opened something.
    #[error(
        "a check of empty facilities opens nothing, but the opening holds {sites} site(s) and {padding} padding proof(s)"
    )]
    FacilityCheckOpened {
        /// Sites opened.
        sites: usize,
        /// Padding proofs given.
        padding: usize,
    },
    /// The private declaration does not know a drawn position.
    #[error(
        "position {position} of declaration {declaration} is neither a site nor padding in the private store"
    )]
    NotInStore {
        /// The position.
        position: u64,
        /// The declaration's log index.
        declaration: u64,
    },
    /// The private declaration could not open a site.
    #[error("{0}")]
    Escrow(String),
}

/// Walks the seed's draw order over the inspected party's opening ([`walk_selection`]): each
/// drawn position must be shown to be padding or opened whole. Fails, naming the position,
/// when a drawn position is neither, or when the opening holds a position the walk never
/// reached. The openings' own validity (salts, proofs) is checked separately
/// ([`crate::check_inspection_opening`]).
pub fn follow_selection(
    seed: &[u8; 32],
    kind: &Selection,
    opening: &InspectionOpening,
) -> Result<SelectionResult, SelectionError> {
    let n = opening.site_commitments.len();
    let dummies: BTreeSet<u64> = opening.dummies.iter().map(|d| d.index).collect();
    let mut sites: BTreeMap<u64, (&str, Vec<ItemRecord>)> = BTreeMap::new();
    for s in &opening.sites {
        let records = s.items.iter().map(|i| i.record.clone()).collect();
        if sites
            .insert(s.header.index, (s.header.site.as_str(), records))
            .is_some()
            || dummies.contains(&s.header.index)
        {
            return Err(SelectionError::OpenedTwice(s.header.index));
        }
    }
    let result = walk_selection(seed, kind, n, |pos| {
        let pos = pos as u64;
        if dummies.contains(&pos) {
            Position::Padding
        } else {
            sites
                .get(&pos)
                .map_or(Position::Unknown, |(name, records)| {
                    Position::Site(name, records)
                })
        }
    })
    .map_err(SelectionError::DrawnNotOpened)?;
    let reached: BTreeSet<u64> = result.positions().into_iter().collect();
    if let Some(extra) = dummies
        .iter()
        .chain(sites.keys())
        .find(|p| !reached.contains(p))
    {
        return Err(SelectionError::NotReached(*extra));
    }
    Ok(result)
}

/// The selection of a check of empty facilities: the first `sites` of the registered empty
/// facilities in the seed's draw order (under the label `facilities`). Nothing is designated:
/// every item found at a selected facility is undeclared.
pub fn select_facilities(
    seed: &[u8; 32],
    kind: &Selection,
    facilities: &[String],
) -> SelectionResult {
    let mut result = SelectionResult {
        draws: Vec::new(),
        sites: Vec::new(),
    };
    for pos in draw_positions(seed, "facilities", facilities.len())
        .into_iter()
        .take(kind.sites as usize)
    {
        let position = pos as u64;
        let Some(site) = facilities.get(pos).cloned() else {
            continue;
        };
        result.select(position, site, 0, Vec::new());
    }
    result
}

/// Follows the selection of a check of empty facilities: the inspected party opens nothing
/// (its register of empty facilities is public in the declaration), so the opening must hold
/// no site and no padding proof.
pub fn follow_facility_selection(
    seed: &[u8; 32],
    kind: &Selection,
    opening: &InspectionOpening,
    facilities: &[String],
) -> Result<SelectionResult, SelectionError> {
    if !opening.sites.is_empty() || !opening.dummies.is_empty() {
        return Err(SelectionError::FacilityCheckOpened {
            sites: opening.sites.len(),
            padding: opening.dummies.len(),
        });
    }
    Ok(select_facilities(seed, kind, facilities))
}
