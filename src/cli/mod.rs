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

/// Runs a parsed command line. `clock` is the machine's date: the day the
/// run takes as today, unless [`TODAY_VAR`] names another.
pub fn run(cli: Cli, clock: Day) -> Result<Exit> {
    let today = today(std::env::var_os(TODAY_VAR), clock)?;
    match cli.command {
        Command::Recommend(args) => recommend::run(*args, today),
        Command::Batch(args) => batch::run(args, today),
        Command::Policy(args) => policy::run(args, today),
        Command::Ltv(args) => ltv::run(args, today),
    }
}

pub use crate::input::escape_controls;

/// The environment variable that sets the day a run takes as today
/// (`YYYY-MM-DD`): a run of another day's cases, or of a test, reproduced
/// as it was answered then.
pub const TODAY_VAR: &str = "GOODWILL_TODAY";

/// Today: the day `set` (the value of [`TODAY_VAR`]) names, or `clock`.
fn today(set: Option<std::ffi::OsString>, clock: Day) -> Result<Day> {
    let Some(set) = set.filter(|s| !s.is_empty()) else {
        return Ok(clock);
    };
    let text = set.to_string_lossy();
    crate::date::parse(&text).ok_or_else(|| {
        UsageError(format!(
            "`{TODAY_VAR}`: `{}` is not a date (expected YYYY-MM-DD)",
            escape_controls(&text, &[])
        ))
        .into()
    })
}

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
