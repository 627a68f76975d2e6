//! Observation against declaration: what a site should hold (the opened declaration, amended
//! by the notifications recorded before the opening) compared item by item with what the
//! inspectors found there: match, mismatch (which fields), missing, undeclared.

use serde::Serialize;
use std::collections::BTreeMap;
use verity_escrow::ItemRecord;
use verity_log::{Notification, ObservedItem, SiteObservation};

/// One field that differs between the declared record and the item as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDifference {
    /// `class`, `type`, `status` or `warheads`.
    pub field: String,
    /// As declared (after notifications).
    pub declared: String,
    /// As found.
    pub found: String,
}

/// The outcome for one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum ItemOutcome {
    /// Found as declared.
    Match,
    /// Found, but differing in these fields.
    Mismatch {
        /// The differing fields.
        fields: Vec<FieldDifference>,
    },
    /// Declared at the site, not found there.
    Missing,
    /// Found at the site, not declared there.
    Undeclared,
}

/// One item's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemCheck {
    /// The item's UID.
    pub uid: String,
    /// Whether the item was designated (its warheads counted).
    pub designated: bool,
    /// The outcome.
    #[serde(flatten)]
    pub outcome: ItemOutcome,
}

/// The check of one visited site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteCheck {
    /// The site.
    pub site: String,
    /// Every item declared or found there, by UID.
    pub items: Vec<ItemCheck>,
    /// Designated items found but whose warheads the record does not give.
    pub uncounted: Vec<String>,
}

impl SiteCheck {
    /// The checks that are not a match.
    pub fn discrepancies(&self) -> impl Iterator<Item = &ItemCheck> {
        self.items
            .iter()
            .filter(|c| c.outcome != ItemOutcome::Match)
    }
}

/// What a site holds by the declaration's opened records amended by notifications (in log
/// order): an item leaves the site when a notification removes it or moves it elsewhere, and
/// joins when one creates it there or moves it in.
pub fn expected_at_site<'a>(
    site: &str,
    opened: &[ItemRecord],
    updates: impl IntoIterator<Item = &'a Notification>,
) -> Vec<ItemRecord> {
    let mut at: BTreeMap<String, ItemRecord> = opened
        .iter()
        .filter(|r| r.site == site)
        .map(|r| (r.uid.clone(), r.clone()))
        .collect();
    for n in updates {
        at.remove(&n.uid);
        if let Some(new) = &n.new
            && new.site == site
        {
            at.insert(n.uid.clone(), new.clone());
        }
    }
    at.into_values().collect()
}

fn differences(
    declared: &ItemRecord,
    found: &ObservedItem,
    designated: bool,
) -> Vec<FieldDifference> {
    let mut out = Vec::new();
    let mut field = |name: &str, d: &str, f: &str| {
        if d != f {
            out.push(FieldDifference {
                field: name.into(),
                declared: d.into(),
                found: f.into(),
            });
        }
    };
    field("class", &declared.class, &found.class);
    field("type", &declared.item_type, &found.item_type);
    field("status", &declared.status, &found.status);
    if designated && let Some(w) = found.warheads {
        field("warheads", &declared.warheads.to_string(), &w.to_string());
    }
    out
}

/// Compares a site's expected items with the observation. Warheads are compared for
/// designated items only (the others are not counted on site).
pub fn compare_site(
    expected: &[ItemRecord],
    observation: &SiteObservation,
    designated: &[String],
) -> SiteCheck {
    let found: BTreeMap<&str, &ObservedItem> = observation
        .found
        .iter()
        .map(|o| (o.uid.as_str(), o))
        .collect();
    let declared: BTreeMap<&str, &ItemRecord> =
        expected.iter().map(|r| (r.uid.as_str(), r)).collect();
    let mut items = Vec::new();
    let mut uncounted = Vec::new();
    let is_designated = |uid: &str| designated.iter().any(|d| d == uid);
    for (uid, record) in &declared {
        let designated = is_designated(uid);
        let outcome = match found.get(uid) {
            None => ItemOutcome::Missing,
            Some(o) => {
                if designated && o.warheads.is_none() {
                    uncounted.push((*uid).to_string());
                }
                let fields = differences(record, o, designated);
                if fields.is_empty() {
                    ItemOutcome::Match
                } else {
                    ItemOutcome::Mismatch { fields }
                }
            }
        };
        items.push(ItemCheck {
            uid: (*uid).to_string(),
            designated,
            outcome,
        });
    }
    for uid in found.keys() {
        if !declared.contains_key(uid) {
            items.push(ItemCheck {
                uid: (*uid).to_string(),
                designated: false,
                outcome: ItemOutcome::Undeclared,
            });
        }
    }
    items.sort_by(|a, b| a.uid.cmp(&b.uid));
    SiteCheck {
        site: observation.site.clone(),
        items,
        uncounted,
    }
}
