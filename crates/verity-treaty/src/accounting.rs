//! Disputed accounting: how many items of each disputed category a party held
//! (`data/new_start_accountability.csv`), and every limit verdict of that party seen under each
//! other party's position beside its own accounting. The declaring party's verdict stands; a
//! position's figure is shown as claimed, never adjudicated.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::Treaty;
use crate::compliance::{LimitVerdict, Verdict};
use crate::error::TreatyError;
use crate::figures::each_row;
use crate::forces::FigureBasis;
use crate::party::PartyCode;

/// How many items of a disputed category a party held on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountedCount {
    /// The date the count describes.
    pub as_of: NaiveDate,
    /// Whose items.
    pub party: PartyCode,
    /// A category of the treaty.
    pub category: String,
    /// The count.
    pub value: u64,
    /// Stated, derived or assumed.
    pub basis: FigureBasis,
    /// Where it comes from.
    pub source: String,
}

/// Reads an accountability CSV for `treaty`: `as_of,party,category,value,basis,source`. Every
/// category must be the treaty's; a party, category and date appear once.
pub fn parse_accountability(
    file: &str,
    text: &str,
    treaty: &Treaty,
) -> Result<Vec<AccountedCount>, TreatyError> {
    const COLS: [&str; 6] = ["as_of", "party", "category", "value", "basis", "source"];
    let mut seen: BTreeMap<(PartyCode, String, NaiveDate), usize> = BTreeMap::new();
    each_row(file, text, &COLS, |cells| {
        let as_of = cells
            .date("as_of")?
            .ok_or_else(|| cells.err("as_of", "`as_of` is required".into()))?;
        let party = PartyCode::parse(cells.required("party")?)
            .map_err(|m| cells.err("party", m.to_string()))?;
        if !treaty.parties().contains(&party) {
            return Err(cells.err(
                "party",
                format!("{party} is not a party to `{}`", treaty.id()),
            ));
        }
        let category = cells.required("category")?.to_string();
        if !treaty.categories().iter().any(|c| c.id == category) {
            return Err(cells.err(
                "category",
                format!("`{category}` is not a category of `{}`", treaty.id()),
            ));
        }
        let value = cells.whole("value")?;
        let basis = FigureBasis::from_cell(cells)?;
        let source = cells.required("source")?.to_string();
        if let Some(first) = seen.insert((party, category.clone(), as_of), cells.line) {
            return Err(cells.err(
                "category",
                format!(
                    "a second `{category}` for {party} as of {as_of} (the first is on line {first})"
                ),
            ));
        }
        Ok(AccountedCount {
            as_of,
            party,
            category,
            value,
            basis,
            source,
        })
    })
}

/// One disputed category's count as a position adds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedCount {
    /// The category.
    pub category: String,
    /// Its coefficient in the position.
    pub coefficient: u64,
    /// The count: the latest on or before the verdict's date.
    pub count: AccountedCount,
}

/// A limit verdict of the declaring party beside the same limit under another party's position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PositionVerdict {
    /// The position's id.
    pub position: String,
    /// What the position says.
    pub position_name: String,
    /// Who holds it.
    pub held_by: PartyCode,
    /// The verdict under the declaring party's accounting (the one that stands).
    pub declared: LimitVerdict,
    /// What the position adds, each count with its date and source.
    pub added: Vec<AddedCount>,
    /// The value under the position.
    pub value: u64,
    /// `max − value` under the position.
    pub margin: i64,
    /// The verdict the position implies (claimed, not adjudicated).
    pub verdict: Verdict,
    /// Where the position is stated.
    pub reference: String,
}

/// Every verdict on a figure of a party some position is about, for a limit the position adds
/// to, beside the position's figure. A verdict without a value (unknown, withheld, not in
/// force) is left out, and so is one whose date precedes a count of every added category.
pub fn judge_positions(
    treaty: &Treaty,
    verdicts: &[LimitVerdict],
    counts: &[AccountedCount],
) -> Vec<PositionVerdict> {
    let mut out = Vec::new();
    for position in treaty.accounting_positions() {
        for v in verdicts.iter().filter(|v| v.party == position.about) {
            let (Some(adds), Some(declared)) = (position.adds.get(&v.limit), v.value) else {
                continue;
            };
            if v.verdict == Verdict::NotInForce {
                continue;
            }
            let added: Option<Vec<AddedCount>> = adds
                .iter()
                .map(|(category, k)| {
                    counts
                        .iter()
                        .filter(|c| {
                            c.party == v.party && &c.category == category && c.as_of <= v.date
                        })
                        .max_by_key(|c| c.as_of)
                        .map(|c| AddedCount {
                            category: category.clone(),
                            coefficient: *k,
                            count: c.clone(),
                        })
                })
                .collect();
            let Some(added) = added else {
                continue;
            };
            let value = declared
                + added
                    .iter()
                    .map(|a| a.coefficient * a.count.value)
                    .sum::<u64>();
            let margin =
                i64::try_from(v.max).unwrap_or(i64::MAX) - i64::try_from(value).unwrap_or(i64::MAX);
            out.push(PositionVerdict {
                position: position.id.clone(),
                position_name: position.name.clone(),
                held_by: position.held_by,
                declared: v.clone(),
                added,
                value,
                margin,
                verdict: Verdict::of(Some(value), v.max, v.date, v.applies_from),
                reference: position.reference.clone(),
            });
        }
    }
    out
}
