//! The command-line grammar (clap): every command, flag and its help text in one place.
//! Values are parsed here (dates, years); meaning is given to them in `commands`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

/// Verity: a nuclear arms-control verification regime as software.
#[derive(Debug, Parser)]
#[command(name = "verity", version, about, propagate_version = true)]
pub(crate) struct Args {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// The date Verity takes as today (YYYY-MM-DD); defaults to the system clock's UTC date.
    #[arg(long, global = true, env = "VERITY_TODAY", value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) today: Option<NaiveDate>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Treaties: list them, show one, or tell its status on a date.
    #[command(subcommand)]
    Treaty(TreatyCommand),
    /// Judge figures against a treaty.
    #[command(subcommand)]
    Check(CheckCommand),
    /// Public warhead estimates per state (SIPRI), with sources and year-on-year change.
    Estimates {
        /// Only this year (inventories as of January).
        #[arg(long, value_name = "YYYY")]
        year: Option<i32>,
    },
    /// Detection statistics: how likely inspections are to catch falsified declarations.
    #[command(subcommand)]
    Simulate(SimulateCommand),
    /// The main job on the embedded data: every treaty's status today and New START's
    /// compliance history from the published aggregates.
    Demo,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TreatyCommand {
    /// Every built-in treaty with its parties and status today.
    List,
    /// One treaty summarised for a person: dates, categories, limits, schedule, inspections.
    Show {
        /// A built-in treaty id (see `verity treaty list`) or the path of a treaty TOML file.
        treaty: String,
    },
    /// Status on a date: not-yet-in-force, in-force, expired (or proposed, draft), with the
    /// relevant dates and the obligations that apply that day.
    Status {
        /// A built-in treaty id or the path of a treaty TOML file.
        treaty: String,
        /// The date to ask about (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CheckCommand {
    /// Every row of an aggregates CSV judged against every limit: value, ceiling, margin,
    /// verdict. Exit status 1 if any verdict is `violation`.
    Aggregates(CheckArgs),
    /// The same file against the data-exchange schedule: exchanges withheld, late or absent
    /// from the record. Exit status 1 if an exchange was withheld or late.
    Exchanges(CheckArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum SimulateCommand {
    /// Random sampling without replacement: `--checks` of `--items` drawn, `--falsified` of
    /// them false. Prints the Monte Carlo estimate with its 95% interval beside the exact
    /// hypergeometric probability.
    Sampling {
        /// N: items that could be checked.
        #[arg(long)]
        items: u64,
        /// m: items that are falsified.
        #[arg(long)]
        falsified: u64,
        /// n: items checked.
        #[arg(long)]
        checks: u64,
        /// Monte Carlo trials.
        #[arg(long, default_value_t = 100_000)]
        trials: u64,
        /// Seed: the same seed gives the same answer on any machine and thread count.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// CSV with columns date, party, one per limit id, and optionally status, delivered,
    /// derived, source.
    pub(crate) csv: PathBuf,
    /// A built-in treaty id or the path of a treaty TOML file.
    #[arg(long)]
    pub(crate) treaty: String,
    /// Assessment date: exchanges due after it are not yet owed (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) on: Option<NaiveDate>,
    /// Judge a draft or proposal against its notional dates as if it were in force (exercises).
    #[arg(long)]
    pub(crate) as_if_in_force: bool,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("expected a date YYYY-MM-DD, found `{s}`"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(parse_date("2026-11-27").is_ok());
        assert!(parse_date("27/11/2026").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("2026-02-30").is_err());
    }
}
