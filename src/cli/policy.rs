//! `goodwill policy`: the policy author's tools. `check` validates a policy
//! and lints it, `test` runs test cases against it with coverage, `diff`
//! backtests a change over real incidents.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;

use super::UsageError;
use super::inputs::Files;
use crate::batch::{self, Data};
use crate::cases::{self, Coverage, TestCustomer, TestFile};
use crate::date::Day;
use crate::diagnostic::Report;
use crate::engine::{Customer, Engine, GivenCustomer};
use crate::exit::Exit;
use crate::input::incidents::Incident;
use crate::policy::{self, Policy};
use crate::render;

/// Check, test and compare policies.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with the policy.
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// The `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy: every error, and warnings about rules and gestures that cannot work.
    Check(CheckArgs),
    /// Run test cases against a policy, with coverage of its rules and gestures.
    Test(TestArgs),
    /// Backtest a change: run an old and a new policy over the same incidents and compare.
    Diff(DiffArgs),
}

/// How `check` and `test` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a person.
    Text,
    /// For editors, CI and scripts.
    Json,
}

/// Validate a policy file.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 clean or warnings only (with --deny-warnings, clean only), 2 with errors, \
    with warnings under --deny-warnings, or when the file cannot be read.\n\nExample:\n  \
    goodwill policy check policies/default.toml --deny-warnings"
)]
pub struct CheckArgs {
    /// The policy file
    #[arg(value_name = "POLICY")]
    pub policy: PathBuf,
    /// Fail (exit 2) on warnings too, as on errors: for CI
    #[arg(long)]
    pub deny_warnings: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Run policy test cases.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Coverage is the share of the policy's rules matched by at least one test plus its \
    gestures recommended by at least one test, over the number of rules and gestures.\n\n\
    Exit status: 0 all passed, 2 a bad policy or test file, 3 a test failed or coverage is below --min-coverage.\n\n\
    Example:\n  goodwill policy test policies/default.toml policies/default.tests.toml --coverage"
)]
pub struct TestArgs {
    /// The policy file
    #[arg(value_name = "POLICY")]
    pub policy: PathBuf,
    /// Test files (TOML, `[[test]]` tables)
    #[arg(value_name = "TESTS", required = true)]
    pub tests: Vec<PathBuf>,
    /// Data files, for tests that name a `customer_id`
    #[command(flatten)]
    pub files: Files,
    /// Report how many tests reach each rule and gesture
    #[arg(long)]
    pub coverage: bool,
    /// Fail (exit 3) when coverage is below P percent; implies --coverage
    #[arg(long, value_name = "P")]
    pub min_coverage: Option<f64>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also print each passing test's answer and rule trace, as a failing test's are (text format)
    #[arg(long)]
    pub explain: bool,
}

/// Backtest a policy change over incidents.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "A case changed when its decision or its gesture differs. Rejected rows \
    (a bad date or number, a kind neither policy lists, a figure a policy cannot compute) are \
    counted in the report and echoed on standard error with their line and reason. A row of a kind \
    only one policy lists is a changed case (to or from `error`), not a rejected row.\n\n\
    Exit status: 0 done, 1 an input could not be read (nothing written), 2 bad usage or an invalid \
    policy, 3 the report was written but rows were rejected or, with --exit-code, anything changed.\n\n\
    Example:\n  goodwill policy diff policies/default.toml new.toml --incidents incidents.csv --history history.csv"
)]
pub struct DiffArgs {
    /// The policy as it is
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The policy as proposed
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Incidents CSV to run both over (`-` is standard input)
    #[arg(long, value_name = "FILE")]
    pub incidents: PathBuf,
    #[command(flatten)]
    pub files: Files,
    /// Write every changed case with both answers to this CSV file; with `-`, to standard output, and the report to standard error
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with status 3 when anything changed (cases or policy content)
    #[arg(long)]
    pub exit_code: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `goodwill policy`.
pub fn run(args: Args, today: Day) -> Result<Exit> {
    match args.command {
        PolicyCommand::Check(a) => check(a),
        PolicyCommand::Test(a) => test(a, today),
        PolicyCommand::Diff(a) => diff(a, today),
    }
}

/// Reads a file named on the command line. One that cannot be read is as
/// unusable as an invalid one: a usage error (exit 2), as for the policy.
fn read(path: &Path, what: &str) -> Result<String> {
    crate::input::read_utf8(path)
        .map_err(|e| UsageError(format!("cannot read {what} `{}`: {e}", path.display())).into())
}

fn print(text: &str) -> Result<()> {
    super::output::write(None, |w| Ok(w.write_all(text.as_bytes())?))
}

fn json_line(value: &serde_json::Value) -> Result<String> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}

