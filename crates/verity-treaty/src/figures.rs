//! Public figures as Verity ships them: New START aggregate data exchanges (one row per party
//! and as-of date, a column per limit) and SIPRI-style warhead estimates per state and year.
//! Parsers take text, reject anything malformed with file, line and column, and never invent a
//! missing figure: an empty cell stays `None`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::Treaty;
use crate::compliance::{DeclaredFigures, ExchangeStatus};
use crate::error::{Location, TreatyError};
use crate::party::PartyCode;

/// Columns of an aggregates file that are not limits.
const AGGREGATE_META: [&str; 6] = ["date", "party", "status", "delivered", "derived", "source"];

pub(crate) struct Cells<'a> {
    pub(crate) file: &'a str,
    pub(crate) header: &'a [String],
    pub(crate) record: csv::StringRecord,
    pub(crate) line: usize,
}

impl Cells<'_> {
    fn at(&self, column: &str) -> Location {
        let idx = self.header.iter().position(|h| h == column).unwrap_or(0);
        Location {
            file: self.file.to_string(),
            line: self.line,
            column: idx + 1,
            key: Some(column.to_string()),
        }
    }

    pub(crate) fn err(&self, column: &str, message: String) -> TreatyError {
        TreatyError::Figures {
            at: self.at(column),
            message,
        }
    }

    pub(crate) fn get(&self, column: &str) -> &str {
        self.header
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
            .trim()
    }

    pub(crate) fn date(&self, column: &str) -> Result<Option<NaiveDate>, TreatyError> {
        let s = self.get(column);
        if s.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| self.err(column, format!("expected a date YYYY-MM-DD, found `{s}`")))
    }

    fn count(&self, column: &str) -> Result<Option<u64>, TreatyError> {
        let s = self.get(column);
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<u64>().map(Some).map_err(|_| {
            self.err(
                column,
                format!(
                    "expected a whole number or an empty cell for a missing figure, found `{s}`"
                ),
            )
        })
    }

    /// A required whole number.
    pub(crate) fn whole(&self, column: &str) -> Result<u64, TreatyError> {
        let s = self.required(column)?;
        s.parse()
            .map_err(|_| self.err(column, format!("expected a whole number, found `{s}`")))
    }

    pub(crate) fn required(&self, column: &str) -> Result<&str, TreatyError> {
        let s = self.get(column);
        if s.is_empty() {
            Err(self.err(column, format!("`{column}` is required")))
        } else {
            Ok(s)
        }
    }
}

/// A CSV record with the line it starts on.
pub(crate) type NumberedRecord = (usize, csv::StringRecord);

pub(crate) fn read_rows(
    file: &str,
    text: &str,
) -> Result<(Vec<String>, Vec<NumberedRecord>), TreatyError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes());
    let csv_err = |e: csv::Error| {
        let line = e
            .position()
            .map_or(1, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        TreatyError::Figures {
            at: Location {
                file: file.to_string(),
                line,
                column: 1,
                key: None,
            },
            message: format!("malformed CSV: {e}"),
        }
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        rows.push((line, rec));
    }
    Ok((header, rows))
}

