//! The validated treaty model: what a treaty says, as types. Values of these types come only
//! from [`crate::Treaty::from_toml`], which checks every cross-reference, so code downstream can
//! trust that a limit's categories exist, dates are in order and parties are real states.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::party::PartyCode;

/// What kind of instrument the file describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstrumentKind {
    /// A legally binding treaty.
    Treaty,
    /// A political commitment: no ratification, usually no verification.
    PoliticalCommitment,
}

/// Where the instrument stands in its life, independent of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdoptionState {
    /// Signed and (where required) ratified: its status follows its dates.
    Concluded,
    /// Offered by one side, not accepted: binding on no one.
    Proposed,
    /// A hypothetical text for study and exercises; its dates are notional.
    Draft,
}

/// A rule's citation: the article, protocol part or paragraph it comes from, or for a design
/// choice the reason written next to it.
pub type Reference = String;

/// The instrument's dates. All dates are calendar dates (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dates {
    /// Date of signature, when signed.
    pub signed: Option<NaiveDate>,
    /// Date of entry into force (notional for a draft).
    pub entry_into_force: Option<NaiveDate>,
    /// Citation for the dates.
    pub reference: Reference,
    /// Remarks, e.g. that a draft's dates are notional.
    pub note: Option<String>,
}

/// The term of the instrument and how it may be extended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duration {
    /// The initial term in years from entry into force.
    pub years: u32,
    /// How many extensions the text allows.
    pub max_extensions: u32,
    /// The longest single extension the text allows, in years.
    pub extension_max_years: u32,
    /// Citation.
    pub reference: Reference,
    /// Extensions actually agreed, in order.
    pub extensions_taken: Vec<Extension>,
}

/// One extension the parties agreed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// When the extension was agreed (e.g. notes exchanged).
    pub agreed: NaiveDate,
    /// The new expiry: the first day the instrument is no longer in force.
    pub until: NaiveDate,
    /// Citation.
    pub reference: Reference,
}

/// The withdrawal clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withdrawal {
    /// Notice period in months before withdrawal takes effect.
    pub notice_months: u32,
    /// The condition the text sets for withdrawing.
    pub condition: String,
    /// Citation.
    pub reference: Reference,
    /// Remarks on the clause or on how sure we are of it.
    pub note: Option<String>,
}

/// For a proposed instrument: who offered it, on what condition, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// Date of the offer.
    pub offered: NaiveDate,
    /// Who offered it.
    pub offered_by: Vec<PartyCode>,
    /// The condition attached to the offer.
    pub condition: String,
    /// Whether the condition was met.
    pub reciprocated: bool,
    /// What reply, if any, was given.
    pub reply: String,
    /// First day the commitment would apply.
    pub would_apply_from: NaiveDate,
    /// First day it would no longer apply.
    pub would_apply_until: NaiveDate,
    /// Citation (sources for the offer and the reply).
    pub reference: Reference,
}

/// A class of accountable item (e.g. `icbm`) that inventories use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemClass {
    /// Machine name, as inventories write it.
    pub id: String,
    /// Human name.
    pub name: String,
}

/// What a counting rule counts for each matching item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// One per item.
    Items,
    /// The warheads attributed to the item.
    Warheads,
}

/// A counting rule: items of `class` with `status` add `measure` to the category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountingRule {
    /// Item class the rule applies to.
    pub class: String,
    /// Item status the rule applies to.
    pub status: String,
    /// What each matching item contributes.
    pub measure: Measure,
}

/// An accountable category: a count the treaty limits or requires declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    /// Machine name.
    pub id: String,
    /// Human name.
    pub name: String,
    /// How items are counted into it.
    pub counts: Vec<CountingRule>,
    /// Citation.
    pub reference: Reference,
}

/// A ceiling: common to all parties, or set per party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Ceiling {
    /// The same ceiling for every party.
    Common(u64),
    /// A ceiling per party (every party has one).
    PerParty(BTreeMap<PartyCode, u64>),
}

