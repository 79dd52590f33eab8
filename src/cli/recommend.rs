//! `goodwill recommend`: one case, one answer, while the customer waits.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::UsageError;
use super::inputs::{Files, Inputs};
use crate::date::Day;
use crate::engine::{Customer, Engine, Reader};
use crate::exit::Exit;
use crate::input::case_file::CaseFile;
use crate::input::incidents::{Incident, STANDARD};
use crate::input::ledger::Ledger;
use crate::policy::Policy;
use crate::policy::fields::Scope;
use crate::render;

/// How to print the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The rep's one-screen answer.
    Table,
    /// Every figure, unrounded, with the rule trace.
    Json,
}

/// Recommend a remedy for one case.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  goodwill recommend --case examples/coupon.toml\n  \
    goodwill recommend --history h.csv --customer C42 --kind late_delivery --loss 8 --order-value 40")]
pub struct Args {
    /// A case file (TOML, or JSON when it ends in .json); flags override it
    #[arg(long, value_name = "FILE")]
    pub case: Option<PathBuf>,
    /// The customer's id
    #[arg(long, value_name = "ID")]
    pub customer: Option<String>,
    /// The incident kind (expired_coupon, payment_failed, late_delivery, ...)
    #[arg(long)]
    pub kind: Option<String>,
    /// Money the customer lost or was denied
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub loss: Option<String>,
    /// The value of the order concerned
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub order_value: Option<String>,
    /// The incident date, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "D")]
    pub date: Option<String>,
    /// Severity, 1 (minor) to 5 (serious) [default: 3]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub severity: Option<String>,
    /// Where the customer reached us (chat, phone, email, ...)
    #[arg(long)]
    pub channel: Option<String>,
    /// The case's id [default: the case file's, or `case`]
    #[arg(long, value_name = "ID")]
    pub case_id: Option<String>,
    /// Any other incident field, e.g. `--set incident.coupon_pct=20` (repeatable)
    #[arg(long = "set", value_name = "incident.FIELD=VALUE")]
    pub set: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also print the rule trace: each rule and each candidate's numbers
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub inputs: Inputs,
}

