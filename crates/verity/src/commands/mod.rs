//! One module per command family; `run` dispatches the parsed arguments to them and returns
//! whether the output holds findings (exit status 1).

mod bench;
mod check;
mod demo;
mod escrow;
mod estimates;
mod inspect;
mod log;
mod node;
mod overview;
mod party;
mod simulate;
mod treaty;

use anyhow::Result;

use crate::Outcome;
use crate::cli::{
    Args, BenchCommand, CheckCommand, Command, InspectCommand, LogCommand, SimulateArgs,
    SimulateCommand, TreatyCommand,
};
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
        Command::Check(CheckCommand::Accounting(c)) => check::accounting(c, today, args.json),
        Command::Estimates { year } => estimates::run(*year, args.json),
        Command::Simulate(SimulateArgs {
            command:
                Some(SimulateCommand::Sampling {
                    items,
                    falsified,
                    checks,
                    trials,
                    seed,
                }),
            ..
        }) => simulate::sampling(*items, *falsified, *checks, *trials, *seed, args.json),
        Command::Simulate(a) => simulate::regime(a, args.json),
        Command::Design(d) => simulate::design(d, args.json),
        Command::Demo(d) => demo::run(d, args.json),
        Command::Overview => overview::run(today, args.json),
        Command::Keygen { party, out, name } => {
            escrow::keygen(party, out, name.as_deref(), args.json)
        }
        Command::Log(LogCommand::Init { party, key, db }) => {
            escrow::log_init(party, key, db, args.json)
        }
        Command::Log(LogCommand::Checkpoint { db }) => log::checkpoint(db, args.json),
        Command::Log(LogCommand::Prove {
            db,
            index,
            size,
            from,
            to,
        }) => log::prove(db, *index, *size, *from, *to, args.json),
        Command::Log(LogCommand::Entries { db, from, to }) => {
            log::entries(db, *from, *to, args.json)
        }
        Command::Declare {
            own,
            inventory,
            treaty,
            as_of,
            clear_aggregates,
            hide_totals,
            empty_facilities,
        } => escrow::declare(
            own,
            inventory,
            treaty,
            *as_of,
            verity_party::Publish {
                clear_aggregates: *clear_aggregates,
                hide_totals: *hide_totals,
                empty_facilities: empty_facilities.clone(),
                ..Default::default()
            },
            today,
            args.json,
        ),
        Command::Disclose {
            own,
            stage,
            sites,
            declaration,
            treaty,
        } => escrow::disclose(
            own,
            *stage,
            sites,
            *declaration,
            treaty.as_deref(),
            today,
            args.json,
        ),
        Command::Open {
            db,
            item,
            declaration,
        } => escrow::open(db, item, *declaration),
        Command::VerifyOpening {
            file,
            checkpoint,
            key,
        } => escrow::verify_opening(file, checkpoint, key, args.json),
        Command::Audit { db, key, treaty } => log::run_audit(db, key, treaty.as_deref(), args.json),
        Command::Bench(BenchCommand::Append { db, entries }) => bench::append(db, *entries, today),
        Command::Bench(BenchCommand::Commit { items }) => bench::commit(*items, args.json),
        Command::Bench(BenchCommand::Audit { entries }) => {
            bench::audit_bench(*entries, today, args.json)
        }
        Command::Bench(BenchCommand::Simulate { trials }) => simulate::bench(*trials, args.json),
        Command::Bench(BenchCommand::Serve {
            seconds,
            clients,
            entries,
        }) => node::bench_serve(*seconds, *clients, *entries, args.json),
        Command::Bench(BenchCommand::Proofs { categories, sites }) => {
            bench::proofs(*categories, *sites, args.json)
        }
        Command::Bench(BenchCommand::Seal { items }) => bench::seal(*items, args.json),
        Command::Notify {
            own,
            event,
            uid,
            event_date,
            site,
            status,
            warheads,
            class,
            item_type,
            declaration,
        } => inspect::notify(
            own,
            event,
            uid,
            *event_date,
            &verity_party::ItemChange {
                site: site.clone(),
                status: status.clone(),
                warheads: *warheads,
                class: class.clone(),
                item_type: item_type.clone(),
            },
            *declaration,
            today,
            args.json,
        ),
        Command::Inspect(InspectCommand::Request {
            own,
            id,
            inspection_type,
            inspected_log,
            treaty,
        }) => inspect::request(
            own,
            id,
            inspection_type,
            inspected_log,
            treaty,
            today,
            args.json,
        ),
        Command::Inspect(InspectCommand::CommitSeed {
            own,
            id,
            request_log,
        }) => inspect::commit_seed(own, id, request_log.as_deref(), today, args.json),
        Command::Inspect(InspectCommand::RevealSeed {
            own,
            id,
            other_log,
            treaty,
        }) => inspect::reveal_seed(own, id, other_log, treaty, today, args.json),
        Command::Inspect(InspectCommand::Select {
            logs,
            keys,
            id,
            treaty,
            private,
        }) => inspect::select(logs, keys, id, treaty, private.as_deref(), today, args.json),
        Command::Inspect(InspectCommand::Open {
            own,
            id,
            request_log,
            treaty,
        }) => inspect::open(own, id, request_log, treaty, today, args.json),
        Command::Inspect(InspectCommand::Record {
            own,
            id,
            opening_log,
            observations,
        }) => inspect::record(own, id, opening_log, observations, today, args.json),
        Command::Serve {
            db,
            listen,
            peers,
            sync_every,
            treaty,
            as_if_in_force,
        } => node::serve(
            db,
            listen,
            peers.as_deref(),
            *sync_every,
            args.today,
            node::dashboard_config(db, treaty.as_deref(), *as_if_in_force)?,
        ),
        Command::Compliance {
            logs,
            keys,
            treaty,
            on,
            as_if_in_force,
            witnesses,
        } => inspect::compliance(
            logs,
            keys,
            witnesses,
            treaty,
            on.unwrap_or(today),
            *as_if_in_force,
            args.json,
        ),
    }
}
