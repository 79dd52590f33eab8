//! `goodwill ltv`: fit the BG/NBD and Gamma-Gamma models on a customer base,
//! and score every customer with them.
//!
//! `ltv fit` estimates the parameters and can write the model file that a
//! policy's `model_file` (or `ltv --model`) reads. `ltv` alone scores
//! customers: P(alive), expected purchases, expected spend and CLV (the README's "The model")
//! with the policy's margin, horizon and discount rate. Both read either a
//! purchase history, summarised by day as the published CDNOW summaries were,
//! or an RFM summary file.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::UsageError;
use crate::date::{self, Day};
use crate::exit::Exit;
use crate::input::history::History;
use crate::input::rfm::{self, Summary};
use crate::ltv::{self, BgNbdFit, GammaGammaFit, LtvModel, Score, Settings, TimeUnit};
use crate::money;
use crate::policy::{self, Ltv, Policy, shown};

/// The examples closing `ltv --help` and `ltv -h`, as a literal for `concat!`
macro_rules! examples {
    () => {
        "Examples:
  goodwill ltv fit --summary tests/data/cdnow/cdnow_customers_summary.csv
  goodwill ltv fit --history history.csv --as-of 2026-10-31 -o model.toml
  goodwill ltv --history history.csv --model model.toml --format csv
  goodwill ltv --history history.csv --customer C42 --policy policy.toml"
    };
}

/// Arguments of `goodwill ltv`: the scoring options, or the `fit` subcommand
///
/// The help text of `ltv` itself is the doc of `Command::Ltv` in `cli`.
#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = examples!(),
    after_long_help = concat!(
        "Without a subcommand, prints for each customer the repeat purchases (frequency), the time from\n\
         the first to the last purchase (recency) and to the end of observation (T), the probability\n\
         they are still a customer, the purchases expected in the next --periods, the expected value of\n\
         a purchase and the CLV: the discounted gross margin over the policy's horizon.\n\
         The model is --model, else the policy's own `ltv = \"bgnbd\"` parameters, else a fit on the\n\
         same customers.\n\n",
        examples!()
    )
)]
pub struct Args {
    /// Fit the models instead of scoring customers
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Scoring options
    #[command(flatten)]
    pub score: ScoreArgs,
}

/// The subcommands of `ltv`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Fit the BG/NBD and Gamma-Gamma models; print the parameters, optionally write a model file
    #[command(after_help = "Examples:
  goodwill ltv fit --summary tests/data/cdnow/cdnow_customers_summary.csv
  goodwill ltv fit --history history.csv --as-of 2026-10-31 --time-unit days -o model.toml")]
    Fit(FitArgs),
}

/// Where the customers come from: a history or a summary, exactly one.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct Source {
    /// Purchase history CSV: customer_id, date, amount; summarised by day, refunds left out
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// RFM summary CSV: customer_id, frequency, recency, T [, monetary_value]
    /// (or ID, x, t_x, T, zbar), times in --time-unit
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
}

impl Source {
    /// The file with the option that names it.
    fn named(&self) -> Vec<(&'static str, Option<&Path>)> {
        vec![
            ("--history", self.history.as_deref()),
            ("--summary", self.summary.as_deref()),
        ]
    }
}

/// A time unit on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Unit {
    /// 1 day
    Days,
    /// 7 days, the unit of the published CDNOW figures
    Weeks,
}

impl From<Unit> for TimeUnit {
    fn from(u: Unit) -> TimeUnit {
        match u {
            Unit::Days => TimeUnit::Days,
            Unit::Weeks => TimeUnit::Weeks,
        }
    }
}

/// How `ltv fit` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FitFormat {
    /// Parameters, standard errors and fit diagnostics for a person
    Table,
    /// `{"bgnbd": {...}, "gamma_gamma": {...}}`, every figure unrounded
    Json,
}

/// How `ltv` prints its scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScoreFormat {
    /// Aligned columns, money in the policy's currency
    Table,
    /// customer_id, frequency, recency, T, p_alive, expected_purchases, expected_avg_value, clv
    Csv,
    /// The model, the settings and every customer, unrounded
    Json,
}

