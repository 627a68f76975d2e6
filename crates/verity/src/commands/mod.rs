//! One module per command family; `run` dispatches the parsed arguments to them and returns
//! whether the output holds findings (exit status 1).

mod check;
mod demo;
mod estimates;
mod simulate;
mod treaty;

use anyhow::Result;

use crate::Outcome;
use crate::cli::{Args, CheckCommand, Command, SimulateCommand, TreatyCommand};
use crate::resolve;

/// Runs the command the user asked for.
pub(crate) fn run(args: &Args) -> Result<Outcome> {
    let today = resolve::today(args.today);
    match &args.command {
        Command::Treaty(TreatyCommand::List) => treaty::list(today, args.json),
        Command::Treaty(TreatyCommand::Show { treaty }) => treaty::show(treaty, args.json),
        Command::Treaty(TreatyCommand::Status { treaty, on }) => {
            treaty::status(treaty, on.unwrap_or(today), args.json)
        }
        Command::Check(CheckCommand::Aggregates(c)) => check::aggregates(c, today, args.json),
        Command::Check(CheckCommand::Exchanges(c)) => check::exchanges(c, today, args.json),
        Command::Estimates { year } => estimates::run(*year, args.json),
        Command::Simulate(SimulateCommand::Sampling {
            items,
            falsified,
            checks,
            trials,
            seed,
        }) => simulate::sampling(*items, *falsified, *checks, *trials, *seed, args.json),
        Command::Demo => demo::run(today, args.json),
    }
}
