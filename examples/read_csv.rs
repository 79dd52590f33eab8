//! The benchmark's baseline: read every file once with the csv crate, on one
//! core, touching every field, and do nothing else.
//!
//! `cargo run --release --example read_csv -- DIR` reads DIR/history.csv,
//! customers.csv, ledger.csv and incidents.csv (whichever exist) and prints
//! the rows, fields and bytes seen, so the work cannot be optimised away.
//! It reads raw byte records into one reused record, the csv crate's
//! fastest way. After DIR, `--strings` reads `StringRecord`s the same way
//! (each row checked as UTF-8); `--records` loops over `records()` with the
//! reader's default settings, as the csv crate's tutorial does (a new
//! `StringRecord` per row); and `--typed` deserializes each row with serde
//! into a struct of its file's columns (numbers as `f64`, ids and dates as
//! `String`), the way a program that uses the values does; `--typed` needs
//! the four files with the columns `gen_data` writes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;

#[derive(Deserialize)]
struct HistoryRow {
    customer_id: String,
    date: String,
    amount: f64,
    order_id: String,
}

#[derive(Deserialize)]
struct CustomerRow {
    customer_id: String,
    tier: String,
    plan: String,
    plan_price: f64,
    signup_date: String,
}

#[derive(Deserialize)]
struct LedgerRow {
    customer_id: String,
    date: String,
    gesture: String,
    cost: f64,
}

#[derive(Deserialize)]
struct IncidentRow {
    case_id: String,
    customer_id: String,
    date: String,
    kind: String,
    loss: f64,
    order_value: f64,
    severity: f64,
    channel: String,
    coupon_pct: f64,
    remaining_payments: f64,
}

/// Rows, the sum of their numbers and the bytes of their strings.
#[derive(Default)]
struct Seen {
    rows: u64,
    sum: f64,
    bytes: usize,
}

impl Seen {
    fn add(&mut self, numbers: &[f64], strings: &[&String]) {
        self.rows += 1;
        self.sum += numbers.iter().sum::<f64>();
        self.bytes += strings.iter().map(|s| s.len()).sum::<usize>();
    }
}

fn read_typed(dir: &Path) -> Result<Seen, Box<dyn std::error::Error>> {
    let open = |name: &str| {
        csv::ReaderBuilder::new()
            .buffer_capacity(1 << 20)
            .from_path(dir.join(name))
    };
    let mut seen = Seen::default();
    for row in open("history.csv")?.deserialize::<HistoryRow>() {
        let r = row?;
        seen.add(&[r.amount], &[&r.customer_id, &r.date, &r.order_id]);
    }
    for row in open("customers.csv")?.deserialize::<CustomerRow>() {
        let r = row?;
        seen.add(&[r.plan_price], &[&r.customer_id, &r.tier, &r.plan, &r.signup_date]);
    }
    for row in open("ledger.csv")?.deserialize::<LedgerRow>() {
        let r = row?;
        seen.add(&[r.cost], &[&r.customer_id, &r.date, &r.gesture]);
    }
    for row in open("incidents.csv")?.deserialize::<IncidentRow>() {
        let r = row?;
        seen.add(
            &[r.loss, r.order_value, r.severity, r.coupon_pct, r.remaining_payments],
            &[&r.case_id, &r.customer_id, &r.date, &r.kind, &r.channel],
        );
    }
    Ok(seen)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: read_csv DIR [--strings | --records | --typed]")?,
    );
    let mode = std::env::args().nth(2);
    if let Some(m) = mode
        .as_deref()
        .filter(|m| !["--strings", "--records", "--typed"].contains(m))
    {
        return Err(format!("unknown mode `{m}`: expected --strings, --records or --typed").into());
    }
    let start = Instant::now();
    if mode.as_deref() == Some("--typed") {
        let seen = read_typed(&dir)?;
        println!(
            "{} rows, numbers summing to {:.2}, {} bytes of text in {:.3} s",
            seen.rows,
            seen.sum,
            seen.bytes,
            start.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let strings = mode.as_deref() == Some("--strings");
    let records = mode.as_deref() == Some("--records");
    let (mut rows, mut fields, mut bytes) = (0u64, 0u64, 0u64);
    for name in ["history.csv", "customers.csv", "ledger.csv", "incidents.csv"] {
        let path = dir.join(name);
        if !path.exists() {
            continue;
        }
        if records {
            for record in csv::Reader::from_path(&path)?.records() {
                let record = record?;
                rows += 1;
                fields += record.len() as u64;
                bytes += record.as_slice().len() as u64;
            }
            continue;
        }
        let mut reader = csv::ReaderBuilder::new().buffer_capacity(1 << 20).from_path(&path)?;
        if strings {
            let mut record = csv::StringRecord::new();
            while reader.read_record(&mut record)? {
                rows += 1;
                fields += record.len() as u64;
                bytes += record.as_slice().len() as u64;
            }
        } else {
            let mut record = csv::ByteRecord::new();
            while reader.read_byte_record(&mut record)? {
                rows += 1;
                fields += record.len() as u64;
                bytes += record.as_slice().len() as u64;
            }
        }
    }
    println!(
        "{rows} rows, {fields} fields, {bytes} bytes in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
