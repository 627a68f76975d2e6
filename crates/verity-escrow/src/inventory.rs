//! Inventories: the CSV a party keeps of its treaty-accountable items
//! (`uid,class,type,site,status,warheads`), checked against the treaty's classes and statuses.

use crate::error::EscrowError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use verity_treaty::{ItemFacts, Tally, Treaty};

/// The longest text field we accept, in bytes (the commitment encoding prefixes a u16 length).
pub const MAX_FIELD_BYTES: usize = 256;

/// One accountable item as its owner records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRecord {
    /// Unique identifier (serial number, tail number, ...).
    pub uid: String,
    /// Item class as the treaty names it, e.g. `icbm`.
    pub class: String,
    /// Type designation, e.g. `Minuteman III`.
    #[serde(rename = "type")]
    pub item_type: String,
    /// The site (base, facility) where the item is.
    pub site: String,
    /// Status as the treaty names it, e.g. `deployed`.
    pub status: String,
    /// Warheads attributed to the item under the counting rules.
    pub warheads: u64,
}

/// Writes `u16be(len) ‖ utf8`; `None` for a field longer than a length prefix can say (such a
/// field was never committed: the escrow refuses fields over [`MAX_FIELD_BYTES`]).
pub(crate) fn put_field(out: &mut Vec<u8>, field: &str) -> Option<()> {
    let len = u16::try_from(field.len()).ok()?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field.as_bytes());
    Some(())
}

impl ItemRecord {
    /// The record's canonical encoding inside a commitment: each of uid, class, type, site and
    /// status as a big-endian u16 byte length followed by its UTF-8 bytes, then warheads as a
    /// big-endian u64. Unambiguous, and simple to reproduce outside our code. `None` when a
    /// field is longer than its length prefix can say: no commitment holds such a record.
    pub fn encode(&self, out: &mut Vec<u8>) -> Option<()> {
        for f in [
            &self.uid,
            &self.class,
            &self.item_type,
            &self.site,
            &self.status,
        ] {
            put_field(out, f)?;
        }
        out.extend_from_slice(&self.warheads.to_be_bytes());
        Some(())
    }

    /// The first field longer than [`MAX_FIELD_BYTES`], if any: such a record is not committed.
    pub fn oversized_field(&self) -> Option<&'static str> {
        [
            ("uid", &self.uid),
            ("class", &self.class),
            ("type", &self.item_type),
            ("site", &self.site),
            ("status", &self.status),
        ]
        .into_iter()
        .find(|(_, v)| v.len() > MAX_FIELD_BYTES)
        .map(|(name, _)| name)
    }

    /// The facts the counting rules need.
    pub fn facts(&self) -> ItemFacts<'_> {
        ItemFacts {
            class: &self.class,
            status: &self.status,
            warheads: self.warheads,
        }
    }
}

const COLUMNS: [&str; 6] = ["uid", "class", "type", "site", "status", "warheads"];

/// Reads and checks an inventory: exact header, every field present and at most
/// [`MAX_FIELD_BYTES`] bytes without control characters, classes and statuses the treaty
/// defines, warheads a whole number, and no UID twice. `file` names the input in errors.
pub fn parse_inventory(
    file: &str,
    text: &str,
    treaty: &Treaty,
) -> Result<Vec<ItemRecord>, EscrowError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| EscrowError::InventoryShape {
        file: file.to_string(),
        message: format!("unreadable header: {e}"),
    })?;
    let found: Vec<&str> = header.iter().collect();
    if found != COLUMNS {
        return Err(EscrowError::InventoryShape {
            file: file.to_string(),
            message: format!(
                "expected the header `{}`, found `{}`",
                COLUMNS.join(","),
                found.join(",")
            ),
        });
    }
    let mut items = Vec::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            EscrowError::Inventory {
                file: file.to_string(),
                line,
                column: "*".into(),
                message: format!("malformed CSV row: {e}"),
            }
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let err = |column: &str, message: String| EscrowError::Inventory {
            file: file.to_string(),
            line,
            column: column.to_string(),
            message,
        };
        let mut fields = [""; 6];
        for (i, col) in COLUMNS.iter().enumerate() {
            let value = record.get(i).unwrap_or("").trim();
            if value.is_empty() {
                return Err(err(col, "empty: every column needs a value".into()));
            }
            if value.len() > MAX_FIELD_BYTES {
                return Err(err(
                    col,
                    format!(
                        "{} bytes long; at most {MAX_FIELD_BYTES} are accepted",
                        value.len()
                    ),
                ));
            }
            if value.chars().any(char::is_control) {
                return Err(err(col, "contains a control character".into()));
            }
            if let Some(field) = fields.get_mut(i) {
                *field = value;
            }
        }
        let [uid, class, item_type, site, status, warheads] = fields;
        if !treaty.item_classes().iter().any(|c| c.id == class) {
            let known: Vec<&str> = treaty
                .item_classes()
                .iter()
                .map(|c| c.id.as_str())
                .collect();
            return Err(err(
                "class",
                format!(
                    "`{class}` is not an item class of `{}` (expected one of: {})",
                    treaty.id(),
                    known.join(", ")
                ),
            ));
        }
        if !treaty.item_statuses().iter().any(|s| s == status) {
            return Err(err(
                "status",
                format!(
                    "`{status}` is not an item status of `{}` (expected one of: {})",
                    treaty.id(),
                    treaty.item_statuses().join(", ")
                ),
            ));
        }
        let warheads: u64 = warheads.parse().map_err(|_| {
            err(
                "warheads",
                format!("expected a whole number of warheads, found `{warheads}`"),
            )
        })?;
        if warheads > 1_000 {
            return Err(err(
                "warheads",
                format!("{warheads} warheads on one item is not credible (at most 1,000)"),
            ));
        }
        if let Some(first) = seen.insert(uid.to_string(), line) {
            return Err(err(
                "uid",
                format!("`{uid}` is declared twice (first on line {first})"),
            ));
        }
        items.push(ItemRecord {
            uid: uid.to_string(),
            class: class.to_string(),
            item_type: item_type.to_string(),
            site: site.to_string(),
            status: status.to_string(),
            warheads,
        });
    }
    if items.is_empty() {
        return Err(EscrowError::InventoryShape {
            file: file.to_string(),
            message: "no items: a declaration needs at least one".into(),
        });
    }
    Ok(items)
}

/// Category counts of an inventory under the treaty's counting rules.
pub fn tally_items(treaty: &Treaty, items: &[ItemRecord]) -> Result<Tally, EscrowError> {
    treaty
        .tally(items.iter().map(ItemRecord::facts))
        .map_err(EscrowError::from)
}