/// A report as `policy check --format json` prints it.
fn report_json(report: &Report) -> serde_json::Value {
    serde_json::json!({
        "file": report.file,
        "errors": report.count(crate::diagnostic::Severity::Error),
        "warnings": report.count(crate::diagnostic::Severity::Warning),
        "diagnostics": report.to_json(),
    })
}

/// A file that cannot be read, as a report of one `read` diagnostic: what
/// a script reading JSON gets in place of the file's own findings.
fn unreadable(file: &str, what: &str, reason: &str) -> Report {
    let d = crate::diagnostic::Diagnostic::error("read", 0..0, format!("cannot read {what}: {reason}"));
    Report::new(file, "", vec![d])
}

fn check(args: CheckArgs) -> Result<Exit> {
    let file = args.policy.display().to_string();
    // Unreadable is as unusable as invalid: exit 2, as every command's
    // `--policy`; a script reading JSON gets it as a diagnostic.
    let report = match policy::read_source(&args.policy, &file) {
        Ok(source) => crate::check::check_str(&source, &file, args.policy.parent()),
        Err(policy::PolicyError::Invalid(report)) => report,
        Err(policy::PolicyError::Read { reason, .. }) if args.format == Format::Json => {
            unreadable(&file, "policy", &reason)
        }
        Err(e) => return Err(e.into()),
    };
    // A warning is as bad as an error for whoever asked to deny them: a
    // misspelt kind in a condition loads, and answers that kind with the apology.
    let denied = args.deny_warnings && report.count(crate::diagnostic::Severity::Warning) > 0;
    let text = match args.format {
        Format::Text if denied => format!(
            "{}{} (denied by --deny-warnings)\n",
            report.render_text(),
            report.summary()
        ),
        Format::Text => format!("{}{}\n", report.render_text(), report.summary()),
        Format::Json => json_line(&report_json(&report))?,
    };
    print(&text)?;
    Ok(if report.has_errors() || denied {
        Exit::Usage
    } else {
        Exit::Success
    })
}

/// A test file or a policy with errors: every problem, rendered, as a usage error.
fn invalid(what: &str, report: &Report) -> anyhow::Error {
    UsageError(format!(
        "invalid {what} `{}`: {}\n{}",
        report.file,
        report.summary(),
        report.render_text().trim_end()
    ))
    .into()
}

/// A policy, or why it is refused: its report (under `--format json`, a
/// file that cannot be read is one too) or what to say of it.
fn load_policy(path: &Path, format: Format) -> Result<(Policy, Report), Result<Report, String>> {
    match policy::load_file(path) {
        Ok(loaded) => Ok(loaded),
        Err(policy::PolicyError::Invalid(report)) => Err(Ok(report)),
        Err(policy::PolicyError::Read { file, reason }) if format == Format::Json => {
            Err(Ok(unreadable(&file, "policy", &reason)))
        }
        Err(e) => Err(Err(e.to_string())),
    }
}

