//! The CDNOW reference data, embedded so tests never read files at run time.

use super::Rfm;

const SUMMARY: &str = include_str!("../../tests/data/cdnow/cdnow_customers_summary.csv");
const SUMMARY_WITH_TX: &str = include_str!("../../tests/data/cdnow/cdnow_customers_summary_with_transactions.csv");
const HISTORY: &str = include_str!("../../tests/data/cdnow/cdnow_sample_history.csv");

/// One row of a published summary
pub struct Row {
    pub id: u32,
    pub rfm: Rfm,
}

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
}

fn num(field: &str) -> f64 {
    field.parse().unwrap_or_else(|_| panic!("bad number `{field}`"))
}

/// `cdnow_customers_summary.csv`: ID, frequency, recency, T (weeks)
pub fn cdnow_summary() -> Vec<Row> {
    rows(SUMMARY)
        .map(|f| Row {
            id: num(f[0]) as u32,
            rfm: Rfm {
                frequency: num(f[1]),
                recency: num(f[2]),
                t: num(f[3]),
                monetary_value: 0.0,
            },
        })
        .collect()
}

/// `cdnow_customers_summary_with_transactions.csv`: ID, x, t_x, T, zbar
pub fn cdnow_summary_with_transactions() -> Vec<Row> {
    rows(SUMMARY_WITH_TX)
        .map(|f| Row {
            id: num(f[0]) as u32,
            rfm: Rfm {
                frequency: num(f[1]),
                recency: num(f[2]),
                t: num(f[3]),
                monetary_value: num(f[4]),
            },
        })
        .collect()
}

/// `cdnow_sample_history.csv` grouped by customer, in customer order
pub fn cdnow_history() -> Vec<(u32, Vec<(i32, f64)>)> {
    let mut out: Vec<(u32, Vec<(i32, f64)>)> = Vec::new();
    for f in rows(HISTORY) {
        let id = num(f[0]) as u32;
        let date: Vec<i32> = f[1].split('-').map(|p| num(p) as i32).collect();
        let tx = (day_number(date[0], date[1] as u32, date[2] as u32), num(f[2]));
        match out.last_mut() {
            Some((last, txs)) if *last == id => txs.push(tx),
            _ => out.push((id, vec![tx])),
        }
    }
    out.sort_by_key(|(id, _)| *id);
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)
pub fn day_number(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[test]
fn day_numbers_match_the_unix_epoch() {
    assert_eq!(day_number(1970, 1, 1), 0);
    assert_eq!(day_number(1997, 1, 1), 9862);
    assert_eq!(day_number(2000, 3, 1), 11_017);
}
