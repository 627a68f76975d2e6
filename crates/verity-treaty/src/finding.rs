//! The one vocabulary of findings: every rule Verity can find broken (by the figures engine or
//! by the compliance view over the logs), each with its severity and what it is about, and the
//! one `Finding` type that carries a rule, the party it is against and its evidence.

use chrono::NaiveDate;
use serde::Serialize;

use crate::party::PartyCode;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// A breach of an obligation.
    Violation,
    /// Something a reviewer should look at (a gap in the record, figures from the future).
    Warning,
    /// Context (the instrument is not in force; figures off the schedule).
    Info,
}

impl Severity {
    /// The word a table shows: `VIOLATION` in capitals so it stands out, the others plain.
    pub fn label(self) -> &'static str {
        match self {
            Self::Violation => "VIOLATION",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $severity:ident;)*) => {
        /// Every rule a finding can name. The kebab-case name is what reports and JSON show.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[non_exhaustive]
        pub enum Rule {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
        }

        impl Rule {
            /// Every rule, in the order declared.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The machine name, e.g. `late-notification`.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// How serious a finding under this rule is.
            pub fn severity(self) -> Severity {
                match self { $(Self::$variant => Severity::$severity,)* }
            }
        }
    };
}

rules! {
    // The figures engine (aggregates and the exchange schedule).
    /// The instrument did not bind anyone on the assessment date.
    TreatyNotInForce = "treaty-not-in-force", Info;
    /// Figures are dated after the assessment date.
    FiguresAfterAssessmentDate = "figures-after-assessment-date", Warning;
    /// A scheduled exchange is not in the record (which holds only what was published).
    DataExchangeAbsentFromRecord = "data-exchange-absent-from-record", Warning;
    /// A scheduled exchange was not provided to the other parties.
    DataExchangeWithheld = "data-exchange-withheld", Violation;
    /// A scheduled exchange was delivered after its deadline.
    DataExchangeLate = "data-exchange-late", Violation;
    /// Figures off the exchange schedule (judged against the limits all the same).
    UnscheduledFigures = "unscheduled-figures", Info;
    // A party's log as bytes.
    /// The log's bytes do not check out: a signature, the tree, a checkpoint, an entry's place.
    LogIntegrity = "log-integrity", Violation;
    /// An entry its author put under a signed checkpoint that is not an entry at all: bytes
    /// that do not decode, an unknown kind, a field of the wrong type, too many bytes.
    MalformedEntry = "malformed-entry", Violation;
    /// An entry dated before a witnessed checkpoint of the same log that does not hold it.
    BackdatedEntry = "backdated-entry", Violation;
    /// The log belongs to a state that is not a party to the treaty judged.
    NotAParty = "not-a-party", Warning;
    /// A log that an inspection needs was not given to the view.
    LogNotSupplied = "log-not-supplied", Warning;
    // What entries mean under the treaty: declarations, disclosures, notifications.
    /// A declaration's own content is inconsistent (its site commitments, its register).
    DeclarationInvalid = "declaration-invalid", Violation;
    /// A declaration names a treaty text other than the one it is judged by (same id, other
    /// counting rules, limits or bounds).
    DeclaredUnderOtherText = "declared-under-other-text", Violation;
    /// A declaration's hidden-totals proof does not verify.
    HiddenTotalsUnproved = "hidden-totals-unproved", Violation;
    /// A disclosure does not open what its declaration committed to.
    DisclosureInvalid = "disclosure-invalid", Violation;
    /// A stage the treaty says opens every site left a leaf of its declaration unopened.
    DisclosureIncomplete = "disclosure-incomplete", Violation;
    /// Revealed totals could not be compared with items: not every leaf has been opened.
    TotalsNotCompared = "totals-not-compared", Warning;
    /// An opened site's committed counts differ from the tally of its opened items.
    SiteCountMismatch = "site-count-mismatch", Violation;
    /// Revealed totals differ from the items opened under the same declaration.
    TotalsDifferFromItems = "totals-differ-from-items", Violation;
    /// A notification's records do not fit its event, or it amends no declaration.
    NotificationInvalid = "notification-invalid", Violation;
    /// A limit is exceeded by declared figures.
    LimitExceeded = "limit-exceeded", Violation;
    /// A notification recorded after the treaty's deadline.
    LateNotification = "late-notification", Violation;
    /// A notification of an event the treaty does not notify.
    EventNotNotifiable = "event-not-notifiable", Warning;
    /// A notification recorded before the event it notifies.
    NotificationBeforeEvent = "notification-before-event", Warning;
    /// Consecutive declarations both hold one UID twice.
    DuplicateUid = "duplicate-uid", Violation;
    /// An item moved between declarations without a notification.
    MovedWithoutNotification = "moved-without-notification", Violation;
    /// An item left between declarations without a notification.
    VanishedWithoutNotification = "vanished-without-notification", Violation;
    /// An item joined between declarations without a notification.
    AppearedWithoutNotification = "appeared-without-notification", Violation;
    /// An item's status changed between declarations without a notification.
    StatusChangedWithoutNotification = "status-changed-without-notification", Violation;
    // Inspections.
    /// A request the treaty does not allow (type, parties, dates).
    InvalidRequest = "invalid-request", Violation;
    /// A request beyond the yearly quota.
    RequestOverQuota = "request-over-quota", Violation;
    /// A request that names another declaration than the inspected party's latest.
    RequestNamesWrongDeclaration = "request-names-wrong-declaration", Violation;
    /// A seed reveal out of the protocol's order.
    SeedRevealOutOfOrder = "seed-reveal-out-of-order", Violation;
    /// A seed reveal that does not open its commitment.
    BadSeedReveal = "bad-seed-reveal", Violation;
    /// The inspected party did not reveal its seed by the deadline.
    SeedWithheld = "seed-withheld", Violation;
    /// The inspecting party did not commit and reveal in order and in time.
    InspectionLapsed = "inspection-lapsed", Warning;
    /// The inspected party did not open what the selection reached.
    OpeningWithheld = "opening-withheld", Violation;
    /// The opening came after its deadline.
    LateOpening = "late-opening", Violation;
    /// The opening does not answer the request or opens another declaration.
    OpeningWrongDeclaration = "opening-wrong-declaration", Violation;
    /// The opening does not verify against the declaration.
    InvalidOpening = "invalid-opening", Violation;
    /// The opening does not follow the selection the seeds fix.
    OpeningOffSelection = "opening-off-selection", Violation;
    /// The opening is sealed to another key than the one the request gives.
    SealedToWrongKey = "sealed-to-wrong-key", Violation;
    /// With the key the inspectors disclose, the sealed opening does not decrypt, its
    /// plaintext is not the one it signs, or it is not an opening.
    SealedOpeningUnreadable = "sealed-opening-unreadable", Violation;
    /// The key a record discloses is not the inspection's.
    DisclosedKeyInvalid = "disclosed-key-invalid", Warning;
    /// A record's account of a sealed opening that its key does not support.
    SealedVerdictUnsupported = "sealed-verdict-unsupported", Warning;
    /// An item found differs from its declaration.
    ItemMismatch = "item-mismatch", Violation;
    /// A declared item was not found at its site.
    ItemMissing = "item-missing", Violation;
    /// An item found at a site is not declared there.
    ItemUndeclared = "item-undeclared", Violation;
    /// The record does not cite the opening it answers.
    RecordWrongOpening = "record-wrong-opening", Warning;
    /// A selected site has no observation.
    SiteNotRecorded = "site-not-recorded", Warning;
    /// A designated item's warheads were not counted.
    DesignatedItemNotCounted = "designated-item-not-counted", Warning;
    /// An observation of a site the selection did not reach.
    ObservationOutsideSelection = "observation-outside-selection", Warning;
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: the rule broken, how serious, against whom, in words, with the treaty article
/// behind it and the evidence a reader rechecks it by. The evidence type is what the finder
/// holds: the place of a row of figures (the engine) or log entries with inclusion proofs (the
/// compliance view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding<E> {
    /// The rule.
    pub rule: Rule,
    /// Severity (the rule's).
    pub severity: Severity,
    /// The party the finding is against, when it is against one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<PartyCode>,
    /// The date concerned, when the finding is about one (an exchange's as-of date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The inspection concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspection: Option<String>,
    /// The item concerned (its UID), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What was found, in words.
    pub message: String,
    /// The treaty article behind the rule, when the treaty gives one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reference: String,
    /// What it rests on.
    pub evidence: E,
}

impl<E> Finding<E> {
    /// A finding under `rule` (its severity), about nothing more specific yet.
    pub fn new(rule: Rule, party: Option<PartyCode>, message: String, evidence: E) -> Self {
        Self {
            rule,
            severity: rule.severity(),
            party,
            date: None,
            inspection: None,
            subject: None,
            message,
            reference: String::new(),
            evidence,
        }
    }

    /// Whether it is a violation.
    pub fn is_violation(&self) -> bool {
        self.severity == Severity::Violation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_distinct_kebab_case_name() {
        let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        for n in &names {
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{n}");
            assert_eq!(
                serde_json::to_value(Rule::ALL.iter().find(|r| r.as_str() == *n).unwrap()).unwrap(),
                serde_json::Value::String((*n).to_string())
            );
        }
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }
}
