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
    match commands::run(&args) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether the error is stdout closing under us (`verity … | head`): not a failure.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
