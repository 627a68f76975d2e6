//! Treaty-driven simulation: a party's declared and true items, the inspections the treaty
//! lets the other parties make of it each year, and each year played with the real selection
//! walk (`verity_inspect::walk_selection`), honest observation and the real comparison. A
//! seeded, parallel Monte Carlo gives the detection probability within 1, 2, … years, beside
//! the exact value of the same model.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use verity_escrow::ItemRecord;
use verity_inspect::{
    Position, compare_site, eligible_items, observe_site, select_facilities, walk_selection,
};
use verity_treaty::model::{ItemsPerSite, Selection, SelectionScope};
use verity_treaty::{PartyCode, Treaty};

use crate::sampling::wilson_interval;

/// One inspection type as the simulation plays it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionPlan {
    /// The treaty's inspection type id.
    pub inspection_type: String,
    /// What it selects.
    pub selection: Selection,
    /// Inspections of the party per year, by all other parties together.
    pub per_year: u32,
}

/// The inspections a party faces each year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regime {
    /// Per inspection type.
    pub inspections: Vec<InspectionPlan>,
    /// Site positions the selection draws from: the treaty's padded number of sites, or the
    /// number of real sites when the treaty does not pad.
    pub padded_sites: Option<u32>,
}

impl Regime {
    /// The regime the treaty sets for inspections of `party`: every other party's yearly quota
    /// of each type, summed.
    pub fn of(treaty: &Treaty, party: PartyCode) -> Self {
        Self {
            inspections: treaty
                .inspections()
                .iter()
                .map(|k| InspectionPlan {
                    inspection_type: k.id.clone(),
                    selection: k.selection.clone(),
                    per_year: treaty.parties().iter().map(|by| k.quota(*by, party)).sum(),
                })
                .collect(),
            padded_sites: treaty
                .escrow()
                .filter(|e| e.hidden_totals)
                .map(|e| e.padded_sites),
        }
    }

    /// Inspections per year, all types together.
    pub fn per_year(&self) -> u32 {
        self.inspections.iter().map(|p| p.per_year).sum()
    }

    /// The same regime with `total` inspections a year, split between the types in the
    /// treaty's proportions (largest remainder; equally when the treaty gives none).
    pub fn scaled(&self, total: u32) -> Regime {
        let base = self.per_year();
        let n = self.inspections.len().max(1) as u64;
        let shares: Vec<(u32, u64)> = self
            .inspections
            .iter()
            .map(|p| {
                let num = if base == 0 {
                    u64::from(total)
                } else {
                    u64::from(total) * u64::from(p.per_year)
                };
                let den = if base == 0 { n } else { u64::from(base) };
                ((num / den) as u32, num % den)
            })
            .collect();
        let mut counts: Vec<u32> = shares.iter().map(|s| s.0).collect();
        let mut left = total - counts.iter().sum::<u32>();
        let mut order: Vec<usize> = (0..shares.len()).collect();
        order.sort_by(|&a, &b| shares[b].1.cmp(&shares[a].1).then(a.cmp(&b)));
        for &i in order.iter().cycle().take(shares.len() * 2) {
            if left == 0 {
                break;
            }
            counts[i] += 1;
            left -= 1;
        }
        Regime {
            inspections: self
                .inspections
                .iter()
                .zip(counts)
                .map(|(p, c)| InspectionPlan {
                    per_year: c,
                    ..p.clone()
                })
                .collect(),
            padded_sites: self.padded_sites,
        }
    }
}

/// Exact detection within `years` years for every total of inspections a year in `totals`,
/// split as the regime splits them: the points of a curve.
pub fn curve(
    scenario: &Scenario,
    regime: &Regime,
    totals: std::ops::RangeInclusive<u32>,
    years: u32,
) -> Vec<(u32, f64)> {
    totals
        .map(|t| {
            let p = scenario.exact_year(&regime.scaled(t));
            (t, 1.0 - (1.0 - p).powi(years as i32))
        })
        .collect()
}

/// A party's declared and true items, grouped by site for fast play.
#[derive(Debug, Clone)]
pub struct Scenario {
    sites: Vec<(String, Vec<ItemRecord>)>,
    truth: BTreeMap<String, Vec<ItemRecord>>,
    empty_facilities: Vec<String>,
    /// Sites whose committed counts are not their items' tally.
    understated: std::collections::BTreeSet<String>,
}

