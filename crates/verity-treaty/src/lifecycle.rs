//! A treaty against the calendar: its status on a date (not yet in force, in force, expired,
//! proposed, draft), the data exchanges it schedules with their deadlines, and the obligations
//! that apply on a given day. Pure date arithmetic; the caller supplies "today".

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

use crate::Treaty;
use crate::model::{AdoptionState, NotificationDeadline, QuotaYear, Reference};
use crate::parse::add_years;

/// The status of an instrument on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Concluded but its entry into force is later (or not yet known).
    NotYetInForce,
    /// In force on the date.
    InForce,
    /// No longer in force: the term (with any extension) ran out.
    Expired,
    /// Offered and not accepted: binding on no one.
    Proposed,
    /// A hypothetical text.
    Draft,
}

impl Status {
    /// The kebab-case name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotYetInForce => "not-yet-in-force",
            Self::InForce => "in-force",
            Self::Expired => "expired",
            Self::Proposed => "proposed",
            Self::Draft => "draft",
        }
    }
}

/// A treaty's status on one date, with the relevant dates and day counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    /// Treaty id.
    pub treaty: String,
    /// The date asked about.
    pub on: NaiveDate,
    /// The status.
    pub status: Status,
    /// Entry into force (or, for an accepted commitment, the day it started to apply).
    pub entry_into_force: Option<NaiveDate>,
    /// The first day no longer in force.
    pub expires: Option<NaiveDate>,
    /// Days from `on` until entry into force, when that is later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_until_entry_into_force: Option<i64>,
    /// Days from `on` until expiry, while in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_until_expiry: Option<i64>,
    /// Days since expiry, when expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_since_expiry: Option<i64>,
    /// One sentence for a person.
    pub summary: String,
    /// The obligations that apply on `on` (empty unless in force).
    pub obligations: Vec<Obligation>,
}

/// One obligation that applies on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obligation {
    /// `limit`, `data-exchange`, `notification`, `inspection` or `disclosure`.
    pub kind: &'static str,
    /// What it requires, in words, with the dates that matter.
    pub description: String,
    /// Citation.
    pub reference: Reference,
}

/// Whether a scheduled data exchange is the initial one or a periodic update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExchangeKind {
    /// Data as of entry into force.
    Initial,
    /// Data at the end of a reporting period.
    Periodic,
}

/// A data exchange the treaty requires of every party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduledExchange {
    /// Initial or periodic.
    pub kind: ExchangeKind,
    /// The date the data describe.
    pub as_of: NaiveDate,
    /// The last day on which delivery is on time.
    pub deadline: NaiveDate,
}

/// 1550 → "1,550": counts as a person reads them, in sentences and tables.
pub fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

impl Treaty {
    /// The period during which the instrument binds its parties: `[start, end)`, end `None` for
    /// an unlimited term. `None` when it binds no one (proposed and not reciprocated, a draft,
    /// or concluded without a date of entry into force).
    pub fn binding_period(&self) -> Option<(NaiveDate, Option<NaiveDate>)> {
        match self.state() {
            AdoptionState::Concluded => self.dates().entry_into_force.map(|e| (e, self.expiry())),
            AdoptionState::Proposed => self
                .proposal()
                .filter(|p| p.reciprocated)
                .map(|p| (p.would_apply_from, Some(p.would_apply_until))),
            AdoptionState::Draft => None,
        }
    }

    /// The period the text describes, whether or not it binds anyone: for a draft its notional
    /// dates, for a proposal the period it would cover. Exercises assess against this.
    pub fn notional_period(&self) -> Option<(NaiveDate, Option<NaiveDate>)> {
        match (self.dates().entry_into_force, self.proposal()) {
            (Some(e), _) => Some((e, self.expiry())),
            (None, Some(p)) => Some((p.would_apply_from, Some(p.would_apply_until))),
            (None, None) => None,
        }
    }

