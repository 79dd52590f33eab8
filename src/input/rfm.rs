//! Customer summaries for `goodwill ltv`: read from an RFM summary CSV
//! (docs/ltv.md), or aggregated from a purchase history.
//!
//! The LTV models read one row per customer: repeat purchases, recency, age
//! and mean repeat spend. A business may have those already (the published
//! CDNOW files are such summaries), or only its transaction log; both end up
//! as the same [`Summary`], in the time unit the model works in.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::history::History;
use super::{InputError, csv_reader, customer_id, field, parse_number};
use crate::date::Day;
use crate::ltv::{Rfm, TimeUnit, summarize};

/// Customers and their summaries, in the same order
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Customer ids
    pub ids: Vec<String>,
    /// One summary per id
    pub rfm: Vec<Rfm>,
    /// Whether spend is known (a `monetary_value` column, or a history), so
    /// that the Gamma-Gamma model can be fitted and applied
    pub has_monetary: bool,
}

impl Summary {
    /// The number of customers.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is no customer.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The position of a customer.
    pub fn position(&self, customer_id: &str) -> Option<usize> {
        self.ids.iter().position(|id| id == customer_id)
    }
}

/// Reads an RFM summary file (`-` is standard input).
pub fn read_summary(path: &Path) -> Result<Summary, InputError> {
    let name = path.display().to_string();
    summary_from_reader(super::open(path)?, &name)
}

