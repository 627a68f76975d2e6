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
            Self::Exercise(d) => *d.lock().expect("clock lock"),
        }
    }

    /// Moves an exercise clock to `date` (never back); other clocks are not moved.
    pub fn advance_to(&self, date: NaiveDate) {
        if let Self::Exercise(d) = self {
            let mut d = d.lock().expect("clock lock");
            if date > *d {
                *d = date;
            }
        }
    }
}