/// Arguments of `goodwill ltv fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub source: Source,
    /// End of observation for --history, YYYY-MM-DD [default: the latest date in the history]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Time unit of the summary and of the fitted parameters
    #[arg(long, value_enum, value_name = "UNIT", default_value_t = Unit::Weeks)]
    pub time_unit: Unit,
    /// Write the fitted model to this file (TOML), for `ltv --model` or a policy's `model_file`; with `-`, to standard output, and the table to standard error
    #[arg(short, long, value_name = "MODEL.toml")]
    pub output: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = FitFormat::Table)]
    pub format: FitFormat,
}

/// Arguments of `goodwill ltv` without a subcommand.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub source: Source,
    /// Fitted model from `goodwill ltv fit -o` [default: the policy's bgnbd parameters, or a fit on these customers]
    #[arg(long, value_name = "MODEL.toml")]
    pub model: Option<PathBuf>,
    /// Only this customer
    #[arg(long, value_name = "ID")]
    pub customer: Option<String>,
    /// Window of expected_purchases, in time units [default: the policy's CLV horizon]
    #[arg(long, value_name = "N")]
    pub periods: Option<f64>,
    /// Policy whose `[model]` sets margin, horizon and discount rate [default: the shipped policy]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// End of observation for --history, YYYY-MM-DD [default: the latest date in the history]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Time unit of the summary and of --periods [default: the model's; weeks for a fit]
    #[arg(long, value_enum, value_name = "UNIT")]
    pub time_unit: Option<Unit>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ScoreFormat::Table)]
    pub format: ScoreFormat,
    /// Write to this file (atomically) instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `goodwill ltv` or `goodwill ltv fit`.
pub fn run(args: Args, today: Day) -> Result<Exit> {
    match args.command {
        Some(Command::Fit(fit)) => run_fit(fit, today),
        None => run_score(args.score, today),
    }
}

/// Customers loaded from either source, in one time unit
struct Customers {
    summary: Summary,
    /// The file, as the user named it
    file: String,
    /// The end of observation, for a history
    as_of: Option<Day>,
    /// The ids of the customers of a history with no purchase by `as_of`
    left_out: Vec<String>,
}

/// Customers from `source`; a history observed to its latest date when no
/// `as_of` is given, with a warning when that date is after `today`.
fn load(source: &Source, as_of: Option<&str>, unit: TimeUnit, today: Day) -> Result<Customers> {
    match (&source.history, &source.summary) {
        (Some(path), _) => {
            let as_of = as_of
                .map(|text| {
                    date::parse(text).ok_or_else(|| UsageError(format!("`--as-of {text}` {}", crate::date::NOT_A_DATE)))
                })
                .transpose()?;
            let file = path.display().to_string();
            let history = History::load(path, None)?;
            let Some(aggregated) = rfm::aggregate(&history, as_of, unit) else {
                anyhow::bail!("`{file}`: no transactions: nothing to summarise");
            };
            if aggregated.summary.is_empty() {
                anyhow::bail!(
                    "`{file}`: no customer has a purchase on or before {}",
                    date::format(aggregated.as_of)
                );
            }
            // One mistyped year (9999-12-31) would make every customer look long gone.
            if as_of.is_none() && aggregated.as_of > today {
                super::to_stderr(format_args!(
                    "warning: `{file}` runs to {}, after today ({}): observation is taken to end then, \
                     so every customer looks long gone; give `--as-of` to end it sooner\n",
                    date::format(aggregated.as_of),
                    date::format(today)
                ));
            }
            // Days past the data are days without a purchase to the models: a
            // mistyped year (2030 for data ending in 1998) makes everyone long
            // gone. A few weeks (an export some days old) are the usual gap.
            let last = history.iter().filter_map(|(_, tx)| tx.last().map(|t| t.0)).max();
            if let (Some(as_of), Some(last)) = (as_of, last)
                && as_of - last > AS_OF_GAP_DAYS
            {
                super::to_stderr(format_args!(
                    "warning: `--as-of {}` is {} after the last transaction in `{file}` ({}): every customer is \
                     taken to have bought nothing since, so every one looks longer gone; leave `--as-of` out to \
                     end observation there, unless the history is complete to that day\n",
                    date::format(as_of),
                    days(as_of - last),
                    date::format(last)
                ));
            }
            Ok(Customers {
                summary: aggregated.summary,
                file,
                as_of: Some(aggregated.as_of),
                left_out: aggregated.left_out,
            })
        }
        (None, Some(_)) if as_of.is_some() => Err(UsageError(
            "`--as-of` sets the end of observation of a `--history`: a `--summary` has its own".into(),
        )
        .into()),
        (None, Some(path)) => Ok(Customers {
            summary: rfm::read_summary(path)?,
            file: path.display().to_string(),
            as_of: None,
            left_out: Vec::new(),
        }),
        // clap requires one of the two.
        (None, None) => Err(UsageError("give `--history FILE` or `--summary FILE`".into()).into()),
    }
}