/// Runs `recommend`.
pub fn run(args: Args, today: Day) -> Result<Exit> {
    let case = match &args.case {
        // A case file stands for flags: one that cannot be read is bad usage.
        Some(path) => CaseFile::load(path).map_err(UsageError)?,
        None => CaseFile::default(),
    };
    let inputs = args.inputs.clone().or(Inputs {
        policy: case.policy.clone(),
        files: Files {
            history: case.history.clone(),
            customers: case.customers.clone(),
            ledger: case.ledger.clone(),
        },
    });
    inputs.check_stdin(None)?;
    // A file the case file names, and not a flag, says so when it cannot be read.
    let from_case = |field: &'static str, flag: &Option<PathBuf>| {
        let case_path = args.case.as_ref().filter(|_| flag.is_none());
        move |e: anyhow::Error| match case_path {
            Some(path) => e.context(format!("`{field}` in the case file `{}`", path.display())),
            None => e,
        }
    };
    let (fields, incident) = incident(&args, &case, today)?;
    // Every mistake in the incident at once, before the data files are read:
    // its fields' own, then those against the policy.
    let mut problems = incident.as_ref().err().cloned().unwrap_or_default();
    let policy = match inputs.load_policy().map_err(from_case("policy", &args.inputs.policy)) {
        Ok(policy) => {
            problems.extend(check_fields(&policy, &fields, &problems));
            policy
        }
        // Both said: the incident's mistakes, then the policy's.
        Err(e) if !problems.is_empty() => {
            let said = invalid_incident(problems).to_string();
            super::to_stderr(format_args!("error: {}\n", super::escape_controls(&said, &['\n'])));
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let incident = match incident {
        Ok(incident) if problems.is_empty() => incident,
        _ => return Err(invalid_incident(problems)),
    };
    // A mistyped year (`2027` for `2026`) would otherwise be answered as if the customer had a year more history.
    if incident.date > today {
        super::to_stderr(format_args!(
            "warning: the incident date {} is after today ({}): the customer is taken as of that day\n",
            crate::date::format(incident.date),
            crate::date::format(today)
        ));
    }
    for warning in unread_fields(&policy, &incident) {
        super::to_stderr(format_args!("warning: {warning}\n"));
    }
    let only: HashSet<String> = [incident.customer_id.clone()].into();
    let given = &args.inputs.files;
    let history = inputs
        .files
        .load_history(Some(&only))
        .map_err(from_case("history", &given.history))?;
    let customers = inputs
        .files
        .load_customers([incident.customer_id.as_str()])
        .map_err(from_case("customers", &given.customers))?;
    let ledger = (inputs.files)
        .load_ledger([incident.customer_id.as_str()])
        .map_err(from_case("ledger", &given.ledger))?;

    let id = incident.customer_id.as_str();
    let customer = Customer::from_files(&policy, &history, customers.as_ref(), &ledger, id, incident.date);
    warn_of_history(inputs.files.history.as_deref(), customer.transactions, &incident, today);
    warn_of_ledger(&policy, inputs.files.ledger.as_deref(), &ledger, &incident);
    let engine = Engine::new(&policy, customers.as_ref()).answered_on(today);
    let mut values = engine.values();
    let rec = engine
        .recommend(&incident, &customer, &mut values)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("case `{}`", incident.case_id))?;
    // Customer attributes the customers file has no column for (a renamed export column).
    let no_column: Vec<&str> = match &customers {
        Some(c) => (policy.attribute_columns(Scope::Customer).into_iter())
            .filter(|name| c.column(name).is_none())
            .collect(),
        None => Vec::new(),
    };
    let unset = left_out(&policy, &fields, customer.record.is_some(), &no_column);
    // `values` holds the case as the engine read it.
    let read = rec.fields_read(&policy, &incident.kind, &values, &unset);
    let no_row = match (&inputs.files.customers, &customer.record) {
        (None, _) => Some("no customers file (--customers, or `customers` in the case file)".to_string()),
        (Some(path), None) => Some(format!(
            "customer `{}` has no row in `{}`",
            incident.customer_id,
            path.display()
        )),
        (Some(_), Some(_)) => None,
    };
    let attributes = match (no_row, &customers) {
        (Some(why), _) => unset_attributes(&policy, &read, &unset, &why),
        (None, Some(c)) => {
            // Only those the answer read.
            let columns: Vec<String> = (no_column.iter())
                .filter(|name| read.iter().any(|(f, _)| f.strip_prefix("customer.") == Some(name)))
                .map(|name| format!("`{name}`"))
                .collect();
            let why = format!(
                "`{}` has no column{} {}",
                c.file,
                crate::render::plural(columns.len()),
                crate::render::and_list(&columns)
            );
            unset_attributes(&policy, &read, &unset, &why)
        }
        _ => None,
    };
    for warning in unset_fields(&policy, &read, &unset).into_iter().chain(attributes) {
        super::to_stderr(format_args!("warning: {warning}\n"));
    }
    let text = match args.format {
        Format::Table => render::table::case(&policy, &incident, &rec, args.explain, super::output::terminal_width()),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&render::json::case(&policy, &incident, &rec))?;
            s.push('\n');
            s
        }
    };
    super::output::write(None, |w| Ok(w.write_all(text.as_bytes())?))?;
    Ok(Exit::Success)
}

