//! Cheating strategies: each turns an honest inventory into what the party declares, what is
//! truly there and, under hidden totals, the counts it commits at each site. The cheater
//! spreads its choices round-robin over the sites that hold the items it needs, the hardest
//! placement for site-by-site inspection to find.

use serde::Serialize;
use std::collections::BTreeMap;
use verity_escrow::ItemRecord;
use verity_treaty::Treaty;
use verity_treaty::model::Selection;

/// How a party cheats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "strategy")]
pub enum Strategy {
    /// No cheating (every detection would be a false alarm).
    Honest,
    /// `k` items kept at a site the declaration does not list (copies of a stored warhead
    /// container where the treaty has them, else of the first item).
    HideAtUndeclaredSite {
        /// Items hidden.
        k: usize,
    },
    /// `k` deployed missiles carry one more warhead than declared.
    UnderDeclareWarheads {
        /// Missiles under-declared.
        k: usize,
    },
    /// `k` items declared eliminated that still exist where they were.
    DeclareEliminatedThatExist {
        /// Items falsely eliminated.
        k: usize,
    },
    /// `k` pairs of items at different sites carry each other's identifiers.
    SwapIdentifiers {
        /// Pairs swapped.
        k: usize,
    },
    /// `k` undeclared items spread over `sites` declared sites.
    SpreadHidden {
        /// Items hidden.
        k: usize,
        /// Declared sites they are spread over.
        sites: usize,
    },
    /// Under hidden totals: the party declares every item truly, but commits `k` fewer
    /// warheads at its site holding the most than the items there hold (so its proved totals
    /// are `k` under the truth). Caught when that site is first opened.
    UnderCommitTotals {
        /// Warheads left out of the site's committed counts.
        k: usize,
    },
}

/// Where `hide-at-undeclared-site` hides when the party registers no empty facility: a place
/// no inspection can be sent to.
pub const UNREGISTERED_SITE: &str = "UNDECLARED-SITE";

/// Every strategy's name, as the CLI takes it.
pub const STRATEGY_NAMES: [&str; 7] = [
    "honest",
    "hide-at-undeclared-site",
    "under-declare-warheads",
    "declare-eliminated-that-exist",
    "swap-identifiers",
    "spread-hidden",
    "under-commit-totals",
];

/// Why a strategy cannot be applied to an inventory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    /// An unknown strategy name.
    #[error("unknown strategy `{0}`: expected one of {names}", names = STRATEGY_NAMES.join(", "))]
    Unknown(String),
    /// Not enough items or sites for the strategy.
    #[error("{0}")]
    TooFew(String),
    /// The strategy needs something the treaty does not have.
    #[error("{0}")]
    NotApplicable(String),
}

impl Strategy {
    /// A strategy by name with its size `k` (and, for `spread-hidden`, the sites).
    pub fn parse(name: &str, k: usize, sites: usize) -> Result<Self, StrategyError> {
        Ok(match name {
            "honest" => Self::Honest,
            "hide-at-undeclared-site" => Self::HideAtUndeclaredSite { k },
            "under-declare-warheads" => Self::UnderDeclareWarheads { k },
            "declare-eliminated-that-exist" => Self::DeclareEliminatedThatExist { k },
            "swap-identifiers" => Self::SwapIdentifiers { k },
            "spread-hidden" => Self::SpreadHidden { k, sites },
            "under-commit-totals" => Self::UnderCommitTotals { k },
            other => return Err(StrategyError::Unknown(other.to_string())),
        })
    }

