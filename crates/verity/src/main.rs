//! `verity`: the command line over Verity's libraries. It parses arguments, loads inputs, calls
//! the libraries and prints a table or JSON. Exit codes: 0 ok, 1 findings (a violation or a
//! failed verification), 2 usage or input error.

#![forbid(unsafe_code)]

#[macro_use]
mod output;
mod cli;
mod commands;
mod resolve;

use std::process::ExitCode;

use clap::Parser;

/// What a command concluded, mapped onto the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Nothing to report beyond the output.
    Clean,
    /// The output contains a violation or a verification failure.
    Findings,
}

fn main() -> ExitCode {
    let args = cli::Args::parse();
    init_tracing(&args);
    match commands::run(&args) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) if is_unverified(&err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Log lines (a node's requests, sync rounds, alarms) to stderr, filtered by `RUST_LOG`;
/// by default `verity serve` logs requests and sync, every other command only warnings.
fn init_tracing(args: &cli::Args) {
    use tracing_subscriber::EnvFilter;
    let default = match args.command {
        cli::Command::Serve { .. } => "warn,verity_node=info,tower_http=info",
        _ => "warn",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Whether the error is a node's answer that does not verify against the key: a failed
/// verification (exit 1), not a usage error.
fn is_unverified(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        matches!(
            e.downcast_ref::<verity_party::PartyError>(),
            Some(verity_party::PartyError::Unverified { .. })
        )
    })
}

/// Whether the error is stdout closing under us (`verity … | head`): not a failure.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