/// Both fits: BG/NBD always, Gamma-Gamma when the data carries spend
struct Fits {
    bgnbd: BgNbdFit,
    gamma_gamma: Option<GammaGammaFit>,
}

impl Fits {
    fn model(&self, unit: TimeUnit) -> LtvModel {
        LtvModel {
            time_unit: unit,
            bgnbd: self.bgnbd.params,
            gamma_gamma: self.gamma_gamma.map(|g| g.params),
        }
    }

    fn converged(&self) -> bool {
        self.bgnbd.converged && self.gamma_gamma.is_none_or(|g| g.converged)
    }
}

/// Whether any repeat buyer has a positive spend, which the Gamma-Gamma fit needs
fn has_spend(summary: &Summary) -> bool {
    summary.has_monetary && summary.rfm.iter().any(|c| c.frequency > 0.0 && c.monetary_value > 0.0)
}

/// Fits both models. A Gamma-Gamma fit that fails is an error for `ltv
/// fit`, whose model file would lack the part the data asks for; with
/// `spend_optional`, scoring goes on without it, as for data without spend.
fn fit(customers: &Customers, spend_optional: bool) -> Result<Fits> {
    let data = &customers.summary.rfm;
    let bgnbd = ltv::fit_bgnbd(data).map_err(|e| {
        anyhow::anyhow!(
            "cannot fit BG/NBD on `{}`: {e}{}",
            customers.file,
            standouts(customers, false)
        )
    })?;
    let gamma_gamma = if has_spend(&customers.summary) {
        match ltv::fit_gamma_gamma(data) {
            Ok(fit) => Some(fit),
            Err(e) if spend_optional => {
                super::to_stderr(format_args!(
                    "warning: cannot fit Gamma-Gamma on `{}`: {e}{}: expected_avg_value and clv are left empty \
                     (a model fitted on other customers, given with `--model`, would value them)\n",
                    customers.file,
                    standouts(customers, true)
                ));
                None
            }
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "cannot fit Gamma-Gamma on `{}`: {e}{}",
                    customers.file,
                    standouts(customers, true)
                ));
            }
        }
    } else {
        None
    };
    let fits = Fits { bgnbd, gamma_gamma };
    warn_standouts(customers, &fits);
    if !fits.converged() {
        super::to_stderr(format_args!(
            "warning: the fit stopped short of full convergence: the parameters are usable but not to every digit\n"
        ));
    }
    Ok(fits)
}

/// What a fit that failed may owe to one row, said after its reason: each
/// customer whose frequency, or with `spend` (a Gamma-Gamma fit) whose
/// average spend, stands far out from the others'.
fn standouts(customers: &Customers, spend: bool) -> String {
    standing_out(customers, spend)
        .iter()
        .map(|clause| format!("; {clause}: if its row is a mistake, it alone can stop the fit"))
        .collect()
}

/// `customer `ID` stands out, with FIGURES` for each customer whose
/// frequency, or with `spend` whose average spend, stands far out from the
/// others', both figures of one customer in one clause
fn standing_out(customers: &Customers, spend: bool) -> Vec<String> {
    let found: Vec<_> = ltv::standouts(&customers.summary.rfm)
        .into_iter()
        .filter(|s| spend || s.field == "frequency")
        .collect();
    let mut clauses: Vec<(usize, String)> = Vec::new();
    for s in &found {
        let figure = match s.field {
            "frequency" => format!(
                "{} repeat purchases, where 99% of the other repeat buyers have {} or fewer",
                whole(s.value),
                whole(s.typical)
            ),
            _ => format!(
                "an average spend of {}, where 99% of the other repeat buyers' is {} or less",
                shown(s.value),
                shown(s.typical)
            ),
        };
        match clauses.iter_mut().find(|(index, _)| *index == s.index) {
            Some((_, said)) => {
                said.push_str(", and ");
                said.push_str(&figure);
            }
            None => {
                let id = &customers.summary.ids[s.index];
                clauses.push((s.index, format!("customer `{id}` stands out, with {figure}")));
            }
        }
    }
    clauses.into_iter().map(|(_, clause)| clause).collect()
}

