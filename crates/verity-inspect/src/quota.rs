//! The yearly quota ledger: each request is checked against the treaty's inspection type, its
//! quota for the ordered pair of parties in the quota year of the request's date, and the
//! earliest date inspections may start. A refused request changes nothing.

use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use verity_log::InspectionRequest;
use verity_treaty::{PartyCode, Treaty};

/// An inspection request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// Unique inspection id.
    pub id: String,
    /// The treaty's inspection type id, e.g. `type-one`.
    pub inspection_type: String,
    /// The requesting party.
    pub inspecting: PartyCode,
    /// The party to be inspected.
    pub inspected: PartyCode,
    /// The date of the request.
    pub date: NaiveDate,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    /// The quota for the pair and year is used up.
    #[error(
        "over quota: {inspecting} has used all {quota} `{inspection_type}` inspections of {inspected} for the quota year {year_start} to {year_end}"
    )]
    OverQuota {
        /// Inspection type.
        inspection_type: String,
        /// Requesting party.
        inspecting: PartyCode,
        /// Inspected party.
        inspected: PartyCode,
        /// The yearly quota.
        quota: u32,
        /// First day of the quota year.
        year_start: NaiveDate,
        /// First day after it.
        year_end: NaiveDate,
    },
    /// Requested under another treaty than the one judged.
    #[error("inspection `{id}` is requested under `{requested}`, not `{judged}`")]
    OtherTreaty {
        /// The inspection id.
        id: String,
        /// The treaty the request names.
        requested: String,
        /// The treaty judged.
        judged: String,
    },
    /// Anything else that makes the request invalid, in words.
    #[error("{0}")]
    Invalid(String),
}

/// An inspection request as a log records it: whose log, where, on what day.
#[derive(Debug, Clone, Copy)]
pub struct RecordedRequest<'a> {
    /// The inspecting party (the log's).
    pub party: PartyCode,
    /// The request's index in that log.
    pub index: u64,
    /// The day it was recorded: the request date the quota counts.
    pub date: NaiveDate,
    /// The request.
    pub request: &'a InspectionRequest,
}

/// Each request replayed, with its outcome: its number in the quota year, or why it was refused.
pub type RequestOutcomes<'a> = Vec<(RecordedRequest<'a>, Result<u32, QuotaError>)>;

/// How many inspections of one type one party made of another in one quota year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaUse {
    /// First day of the quota year.
    pub year_start: NaiveDate,
    /// First day after it.
    pub year_end: NaiveDate,
    /// The inspection type's id.
    pub inspection_type: String,
    /// Its name.
    pub type_name: String,
    /// The inspecting party.
    pub inspecting: PartyCode,
    /// The inspected party.
    pub inspected: PartyCode,
    /// Accepted requests in the year.
    pub used: u32,
    /// The yearly quota.
    pub quota: u32,
}

/// The requests accepted so far.
#[derive(Debug, Clone)]
pub struct QuotaLedger<'t> {
    treaty: &'t Treaty,
    accepted: Vec<Request>,
    ids: BTreeSet<String>,
}

impl<'t> QuotaLedger<'t> {
    /// An empty ledger for a treaty.
    pub fn new(treaty: &'t Treaty) -> Self {
        Self {
            treaty,
            accepted: Vec::new(),
            ids: BTreeSet::new(),
        }
    }