/// What a kind the policy does not list, or an incident field that does
/// not fit the type the policy declares (`--set incident.coupon_pct=abc`),
/// makes of the case: each named by where it came from, as a batch row's
/// would be rejected.
fn check_fields(policy: &Policy, fields: &[Field], known: &[Problem]) -> Vec<Problem> {
    let mut problems = Vec::new();
    // A kind already refused (a control character in it) is not said twice.
    let kind = fields
        .iter()
        .position(|f| f.name == "kind")
        .filter(|at| !known.iter().any(|(k, _)| k == at));
    if let Some((at, kind)) = kind.map(|at| (at, &fields[at]))
        && let Err(e) = policy.check_kind(crate::input::trim(&kind.value))
    {
        // With no near miss to suggest, the kinds to choose from.
        let kinds = policy.kinds.as_deref().unwrap_or_default();
        let names = || kinds.iter().map(String::as_str);
        let listed = match crate::suggest::did_you_mean(crate::input::trim(&kind.value), names()) {
            Some(_) => String::new(),
            None => format!("; it lists {}", names().collect::<Vec<_>>().join(", ")),
        };
        problems.push((at, format!("{}: {e}{listed}", kind.source)));
    }
    // Typed as a batch would type them.
    let mut scratch = Engine::new(policy, None).values();
    for attr in policy.attributes.iter().filter(|a| a.scope == Scope::Incident) {
        if let Some(at) = fields.iter().position(|f| f.name == attr.column) {
            let text = crate::input::trim(&fields[at].value);
            if let Err(why) = crate::engine::set_text(&mut scratch, attr.ty, attr.slot, text) {
                problems.push((at, format!("{}: {why}", fields[at].source)));
            }
        }
    }
    problems
}

/// A mistake in the incident: the field's place in the list of fields (or
/// [`MISSING`]), and what is wrong, named by where the field came from.
type Problem = (usize, String);

/// The place of a required field's [`Problem`] when it is not there at all.
const MISSING: usize = usize::MAX;

/// The incident, or every mistake that keeps it from being one.
type Checked = Result<Incident, Vec<Problem>>;

/// A usage error naming every mistake in the incident, one to a line, in
/// the order of the fields: the case file's, then the flags'.
fn invalid_incident(mut problems: Vec<Problem>) -> anyhow::Error {
    // What is missing first, then the fields in order.
    problems.sort_by_key(|&(at, _)| (at != MISSING, at));
    let lines: Vec<String> = problems.iter().map(|(_, p)| format!("invalid incident: {p}")).collect();
    UsageError(lines.join("\nerror: ")).into()
}

/// A forgotten `--ledger` would answer as if the customer had had no
/// goodwill this year; a gesture the policy does not have in it (`Apology`)
/// counts toward the limits unseen.
fn warn_of_ledger(policy: &Policy, path: Option<&Path>, ledger: &Ledger, incident: &Incident) {
    let customer_id = incident.customer_id.as_str();
    let Some(path) = path else {
        if policy.limits.over_12_months() {
            super::to_stderr(format_args!(
                "warning: no ledger file (--ledger, or `ledger` in the case file): the 12-month limits count no \
                 earlier gesture of customer `{customer_id}`\n"
            ));
        }
        return;
    };
    let file = path.display().to_string();
    let mut named: Vec<&str> = Vec::new();
    // Only the rows this case's limits count.
    for grant in ledger
        .grants_of(customer_id)
        .iter()
        .filter(|g| crate::input::ledger::in_window(g, incident.date))
    {
        let gesture = ledger.gestures()[grant.gesture as usize].as_str();
        if !named.contains(&gesture) {
            named.push(gesture);
            if let Some(warning) = policy.ledger_gesture_warning(&file, gesture) {
                super::to_stderr(format_args!("warning: {}\n", super::escape_controls(&warning, &[])));
            }
        }
    }
}

