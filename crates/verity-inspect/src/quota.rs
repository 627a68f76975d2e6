//! The yearly quota ledger: each request is checked against the treaty's inspection type, its
//! quota for the ordered pair of parties in the quota year of the request's date, and the
//! earliest date inspections may start. A refused request changes nothing.

use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;
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
    /// Anything else that makes the request invalid, in words.
    #[error("{0}")]
    Invalid(String),
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
        let kind = t
            .inspections()
            .iter()
            .find(|i| i.id == r.inspection_type)
            .ok_or_else(|| {
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
}
