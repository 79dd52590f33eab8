//! The command line: one module per subcommand, each owning its arguments
//! (whose `///` docs are the help text) and its `run`.
//!
//! The command layer reads files, the clock and the terminal, then hands
//! plain data to the engine; it knows nothing of the model's arithmetic.

pub mod batch;
pub mod inputs;
pub mod ltv;
pub mod output;
pub mod policy;
pub mod recommend;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::date::Day;
use crate::exit::Exit;

/// goodwill: the right goodwill gesture for a customer's problem, and what it is worth.
#[derive(Debug, Parser)]
#[command(name = "goodwill", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Recommend a remedy for one case, with its lifetime-value impact.
    Recommend(Box<recommend::Args>),
    /// Recommend a remedy for every incident of a CSV file.
    Batch(batch::Args),
    /// Check, test and compare policies.
    Policy(policy::Args),
    /// Customer lifetime value: fit the BG/NBD and Gamma-Gamma models, and score customers.
    Ltv(ltv::Args),
}

/// Runs a parsed command line. `today` is the default incident date.
pub fn run(cli: Cli, today: Day) -> Result<Exit> {
    match cli.command {
        Command::Recommend(args) => recommend::run(*args, today),
        Command::Batch(args) => batch::run(args, today),
        Command::Policy(args) => policy::run(args, today),
        Command::Ltv(args) => ltv::run(args, today),
    }
}

pub use crate::input::escape_controls;

/// Writes a message to standard error, beside the output.
///
/// Unlike `eprint!`, which panics (exit 101) when standard error is a closed
/// pipe (`goodwill batch in.csv -o out.csv 2>&1 | head -1`), a failed write is
/// ignored: the message is lost, but not the output nor the exit code.
pub fn to_stderr(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_fmt(text);
}

/// A mistake in how the command was called (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code an error maps to.
pub fn exit_for(err: &anyhow::Error) -> Exit {
    if err.downcast_ref::<UsageError>().is_some() || err.downcast_ref::<crate::policy::PolicyError>().is_some() {
        Exit::Usage
    } else {
        Exit::Failure
    }
}
