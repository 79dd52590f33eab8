//! Purchase history: transactions grouped by customer, and the customer
//! features of SPEC §2 computed as of a date.
//!
//! Features are computed from the transactions on or before the as-of date
//! only, so a backtest over last year's incidents never sees what came after
//! them. Transactions are kept sorted by day per customer, which makes the
//! cut-off a binary search.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde::Serialize;

use super::{InputError, csv_reader, customer_id, field, parse_date, parse_number};
use crate::date::Day;

/// One transaction: its day and amount (negative for a refund).
pub type Transaction = (Day, f64);

/// Every customer's transactions, sorted by day.
#[derive(Debug, Default)]
pub struct History {
    customers: HashMap<Box<str>, Vec<Transaction>>,
    rows: u64,
}

impl History {
    /// Reads a history file. With `only`, customers not in the set are skipped
    /// (their rows are still checked).
    pub fn load(path: &Path, only: Option<&HashSet<String>>) -> Result<History, InputError> {
        let name = path.display().to_string();
        Self::from_reader(super::open(path)?, &name, only)
    }

    /// Reads history from any reader; `file` names it in errors.
    pub fn from_reader<R: Read>(input: R, file: &str, only: Option<&HashSet<String>>) -> Result<History, InputError> {
        let mut reader = csv_reader(input);
        let header = super::Header::read(&mut reader, file)?;
        let id_col = header.require(&["customer_id"], file)?;
        let date_col = header.require(&["date"], file)?;
        let amount_col = header.require(&["amount"], file)?;
        let mut history = History::default();
        super::for_each_row(&mut reader, file, |record, _| {
            let id = customer_id(record, id_col)?;
            let day = parse_date(field(record, date_col, "date")?, "date")?;
            let amount = parse_number(field(record, amount_col, "amount")?, "amount")?;
            history.rows += 1;
            if only.is_none_or(|set| set.contains(id)) {
                history.push(id, (day, amount));
            }
            Ok(())
        })?;
        history.finish();
        Ok(history)
    }

    /// Builds a history from transactions in memory.
    pub fn from_transactions<'a>(rows: impl IntoIterator<Item = (&'a str, Transaction)>) -> History {
        let mut history = History::default();
        for (id, tx) in rows {
            history.rows += 1;
            history.push(id, tx);
        }
        history.finish();
        history
    }

    fn push(&mut self, id: &str, tx: Transaction) {
        match self.customers.get_mut(id) {
            Some(list) => list.push(tx),
            None => {
                self.customers.insert(id.into(), vec![tx]);
            }
        }
    }

    fn finish(&mut self) {
        for list in self.customers.values_mut() {
            // Stable, so same-day rows keep file order: results never depend on it,
            // but reproducibility is cheap.
            list.sort_by_key(|t| t.0);
        }
    }

    /// A customer's transactions, sorted by day (empty for an unknown customer).
    pub fn transactions(&self, customer_id: &str) -> &[Transaction] {
        self.customers.get(customer_id).map_or(&[], Vec::as_slice)
    }

    /// The number of customers.
    pub fn customers(&self) -> usize {
        self.customers.len()
    }

    /// The number of rows read, skipped customers included.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Every customer with their transactions, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Transaction])> {
        self.customers.iter().map(|(k, v)| (&**k, v.as_slice()))
    }
}

/// A customer's history summarised as of a date (SPEC §2).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Features {
    /// Transactions with amount > 0.
    pub orders: u64,
    /// Sum of amounts, refunds included.
    pub total_spend: f64,
    /// Mean of the positive amounts; 0 if none.
    pub avg_order_value: f64,
    /// The first order's day, if any.
    pub first_order: Option<Day>,
    /// The last order's day, if any.
    pub last_order: Option<Day>,
    /// As-of minus first order, in days (0 if none).
    pub tenure_days: f64,
    /// As-of minus last order, in days (0 if none).
    pub recency_days: f64,
    /// Transactions with amount < 0.
    pub refunds: u64,
    /// Whether the customer has any history row on or before as-of.
    pub known: bool,
}

