//! Default true inventories: a synthetic item list per party from its SIPRI estimate
//! (`data/estimates.csv`), shaped by what the treaty counts. Under a treaty that accounts for
//! warheads in storage (a `warhead_container` class, as the trilateral draft), every warhead
//! is an item (`verity_inspect::synthetic_arsenal`); under one that counts delivery systems
//! (New START), the deployed warheads sit on missiles at bases.

use verity_escrow::ItemRecord;
use verity_treaty::figures::Estimate;
use verity_treaty::model::SelectionScope;
use verity_treaty::{PartyCode, Treaty};

/// Deployed missiles per ICBM base and per submarine base in the New START shape.
const ICBM_BASE: u64 = 150;
const SUB_BASE: u64 = 80;

/// The party's synthetic inventory from its estimate, in the treaty's classes.
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
        out.push(ItemRecord {
            uid,
            class: class.into(),
            item_type: kind.into(),
            site,
            status: status.into(),
            warheads: w,
        });
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
