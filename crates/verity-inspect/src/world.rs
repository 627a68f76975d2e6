//! A ground-truth world for tests, exercises and the simulator: each party's true items, the
//! ways a declaration can differ from them, and observations drawn from the truth, so a party
//! whose declaration departs from its truth is caught exactly when an inspection visits a
//! difference.

use serde::Serialize;
use std::collections::BTreeMap;
use verity_escrow::ItemRecord;
use verity_log::{ObservedItem, SiteObservation};

/// One way a party's truth departs from what it declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Discrepancy {
    /// The item truly carries more warheads than declared.
    ExtraWarheads {
        /// The item.
        uid: String,
        /// Warheads beyond the declared number.
        extra: u64,
    },
    /// The item exists but is not declared at all.
    Undeclared {
        /// The true record.
        record: ItemRecord,
    },
    /// The item is declared at one site but truly at another.
    Relocated {
        /// The item.
        uid: String,
        /// Where it truly is.
        to_site: String,
    },
    /// The item is declared with one status but truly has another (e.g. declared
    /// non-deployed, truly deployed).
    StatusHidden {
        /// The item.
        uid: String,
        /// Its true status.
        true_status: String,
    },
}

impl Discrepancy {
    /// The UID concerned.
    pub fn uid(&self) -> &str {
        match self {
            Self::ExtraWarheads { uid, .. }
            | Self::Relocated { uid, .. }
            | Self::StatusHidden { uid, .. } => uid,
            Self::Undeclared { record } => &record.uid,
        }
    }
}

/// Each party's true items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct World {
    truth: BTreeMap<String, Vec<ItemRecord>>,
}

/// A discrepancy about an item the party never declared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{party}: no declared item `{uid}`")]
pub struct NoSuchItem {
    /// The party.
    pub party: String,
    /// The UID the discrepancy names.
    pub uid: String,
}

impl World {
    /// An empty world.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a party's truth to its declared items with the discrepancies applied. Returns an
    /// error naming a discrepancy whose UID is not among the declared items.
    pub fn set_truth(
        &mut self,
        party: &str,
        declared: &[ItemRecord],
        discrepancies: &[Discrepancy],
    ) -> Result<(), NoSuchItem> {
        let mut truth = declared.to_vec();
        for d in discrepancies {
            if let Discrepancy::Undeclared { record } = d {
                truth.push(record.clone());
                continue;
            }
            let item = truth
                .iter_mut()
                .find(|r| r.uid == d.uid())
                .ok_or_else(|| NoSuchItem {
                    party: party.to_string(),
                    uid: d.uid().to_string(),
                })?;
            match d {
                Discrepancy::ExtraWarheads { extra, .. } => item.warheads += extra,
                Discrepancy::Relocated { to_site, .. } => item.site = to_site.clone(),
                Discrepancy::StatusHidden { true_status, .. } => {
                    item.status = true_status.clone();
                }
                Discrepancy::Undeclared { .. } => unreachable!("handled above"),
            }
        }
        self.truth.insert(party.to_string(), truth);
        Ok(())
    }

    /// Sets a party's true items directly (e.g. from a cheating strategy's truth).
    pub fn set_items(&mut self, party: &str, items: Vec<ItemRecord>) {
        self.truth.insert(party.to_string(), items);
    }

    /// A party's true items.
    pub fn truth(&self, party: &str) -> &[ItemRecord] {
        self.truth.get(party).map_or(&[], Vec::as_slice)
    }

    /// Applies a real change to a party's truth (what a notification reports): the item
    /// with `uid` is replaced by `new`, or removed when `new` is `None`, or added.
    pub fn change(&mut self, party: &str, uid: &str, new: Option<ItemRecord>) {
        let items = self.truth.entry(party.to_string()).or_default();
        items.retain(|r| r.uid != uid);
        items.extend(new);
    }

    /// What honest inspectors record at `site`: every true item there, with warheads
    /// counted on the designated ones only.
    pub fn observe(&self, party: &str, site: &str, designated: &[String]) -> SiteObservation {
        observe_site(
            site,
            self.truth(party).iter().filter(|r| r.site == site),
            designated,
        )
    }
}