impl Ceiling {
    /// The ceiling as a person reads it: `1,550`, or `CHN 1,000, RUS 5,500, USA 5,500`.
    pub fn describe(&self) -> String {
        match self {
            Self::Common(m) => crate::grouped(*m),
            Self::PerParty(map) => map
                .iter()
                .map(|(p, m)| format!("{p} {}", crate::grouped(*m)))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// One party's position on how another party's items count, where the two disagree: the
/// categories it would add to a limit's left-hand side (items the declaring party counts under
/// no limit, such as conversions the holder says it cannot confirm). The engine shows a limit's
/// margin under the declaring party's accounting and under each position, and judges by
/// neither: the text's verdict stands; a position is recorded as claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountingPosition {
    /// Machine name.
    pub id: String,
    /// What the position says, in words.
    pub name: String,
    /// The party that holds it.
    pub held_by: PartyCode,
    /// The party whose items it counts.
    pub about: PartyCode,
    /// Limit id → categories (and coefficients) the position adds to it.
    pub adds: BTreeMap<String, BTreeMap<String, u64>>,
    /// Where the position is stated.
    pub reference: Reference,
}

/// A central limit: `Σ coefficient × category ≤ ceiling`, from `applies_from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    /// Machine name; also the column name in aggregate CSV files.
    pub id: String,
    /// Human name.
    pub name: String,
    /// The ceiling.
    pub max: Ceiling,
    /// The linear form: category id → positive coefficient.
    pub terms: BTreeMap<String, u64>,
    /// First day the limit binds (before it, figures above it are not violations).
    pub applies_from: NaiveDate,
    /// Citation.
    pub reference: Reference,
}

impl Limit {
    /// The ceiling for one party.
    pub fn max_for(&self, party: PartyCode) -> Option<u64> {
        match &self.max {
            Ceiling::Common(m) => Some(*m),
            Ceiling::PerParty(map) => map.get(&party).copied(),
        }
    }
}

/// The periodic data-exchange schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataExchange {
    /// Days after entry into force by which the initial data (as of entry into force) is due.
    pub initial_deadline_days: u32,
    /// Months in one reporting period.
    pub period_months: u32,
    /// Days after the end of each period by which its data is due.
    pub deadline_days: u32,
    /// Citation.
    pub reference: Reference,
}

/// Events that change a declared item and may need notifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// An item enters accountability.
    Created,
    /// An item moves between sites.
    Moved,
    /// An item changes status (deployed / non-deployed …).
    StatusChanged,
    /// An item is eliminated.
    Eliminated,
    /// An item is converted (e.g. a launcher no longer capable of nuclear arms).
    Converted,
    /// The warheads attributed to an item change.
    WarheadsChanged,
}

impl EventKind {
    /// The event's name as the treaty file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Moved => "moved",
            Self::StatusChanged => "status-changed",
            Self::Eliminated => "eliminated",
            Self::Converted => "converted",
            Self::WarheadsChanged => "warheads-changed",
        }
    }
}

/// When a notification is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "days")]
pub enum NotificationDeadline {
    /// Within this many days after the event.
    DaysAfterEvent(u32),
    /// Reported only with the next periodic data exchange.
    NextDataExchange,
}

/// A notification type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationType {
    /// Machine name.
    pub id: String,
    /// Human name.
    pub name: String,
    /// The events it covers.
    pub events: Vec<EventKind>,
    /// When it is due.
    pub deadline: NotificationDeadline,
    /// Citation.
    pub reference: Reference,
}

/// How the yearly quota is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuotaYear {
    /// Years run from the anniversary of entry into force.
    TreatyYear,
    /// Calendar years.
    Calendar,
}

/// Which items an inspection of this type checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Selection {
    /// Where the sites are drawn from.
    pub scope: SelectionScope,
    /// Sites chosen per inspection.
    pub sites: u32,
    /// Items checked at each selected site.
    pub items: ItemsPerSite,
    /// Item classes eligible for selection.
    pub item_classes: Vec<String>,
    /// Item statuses eligible for selection.
    pub item_statuses: Vec<String>,
}

/// What an inspection's sites are drawn from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SelectionScope {
    /// The declaration's site commitments (padding and sites without eligible items are
    /// skipped): the inspection checks declared items against what is found.
    #[default]
    DeclaredSites,
    /// The facilities the declaration registers as holding no accountable item: whatever the
    /// inspectors find there is undeclared. Nothing is opened; the list is public.
    EmptyFacilities,
}

impl SelectionScope {
    /// The name used in treaty files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DeclaredSites => "declared-sites",
            Self::EmptyFacilities => "empty-facilities",
        }
    }
}

/// How many items an inspection checks at a selected site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemsPerSite {
    /// This many items, chosen at random among the eligible ones.
    Count(u32),
    /// Every eligible item at the site.
    All,
}

