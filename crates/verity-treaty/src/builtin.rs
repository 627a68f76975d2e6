//! The treaties and public figures that ship inside Verity, embedded at build time from
//! `treaties/` and `data/`, so every command works from any directory without files at hand.

use crate::compliance::DeclaredFigures;
use crate::figures::{self, Estimate, WorldTotal};
use crate::{Treaty, TreatyError};

/// (id, file name, TOML text) of every built-in treaty, in display order.
pub const TREATIES: [(&str, &str, &str); 3] = [
    (
        "new-start",
        "treaties/new-start.toml",
        include_str!("../../../treaties/new-start.toml"),
    ),
    (
        "new-start-voluntary-2026",
        "treaties/new-start-voluntary-2026.toml",
        include_str!("../../../treaties/new-start-voluntary-2026.toml"),
    ),
    (
        "trilateral-draft",
        "treaties/trilateral-draft.toml",
        include_str!("../../../treaties/trilateral-draft.toml"),
    ),
];

/// New START aggregate data exchanges, as published.
pub const NEW_START_AGGREGATES: (&str, &str) = (
    "data/new_start_aggregates.csv",
    include_str!("../../../data/new_start_aggregates.csv"),
);

/// Warhead estimates per state and year.
pub const ESTIMATES: (&str, &str) = (
    "data/estimates.csv",
    include_str!("../../../data/estimates.csv"),
);

/// Strategic forces from the public record, per party and figure.
pub const NEW_START_FORCES: (&str, &str) = (
    "data/new_start_forces.csv",
    include_str!("../../../data/new_start_forces.csv"),
);

/// Counts of the items whose accounting New START's parties disputed.
pub const NEW_START_ACCOUNTABILITY: (&str, &str) = (
    "data/new_start_accountability.csv",
    include_str!("../../../data/new_start_accountability.csv"),
);

/// World totals per estimator and year.
pub const WORLD_TOTALS: (&str, &str) = (
    "data/world_totals.csv",
    include_str!("../../../data/world_totals.csv"),
);

/// What was practised under the built-in treaties, event by event.
pub const REGIME_EVENTS: (&str, &str) = (
    "data/regime_events.csv",
    include_str!("../../../data/regime_events.csv"),
);

/// The ids of the built-in treaties.
pub fn treaty_ids() -> Vec<String> {
    TREATIES
        .iter()
        .map(|(id, _, _)| (*id).to_string())
        .collect()
}

/// A built-in treaty by id.
pub fn treaty(id: &str) -> Result<Treaty, TreatyError> {
    let (_, file, text) =
        TREATIES
            .iter()
            .find(|(i, _, _)| *i == id)
            .ok_or_else(|| TreatyError::UnknownTreaty {
                id: id.to_string(),
                known: treaty_ids(),
            })?;
    Treaty::from_toml(file, text)
}

/// Every built-in treaty.
pub fn treaties() -> Result<Vec<Treaty>, TreatyError> {
    TREATIES
        .iter()
        .map(|(_, file, text)| Treaty::from_toml(file, text))
        .collect()
}

/// The New START aggregates, read against the New START treaty.
pub fn new_start_aggregates() -> Result<Vec<DeclaredFigures>, TreatyError> {
    let treaty = treaty("new-start")?;
    figures::parse_aggregates(NEW_START_AGGREGATES.0, NEW_START_AGGREGATES.1, &treaty)
}

/// The built-in estimates.
pub fn estimates() -> Result<Vec<Estimate>, TreatyError> {
    figures::parse_estimates(ESTIMATES.0, ESTIMATES.1)
}

/// The built-in forces from the record (`data/new_start_forces.csv`).
pub fn new_start_forces() -> Result<Vec<crate::forces::ForceRecord>, TreatyError> {
    crate::forces::parse_forces(NEW_START_FORCES.0, NEW_START_FORCES.1)
}

/// The disputed items' counts, read against the New START treaty.
pub fn new_start_accountability() -> Result<Vec<crate::accounting::AccountedCount>, TreatyError> {
    let treaty = treaty("new-start")?;
    crate::accounting::parse_accountability(
        NEW_START_ACCOUNTABILITY.0,
        NEW_START_ACCOUNTABILITY.1,
        &treaty,
    )
}

/// The built-in world totals.
pub fn world_totals() -> Result<Vec<WorldTotal>, TreatyError> {
    figures::parse_world_totals(WORLD_TOTALS.0, WORLD_TOTALS.1)
}

/// The recorded events of the built-in treaties' practice (`data/regime_events.csv`).
pub fn regime_events() -> Result<Vec<crate::events::RegimeEvent>, TreatyError> {
    crate::events::parse_events(REGIME_EVENTS.0, REGIME_EVENTS.1)
}
