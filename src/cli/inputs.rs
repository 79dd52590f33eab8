//! The input files every command shares: policy, history, customers, ledger.

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::Result;

use crate::input::customers::Customers;
use crate::input::history::History;
use crate::input::ledger::Ledger;
use crate::policy::{self, Policy};

/// Shared input options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Inputs {
    /// Policy file [default: the shipped policy, embedded in the binary]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
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

impl Inputs {
    /// Fills options not given on the command line from another source (a case file).
    pub fn or(mut self, other: Inputs) -> Inputs {
        self.policy = self.policy.or(other.policy);
        self.history = self.history.or(other.history);
        self.customers = self.customers.or(other.customers);
        self.ledger = self.ledger.or(other.ledger);
        self
    }

    /// The policy: the named file, or the shipped default.
    pub fn load_policy(&self) -> Result<Policy> {
        match &self.policy {
            Some(path) => Ok(policy::load_file(path)?.0),
            None => Ok(Policy::default_policy()),
        }
    }

    /// The history, if a file was named; with `only`, just those customers.
    pub fn load_history(&self, only: Option<&HashSet<String>>) -> Result<History> {
        match &self.history {
            Some(path) => Ok(History::load(path, only)?),
            None => Ok(History::default()),
        }
    }

    /// The customers file, if named.
    pub fn load_customers(&self) -> Result<Option<Customers>> {
        self.customers
            .as_ref()
            .map(|p| Customers::load(p))
            .transpose()
            .map_err(Into::into)
    }

    /// The ledger, if named (empty otherwise).
    pub fn load_ledger(&self) -> Result<Ledger> {
        match &self.ledger {
            Some(path) => Ok(Ledger::load(path)?),
            None => Ok(Ledger::default()),
        }
    }
}