/// What honest inspectors record at `site`, given the items truly there: each item's
/// identifier, class, type and status as found, and warheads counted on the designated ones.
pub fn observe_site<'a>(
    site: &str,
    there: impl IntoIterator<Item = &'a ItemRecord>,
    designated: &[String],
) -> SiteObservation {
    let mut found: Vec<ObservedItem> = there
        .into_iter()
        .map(|r| ObservedItem {
            uid: r.uid.clone(),
            class: r.class.clone(),
            item_type: r.item_type.clone(),
            status: r.status.clone(),
            warheads: designated.contains(&r.uid).then_some(r.warheads),
        })
        .collect();
    found.sort_by(|a, b| a.uid.cmp(&b.uid));
    SiteObservation {
        site: site.to_string(),
        found,
    }
}

/// A small New START force: per base, deployed ICBMs (one warhead), SLBMs (four) or heavy
/// bombers, with launchers; plus one storage site of non-deployed missiles and launchers.
/// Synthetic: UIDs and site names are made up, sizes are for tests and exercises.
pub fn new_start_force(party: &str, bases: usize, per_base: usize) -> Vec<ItemRecord> {
    let mut out = Vec::new();
    let item =
        |uid: String, class: &str, kind: &str, site: &str, status: &str, w: u64| ItemRecord {
            uid,
            class: class.into(),
            item_type: kind.into(),
            site: site.into(),
            status: status.into(),
            warheads: w,
        };
    for b in 0..bases {
        let (class, kind, w, site) = match b % 3 {
            0 => ("icbm", "Minuteman III", 1, format!("{party}-ICBM-BASE-{b}")),
            1 => ("slbm", "Trident II D5", 4, format!("{party}-SUB-BASE-{b}")),
            _ => ("heavy_bomber", "B-52H", 1, format!("{party}-AIR-BASE-{b}")),
        };
        for k in 0..per_base {
            out.push(item(
                format!("{party}-{b}-{k:03}"),
                class,
                kind,
                &site,
                "deployed",
                w,
            ));
        }
        if class == "icbm" {
            out.push(item(
                format!("{party}-{b}-L"),
                "icbm_launcher",
                "Silo launcher",
                &site,
                "non-deployed",
                0,
            ));
        }
    }
    let store = format!("{party}-STORAGE");
    for k in 0..per_base {
        let (class, kind) = if k % 2 == 0 {
            ("icbm", "Minuteman III")
        } else {
            ("slbm", "Trident II D5")
        };
        out.push(item(
            format!("{party}-S-{k:03}"),
            class,
            kind,
            &store,
            "non-deployed",
            0,
        ));
    }
    out
}

/// A synthetic item list with SIPRI's deployed/stored/retired split: deployed warheads on
/// four-warhead ICBMs, stored and retired ones in containers of four, sites of bounded size.
pub fn synthetic_arsenal(party: &str, deployed: u64, stored: u64, retired: u64) -> Vec<ItemRecord> {
    let mut items = Vec::new();
    let mut add = |count: u64, class: &str, kind: &str, site: &str, status: &str, per_site: u64| {
        let mut left = count;
        let mut k = 0u64;
        while left > 0 {
            let w = left.min(4);
            items.push(ItemRecord {
                uid: format!("{party}-{site}-{k:05}"),
                class: class.into(),
                item_type: kind.into(),
                site: format!("{party}-{site}-{}", k / per_site),
                status: status.into(),
                warheads: w,
            });
            left -= w;
            k += 1;
        }
    };
    add(
        deployed,
        "icbm",
        "ICBM, 4 warheads",
        "BASE",
        "deployed",
        300,
    );
    add(
        stored,
        "warhead_container",
        "Container",
        "STORE",
        "non-deployed",
        1500,
    );
    add(
        retired,
        "warhead_container",
        "Container",
        "DISMANTLE",
        "retired",
        1500,
    );
    items
}