/// Says which customers a fit that succeeded may owe its parameters to: a
/// maximum of the likelihood that one mistyped row (a million purchases, a
/// spend of 100000) owns is still a maximum, converged, with every
/// customer's figures moved by it.
fn warn_standouts(customers: &Customers, fits: &Fits) {
    let clauses = standing_out(customers, fits.gamma_gamma.is_some());
    if clauses.is_empty() {
        return;
    }
    let rows = if customers.as_of.is_some() {
        "its rows"
    } else {
        "its row"
    };
    super::to_stderr(format_args!(
        "warning: {}: one such row moves every parameter of the fit, and so every customer's figures; \
         if it is a mistake or a test account, correct or remove {rows} in `{}` and fit again\n",
        clauses.join("; "),
        customers.file
    ));
}

fn run_fit(args: FitArgs, today: Day) -> Result<Exit> {
    super::output::not_an_input(args.output.as_deref(), &args.source.named())?;
    let unit = TimeUnit::from(args.time_unit);
    let customers = load(&args.source, args.as_of.as_deref(), unit, today)?;
    let fits = fit(&customers, false)?;
    if let Some(path) = &args.output {
        let text = model_file(&fits, &customers, unit)?;
        super::output::write(Some(path), |w| Ok(w.write_all(text.as_bytes())?))?;
    }
    let text = match args.format {
        FitFormat::Table => fit_table(&fits, &customers, unit),
        FitFormat::Json => {
            let mut s = serde_json::to_string_pretty(&fit_json(&fits, &customers, unit))?;
            s.push('\n');
            s
        }
    };
    match &args.output {
        // With the model file on standard output, the table must not mix into it.
        Some(path) if super::output::is_stdout(path) => super::to_stderr(format_args!("{text}")),
        written => {
            super::output::write(None, |w| Ok(w.write_all(text.as_bytes())?))?;
            if let Some(path) = written {
                super::to_stderr(format_args!(
                    "wrote `{}`: use it with `goodwill ltv --model` or `model_file` in a policy's [model]\n",
                    path.display()
                ));
            }
        }
    }
    Ok(Exit::Success)
}

/// A count a person reads, its thousands grouped as in `2,357 customers`:
/// `1,000,000` repeat purchases; past 2^53, where an f64 stops counting
/// one by one, with an exponent
fn whole(n: f64) -> String {
    if n.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(&n) {
        crate::money::group(n as u64)
    } else {
        shown(n)
    }
}

/// `1 day`, `11,508 days`.
fn days(n: i32) -> String {
    let s = crate::render::plural(n);
    format!("{} day{s}", crate::money::group(u64::from(n.unsigned_abs())))
}

/// Days an `--as-of` may run past the history's last transaction unwarned.
const AS_OF_GAP_DAYS: Day = 30;

/// `1 customer`, `2,357 customers`.
fn count(customers: usize) -> String {
    let s = crate::render::plural(customers);
    format!("{} customer{s}", crate::money::group(customers as u64))
}

/// The model file: an `LtvModel` in TOML, with where it came from in comments
fn model_file(fits: &Fits, customers: &Customers, unit: TimeUnit) -> Result<String> {
    let mut text = format!(
        "# Fitted by `goodwill ltv fit` on `{}`: {}{}.\n# BG/NBD log-likelihood {}",
        customers.file,
        count(fits.bgnbd.customers),
        customers
            .as_of
            .map(|d| format!(", observed until {}", date::format(d)))
            .unwrap_or_default(),
        fits.bgnbd.log_likelihood
    );
    match &fits.gamma_gamma {
        Some(g) => text.push_str(&format!(
            "; Gamma-Gamma on {} repeat buyers, log-likelihood {}.\n",
            crate::money::group(g.customers as u64),
            g.log_likelihood
        )),
        None => {
            text.push_str(".\n# No Gamma-Gamma part: the data had no repeat spend, and `ltv = \"bgnbd\"` needs one.\n")
        }
    }
    text.push_str(&toml::to_string(&fits.model(unit)).context("cannot write the model as TOML")?);
    Ok(text)
}