    /// Checks a request and records it; returns its number within the quota year (1-based).
    pub fn request(&mut self, r: Request) -> Result<u32, QuotaError> {
        let t = self.treaty;
        let kind = t.inspection_type(&r.inspection_type).ok_or_else(|| {
            QuotaError::Invalid(format!(
                "`{}` has no inspection type `{}`",
                t.id(),
                r.inspection_type
            ))
        })?;
        for p in [r.inspecting, r.inspected] {
            if !t.parties().contains(&p) {
                return Err(QuotaError::Invalid(format!(
                    "{p} is not a party to `{}`",
                    t.id()
                )));
            }
        }
        if r.inspecting == r.inspected {
            return Err(QuotaError::Invalid(format!(
                "{} cannot inspect itself",
                r.inspecting
            )));
        }
        if !self.ids.insert(r.id.clone()) {
            return Err(QuotaError::Invalid(format!(
                "inspection id `{}` was already used",
                r.id
            )));
        }
        let refuse = |ids: &mut BTreeSet<String>, e: QuotaError| {
            ids.remove(&r.id);
            Err(e)
        };
        let Some(eif) = t.dates().entry_into_force else {
            return refuse(
                &mut self.ids,
                QuotaError::Invalid(format!("`{}` has no date of entry into force", t.id())),
            );
        };
        let earliest =
            eif + chrono::Days::new(u64::from(kind.earliest_days_after_entry_into_force));
        if r.date < earliest {
            return refuse(
                &mut self.ids,
                QuotaError::Invalid(format!(
                    "`{}` inspections may start on {earliest} ({} days after entry into force), not {}",
                    kind.id, kind.earliest_days_after_entry_into_force, r.date
                )),
            );
        }
        let (year_start, year_end) = t.quota_year(kind.quota_year, eif, r.date);
        let quota = kind.quota(r.inspecting, r.inspected);
        let used = self
            .accepted
            .iter()
            .filter(|a| {
                a.inspection_type == r.inspection_type
                    && a.inspecting == r.inspecting
                    && a.inspected == r.inspected
                    && a.date >= year_start
                    && a.date < year_end
            })
            .count() as u32;
        if used >= quota {
            return refuse(
                &mut self.ids,
                QuotaError::OverQuota {
                    inspection_type: r.inspection_type.clone(),
                    inspecting: r.inspecting,
                    inspected: r.inspected,
                    quota,
                    year_start,
                    year_end,
                },
            );
        }
        self.accepted.push(r);
        Ok(used + 1)
    }

    /// The accepted requests, in order.
    pub fn accepted(&self) -> &[Request] {
        &self.accepted
    }

    /// Every request the logs record, in the order the quota counts them (request date, then
    /// inspecting party, then log index), each checked in turn: the ledger of the accepted
    /// ones and every request's outcome. A request under another treaty is refused without
    /// using any quota. This is the one place requests are counted against quotas.
    pub fn replay<'a>(
        treaty: &'t Treaty,
        mut requests: Vec<RecordedRequest<'a>>,
    ) -> (Self, RequestOutcomes<'a>) {
        requests.sort_by_key(|r| (r.date, r.party, r.index));
        let mut ledger = Self::new(treaty);
        let outcomes = requests
            .into_iter()
            .map(|r| {
                let outcome = if r.request.treaty != treaty.id() {
                    Err(QuotaError::OtherTreaty {
                        id: r.request.inspection.clone(),
                        requested: r.request.treaty.clone(),
                        judged: treaty.id().to_string(),
                    })
                } else {
                    ledger.request(Request {
                        id: r.request.inspection.clone(),
                        inspection_type: r.request.inspection_type.clone(),
                        inspecting: r.party,
                        inspected: r.request.inspected,
                        date: r.date,
                    })
                };
                (r, outcome)
            })
            .collect();
        (ledger, outcomes)
    }

    /// The accepted requests per quota year, type and ordered pair, with each quota.
    pub fn usage(&self) -> Vec<QuotaUse> {
        let t = self.treaty;
        let Some(eif) = t.dates().entry_into_force else {
            return Vec::new();
        };
        let mut out: BTreeMap<(NaiveDate, String, PartyCode, PartyCode), QuotaUse> =
            BTreeMap::new();
        for a in &self.accepted {
            let Some(kind) = t.inspection_type(&a.inspection_type) else {
                continue;
            };
            let (year_start, year_end) = t.quota_year(kind.quota_year, eif, a.date);
            out.entry((year_start, kind.id.clone(), a.inspecting, a.inspected))
                .or_insert_with(|| QuotaUse {
                    year_start,
                    year_end,
                    inspection_type: kind.id.clone(),
                    type_name: kind.name.clone(),
                    inspecting: a.inspecting,
                    inspected: a.inspected,
                    used: 0,
                    quota: kind.quota(a.inspecting, a.inspected),
                })
                .used += 1;
        }
        out.into_values().collect()
    }
}
