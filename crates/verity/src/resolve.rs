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

/// The private store's passphrase: `VERITY_PASSPHRASE` if set, else a prompt on the terminal
/// (twice when `confirm`, for a new store). Never echoed, never taken from an argument.
pub(crate) fn passphrase(confirm: bool) -> Result<zeroize::Zeroizing<String>> {
    if let Ok(p) = std::env::var(verity_escrow::PASSPHRASE_ENV) {
        return Ok(zeroize::Zeroizing::new(p));
    }
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the private store needs a passphrase: set {} or run from a terminal",
            verity_escrow::PASSPHRASE_ENV
        );
    }
    let first = zeroize::Zeroizing::new(rpassword::prompt_password("Private store passphrase: ")?);
    if confirm {
        let again = zeroize::Zeroizing::new(rpassword::prompt_password("Repeat the passphrase: ")?);
        if *again != *first {
            anyhow::bail!("the two passphrases differ");
        }
    }
    Ok(first)
}
