//! Input files read strictly, through the real binary: files whose lines end
//! with a lone carriage return, rows with the wrong number of fields, and
//! headers that name a column twice.
//!
//! Each test writes its small files to a temporary directory and runs there,
//! so that messages name the files as the command line gives them. The
//! policy is tests/data/batch/policy.toml (margin 0.30 over 24 undiscounted
//! months, so A = 2 years).

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/batch/policy.toml");

/// One incident of C1's on 2026-11-20.
const INCIDENTS: &str = "case_id,customer_id,kind,date,loss\nK1,C1,late,2026-11-20,20\n";

/// Three $100 orders, the first 323 days before 2026-11-20: the tenure counts
/// as a year at least, so rate = 3 a year and FV = 0.30 * 100 * 3 * 2 = 180.
/// With no history FV would be 0.30 * 0 * 1 * 2 = 0 (no order value).
const HISTORY: &str = "customer_id,date,amount\nC1,2026-01-01,100\nC1,2026-03-01,100\nC1,2026-05-01,100\n";

fn goodwill(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("goodwill").unwrap();
    cmd.current_dir(dir).env("NO_COLOR", "1").env_remove("COLUMNS");
    cmd
}

/// Writes `files` (name, text) into a new temporary directory.
fn files(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// `goodwill batch inc.csv --policy POLICY` and `extra`, in `dir`.
fn batch(dir: &Path, extra: &[&str]) -> Output {
    goodwill(dir)
        .args(["batch", "inc.csv", "--policy", POLICY])
        .args(extra)
        .output()
        .unwrap()
}

/// The values of one column of a CSV output, row by row.
fn column(out: &Output, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let at = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|rec| rec.unwrap()[at].to_string()).collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a fatal error: exit 1, nothing on standard output, and exactly `message` on standard error.
fn fatal(out: &Output, message: &str) {
    assert_eq!(
        (out.status.code(), stderr(out).as_str()),
        (Some(1), format!("error: {message}\n").as_str())
    );
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
}

/// Asserts that C1's one incident (line 2 of `inc.csv`) was rejected for
/// `reason`, a bad row of C1's in another file: exit 3, the reason in the
/// output row and on standard error.
fn rejected(out: &Output, reason: &str) {
    assert_eq!(out.status.code(), Some(3), "{}", stderr(out));
    assert_eq!(column(out, "error"), [format!("line 2: {reason}")]);
    // The runs without a history or a ledger are warned of first.
    assert_eq!(
        stderr(out)
            .replace(NO_HISTORY, "")
            .replace(NO_LEDGER, "")
            .replace(NO_ORDER_VALUE, ""),
        format!("error: `inc.csv`: line 2: {reason}\nerror: `inc.csv`: 1 of 1 row rejected\n")
    );
}

const NO_HISTORY: &str = "warning: no history file (--history): every customer is answered as a new customer\n";
/// C1, without a history row, is a new customer: its basket is the order value.
const NO_ORDER_VALUE: &str = "warning: `inc.csv` has no column `order_value`, which the future-value model \
                              (kind `late`) reads: it is read as 0 for every incident\n";
const NO_LEDGER: &str = "warning: no ledger file (--ledger): the 12-month limits count only the gestures of this run\n";

#[test]
fn a_history_with_lone_carriage_returns_reads_as_with_line_feeds() {
    let lf = files(&[("inc.csv", INCIDENTS.as_bytes()), ("h.csv", HISTORY.as_bytes())]);
    let expected = batch(lf.path(), &["--history", "h.csv"]);
    assert_eq!(expected.status.code(), Some(0), "{}", stderr(&expected));
    assert_eq!(column(&expected, "future_value"), ["180.00"]);
    let cr = HISTORY.replace('\n', "\r");
    let quoted = cr.replacen("C1,2026-03-01", "\"C1\",2026-03-01", 1);
    let header_only_cr = HISTORY.replacen('\n', "\r", 1);
    for text in [&cr, &quoted, &header_only_cr] {
        let dir = files(&[("inc.csv", INCIDENTS.as_bytes()), ("h.csv", text.as_bytes())]);
        let out = batch(dir.path(), &["--history", "h.csv"]);
        assert_eq!(out.status.code(), Some(0), "{text:?}: {}", stderr(&out));
        assert_eq!(out.stdout, expected.stdout, "{text:?}");
    }
}

#[test]
fn a_bad_row_in_a_cr_history_is_named_at_its_line() {
    let cr = HISTORY.replace('\n', "\r").replace("03-01,100", "03-01,x");
    let dir = files(&[("inc.csv", INCIDENTS.as_bytes()), ("h.csv", cr.as_bytes())]);
    let out = batch(dir.path(), &["--history", "h.csv"]);
    rejected(&out, "`h.csv`: line 3: column `amount`: `x` is not a number");
}

#[test]
fn recommend_reads_a_cr_history() {
    let cr = HISTORY.replace('\n', "\r");
    let dir = files(&[("h.csv", cr.as_bytes())]);
    let out = goodwill(dir.path())
        .args(["recommend", "--policy", POLICY, "--history", "h.csv"])
        .args(["--customer", "C1", "--kind", "late", "--loss", "20"])
        .args(["--date", "2026-11-20", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(goodwill::money::cents(json["future_value"].as_f64().unwrap()), 18000);
    assert_eq!(json["customer"]["orders"].as_u64(), Some(3));
}

#[test]
fn cr_files_report_their_own_lines() {
    // Customers: the second C1 is on line 3, not line 1.
    let dir = files(&[
        ("inc.csv", INCIDENTS.as_bytes()),
        ("c.csv", b"customer_id,tier\rC1,gold\rC1,silver\r"),
        (
            "l.csv",
            b"customer_id,date,gesture,cost\rC1,2026-11-01,credit,5\rC1,2026-11-02,credit,x\r",
        ),
        (
            "cr.csv",
            b"case_id,customer_id,kind,date,loss\rK1,C1,late,2026-11-20,20\rK2,C1,nope,2026-11-20,20\r",
        ),
    ]);
    let out = batch(dir.path(), &["--customers", "c.csv"]);
    rejected(&out, "`c.csv`: line 3: customer `C1` appears twice (first on line 2)");
    let out = batch(dir.path(), &["--ledger", "l.csv"]);
    rejected(&out, "`l.csv`: line 3: column `cost`: `x` is not a number");
    // Incidents: each output row has its line, and a rejected row says it.
    let out = goodwill(dir.path())
        .args(["batch", "cr.csv", "--policy", POLICY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(column(&out, "line"), ["2", "3"]);
    assert_eq!(
        column(&out, "error"),
        ["", "line 3: kind `nope` is not one of the policy's kinds"]
    );
}

#[test]
fn a_history_row_with_the_wrong_number_of_fields_rejects_its_customers_incidents() {
    // A comma too many after the id leaves it C1's; a comma too few could
    // have glued the id to the date (`C12026-03-01`), and the row could be
    // anyone's: that stops the run.
    let head = "customer_id,date,amount\nC1,2026-01-01,100\n";
    for (row, found) in [
        ("C1,2026-03-01,1,234.50", 4),
        ("C1,2026-03-01", 2),
        ("C12026-03-01,100", 2),
    ] {
        let plain = format!("{head}{row}\n");
        // A quoted field sends the file to the csv crate's reader: the same error.
        let quoted = format!("{plain}\"C1\",2026-05-01,100\n");
        for text in [&plain, &quoted] {
            let dir = files(&[("inc.csv", INCIDENTS.as_bytes()), ("h.csv", text.as_bytes())]);
            let out = batch(dir.path(), &["--history", "h.csv"]);
            let reason = format!("`h.csv`: line 3: expected 3 fields, found {found}");
            match found > 3 {
                true => rejected(&out, &reason),
                false => fatal(&out, &reason),
            }
        }
    }
}

#[test]
fn a_fatal_error_leaves_an_existing_output_byte_for_byte() {
    let old = b"case_id,decision\r\nK0,gesture\r\n\xff no trailing line end";
    let dir = files(&[
        ("inc.csv", INCIDENTS.as_bytes()),
        // A ledger row that names no customer could be anyone's.
        ("l.csv", b"customer_id,date,gesture,cost\n,2026-11-01,credit,5\n"),
        ("out.csv", old),
    ]);
    let out = batch(dir.path(), &["--ledger", "l.csv", "-o", "out.csv"]);
    fatal(&out, "`l.csv`: line 2: column `customer_id` is empty");
    assert_eq!(std::fs::read(dir.path().join("out.csv")).unwrap(), old);
}

#[test]
fn a_ledger_row_with_the_wrong_number_of_fields_rejects_its_customers_incidents() {
    // Too few fields: the id may be glued to the date, the row anyone's.
    for (row, found) in [("C1,2026-11-01,credit,1,000.00", 5), ("C1,2026-11-01,credit", 3)] {
        let ledger = format!("customer_id,date,gesture,cost\nC1,2026-10-01,credit,5\n{row}\n");
        let dir = files(&[("inc.csv", INCIDENTS.as_bytes()), ("l.csv", ledger.as_bytes())]);
        let out = batch(dir.path(), &["--ledger", "l.csv"]);
        let reason = format!("`l.csv`: line 3: expected 4 fields, found {found}");
        match found > 4 {
            true => rejected(&out, &reason),
            false => fatal(&out, &reason),
        }
    }
}

#[test]
fn a_column_named_twice_is_fatal_in_every_input() {
    let incidents = "case_id,customer_id,kind,date, kind\nK1,C1,late,2026-11-20,nope\n";
    let dir = files(&[
        ("inc.csv", INCIDENTS.as_bytes()),
        ("twice.csv", incidents.as_bytes()),
        ("h.csv", b"customer_id,date,amount,amount\nC1,2026-01-01,100,5\n"),
        ("hq.csv", b"customer_id,date,\"amount\",amount\nC1,2026-01-01,100,5\n"),
        ("c.csv", b"customer_id,tier,plan,tier\nC1,gold,none,silver\n"),
        (
            "l.csv",
            b"\xef\xbb\xbfcost,customer_id,date,gesture,cost\nC1,2026-11-01,credit,5,5\n",
        ),
    ]);
    let out = goodwill(dir.path())
        .args(["batch", "twice.csv", "--policy", POLICY])
        .output()
        .unwrap();
    fatal(&out, "`twice.csv`: line 1: column `kind` appears twice");
    for (flag, file, column) in [
        ("--history", "h.csv", "amount"),
        ("--history", "hq.csv", "amount"),
        ("--customers", "c.csv", "tier"),
        ("--ledger", "l.csv", "cost"),
    ] {
        let out = batch(dir.path(), &[flag, file]);
        fatal(&out, &format!("`{file}`: line 1: column `{column}` appears twice"));
    }
    // `recommend` reads the same files the same way.
    let out = goodwill(dir.path())
        .args(["recommend", "--policy", POLICY, "--customers", "c.csv"])
        .args(["--customer", "C1", "--kind", "late", "--date", "2026-11-20"])
        .output()
        .unwrap();
    fatal(&out, "`c.csv`: line 1: column `tier` appears twice");
}

#[test]
fn a_quote_never_closed_is_fatal_in_every_input() {
    // In the last column a row whose quote is never closed has the right
    // number of fields: without the check, the rows after it would be lost
    // into it, and the run would go on without them.
    let old = b"case_id,decision\nK0,gesture\n";
    let dir = files(&[
        ("inc.csv", INCIDENTS.as_bytes()),
        ("h.csv", b"customer_id,date,amount,order_id\nC1,2026-01-01,100,\"O1\nC1,2026-03-01,100,O2\n"),
        ("c.csv", b"customer_id,tier\r\nC9,silver\r\nC1,\"gold\r\nC2,silver\r\n"),
        ("l.csv", b"customer_id,date,cost,gesture\nC1,2026-10-01,5,credit\nC1,2026-11-01,5,\"credit\nC1,2026-11-02,5,credit\n"),
        ("s.csv", b"customer_id,frequency,recency,T,note\nA,1,2,3,x\nB,0,0,5,\"y\nC,1,1,5,z\n"),
        ("out.csv", old),
    ]);
    let message = "a quote opened on this line is never closed: the rest of the file would be one field";
    for (flag, file, line) in [
        ("--history", "h.csv", 2),
        ("--customers", "c.csv", 3),
        ("--ledger", "l.csv", 3),
    ] {
        let out = batch(dir.path(), &[flag, file, "-o", "out.csv"]);
        fatal(&out, &format!("`{file}`: line {line}: {message}"));
        assert_eq!(std::fs::read(dir.path().join("out.csv")).unwrap(), old, "{file}");
    }
    let out = goodwill(dir.path())
        .args(["recommend", "--policy", POLICY, "--history", "h.csv"])
        .args(["--customer", "C1", "--kind", "late", "--date", "2026-11-20"])
        .output()
        .unwrap();
    fatal(&out, &format!("`h.csv`: line 2: {message}"));
    let out = goodwill(dir.path())
        .args(["ltv", "--summary", "s.csv", "--time-unit", "weeks"])
        .output()
        .unwrap();
    fatal(&out, &format!("`s.csv`: line 3: {message}"));
}

#[test]
fn text_after_a_quote_closing_on_a_later_line_is_fatal_in_every_input() {
    // `"O1` is closed by the quote before `O3`, with `O3"` after it: the csv
    // crate would read C1's second order into the first one's `order_id`,
    // and C1 would seem to have one order. On one line (`"gold"en`), the
    // text only joins its field, as it always has, even for a customer the
    // incidents do not name.
    let old = b"case_id,decision\nK0,gesture\n";
    let dir = files(&[
        ("inc.csv", INCIDENTS.as_bytes()),
        (
            "h.csv",
            b"customer_id,date,amount,order_id\nC1,2026-01-01,100,\"O1\nC1,2026-03-01,100,\"O3\"\n",
        ),
        (
            "c.csv",
            b"customer_id,tier\nC9,\"gold\"en\nC1,\"gold\nC2,silver\" \"x\n",
        ),
        (
            "l.csv",
            b"customer_id,date,cost,gesture\nC1,2026-10-01,5,\"credit\nC1,2026-11-01,5,\"credit\"\n",
        ),
        (
            "s.csv",
            b"customer_id,frequency,recency,T,note\nA,1,2,3,\"x\"y\nB,0,0,5,\"y\nC,1,1,5,z\"z\n",
        ),
        ("out.csv", old),
    ]);
    let reason = |closed: u64| {
        format!(
            "a quote opened on this line is closed on line {closed} with text after it, so the lines between \
             are in one field: is a quote misplaced?"
        )
    };
    for (flag, file, line, closed) in [
        ("--history", "h.csv", 2, 3),
        ("--customers", "c.csv", 3, 4),
        ("--ledger", "l.csv", 2, 3),
    ] {
        let out = batch(dir.path(), &[flag, file, "-o", "out.csv"]);
        fatal(&out, &format!("`{file}`: line {line}: {}", reason(closed)));
        assert_eq!(std::fs::read(dir.path().join("out.csv")).unwrap(), old, "{file}");
    }
    let out = goodwill(dir.path())
        .args(["ltv", "--summary", "s.csv", "--time-unit", "weeks"])
        .output()
        .unwrap();
    fatal(&out, &format!("`s.csv`: line 3: {}", reason(4)));
}

#[cfg(unix)]
#[test]
fn a_bom_in_a_write_of_its_own_is_skipped_on_standard_input() {
    // A pipe gives what was written so far: the BOM may come in a read of
    // its own, which the csv crate took for the end of the file.
    use std::io::Write;
    use std::process::{Command as Std, Stdio};
    let dir = files(&[("inc.csv", INCIDENTS.as_bytes())]);
    let expected = {
        let dir = files(&[("inc.csv", INCIDENTS.as_bytes()), ("h.csv", HISTORY.as_bytes())]);
        batch(dir.path(), &["--history", "h.csv"])
    };
    assert_eq!(column(&expected, "future_value"), ["180.00"]);
    for split in [1, 3] {
        let mut child = Std::new(env!("CARGO_BIN_EXE_goodwill"))
            .current_dir(dir.path())
            .args(["batch", "inc.csv", "--policy", POLICY, "--history", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let bom_and_history = [b"\xEF\xBB\xBF".as_slice(), HISTORY.as_bytes()].concat();
        stdin.write_all(&bom_and_history[..split]).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        stdin.write_all(&bom_and_history[split..]).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{split}: {}", stderr(&out));
        assert_eq!(out.stdout, expected.stdout, "{split}");
    }
}

#[test]
fn a_number_too_large_to_hold_to_the_cent_is_refused_in_every_input() {
    // Past 1e13 an amount loses cents, and sums of such amounts overflow
    // the cents the money type counts in: each reader refuses it, the same way.
    let why = "is too large: numbers must be under 1e13 (10 trillion), to be exact to the cent";
    let dir = files(&[
        ("inc.csv", INCIDENTS.as_bytes()),
        (
            "h.csv",
            b"customer_id,date,amount\nC1,2026-01-01,100\nC1,2026-03-01,1e18\n",
        ),
        (
            "hq.csv",
            b"customer_id,date,amount\n\"C1\",2026-01-01,100\nC1,2026-03-01,1e18\n",
        ),
        (
            "l.csv",
            b"customer_id,date,gesture,cost\nC1,2026-10-01,credit,10000000000000\n",
        ),
        (
            "s.csv",
            b"customer_id,frequency,recency,T,monetary_value\nA,1,2,3,1e300\n",
        ),
        (
            "big.csv",
            b"case_id,customer_id,kind,date,loss,order_value,coupon_pct\n\
              K1,C1,late,2026-11-20,20,0,0\n\
              K2,C1,late,2026-11-20,99999999999999999,0,0\n\
              K3,C1,late,2026-11-20,20,1e13,0\n\
              K4,C1,coupon,2026-11-20,20,5,-1e14\n\
              K5,C1,late,2026-11-20,9999999999999.99,0,0\n",
        ),
    ]);
    for (file, line, text) in [("h.csv", 3, "1e18"), ("hq.csv", 3, "1e18")] {
        let out = batch(dir.path(), &["--history", file]);
        rejected(&out, &format!("`{file}`: line {line}: column `amount`: `{text}` {why}"));
    }
    let out = batch(dir.path(), &["--ledger", "l.csv"]);
    rejected(&out, &format!("`l.csv`: line 2: column `cost`: `10000000000000` {why}"));
    let out = goodwill(dir.path())
        .args(["ltv", "--summary", "s.csv", "--time-unit", "weeks"])
        .output()
        .unwrap();
    fatal(
        &out,
        &format!("`s.csv`: line 2: column `monetary_value`: `1e300` {why}"),
    );
    // An incident row is rejected, and the batch goes on.
    let out = goodwill(dir.path())
        .args(["batch", "big.csv", "--policy", POLICY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        column(&out, "error"),
        [
            String::new(),
            format!("line 3: column `loss`: `99999999999999999` {why}"),
            format!("line 4: column `order_value`: `1e13` {why}"),
            format!("line 5: column `coupon_pct`: `-1e14` {why}"),
            String::new(),
        ]
    );
    // `recommend` says the same of a flag (bad usage, 2).
    let out = goodwill(dir.path())
        .args(["recommend", "--policy", POLICY, "--customer", "C1", "--kind", "late"])
        .args(["--date", "2026-11-20", "--loss", "1e16"])
        .output()
        .unwrap();
    assert_eq!(
        (out.status.code(), stderr(&out)),
        (Some(2), format!("error: invalid incident: `--loss`: `1e16` {why}\n"))
    );
}

#[test]
fn customers_can_come_from_standard_input() {
    let dir = files(&[
        ("inc.csv", INCIDENTS.as_bytes()),
        ("c.csv", b"customer_id,tier\nC1,gold\n"),
    ]);
    let expected = batch(dir.path(), &["--customers", "c.csv"]);
    assert_eq!(expected.status.code(), Some(0), "{}", stderr(&expected));
    let piped = |text: &str| {
        goodwill(dir.path())
            .args(["batch", "inc.csv", "--policy", POLICY, "--customers", "-"])
            .write_stdin(text.to_string())
            .output()
            .unwrap()
    };
    let out = piped("customer_id,tier\nC1,gold\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(out.stdout, expected.stdout);
    rejected(
        &piped("customer_id,tier\nC1,gold\nC1,silver\n"),
        "`-`: line 3: customer `C1` appears twice (first on line 2)",
    );
}