fn unit_name(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Days => "days",
        TimeUnit::Weeks => "weeks",
    }
}

fn convergence(converged: bool, iterations: u64) -> String {
    let plural = crate::render::plural(iterations);
    if converged {
        format!("converged after {iterations} iteration{plural}")
    } else {
        format!("NOT fully converged after {iterations} iteration{plural}")
    }
}

fn fit_table(fits: &Fits, customers: &Customers, unit: TimeUnit) -> String {
    let bg = &fits.bgnbd;
    let mut out = format!("Customers  {}\n", describe_data(customers));
    let _ = writeln!(
        out,
        "Purchases  BG/NBD · {} · time in {}",
        count(bg.customers),
        unit_name(unit)
    );
    let _ = writeln!(out, "           {:<8} {:>12} {:>12}", "", "estimate", "std. error");
    let (p, s) = (bg.params, bg.std_errors);
    for (name, v, e) in [
        ("r", p.r, s.r),
        ("alpha", p.alpha, s.alpha),
        ("a", p.a, s.a),
        ("b", p.b, s.b),
    ] {
        let _ = writeln!(out, "           {name:<8} {v:>12.6} {e:>12.6}");
    }
    let _ = writeln!(
        out,
        "           log-likelihood {:.4} · {}",
        bg.log_likelihood,
        convergence(bg.converged, bg.iterations)
    );
    match &fits.gamma_gamma {
        Some(gg) => {
            let _ = writeln!(
                out,
                "Spend      Gamma-Gamma, the value of a purchase · {} repeat buyers with spend",
                crate::money::group(gg.customers as u64)
            );
            let _ = writeln!(out, "           {:<8} {:>12} {:>12}", "", "estimate", "std. error");
            let (p, s) = (gg.params, gg.std_errors);
            for (name, v, e) in [("p", p.p, s.p), ("q", p.q, s.q), ("v", p.v, s.v)] {
                let _ = writeln!(out, "           {name:<8} {v:>12.6} {e:>12.6}");
            }
            let _ = writeln!(
                out,
                "           log-likelihood {:.4} · {} · v is the paper's gamma",
                gg.log_likelihood,
                convergence(gg.converged, gg.iterations)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Spend      Gamma-Gamma not fitted: {}",
                if customers.summary.has_monetary {
                    "no repeat buyer has a positive spend"
                } else {
                    "the summary has no monetary_value column"
                }
            );
        }
    }
    out
}

/// `file (history, observed until DATE, N left out)` or `file (summary)`
fn describe_data(customers: &Customers) -> String {
    match customers.as_of {
        Some(as_of) => {
            let left = match customers.left_out.len() {
                0 => String::new(),
                n => format!("; {} with no purchase by then left out", count(n)),
            };
            format!(
                "`{}`: history summarised by day, observed until {}{left}",
                customers.file,
                date::format(as_of)
            )
        }
        None => format!("`{}`: RFM summary", customers.file),
    }
}

fn fit_json(fits: &Fits, customers: &Customers, unit: TimeUnit) -> Value {
    let mut v = json!({
        "time_unit": unit,
        "as_of": customers.as_of.map(date::format),
        "bgnbd": fits.bgnbd,
    });
    if let Some(gg) = &fits.gamma_gamma {
        v["gamma_gamma"] = json!(gg);
    }
    v
}

/// Where the scoring model came from
enum Origin {
    File(PathBuf),
    Policy(String),
    Fitted(Box<Fits>),
}

/// Reads a model file, refusing parameters the models are not defined for.
/// Like a policy (and a policy's `model_file`), a model file that cannot be
/// read or used is bad usage (exit 2).
fn read_model(path: &Path) -> Result<LtvModel> {
    let text = crate::input::read_utf8(path)
        .map_err(|e| UsageError(format!("cannot read model file `{}`: {e}", path.display())))?;
    let model = LtvModel::from_toml(&text)
        .map_err(|why| UsageError(format!("invalid model file `{}`: {why}", path.display())))?;
    Ok(model)
}

