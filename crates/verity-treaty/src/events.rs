//! What was practised beside what the text says: a regime's history as data
//! (`data/regime_events.csv`), each event with its date, actors, what it withheld, who contests
//! it and its source. The engine still judges by the text; these events say what applied in
//! practice, and give the stated grounds of an exchange a party withheld, as claimed, not
//! adjudicated.

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::TreatyError;
use crate::figures::each_row;
use crate::party::PartyCode;

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegimeEventKind {
    /// An activity paused by the parties' mutual decision.
    Pause,
    /// A party exempts its facilities from inspection.
    Exemption,
    /// A party declares the treaty suspended.
    Suspension,
    /// A party's measure in response to another's breach, claimed lawful.
    Countermeasure,
    /// An offer about what follows.
    Offer,
    /// The treaty's end.
    Expiry,
}

impl RegimeEventKind {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pause" => Self::Pause,
            "exemption" => Self::Exemption,
            "suspension" => Self::Suspension,
            "countermeasure" => Self::Countermeasure,
            "offer" => Self::Offer,
            "expiry" => Self::Expiry,
            _ => return None,
        })
    }

    /// Its name in the data.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Exemption => "exemption",
            Self::Suspension => "suspension",
            Self::Countermeasure => "countermeasure",
            Self::Offer => "offer",
            Self::Expiry => "expiry",
        }
    }
}

/// What an event stops a party providing or allowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Withheld {
    /// On-site inspections (and exhibitions).
    Inspections,
    /// Data exchanges.
    Data,
    /// Notifications.
    Notifications,
    /// Telemetric information.
    Telemetry,
}

impl Withheld {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "inspections" => Self::Inspections,
            "data" => Self::Data,
            "notifications" => Self::Notifications,
            "telemetry" => Self::Telemetry,
            _ => return None,
        })
    }

    /// Its name in the data.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inspections => "inspections",
            Self::Data => "data",
            Self::Notifications => "notifications",
            Self::Telemetry => "telemetry",
        }
    }
}

/// One event of a regime's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegimeEvent {
    /// The treaty id.
    pub treaty: String,
    /// When it took effect.
    pub date: NaiveDate,
    /// Who acted (both parties for a mutual decision).
    pub actors: Vec<PartyCode>,
    /// What kind of event.
    pub kind: RegimeEventKind,
    /// What it stops the actors providing or allowing, from its date on.
    pub withholds: Vec<Withheld>,
    /// Parties that reject it (as legally invalid, or as a breach).
    pub contested_by: Vec<PartyCode>,
    /// The data exchange (its as-of date) it withholds, when it names one.
    pub exchange: Option<NaiveDate>,
    /// What happened and on what stated grounds.
    pub text: String,
    /// Where it is recorded.
    pub source: String,
    /// `file:line`.
    pub origin: String,
}

impl RegimeEvent {
    /// The actors, as `USA and RUS`.
    pub fn actors_text(&self) -> String {
        codes(&self.actors, " and ")
    }

    /// One line for a person: "inspections suspended by RUS since 2022-08-08 (contested by
    /// USA)".
    pub fn practice_line(&self) -> String {
        let what = match self.kind {
            RegimeEventKind::Pause => format!(
                "{} paused by mutual decision of {}",
                withheld_text(&self.withholds),
                self.actors_text()
            ),
            RegimeEventKind::Exemption => format!(
                "inspections suspended by {} (facilities exempted)",
                self.actors_text()
            ),
            RegimeEventKind::Suspension => format!(
                "treaty suspended by {} ({} withheld)",
                self.actors_text(),
                withheld_text(&self.withholds)
            ),
            RegimeEventKind::Countermeasure => format!(
                "countermeasures by {} ({} withheld)",
                self.actors_text(),
                withheld_text(&self.withholds)
            ),
            RegimeEventKind::Offer => format!("offer by {}", self.actors_text()),
            RegimeEventKind::Expiry => "expiry".to_string(),
        };
        let mut line = format!("{what} since {}", self.date);
        if !self.contested_by.is_empty() {
            line.push_str(&format!(
                " (contested by {})",
                codes(&self.contested_by, " and ")
            ));
        }
        line
    }
}

fn codes(parties: &[PartyCode], sep: &str) -> String {
    parties
        .iter()
        .map(PartyCode::as_str)
        .collect::<Vec<_>>()
        .join(sep)
}

fn withheld_text(w: &[Withheld]) -> String {
    w.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ")
}

