//! `goodwill batch`: every incident of a CSV file answered, one output row per
//! input row, in input order (the README's "Batch").
//!
//! The work is in [`crate::batch`]; this file reads the flags, shows progress
//! on a terminal, reports rejected rows on standard error and writes the rows
//! (atomically, when to a file) and the summary.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::inputs::Inputs;
use crate::batch::{self, Data, Outcome, Rendered, Sources};
use crate::date::Day;
use crate::engine::Reader;
use crate::exit::Exit;
use crate::policy::Policy;
use crate::policy::fields::Scope;
use crate::timing::Timer;
use crate::{money, render};

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

/// How many rejected rows (all are in the output), or repeated case ids, are echoed on standard error.
pub(super) const ECHOED: usize = 20;

/// Rows gathered per parallel task, and per write.
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
    args.inputs.check_stdin(Some(&args.incidents))?;
    let (policy, loaded) = args.inputs.load_policy_report()?;
    if let (Some(path), Some(loaded)) = (&args.inputs.policy, &loaded) {
        super::inputs::warn_of_policy_warnings(&policy, loaded, path);
    }
    let mut named = args.inputs.named(Some(&args.incidents));
    named.push(super::inputs::model_file(&policy));
    crate::cli::output::not_an_input(args.output.as_deref(), &named)?;
    let to_file = args.output.as_deref().filter(|p| !crate::cli::output::is_stdout(p));
    // Before the inputs are read: an output that cannot be written fails now,
    // not after a batch of millions of rows.
    let output = crate::cli::output::Output::create(to_file)?;
    let progress = Progress::new(args.quiet);
    progress.phase("reading inputs");
    let sources = Sources {
        single_line: policy.single_line_columns(),
        ..args.inputs.files.sources()
    };
    let data = Data::load(&args.incidents, &sources, today)?;
    check_columns(&data, &[&policy])?;
    warn_of_no_history(&sources);
    warn_of_no_ledger(&sources, &[&policy]);
    if let Some(path) = &sources.ledger {
        let file = path.display().to_string();
        for gesture in data.ledger.gestures() {
            if let Some(warning) = policy.ledger_gesture_warning(&file, gesture) {
                super::to_stderr(format_args!("warning: {}\n", echoed(&warning)));
            }
        }
    }
    timer.phase("load (total)");
    progress.evaluating(data.len() as u64);
    let render: fn(&mut Vec<u8>, &Outcome<'_>) = match args.format {
        Format::Csv => render::csv::row,
        Format::Jsonl => render::csv::json_row,
        Format::Table => |_, _| {},
    };
    let summarize = args.summary || args.format == Format::Table;
    let rendered = batch::evaluate_rendered(&policy, &data, &|n| progress.bar.inc(n), render, summarize);
    timer.phase("evaluate (total)");
    progress.phase("writing");
    let table = summarize.then(|| render::summary::summary(&rendered.summary, &policy.currency));
    // A reader that stops early (`| head`) leaves the batch finished: its
    // rejected rows are still reported and still make the exit code 3.
    let kept = crate::cli::output::unless_reader_gone;
    // Once the rows are written, and before they replace an old file: the
    // rejected rows, then, beside rows in a file, the summary on standard
    // output. A summary that cannot be printed (a full disk) fails the run
    // with the old file as it was, as exit 1 says.
    let after_rows = || {
        progress.bar.finish_and_clear();
        report_rejected(&data.file, &rendered.rejected, rendered.len(), ALL_IN_OUTPUT);
        match (&table, to_file) {
            (Some(text), Some(_)) if args.format != Format::Table => {
                kept(crate::cli::output::write(None, |w| Ok(w.write_all(text.as_bytes())?)))
            }
            _ => Ok(()),
        }
    };
    // The search for repeated case ids keeps the core the write leaves idle busy.
    let (written, repeated) = rayon::join(
        || match (args.format, &table) {
            (Format::Table, Some(text)) => output.write_then(|w| Ok(w.write_all(text.as_bytes())?), after_rows),
            _ => output.write_then(|w| write_rows(w, &rendered, args.format), after_rows),
        },
        || data.duplicate_case_ids(ECHOED),
    );
    kept(written)?;
    timer.phase("write");

    let rejected = &rendered.rejected;
    report_repeated(&data.file, &repeated);
    report_row_like(&data);
    if args.format != Format::Table
        && to_file.is_none()
        && let Some(text) = &table
    {
        // Beside rows on standard output, the summary must not mix into them.
        super::to_stderr(format_args!("{text}"));
    }
    let exit = if rejected.is_empty() {
        Exit::Success
    } else {
        Exit::Rejected
    };
    // Millions of small allocations: the process is about to end, and freeing
    // them one by one would take a large share of the run.
    std::mem::forget(rendered);
    std::mem::forget(data);
    Ok(exit)
}

