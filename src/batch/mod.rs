//! The batch core: every incident of a file answered, in input order (the README's "Batch").
//!
//! A batch is two steps so that `policy diff` can run two policies over one
//! read of the inputs:
//!
//! 1. [`Data::load`] reads the incidents (bad rows kept, with their line and
//!    reason), then the history of just the customers they name, the customers
//!    file and the ledger. It also groups the good incidents by customer, each
//!    group in (date, line) order.
//! 2. [`evaluate`] runs one policy over the data. The only thing one case
//!    passes to another is the customer's 12-month goodwill usage (the README's "The policy"):
//!    a gesture recommended earlier in the batch (earlier date, then earlier
//!    line) counts against the caps of the same customer's later cases. So
//!    each customer's cases run in order on one thread, customers run in
//!    parallel, and the outcomes are read back in input order: the result
//!    does not depend on the number of threads. [`evaluate_rendered`] does
//!    the same but keeps each outcome only as the line of text it becomes,
//!    which is what `goodwill batch` writes.
//!
//! The two steps live apart: `data` reads the incidents into [`Data`],
//! `run` schedules the evaluation, and `summary` sums the outcomes into a
//! [`Summary`]; this module holds what a caller names, re-exported.
//!
//! ```
//! use goodwill::batch::{Data, Decision, evaluate};
//! use goodwill::input::history::History;
//! use goodwill::input::ledger::Ledger;
//! use goodwill::policy::Policy;
//!
//! let csv = "case_id,customer_id,kind,date,loss,order_value,coupon_pct\n\
//!            K1,C1,expired_coupon,2025-11-20,12,60,20\n\
//!            K2,C1,no_such_kind,2025-11-21,12,60,20\n";
//! let history = History::from_transactions([
//!     ("C1", (goodwill::date::parse("2025-01-10").unwrap(), 60.0)),
//!     ("C1", (goodwill::date::parse("2025-06-02").unwrap(), 40.0)),
//! ]);
//! let data = Data::from_reader(csv.as_bytes(), "i.csv", 0, history, None, Ledger::default()).unwrap();
//! let policy = Policy::default_policy();
//! let out = evaluate(&policy, &data);
//! assert_eq!(out[0].decision, Decision::Gesture);
//! assert_eq!(out[0].gesture, "honor_coupon");
//! assert_eq!(out[0].cost, 12.0);
//! assert_eq!(out[1].decision, Decision::Error);
//! assert_eq!(out[1].line, 3);
//! ```

mod data;
mod run;
mod summary;

use std::path::PathBuf;

pub use data::{Data, Rejected, RowLike};
pub use run::{Decision, Iter, Outcome, Outcomes, Rendered, evaluate, evaluate_rendered, evaluate_with_progress};
pub use summary::{Summary, Totals};

/// Where the inputs other than the incidents come from; `None` is no file.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// Purchase history CSV.
    pub history: Option<PathBuf>,
    /// Customer attributes CSV.
    pub customers: Option<PathBuf>,
    /// Goodwill ledger CSV.
    pub ledger: Option<PathBuf>,
    /// The incidents columns besides the incident's own (`case_id` to
    /// `channel`) that hold no line end: those a policy types as a number,
    /// a date or a boolean ([`crate::policy::Policy::single_line_columns`]).
    /// A quoted field over lines in one is a misplaced quote.
    pub single_line: Vec<String>,
}

/// What the tests of every part of a batch start from.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::history::History;
    use crate::input::ledger::Ledger;

    pub(super) fn data(csv: &str, history: History, ledger: Ledger) -> Data {
        Data::from_reader(csv.as_bytes(), "i.csv", 0, history, None, ledger).unwrap()
    }
}
