//! The input files every command shares: policy, history, customers, ledger.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::UsageError;
use crate::batch::Sources;
use crate::diagnostic::{Report, Severity};
use crate::input::customers::Customers;
use crate::input::history::History;
use crate::input::ledger::Ledger;
use crate::policy::{self, Policy};

/// The data files a case is read against.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Files {
    /// Purchase history CSV: customer_id, date, amount [, order_id]
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Customer attributes CSV: customer_id plus any columns
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// Goodwill already granted, CSV: customer_id, date, gesture, cost
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,
}

/// Shared input options: the policy and the data files.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Inputs {
    /// Policy file [default: the shipped policy, embedded in the binary]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub files: Files,
}

impl Files {
    /// Fills files not given on the command line from another source (a case file).
    pub fn or(self, other: Files) -> Files {
        Files {
            history: self.history.or(other.history),
            customers: self.customers.or(other.customers),
            ledger: self.ledger.or(other.ledger),
        }
    }

    /// Each file with the option that names it.
    pub fn named(&self) -> [(&'static str, Option<&Path>); 3] {
        [
            ("--history", self.history.as_deref()),
            ("--customers", self.customers.as_deref()),
            ("--ledger", self.ledger.as_deref()),
        ]
    }

    /// The files as the batch core takes them.
    pub fn sources(&self) -> Sources {
        Sources {
            history: self.history.clone(),
            customers: self.customers.clone(),
            ledger: self.ledger.clone(),
            single_line: Vec::new(),
        }
    }

    /// The history, if a file was named; with `only`, just those customers.
    pub fn load_history(&self, only: Option<&HashSet<String>>) -> Result<History> {
        match &self.history {
            Some(path) => Ok(History::load(path, only)?),
            None => Ok(History::default()),
        }
    }

    /// The customers file's rows for the customers `ids`, if the file is
    /// named; the other rows are not read.
    pub fn load_customers<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Result<Option<Customers>> {
        self.customers
            .as_ref()
            .map(|p| Customers::load_some(p, ids))
            .transpose()
            .map_err(Into::into)
    }

    /// The ledger, if named (empty otherwise); a bad row of one of the
    /// customers `ids` is an error, another customer's is not read into
    /// any answer.
    pub fn load_ledger<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Result<Ledger> {
        match &self.ledger {
            Some(path) => Ok(Ledger::load_for(path, ids)?),
            None => Ok(Ledger::default()),
        }
    }
}

impl Inputs {
    /// Fills options not given on the command line from another source (a case file).
    pub fn or(self, other: Inputs) -> Inputs {
        Inputs {
            policy: self.policy.or(other.policy),
            files: self.files.or(other.files),
        }
    }

    /// Standard input (`-`) can be read once: an error naming the options
    /// that both ask for it. `incidents` is the batch's incidents file.
    pub fn check_stdin(&self, incidents: Option<&Path>) -> Result<()> {
        one_stdin(&self.named(incidents))
    }

    /// Each input with the option that names it; `incidents` is the batch's incidents file.
    pub fn named<'a>(&'a self, incidents: Option<&'a Path>) -> Vec<(&'static str, Option<&'a Path>)> {
        let mut named = vec![("INCIDENTS", incidents), ("--policy", self.policy.as_deref())];
        named.extend(self.files.named());
        named
    }

    /// The policy: the named file, or the shipped default.
    pub fn load_policy(&self) -> Result<Policy> {
        Ok(self.load_policy_report()?.0)
    }

    /// The policy, with the report of loading it when it is a named file
    /// (its warnings: see [`warn_of_policy_warnings`]).
    pub fn load_policy_report(&self) -> Result<(Policy, Option<Report>)> {
        match &self.policy {
            Some(path) => {
                let (policy, report) = policy::load_file(path)?;
                Ok((policy, Some(report)))
            }
            None => Ok((Policy::default_policy(), None)),
        }
    }
}

/// Says on standard error how many warnings `policy check` gives a policy
/// loaded from `path` (those of `loaded`, the report of loading it, and
/// its lints), before a batch or a backtest runs it: a kind misspelt in a
/// condition is only a warning there, and a batch would answer that kind
/// with the apology and say nothing.
pub fn warn_of_policy_warnings(policy: &Policy, loaded: &Report, path: &Path) {
    let lints = Report::new(&policy.file, policy.source.as_str(), crate::check::lint(policy));
    let n = loaded.count(Severity::Warning) + lints.count(Severity::Warning);
    if n > 0 {
        super::to_stderr(format_args!(
            "warning: policy `{}` has {n} warning{}: `goodwill policy check {}` shows {}\n",
            policy.file,
            crate::render::plural(n),
            path.display(),
            if n == 1 { "it" } else { "them" }
        ));
    }
}

/// The model file a policy's parameters were read from, as an input no
/// output may replace: the policy is read again on the next run.
pub fn model_file(policy: &Policy) -> (&'static str, Option<&Path>) {
    ("model_file", policy.model.model_file.as_deref())
}

/// An error naming the first two of `inputs` that are `-`: standard input
/// can feed only one.
pub fn one_stdin(inputs: &[(&str, Option<&Path>)]) -> Result<()> {
    let stdin: Vec<&str> = inputs
        .iter()
        .filter(|(_, p)| p.is_some_and(|p| p.as_os_str() == "-"))
        .map(|(name, _)| *name)
        .collect();
    if let [first, second, ..] = stdin[..] {
        return Err(UsageError(format!(
            "`{first}` and `{second}` both read standard input (`-`): it can feed only one of them"
        ))
        .into());
    }
    Ok(())
}