/// Refuses the files (`what`: test files, or policies) that could not be
/// read or are invalid, each in turn: under `--format json`, each as
/// `policy check` prints a report, on standard output, one after another.
fn refuse_files(what: &str, format: Format, refused: &[Result<Report, String>]) -> Result<Exit> {
    let mut out = String::new();
    for (i, one) in refused.iter().enumerate() {
        match (format, one) {
            (Format::Json, Ok(report)) => out.push_str(&json_line(&report_json(report))?),
            (_, Ok(report)) => out.push_str(&invalid(what, report).to_string()),
            (_, Err(message)) => out.push_str(message),
        }
        if format == Format::Text && i + 1 < refused.len() {
            // The first `error: ` is the one every fatal error is given.
            out.push_str("\n\nerror: ");
        }
    }
    match format {
        Format::Json => {
            print(&out)?;
            Ok(Exit::Usage)
        }
        Format::Text => Err(UsageError(out).into()),
    }
}

fn test(args: TestArgs, today: Day) -> Result<Exit> {
    if let Some(p) = args.min_coverage
        && !(0.0..=100.0).contains(&p)
    {
        return Err(UsageError(format!("`--min-coverage {p}`: give a percentage from 0 to 100")).into());
    }
    // An invalid policy or test file: under `--format json`, its diagnostics
    // as `policy check` gives them, on standard output, for a script to read.
    let policy = match load_policy(&args.policy, args.format) {
        Ok((policy, _)) => policy,
        Err(refused) => return refuse_files("policy", args.format, &[refused]),
    };
    // Every test file is read before any is refused: an author fixing a
    // suite sees the mistakes of all of them in one run.
    let mut files: Vec<TestFile> = Vec::new();
    let mut refused: Vec<Result<Report, String>> = Vec::new();
    for path in &args.tests {
        let name = path.display().to_string();
        let source = match args.format {
            Format::Text => match read(path, "test file") {
                Ok(source) => source,
                Err(e) => {
                    refused.push(Err(e.to_string()));
                    continue;
                }
            },
            Format::Json => match policy::read_source(path, &name) {
                Ok(source) => source,
                Err(policy::PolicyError::Invalid(report)) => {
                    refused.push(Ok(report));
                    continue;
                }
                Err(policy::PolicyError::Read { reason, .. }) => {
                    refused.push(Ok(unreadable(&name, "test file", &reason)));
                    continue;
                }
            },
        };
        // Every mistake in one run: those of the file's own, and those
        // against the policy of the tests that could be read.
        // (Each report places its spans in the text as shown, past a byte-order mark.)
        let (file, diags) = cases::read(&source, &name);
        let mut report = Report::new(&name, &source, diags);
        report.diagnostics.extend(cases::validate(&file, &policy).diagnostics);
        report.diagnostics.sort_by_key(|d| d.span.start);
        if report.has_errors() {
            refused.push(Ok(report));
        } else {
            files.push(file);
        }
    }
    if !refused.is_empty() {
        return refuse_files("test file", args.format, &refused);
    }
    let ids: HashSet<String> = files
        .iter()
        .flat_map(|f| &f.tests)
        .filter_map(|t| match &t.customer {
            TestCustomer::Id(id) => Some(id.clone()),
            TestCustomer::Given(_) => None,
        })
        .collect();
    let history = args.files.load_history(Some(&ids))?;
    // A mistyped id would test a new customer, and fail for a reason that
    // does not show. One line for them all, each with the id of the
    // history it differs from in case only (`m009` for `M009`), found in one
    // more read of the history for them all.
    if let Some(path) = &args.files.history {
        let mut unknown: Vec<&str> = (ids.iter())
            .filter(|id| history.transactions(id).is_empty())
            .map(String::as_str)
            .collect();
        unknown.sort();
        let similar = match unknown.is_empty() {
            true => Vec::new(),
            false => crate::input::history::History::similar_ids(path, &unknown),
        };
        let unknown: Vec<String> = (unknown.iter().zip(similar))
            .map(|(id, near)| match near {
                Some(near) => format!("`{id}` (did you mean `{near}`?)"),
                None => format!("`{id}`"),
            })
            .collect();
        if !unknown.is_empty() {
            super::to_stderr(format_args!(
                "warning: `{}` holds no rows of customer{} {}: the tests naming {} take a new customer\n",
                path.display(),
                crate::render::plural(unknown.len()),
                unknown.join(", "),
                if unknown.len() == 1 { "it" } else { "them" }
            ));
        }
    }
    let customers = args.files.load_customers(ids.iter().map(String::as_str))?;
    let ledger = args.files.load_ledger(ids.iter().map(String::as_str))?;
    let engine = Engine::new(&policy, customers.as_ref());
    let mut values = engine.values();
    let mut coverage = Coverage::new(&policy);
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut text = String::new();
    let mut results = Vec::new();
    for file in &files {
        let report = Report::new(&file.file, &file.source, Vec::new());
        for t in &file.tests {
            let (line, column) = report.line_col(t.span.start);
            let location = format!("{}:{line}:{column}", file.file);
            let answer = Incident::from_fields(t.incident.iter().map(|(k, v)| (k.as_str(), v.as_str())), today)
                .map_err(|e| format!("invalid incident: {e}"))
                .and_then(|incident| match &t.customer {
                    TestCustomer::Given(g) => {
                        let given = GivenCustomer {
                            features: g.features.clone(),
                            future_value: g.future_value,
                            p_alive: g.p_alive,
                            attributes: &g.attributes,
                            usage: g.usage,
                        };
                        engine.recommend_given(&incident, &given, &mut values)
                    }
                    TestCustomer::Id(id) if args.files.history.is_none() => Err(format!(
                        "the test names customer `{id}`: give `--history` to look it up"
                    )),
                    TestCustomer::Id(id) => {
                        let customer =
                            Customer::from_files(&policy, &history, customers.as_ref(), &ledger, id, incident.date);
                        engine.recommend(&incident, &customer, &mut values)
                    }
                });
            if let Ok(rec) = &answer {
                coverage.add(rec);
            }
            let failures = cases::compare(&t.expect, &answer);
            if failures.is_empty() {
                passed += 1;
                text.push_str(&format!("ok    {}\n", t.name));
                if args.explain {
                    text.push_str(&render::cases::explained(&policy, &answer));
                }
            } else {
                failed += 1;
                text.push_str(&render::cases::failure(&policy, &location, &t.name, &failures, &answer));
            }
            results.push(serde_json::json!({
                "name": t.name,
                "file": file.file,
                "line": line,
                "passed": failures.is_empty(),
                "failures": failures,
                "decision": cases::decision_name(&answer),
                "gesture": answer.as_ref().map_or("", |r| r.gesture()),
                "cost": answer.as_ref().map_or(0.0, |r| r.cost()),
                "impact": answer.as_ref().map_or(0.0, |r| r.impact()),
                "rules": answer.as_ref().map_or(Vec::new(), |r| r.rules.clone()),
                "matched": answer.as_ref().map_or(Vec::new(), |r| {
                    r.trace.iter().filter(|t| t.matched).map(|t| t.rule).collect::<Vec<_>>()
                }),
                "error": answer.as_ref().err(),
            }));
        }
    }
    let show_coverage = args.coverage || args.min_coverage.is_some();
    let below = args.min_coverage.filter(|min| coverage.percent() < *min);
    let out = match args.format {
        Format::Text => {
            if show_coverage {
                text.push('\n');
                text.push_str(&render::cases::coverage(&coverage));
            }
            if let Some(min) = below {
                text.push_str(&format!(
                    "coverage {:.1}% is below the minimum {min}%\n",
                    coverage.percent()
                ));
            }
            text.push_str(&format!("\n{passed} passed, {failed} failed\n"));
            text
        }
        Format::Json => {
            let mut j = serde_json::json!({ "tests": results, "passed": passed, "failed": failed });
            if show_coverage {
                j["coverage"] = serde_json::json!({
                    "percent": coverage.percent(),
                    "minimum": args.min_coverage,
                    "rules": coverage.rules.iter().map(|(id, n)| serde_json::json!({"id": id, "matched": n})).collect::<Vec<_>>(),
                    "gestures": coverage.gestures.iter().map(|(id, n)| serde_json::json!({"id": id, "chosen": n})).collect::<Vec<_>>(),
                    "apology": coverage.apology,
                    "escalated": coverage.escalated,
                    "unmatched_rules": coverage.unmatched_rules(),
                    "unchosen_gestures": coverage.unchosen_gestures(),
                });
            }
            json_line(&j)?
        }
    };
    print(&out)?;
    Ok(if failed > 0 || below.is_some() {
        Exit::Rejected
    } else {
        Exit::Success
    })
}