/// An inspection type with its quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionType {
    /// Machine name.
    pub id: String,
    /// Human name.
    pub name: String,
    /// What it is for.
    pub purpose: String,
    /// Inspections per year each party may conduct on each other party, unless a pair quota
    /// overrides it.
    pub quota_per_year: u32,
    /// Overrides for particular (inspecting, inspected) pairs.
    pub pair_quotas: Vec<PairQuota>,
    /// How years are counted for the quota.
    pub quota_year: QuotaYear,
    /// Days after entry into force before the first inspection may take place.
    pub earliest_days_after_entry_into_force: u32,
    /// Which items are checked.
    pub selection: Selection,
    /// Citation.
    pub reference: Reference,
}

impl InspectionType {
    /// The yearly quota of inspections `inspecting` may conduct on `inspected`.
    pub fn quota(&self, inspecting: PartyCode, inspected: PartyCode) -> u32 {
        if inspecting == inspected {
            return 0;
        }
        self.pair_quotas
            .iter()
            .find(|q| q.inspecting == inspecting && q.inspected == inspected)
            .map_or(self.quota_per_year, |q| q.per_year)
    }
}

/// What the selection falls back to when the inspected party withholds its seed reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InspectedWithholds {
    /// The inspecting party's seed alone decides; the withholding is a violation.
    InspectingSeedAlone,
}

/// What happens when the inspecting party withholds its seed reveal. The inspecting party
/// reveals last and could see the outcome first, so the only fallback that gains it nothing is
/// losing the inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InspectingWithholds {
    /// No selection; the inspection lapses and still counts against the inspecting party's quota.
    InspectionLapses,
}

/// Deadlines and fallbacks of the joint-randomness protocol that selects what an inspection
/// checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionProtocol {
    /// Days after the request by which both seeds must be revealed.
    pub seed_reveal_days: u32,
    /// Days after the selection is fixed by which the inspected party must publish the
    /// openings of the selected commitments.
    pub opening_days: u32,
    /// Fallback when the inspected party does not reveal in time.
    pub if_inspected_withholds: InspectedWithholds,
    /// Fallback when the inspecting party does not reveal in time.
    pub if_inspecting_withholds: InspectingWithholds,
    /// Citation.
    pub reference: Reference,
}

/// A quota for one ordered pair of parties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairQuota {
    /// The inspecting party.
    pub inspecting: PartyCode,
    /// The inspected party.
    pub inspected: PartyCode,
    /// Inspections per year.
    pub per_year: u32,
}

/// A level of the escrow that a disclosure stage opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DisclosureLevel {
    /// The number of sites and each site's commitment.
    Sites,
    /// The number of items at chosen sites.
    SiteItemCounts,
    /// The items themselves.
    Items,
}

impl DisclosureLevel {
    /// The kebab-case name, as in treaty files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sites => "sites",
            Self::SiteItemCounts => "site-item-counts",
            Self::Items => "items",
        }
    }
}

/// Which sites a disclosure stage opens, as the treaty fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageCoverage {
    /// Every leaf of the declaration: each real site and each padding site. A stage that
    /// leaves one out is incomplete, whatever its openings claim.
    EverySite,
    /// Sites chosen (by joint randomness or by the discloser): no completeness is owed.
    ChosenSites,
}

impl StageCoverage {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EverySite => "every-site",
            Self::ChosenSites => "chosen-sites",
        }
    }
}

/// One step of the escrow's release plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisclosureStage {
    /// 1-based stage number.
    pub stage: u32,
    /// The level it opens.
    pub level: DisclosureLevel,
    /// Which sites it opens: every one, or chosen ones.
    pub opens: StageCoverage,
    /// Months after entry into force when it is due.
    pub months_after_entry_into_force: u32,
    /// Which sites it covers, in words.
    pub scope: String,
    /// Citation or reasoning.
    pub reference: Reference,
}

/// Public parameters of the escrow that the treaty fixes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscrowRules {
    /// Whether category totals are hidden (committed and proved within limits) until a stage.
    pub hidden_totals: bool,
    /// The disclosure stage at which totals are published in clear.
    pub totals_revealed_at_stage: Option<u32>,
    /// Public bound on the number of sites per party: declarations pad to it.
    pub padded_sites: u32,
    /// Public bound on the number of items per site: sites pad to it.
    pub padded_items_per_site: u32,
    /// Citation or reasoning.
    pub reference: Reference,
}