fn run_score(args: ScoreArgs, today: Day) -> Result<Exit> {
    let mut named = args.source.named();
    named.extend([("--model", args.model.as_deref()), ("--policy", args.policy.as_deref())]);
    let policy = match &args.policy {
        Some(path) => policy::load_file(path)?.0,
        None => Policy::default_policy(),
    };
    named.push(super::inputs::model_file(&policy));
    super::output::not_an_input(args.output.as_deref(), &named)?;
    let given: Option<(LtvModel, Origin)> = match (&args.model, &policy.model.ltv) {
        (Some(path), _) => Some((read_model(path)?, Origin::File(path.clone()))),
        (None, Ltv::Bgnbd(m)) => Some((
            LtvModel {
                time_unit: m.time_unit,
                bgnbd: m.bgnbd,
                gamma_gamma: Some(m.gamma_gamma),
            },
            Origin::Policy(policy.file.clone()),
        )),
        (None, Ltv::Simple) => None,
    };
    let requested = args.time_unit.map(TimeUnit::from);
    let unit = match (&given, requested) {
        (Some((model, origin)), Some(unit)) if unit != model.time_unit => {
            let from = match origin {
                Origin::File(p) => format!("model file `{}`", p.display()),
                Origin::Policy(p) => format!("policy `{p}`"),
                // Not a given model: a fit takes the unit asked for.
                Origin::Fitted(_) => "fit".to_string(),
            };
            return Err(UsageError(format!(
                "`--time-unit {}` does not match the {from}, fitted in {}: leave `--time-unit` out or refit",
                unit_name(unit),
                unit_name(model.time_unit)
            ))
            .into());
        }
        (Some((model, _)), _) => model.time_unit,
        (None, unit) => unit.unwrap_or_default(),
    };
    // At most a policy's longest horizon, 1,200 months: an absurd window
    // (1e18 weeks) made the expectation NaN.
    let longest = 1200.0 * unit.per_month();
    let periods = match args.periods {
        Some(p) if !(p.is_finite() && p > 0.0) => {
            return Err(UsageError(format!("`--periods {p}`: the window must be a positive number")).into());
        }
        Some(p) if p > longest => {
            return Err(UsageError(format!(
                "`--periods {p}`: the window must be at most 100 years, {longest} {}",
                unit_name(unit)
            ))
            .into());
        }
        Some(p) => p,
        None => f64::from(policy.model.horizon_months) * unit.per_month(),
    };
    let mut customers = load(&args.source, args.as_of.as_deref(), unit, today)?;
    let (model, origin) = match given {
        Some(given) => given,
        None => {
            let fits = fit(&customers, true)?;
            (fits.model(unit), Origin::Fitted(Box::new(fits)))
        }
    };
    // A spend fit that failed has said so already.
    let spend_failed =
        model.gamma_gamma.is_none() && matches!(&origin, Origin::Fitted(_)) && has_spend(&customers.summary);
    if let Some(id) = &args.customer {
        let Some(i) = customers.summary.position(id) else {
            match customers.as_of {
                Some(as_of) if customers.left_out.contains(id) => anyhow::bail!(
                    "customer `{id}` has no purchase on or before {} in `{}`",
                    date::format(as_of),
                    customers.file
                ),
                _ => anyhow::bail!("customer `{id}` is not in `{}`", customers.file),
            }
        };
        customers.summary = Summary {
            ids: vec![customers.summary.ids.swap_remove(i)],
            rfm: vec![customers.summary.rfm[i]],
            has_monetary: customers.summary.has_monetary,
        };
    }
    let settings = Settings {
        margin: policy.model.margin,
        horizon_months: policy.model.horizon_months,
        annual_discount_rate: policy.model.annual_discount_rate,
        periods,
        spend_known: customers.summary.has_monetary,
    };
    if model.gamma_gamma.is_none() && !spend_failed {
        super::to_stderr(format_args!(
            "note: the model has no Gamma-Gamma part, so expected_avg_value and clv are left empty: \
             fit on a history or a summary with monetary_value\n"
        ));
    }
    if model.gamma_gamma.is_some() && !settings.spend_known {
        super::to_stderr(format_args!(
            "note: `{}` has no monetary_value column: every purchase is valued at the Gamma-Gamma population mean\n",
            customers.file
        ));
    }
    let scores = ltv::score(&model, &customers.summary.rfm, &settings);
    let report = Report {
        customers: &customers,
        model: &model,
        origin: &origin,
        settings: &settings,
        policy: &policy,
        scores: &scores,
    };
    super::output::write(args.output.as_deref(), |w| match args.format {
        ScoreFormat::Csv => report.csv(w),
        ScoreFormat::Json => report.json(w),
        ScoreFormat::Table => report.table(w),
    })?;
    Ok(Exit::Success)
}