/// The transactions on or before `as_of` of a day-sorted list.
pub fn up_to(transactions: &[Transaction], as_of: Day) -> &[Transaction] {
    &transactions[..transactions.partition_point(|t| t.0 <= as_of)]
}

/// The features of a customer as of a day, from their day-sorted transactions.
pub fn features(transactions: &[Transaction], as_of: Day) -> Features {
    let past = up_to(transactions, as_of);
    let mut f = Features {
        known: !past.is_empty(),
        ..Features::default()
    };
    let mut positive = 0.0;
    for &(day, amount) in past {
        f.total_spend += amount;
        if amount > 0.0 {
            f.orders += 1;
            positive += amount;
            f.first_order.get_or_insert(day);
            f.last_order = Some(day);
        } else if amount < 0.0 {
            f.refunds += 1;
        }
    }
    if f.orders > 0 {
        f.avg_order_value = positive / f.orders as f64;
    }
    f.tenure_days = f.first_order.map_or(0.0, |d| f64::from(as_of - d));
    f.recency_days = f.last_order.map_or(0.0, |d| f64::from(as_of - d));
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse;

    fn d(s: &str) -> Day {
        parse(s).unwrap()
    }

    const SAMPLE: &str = "order_id,amount,customer_id,date\n\
        1,50.00,C1,2025-01-10\n\
        2,30.00,C1,2025-03-01\n\
        3,-30.00,C1,2025-03-04\n\
        4,70.00,C1,2025-06-01\n\
        5,20.00,C2,2025-02-02\n";

    #[test]
    fn features_as_of_a_date_ignore_the_future() {
        let h = History::from_reader(SAMPLE.as_bytes(), "h.csv", None).unwrap();
        assert_eq!(h.customers(), 2);
        let f = features(h.transactions("C1"), d("2025-03-10"));
        assert_eq!(f.orders, 2);
        assert_eq!(f.refunds, 1);
        assert_eq!(f.total_spend, 50.0);
        assert_eq!(f.avg_order_value, 40.0);
        assert_eq!(f.first_order, Some(d("2025-01-10")));
        assert_eq!(f.last_order, Some(d("2025-03-01")));
        assert_eq!(f.tenure_days, 59.0);
        assert_eq!(f.recency_days, 9.0);
        assert!(f.known);

        let all = features(h.transactions("C1"), d("2025-06-01"));
        assert_eq!(all.orders, 3);
        assert_eq!(all.avg_order_value, 50.0);
    }

    #[test]
    fn unknown_or_not_yet_a_customer() {
        let h = History::from_reader(SAMPLE.as_bytes(), "h.csv", None).unwrap();
        assert_eq!(features(h.transactions("C9"), d("2025-06-01")), Features::default());
        let early = features(h.transactions("C2"), d("2025-01-01"));
        assert!(!early.known);
        assert_eq!(early.orders, 0);
    }

    #[test]
    fn only_keeps_the_named_customers() {
        let only: HashSet<String> = ["C2".to_string()].into();
        let h = History::from_reader(SAMPLE.as_bytes(), "h.csv", Some(&only)).unwrap();
        assert_eq!(h.customers(), 1);
        assert_eq!(h.rows(), 5);
    }

    #[test]
    fn bad_rows_name_file_line_and_reason() {
        let bad_date = "customer_id,date,amount\nC1,2025-01-01,5\nC1,2025-02-30,5\n";
        let err = History::from_reader(bad_date.as_bytes(), "h.csv", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`h.csv`: line 3: column `date`: `2025-02-30` is not a date (expected YYYY-MM-DD)"
        );
        let bad_amount = "customer_id,date,amount\nC1,2025-01-01,five\n";
        let err = History::from_reader(bad_amount.as_bytes(), "h.csv", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`h.csv`: line 2: column `amount`: `five` is not a number"
        );
        let missing = "customer_id,day,amount\n";
        let err = History::from_reader(missing.as_bytes(), "h.csv", None).unwrap_err();
        assert_eq!(err.to_string(), "`h.csv`: missing column `date`");
    }
}
