//! Notification deadlines: each notification recorded later than the treaty's deadline for
//! its event (days after the event, or the next data exchange) is a violation; events the
//! treaty does not notify, or notified before they happened, are warnings.

use chrono::{Days, NaiveDate};
use verity_log::EntryBody;
use verity_treaty::Treaty;
use verity_treaty::model::NotificationDeadline;

use verity_treaty::Rule;

use super::{Findings, PartyLog};

/// The deadline of a notification for an event on `event`, under the treaty.
fn notification_due(
    treaty: &Treaty,
    kind: NotificationDeadline,
    event: NaiveDate,
) -> Option<NaiveDate> {
    match kind {
        NotificationDeadline::DaysAfterEvent(d) => Some(event + Days::new(u64::from(d))),
        NotificationDeadline::NextDataExchange => {
            let start = treaty.dates().entry_into_force?;
            treaty
                .exchange_schedule(start, treaty.expiry())
                .into_iter()
                .find(|x| x.as_of > event)
                .map(|x| x.deadline)
        }
    }
}

pub(super) fn check_notifications(treaty: &Treaty, pl: &PartyLog<'_>, findings: &mut Findings) {
    for (index, body) in pl.bodies() {
        let EntryBody::Notification(n) = body else {
            continue;
        };
        let (event, Some(recorded)) = (n.event_date, pl.recorded(index)) else {
            continue;
        };
        let ev = n.event;
        let Some(kind) = treaty
            .notifications()
            .iter()
            .find(|t| t.events.contains(&ev))
        else {
            findings.add(
                Rule::EventNotNotifiable,
                pl.party,
                None,
                format!(
                    "`{}` notifies a `{}` event, which `{}` has no notification for",
                    n.uid,
                    ev.as_str(),
                    treaty.id()
                ),
                vec![pl.evidence(index)],
            );
            findings.about(&n.uid);
            continue;
        };
        if event > recorded {
            findings.add(
                Rule::NotificationBeforeEvent,
                pl.party,
                None,
                format!(
                    "`{}`: `{}` on {event} was notified on {recorded}, before it happened",
                    n.uid,
                    ev.as_str()
                ),
                vec![pl.evidence(index)],
            );
            findings.about(&n.uid);
            findings.cite(&kind.reference);
        }
        if let Some(due) = notification_due(treaty, kind.deadline, event)
            && recorded > due
        {
            let rule = match kind.deadline {
                NotificationDeadline::DaysAfterEvent(d) => format!("within {d} days"),
                NotificationDeadline::NextDataExchange => "with the next data exchange".into(),
            };
            findings.add(
                Rule::LateNotification,
                pl.party,
                None,
                format!(
                    "`{}`: `{}` on {event} was due {rule}, by {due}; recorded on {recorded}, {} days late ({})",
                    n.uid,
                    ev.as_str(),
                    (recorded - due).num_days(),
                    kind.reference
                ),
                vec![pl.evidence(index)],
            );
            findings.about(&n.uid);
            findings.cite(&kind.reference);
        }
    }
}