/// Every data row of a CSV whose header must be exactly `columns`, read by `row` from cells
/// that locate their errors (file, line, column).
pub(crate) fn each_row<T>(
    file: &str,
    text: &str,
    columns: &[&str],
    mut row: impl FnMut(&Cells<'_>) -> Result<T, TreatyError>,
) -> Result<Vec<T>, TreatyError> {
    let (header, rows) = read_rows(file, text)?;
    exact_header(file, &header, columns)?;
    rows.into_iter()
        .map(|(line, record)| {
            row(&Cells {
                file,
                header: &header,
                record,
                line,
            })
        })
        .collect()
}

fn header_error(file: &str, column: usize, name: &str, message: String) -> TreatyError {
    TreatyError::Figures {
        at: Location {
            file: file.to_string(),
            line: 1,
            column,
            key: Some(name.to_string()),
        },
        message,
    }
}

/// Reads an aggregates CSV for `treaty`: columns `date`, `party`, one column per limit id (any
/// subset), and optionally `status` (`provided`, `withheld`, or `published-only` for figures
/// published without being exchanged), `delivered` (date), `derived`
/// (limit ids separated by `;`) and `source`. Rows come back sorted by date, then party.
pub fn parse_aggregates(
    file: &str,
    text: &str,
    treaty: &Treaty,
) -> Result<Vec<DeclaredFigures>, TreatyError> {
    let (header, rows) = read_rows(file, text)?;
    let limit_ids: Vec<&str> = treaty.limits().iter().map(|l| l.id.as_str()).collect();
    let mut seen_cols = BTreeSet::new();
    for (i, h) in header.iter().enumerate() {
        if !seen_cols.insert(h.as_str()) {
            return Err(header_error(
                file,
                i + 1,
                h,
                format!("column `{h}` appears twice"),
            ));
        }
        if !AGGREGATE_META.contains(&h.as_str()) && !limit_ids.contains(&h.as_str()) {
            return Err(header_error(
                file,
                i + 1,
                h,
                format!(
                    "unknown column `{h}`: expected a limit of `{}` ({}) or one of {}",
                    treaty.id(),
                    limit_ids.join(", "),
                    AGGREGATE_META.join(", ")
                ),
            ));
        }
    }
    for required in ["date", "party"] {
        if !seen_cols.contains(required) {
            return Err(header_error(
                file,
                1,
                required,
                format!("missing column `{required}`"),
            ));
        }
    }
    let limit_cols: Vec<&String> = header
        .iter()
        .filter(|h| limit_ids.contains(&h.as_str()))
        .collect();
    if limit_cols.is_empty() {
        return Err(header_error(
            file,
            1,
            "",
            format!(
                "no limit column: expected at least one of {}",
                limit_ids.join(", ")
            ),
        ));
    }

    let mut out: Vec<DeclaredFigures> = Vec::new();
    let mut keys: BTreeMap<(NaiveDate, PartyCode), usize> = BTreeMap::new();
    for (line, record) in rows {
        let cells = Cells {
            file,
            header: &header,
            record,
            line,
        };
        let as_of = cells
            .date("date")?
            .ok_or_else(|| cells.err("date", "`date` is required".into()))?;
        let party_text = cells.required("party")?;
        let party = PartyCode::parse(party_text).map_err(|m| cells.err("party", m.to_string()))?;
        if !treaty.parties().contains(&party) {
            return Err(cells.err(
                "party",
                format!("{party} is not a party to `{}`", treaty.id()),
            ));
        }
        if let Some(first) = keys.insert((as_of, party), line) {
            return Err(cells.err(
                "date",
                format!("a second row for {party} as of {as_of} (the first is on line {first})"),
            ));
        }
        let exchange = match cells.get("status") {
            "" | "provided" => ExchangeStatus::Provided,
            "withheld" => ExchangeStatus::Withheld,
            "published-only" => ExchangeStatus::PublishedOnly,
            other => {
                return Err(cells.err(
                    "status",
                    format!("expected `provided`, `withheld`, `published-only` or empty, found `{other}`"),
                ));
            }
        };
        let mut values = BTreeMap::new();
        for col in &limit_cols {
            let v = cells.count(col)?;
            if exchange == ExchangeStatus::Withheld && v.is_some() {
                return Err(cells.err(col, "a withheld exchange cannot carry figures".into()));
            }
            values.insert((*col).clone(), v);
        }
        let delivered = cells.date("delivered")?;
        if delivered.is_some_and(|d| d < as_of) {
            return Err(cells.err(
                "delivered",
                format!("delivered before the as-of date {as_of}"),
            ));
        }
        let mut derived = Vec::new();
        for d in cells
            .get("derived")
            .split(';')
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            if !limit_cols.iter().any(|c| c.as_str() == d) {
                return Err(cells.err(
                    "derived",
                    format!("`{d}` is not a limit column of this file"),
                ));
            }
            if values.get(d).copied().flatten().is_none() {
                return Err(cells.err(
                    "derived",
                    format!("`{d}` is marked derived but has no value"),
                ));
            }
            derived.push(d.to_string());
        }
        out.push(DeclaredFigures {
            party,
            as_of,
            values,
            exchange,
            delivered,
            derived,
            source: cells.get("source").to_string(),
            origin: format!("{file}:{line}"),
        });
    }
    // By date, then in the treaty's order of parties.
    out.sort_by_key(|r| (r.as_of, treaty.parties().iter().position(|p| *p == r.party)));
    Ok(out)
}

/// One state's estimated warhead inventory in one year (as of January).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// ISO 3166 alpha-3 code.
    pub state: PartyCode,
    /// State name.
    pub name: String,
    /// Year (inventories as of January).
    pub year: i32,
    /// Total inventory: deployed, stored, and retired awaiting dismantlement.
    pub total_inventory: Option<u64>,
    /// Deployed on missiles or at bases with operational forces.
    pub deployed: Option<u64>,
    /// Stored (in the military stockpile, not deployed).
    pub stored: Option<u64>,
    /// Retired awaiting dismantlement.
    pub retired: Option<u64>,
    /// The publication the figures come from, e.g. `SIPRI Yearbook 2025`.
    pub edition: String,
    /// Where the figures were read.
    pub source: String,
}

/// A world total published by an estimator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorldTotal {
    /// Who published it (`SIPRI`, `FAS`).
    pub estimator: String,
    /// Year (as of January).
    pub year: i32,
    /// Total inventory.
    pub total_inventory: u64,
    /// Military stockpiles (deployed plus stored).
    pub military_stockpile: Option<u64>,
    /// Deployed.
    pub deployed: Option<u64>,
    /// Where the figures were read.
    pub source: String,
}

pub(crate) fn exact_header(
    file: &str,
    header: &[String],
    expected: &[&str],
) -> Result<(), TreatyError> {
    for (i, want) in expected.iter().enumerate() {
        match header.get(i) {
            Some(h) if h == want => {}
            found => {
                return Err(header_error(
                    file,
                    i + 1,
                    want,
                    format!(
                        "expected column `{want}` here, found {}; the header is {}",
                        found.map_or("nothing".to_string(), |f| format!("`{f}`")),
                        expected.join(",")
                    ),
                ));
            }
        }
    }
    if let Some(extra) = header.get(expected.len()) {
        return Err(header_error(
            file,
            expected.len() + 1,
            extra,
            format!(
                "unexpected column `{extra}`; the header is {}",
                expected.join(",")
            ),
        ));
    }
    Ok(())
}

