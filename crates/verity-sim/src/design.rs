//! Regime design: for one inspection type, the fewest inspections a year (then the fewest
//! items checked per inspection) that reach a target detection probability within a number
//! of years against a strategy, with the trade-off between the two. Candidates are judged by
//! the exact value of the simulation's model, which is monotone in both parameters.

use serde::Serialize;
use verity_treaty::model::ItemsPerSite;

use crate::regime::{InspectionPlan, Regime, Scenario};

/// One row of the trade-off: with this many inspections a year, the fewest items per
/// inspection that reach the target (when any does).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradeOff {
    /// Inspections per year.
    pub inspections_per_year: u32,
    /// Least items designated per inspection reaching the target; `None` if none up to the
    /// search bound does (or the type checks every eligible item).
    pub items_per_inspection: Option<u32>,
    /// Detection probability within the years at that point (at the bound when unreached).
    pub exact: f64,
    /// Whether the target is reached.
    pub reaches: bool,
}

/// The search's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Design {
    /// The inspection type searched (others are off).
    pub inspection_type: String,
    /// Target probability.
    pub target: f64,
    /// Years of inspections.
    pub years: u32,
    /// Whether the type designates a number of items (else it checks all eligible).
    pub items_searched: bool,
    /// One row per number of inspections a year, 1 to the bound.
    pub trade_off: Vec<TradeOff>,
    /// The cheapest design reaching the target: fewest inspections, then fewest items.
    pub cheapest: Option<TradeOff>,
}

fn regime_with(
    base: &InspectionPlan,
    padded_sites: Option<u32>,
    per_year: u32,
    items: Option<u32>,
) -> Regime {
    let mut plan = base.clone();
    plan.per_year = per_year;
    if let Some(c) = items {
        plan.selection.items = ItemsPerSite::Count(c);
    }
    Regime {
        inspections: vec![plan],
        padded_sites,
    }
}

fn within(scenario: &Scenario, regime: &Regime, years: u32) -> f64 {
    1.0 - (1.0 - scenario.exact_year(regime)).powi(years as i32)
}

/// Searches inspections per year in `1..=max_inspections` and, for a type that designates a
/// number of items, items per inspection in `1..=max_items`.
pub fn search(
    scenario: &Scenario,
    plan: &InspectionPlan,
    padded_sites: Option<u32>,
    target: f64,
    years: u32,
    max_inspections: u32,
    max_items: u32,
) -> Design {
    let items_searched = matches!(plan.selection.items, ItemsPerSite::Count(_));
    let mut trade_off = Vec::new();
    for q in 1..=max_inspections {
        let row = if items_searched {
            // Probability grows with the items checked: binary search for the least.
            let p = |c| {
                within(
                    scenario,
                    &regime_with(plan, padded_sites, q, Some(c)),
                    years,
                )
            };
            if p(max_items) < target {
                TradeOff {
                    inspections_per_year: q,
                    items_per_inspection: None,
                    exact: p(max_items),
                    reaches: false,
                }
            } else {
                let (mut lo, mut hi) = (1, max_items);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if p(mid) >= target {
                        hi = mid
                    } else {
                        lo = mid + 1
                    }
                }
                TradeOff {
                    inspections_per_year: q,
                    items_per_inspection: Some(lo),
                    exact: p(lo),
                    reaches: true,
                }
            }
        } else {
            let p = within(scenario, &regime_with(plan, padded_sites, q, None), years);
            TradeOff {
                inspections_per_year: q,
                items_per_inspection: None,
                exact: p,
                reaches: p >= target,
            }
        };
        trade_off.push(row);
    }
    let cheapest = trade_off.iter().find(|r| r.reaches).cloned();
    Design {
        inspection_type: plan.inspection_type.clone(),
        target,
        years,
        items_searched,
        trade_off,
        cheapest,
    }
}
