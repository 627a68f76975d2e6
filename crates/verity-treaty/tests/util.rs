//! Shared helpers: dates, the built-in treaties, and a small treaty text to break on purpose.

use chrono::NaiveDate;
use verity_treaty::{Treaty, builtin};

pub(crate) fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(crate) fn new_start() -> Treaty {
    builtin::treaty("new-start").unwrap()
}

pub(crate) fn treaty_text(id: &str) -> &'static str {
    builtin::TREATIES
        .iter()
        .find(|(i, _, _)| *i == id)
        .unwrap()
        .2
}
