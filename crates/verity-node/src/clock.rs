//! The date a node records its appends on: the system's UTC date, a fixed date, or an exercise
//! clock that the exercise's driver moves forward (so a treaty year can be played in seconds).

use chrono::NaiveDate;
use std::sync::{Arc, Mutex};

/// Where a node's "today" comes from.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system clock's UTC date.
    #[default]
    System,
    /// Always this date.
    Fixed(NaiveDate),
    /// A date the exercise sets; shared by every node of the exercise.
    Exercise(Arc<Mutex<NaiveDate>>),
}

impl Clock {
    /// An exercise clock starting on `start`.
    pub fn exercise(start: NaiveDate) -> Self {
        Self::Exercise(Arc::new(Mutex::new(start)))
    }

    /// Today's date on this clock.
    pub fn today(&self) -> NaiveDate {
        match self {
            Self::System => chrono::Utc::now().date_naive(),
            Self::Fixed(d) => *d,
            Self::Exercise(d) => *d.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// Seconds since the epoch on this clock: the system's time; on a fixed or exercise date,
    /// a time in that date's afternoon (UTC) that grows with the real time of day, so a witness
    /// under an exercise stamps its cosignatures on the exercise's date, clear of midnight.
    pub fn timestamp(&self) -> u64 {
        let now = chrono::Utc::now();
        let secs = match self {
            Self::System => now.timestamp(),
            Self::Fixed(_) | Self::Exercise(_) => {
                let noon = self
                    .today()
                    .and_time(chrono::NaiveTime::MIN)
                    .and_utc()
                    .timestamp()
                    + 12 * 3600;
                noon + i64::from(chrono::Timelike::num_seconds_from_midnight(&now.time()) / 2)
            }
        };
        u64::try_from(secs).unwrap_or(0)
    }

    /// Moves an exercise clock to `date` (never back); other clocks are not moved.
    pub fn advance_to(&self, date: NaiveDate) {
        if let Self::Exercise(d) = self {
            let mut d = d.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if date > *d {
                *d = date;
            }
        }
    }
}