/// Reads an RFM summary: `customer_id, frequency, recency, T` and optionally
/// `monetary_value`, or the Fader-Hardie names `ID, x, t_x, T, zbar`; `file`
/// names it in errors.
pub fn summary_from_reader<R: Read>(input: R, file: &str) -> Result<Summary, InputError> {
    let mut reader = csv_reader(input);
    let header = super::Header::read(&mut reader, file)?;
    let id_col = header.require(&["customer_id", "ID", "id"], file)?;
    let x_col = header.require(&["frequency", "x"], file)?;
    let t_x_col = header.require(&["recency", "t_x"], file)?;
    let t_col = header.require(&["T"], file)?;
    let m_col = header.one_of(&["monetary_value", "zbar"], file)?;
    let names = header.names().to_vec();
    let mut summary = Summary {
        has_monetary: m_col.is_some(),
        ..Summary::default()
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    super::for_each_row(&mut reader, file, |record, line| {
        super::field_count(names.len(), record.len())?;
        let id = customer_id(record, id_col)?;
        let number = |col: usize| parse_number(field(record, col, &names[col])?, &names[col]);
        let rfm = Rfm {
            frequency: number(x_col)?,
            recency: number(t_x_col)?,
            t: number(t_col)?,
            monetary_value: m_col.map(number).transpose()?.unwrap_or(0.0),
        };
        check(
            &rfm,
            [&names[x_col], &names[t_x_col], &names[t_col]],
            m_col.map(|c| &*names[c]),
        )?;
        if let Some(first) = seen.insert(id.to_string(), line) {
            return Err(format!("customer `{id}` appears twice (first on line {first})"));
        }
        summary.ids.push(id.to_string());
        summary.rfm.push(rfm);
        Ok(())
    })?;
    if summary.is_empty() {
        return Err(InputError::file(
            file,
            "no customers: the file has a header but no rows",
        ));
    }
    Ok(summary)
}

/// Refuses a summary no customer can have, in the file's column names
fn check(rfm: &Rfm, [x, t_x, t]: [&str; 3], monetary: Option<&str>) -> Result<(), String> {
    if rfm.frequency < 0.0 || rfm.frequency.fract() != 0.0 {
        return Err(format!(
            "column `{x}`: `{}` is not a whole number of repeat purchases",
            rfm.frequency
        ));
    }
    if rfm.recency < 0.0 {
        return Err(format!("column `{t_x}`: `{}` is negative", rfm.recency));
    }
    if rfm.t < 0.0 {
        return Err(format!("column `{t}`: `{}` is negative", rfm.t));
    }
    if rfm.recency > rfm.t {
        return Err(format!(
            "column `{t_x}`: the last purchase ({}) is after the end of observation (`{t}` = {})",
            rfm.recency, rfm.t
        ));
    }
    if rfm.frequency == 0.0 && rfm.recency != 0.0 {
        return Err(format!(
            "column `{t_x}` is {} but `{x}` is 0: without a repeat purchase it must be 0",
            rfm.recency
        ));
    }
    // Purchases on one day (or in one period) merge: a repeat purchase comes later.
    if rfm.frequency > 0.0 && rfm.recency == 0.0 {
        return Err(format!(
            "column `{t_x}` is 0 but `{x}` is {}: a repeat purchase comes after the first, so it must be above 0",
            rfm.frequency
        ));
    }
    if let Some(m) = monetary {
        if rfm.monetary_value < 0.0 {
            return Err(format!("column `{m}`: `{}` is negative", rfm.monetary_value));
        }
        // Silently ignored otherwise: likely a mean over all purchases, first included.
        if rfm.frequency == 0.0 && rfm.monetary_value != 0.0 {
            return Err(format!(
                "column `{m}` is {} but `{x}` is 0: it is the mean spend of the repeat purchases, so without \
                 one it must be 0",
                rfm.monetary_value
            ));
        }
    }
    Ok(())
}

/// A history summarised as of a day
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregated {
    /// The customers with a purchase on or before `as_of`, in natural id order
    pub summary: Summary,
    /// The end of observation
    pub as_of: Day,
    /// The ids of customers left out: no purchase (amount >= 0) on or before `as_of`
    pub left_out: Vec<String>,
}

/// Summarises a history at day resolution, as the published CDNOW summaries
/// were made: purchases on the same day merge, recency runs from the first
/// to the last purchase, T from the first purchase to `as_of`, and the
/// monetary value is the mean of the repeat purchase days. Refunds (negative
/// amounts) are not purchases; zero-value rows are. Transactions after
/// `as_of` are ignored; `as_of` defaults to the latest date in the history.
/// `None` for an empty history.
pub fn aggregate(history: &History, as_of: Option<Day>, unit: TimeUnit) -> Option<Aggregated> {
    let as_of = as_of.or_else(|| history.iter().filter_map(|(_, tx)| tx.last().map(|t| t.0)).max())?;
    let mut customers: Vec<(&str, &[(Day, f64)])> = history.iter().collect();
    customers.par_sort_unstable_by(|a, b| natural_cmp(a.0, b.0));
    let rows: Vec<Option<(String, Rfm)>> = customers
        .par_iter()
        .map(|&(id, tx)| {
            let mut purchases: Vec<(Day, f64)> = tx.iter().copied().filter(|t| t.1 >= 0.0).collect();
            summarize(&mut purchases, as_of, unit).map(|rfm| (id.to_string(), rfm))
        })
        .collect();
    let mut summary = Summary {
        has_monetary: true,
        ..Summary::default()
    };
    let mut left_out = Vec::new();
    for (row, (id, _)) in rows.into_iter().zip(&customers) {
        match row {
            Some((id, rfm)) => {
                summary.ids.push(id);
                summary.rfm.push(rfm);
            }
            None => left_out.push(id.to_string()),
        }
    }
    Some(Aggregated {
        summary,
        as_of,
        left_out,
    })
}

/// Orders ids as a person would: runs of digits by their number, so that
/// `C9` comes before `C10` and `2` before `10`; ties fall back to the bytes.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let run = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (i, j) = (run(x), run(y));
                let strip = |s: &[u8]| -> usize { s.iter().take_while(|&&c| c == b'0').count() };
                let (dx, dy) = (&x[strip(&x[..i]).min(i)..i], &y[strip(&y[..j]).min(j)..j]);
                let by_number = dx.len().cmp(&dy.len()).then_with(|| dx.cmp(dy));
                if by_number != Ordering::Equal {
                    return by_number;
                }
                x = &x[i..];
                y = &y[j..];
            }
            (Some(p), Some(q)) => {
                if p != q {
                    return p.cmp(q);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse;

    fn read(text: &str) -> Result<Summary, InputError> {
        summary_from_reader(text.as_bytes(), "s.csv")
    }

    #[test]
    fn reads_both_namings_in_any_order() {
        let ours = read("T,recency,frequency,customer_id,monetary_value,extra\n38.86,30.43,2,C1,22.35,x\n").unwrap();
        assert_eq!(ours.ids, ["C1"]);
        assert_eq!(
            ours.rfm,
            [Rfm {
                frequency: 2.0,
                recency: 30.43,
                t: 38.86,
                monetary_value: 22.35
            }]
        );
        assert!(ours.has_monetary);
        let fh = read("\u{feff}ID,x,t_x,T,zbar\n1,2,30.43,38.86,22.35\n").unwrap();
        assert_eq!(fh.rfm, ours.rfm);
        let bare = read("ID,frequency,recency,T\n3,0,0.0,38.86\n").unwrap();
        assert!(!bare.has_monetary);
        assert_eq!(bare.rfm[0].monetary_value, 0.0);
        assert_eq!(bare.position("3"), Some(0));
    }

    #[test]
    fn bad_rows_name_file_line_and_reason() {
        let err = |text: &str| read(text).unwrap_err().to_string();
        assert_eq!(
            err("ID,x,t_x,T\n1,2,3,4\n2,1.5,3,4\n"),
            "`s.csv`: line 3: column `x`: `1.5` is not a whole number of repeat purchases"
        );
        assert_eq!(
            err("ID,x,t_x,T\n1,2,5,4\n"),
            "`s.csv`: line 2: column `t_x`: the last purchase (5) is after the end of observation (`T` = 4)"
        );
        assert_eq!(
            err("ID,x,t_x,T\n1,0,2,4\n"),
            "`s.csv`: line 2: column `t_x` is 2 but `x` is 0: without a repeat purchase it must be 0"
        );
        assert_eq!(
            err("customer_id,frequency,recency,T\nA,1,1,two\n"),
            "`s.csv`: line 2: column `T`: `two` is not a number"
        );
        assert_eq!(
            err("ID,x,t_x,T,zbar\n1,1,1,2,-3\n"),
            "`s.csv`: line 2: column `zbar`: `-3` is negative"
        );
        assert_eq!(
            err("ID,x,t_x,T\n1,1,1,2\n2,2,0,4\n"),
            "`s.csv`: line 3: column `t_x` is 0 but `x` is 2: a repeat purchase comes after the first, so it must be above 0"
        );
        assert_eq!(
            err("ID,x,t_x,T,zbar\n1,0,0,4,15\n"),
            "`s.csv`: line 2: column `zbar` is 15 but `x` is 0: it is the mean spend of the repeat purchases, so \
             without one it must be 0"
        );
        assert_eq!(
            err("ID,x,t_x,T\n7,1,1,2\n7,1,1,2\n"),
            "`s.csv`: line 3: customer `7` appears twice (first on line 2)"
        );
        assert_eq!(
            err("ID,x,t_x,T\n1,1,-1,2\n"),
            "`s.csv`: line 2: column `t_x`: `-1` is negative"
        );
        assert_eq!(
            err("ID,x,t_x,T\n1,0,0,-10\n"),
            "`s.csv`: line 2: column `T`: `-10` is negative"
        );
        assert_eq!(
            err("ID,frequency,recncy,T\n"),
            "`s.csv`: missing column `recency` (did you mean `recncy`?)"
        );
        assert_eq!(
            err("ID,x,t_x,T\n"),
            "`s.csv`: no customers: the file has a header but no rows"
        );
        // An unquoted `1,234.50` would shift the columns after it.
        assert_eq!(
            err("ID,x,t_x,T\n1,2,3,10,99\n"),
            "`s.csv`: line 2: expected 4 fields, found 5"
        );
        assert_eq!(
            err("ID,x,t_x,T\n1,2,3\n"),
            "`s.csv`: line 2: expected 4 fields, found 3"
        );
        // Two names for one column: either could be meant.
        assert_eq!(
            err("ID,frequency,x,t_x,T\n1,2,2,3,4\n"),
            "`s.csv`: columns `frequency` and `x` are two names for one thing: keep one"
        );
        assert_eq!(
            err("ID,x,t_x,T,zbar,monetary_value\n1,2,3,4,5,5\n"),
            "`s.csv`: columns `monetary_value` and `zbar` are two names for one thing: keep one"
        );
    }

    #[test]
    fn aggregates_by_day_without_refunds() {
        let history = History::from_reader(
            "customer_id,date,amount\n\
             C10,2025-01-01,10\n\
             C10,2025-01-08,4\n\
             C10,2025-01-08,6\n\
             C10,2025-01-10,-10\n\
             C10,2025-01-15,0\n\
             C10,2025-02-01,99\n\
             C9,2025-01-05,5\n\
             C2,2025-01-20,-5\n\
             C1,2025-03-01,7\n"
                .as_bytes(),
            "h.csv",
            None,
        )
        .unwrap();
        let got = aggregate(&history, parse("2025-01-29"), TimeUnit::Days).unwrap();
        assert_eq!(got.as_of, parse("2025-01-29").unwrap());
        // C1 buys after the end; C2 only has a refund.
        assert_eq!(got.left_out, ["C1", "C2"]);
        assert_eq!(got.summary.ids, ["C9", "C10"]);
        // C10: days 0, 7 (4 + 6), 14 (zero value); the refund and day 31 do not count.
        assert_eq!(
            got.summary.rfm[1],
            Rfm {
                frequency: 2.0,
                recency: 14.0,
                t: 28.0,
                monetary_value: 5.0
            }
        );
        assert_eq!(got.summary.rfm[0].t, 24.0);
        // By default the end is the latest date in the history.
        let all = aggregate(&history, None, TimeUnit::Weeks).unwrap();
        assert_eq!(all.as_of, parse("2025-03-01").unwrap());
        assert_eq!(all.summary.ids, ["C1", "C9", "C10"]);
        assert_eq!(all.summary.rfm[2].t, 59.0 / 7.0);
        assert_eq!(aggregate(&History::default(), None, TimeUnit::Days), None);
    }

    #[test]
    fn natural_order() {
        let mut ids = vec!["C10", "b", "C9", "10", "2", "C009", "a1", "a01", ""];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, ["", "2", "10", "C009", "C9", "C10", "a01", "a1", "b"]);
    }
}