impl Scenario {
    /// From the declared items and the true ones.
    pub fn new(declared: &[ItemRecord], truth: &[ItemRecord]) -> Self {
        let mut sites: BTreeMap<String, Vec<ItemRecord>> = BTreeMap::new();
        for r in declared {
            sites.entry(r.site.clone()).or_default().push(r.clone());
        }
        let mut at: BTreeMap<String, Vec<ItemRecord>> = BTreeMap::new();
        for r in truth {
            at.entry(r.site.clone()).or_default().push(r.clone());
        }
        Self {
            sites: sites.into_iter().collect(),
            truth: at,
            empty_facilities: Vec::new(),
            understated: Default::default(),
        }
    }

    /// The same scenario with sites whose committed counts understate their items: an
    /// inspection that opens such a site finds it whatever items it designates (the opened
    /// site's items are tallied against its commitments).
    pub fn with_understated(mut self, sites: impl IntoIterator<Item = String>) -> Self {
        self.understated.extend(sites);
        self
    }

    /// The same scenario with the facilities the declaration registers as empty (what checks
    /// of empty facilities draw among).
    pub fn with_register(mut self, empty_facilities: &[String]) -> Self {
        self.empty_facilities = empty_facilities.to_vec();
        self
    }

    /// Whether inspectors at a registered empty facility find anything (by the real
    /// comparison against nothing declared there).
    fn finds_at_facility(&self, facility: &str) -> bool {
        let there = self.truth.get(facility).into_iter().flatten();
        compare_site(&[], &observe_site(facility, there, &[]), &[])
            .discrepancies()
            .next()
            .is_some()
    }

    /// Declared sites.
    pub fn sites(&self) -> usize {
        self.sites.len()
    }

    fn positions(&self, regime: &Regime) -> usize {
        regime
            .padded_sites
            .map_or(self.sites.len(), |p| (p as usize).max(self.sites.len()))
    }

    /// Whether an inspection that visits site `k` with these designated items finds a
    /// difference, by the real comparison.
    fn finds(&self, k: usize, designated: &[String]) -> bool {
        let (name, declared) = &self.sites[k];
        if self.understated.contains(name) {
            return true;
        }
        let there = self.truth.get(name).into_iter().flatten();
        let observation = observe_site(name, there, designated);
        compare_site(declared, &observation, designated)
            .discrepancies()
            .next()
            .is_some()
    }

