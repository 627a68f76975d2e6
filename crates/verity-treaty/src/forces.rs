//! Strategic forces from the public record (`data/new_start_forces.csv`): for each party, its
//! counts in New START's categories and its numbers of bases, each figure with its date, its
//! basis (stated in a source, derived from stated figures, or assumed by Verity) and its source.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::TreatyError;
use crate::figures::{Cells, each_row};
use crate::party::PartyCode;

/// The figures a party's record may hold: New START category ids, then its bases.
pub const FORCE_FIGURES: [&str; 13] = [
    "deployed_icbms",
    "warheads_on_deployed_icbms",
    "deployed_slbms",
    "warheads_on_deployed_slbms",
    "deployed_heavy_bombers",
    "nondeployed_icbm_launchers",
    "nondeployed_slbm_launchers",
    "nondeployed_heavy_bombers",
    "nondeployed_icbms",
    "nondeployed_slbms",
    "icbm_bases",
    "submarine_bases",
    "air_bases",
];

/// How a figure is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FigureBasis {
    /// Published as such by the source.
    Stated,
    /// Computed from published figures (the source says how).
    Derived,
    /// Verity's assumption where nothing is published (the source says what is).
    Assumed,
}

impl FigureBasis {
    /// The `basis` cell of a figures row.
    pub(crate) fn from_cell(cells: &Cells<'_>) -> Result<Self, TreatyError> {
        match cells.required("basis")? {
            "stated" => Ok(Self::Stated),
            "derived" => Ok(Self::Derived),
            "assumed" => Ok(Self::Assumed),
            other => Err(cells.err(
                "basis",
                format!("expected `stated`, `derived` or `assumed`, found `{other}`"),
            )),
        }
    }

    /// The word in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stated => "stated",
            Self::Derived => "derived",
            Self::Assumed => "assumed",
        }
    }
}

/// One figure of a party's forces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForceFigure {
    /// Whose forces.
    pub party: PartyCode,
    /// The date the figure describes.
    pub as_of: NaiveDate,
    /// One of [`FORCE_FIGURES`].
    pub figure: String,
    /// The count.
    pub value: u64,
    /// Stated, derived or assumed.
    pub basis: FigureBasis,
    /// Where it comes from, or what it rests on.
    pub source: String,
}

/// A party's forces: every figure of [`FORCE_FIGURES`] it has, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForceRecord {
    /// Whose forces.
    pub party: PartyCode,
    /// The figures, by name.
    pub figures: BTreeMap<String, ForceFigure>,
}

impl ForceRecord {
    /// A figure's value (0 when the record does not have it).
    pub fn value(&self, figure: &str) -> u64 {
        self.figures.get(figure).map_or(0, |f| f.value)
    }

    /// The date of the record's deployed forces (its `deployed_icbms` figure).
    pub fn as_of(&self) -> Option<NaiveDate> {
        self.figures.get("deployed_icbms").map(|f| f.as_of)
    }

    /// True when any figure is Verity's assumption.
    pub fn has_assumptions(&self) -> bool {
        self.figures
            .values()
            .any(|f| f.basis == FigureBasis::Assumed)
    }
}

/// Reads a forces CSV: `party,as_of,figure,value,basis,source`. Every row needs a source; a
/// figure appears once per party; a party's record must hold every figure.
pub fn parse_forces(file: &str, text: &str) -> Result<Vec<ForceRecord>, TreatyError> {
    const COLS: [&str; 6] = ["party", "as_of", "figure", "value", "basis", "source"];
    let mut records: BTreeMap<PartyCode, ForceRecord> = BTreeMap::new();
    let mut lines: BTreeMap<(PartyCode, String), usize> = BTreeMap::new();
    let mut first_line: BTreeMap<PartyCode, usize> = BTreeMap::new();
    each_row(file, text, &COLS, |cells| {
        let party = PartyCode::parse(cells.required("party")?)
            .map_err(|m| cells.err("party", m.to_string()))?;
        let as_of = cells
            .date("as_of")?
            .ok_or_else(|| cells.err("as_of", "`as_of` is required".into()))?;
        let figure = cells.required("figure")?.to_string();
        if !FORCE_FIGURES.contains(&figure.as_str()) {
            return Err(cells.err(
                "figure",
                format!(
                    "unknown figure `{figure}`; expected one of {}",
                    FORCE_FIGURES.join(", ")
                ),
            ));
        }
        let value = cells.whole("value")?;
        let basis = FigureBasis::from_cell(cells)?;
        let source = cells.required("source")?.to_string();
        if let Some(first) = lines.insert((party, figure.clone()), cells.line) {
            return Err(cells.err(
                "figure",
                format!("a second `{figure}` for {party} (the first is on line {first})"),
            ));
        }
        first_line.entry(party).or_insert(cells.line);
        records
            .entry(party)
            .or_insert_with(|| ForceRecord {
                party,
                figures: BTreeMap::new(),
            })
            .figures
            .insert(
                figure.clone(),
                ForceFigure {
                    party,
                    as_of,
                    figure,
                    value,
                    basis,
                    source,
                },
            );
        Ok(())
    })?;
    for r in records.values() {
        if let Some(missing) = FORCE_FIGURES.iter().find(|f| !r.figures.contains_key(**f)) {
            return Err(TreatyError::Figures {
                at: crate::error::Location {
                    file: file.to_string(),
                    line: first_line.get(&r.party).copied().unwrap_or(1),
                    column: 1,
                    key: Some("figure".to_string()),
                },
                message: format!(
                    "{} has no `{missing}` figure; a party's record holds all of {}",
                    r.party,
                    FORCE_FIGURES.join(", ")
                ),
            });
        }
    }
    Ok(records.into_values().collect())
}
