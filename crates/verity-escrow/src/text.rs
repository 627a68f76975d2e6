//! A treaty's operative text as one digest: what its parties, dates, item classes, counting
//! rules, limits, escrow bounds, disclosure stages, notifications and inspections say (not its
//! prose or citations), canonically encoded (RFC 8785) and hashed under its own label. A
//! declaration and its hidden-totals proof name the text they were made under; a verifier
//! recomputes the digest from the treaty it judges by, so a private copy that keeps a treaty's
//! id but counts otherwise is told apart.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use verity_treaty::Treaty;

use crate::digest::Digest;
use crate::domain::TREATY_TEXT;

/// The operative content of `treaty` as JSON (what its digest covers).
pub fn operative_text(treaty: &Treaty) -> Value {
    fn value<T: serde::Serialize>(v: &T) -> Value {
        serde_json::to_value(v).unwrap_or(Value::Null)
    }
    json!({
        "id": treaty.id(),
        "parties": treaty.parties(),
        "signed": treaty.dates().signed,
        "entry_into_force": treaty.dates().entry_into_force,
        "item_classes": treaty.item_classes().iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        "item_statuses": treaty.item_statuses(),
        "categories": treaty.categories().iter().map(|c| json!({
            "id": c.id,
            "counts": value(&c.counts),
        })).collect::<Vec<_>>(),
        "limits": treaty.limits().iter().map(|l| json!({
            "id": l.id,
            "max": value(&l.max),
            "terms": l.terms,
            "applies_from": l.applies_from,
        })).collect::<Vec<_>>(),
        "data_exchange": treaty.data_exchange().map(|d| json!({
            "initial_deadline_days": d.initial_deadline_days,
            "period_months": d.period_months,
            "deadline_days": d.deadline_days,
        })),
        "notifications": treaty.notifications().iter().map(|n| json!({
            "id": n.id,
            "events": value(&n.events),
            "deadline": value(&n.deadline),
        })).collect::<Vec<_>>(),
        "inspections": treaty.inspections().iter().map(|i| json!({
            "id": i.id,
            "quota_per_year": i.quota_per_year,
            "pair_quotas": value(&i.pair_quotas),
            "quota_year": value(&i.quota_year),
            "earliest_days_after_entry_into_force": i.earliest_days_after_entry_into_force,
            "selection": value(&i.selection),
        })).collect::<Vec<_>>(),
        "inspection_protocol": treaty.inspection_protocol().map(|p| json!({
            "seed_reveal_days": p.seed_reveal_days,
            "opening_days": p.opening_days,
            "if_inspected_withholds": value(&p.if_inspected_withholds),
            "if_inspecting_withholds": value(&p.if_inspecting_withholds),
        })),
        "disclosure_stages": treaty.disclosure_stages().iter().map(|s| json!({
            "stage": s.stage,
            "level": s.level,
            "opens": s.opens,
            "months_after_entry_into_force": s.months_after_entry_into_force,
        })).collect::<Vec<_>>(),
        "escrow": treaty.escrow().map(|e| json!({
            "hidden_totals": e.hidden_totals,
            "totals_revealed_at_stage": e.totals_revealed_at_stage,
            "padded_sites": e.padded_sites,
            "padded_items_per_site": e.padded_items_per_site,
        })),
    })
}

/// `SHA-256("verity/treaty/operative/v1\n" ‖ JCS(operative text))`.
pub fn treaty_digest(treaty: &Treaty) -> Digest {
    let text = serde_jcs::to_vec(&operative_text(treaty)).unwrap_or_default();
    Digest(
        Sha256::new()
            .chain_update(TREATY_TEXT)
            .chain_update(&text)
            .finalize()
            .into(),
    )
}