/// Parses a regime-events CSV (`treaty,date,actor,kind,withholds,contested_by,exchange,text,
/// source`; parties and withheld activities separated by `;`), every row with its source.
pub fn parse_events(file: &str, text: &str) -> Result<Vec<RegimeEvent>, TreatyError> {
    const COLS: [&str; 9] = [
        "treaty",
        "date",
        "actor",
        "kind",
        "withholds",
        "contested_by",
        "exchange",
        "text",
        "source",
    ];
    let mut out = each_row(file, text, &COLS, |cells| {
        let parties = |column: &str| -> Result<Vec<PartyCode>, TreatyError> {
            cells
                .get(column)
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| PartyCode::parse(s).map_err(|m| cells.err(column, m.to_string())))
                .collect()
        };
        let kind_text = cells.required("kind")?;
        let kind = RegimeEventKind::parse(kind_text).ok_or_else(|| {
            cells.err(
                "kind",
                format!(
                    "unknown kind `{kind_text}`: expected pause, exemption, suspension, countermeasure, offer or expiry"
                ),
            )
        })?;
        let withholds = cells
            .get("withholds")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                Withheld::parse(s).ok_or_else(|| {
                    cells.err(
                        "withholds",
                        format!(
                            "unknown activity `{s}`: expected inspections, data, notifications or telemetry"
                        ),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let actors = parties("actor")?;
        if actors.is_empty() {
            return Err(cells.err("actor", "`actor` is required".into()));
        }
        Ok(RegimeEvent {
            treaty: cells.required("treaty")?.to_string(),
            date: cells
                .date("date")?
                .ok_or_else(|| cells.err("date", "`date` is required".into()))?,
            actors,
            kind,
            withholds,
            contested_by: parties("contested_by")?,
            exchange: cells.date("exchange")?,
            text: cells.required("text")?.to_string(),
            source: cells.required("source")?.to_string(),
            origin: format!("{file}:{}", cells.line),
        })
    })?;
    out.sort_by_key(|e| e.date);
    Ok(out)
}

/// What applied in practice on `on` under treaty `treaty`: every event of that treaty dated on
/// or before `on` that withholds something (none of the recorded ones was ever reversed), in
/// date order.
pub fn practice_on<'a>(
    events: &'a [RegimeEvent],
    treaty: &str,
    on: NaiveDate,
) -> Vec<&'a RegimeEvent> {
    events
        .iter()
        .filter(|e| e.treaty == treaty && e.date <= on && !e.withholds.is_empty())
        .collect()
}

/// The grounds a party stated for withholding the data exchange as of `as_of` (due by
/// `due`): the event that names that exchange, else the latest of its events in effect by the
/// due date that withholds data. As claimed, not adjudicated.
pub fn exchange_grounds<'a>(
    events: &'a [RegimeEvent],
    treaty: &str,
    party: PartyCode,
    as_of: NaiveDate,
    due: NaiveDate,
) -> Option<&'a RegimeEvent> {
    let mine = || {
        events.iter().filter(move |e| {
            e.treaty == treaty && e.actors.contains(&party) && e.withholds.contains(&Withheld::Data)
        })
    };
    mine()
        .find(|e| e.exchange == Some(as_of))
        .or_else(|| mine().rfind(|e| e.exchange.is_none() && e.date <= due))
}

/// Adds to each withheld or unrecorded data exchange among `findings` (of `treaty`) the
/// grounds its party stated, from `events`: the event, its origin and its words. The finding
/// itself stands: the text is what the engine judges by, and a countermeasure is recorded as
/// claimed.
pub fn add_stated_grounds(
    treaty: &crate::Treaty,
    findings: &mut [crate::compliance::Finding],
    events: &[RegimeEvent],
) {
    use crate::finding::Rule;
    let Some((start, end)) = treaty.binding_period() else {
        return;
    };
    let schedule = treaty.exchange_schedule(start, end);
    for f in findings.iter_mut().filter(|f| {
        matches!(
            f.rule,
            Rule::DataExchangeWithheld | Rule::DataExchangeAbsentFromRecord
        )
    }) {
        let (Some(party), Some(as_of)) = (f.party, f.date) else {
            continue;
        };
        let Some(due) = schedule
            .iter()
            .find(|x| x.as_of == as_of)
            .map(|x| x.deadline)
        else {
            continue;
        };
        if let Some(e) = exchange_grounds(events, treaty.id(), party, as_of, due) {
            f.message.push_str(&format!(
                "; withheld under {} ({}): {}",
                e.practice_line(),
                e.origin,
                e.text
            ));
        }
    }
}
