//! Treaties as data, and what they say about numbers and dates.
//!
//! `verity-treaty` reads machine-readable treaties (TOML), validates them into a typed model,
//! answers calendar questions (status on a date, data-exchange schedule, obligations), reads the
//! public figures Verity ships (New START aggregates, SIPRI estimates), and holds the pure
//! compliance engine: `(treaty, declared figures, date) → verdicts and findings`.
//!
//! **Architecture Invariant:** this crate does no I/O, reads no clock and has no cryptographic
//! dependency. Callers pass text and dates in; the same inputs always give the same answers.
//!
//! ```
//! let treaty = verity_treaty::builtin::treaty("new-start").unwrap();
//! let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
//! let status = treaty.status_on(on);
//! assert_eq!(status.status.as_str(), "expired");
//! assert_eq!(status.days_since_expiry, Some(295));
//! ```

// No unwrap, expect, panic or unchecked indexing outside tests (docs/threat-model.md).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]
#![forbid(unsafe_code)]

pub mod accounting;
pub mod builtin;
pub mod compliance;
mod error;
pub mod events;
pub mod figures;
pub mod finding;
pub mod forces;
mod lifecycle;
pub mod model;
mod parse;
mod party;

use std::collections::BTreeMap;

use serde::Serialize;

pub use error::{Location, TallyError, TreatyError};
pub use finding::{Finding, Rule, Severity};
pub use lifecycle::{ExchangeKind, Obligation, ScheduledExchange, Status, StatusReport, grouped};
pub use party::{PartyCode, PartyCodeError};

use model::*;

/// A validated treaty. Built only by [`Treaty::from_toml`], so every cross-reference in it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Treaty {
    id: String,
    title: String,
    short_title: String,
    kind: InstrumentKind,
    state: AdoptionState,
    parties: Vec<PartyCode>,
    summary: String,
    source: String,
    dates: Dates,
    duration: Option<Duration>,
    withdrawal: Option<Withdrawal>,
    proposal: Option<Proposal>,
    item_classes: Vec<ItemClass>,
    item_statuses: Vec<String>,
    categories: Vec<Category>,
    limits: Vec<Limit>,
    accounting_positions: Vec<AccountingPosition>,
    data_exchange: Option<DataExchange>,
    notifications: Vec<NotificationType>,
    inspections: Vec<InspectionType>,
    disclosure_stages: Vec<DisclosureStage>,
    escrow: Option<EscrowRules>,
    inspection_protocol: Option<InspectionProtocol>,
}

/// One item as the counting rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts<'a> {
    /// Item class, e.g. `icbm`.
    pub class: &'a str,
    /// Item status, e.g. `deployed`.
    pub status: &'a str,
    /// Warheads attributed to the item.
    pub warheads: u64,
}

/// Category counts from a list of items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Count per category id (every category of the treaty is present, zero included).
    pub categories: BTreeMap<String, u64>,
    /// Items that no counting rule matched (accountable under no category).
    pub uncounted: u64,
}

impl Treaty {
    /// Parses and validates a treaty. `file` is used only in error messages.
    pub fn from_toml(file: &str, source: &str) -> Result<Self, TreatyError> {
        parse::parse(file, source)
    }