    /// Whether the instrument binds its parties on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.binding_period()
            .is_some_and(|(s, e)| date >= s && e.is_none_or(|e| date < e))
    }

    /// The status on `on`, with day counts and the obligations that apply that day.
    pub fn status_on(&self, on: NaiveDate) -> StatusReport {
        let mut report = StatusReport {
            treaty: self.id().to_string(),
            on,
            status: Status::Draft,
            entry_into_force: None,
            expires: None,
            days_until_entry_into_force: None,
            days_until_expiry: None,
            days_since_expiry: None,
            summary: String::new(),
            obligations: Vec::new(),
        };
        match (self.state(), self.binding_period()) {
            (AdoptionState::Draft, _) => {
                report.status = Status::Draft;
                report.entry_into_force = self.dates().entry_into_force;
                report.expires = self.expiry();
                report.summary = format!(
                    "{} is a draft: it binds no one; its dates are notional, for exercises",
                    self.short_title()
                );
            }
            (AdoptionState::Proposed, None) => {
                report.status = Status::Proposed;
                if let Some(p) = self.proposal() {
                    let by: Vec<&str> = p.offered_by.iter().map(|c| c.as_str()).collect();
                    report.summary = format!(
                        "offered by {} on {}, not reciprocated: binding on no one (would have applied {} to {}). {}",
                        by.join(", "),
                        p.offered,
                        p.would_apply_from,
                        p.would_apply_until,
                        p.reply
                    );
                }
            }
            (AdoptionState::Concluded, None) => {
                report.status = Status::NotYetInForce;
                report.summary = format!("{} has no date of entry into force", self.short_title());
            }
            (_, Some((start, end))) => {
                report.entry_into_force = Some(start);
                report.expires = end;
                if on < start {
                    report.status = Status::NotYetInForce;
                    report.days_until_entry_into_force = Some(days(on, start));
                    report.summary =
                        format!("enters into force on {start}, in {} days", days(on, start));
                } else if let Some(end) = end.filter(|e| on >= *e) {
                    report.status = Status::Expired;
                    report.days_since_expiry = Some(days(end, on));
                    report.summary = format!(
                        "expired on {end}, {} days before {on}; its obligations lapsed with it",
                        days(end, on)
                    );
                } else {
                    report.status = Status::InForce;
                    report.days_until_expiry = end.map(|e| days(on, e));
                    report.summary = match end {
                        Some(e) => format!(
                            "in force since {start}; expires on {e}, in {} days",
                            days(on, e)
                        ),
                        None => format!("in force since {start}, for an unlimited term"),
                    };
                    report.obligations = self.obligations_on(on, start);
                }
            }
        }
        report
    }

    /// The data exchanges due during `[start, end)`: the initial one (data as of `start`) and
    /// one per completed reporting period. The first period begins on the first day of the
    /// month after `start` (New START Protocol Part Four, Section II(2)); a period's data are
    /// "as of" the day after it ends, and due `deadline_days` after that last day.
    pub fn exchange_schedule(
        &self,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> Vec<ScheduledExchange> {
        let Some(dx) = self.data_exchange() else {
            return Vec::new();
        };
        let mut out = vec![ScheduledExchange {
            kind: ExchangeKind::Initial,
            as_of: start,
            deadline: start + Days::new(u64::from(dx.initial_deadline_days)),
        }];
        let first_of_month =
            NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap_or(start);
        let mut period_start = first_of_month + Months::new(1);
        // A limitless treaty still needs a horizon: schedule a century at most.
        let horizon = end.unwrap_or_else(|| add_years(start, 100));
        loop {
            let next = period_start + Months::new(dx.period_months);
            if next > horizon {
                break;
            }
            let last_day = next - Days::new(1);
            out.push(ScheduledExchange {
                kind: ExchangeKind::Periodic,
                as_of: next,
                deadline: last_day + Days::new(u64::from(dx.deadline_days)),
            });
            period_start = next;
        }
        out
    }

    /// The quota year containing `on`, as `[start, end)`, for an inspection type counted from
    /// `start` (entry into force).
    pub fn quota_year(
        &self,
        kind: QuotaYear,
        start: NaiveDate,
        on: NaiveDate,
    ) -> (NaiveDate, NaiveDate) {
        match kind {
            QuotaYear::Calendar => (
                NaiveDate::from_ymd_opt(on.year(), 1, 1).unwrap_or(on),
                NaiveDate::from_ymd_opt(on.year() + 1, 1, 1).unwrap_or(on),
            ),
            QuotaYear::TreatyYear => {
                let mut k = u32::try_from(on.year() - start.year()).unwrap_or(0);
                while k > 0 && add_years(start, k) > on {
                    k -= 1;
                }
                (add_years(start, k), add_years(start, k + 1))
            }
        }
    }

    fn obligations_on(&self, on: NaiveDate, start: NaiveDate) -> Vec<Obligation> {
        let mut out = Vec::new();
        for limit in self.limits() {
            let ceiling = match &limit.max {
                crate::model::Ceiling::Common(m) => format!("at most {}", grouped(*m)),
                crate::model::Ceiling::PerParty(map) => map
                    .iter()
                    .map(|(p, m)| format!("{p} at most {}", grouped(*m)))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let when = if on >= limit.applies_from {
                "applies".to_string()
            } else {
                format!(
                    "applies from {} (in {} days)",
                    limit.applies_from,
                    days(on, limit.applies_from)
                )
            };
            out.push(Obligation {
                kind: "limit",
                description: format!("{}: {ceiling}; {when}", limit.name),
                reference: limit.reference.clone(),
            });
        }
        if let Some(dx) = self.data_exchange() {
            let schedule = self.exchange_schedule(start, self.expiry());
            for ex in schedule
                .iter()
                .filter(|x| x.as_of <= on && on <= x.deadline)
            {
                out.push(Obligation {
                    kind: "data-exchange",
                    description: format!("data as of {} due by {}", ex.as_of, ex.deadline),
                    reference: dx.reference.clone(),
                });
            }
            if let Some(next) = schedule.iter().find(|x| x.as_of > on) {
                out.push(Obligation {
                    kind: "data-exchange",
                    description: format!(
                        "next data as of {}, due by {}",
                        next.as_of, next.deadline
                    ),
                    reference: dx.reference.clone(),
                });
            }
        }
        for n in self.notifications() {
            let due = match n.deadline {
                NotificationDeadline::DaysAfterEvent(d) => format!("within {d} days of the event"),
                NotificationDeadline::NextDataExchange => "with the next data exchange".to_string(),
            };
            out.push(Obligation {
                kind: "notification",
                description: format!("{}: {due}", n.name),
                reference: n.reference.clone(),
            });
        }
        for i in self.inspections() {
            let (ys, ye) = self.quota_year(i.quota_year, start, on);
            let earliest = start + Days::new(u64::from(i.earliest_days_after_entry_into_force));
            let from = if on < earliest {
                format!("; first allowed {earliest}")
            } else {
                String::new()
            };
            let quotas = if i.pair_quotas.is_empty() {
                format!(
                    "{} per year by each party on each other party",
                    i.quota_per_year
                )
            } else {
                let mut parts = Vec::new();
                for a in self.parties() {
                    for b in self.parties().iter().filter(|b| *b != a) {
                        parts.push(format!("{a}→{b} {}", i.quota(*a, *b)));
                    }
                }
                format!("per year: {}", parts.join(", "))
            };
            out.push(Obligation {
                kind: "inspection",
                description: format!(
                    "{} inspections: {quotas} (quota year {ys} to {}){from}",
                    i.name,
                    ye - Days::new(1)
                ),
                reference: i.reference.clone(),
            });
        }
        for s in self.disclosure_stages() {
            let due = start + Months::new(s.months_after_entry_into_force);
            if due > on {
                out.push(Obligation {
                    kind: "disclosure",
                    description: format!(
                        "stage {} ({:?}) due {due}: {}",
                        s.stage, s.level, s.scope
                    ),
                    reference: s.reference.clone(),
                });
                break;
            }
        }
        out
    }
}
