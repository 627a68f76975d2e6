//! Default true inventories, shaped by what the treaty counts. Under a treaty that accounts for
//! warheads in storage (a `warhead_container` class, as the trilateral draft), every warhead of
//! the party's SIPRI estimate is an item (`verity_inspect::synthetic_arsenal`); under one that
//! counts delivery systems (New START), the party's forces from the record
//! (`data/new_start_forces.csv`: its missiles, bombers, launchers and bases as declared) are laid
//! out base by base, and only a party without a record falls back to its SIPRI deployed count.

use serde::Serialize;
use verity_escrow::ItemRecord;
use verity_treaty::figures::Estimate;
use verity_treaty::forces::ForceRecord;
use verity_treaty::model::SelectionScope;
use verity_treaty::{PartyCode, Treaty};

/// A party's honest inventory and where its figures come from.
#[derive(Debug, Clone)]
pub struct HonestForces {
    /// The items, in the treaty's classes and statuses.
    pub items: Vec<ItemRecord>,
    /// Where the figures come from.
    pub basis: ForcesBasis,
}

/// Where a party's honest inventory comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ForcesBasis {
    /// Its declared forces from the record, as of a date.
    Record {
        /// The date of its deployed forces' figures.
        as_of: Option<chrono::NaiveDate>,
        /// True when some figure (a split the party never published) is Verity's assumption.
        with_assumptions: bool,
    },
    /// An inventory file the user gave.
    Inventory {
        /// The file.
        file: String,
    },
    /// Its SIPRI-style estimate.
    Estimate {
        /// The publication.
        edition: String,
        /// The year of the estimate.
        year: i32,
    },
}

impl ForcesBasis {
    /// The basis in words, for a table.
    pub fn describe(&self) -> String {
        match self {
            Self::Record {
                as_of,
                with_assumptions,
            } => format!(
                "declared forces as of {}{} (data/new_start_forces.csv)",
                as_of.map_or("an unknown date".to_string(), |d| d.to_string()),
                if *with_assumptions {
                    "; split by leg assumed"
                } else {
                    ""
                }
            ),
            Self::Inventory { file } => format!("inventory {file}"),
            Self::Estimate { edition, year } => format!("{edition}, {year}"),
        }
    }
}

/// True when the treaty counts delivery systems in New START's classes and statuses, so a
/// party's declared forces can be laid out under it.
pub fn counts_delivery_systems(treaty: &Treaty) -> bool {
    let classes = treaty.item_classes();
    let statuses = treaty.item_statuses();
    [
        "icbm",
        "slbm",
        "heavy_bomber",
        "icbm_launcher",
        "slbm_launcher",
    ]
    .iter()
    .all(|c| classes.iter().any(|k| k.id == *c))
        && ["deployed", "non-deployed"]
            .iter()
            .all(|s| statuses.iter().any(|k| k == s))
        && !classes.iter().any(|c| c.id == "warhead_container")
}

/// The party's honest inventory under the treaty: its declared forces from `records` when the
/// treaty counts delivery systems and the record has the party, else from its estimate.
pub fn honest_forces(
    treaty: &Treaty,
    party: PartyCode,
    e: &Estimate,
    records: &[ForceRecord],
) -> HonestForces {
    if counts_delivery_systems(treaty)
        && let Some(r) = records.iter().find(|r| r.party == party)
    {
        return HonestForces {
            items: recorded_inventory(r),
            basis: ForcesBasis::Record {
                as_of: r.as_of(),
                with_assumptions: r.has_assumptions(),
            },
        };
    }
    HonestForces {
        items: synthetic_inventory(treaty, party, e),
        basis: ForcesBasis::Estimate {
            edition: e.edition.clone(),
            year: e.year,
        },
    }
}

/// One synthetic item.
fn item(
    uid: String,
    class: &str,
    kind: &str,
    site: String,
    status: &str,
    warheads: u64,
) -> ItemRecord {
    ItemRecord {
        uid,
        class: class.into(),
        item_type: kind.into(),
        site,
        status: status.into(),
        warheads,
    }
}

/// The `i`-th of `n` items spread evenly over `sites` sites: its 1-based site number.
fn site_of(i: u64, n: u64, sites: u64) -> u64 {
    if n == 0 || sites == 0 {
        return 1;
    }
    i * sites / n + 1
}

/// `total` warheads over `n` missiles as evenly as they go: the `i`-th missile's load.
fn load_of(i: u64, n: u64, total: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    total / n + u64::from(i < total % n)
}