/// Reads an estimates CSV: `state,name,year,total_inventory,deployed,stored,retired,edition,source`.
/// Every row needs a source; a state and year appear once; parts must not exceed the total.
pub fn parse_estimates(file: &str, text: &str) -> Result<Vec<Estimate>, TreatyError> {
    const COLS: [&str; 9] = [
        "state",
        "name",
        "year",
        "total_inventory",
        "deployed",
        "stored",
        "retired",
        "edition",
        "source",
    ];
    let (header, rows) = read_rows(file, text)?;
    exact_header(file, &header, &COLS)?;
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    for (line, record) in rows {
        let cells = Cells {
            file,
            header: &header,
            record,
            line,
        };
        let state = PartyCode::parse(cells.required("state")?)
            .map_err(|m| cells.err("state", m.to_string()))?;
        let year_text = cells.required("year")?;
        let year: i32 = year_text
            .parse()
            .ok()
            .filter(|y| (1945..=2100).contains(y))
            .ok_or_else(|| {
                cells.err(
                    "year",
                    format!("expected a year between 1945 and 2100, found `{year_text}`"),
                )
            })?;
        if let Some(first) = seen.insert((state, year), line) {
            return Err(cells.err(
                "state",
                format!("a second row for {state} in {year} (the first is on line {first})"),
            ));
        }
        let e = Estimate {
            state,
            name: cells.required("name")?.to_string(),
            year,
            total_inventory: cells.count("total_inventory")?,
            deployed: cells.count("deployed")?,
            stored: cells.count("stored")?,
            retired: cells.count("retired")?,
            edition: cells.required("edition")?.to_string(),
            source: cells.required("source")?.to_string(),
        };
        let parts = [e.deployed, e.stored, e.retired];
        if let Some(total) = e.total_inventory {
            let known: u64 = parts.iter().flatten().sum();
            if known > total {
                return Err(cells.err(
                    "total_inventory",
                    format!("deployed + stored + retired = {known} exceeds the total {total}"),
                ));
            }
            if parts.iter().all(Option::is_some) && known != total {
                return Err(cells.err(
                    "total_inventory",
                    format!("deployed + stored + retired = {known}, but the total is {total}"),
                ));
            }
        }
        out.push(e);
    }
    // Stable: within a year, the file's order (largest arsenals first) is kept.
    out.sort_by_key(|e| e.year);
    Ok(out)
}

/// Reads a world-totals CSV: `estimator,year,total_inventory,military_stockpile,deployed,source`.
pub fn parse_world_totals(file: &str, text: &str) -> Result<Vec<WorldTotal>, TreatyError> {
    const COLS: [&str; 6] = [
        "estimator",
        "year",
        "total_inventory",
        "military_stockpile",
        "deployed",
        "source",
    ];
    each_row(file, text, &COLS, |cells| {
        let year_text = cells.required("year")?;
        let year: i32 = year_text
            .parse()
            .map_err(|_| cells.err("year", format!("expected a year, found `{year_text}`")))?;
        Ok(WorldTotal {
            estimator: cells.required("estimator")?.to_string(),
            year,
            total_inventory: cells.count("total_inventory")?.ok_or_else(|| {
                cells.err("total_inventory", "`total_inventory` is required".into())
            })?,
            military_stockpile: cells.count("military_stockpile")?,
            deployed: cells.count("deployed")?,
            source: cells.required("source")?.to_string(),
        })
    })
}

/// An estimate with the change from the previous year available for the same state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EstimateChange {
    /// The estimate.
    #[serde(flatten)]
    pub estimate: Estimate,
    /// The previous year with a total for this state.
    pub previous_year: Option<i32>,
    /// `total − previous total`.
    pub change_total: Option<i64>,
    /// True when the two figures come from different editions, whose methods may differ.
    pub change_across_editions: bool,
}

/// The estimates for `year` (or all years), each with the change from the previous year
/// available for that state.
pub fn with_changes(estimates: &[Estimate], year: Option<i32>) -> Vec<EstimateChange> {
    estimates
        .iter()
        .filter(|e| year.is_none_or(|y| e.year == y))
        .map(|e| {
            let previous = estimates
                .iter()
                .filter(|p| p.state == e.state && p.year < e.year && p.total_inventory.is_some())
                .max_by_key(|p| p.year);
            let change = match (previous, e.total_inventory) {
                (Some(p), Some(t)) => p.total_inventory.map(|pt| {
                    i64::try_from(t).unwrap_or(i64::MAX) - i64::try_from(pt).unwrap_or(i64::MAX)
                }),
                _ => None,
            };
            EstimateChange {
                estimate: e.clone(),
                previous_year: previous.map(|p| p.year),
                change_total: change,
                change_across_editions: previous.is_some_and(|p| p.edition != e.edition),
            }
        })
        .collect()
}
