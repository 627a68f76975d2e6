//! Turning what the user typed into inputs: a treaty id or TOML path into a validated treaty,
//! a CSV path into text, and the clock into "today". All file reading happens here.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use verity_treaty::{Treaty, builtin};

/// A built-in treaty by id, or a treaty TOML file by path (anything that exists as a file or
/// ends in `.toml`).
pub(crate) fn treaty(arg: &str) -> Result<Treaty> {
    let path = Path::new(arg);
    if path.is_file() || arg.ends_with(".toml") {
        let text = read(path)?;
        return Ok(Treaty::from_toml(arg, &text)?);
    }
    Ok(builtin::treaty(arg)?)
}

/// Reads a text file, naming it in the error.
pub(crate) fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The date Verity takes as today: `--today`/`VERITY_TODAY`, else the system clock (UTC).
pub(crate) fn today(given: Option<NaiveDate>) -> NaiveDate {
    given.unwrap_or_else(|| chrono::Utc::now().date_naive())
}