/// A party's declared forces as items: deployed missiles at their bases carrying the
/// declared warheads (spread as evenly as they go), deployed bombers at air bases, empty
/// launchers at the bases of their leg, non-deployed bombers at air bases and non-deployed
/// missiles at one storage facility per leg. A bomber item carries no warhead: New START
/// counts one for it by rule, and bomber weapons are stored apart.
pub fn recorded_inventory(r: &ForceRecord) -> Vec<ItemRecord> {
    let code = r.party.as_str();
    let mut out = Vec::new();
    let mut push = |uid: String, class: &str, kind: &str, site: String, status: &str, w: u64| {
        out.push(item(uid, class, kind, site, status, w));
    };
    struct Leg<'a> {
        class: &'a str,
        kind: &'a str,
        uid: &'a str,
        base: &'a str,
        bases: &'a str,
        deployed: &'a str,
        warheads: Option<&'a str>,
    }
    let legs = [
        Leg {
            class: "icbm",
            kind: "ICBM",
            uid: "ICBM",
            base: "ICBM-BASE",
            bases: "icbm_bases",
            deployed: "deployed_icbms",
            warheads: Some("warheads_on_deployed_icbms"),
        },
        Leg {
            class: "slbm",
            kind: "SLBM",
            uid: "SLBM",
            base: "SUB-BASE",
            bases: "submarine_bases",
            deployed: "deployed_slbms",
            warheads: Some("warheads_on_deployed_slbms"),
        },
        Leg {
            class: "heavy_bomber",
            kind: "heavy bomber",
            uid: "HB",
            base: "AIR-BASE",
            bases: "air_bases",
            deployed: "deployed_heavy_bombers",
            warheads: None,
        },
    ];
    for leg in &legs {
        let n = r.value(leg.deployed);
        let bases = r.value(leg.bases).max(1);
        let total = leg.warheads.map_or(0, |w| r.value(w));
        for i in 0..n {
            push(
                format!("{code}-{}-{i:05}", leg.uid),
                leg.class,
                leg.kind,
                format!("{code}-{}-{}", leg.base, site_of(i, n, bases)),
                "deployed",
                load_of(i, n, total),
            );
        }
    }
    let empty = [
        (
            "icbm_launcher",
            "ICBM launcher",
            "ICBM-LAUNCHER",
            "ICBM-BASE",
            "icbm_bases",
            "nondeployed_icbm_launchers",
        ),
        (
            "slbm_launcher",
            "SLBM launcher",
            "SLBM-LAUNCHER",
            "SUB-BASE",
            "submarine_bases",
            "nondeployed_slbm_launchers",
        ),
        (
            "heavy_bomber",
            "heavy bomber",
            "HB-ND",
            "AIR-BASE",
            "air_bases",
            "nondeployed_heavy_bombers",
        ),
    ];
    for (class, kind, uid, base, bases, figure) in empty {
        let n = r.value(figure);
        let bases = r.value(bases).max(1);
        for i in 0..n {
            push(
                format!("{code}-{uid}-{i:05}"),
                class,
                kind,
                format!("{code}-{base}-{}", site_of(i, n, bases)),
                "non-deployed",
                0,
            );
        }
    }
    for (class, kind, leg, figure) in [
        ("icbm", "ICBM", "ICBM", "nondeployed_icbms"),
        ("slbm", "SLBM", "SLBM", "nondeployed_slbms"),
    ] {
        for i in 0..r.value(figure) {
            push(
                format!("{code}-{leg}-ND-{i:05}"),
                class,
                kind,
                format!("{code}-{leg}-STORAGE"),
                "non-deployed",
                0,
            );
        }
    }
    out
}

/// Deployed missiles per ICBM base and per submarine base in the New START shape.
const ICBM_BASE: u64 = 150;
const SUB_BASE: u64 = 80;

/// The party's synthetic inventory from its estimate, in the treaty's classes: every warhead
/// under a treaty with warhead containers; else, for a party with no declared forces on
/// record, its deployed warheads on missiles (a quarter on single-warhead ICBMs, the rest four
/// to an SLBM) with no bombers, which may exceed a delivery-system treaty's limits.
pub fn synthetic_inventory(treaty: &Treaty, party: PartyCode, e: &Estimate) -> Vec<ItemRecord> {
    let code = party.as_str();
    let (deployed, stored, retired) = (
        e.deployed.unwrap_or(0),
        e.stored.unwrap_or(0),
        e.retired.unwrap_or(0),
    );
    if treaty
        .item_classes()
        .iter()
        .any(|c| c.id == "warhead_container")
    {
        return verity_inspect::synthetic_arsenal(code, deployed, stored, retired);
    }
    // A quarter of the deployed warheads on single-warhead ICBMs, the rest on four-warhead
    // SLBMs; a tenth as many non-deployed missiles in storage.
    let icbms = deployed / 4;
    let slbms = (deployed - icbms).div_ceil(4);
    let mut out = Vec::new();
    let mut push = |uid: String, class: &str, kind: &str, site: String, status: &str, w: u64| {
        out.push(item(uid, class, kind, site, status, w));
    };
    for i in 0..icbms {
        let site = format!("{code}-ICBM-BASE-{}", i / ICBM_BASE);
        push(
            format!("{code}-ICBM-{i:05}"),
            "icbm",
            "ICBM",
            site,
            "deployed",
            1,
        );
    }
    let mut left = deployed - icbms;
    for i in 0..slbms {
        let w = left.min(4);
        left -= w;
        let site = format!("{code}-SUB-BASE-{}", i / SUB_BASE);
        push(
            format!("{code}-SLBM-{i:05}"),
            "slbm",
            "SLBM",
            site,
            "deployed",
            w,
        );
    }
    for i in 0..(icbms + slbms) / 10 {
        let class = if i % 2 == 0 { "icbm" } else { "slbm" };
        push(
            format!("{code}-STORED-{i:05}"),
            class,
            "missile",
            format!("{code}-STORAGE"),
            "non-deployed",
            0,
        );
    }
    out
}

/// Facilities each synthetic party registers as holding no accountable item (former storage
/// sites, closed bases). A synthetic figure for exercises, not an estimate: public sources
/// give no count of empty warhead-capable facilities. Four per party.
pub const SYNTHETIC_EMPTY_FACILITIES: usize = 4;

/// The synthetic register of empty facilities, when the treaty checks them (else empty:
/// nothing would draw among them).
pub fn synthetic_register(treaty: &Treaty, party: PartyCode) -> Vec<String> {
    let checked = treaty
        .inspections()
        .iter()
        .any(|k| k.selection.scope == SelectionScope::EmptyFacilities);
    if !checked {
        return Vec::new();
    }
    (1..=SYNTHETIC_EMPTY_FACILITIES)
        .map(|i| format!("{}-FORMER-STORE-{i}", party.as_str()))
        .collect()
}
