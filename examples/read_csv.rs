//! The benchmark's baseline: read every file once with the csv crate, on one
//! core, touching every field, and do nothing else.
//!
//! `cargo run --release --example read_csv -- DIR` reads DIR/history.csv,
//! customers.csv, ledger.csv and incidents.csv (whichever exist) and prints
//! the rows, fields and bytes seen, so the work cannot be optimised away.
//! It reads raw byte records, the csv crate's fastest way; with `--strings`
//! after DIR it reads `StringRecord`s (each row checked as UTF-8), the way
//! most programs read a CSV.

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: read_csv DIR [--strings]")?);
    let strings = std::env::args().nth(2).as_deref() == Some("--strings");
    let start = Instant::now();
    let (mut rows, mut fields, mut bytes) = (0u64, 0u64, 0u64);
    for name in ["history.csv", "customers.csv", "ledger.csv", "incidents.csv"] {
        let path = dir.join(name);
        if !path.exists() {
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
