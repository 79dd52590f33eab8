//! The batch's two big phases timed on their own, several times over one
//! process: loading the inputs (`Data::load`) and evaluating the default
//! policy over them (`evaluate_rendered`, CSV lines). A whole `goodwill
//! batch` run is one sample of each, and the machine's speed drifts between
//! runs; the minimum and median of several samples in one process compare
//! two builds of a phase with less noise.
//!
//! `cargo run --release --example batch_phases -- DIR [ROUNDS]` reads
//! DIR/incidents.csv, history.csv, customers.csv and ledger.csv (as written
//! by `examples/gen_data.rs` or `gen-data.py`), ROUNDS times each phase
//! (default 5), and prints the minimum and median of each.

use std::path::PathBuf;
use std::time::Instant;

use goodwill::batch::{self, Data, Sources};
use goodwill::policy::Policy;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: batch_phases DIR [ROUNDS]")?);
    let rounds: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let policy = Policy::default_policy();
    let sources = Sources {
        history: Some(dir.join("history.csv")),
        customers: Some(dir.join("customers.csv")),
        ledger: Some(dir.join("ledger.csv")),
        single_line: policy.single_line_columns(),
    };
    let today = goodwill::date::parse("2026-01-01").ok_or("bad date")?;
    let mut load = Vec::new();
    let mut data = None;
    for _ in 0..rounds {
        drop(data.take());
        let start = Instant::now();
        data = Some(Data::load(&dir.join("incidents.csv"), &sources, today)?);
        load.push(start.elapsed().as_secs_f64());
    }
    let data = data.ok_or("no rounds")?;
    let mut evaluate = Vec::new();
    let mut bytes = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        let rendered = batch::evaluate_rendered(&policy, &data, &|_| {}, goodwill::render::csv::row, false);
        evaluate.push(start.elapsed().as_secs_f64());
        bytes = (0..rendered.len()).map(|i| rendered.row(i).len()).sum::<usize>();
    }
    println!("{} rows, {bytes} bytes of output", data.len());
    for (name, mut times) in [("load", load), ("evaluate", evaluate)] {
        times.sort_by(f64::total_cmp);
        println!(
            "{name:>8}: min {:.3} s, median {:.3} s over {rounds}",
            times[0],
            times[times.len() / 2]
        );
    }
    Ok(())
}
