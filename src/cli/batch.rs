//! `goodwill batch`: every incident of a CSV file answered, one output row per
//! input row, in input order (SPEC §6).
//!
//! The work is in [`crate::batch`]; this file reads the flags, shows progress
//! on a terminal, reports rejected rows on standard error and writes the rows
//! (atomically, when to a file) and the summary.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::inputs::Inputs;
use crate::batch::{self, Data, Decision, Outcome, Outcomes, Summary, Timer};
use crate::date::Day;
use crate::exit::Exit;
use crate::render;

/// How to write the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One CSV row per incident, with a header.
    Csv,
    /// One JSON object per line per incident, same names as the CSV columns.
    Jsonl,
    /// No rows: only the summary tables.
    Table,
}

/// How many rejected rows are echoed on standard error (all are in the output).
const ECHOED: usize = 20;

/// Rows formatted per parallel task, and per write.
const ROWS_PER_TASK: usize = 8192;
const ROWS_PER_WRITE: usize = 16 * ROWS_PER_TASK;

/// Recommend a remedy for every incident of a CSV file.
///
/// Writes one row per incident, in input order: case_id, customer_id, kind,
/// decision (gesture, escalate or error), gesture, cost, value, future_value,
/// churn_before, churn_after, impact, rule, error, then line, date, label,
/// p_alive, value_at_risk, escalation. Money is written to cents, shares to 6
/// decimals. A rejected row has decision `error` and its line and reason in
/// `error`; the batch goes on and exits with code 3.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  goodwill batch incidents.csv --history history.csv -o answers.csv --summary\n  \
    cat incidents.csv | goodwill batch - --history history.csv --format jsonl > answers.jsonl\n\n\
    The summary goes to standard output when the rows go to a file (-o), and to standard error \
    when the rows go to standard output."
)]
pub struct Args {
    /// Incidents CSV: case_id, customer_id, kind [, date, loss, order_value, severity, channel, ...]; `-` is standard input
    #[arg(value_name = "INCIDENTS.csv")]
    pub incidents: PathBuf,
    /// Write the rows to this file (atomically) instead of standard output; `-` is standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Also print the summary: decisions per gesture, cost and impact, overall and per kind
    #[arg(long)]
    pub summary: bool,
    /// No progress bar
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub inputs: Inputs,
}

/// Runs `goodwill batch`.
pub fn run(args: Args, today: Day) -> Result<Exit> {
    let timer = Timer::start();
    let policy = args.inputs.load_policy()?;
    let progress = Progress::new(args.quiet);
    progress.phase("reading inputs");
    let sources = args.inputs.files.sources();
    let data = Data::load(&args.incidents, &sources, today)?;
    timer.phase("load (total)");
    progress.evaluating(data.len() as u64);
    let outcomes = batch::evaluate_with_progress(&policy, &data, &|n| progress.bar.inc(n));
    timer.phase("evaluate (total)");
    progress.phase("writing");
    let to_file = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let summary = (args.summary || args.format == Format::Table).then(|| Summary::of(&outcomes));
    let table = summary.as_ref().map(|s| render::summary::summary(s, &policy.currency));
    match (args.format, &table) {
        (Format::Table, Some(text)) => crate::cli::output::write(to_file, |w| Ok(w.write_all(text.as_bytes())?))?,
        _ => crate::cli::output::write(to_file, |w| write_rows(w, &outcomes, args.format))
            .with_context(|| output_name(to_file))?,
    }
    timer.phase("write");
    progress.bar.finish_and_clear();

    let rejected: Vec<&Outcome<'_>> = outcomes.iter().filter(|o| o.decision == Decision::Error).collect();
    report_rejected(&data.file, &rejected, outcomes.len());
    if args.format != Format::Table
        && let Some(text) = &table
    {
        // Beside rows on standard output, the summary must not mix into them.
        if to_file.is_some() {
            crate::cli::output::write(None, |w| Ok(w.write_all(text.as_bytes())?))?;
        } else {
            eprint!("{text}");
        }
    }
    let exit = if rejected.is_empty() {
        Exit::Success
    } else {
        Exit::Rejected
    };
    // Millions of small allocations: the process is about to end, and freeing
    // them one by one would take a large share of the run.
    std::mem::forget(rejected);
    std::mem::forget(outcomes);
    std::mem::forget(data);
    Ok(exit)
}

fn output_name(path: Option<&Path>) -> String {
    match path {
        Some(p) => format!("cannot write `{}`", p.display()),
        None => "cannot write to standard output".to_string(),
    }
}

/// Formats the rows on every core, a slice at a time, and writes them in order.
fn write_rows(w: &mut dyn Write, outcomes: &Outcomes<'_>, format: Format) -> Result<()> {
    let row = match format {
        Format::Jsonl => render::csv::json_row,
        _ => render::csv::row,
    };
    if format == Format::Csv {
        let mut head = Vec::new();
        render::csv::header(&mut head);
        w.write_all(&head)?;
    }
    for from in (0..outcomes.len()).step_by(ROWS_PER_WRITE) {
        let to = (from + ROWS_PER_WRITE).min(outcomes.len());
        let parts: Vec<Vec<u8>> = (from..to)
            .into_par_iter()
            .step_by(ROWS_PER_TASK)
            .map(|start| {
                let rows = outcomes.range(start..(start + ROWS_PER_TASK).min(to));
                let mut buf = Vec::with_capacity(rows.len() * 160);
                for o in rows {
                    row(&mut buf, o);
                }
                buf
            })
            .collect();
        for part in parts {
            w.write_all(&part)?;
        }
    }
    Ok(())
}

/// Echoes the first rejected rows on standard error, then how many there were.
fn report_rejected(file: &str, rejected: &[&Outcome<'_>], total: usize) {
    for o in rejected.iter().take(ECHOED) {
        eprintln!(
            "error: `{file}`: line {}: {}",
            o.line,
            o.error.as_deref().unwrap_or_default()
        );
    }
    if !rejected.is_empty() {
        let shown = if rejected.len() > ECHOED {
            format!(" (the first {ECHOED} shown above; every one is in the output's `error` column)")
        } else {
            String::new()
        };
        eprintln!(
            "error: `{file}`: {} of {total} row{} rejected{shown}",
            rejected.len(),
            if total == 1 { "" } else { "s" }
        );
    }
}

/// The progress bar: on standard error when it is a terminal, hidden otherwise or with `--quiet`.
struct Progress {
    bar: ProgressBar,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        };
        Progress { bar }
    }

    fn phase(&self, what: &str) {
        self.bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        self.bar.set_message(what.to_string());
    }

    fn evaluating(&self, cases: u64) {
        self.bar.set_length(cases);
        self.bar.set_position(0);
        self.bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} cases {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }
}