/// Warns of the history slips that leave a valid case: no history file, no
/// row for the customer (a mistyped id reads as a new customer), or rows
/// after an incident dated long ago (a mistyped year).
fn warn_of_history(history: Option<&Path>, transactions: &[(Day, f64)], incident: &Incident, today: Day) {
    // A forgotten `--history` or a mistyped id would otherwise read as a new customer.
    match history {
        None => super::to_stderr(format_args!(
            "warning: no history file (--history, or `history` in the case file): customer `{}` is answered as a new customer\n",
            incident.customer_id
        )),
        Some(path) if transactions.is_empty() => {
            let hint = crate::input::history::History::similar_id(path, &incident.customer_id)
                .map(|other| format!(" (did you mean `{other}`?)"))
                .unwrap_or_default();
            super::to_stderr(format_args!(
                "warning: customer `{}` has no rows in `{}`{hint}: answered as a new customer\n",
                incident.customer_id,
                path.display()
            ))
        }
        Some(_) => {}
    }
    // A mistyped year the other way (`2025` for `2026`) leaves the customer's
    // later orders, and their 12-month goodwill, out of the answer. A case
    // of the last few weeks, answered late, is no slip: orders since are normal.
    let later = transactions.len() - crate::input::history::up_to(transactions, incident.date).len();
    if later > 0 && incident.date + LATE_CASE_DAYS < today {
        super::to_stderr(format_args!(
            "warning: customer `{}` has {later} history row{} after the incident date {} (the last on {}): \
             they are left out, as the customer is taken as of that day\n",
            incident.customer_id,
            crate::render::plural(later),
            crate::date::format(incident.date),
            transactions
                .last()
                .map_or_else(String::new, |(day, _)| crate::date::format(*day))
        ));
    }
}

/// A warning for each extra incident field the policy does not declare: a
/// rep's typo (`coupn_pct`) would otherwise change the answer silently.
fn unread_fields(policy: &Policy, incident: &Incident) -> Vec<String> {
    let declared = policy.attribute_columns(Scope::Incident);
    incident
        .extra
        .iter()
        .filter(|(name, _)| !declared.contains(&name.as_str()))
        .map(|(name, _)| {
            // `los` for `loss` is as likely as `coupn_pct` for an attribute.
            let known = declared.iter().copied().chain(crate::input::incidents::STANDARD);
            let hint = crate::suggest::hint(name, known);
            format!("incident field `{name}` is not one the policy reads, so it is ignored{hint}")
        })
        .collect()
}

/// What the case does not have, each read as its type's empty value: the
/// incident's `loss`, `order_value` and declared attributes not among its
/// `given` fields, and the declared customer attributes without the
/// customer's row (`has_row`) or a column of the customers file (those of
/// `no_column`).
fn left_out(policy: &Policy, given: &[Field], has_row: bool, no_column: &[&str]) -> Vec<String> {
    let incident = (["loss", "order_value"].into_iter())
        .chain(policy.attribute_columns(Scope::Incident))
        .filter(|name| !given.iter().any(|f| f.name == *name))
        .map(|name| format!("incident.{name}"));
    let customer = (policy.attribute_columns(Scope::Customer).into_iter())
        .filter(|name| !has_row || no_column.contains(name))
        .map(|name| format!("customer.{name}"));
    incident.chain(customer).collect()
}

/// What a field of [`left_out`] reads as.
fn empty_value(policy: &Policy, field: &str) -> &'static str {
    match field.split_once('.') {
        Some(("incident", "loss" | "order_value")) => "0",
        Some(("incident", name)) => policy
            .attribute(Scope::Incident, name)
            .map_or("0", |a| a.ty.empty_value()),
        Some((_, name)) => policy
            .attribute(Scope::Customer, name)
            .map_or("0", |a| a.ty.empty_value()),
        None => "0",
    }
}

/// A warning for each incident field the answer `read` that the case left
/// out (`unset`): read as its type's empty value, it changes the answer
/// unseen (a coupon case without `coupon_pct` finds the coupon not
/// eligible, and is offered something else).
fn unset_fields(policy: &Policy, read: &[(String, Reader)], unset: &[String]) -> Vec<String> {
    let mut warnings = Vec::new();
    for (field, reader) in read.iter().filter(|(f, _)| unset.contains(f)) {
        let Some(name) = field.strip_prefix("incident.") else {
            continue;
        };
        let flag = match name {
            "loss" => "--loss".to_string(),
            "order_value" => "--order-value".to_string(),
            _ => format!("--set incident.{name}=VALUE"),
        };
        warnings.push(format!(
            "the case gives no `incident.{name}`, which {reader} reads: it is read as {} (give it with `{flag}`)",
            empty_value(policy, field)
        ));
    }
    warnings
}