/// Everything the score outputs show
struct Report<'a> {
    customers: &'a Customers,
    model: &'a LtvModel,
    origin: &'a Origin,
    settings: &'a Settings,
    policy: &'a Policy,
    scores: &'a [Score],
}

/// One customer in `--format json`, in the order of the CSV columns
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    customer_id: &'a str,
    frequency: f64,
    recency: f64,
    #[serde(rename = "T")]
    t: f64,
    monetary_value: f64,
    p_alive: f64,
    expected_purchases: f64,
    expected_avg_value: Option<f64>,
    clv: Option<f64>,
}

/// A number for CSV: the shortest text that reads back as the same f64
fn push_number(line: &mut String, v: Option<f64>) {
    line.push(',');
    if let Some(v) = v {
        let _ = write!(line, "{v}");
    }
}

/// A CSV field, quoted when it must be
fn push_field(line: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&text.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(text);
    }
}

impl Report<'_> {
    fn rows(&self) -> impl Iterator<Item = (&str, &ltv::Rfm, &Score)> {
        let s = &self.customers.summary;
        s.ids
            .iter()
            .map(String::as_str)
            .zip(&s.rfm)
            .zip(self.scores)
            .map(|((id, r), s)| (id, r, s))
    }

    fn csv(&self, w: &mut dyn Write) -> Result<()> {
        w.write_all(b"customer_id,frequency,recency,T,p_alive,expected_purchases,expected_avg_value,clv\n")?;
        let mut line = String::with_capacity(256);
        for (id, r, s) in self.rows() {
            line.clear();
            push_field(&mut line, id);
            for v in [r.frequency, r.recency, r.t, s.p_alive, s.expected_purchases] {
                push_number(&mut line, Some(v));
            }
            push_number(&mut line, s.expected_avg_value);
            push_number(&mut line, s.clv);
            line.push('\n');
            w.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    fn model_json(&self) -> Value {
        let source = match self.origin {
            Origin::File(p) => json!({ "kind": "model_file", "file": p.display().to_string() }),
            Origin::Policy(p) => json!({ "kind": "policy", "file": p }),
            Origin::Fitted(f) => json!({
                "kind": "fitted",
                "file": self.customers.file,
                "bgnbd_log_likelihood": f.bgnbd.log_likelihood,
                "gamma_gamma_log_likelihood": f.gamma_gamma.map(|g| g.log_likelihood),
                "converged": f.converged(),
            }),
        };
        json!({
            "source": source,
            "time_unit": self.model.time_unit,
            "bgnbd": self.model.bgnbd,
            "gamma_gamma": self.model.gamma_gamma,
        })
    }

    fn json(&self, w: &mut dyn Write) -> Result<()> {
        let head = json!({
            "model": self.model_json(),
            "as_of": self.customers.as_of.map(date::format),
            "periods": self.settings.periods,
            "horizon_months": self.settings.horizon_months,
            "margin": self.settings.margin,
            "annual_discount_rate": self.settings.annual_discount_rate,
            "currency": self.policy.currency,
            "spend_known": self.settings.spend_known,
        });
        // Streamed, customer by customer: a million customers never sit in one Value.
        let head = serde_json::to_string_pretty(&head)?;
        let head = head.strip_suffix("\n}").unwrap_or(&head);
        w.write_all(head.as_bytes())?;
        w.write_all(b",\n  \"customers\": [")?;
        for (i, (id, r, s)) in self.rows().enumerate() {
            w.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            let row = JsonRow {
                customer_id: id,
                frequency: r.frequency,
                recency: r.recency,
                t: r.t,
                monetary_value: r.monetary_value,
                p_alive: s.p_alive,
                expected_purchases: s.expected_purchases,
                expected_avg_value: s.expected_avg_value,
                clv: s.clv,
            };
            serde_json::to_writer(&mut *w, &row)?;
        }
        w.write_all(b"\n  ]\n}\n")?;
        Ok(())
    }

    fn table(&self, w: &mut dyn Write) -> Result<()> {
        let m = self.model;
        let unit = unit_name(m.time_unit);
        let mut out = format!("Customers  {}\n", describe_data(self.customers));
        let origin = match self.origin {
            Origin::File(p) => format!("from `{}`", p.display()),
            Origin::Policy(p) => format!("from policy `{p}`"),
            Origin::Fitted(f) => format!(
                "fitted on these {} ({})",
                count(f.bgnbd.customers),
                if f.converged() {
                    "converged"
                } else {
                    "NOT fully converged"
                }
            ),
        };
        let bg = m.bgnbd;
        let _ = writeln!(
            out,
            "Model      BG/NBD r {:.4} · alpha {:.4} · a {:.4} · b {:.4} · time in {unit}, {origin}",
            bg.r, bg.alpha, bg.a, bg.b
        );
        match m.gamma_gamma {
            Some(gg) => {
                let _ = writeln!(
                    out,
                    "           Gamma-Gamma p {:.4} · q {:.4} · v {:.4}",
                    gg.p, gg.q, gg.v
                );
                if !self.settings.spend_known {
                    let _ = writeln!(
                        out,
                        "           no spend in the summary: every purchase valued at the population mean {}",
                        money::format(gg.population_mean(), &self.policy.currency)
                    );
                }
            }
            None => {
                let _ = writeln!(out, "           no Gamma-Gamma part: no expected value or CLV");
            }
        }
        let s = self.settings;
        let _ = writeln!(
            out,
            "CLV        {} months · margin {} · discount {} a year (policy `{}`)",
            s.horizon_months,
            crate::render::percent(s.margin),
            crate::render::percent(s.annual_discount_rate),
            self.policy.file
        );
        // Only a `bgnbd` policy hands `recommend` this CLV as `future_value`.
        if matches!(self.policy.model.ltv, Ltv::Simple) {
            let _ = writeln!(
                out,
                "           the policy's `ltv` is `simple`: `recommend` values its customers with that model, not this CLV"
            );
        }
        let _ = writeln!(out, "           expected_purchases: in the next {} {unit}", s.periods);
        out.push('\n');
        w.write_all(out.as_bytes())?;

        let cur = self.policy.currency.as_str();
        let money = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| money::format(v, cur));
        let rows: Vec<[String; 8]> = self
            .rows()
            .map(|(id, r, sc)| {
                [
                    id.to_string(),
                    whole(r.frequency),
                    format!("{:.2}", r.recency),
                    format!("{:.2}", r.t),
                    format!("{:.3}", sc.p_alive),
                    format!("{:.3}", sc.expected_purchases),
                    money(sc.expected_avg_value),
                    money(sc.clv),
                ]
            })
            .collect();
        let header = [
            "customer_id",
            "frequency",
            "recency",
            "T",
            "p_alive",
            "expected_purchases",
            "expected_avg_value",
            "clv",
        ];
        let mut widths = header.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut line = String::new();
        let mut put = |cells: &mut dyn Iterator<Item = &str>, w: &mut dyn Write| -> Result<()> {
            line.clear();
            for (i, cell) in cells.enumerate() {
                let pad = widths[i].saturating_sub(cell.chars().count());
                if i == 0 {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad));
                } else {
                    line.push_str("  ");
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                }
            }
            line.truncate(line.trim_end().len());
            line.push('\n');
            w.write_all(line.as_bytes())?;
            Ok(())
        };
        put(&mut header.iter().copied(), w)?;
        for row in &rows {
            put(&mut row.iter().map(String::as_str), w)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{convergence, count, days, whole};

    #[test]
    fn one_iteration_is_singular() {
        assert_eq!(convergence(false, 1), "NOT fully converged after 1 iteration");
        assert_eq!(convergence(true, 55), "converged after 55 iterations");
    }

    #[test]
    fn counts_are_grouped_and_past_exact_counting_shown_with_an_exponent() {
        assert_eq!(whole(29.0), "29");
        assert_eq!(whole(1e6), "1,000,000");
        assert_eq!(whole(1e300), "1e300");
        assert_eq!(days(1), "1 day");
        assert_eq!(days(11508), "11,508 days");
    }

    #[test]
    fn one_customer_is_singular_and_thousands_are_grouped() {
        assert_eq!(count(1), "1 customer");
        assert_eq!(count(2357), "2,357 customers");
    }
}