    /// The strategy's name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Honest => STRATEGY_NAMES[0],
            Self::HideAtUndeclaredSite { .. } => STRATEGY_NAMES[1],
            Self::UnderDeclareWarheads { .. } => STRATEGY_NAMES[2],
            Self::DeclareEliminatedThatExist { .. } => STRATEGY_NAMES[3],
            Self::SwapIdentifiers { .. } => STRATEGY_NAMES[4],
            Self::SpreadHidden { .. } => STRATEGY_NAMES[5],
            Self::UnderCommitTotals { .. } => STRATEGY_NAMES[6],
        }
    }

    /// `(declared, truth)` from an honest inventory. `designated` is the selection of the
    /// inspection type that counts warheads (for the missiles worth under-declaring).
    pub fn apply(
        &self,
        honest: &[ItemRecord],
        designated: &Selection,
    ) -> Result<(Vec<ItemRecord>, Vec<ItemRecord>), StrategyError> {
        self.apply_with_register(honest, designated, &[])
    }

    /// As [`Strategy::apply`], for a party whose declaration registers `empty_facilities`.
    /// Under a facility register, a site kept off the declaration is one the party registers
    /// as empty (a place on no list at all breaches the register itself, which only national
    /// technical means can find): `hide-at-undeclared-site` hides there, at the first one
    /// (selection among them is uniform, so which one does not matter).
    pub fn apply_with_register(
        &self,
        honest: &[ItemRecord],
        designated: &Selection,
        empty_facilities: &[String],
    ) -> Result<(Vec<ItemRecord>, Vec<ItemRecord>), StrategyError> {
        let mut declared = honest.to_vec();
        let mut truth = honest.to_vec();
        match *self {
            // The items are declared as they are; the cheat is in the committed counts.
            Self::Honest | Self::UnderCommitTotals { .. } => {}
            Self::HideAtUndeclaredSite { k } => {
                // What one hides is stored warheads, where the treaty has containers for them.
                let model = honest
                    .iter()
                    .find(|r| r.class == "warhead_container" && r.status == "non-deployed")
                    .or_else(|| honest.first())
                    .ok_or_else(|| too_few("an item to copy"))?;
                let place = empty_facilities
                    .first()
                    .map_or(UNREGISTERED_SITE, String::as_str);
                truth.extend((0..k).map(|i| hidden_copy(model, place, i)));
            }
            Self::UnderDeclareWarheads { k } => {
                let chosen = round_robin(honest, k, |r| {
                    designated.item_classes.contains(&r.class)
                        && designated.item_statuses.contains(&r.status)
                        && r.warheads > 0
                })
                .ok_or_else(|| too_few(&format!("{k} missiles the inspections count")))?;
                for i in chosen {
                    truth[i].warheads += 1;
                }
            }
            Self::DeclareEliminatedThatExist { k } => {
                let chosen = round_robin(honest, k, |_| true)
                    .ok_or_else(|| too_few(&format!("{k} items")))?;
                let gone: Vec<&str> = chosen.iter().map(|&i| honest[i].uid.as_str()).collect();
                declared.retain(|r| !gone.contains(&r.uid.as_str()));
            }
            Self::SwapIdentifiers { k } => {
                let chosen = round_robin(honest, 2 * k, |_| true)
                    .ok_or_else(|| too_few(&format!("{} items", 2 * k)))?;
                for pair in chosen.chunks(2) {
                    let (a, b) = (pair[0], pair[1]);
                    if honest[a].site == honest[b].site {
                        return Err(too_few("two sites to swap identifiers between"));
                    }
                    let uid_a = truth[a].uid.clone();
                    truth[a].uid = std::mem::replace(&mut truth[b].uid, uid_a);
                }
            }
            Self::SpreadHidden { k, sites } => {
                let names = site_names(honest);
                if sites == 0 || sites > names.len() {
                    return Err(too_few(&format!(
                        "{sites} declared sites to spread over ({} declared)",
                        names.len()
                    )));
                }
                for i in 0..k {
                    let site = &names[i % sites];
                    let model = honest
                        .iter()
                        .find(|r| &r.site == site)
                        .expect("a declared site has an item");
                    truth.push(hidden_copy(model, site, i));
                }
            }
        }
        Ok((declared, truth))
    }

    /// The whole cheat against `treaty`: [`Strategy::apply_with_register`], and the counts
    /// the party commits where they differ from its items' tally.
    pub fn plan(
        &self,
        treaty: &Treaty,
        honest: &[ItemRecord],
        designated: &Selection,
        empty_facilities: &[String],
    ) -> Result<Cheat, StrategyError> {
        let (declared, truth) = self.apply_with_register(honest, designated, empty_facilities)?;
        let claimed_counts = self.claimed_counts(treaty, &declared)?;
        Ok(Cheat {
            declared,
            truth,
            claimed_counts,
        })
    }

    /// Site → category → count the party commits in place of its items' tally (empty unless
    /// the strategy understates committed counts). For `under-commit-totals`: the site of
    /// `declared` holding the most warheads (the first by name among equals), its counts
    /// tallied as if its items held `k` warheads fewer (taken from its items in order).
    pub fn claimed_counts(
        &self,
        treaty: &Treaty,
        declared: &[ItemRecord],
    ) -> Result<BTreeMap<String, BTreeMap<String, u64>>, StrategyError> {
        let Self::UnderCommitTotals { k } = *self else {
            return Ok(BTreeMap::new());
        };
        if !treaty.escrow().is_some_and(|e| e.hidden_totals) {
            return Err(StrategyError::NotApplicable(format!(
                "under-commit-totals needs a treaty that hides totals (sites commit counts); `{}` publishes them",
                treaty.id()
            )));
        }
        let mut warheads: BTreeMap<&str, u64> = BTreeMap::new();
        for r in declared {
            *warheads.entry(r.site.as_str()).or_default() += r.warheads;
        }
        let (site, held) = warheads
            .iter()
            .fold(None, |best: Option<(&str, u64)>, (s, w)| match best {
                Some((_, b)) if b >= *w => best,
                _ => Some((s, *w)),
            })
            .ok_or_else(|| too_few("a declared site"))?;
        if (k as u64) > held || k == 0 {
            return Err(too_few(&format!(
                "a site holding at least {k} warheads to understate (the largest, `{site}`, holds {held})"
            )));
        }
        let mut left = k as u64;
        let reduced: Vec<ItemRecord> = declared
            .iter()
            .filter(|r| r.site == site)
            .map(|r| {
                let cut = left.min(r.warheads);
                left -= cut;
                ItemRecord {
                    warheads: r.warheads - cut,
                    ..r.clone()
                }
            })
            .collect();
        let tally = treaty
            .tally(reduced.iter().map(ItemRecord::facts))
            .map_err(|e| StrategyError::NotApplicable(format!("site `{site}`: {e}")))?;
        Ok([(site.to_string(), tally.categories)].into_iter().collect())
    }
}