/// The customer attributes the answer `read` that are left out (`unset`),
/// the customer having no row to read them from (`why`): each reads as its
/// type's empty value, as a plan price of 0 makes a subscription's upgrade
/// not eligible.
fn unset_attributes(policy: &Policy, read: &[(String, Reader)], unset: &[String], why: &str) -> Option<String> {
    let unset: Vec<(&str, String, &str)> = read
        .iter()
        .filter(|(field, _)| field.starts_with("customer.") && unset.contains(field))
        .map(|(field, reader)| (field.as_str(), reader.to_string(), empty_value(policy, field)))
        .collect();
    if unset.is_empty() {
        return None;
    }
    let list = |items: Vec<String>| crate::render::and_list(&items);
    let names = list(unset.iter().map(|(f, _, _)| format!("`{f}`")).collect());
    let empties = list(unset.iter().map(|(_, _, e)| e.to_string()).collect());
    let mut readers: Vec<String> = Vec::new();
    for (_, reader, _) in &unset {
        if !readers.contains(reader) {
            readers.push(reader.clone());
        }
    }
    let read = if readers.len() == 1 { "reads" } else { "read" };
    let is = if unset.len() == 1 { "is" } else { "are" };
    Some(format!(
        "{why}: {names}, which {} {read}, {is} read as {empties}",
        list(readers)
    ))
}

/// An incident older than this, with history after it, is warned of as a
/// likely mistyped date.
const LATE_CASE_DAYS: crate::date::Day = 90;

/// A value given on the command line that is empty (`--loss "$LOSS"` with
/// the variable unset) is bad usage: read as no value, it would stand for 0
/// or today, over the case file's own, and change the answer unseen.
fn empty_given(value: &str, source: &str) -> Result<()> {
    if crate::input::trim(value).is_empty() {
        return Err(UsageError(format!("{source} is empty: give it a value, or leave it out")).into());
    }
    Ok(())
}

/// One incident field: its name, its value, and where it came from (its
/// flag, its `--set`, or its place in the case file).
struct Field {
    name: String,
    value: String,
    source: String,
}