    /// Plays one year: a fresh declaration (sites at random positions among the padding), then
    /// every inspection with a fresh seed. Whether any inspection found a difference.
    pub fn play_year(&self, regime: &Regime, rng: &mut impl RngCore) -> bool {
        let n = self.positions(regime);
        let mut at: Vec<Option<usize>> = vec![None; n];
        for (site, pos) in rand::seq::index::sample(rng, n, self.sites.len())
            .into_iter()
            .enumerate()
        {
            at[pos] = Some(site);
        }
        for plan in &regime.inspections {
            for _ in 0..plan.per_year {
                let mut seed = [0u8; 32];
                rng.fill_bytes(&mut seed);
                if plan.selection.scope == SelectionScope::EmptyFacilities {
                    let chosen = select_facilities(&seed, &plan.selection, &self.empty_facilities);
                    if chosen.sites.iter().any(|s| self.finds_at_facility(&s.site)) {
                        return true;
                    }
                    continue;
                }
                let walk = walk_selection(&seed, &plan.selection, n, |p| match at[p] {
                    None => Position::Padding,
                    Some(k) => Position::Site(&self.sites[k].0, &self.sites[k].1),
                })
                .expect("every position is a site or padding");
                for s in &walk.sites {
                    let k = at[s.position as usize].expect("a selected position is a site");
                    if self.finds(k, &s.designated) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// The exact probability that one year's inspections find a difference, under the same
    /// model: each inspection selects its sites uniformly among the declared sites with items
    /// it checks (padding and other sites are skipped) or, for a check of empty facilities,
    /// among the registered empty facilities; a site-level difference (an item
    /// missing, undeclared or with other attributes, or counts committed below its items) is
    /// found whenever its site is visited,
    /// and a warhead difference when its item is among the designated ones (hypergeometric).
    pub fn exact_year(&self, regime: &Regime) -> f64 {
        let mut miss = 1.0;
        for plan in &regime.inspections {
            miss *= self
                .exact_miss_one(&plan.selection)
                .powi(plan.per_year as i32);
        }
        1.0 - miss
    }

    /// The probability that one inspection of this type finds nothing.
    fn exact_miss_one(&self, kind: &Selection) -> f64 {
        if kind.scope == SelectionScope::EmptyFacilities {
            let total = self.empty_facilities.len();
            let holding = self
                .empty_facilities
                .iter()
                .filter(|f| self.finds_at_facility(f))
                .count();
            return none_drawn(total, holding, total.min(kind.sites as usize));
        }
        let mut site_miss = Vec::new();
        for (k, (_, declared)) in self.sites.iter().enumerate() {
            let eligible = eligible_items(kind, declared);
            if eligible.is_empty() {
                continue;
            }
            if self.finds(k, &[]) {
                site_miss.push(0.0);
                continue;
            }
            let name = &self.sites[k].0;
            let truth = self.truth.get(name);
            let wrong = eligible
                .iter()
                .filter(|r| {
                    truth
                        .and_then(|t| t.iter().find(|x| x.uid == r.uid))
                        .is_some_and(|x| x.warheads != r.warheads)
                })
                .count();
            let total = eligible.len();
            let checked = match kind.items {
                ItemsPerSite::All => total,
                ItemsPerSite::Count(c) => total.min(c as usize),
            };
            site_miss.push(none_drawn(total, wrong, checked));
        }
        let s = site_miss.len();
        let k = (kind.sites as usize).min(s);
        if s == 0 {
            return 1.0;
        }
        // The mean over uniformly chosen k-subsets of the product of misses: the k-th
        // elementary symmetric polynomial over C(s, k).
        let mut e = vec![0.0; k + 1];
        e[0] = 1.0;
        for &m in &site_miss {
            for j in (1..=k).rev() {
                e[j] += e[j - 1] * m;
            }
        }
        e[k] / binomial(s, k)
    }
}

/// The probability that `drawn` items drawn without replacement from `total`, of which
/// `marked` are marked, include none of the marked: `C(total − marked, drawn) / C(total, drawn)`.
pub fn none_drawn(total: usize, marked: usize, drawn: usize) -> f64 {
    if drawn > total - marked {
        return 0.0;
    }
    (0..drawn).fold(1.0, |p, i| {
        p * (total - marked - i) as f64 / (total - i) as f64
    })
}

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64)
}

/// The detection probability within one number of years.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct YearEstimate {
    /// Years of inspections.
    pub years: u32,
    /// Trials in which a difference was found within those years.
    pub detected: u64,
    /// `detected / trials`.
    pub simulated: f64,
    /// Lower bound of the 95% Wilson interval.
    pub ci_low: f64,
    /// Upper bound of the 95% Wilson interval.
    pub ci_high: f64,
    /// The exact value of the same model: `1 − (1 − p_year)^years`.
    pub exact: f64,
}

/// A Monte Carlo run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegimeEstimate {
    /// Trials run.
    pub trials: u64,
    /// The seed: the same seed gives the same answer on any machine and thread count.
    pub seed: u64,
    /// Inspections per year, all types.
    pub inspections_per_year: u32,
    /// Detection within 1, 2, … years.
    pub per_year: Vec<YearEstimate>,
}

const CHUNK: u64 = 256;

/// Runs `trials` seeded trials of `years` years each in parallel chunks (each chunk its own
/// ChaCha8 stream of the seed); `progress` is told how many trials each chunk finished.
pub fn simulate(
    scenario: &Scenario,
    regime: &Regime,
    years: u32,
    trials: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> RegimeEstimate {
    let years = years.max(1);
    let chunks = trials.div_ceil(CHUNK);
    // first[y] = trials whose first detection was in year y+1.
    let first: Vec<u64> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let count = CHUNK.min(trials - c * CHUNK);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(c);
            let mut first = vec![0u64; years as usize];
            for _ in 0..count {
                if let Some(y) = (0..years as usize).find(|_| scenario.play_year(regime, &mut rng))
                {
                    first[y] += 1;
                }
            }
            progress(count);
            first
        })
        .reduce(
            || vec![0u64; years as usize],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let p_year = scenario.exact_year(regime);
    let mut detected = 0;
    let per_year = (1..=years)
        .map(|y| {
            detected += first[y as usize - 1];
            let (ci_low, ci_high) = wilson_interval(detected, trials);
            YearEstimate {
                years: y,
                detected,
                simulated: if trials == 0 {
                    0.0
                } else {
                    detected as f64 / trials as f64
                },
                ci_low,
                ci_high,
                exact: 1.0 - (1.0 - p_year).powi(y as i32),
            }
        })
        .collect();
    RegimeEstimate {
        trials,
        seed,
        inspections_per_year: regime.per_year(),
        per_year,
    }
}