fn diff(args: DiffArgs, today: Day) -> Result<Exit> {
    let mut named = vec![
        ("OLD", Some(args.old.as_path())),
        ("NEW", Some(args.new.as_path())),
        ("--incidents", Some(args.incidents.as_path())),
    ];
    named.extend(args.files.named());
    super::inputs::one_stdin(&named)?;
    // Both are read before either is refused: each one's errors in one run.
    let ((old, old_loaded), (new, new_loaded)) =
        match (load_policy(&args.old, args.format), load_policy(&args.new, args.format)) {
            (Ok(old), Ok(new)) => (old, new),
            (old, new) => {
                let refused: Vec<_> = [old.err(), new.err()].into_iter().flatten().collect();
                return refuse_files("policy", args.format, &refused);
            }
        };
    super::inputs::warn_of_policy_warnings(&old, &old_loaded, &args.old);
    super::inputs::warn_of_policy_warnings(&new, &new_loaded, &args.new);
    named.extend([super::inputs::model_file(&old), super::inputs::model_file(&new)]);
    super::output::not_an_input(args.output.as_deref(), &named)?;
    // Before the inputs are read, as in `batch`.
    let output = args
        .output
        .as_deref()
        .map(|p| super::output::Output::create(Some(p)))
        .transpose()?;
    // A column either policy types holds no line end: for that one, a value
    // over lines is wrong anyway.
    let mut single_line = old.single_line_columns();
    single_line.extend(new.single_line_columns());
    let sources = batch::Sources {
        single_line,
        ..args.files.sources()
    };
    let data = Data::load(&args.incidents, &sources, today)?;
    super::batch::check_columns(&data, &[&old, &new])?;
    super::batch::warn_of_no_history(&sources);
    super::batch::warn_of_no_ledger(&sources, &[&old, &new]);
    let old_out = batch::evaluate(&old, &data);
    let new_out = batch::evaluate(&new, &data);
    let report = crate::diff::diff(&old, &new, &old_out, &new_out);
    let text = match args.format {
        Format::Text => render::diff::text(&report, &data.file, &new.currency),
        Format::Json => json_line(&serde_json::to_value(&report)?)?,
    };
    // A reader that stops early leaves the diff finished, as in `batch`.
    let kept = super::output::unless_reader_gone;
    // With the changed cases on standard output, the report must not mix into them.
    let to_stdout = args.output.as_deref().is_some_and(super::output::is_stdout);
    if to_stdout {
        super::to_stderr(format_args!("{text}"));
    }
    match output {
        // The report is printed before the changed cases replace an old
        // file: a report that cannot be printed leaves that file as it was.
        Some(output) => kept(output.write_then(
            |w| render::diff::changed_csv(w, &report, &old_out, &new_out),
            || if to_stdout { Ok(()) } else { kept(print(&text)) },
        ))?,
        None => kept(print(&text))?,
    }
    super::batch::report_rejected(
        &data.file,
        &report.rejections,
        data.len(),
        "`goodwill batch` with each policy lists every one in its `error` column",
    );
    super::batch::report_repeated(&data.file, &data.duplicate_case_ids(super::batch::ECHOED));
    super::batch::report_row_like(&data);
    // 3, not 1: the run finished and its report is written; 1 is a fatal error.
    Ok(if report.rejected.rows > 0 || (args.exit_code && report.any_change()) {
        Exit::Rejected
    } else {
        Exit::Success
    })
}
