//! The goodwill ledger: gestures already granted, which feed the per-customer
//! 12-month caps (the README's "The policy").

use std::io::Read;
use std::path::Path;

use rustc_hash::{FxHashMap, FxHashSet};

use super::ids::Interner;
use super::{Header, InputError, csv_reader, customer_id, field, parse_date, parse_number};
use crate::date::Day;
use crate::policy::APOLOGY;

/// One past gesture: its day, cost in cents and which gesture it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The day it was granted.
    pub day: Day,
    /// What it cost, in cents.
    pub cents: i64,
    /// Its gesture: an index into [`Ledger::gestures`], or [`IN_RUN`].
    pub gesture: u32,
}

/// The gesture of a [`Grant`] made in this run (a batch's earlier row),
/// which counts toward the limits.
pub const IN_RUN: u32 = u32::MAX;

/// Gestures granted so far, per customer, sorted by day.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    grants: FxHashMap<Box<str>, Vec<Grant>>,
    /// The ids of the gestures its rows name, each once.
    gestures: Vec<String>,
    /// Per customer with a bad row, the first: their limits cannot be known.
    problems: FxHashMap<Box<str>, InputError>,
}

/// A customer's goodwill in a 12-month window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Gestures granted.
    pub gestures: u32,
    /// Their total cost, in cents.
    pub cents: i64,
}

/// The window of the caps: the 365 days up to and including as-of.
pub const WINDOW_DAYS: Day = 365;

impl Ledger {
    /// Reads a ledger file. A bad row whose customer can be told is that
    /// customer's ([`Ledger::problem`]); one whose customer cannot (no id,
    /// or a comma too few) is an error.
    pub fn load(path: &Path) -> Result<Ledger, InputError> {
        Self::load_for(path, [])
    }

    /// [`Ledger::load`] for a command about the customers `ids` alone
    /// (`recommend`, `policy test`): a bad row of theirs is an error too, so
    /// that the file's first bad row that matters is the one reported.
    pub fn load_for<'a>(path: &Path, ids: impl IntoIterator<Item = &'a str>) -> Result<Ledger, InputError> {
        let name = path.display().to_string();
        Self::read(super::open(path)?, &name, &ids.into_iter().collect())
    }

    /// Reads a ledger from any reader, as [`Ledger::load`]; `file` names it in errors.
    pub fn from_reader<R: Read>(input: R, file: &str) -> Result<Ledger, InputError> {
        Self::read(input, file, &FxHashSet::default())
    }

    /// Reads a ledger; a bad row of a customer in `fatal` is an error.
    fn read<R: Read>(input: R, file: &str, fatal: &FxHashSet<&str>) -> Result<Ledger, InputError> {
        let mut reader = csv_reader(input);
        let header = Header::read(&mut reader, file)?;
        let id_col = header.require(&["customer_id"], file)?;
        let date_col = header.require(&["date"], file)?;
        let gesture_col = header.require(&["gesture"], file)?;
        let cost_col = header.require(&["cost"], file)?;
        let fields = header.names().len();
        let mut ledger = Ledger::default();
        // Each gesture id's number in `ledger.gestures`.
        let mut gestures = Interner::default();
        super::for_each_row(&mut reader, file, |record, line| {
            // Whose row it is, or it cannot be told apart from anyone's.
            super::owner_known(id_col, fields, record.len())?;
            let id = customer_id(record, id_col)?;
            let row = || -> Result<(Day, &str, f64), String> {
                super::field_count(fields, record.len())?;
                let day = parse_date(field(record, date_col, "date")?, "date")?;
                let gesture = field(record, gesture_col, "gesture")?;
                // Nothing tells an unnamed gesture from an apology, which the caps leave out.
                if gesture.is_empty() {
                    return Err(format!(
                        "column `gesture` is empty: name the gesture (`{APOLOGY}` for an apology alone)"
                    ));
                }
                let text = field(record, cost_col, "cost")?;
                let cost = parse_number(text, "cost")?;
                if cost < 0.0 {
                    return Err(format!("column `cost`: `{text}` is negative"));
                }
                Ok((day, gesture, cost))
            };
            match row() {
                Ok((_, APOLOGY, _)) => {}
                Ok((day, gesture, cost)) => {
                    let index = gestures.get(gesture);
                    let cents = crate::money::cents(cost);
                    ledger.add(
                        id,
                        Grant {
                            day,
                            cents,
                            gesture: index,
                        },
                    );
                }
                Err(why) if fatal.contains(id) => return Err(why),
                Err(why) => {
                    if !ledger.problems.contains_key(id) {
                        ledger.problems.insert(id.into(), InputError::row(file, line, why));
                    }
                }
            }
            Ok(())
        })?;
        ledger.gestures = gestures.into_names();
        for list in ledger.grants.values_mut() {
            list.sort_by_key(|g| g.day);
        }
        Ok(ledger)
    }

    /// Records a grant (kept sorted by day).
    pub fn add(&mut self, customer_id: &str, grant: Grant) {
        let list = match self.grants.get_mut(customer_id) {
            Some(list) => list,
            None => self.grants.entry(customer_id.into()).or_default(),
        };
        let at = list.partition_point(|g| g.day <= grant.day);
        list.insert(at, grant);
    }

    /// A customer's gestures in the window (as_of - 365 days, as_of], those
    /// of the gestures `counted` takes.
    pub fn usage(&self, customer_id: &str, as_of: Day, counted: impl Fn(&str) -> bool) -> Usage {
        usage_in(self.grants_of(customer_id), as_of, &self.counted(counted))
    }

    /// The ids of the gestures the ledger's rows name, in [`Grant::gesture`]'s numbering.
    pub fn gestures(&self) -> &[String] {
        &self.gestures
    }

    /// For each of [`Ledger::gestures`], whether `counted` takes it.
    pub fn counted(&self, counted: impl Fn(&str) -> bool) -> Vec<bool> {
        self.gestures.iter().map(|g| counted(g)).collect()
    }

    /// The first bad row of a customer's: their limits cannot be known, so
    /// none of their cases can be answered.
    pub fn problem(&self, customer_id: &str) -> Option<&InputError> {
        self.problems.get(customer_id)
    }

    /// A customer's gestures (apologies aside), sorted by day.
    pub fn grants_of(&self, customer_id: &str) -> &[Grant] {
        self.grants.get(customer_id).map_or(&[], Vec::as_slice)
    }
}