/// A strategy applied: what the party declares, what is truly there, and the counts it
/// commits where they are not its items' tally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cheat {
    /// The declared items.
    pub declared: Vec<ItemRecord>,
    /// The items truly there.
    pub truth: Vec<ItemRecord>,
    /// Site → category → committed count, for the sites whose commitments understate.
    pub claimed_counts: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Cheat {
    /// The simulator's scenario of this cheat, with the register of empty facilities.
    pub fn scenario(&self, empty_facilities: &[String]) -> crate::regime::Scenario {
        crate::regime::Scenario::new(&self.declared, &self.truth)
            .with_register(empty_facilities)
            .with_understated(self.claimed_counts.keys().cloned())
    }
}

fn too_few(what: &str) -> StrategyError {
    StrategyError::TooFew(format!("the inventory has too few: needs {what}"))
}

fn hidden_copy(model: &ItemRecord, site: &str, i: usize) -> ItemRecord {
    ItemRecord {
        uid: format!("HIDDEN-{i:05}"),
        site: site.to_string(),
        ..model.clone()
    }
}

fn site_names(items: &[ItemRecord]) -> Vec<String> {
    let mut names: Vec<String> = items.iter().map(|r| r.site.clone()).collect();
    names.sort();
    names.dedup();
    names
}

/// `k` indexes of items matching `pick`, taken one site at a time in turn (sites by name,
/// items in inventory order), or `None` when there are fewer than `k`.
fn round_robin(
    items: &[ItemRecord],
    k: usize,
    pick: impl Fn(&ItemRecord) -> bool,
) -> Option<Vec<usize>> {
    let mut by_site: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in items.iter().enumerate().filter(|(_, r)| pick(r)) {
        by_site.entry(&r.site).or_default().push(i);
    }
    let mut queues: Vec<std::vec::IntoIter<usize>> =
        by_site.into_values().map(Vec::into_iter).collect();
    let mut out = Vec::with_capacity(k);
    while out.len() < k {
        let before = out.len();
        for q in &mut queues {
            if out.len() == k {
                break;
            }
            if let Some(i) = q.next() {
                out.push(i);
            }
        }
        if out.len() == before {
            return None;
        }
    }
    Some(out)
}