/// The incident: the case file's fields, overridden by flags, or every field
/// that does not parse, each named by where it came from. A flag that cannot
/// be read at all (an empty value, a `--set` that is not `incident.FIELD=VALUE`,
/// no customer or kind) is bad usage at once.
fn incident(args: &Args, case: &CaseFile, today: Day) -> Result<(Vec<Field>, Checked)> {
    fn put(fields: &mut Vec<Field>, name: &str, value: &Option<String>, source: String) {
        if let Some(v) = value {
            fields.retain(|f| f.name != name);
            fields.push(Field {
                name: name.to_string(),
                value: v.clone(),
                source,
            });
        }
    }
    let case_file = args.case.as_ref().map(|p| p.display().to_string());
    let mut fields: Vec<Field> = case
        .incident
        .iter()
        .map(|(n, v)| {
            let source = match (&case_file, case.at.get(n)) {
                (Some(file), Some((line, column))) => format!("`{file}`: line {line}, column {column}: field `{n}`"),
                (Some(file), None) => format!("`{file}`: field `{n}`"),
                (None, _) => format!("field `{n}`"),
            };
            Field {
                name: n.clone(),
                value: v.clone(),
                source,
            }
        })
        .collect();
    // In the order of the file, where it says.
    fields.sort_by_key(|f| case.at.get(&f.name).copied());
    // The fields given on the command line: the flags, then each `--set`.
    let mut given: Vec<&str> = Vec::new();
    for (name, flag, value) in [
        ("case_id", "--case-id", &args.case_id),
        ("customer_id", "--customer", &args.customer),
        ("kind", "--kind", &args.kind),
        ("loss", "--loss", &args.loss),
        ("order_value", "--order-value", &args.order_value),
        ("date", "--date", &args.date),
        ("severity", "--severity", &args.severity),
        ("channel", "--channel", &args.channel),
    ] {
        if let Some(v) = value {
            empty_given(v, &format!("`{flag}`"))?;
            given.push(name);
        }
        put(&mut fields, name, value, format!("`{flag}`"));
    }
    for set in &args.set {
        let Some((name, value)) = set.split_once('=') else {
            return Err(UsageError(format!("`--set {set}`: expected incident.FIELD=VALUE")).into());
        };
        let Some(field) = name.trim().strip_prefix("incident.") else {
            return Err(UsageError(format!("`--set {set}`: only `incident.` fields can be set")).into());
        };
        let source = format!("`--set {}`", name.trim());
        empty_given(value, &source)?;
        // `--loss 7 --set incident.loss=5`: which one the rep meant is not ours to guess.
        if given.contains(&field)
            && let Some(earlier) = fields.iter().find(|f| f.name == field)
        {
            return Err(UsageError(format!("{} and {source} both give `{field}`: keep one", earlier.source)).into());
        }
        given.push(field);
        put(&mut fields, field, &Some(value.to_string()), source);
    }
    if !fields.iter().any(|f| f.name == "case_id") {
        put(&mut fields, "case_id", &Some("case".into()), "`--case-id`".into());
    }
    // What is missing first, then each standard field on its own, so that
    // one mistake hides no other; named by where it came from, not as the
    // CSV column the incident reader would name it.
    let missing = [("--customer", "customer_id"), ("--kind", "kind")]
        .into_iter()
        // Given but empty, it is named where it was given (below).
        .filter(|(_, name)| !fields.iter().any(|f| f.name == *name))
        .map(|(flag, name)| {
            (
                MISSING,
                format!("`{flag}` is required (or a `--case` file naming `{name}`)"),
            )
        });
    let problems: Vec<Problem> = missing
        .chain(
            fields
                .iter()
                .enumerate()
                .filter(|(_, f)| STANDARD.contains(&f.name.as_str()))
                .filter_map(|(at, f)| {
                    let e = Incident::check_field(&f.name, &f.value).err()?;
                    Some((at, format!("{}{}", f.source, e.problem)))
                }),
        )
        .collect();
    let incident = if problems.is_empty() {
        Incident::from_fields(fields.iter().map(|f| (f.name.as_str(), f.value.as_str())), today)
            .map_err(|e| vec![(0, e.to_string())])
    } else {
        Err(problems)
    };
    Ok((fields, incident))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_customer_attributes_name_each_reader_once() {
        let policy = Policy::default_policy();
        // No row: every declared customer attribute is left out.
        let unset = left_out(&policy, &[], false, &[]);
        let read = |pairs: &[(&str, Reader)]| -> Vec<(String, Reader)> {
            pairs.iter().map(|(f, r)| (f.to_string(), r.clone())).collect()
        };
        let (g, r) = (Reader::Gesture("g".to_string()), Reader::Rule("r".to_string()));
        let one = read(&[("customer.plan", g.clone()), ("incident.loss", r.clone())]);
        assert_eq!(
            unset_attributes(&policy, &one, &unset, "no row").as_deref(),
            Some("no row: `customer.plan`, which gesture `g` reads, is read as \"\"")
        );
        let two = read(&[
            ("customer.tier", r.clone()),
            ("customer.plan", g.clone()),
            ("customer.plan_price", g),
        ]);
        assert_eq!(
            unset_attributes(&policy, &two, &unset, "no row").as_deref(),
            Some(
                "no row: `customer.tier`, `customer.plan` and `customer.plan_price`, which rule `r` and gesture `g` \
                 read, are read as \"\", \"\" and 0"
            )
        );
        // Features are computed from the history, not read from a row.
        assert_eq!(
            unset_attributes(&policy, &read(&[("customer.orders", r)]), &unset, "no row"),
            None
        );
    }
}