    /// Machine id, e.g. `new-start`.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Full title.
    pub fn title(&self) -> &str {
        &self.title
    }
    /// Short title, e.g. `New START`.
    pub fn short_title(&self) -> &str {
        &self.short_title
    }
    /// Treaty or political commitment.
    pub fn kind(&self) -> InstrumentKind {
        self.kind
    }
    /// Concluded, proposed or draft.
    pub fn state(&self) -> AdoptionState {
        self.state
    }
    /// The parties, in the order the file gives.
    pub fn parties(&self) -> &[PartyCode] {
        &self.parties
    }
    /// A paragraph for a person.
    pub fn summary(&self) -> &str {
        &self.summary
    }
    /// Where the text comes from.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Signature and entry into force.
    pub fn dates(&self) -> &Dates {
        &self.dates
    }
    /// Term and extensions.
    pub fn duration(&self) -> Option<&Duration> {
        self.duration.as_ref()
    }
    /// Withdrawal clause.
    pub fn withdrawal(&self) -> Option<&Withdrawal> {
        self.withdrawal.as_ref()
    }
    /// The offer, for a proposed instrument.
    pub fn proposal(&self) -> Option<&Proposal> {
        self.proposal.as_ref()
    }
    /// Item classes inventories may use.
    pub fn item_classes(&self) -> &[ItemClass] {
        &self.item_classes
    }
    /// Item statuses inventories may use.
    pub fn item_statuses(&self) -> &[String] {
        &self.item_statuses
    }
    /// Accountable categories.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
    /// Central limits.
    pub fn limits(&self) -> &[Limit] {
        &self.limits
    }
    /// The parties' recorded positions on disputed accounting.
    pub fn accounting_positions(&self) -> &[AccountingPosition] {
        &self.accounting_positions
    }
    /// One limit by id.
    pub fn limit(&self, id: &str) -> Option<&Limit> {
        self.limits.iter().find(|l| l.id == id)
    }
    /// Data-exchange schedule.
    pub fn data_exchange(&self) -> Option<&DataExchange> {
        self.data_exchange.as_ref()
    }
    /// Notification types.
    pub fn notifications(&self) -> &[NotificationType] {
        &self.notifications
    }
    /// Inspection types.
    pub fn inspections(&self) -> &[InspectionType] {
        &self.inspections
    }
    /// One inspection type by id.
    pub fn inspection_type(&self, id: &str) -> Option<&InspectionType> {
        self.inspections.iter().find(|k| k.id == id)
    }
    /// Deadlines and fallbacks of inspection selection (present whenever there are inspections).
    pub fn inspection_protocol(&self) -> Option<&InspectionProtocol> {
        self.inspection_protocol.as_ref()
    }
    /// Disclosure stages of the escrow.
    pub fn disclosure_stages(&self) -> &[DisclosureStage] {
        &self.disclosure_stages
    }
    /// Escrow parameters.
    pub fn escrow(&self) -> Option<&EscrowRules> {
        self.escrow.as_ref()
    }

    /// The first day the instrument is no longer in force, when it has a term.
    pub fn expiry(&self) -> Option<chrono::NaiveDate> {
        match (&self.duration, self.dates.entry_into_force) {
            (Some(d), Some(e)) => Some(parse::expiry_of(d, e)),
            _ => None,
        }
    }

    /// Applies the counting rules to items. An unknown class or status is an error naming it.
    pub fn tally<'a>(
        &self,
        items: impl IntoIterator<Item = ItemFacts<'a>>,
    ) -> Result<Tally, TallyError> {
        let mut tally = Tally {
            categories: self.categories.iter().map(|c| (c.id.clone(), 0)).collect(),
            uncounted: 0,
        };
        for item in items {
            if !self.item_classes.iter().any(|c| c.id == item.class) {
                return Err(TallyError::UnknownClass {
                    class: item.class.to_string(),
                    treaty: self.id.clone(),
                });
            }
            if !self.item_statuses.iter().any(|s| s == item.status) {
                return Err(TallyError::UnknownStatus {
                    status: item.status.to_string(),
                    treaty: self.id.clone(),
                });
            }
            let mut counted = false;
            for cat in &self.categories {
                for rule in cat
                    .counts
                    .iter()
                    .filter(|r| r.class == item.class && r.status == item.status)
                {
                    let add = match rule.measure {
                        Measure::Items => 1,
                        Measure::Warheads => item.warheads,
                    };
                    *tally.categories.entry(cat.id.clone()).or_default() += add;
                    counted = true;
                }
            }
            if !counted {
                tally.uncounted += 1;
            }
        }
        Ok(tally)
    }

    /// Each limit's left-hand side `Σ coefficient × count` from category counts.
    pub fn limit_values(&self, categories: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
        self.limits
            .iter()
            .map(|l| {
                let v = l
                    .terms
                    .iter()
                    .map(|(c, k)| k * categories.get(c).copied().unwrap_or(0))
                    .sum();
                (l.id.clone(), v)
            })
            .collect()
    }
}