/// Whether `grant` is in the 12-month window up to `as_of`: (as_of - 365 days, as_of].
pub fn in_window(grant: &Grant, as_of: Day) -> bool {
    grant.day > as_of - WINDOW_DAYS && grant.day <= as_of
}

/// The gestures among `grants` in the window (as_of - 365 days, as_of]
/// that count: `counted[i]` says whether gesture `i` of the ledger does
/// (one of this run, [`IN_RUN`], always does).
pub fn usage_in<'g>(grants: impl IntoIterator<Item = &'g Grant>, as_of: Day, counted: &[bool]) -> Usage {
    grants
        .into_iter()
        .filter(|g| in_window(g, as_of))
        .filter(|g| counted.get(g.gesture as usize).copied().unwrap_or(true))
        .fold(Usage::default(), |u, g| Usage {
            gestures: u.gestures + 1,
            cents: u.cents.saturating_add(g.cents),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse;

    /// The ledger's first bad row of C1's, as an error.
    fn c1_problem(data: &str) -> InputError {
        let ids: FxHashSet<&str> = ["C2", "C1"].into_iter().collect();
        Ledger::read(data.as_bytes(), "l.csv", &ids).unwrap_err()
    }

    #[test]
    fn window_is_open_at_365_days_back_and_skips_apologies() {
        let data = "customer_id,date,gesture,cost\n\
            C1,2025-11-20,credit,10.00\n\
            C1,2025-11-21,credit,20.005\n\
            C1,2026-11-20,apology,0\n\
            C1,2026-11-20,discount_10,5.50\n\
            C1,2026-11-21,discount_10,7.00\n";
        let l = Ledger::from_reader(data.as_bytes(), "l.csv").unwrap();
        // As of 2026-11-20 the window is (2025-11-20, 2026-11-20]: the 2025-11-20
        // row is out, the 2026-11-21 one is in the future.
        let u = l.usage("C1", parse("2026-11-20").unwrap(), |_| true);
        assert_eq!(
            u,
            Usage {
                gestures: 2,
                cents: 2001 + 550
            }
        );
        assert_eq!(l.usage("C2", 0, |_| true), Usage::default());
        // A gesture the policy leaves out of the limits (one marked `owed`) is not counted.
        let u = l.usage("C1", parse("2026-11-20").unwrap(), |g| g != "discount_10");
        assert_eq!((u.gestures, u.cents), (1, 2001));
        assert_eq!(l.gestures(), ["credit", "discount_10"]);
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_names_the_line() {
        // An unquoted thousands separator would read the cost as 1.
        let data = "customer_id,date,gesture,cost\nC1,2026-11-01,credit,5\nC1,2026-11-01,credit,1,000.00\n";
        let err = c1_problem(data);
        assert_eq!(err.to_string(), "`l.csv`: line 3: expected 4 fields, found 5");
        // A short row could have its id glued to the next field: anyone's.
        let short = "customer_id,date,gesture,cost\nC1,2026-11-01,credit\n";
        let err = Ledger::from_reader(short.as_bytes(), "l.csv").unwrap_err();
        assert_eq!(err.to_string(), "`l.csv`: line 2: expected 4 fields, found 3");
    }

    #[test]
    fn bad_cost_names_the_line() {
        // The cost as the file writes it, not as the number it reads as.
        for cost in ["-5", "-5.50", "-1e3"] {
            let data = format!("customer_id,date,gesture,cost\nC1,2026-01-01,credit,{cost}\n");
            let err = c1_problem(&data);
            assert_eq!(
                err.to_string(),
                format!("`l.csv`: line 2: column `cost`: `{cost}` is negative")
            );
        }
    }

    #[test]
    fn a_gesture_without_a_name_names_the_line() {
        // It could be an apology (no gesture for the caps) or a credit (one).
        let data = "customer_id,date,gesture,cost\nC1,2026-01-01,credit,5\nC1,2026-01-02, ,5\n";
        let err = c1_problem(data);
        assert_eq!(
            err.to_string(),
            "`l.csv`: line 3: column `gesture` is empty: name the gesture (`apology` for an apology alone)"
        );
    }

    #[test]
    fn a_bad_row_is_its_customers_alone() {
        let data = "customer_id,date,gesture,cost\n\
            C1,2026-01-01,credit,5\n\
            C2,2026-01-02,credit,7\n\
            C1,2026-01-03,credit,x\n\
            C1,2026-01-04,credit,5,extra\n";
        let l = Ledger::from_reader(data.as_bytes(), "l.csv").unwrap();
        let day = parse("2026-11-20").unwrap();
        assert_eq!(
            l.usage("C2", day, |_| true),
            Usage {
                gestures: 1,
                cents: 700
            }
        );
        assert!(l.problem("C2").is_none());
        // The first of C1's bad rows; read for C2 and C3 alone, C1's are no error.
        let want = "`l.csv`: line 4: column `cost`: `x` is not a number";
        assert_eq!(l.problem("C1").unwrap().to_string(), want);
        assert_eq!(c1_problem(data).to_string(), want);
        let others: FxHashSet<&str> = ["C2", "C3"].into_iter().collect();
        assert!(Ledger::read(data.as_bytes(), "l.csv", &others).is_ok());
        // A row that names no customer could be anyone's.
        let err = Ledger::from_reader(
            "customer_id,date,gesture,cost\n,2026-01-01,credit,5\n".as_bytes(),
            "l.csv",
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            "`l.csv`: line 2: column `customer_id` is empty"
        );
    }

    /// A comma missing after the id glues it to the date: C1's gesture
    /// would count for a customer `C12026-10-01`.
    #[test]
    fn a_row_whose_id_may_be_glued_is_an_error_of_the_file() {
        let data = "customer_id,date,gesture,cost\nC1,2026-09-01,credit,10\nC12026-10-01,credit,10\n";
        let err = Ledger::from_reader(data.as_bytes(), "l.csv").unwrap_err();
        assert_eq!(err.to_string(), "`l.csv`: line 3: expected 4 fields, found 3");
    }

    /// With `customer_id` last, a comma too many moves `00` into its
    /// place, and C1's gesture would count for nobody; too few leaves it
    /// empty. Whose row it is cannot be told: an error of the file's.
    #[test]
    fn a_row_whose_id_may_have_moved_is_an_error_of_the_file() {
        for (row, found) in [("2026-10-01,credit,10,00,C1", 5), ("2026-10-01,credit,10", 3)] {
            let data = format!("date,gesture,cost,customer_id\n2026-09-01,credit,10,C1\n{row}\n");
            let err = Ledger::from_reader(data.as_bytes(), "l.csv").unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("`l.csv`: line 3: expected 4 fields, found {found}")
            );
        }
    }

    #[test]
    fn add_keeps_a_customers_grants_sorted_by_day() {
        let mut l = Ledger::default();
        for day in [5, 1, 3, 3, 9, 2] {
            l.add(
                "C1",
                Grant {
                    day,
                    cents: 1,
                    gesture: IN_RUN,
                },
            );
        }
        let days: Vec<Day> = l.grants_of("C1").iter().map(|g| g.day).collect();
        assert_eq!(days, [1, 2, 3, 3, 5, 9]);
    }
}