/// Writes the rows in input order, gathered on every core a slice at a time.
fn write_rows(w: &mut dyn Write, rendered: &Rendered, format: Format) -> Result<()> {
    if format == Format::Csv {
        let mut head = Vec::new();
        render::csv::header(&mut head);
        w.write_all(&head)?;
    }
    for from in (0..rendered.len()).step_by(ROWS_PER_WRITE) {
        let to = (from + ROWS_PER_WRITE).min(rendered.len());
        let parts: Vec<Vec<u8>> = (from..to)
            .into_par_iter()
            .step_by(ROWS_PER_TASK)
            .map(|start| {
                let rows = start..(start + ROWS_PER_TASK).min(to);
                let mut buf = Vec::with_capacity(rows.len() * 176);
                for i in rows {
                    buf.extend_from_slice(rendered.row(i));
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

/// A forgotten `--history` in a script answers every row, exit 0, with
/// figures that look right, every customer as new.
pub(super) fn warn_of_no_history(sources: &Sources) {
    if sources.history.is_none() {
        super::to_stderr(format_args!(
            "warning: no history file (--history): every customer is answered as a new customer\n"
        ));
    }
}

/// A forgotten `--ledger` under 12-month limits grants gestures to
/// customers who had their share before the batch: the limits count only
/// the batch's own gestures.
pub(super) fn warn_of_no_ledger(sources: &Sources, policies: &[&Policy]) {
    if sources.ledger.is_none() && policies.iter().any(|p| p.limits.over_12_months()) {
        super::to_stderr(format_args!(
            "warning: no ledger file (--ledger): the 12-month limits count only the gestures of this run\n"
        ));
    }
}

/// Refuses an incidents column misnamed for a field the `policies` read,
/// and warns of each near miss among the columns they do not read.
pub(super) fn check_columns(data: &Data, policies: &[&Policy]) -> Result<()> {
    // The engine reads these itself; severity and channel only through expressions.
    let mut read = vec!["case_id", "customer_id", "kind", "date", "loss", "order_value"];
    for field in ["severity", "channel"] {
        if policies.iter().any(|p| p.reads(&format!("incident.{field}"))) {
            read.push(field);
        }
    }
    read.extend(policies.iter().flat_map(|p| p.attribute_columns(Scope::Incident)));
    for warning in data.check_columns(&read)? {
        super::to_stderr(format_args!("warning: {}\n", echoed(&warning)));
    }
    for warning in absent_columns(data, policies) {
        super::to_stderr(format_args!("warning: {}\n", echoed(&warning)));
    }
    Ok(())
}

/// A warning for each field a case of the file's kinds may read under the
/// `policies` that the incidents file has no column for: every row then
/// reads its empty value, and a file exported without `order_value` (or
/// with `coupon_percent` for `coupon_pct`) is answered with figures that
/// look right.
fn absent_columns(data: &Data, policies: &[&Policy]) -> Vec<String> {
    let absent = |name: &str| !data.columns.iter().any(|c| c == name);
    let file = &data.file;
    let mut warnings = Vec::new();
    if absent("date") {
        warnings.push(format!("`{file}` has no column `date`: every incident is dated today"));
    }
    // Each gesture's recovery divides its value by the loss: over 0, a ratio of 1.
    if absent("loss") {
        warnings.push(format!(
            "`{file}` has no column `loss`, which every gesture's recovery reads (its value over the loss): \
             it is read as 0 for every incident, so every gesture of value is weighed as if it made up the whole \
             loss"
        ));
    }
    // Each field: its name, what it reads as, where it is missing, and whose it is.
    let lacking_column = |name: &str| absent(name).then(|| format!("`{file}` has no column `{name}`"));
    let standard = [
        ("order_value", "0".to_string()),
        ("severity", crate::input::incidents::DEFAULT_SEVERITY.to_string()),
        ("channel", "\"\"".to_string()),
    ];
    let mut fields: Vec<(String, String, String, &str)> = (standard.into_iter())
        .filter_map(|(name, empty)| Some((format!("incident.{name}"), empty, lacking_column(name)?, "incident")))
        .collect();
    for a in policies.iter().flat_map(|p| &p.attributes) {
        let lacking = match (a.scope, &data.customers) {
            (Scope::Incident, _) => lacking_column(&a.column).map(|l| (l, "incident")),
            (Scope::Customer, None) => Some((format!("no customers file (--customers) for `{}`", a.name), "customer")),
            (Scope::Customer, Some(c)) => (c.column(&a.column).is_none())
                .then(|| (format!("`{}` has no column `{}`", c.file, a.column), "customer")),
        };
        if let Some((lacking, whose)) = lacking.filter(|_| !fields.iter().any(|(f, ..)| *f == a.name)) {
            fields.push((a.name.clone(), a.ty.empty_value().to_string(), lacking, whose));
        }
    }
    if fields.is_empty() {
        return warnings;
    }
    let kinds = data.kinds();
    let read: Vec<(String, Reader, &str)> = (policies.iter())
        .flat_map(|p| kinds.iter().map(move |k| (p, *k)))
        .flat_map(|(p, kind)| {
            crate::engine::fields_read_for_kind(p, kind)
                .into_iter()
                .map(move |(f, r)| (f, r, kind))
        })
        .collect();
    // The future-value model reads the order value only for a customer with
    // no order yet.
    let basket = fields.iter().any(|(f, ..)| f == "incident.order_value") && data.has_customer_without_orders();
    for (field, empty, lacking, whose) in fields {
        // Every rule and gesture that reads it, each once with its first
        // kind: the file's answers it changes may be any of theirs.
        let mut seen: Vec<&Reader> = Vec::new();
        let mut readers: Vec<String> = Vec::new();
        for (_, reader, kind) in read.iter().filter(|(f, r, _)| *f == field && *r != Reader::FutureValue) {
            if !seen.contains(&reader) {
                seen.push(reader);
                readers.push(format!("{reader} (kind `{kind}`)"));
            }
        }
        if readers.is_empty()
            && basket
            && let Some((_, reader, kind)) = read.iter().find(|(f, r, _)| *f == field && *r == Reader::FutureValue)
        {
            readers.push(format!("{reader} (kind `{kind}`)"));
        }
        if readers.is_empty() {
            continue;
        }
        let verb = if readers.len() == 1 { "reads" } else { "read" };
        warnings.push(format!(
            "{lacking}, which {} {verb}: it is read as {empty} for every {whose}",
            crate::render::and_list_first(readers, 3)
        ));
    }
    warnings
}

/// Where a batch's rejected rows beyond the first [`ECHOED`] are.
const ALL_IN_OUTPUT: &str = "every one is in the output's `error` column";

/// Echoes the first rejected rows (line, reason) of `total` on standard
/// error, then how many there were; past [`ECHOED`], `all_in` says where
/// the user finds every one.
pub(super) fn report_rejected(file: &str, rejected: &[(u64, String)], total: usize, all_in: &str) {
    for (line, reason) in rejected.iter().take(ECHOED) {
        let reason = echoed(reason);
        super::to_stderr(format_args!("error: `{file}`: line {line}: {reason}\n"));
    }
    if !rejected.is_empty() {
        let shown = if rejected.len() > ECHOED {
            format!(" (the first {ECHOED} shown above; {all_in})")
        } else {
            String::new()
        };
        super::to_stderr(format_args!(
            "error: `{file}`: {} of {} row{} rejected{shown}\n",
            money::group(rejected.len() as u64),
            money::group(total as u64),
            crate::render::plural(total)
        ));
    }
}

/// Warns of the case ids on more than one answered line: those `shown`
/// (the first [`ECHOED`], as [`Data::duplicate_case_ids`] picks them) with
/// their lines, then how many. Each such line is answered as
/// a case of its own, so a file exported twice would grant every gesture
/// twice.
pub(super) fn report_repeated(file: &str, (count, shown): &(usize, Vec<(&str, Vec<u64>)>)) {
    const LINES: usize = 5;
    for (id, lines) in shown {
        let listed = crate::render::and_list_first(lines.iter().map(u64::to_string).collect(), LINES);
        super::to_stderr(format_args!(
            "warning: `{file}`: case id `{}` is on lines {listed}\n",
            echoed(id)
        ));
    }
    if *count > 0 {
        let more = if *count > shown.len() {
            format!(" (the first {} shown above)", shown.len())
        } else {
            String::new()
        };
        let (ids, are) = match count {
            1 => ("1 case id".to_string(), "is"),
            n => (format!("{} case ids", money::group(*n as u64)), "are"),
        };
        super::to_stderr(format_args!(
            "warning: `{file}`: {ids} {are} on more than one line{more}: each line is answered as a case of its own, \
             and its gesture counts against the customer's caps\n"
        ));
    }
}

/// Warns of the rows whose field over lines in a free-text column holds
/// lines that read like rows of the file (the first [`ECHOED`], then how
/// many): a quote opened and closed there by mistake takes the rows between
/// into the field, answered as one row with exit 0.
pub(super) fn report_row_like(data: &Data) {
    let found = data.row_like_fields();
    for f in found.iter().take(ECHOED) {
        let column = data.columns.get(f.column).map_or("", String::as_str);
        let like = match f.rows {
            1 => "a line after its first reads like a row".to_string(),
            n => format!("{} lines after its first read like rows", money::group(n as u64)),
        };
        super::to_stderr(format_args!(
            "warning: `{}`: line {}: column `{}` runs over {} lines, and {like}: is a quote misplaced? \
             (the field is read whole, as CSV reads it)\n",
            data.file,
            f.line,
            echoed(column),
            f.lines,
        ));
    }
    if found.len() > ECHOED {
        super::to_stderr(format_args!(
            "warning: `{}`: {} rows hold such a field (the first {ECHOED} shown above)\n",
            data.file,
            money::group(found.len() as u64)
        ));
    }
}

/// Text from the input as echoed on standard error: on one line, its
/// control characters escaped ([`printable`]), and cut short ([`shortened`]).
fn echoed(text: &str) -> String {
    shortened(&printable(text)).into_owned()
}

/// A message cut at [`ECHO_CHARS`] characters: a bad value of a megabyte
/// quoted in full, 20 times over, would swamp a cron mail or a log.
fn shortened(reason: &str) -> std::borrow::Cow<'_, str> {
    match reason.char_indices().nth(ECHO_CHARS) {
        None => reason.into(),
        Some((cut, _)) => {
            let rest = reason[cut..].chars().count();
            format!("{}... ({} more characters)", &reason[..cut], money::group(rest as u64)).into()
        }
    }
}

/// The longest message echoed on standard error, in characters.
const ECHO_CHARS: usize = 500;

/// A reason quoting the input, fit for one line of a log or a terminal: a
/// control character in it (a newline inside a quoted field, an escape code)
/// is written as an escape (`\n`, `\u{1b}`), as the output's `error` column
/// cannot need (the CSV quotes it).
fn printable(reason: &str) -> std::borrow::Cow<'_, str> {
    super::escape_controls(reason, &[])
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
            ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} cases {per_sec:0} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_in_a_reason_are_escaped() {
        assert_eq!(printable("kind `late` is not one"), "kind `late` is not one");
        assert_eq!(
            printable("kind `late\nnew\u{1b}[31m\tx` is not one"),
            "kind `late\\nnew\\u{1b}[31m\\tx` is not one"
        );
        assert_eq!(printable("kind `caf\u{e9}`"), "kind `caf\u{e9}`");
        // A report of several lines keeps its lines.
        assert_eq!(crate::cli::escape_controls("a\u{0}b\nc\td", &['\n']), "a\\u{0}b\nc\\td");
    }
}
