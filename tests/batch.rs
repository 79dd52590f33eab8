//! `goodwill batch` through the real binary.
//!
//! The data is in tests/data/batch/: a policy with constant parameters (margin
//! 0.30 over 24 undiscounted months, so A = 2 years), one $10 credit, and at
//! most two gestures a customer in 12 months.

mod common;

use std::collections::HashMap;
use std::path::Path;

#[cfg(unix)]
use common::named_pipe;
use common::{goodwill, rows, with_reader_gone};
use serde_json::Value;

const POLICY: &str = "tests/data/batch/policy.toml";
const HISTORY: &str = "tests/data/batch/history.csv";
/// No gesture before the batch: the caps count the batch's own.
const LEDGER: &str = "tests/data/batch/ledger.csv";

fn batch(file: &str, extra: &[&str]) -> std::process::Output {
    goodwill()
        .args([
            "batch",
            file,
            "--policy",
            POLICY,
            "--history",
            HISTORY,
            "--ledger",
            LEDGER,
        ])
        .args(extra)
        .output()
        .unwrap()
}

/// Each output row as `case_id line decision`: which line became which answer.
fn seen(rows: &[HashMap<String, String>]) -> Vec<String> {
    rows.iter()
        .map(|r| format!("{} {} {}", r["case_id"], r["line"], r["decision"]))
        .collect()
}

/// [`batch`] over an incidents file holding `csv`.
fn batch_of(csv: &str, extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("incidents.csv");
    std::fs::write(&file, csv).unwrap();
    batch(file.to_str().unwrap(), extra)
}

#[test]
fn good_rows_are_answered_and_bad_rows_reported_with_their_line() {
    let out = batch("tests/data/batch/incidents.csv", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(stdout.starts_with(
        "case_id,customer_id,kind,decision,gesture,cost,value,future_value,churn_before,churn_after,impact,rule,error,"
    ));
    let rows = rows(&out.stdout);
    assert_eq!(rows.len(), 8, "one output row per input row");
    let ids: Vec<&str> = rows.iter().map(|r| r["case_id"].as_str()).collect();
    assert_eq!(ids, ["K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8"], "input order");

    // K1: C1 has eight $100 orders, the first 730 days before 2026-11-20:
    // rate = 8 / 2 = 4 a year, FV = 0.30 * 100 * 4 * 2 = 240. Loss 20, the
    // credit costs and is worth 10: c = 0.5, q = 0.1 + 0.9 * 0.5 = 0.55,
    // churn 0.54 -> 0.54 - 0.55 * 0.49 = 0.2705; impact = (0.54 - 0.2705) * 240 - 10 = 54.68.
    let k1 = &rows[0];
    assert_eq!(k1["decision"], "gesture");
    assert_eq!(k1["gesture"], "credit");
    assert_eq!(k1["cost"], "10.00");
    assert_eq!(k1["value"], "10.00");
    assert_eq!(k1["future_value"], "240.00");
    assert_eq!(k1["churn_before"], "0.540000");
    assert_eq!(k1["churn_after"], "0.270500");
    assert_eq!(k1["impact"], "54.68");
    assert_eq!(k1["value_at_risk"], "129.60");
    assert_eq!(k1["rule"], "late");
    assert_eq!(k1["error"], "");
    assert_eq!(k1["line"], "2");

    // K2: C3 has no history: basket = the order value 60, rate 1, FV = 0.30 * 60 * 2 = 36.
    // c = 10 / 12, q = 0.1 + 0.9 * 10 / 12 = 0.85, churn after 0.54 - 0.85 * 0.49 = 0.1235,
    // impact = (0.54 - 0.1235) * 36 - 10 = 4.994.
    let k2 = &rows[1];
    assert_eq!(
        (
            k2["gesture"].as_str(),
            k2["future_value"].as_str(),
            k2["churn_after"].as_str(),
            k2["impact"].as_str()
        ),
        ("credit", "36.00", "0.123500", "4.99")
    );

    // K8: a loss above 500 escalates: no gesture, cost and impact 0, the customer's figures kept.
    let k8 = &rows[7];
    assert_eq!(k8["decision"], "escalate");
    assert_eq!(k8["gesture"], "");
    assert_eq!((k8["cost"].as_str(), k8["impact"].as_str()), ("0.00", "0.00"));
    assert_eq!(k8["future_value"], "24.00");
    assert_eq!(k8["churn_after"], "0.540000");
    assert_eq!(k8["rule"], "big-loss");
    assert_eq!(k8["escalation"], "a loss above 500 needs a supervisor");

    let errors: Vec<(&str, &str)> = rows[2..7]
        .iter()
        .map(|r| (r["decision"].as_str(), r["error"].as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (
                "error",
                "line 4: column `date`: `2026-02-30` is not a date (expected YYYY-MM-DD)"
            ),
            ("error", "line 5: kind `nope` is not one of the policy's kinds"),
            ("error", "line 6: column `customer_id` is missing or empty"),
            ("error", "line 7: column `coupon_pct`: `abc` is not a number"),
            ("error", "line 8: expected 7 fields, found 3"),
        ]
    );
    assert_eq!(rows[2]["cost"], "", "a rejected row has no figures");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        "error: `tests/data/batch/incidents.csv`: line 4: column `date`: `2026-02-30` is not a date (expected YYYY-MM-DD)\n\
         error: `tests/data/batch/incidents.csv`: line 5: kind `nope` is not one of the policy's kinds\n\
         error: `tests/data/batch/incidents.csv`: line 6: column `customer_id` is missing or empty\n\
         error: `tests/data/batch/incidents.csv`: line 7: column `coupon_pct`: `abc` is not a number\n\
         error: `tests/data/batch/incidents.csv`: line 8: expected 7 fields, found 3\n\
         error: `tests/data/batch/incidents.csv`: 5 of 8 rows rejected\n"
    );
}

#[test]
fn the_third_gesture_in_a_year_is_refused_by_the_cap() {
    // caps.csv lists C2's incidents out of date order: 03-01, 01-01, 2027-01-15, 02-01.
    // In date order: 01-01 and 02-01 get the credit; 03-01 is the third in 12
    // months and gets the apology; on 2027-01-15 the window (2026-01-15,
    // 2027-01-15] holds only the 02-01 credit, so the credit is allowed again.
    // C2 has no history: FV = 0.30 * 100 * 2 = 60; the credit's impact is
    // (0.54 - 0.2705) * 60 - 10 = 6.17, the apology's 0.049 * 60 = 2.94.
    let out = batch("tests/data/batch/caps.csv", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = rows(&out.stdout);
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r["case_id"].as_str(), r["gesture"].as_str(), r["impact"].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("M3", "apology", "2.94"),
            ("M1", "credit", "6.17"),
            ("M4", "credit", "6.17"),
            ("M2", "credit", "6.17")
        ]
    );
    let json = goodwill()
        .args(["recommend", "--policy", POLICY, "--customer", "C2", "--kind", "late"])
        .args([
            "--loss",
            "20",
            "--order-value",
            "100",
            "--date",
            "2026-03-01",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    // The same case alone, with nothing granted before it, does get the credit.
    let j: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(j["gesture"], "credit");
}

#[test]
fn a_ledger_gesture_the_policy_does_not_have_is_warned_of_once() {
    // `Apology` counts toward the limits (it is not the apology), as does an
    // earlier policy's gesture: each id is named once, with the nearest.
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        "customer_id,date,gesture,cost\nC2,2026-01-05,Apology,0\nC2,2026-01-06,Apology,0\n\
         C3,2026-01-05,credit,10\nC3,2026-01-07,voucher_20,20\n",
    )
    .unwrap();
    let out = goodwill()
        .args([
            "batch",
            "tests/data/batch/caps.csv",
            "--policy",
            POLICY,
            "--history",
            HISTORY,
            "--ledger",
        ])
        .arg(&ledger)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let file = ledger.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "warning: `{file}`: gesture `Apology` is not one of the policy's (did you mean `apology`?): \
             its rows count toward the 12-month limits as any gesture's\n\
             warning: `{file}`: gesture `voucher_20` is not one of the policy's: \
             its rows count toward the 12-month limits as any gesture's\n"
        )
    );
    // Two `Apology` rows in January fill C2's two gestures a year: M2 gets
    // no credit (it does without the ledger, above); M1 is before them, and
    // M4's window has left them behind.
    let rows = rows(&out.stdout);
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["case_id"].as_str(), r["gesture"].as_str()))
        .collect();
    assert_eq!(
        got,
        [("M3", "apology"), ("M1", "credit"), ("M4", "credit"), ("M2", "apology")]
    );
}

#[test]
fn a_batch_without_a_history_or_a_ledger_is_warned_of() {
    // Every customer answered as new, or the caps blind to earlier
    // gestures, exit 0: a script's forgotten flag.
    let out = goodwill()
        .args(["batch", "tests/data/batch/caps.csv", "--policy", POLICY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: no history file (--history): every customer is answered as a new customer\n\
         warning: no ledger file (--ledger): the 12-month limits count only the gestures of this run\n"
    );
    let out = batch("tests/data/batch/caps.csv", &[]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn a_history_row_with_data_and_no_customer_id_stops_the_run() {
    // It could be any customer's, one of the batch's too: it was passed by,
    // exit 0, and the customer's figures left it out unseen.
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.csv");
    let text = std::fs::read_to_string(HISTORY).unwrap();
    std::fs::write(&history, format!("{text},2026-01-02,40,O99\n")).unwrap();
    let line = text.lines().count() + 1;
    let out = goodwill()
        .args(["batch", "tests/data/batch/caps.csv", "--policy", POLICY, "--history"])
        .arg(&history)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: `{}`: line {line}: column `customer_id` is empty\n",
            history.display()
        )
    );
}

#[test]
fn a_case_id_on_several_lines_is_answered_each_time_with_a_warning() {
    // The same case exported three times: each line is a case of its own, so
    // the cap of two gestures in 12 months leaves the third the apology. The
    // warning says so; the exit code stays 0, as no row was rejected.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("twice.csv");
    std::fs::write(
        &file,
        "case_id,customer_id,kind,date,loss,order_value,coupon_pct\n\
         M1,C2,late,2026-01-01,20,100,0\n\
         M2,C2,late,2026-02-01,20,100,0\n\
         M1,C2,late,2026-01-01,20,100,0\n\
         M1,C2,late,2026-01-01,20,100,0\n",
    )
    .unwrap();
    let out = batch(file.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let got: Vec<(String, String)> = rows(&out.stdout)
        .into_iter()
        .map(|r| (r["case_id"].clone(), r["gesture"].clone()))
        .collect();
    // In (date, line) order: M1 on lines 2, 4 and 5, then M2.
    let want = [("M1", "credit"), ("M2", "apology"), ("M1", "credit"), ("M1", "apology")];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
    let name = file.display();
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "warning: `{name}`: case id `M1` is on lines 2, 4 and 5\n\
             warning: `{name}`: 1 case id is on more than one line: each line is answered as a case of its own, \
             and its gesture counts against the customer's caps\n"
        )
    );

    // Many: the first 20 ids, each with at most five lines, then the count.
    let mut csv = String::from("case_id,customer_id,kind,date,loss,order_value,coupon_pct\n");
    for i in 0..25 {
        csv.push_str(&format!(
            "R{i},C{i},late,2026-01-01,20,100,0\nR{i},C{i},late,2026-01-02,20,100,0\n"
        ));
    }
    for _ in 0..6 {
        csv.push_str("R0,C0,late,2026-01-03,20,100,0\n");
    }
    std::fs::write(&file, csv).unwrap();
    let out = batch(file.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 21, "{stderr}");
    assert_eq!(
        lines[0],
        format!("warning: `{name}`: case id `R0` is on lines 2, 3, 52, 53, 54 and 3 more")
    );
    assert_eq!(
        lines[19],
        format!("warning: `{name}`: case id `R19` is on lines 40 and 41")
    );
    assert!(
        lines[20].starts_with(&format!(
            "warning: `{name}`: 25 case ids are on more than one line (the first 20 shown above): "
        )),
        "{stderr}"
    );
}

#[test]
fn an_existing_output_is_untouched_on_a_fatal_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    std::fs::write(&out, "old").unwrap();
    let run = goodwill()
        .args(["batch", "tests/data/batch/incidents.csv", "--policy", POLICY])
        .args(["--history", "tests/data/batch/no-such-history.csv", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "error: `tests/data/batch/no-such-history.csv`: cannot open: No such file or directory (os error 2)\n"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");

    // An invalid policy is exit code 2, and also leaves the file alone.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[policy]\nname = 1\n").unwrap();
    let run = goodwill()
        .args(["batch", "tests/data/batch/incidents.csv", "--policy"])
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");

    // A run with rejected rows does write the file (every row, good or bad).
    let run = batch("tests/data/batch/incidents.csv", &["-o", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(3));
    assert!(run.stdout.is_empty());
    assert_eq!(rows(&std::fs::read(&out).unwrap()).len(), 8);
}

#[test]
fn stdin_and_stdout_with_a_dash_and_jsonl() {
    let input = std::fs::read("tests/data/batch/incidents.csv").unwrap();
    let piped = goodwill()
        .args(["batch", "-", "--policy", POLICY, "--history", HISTORY, "-o", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(3));
    let direct = batch("tests/data/batch/incidents.csv", &[]);
    assert_eq!(piped.stdout, direct.stdout, "stdin gives the same rows");
    assert!(String::from_utf8_lossy(&piped.stderr).contains("error: `-`: line 4: column `date`"));

    let jsonl = batch("tests/data/batch/incidents.csv", &["--format", "jsonl"]);
    assert_eq!(jsonl.status.code(), Some(3));
    let lines: Vec<Value> = jsonl
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[0]["case_id"], "K1");
    assert_eq!(lines[0]["impact"].as_f64(), Some(54.68));
    assert_eq!(lines[0]["churn_after"].as_f64(), Some(0.2705));
    assert_eq!(lines[0]["line"].as_u64(), Some(2));
    assert_eq!(lines[2]["decision"], "error");
    assert_eq!(lines[2]["cost"], Value::Null);
    assert_eq!(
        lines[6]["error"], "line 8: expected 7 fields, found 3",
        "the same names and texts as the CSV"
    );
    // The same text for every figure as in the CSV.
    assert!(String::from_utf8_lossy(&jsonl.stdout).contains(r#""cost":10.00,"value":10.00,"future_value":240.00"#));
}

#[test]
fn a_quote_left_open_is_named_as_the_likely_cause_and_the_rows_it_took_are_answered() {
    // The quote before `late` is closed only by the one before K4's `20`,
    // with `20"` after it: the csv crate would read K3's row and most of
    // K4's into K2's. K2 is rejected, and the reading starts again on K3's line.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("open-quote.csv");
    std::fs::write(
        &file,
        "case_id,customer_id,kind,date,loss\nK1,C1,late,2026-11-20,20\nK2,C1,\"late,2026-11-20,20\n\
         K3,C1,late,2026-11-20,20\nK4,C1,late,2026-11-20,\"20\"\nK5,C1,late,2026-11-20,20\n",
    )
    .unwrap();
    let out = batch(file.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(3));
    let rows = rows(&out.stdout);
    // On its own line, K4's `"20"` is a quoted field like any other.
    assert_eq!(
        seen(&rows),
        [
            "K1 2 gesture",
            "K2 3 error",
            "K3 4 gesture",
            "K4 5 gesture",
            "K5 6 gesture"
        ]
    );
    assert_eq!(
        rows[1]["error"],
        "line 3: a quote opened on this line is closed on line 5 with text after it: is a quote misplaced? \
         (the lines after it are read as rows of their own)"
    );
    // Closed at the end of a field, the same quote leaves the row too few
    // fields, and the count says where to look; the lines it ran over are
    // read again.
    std::fs::write(
        &file,
        "case_id,customer_id,kind,date,loss\nK1,C1,late,2026-11-20,20\nK2,C1,\"late,2026-11-20,20\n\
         K3,C1,late,2026-11-20,20\nK4,C1,late,2026-11-20\",20\nK5,C1,late,2026-11-20,20\n",
    )
    .unwrap();
    let short = self::rows(&batch(file.to_str().unwrap(), &[]).stdout);
    assert_eq!(
        short[1]["error"],
        "line 3: expected 5 fields, found 4 in a row that runs over 3 lines: is a quote left open? \
         (the next lines are read as rows of their own)"
    );
    // The rejected row's fields go as far as its first line: the rest is read again.
    assert_eq!(short[1]["kind"], "late,2026-11-20,20");
    // K4's `2026-11-20"` is read as it stands, and is no date.
    assert!(
        short[3]["error"].starts_with("line 5: column `date`: `2026-11-20\"`"),
        "{}",
        short[3]["error"]
    );
    assert_eq!(
        seen(&short),
        [
            "K1 2 gesture",
            "K2 3 error",
            "K3 4 gesture",
            "K4 5 error",
            "K5 6 gesture"
        ]
    );
}

#[test]
fn a_quote_never_closed_rejects_the_row_it_opens_in_and_the_rows_after_are_answered() {
    // The csv crate reads a quote that is never closed as running to the end
    // of the file: in the last column, the row would have the right number
    // of fields and the rows after it would be lost without a word.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("open-quote.csv");
    for (text, line, after) in [
        (
            "K1,C1,late,2026-11-20,20\nK2,C1,late,2026-11-20,\"20\nK3,C1,late,2026-11-20,20\nK4,C1,late,2026-11-20,20\n",
            3,
            &["K3 4", "K4 5"][..],
        ),
        (
            "K1,C1,late,2026-11-20,20\r\nK2,C1,\"late,2026-11-20,20\r\n\r\nK3,C1,late,2026-11-20,20\r\n",
            3,
            &["K3 5"],
        ),
        // A lone carriage return ends a line too.
        (
            "K1,C1,late,2026-11-20,20\rK2,C1,\"late,2026-11-20,20\rK3,C1,late,2026-11-20,20\r",
            3,
            &["K3 4"],
        ),
        ("K1,C1,late,2026-11-20,20\n\nK2,C1,late,2026-11-20,\"", 4, &[]),
    ] {
        std::fs::write(&file, format!("case_id,customer_id,kind,date,loss\n{text}")).unwrap();
        let out = batch(file.to_str().unwrap(), &[]);
        assert_eq!(out.status.code(), Some(3), "{text:?}");
        let rows = rows(&out.stdout);
        assert_eq!(rows.len(), 2 + after.len(), "{text:?}");
        assert_eq!(rows[1]["case_id"], "K2");
        assert_eq!(
            rows[1]["error"],
            format!(
                "line {line}: a quote opened on this line is never closed (the lines after it are read as rows of their own)"
            ),
            "{text:?}"
        );
        let read = rows[2..]
            .iter()
            .map(|r| format!("{} {}", r["case_id"], r["line"]))
            .collect::<Vec<_>>();
        assert_eq!(read, after, "{text:?}");
        assert!(rows[2..].iter().all(|r| r["decision"] == "gesture"), "{text:?}");
    }
    // A stray quote before the one never closed is the one that misplaced
    // the lines: the reading starts again after it, and only the row where
    // the last quote opens is rejected with it.
    let out = batch_of(
        "case_id,customer_id,kind,date,loss,order_value,coupon_pct\nK1,C1,late,2026-11-20,\"20,100,0\n\
         K2,C1,late,2026-11-20,20,100,0\nK3,C\"1,late,2026-11-20,20,100,\"0\nK4,C1,late,2026-11-20,20,100,0\n",
        &[],
    );
    let rows = rows(&out.stdout);
    assert_eq!(
        seen(&rows),
        ["K1 2 error", "K2 3 gesture", "K3 4 error", "K4 5 gesture"]
    );
    assert!(rows[0]["error"].starts_with("line 2: a quote opened on this line is closed on line 4 with text after it"));
    assert!(rows[2]["error"].starts_with("line 4: a quote opened on this line is never closed"));
}

#[test]
fn a_quoted_field_over_lines_where_none_can_be_rejects_its_row_alone() {
    // A quote opened in `channel` (one of the incident's own columns, which
    // hold no line end) and closed at the end of the same column on a later
    // line leaves the right number of fields: the rows between were answered
    // as part of one, or lost. In a free-text column (`note`) a field over
    // lines is read as one, unless its quote is one that closed a misplaced
    // quote before the reading started again.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pairs.csv");
    let head = "case_id,customer_id,kind,date,loss,channel,note\n";
    let read = |text: &str| {
        std::fs::write(&file, format!("{head}{text}")).unwrap();
        let out = batch(file.to_str().unwrap(), &[]);
        let rows = rows(&out.stdout);
        (out.status.code(), seen(&rows), rows)
    };
    let (code, seen, rows) = read(
        "K1,C1,late,2026-11-20,20,\"chat,x\nK2,C1,late,2026-11-20,20,chat\",x\nK3,C1,late,2026-11-20,20,phone,x\n",
    );
    assert_eq!(code, Some(3));
    assert_eq!(seen, ["K1 2 error", "K2 3 gesture", "K3 4 gesture"]);
    assert_eq!(
        rows[0]["error"],
        "line 2: column `channel` runs over 2 lines from this line: is a quote left open? \
         (the next lines are read as rows of their own)"
    );
    // Read again after K1's misplaced quote, the quote that closed it (K3's)
    // would open a field that K5's closes, and take K4 in: it is rejected too.
    let (_, seen, rows) = read(
        "K1,C1,late,2026-11-20,20,chat,\"a\nK2,C1,late,2026-11-20,20,chat,b\nK3,C1,late,2026-11-20,20,chat,\"c\n\
         K4,C1,late,2026-11-20,20,chat,d\nK5,C1,late,2026-11-20,20,chat,e\"\nK6,C1,late,2026-11-20,20,chat,\"a real\nnote\"\n\
         K7,C1,late,2026-11-20,20,chat,f\n",
    );
    assert_eq!(
        seen,
        [
            "K1 2 error",
            "K2 3 gesture",
            "K3 4 error",
            "K4 5 gesture",
            "K5 6 gesture",
            "K6 7 gesture",
            "K7 9 gesture"
        ]
    );
    assert!(
        rows[2]["error"].starts_with("line 4: column `note` runs over 3 lines"),
        "{}",
        rows[2]["error"]
    );
    // A rejected row keeps what its first line holds, and nothing of the lines after it.
    let (_, seen, rows) = read("K1,\"C1\nK2,C1,late,2026-11-20,20,chat,x\nK3\",C1,late,2026-11-20,20,chat,x\n");
    assert_eq!(seen[..2], ["K1 2 error", "K2 3 gesture"]);
    assert_eq!((rows[0]["customer_id"].as_str(), rows[0]["kind"].as_str()), ("C1", ""));
    // A field whose closing quote starts the next line runs over lines as
    // much as one closed later in it: in `kind`, its row is rejected; with
    // the wrong field count, the next line is a row of its own, and none of
    // its fields shows on the rejected one.
    let (code, seen, _) = read("K1,C1,\"late\n\",2026-11-20,20,chat,x\nK2,C1,late,2026-11-20,20,chat,x\n");
    assert_eq!(code, Some(3));
    assert_eq!(seen, ["K1 2 error", ",2026-11-20,20,chat,x 3 error", "K2 4 gesture"]);
    let (_, seen, rows) = read(
        "K1,C1,late,2026-11-20,20,chat,\"see next\n\",K2,C1,late,2026-11-20,20\nK3,C1,late,2026-11-20,20,chat,x\n",
    );
    assert_eq!(
        seen,
        ["K1 2 error", ",K2,C1,late,2026-11-20,20 3 error", "K3 4 gesture"]
    );
    assert_eq!((rows[0]["case_id"].as_str(), rows[0]["kind"].as_str()), ("K1", "late"));
    assert!(rows[0]["error"].starts_with("line 2: expected 7 fields, found 12 in a row that runs over 2 lines"));
    // After a row rejected for a field over lines in `kind`, or for its
    // field count, the quote that closed the field is read again: it opens
    // no note that would take the next rows in.
    let (_, seen, _) = read(
        "K1,C1,\"late,2026-11-20,20,chat,x\nK2,C1,late,2026-11-20,20,chat,\"\nK3,C1,late,2026-11-20,20,chat,y\"\n\
         K4,C1,late,2026-11-20,20,chat,x\n",
    );
    assert_eq!(seen, ["K1 2 error", "K2 3 error", "K3 4 gesture", "K4 5 gesture"]);
    let (_, seen, _) = read(
        "K1,C1,late,2026-11-20,20,\"chat,x\nK2,C1,late,2026-11-20,20,chat\",\"\nK3,C1,late,2026-11-20,20,chat,y\"\n\
         K4,C1,late,2026-11-20,20,chat,x\n",
    );
    assert_eq!(seen, ["K1 2 error", "K2 3 error", "K3 4 gesture", "K4 5 gesture"]);
}

#[test]
fn a_note_over_lines_that_reads_like_rows_is_warned_of() {
    // A quote pair misplaced in a free-text column cannot be told from a note
    // over lines: the rows between are read into the note, as CSV reads it,
    // and the exit code is 0. Lines in it with a comma for each column but
    // one are worth a warning; a note of prose over lines is not.
    let head = "case_id,customer_id,kind,date,loss,order_value,coupon_pct,note\n";
    let out = batch_of(
        &format!(
            "{head}K1,C1,late,2026-01-01,20,100,0,\"12 inch\nK2,C2,late,2026-01-02,20,100,0,ok\n\
             K3,C3,late,2026-01-03,20,100,0,27\"\nK4,C4,late,2026-01-04,20,100,0,\"a real note,\nover two lines\"\n"
        ),
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(seen(&rows(&out.stdout)), ["K1 2 gesture", "K4 5 gesture"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("not one the policy reads"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].ends_with(
            "incidents.csv`: line 2: column `note` runs over 3 lines, and 2 lines after its first read like rows: \
             is a quote misplaced? (the field is read whole, as CSV reads it)"
        ),
        "{stderr}"
    );
    // With the note before other columns, the last line of the field goes
    // on with them: `27 monitor"` and the fields after it make a row.
    let middle = |rows: &str| {
        let out = batch_of(
            &format!("case_id,customer_id,kind,note,date,loss,order_value,coupon_pct\n{rows}"),
            &[],
        );
        String::from_utf8(out.stderr).unwrap()
    };
    let stderr = middle(
        "K1,C1,late,\"12 inch,2026-11-20,20,100,0\nK2,C1,late,27 monitor\",2026-11-20,20,100,0\n\
         K3,C1,late,x,2026-11-20,20,100,0\n",
    );
    assert!(
        stderr.contains("line 2: column `note` runs over 2 lines, and a line after its first reads like a row"),
        "{stderr}"
    );
    let stderr = middle("K1,C1,late,\"a real note,\nover, two lines\",2026-11-20,20,100,0\n");
    assert!(!stderr.contains("reads like"), "{stderr}");
    // Past 20, a count.
    let many: String = (0..22)
        .map(|i| format!("K{i},C{i},late,2026-01-01,20,100,0,\"x\nA,B,C,D,E,F,G,H\"\n"))
        .collect();
    let out = batch_of(&format!("{head}{many}"), &[]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.matches("read like").count() + stderr.matches("reads like").count(),
        20,
        "{stderr}"
    );
    assert!(
        stderr.contains("incidents.csv`: 22 rows hold such a field (the first 20 shown above)\n"),
        "{stderr}"
    );
}

#[test]
fn a_quoted_field_over_lines_in_a_typed_attribute_rejects_its_row_alone() {
    // The policy declares `coupon_pct` a number, which holds no line end: a
    // quote pair around rows in it is misplaced, as in `channel`, and the
    // rows between are read; `note`, which the policy does not type, reads
    // a field over lines as one.
    let out = batch_of(
        "case_id,customer_id,kind,date,loss,order_value,coupon_pct,note\n\
         K1,C1,coupon,2026-01-01,20,100,\"10,x\n\
         K2,C2,late,2026-01-02,20,100,0,x\n\
         K3,C3,late,2026-01-03,20,100,5\",x\n\
         K4,C4,late,2026-01-04,20,100,0,\"two\nlines\"\n\
         K5,C5,late,2026-01-05,20,100,0,x\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    let rows = rows(&out.stdout);
    assert_eq!(
        seen(&rows),
        [
            "K1 2 error",
            "K2 3 gesture",
            "K3 4 error",
            "K4 5 gesture",
            "K5 7 gesture"
        ]
    );
    assert_eq!(rows[2]["error"], "line 4: column `coupon_pct`: `5\"` is not a number");
    assert_eq!(
        rows[0]["error"],
        "line 2: column `coupon_pct` runs over 3 lines from this line: is a quote left open? \
         (the next lines are read as rows of their own)"
    );
}

#[test]
fn standard_input_feeds_one_input_only() {
    let input = std::fs::read("tests/data/batch/incidents.csv").unwrap();
    let out = goodwill()
        .args(["batch", "-", "--policy", POLICY, "--history", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `INCIDENTS` and `--history` both read standard input (`-`): it can feed only one of them\n"
    );
    assert!(out.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn a_named_pipe_reads_like_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = std::fs::read("tests/data/batch/incidents.csv").unwrap();
    let (fifo, writer) = named_pipe(dir.path(), "incidents.csv", input);
    let piped = batch(fifo.to_str().unwrap(), &[]);
    writer.join().unwrap().unwrap();
    assert_eq!(
        piped.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert_eq!(piped.stdout, batch("tests/data/batch/incidents.csv", &[]).stdout);
}

/// A history from a pipe (`--history <(zcat h.csv.gz)`) with a quoted
/// field: the parallel reader cannot take it, and the pipe cannot be read
/// again from the start; it was taken for an empty file.
#[cfg(unix)]
#[test]
fn a_quoted_history_from_a_named_pipe_reads_like_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(HISTORY).unwrap();
    let quoted = text.replacen("\nC1,", "\n\"C1\",", 1);
    assert_ne!(quoted, text);
    let file = dir.path().join("quoted.csv");
    std::fs::write(&file, &quoted).unwrap();
    let run = |history: &Path| {
        goodwill()
            .args([
                "batch",
                "tests/data/batch/incidents.csv",
                "--policy",
                POLICY,
                "--history",
            ])
            .arg(history)
            // Reopening the pipe would wait for a writer for ever.
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap()
    };
    let (fifo, writer) = named_pipe(dir.path(), "history.csv", quoted.into_bytes());
    let piped = run(&fifo);
    writer.join().unwrap().unwrap();
    assert_eq!(
        piped.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert_eq!(piped.stdout, run(&file).stdout);
}

#[test]
fn a_quoted_file_reads_like_a_plain_one() {
    // Quotes send the file down the csv crate's path instead of the parallel splitter.
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read_to_string("tests/data/batch/incidents.csv").unwrap();
    let quoted = plain.replacen("K1,C1,late", "\"K1\",\"C1\",late", 1);
    let path = dir.path().join("quoted.csv");
    std::fs::write(&path, &quoted).unwrap();
    let a = batch("tests/data/batch/incidents.csv", &[]);
    let b = batch(path.to_str().unwrap(), &[]);
    assert_eq!(
        String::from_utf8(a.stdout).unwrap(),
        String::from_utf8(b.stdout).unwrap()
    );
}

#[test]
fn summary_table() {
    let out = batch("tests/data/batch/incidents.csv", &["--format", "table"]);
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!("summary_table", String::from_utf8(out.stdout).unwrap());

    // With -o, the summary goes to standard output, the rows to the file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rows.csv");
    let out = batch(
        "tests/data/batch/incidents.csv",
        &["--summary", "-o", file.to_str().unwrap()],
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("By kind\n"), "{stdout}");
    assert_eq!(rows(&std::fs::read(&file).unwrap()).len(), 8);
    // Without -o, it goes to standard error, after the rejected rows.
    let out = batch("tests/data/batch/incidents.csv", &["--summary"]);
    assert!(String::from_utf8(out.stderr).unwrap().contains("By kind\n"));
    assert!(!String::from_utf8(out.stdout).unwrap().contains("By kind"));
}

#[test]
fn a_summary_tells_a_kind_named_like_its_own_labels_from_them() {
    // Rejected rows' kinds are whatever the file holds: `all` is not the
    // total, `(none)` not the empty kind, `(rejected)` not the row of counts.
    let out = batch_of(
        "case_id,customer_id,kind,date,loss,order_value,coupon_pct\n\
         K1,C1,late,2026-11-20,20,100,0\n\
         K2,C1,all,2026-11-20,20,100,0\n\
         K3,C1,(none),2026-11-20,20,100,0\n\
         K4,C1,,2026-11-20,20,100,0\n\
         K5,C1,(rejected),2026-11-20,20,100,0\n",
        &["--format", "table"],
    );
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    let first_cells = |table: &str| -> Vec<String> {
        table
            .lines()
            .filter(|l| l.starts_with('│'))
            .map(|l| l.trim_start_matches('│').split('┆').next().unwrap().trim().to_string())
            .collect()
    };
    let (kinds, decisions) = text.split_once("Decisions\n").unwrap();
    assert_eq!(
        first_cells(kinds),
        ["kind", "(none)", "`(none)`", "`(rejected)`", "`all`", "late", "all"],
        "{text}"
    );
    assert_eq!(
        first_cells(decisions),
        ["gesture", "credit", "(escalated)", "(rejected)"],
        "{text}"
    );
    let header = decisions.lines().nth(1).unwrap();
    let header: Vec<&str> = header.trim_matches('│').split('┆').map(str::trim).collect();
    assert_eq!(
        header,
        ["gesture", "all", "(none)", "`(none)`", "`(rejected)`", "`all`", "late"]
    );
}

/// A deterministic data set with many customers having several incidents
/// (so caps and ordering matter), some bad rows, and a ledger.
fn generated(dir: &Path) {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut history = String::from("customer_id,date,amount\n");
    for c in 0..300 {
        for _ in 0..next(12) {
            let amount = next(20_000) as f64 / 100.0 - if next(20) == 0 { 250.0 } else { 0.0 };
            history.push_str(&format!(
                "C{c},2025-{:02}-{:02},{amount:.2}\n",
                1 + next(12),
                1 + next(28)
            ));
        }
    }
    let mut ledger = String::from("customer_id,date,gesture,cost\n");
    for _ in 0..60 {
        ledger.push_str(&format!(
            "C{},2026-{:02}-10,credit,{}.00\n",
            next(300),
            1 + next(10),
            5 + next(40)
        ));
    }
    let kinds = ["late", "coupon", "late", "nope"];
    let mut incidents = String::from("case_id,customer_id,kind,date,loss,order_value,coupon_pct\n");
    for k in 0..4000 {
        let day = if next(200) == 0 { 30 } else { 1 + next(28) };
        incidents.push_str(&format!(
            "K{k},C{},{},2026-{:02}-{day:02},{},{},{}\n",
            next(400),
            kinds[next(4) as usize],
            1 + next(12),
            next(600),
            next(300),
            next(30)
        ));
    }
    std::fs::write(dir.join("history.csv"), history).unwrap();
    std::fs::write(dir.join("ledger.csv"), ledger).unwrap();
    std::fs::write(dir.join("incidents.csv"), incidents).unwrap();
}

#[test]
fn the_same_bytes_for_any_thread_count_and_run() {
    let dir = tempfile::tempdir().unwrap();
    generated(dir.path());
    let run = |threads: &str, format: &str| {
        let out = goodwill()
            .env("RAYON_NUM_THREADS", threads)
            .args(["batch", "incidents.csv", "--policy"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(POLICY))
            .args(["--history", "history.csv", "--ledger", "ledger.csv", "--format", format])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    for format in ["csv", "jsonl"] {
        let one = run("1", format);
        assert_eq!(one, run("2", format), "{format}: 1 thread vs 2");
        assert_eq!(one, run("2", format), "{format}: two runs");
        assert_eq!(one, run("3", format), "{format}: 1 thread vs 3");
    }
    let rows = rows(&run("2", "csv"));
    assert_eq!(rows.len(), 4000);
    // The caps did bite somewhere: some late case fell back to the apology.
    assert!(rows.iter().any(|r| r["kind"] == "late" && r["gesture"] == "apology"));
    assert!(rows.iter().any(|r| r["decision"] == "error"));
}

#[test]
fn a_reader_that_stops_early_still_leaves_exit_3_and_the_rejected_rows_reported() {
    // `goodwill batch ... | head`: the pipe closes before the rows are out.
    // The batch itself finished, so its rejected rows are still echoed on
    // standard error and the status still says to read them.
    let (code, stderr) = with_reader_gone(&[
        "batch",
        "tests/data/batch/incidents.csv",
        "--policy",
        POLICY,
        "--history",
        HISTORY,
    ]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("line 4: column `date`"), "{stderr}");
    assert!(
        stderr.ends_with("5 of 8 rows rejected\n"),
        "a closed pipe is no error: {stderr}"
    );
}

/// A bad value of thousands of characters is quoted in full in the output's
/// `error` column, and cut short on standard error, where 20 of them would
/// swamp a cron mail.
#[test]
fn a_long_rejected_value_is_cut_short_on_standard_error_only() {
    let dir = tempfile::tempdir().unwrap();
    let incidents = dir.path().join("long.csv");
    let long = "x".repeat(2000);
    let run = |rows: String| {
        std::fs::write(
            &incidents,
            format!("case_id,customer_id,kind,date,loss,order_value\n{rows}"),
        )
        .unwrap();
        goodwill()
            .args(["batch", "--policy", POLICY, "--history", HISTORY, "--ledger", LEDGER])
            .arg(&incidents)
            .output()
            .unwrap()
    };
    let out = run(format!("K1,C1,late,{long},5,20\n"));
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let first = stderr.lines().next().unwrap();
    assert!(first.chars().count() < 600, "{first}");
    assert!(first.ends_with("... (1,553 more characters)"), "{first}");
    let rows = rows(&out.stdout);
    assert_eq!(
        rows[0]["error"],
        format!("line 2: column `date`: `{long}` is not a date (expected YYYY-MM-DD)")
    );
    // So is a repeated case id of that length, in its warning.
    let out = run(format!(
        "{long},C1,late,2026-01-01,5,20\n{long},C1,late,2026-01-02,5,20\n"
    ));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let warning = stderr.lines().next().unwrap();
    assert!(
        warning.starts_with("warning: ") && warning.chars().count() < 600,
        "{warning}"
    );
    assert!(
        warning.contains("... (1,500 more characters)` is on lines 2 and 3"),
        "{warning}"
    );
}

/// Refunds of overcharges earlier in the batch are not goodwill: a later
/// late delivery of the same customer is answered as if they were not there,
/// and a fourth refund is not stopped by the three before it.
#[test]
fn owed_refunds_in_a_batch_do_not_count_toward_the_caps() {
    let dir = tempfile::tempdir().unwrap();
    let incidents = dir.path().join("owed.csv");
    let head = "case_id,customer_id,kind,date,loss,order_value\n";
    let late = "L1,C0003150,late_delivery,2026-11-20,16.80,84.00\n";
    let refunds: String = (1..=4)
        .map(|i| format!("R{i},C0003150,billing_error,2026-0{i}-10,20,80\n"))
        .collect();
    let run = |lines: &str| {
        std::fs::write(&incidents, format!("{head}{lines}")).unwrap();
        let out = goodwill()
            .args(["batch", "--history", "examples/history.csv"])
            .arg(&incidents)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        rows(&out.stdout)
    };
    let alone = run(late);
    let after = run(&format!("{refunds}{late}"));
    for r in &after[..4] {
        assert_eq!(
            (r["gesture"].as_str(), r["cost"].as_str()),
            ("refund_loss", "0.00"),
            "{r:?}"
        );
    }
    assert_eq!(after[4]["gesture"], alone[0]["gesture"]);
    assert_eq!(after[4]["cost"], alone[0]["cost"]);
    assert_eq!(alone[0]["gesture"], "credit_loss");
}

/// An exported file with `Date` and `Loss` for `date` and `loss`: read as
/// unknown columns, every row would be dated today with a loss of 0, and
/// answered wrongly with exit 0. It is refused, and the output left alone;
/// a near miss of a declared attribute among other columns is warned of.
#[test]
fn a_column_misnamed_for_a_field_is_refused_and_a_near_miss_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    std::fs::write(&out, "old").unwrap();
    for (header, column, field) in [
        ("case_id,customer_id,kind,Date,loss,order_value", "Date", "date"),
        ("case_id,customer_id,kind,date,LOSS,order_value", "LOSS", "loss"),
        (
            "case_id,customer_id,kind,date,loss,Order Value",
            "Order Value",
            "order_value",
        ),
        (
            "case_id,customer_id,kind,date,loss,order_value,Coupon_Pct",
            "Coupon_Pct",
            "coupon_pct",
        ),
    ] {
        let incidents = dir.path().join("incidents.csv");
        std::fs::write(
            &incidents,
            format!(
                "{header}\nK1,C1,late,2026-11-20,20,100{}\n",
                ",0".repeat(header.matches(',').count() - 5)
            ),
        )
        .unwrap();
        let run = batch(incidents.to_str().unwrap(), &["-o", out.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(1), "{header}");
        assert_eq!(
            String::from_utf8_lossy(&run.stderr),
            format!(
                "error: `{}`: column `{column}` is not one the policy reads: did you mean `{field}`? \
                 Rename the column, or every row is answered as if it had no {field}\n",
                incidents.display()
            )
        );
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
    }

    // An incidents file (`name`, holding `text`) answered with a warning
    // that `column` is ignored, nearest to `field`: the file and the run.
    let ignored = |name: &str, text: &str, column: &str, field: &str| {
        let incidents = dir.path().join(name);
        std::fs::write(&incidents, text).unwrap();
        let run = batch(incidents.to_str().unwrap(), &[]);
        assert_eq!(run.status.code(), Some(0));
        assert_eq!(
            String::from_utf8_lossy(&run.stderr),
            format!(
                "warning: `{}`: column `{column}` is not one the policy reads, so it is ignored (did you mean `{field}`?)\n",
                incidents.display()
            )
        );
        (incidents, run)
    };
    // `Channel` for a channel no expression reads changes no answer: warned of, not refused.
    let (incidents, _) = ignored(
        "channel.csv",
        "case_id,customer_id,kind,date,loss,Channel\nK1,C1,late,2026-11-20,20,chat\n",
        "Channel",
        "channel",
    );
    // With a policy whose rule reads it, it is refused.
    let policy = dir.path().join("channel.toml");
    let text = std::fs::read_to_string(POLICY).unwrap();
    std::fs::write(
        &policy,
        text.replace(
            "when = 'incident.kind == \"late\"'",
            "when = 'incident.kind == \"late\" && incident.channel != \"x\"'",
        ),
    )
    .unwrap();
    let run = goodwill()
        .args(["batch", incidents.to_str().unwrap(), "--history", HISTORY, "--policy"])
        .arg(&policy)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        String::from_utf8_lossy(&run.stderr)
            .contains("column `Channel` is not one the policy reads: did you mean `channel`?")
    );

    // A typo is not refused (`lost` may be a column of its own), but warned of.
    let (_, run) = ignored(
        "typo.csv",
        "case_id,customer_id,kind,date,loss,coupn_pct,note\nK1,C1,late,2026-11-20,20,5,x\n",
        "coupn_pct",
        "coupon_pct",
    );
    assert_eq!(rows(&run.stdout).len(), 1);

    // `policy diff` reads the incidents as `batch` does.
    let incidents = dir.path().join("diff.csv");
    std::fs::write(
        &incidents,
        "case_id,customer_id,kind,Date,loss\nK1,C1,late,2026-11-20,20\n",
    )
    .unwrap();
    let run = goodwill()
        .args(["policy", "diff", POLICY, POLICY, "--history", HISTORY, "--incidents"])
        .arg(&incidents)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("column `Date` is not one the policy reads"));
}

/// A bad row in the history, customers or ledger file is its customer's
/// alone: each of that customer's incidents is rejected with the row's
/// file, line and reason, the other customers are answered as they would
/// be without it, and a bad row of a customer the incidents do not name
/// changes nothing.
#[test]
fn a_bad_history_customers_or_ledger_row_rejects_only_its_customers_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let history = std::fs::read_to_string(HISTORY).unwrap() + "C3,2026-01-01,abc,O9\nC7,bad,bad,bad\n";
    std::fs::write(path("h.csv"), history).unwrap();
    std::fs::write(path("c.csv"), "customer_id,tier\nC4,gold\nC8,x,y\nC4,silver\n").unwrap();
    std::fs::write(path("good.csv"), "customer_id,tier\nC4,gold\n").unwrap();
    let ledger = "customer_id,date,gesture,cost\nC6,2026-10-01,credit,y\nC5,2026-10-01,credit,x\n";
    std::fs::write(path("l.csv"), ledger).unwrap();
    std::fs::write(
        path("i.csv"),
        "case_id,customer_id,kind,date,loss,order_value,coupon_pct\n\
         K1,C1,late,2026-11-20,20,100,0\n\
         K2,C3,coupon,2026-11-20,12,60,20\n\
         K3,C4,late,2026-11-21,600,40,0\n\
         K4,C3,late,2026-11-22,20,100,0\n\
         K5,C5,late,2026-11-22,20,100,0\n",
    )
    .unwrap();
    let run = |history: &str, customers: &str, more: &[&str]| {
        goodwill()
            .args(["batch", &path("i.csv"), "--policy", POLICY])
            .args(["--history", history, "--customers", customers])
            .args(more)
            .output()
            .unwrap()
    };
    let out = run(&path("h.csv"), &path("c.csv"), &["--ledger", &path("l.csv")]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let got = rows(&out.stdout);
    let history_row = format!("`{}`: line 11: column `amount`: `abc` is not a number", path("h.csv"));
    let customers_row = format!(
        "`{}`: line 4: customer `C4` appears twice (first on line 2)",
        path("c.csv")
    );
    let ledger_row = format!("`{}`: line 3: column `cost`: `x` is not a number", path("l.csv"));
    let errors: Vec<&str> = got.iter().map(|r| r["error"].as_str()).collect();
    assert_eq!(
        errors,
        [
            String::new(),
            format!("line 3: {history_row}"),
            format!("line 4: {customers_row}"),
            format!("line 5: {history_row}"),
            format!("line 6: {ledger_row}"),
        ]
    );
    assert_eq!(
        seen(&got),
        ["K1 2 gesture", "K2 3 error", "K3 4 error", "K4 5 error", "K5 6 error"]
    );
    // K1 is C1's, answered as with files that have no bad row (54.68: see
    // the first test).
    let clean = rows(&run(HISTORY, &path("good.csv"), &[]).stdout);
    assert_eq!(got[0], clean[0]);
    assert_eq!(got[0]["impact"], "54.68");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let i = path("i.csv");
    assert_eq!(
        stderr,
        format!(
            "error: `{i}`: line 3: {history_row}\nerror: `{i}`: line 4: {customers_row}\n\
             error: `{i}`: line 5: {history_row}\nerror: `{i}`: line 6: {ledger_row}\n\
             error: `{i}`: 4 of 5 rows rejected\n"
        )
    );
}

/// A NUL in a customer id made another customer, answered with no history
/// and exit 0; in a fatal error's quote it reached the terminal as it was.
#[test]
fn control_characters_in_ids_reject_the_row_and_are_escaped_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let incidents = dir.path().join("incidents.csv");
    std::fs::write(
        &incidents,
        "case_id,customer_id,kind,date,loss\nK1,C1\0,late,2026-11-20,20\nK2,C1,late,2026-11-20,20\n",
    )
    .unwrap();
    let run = batch(incidents.to_str().unwrap(), &[]);
    assert_eq!(run.status.code(), Some(3));
    let out = rows(&run.stdout);
    assert_eq!(
        out[0]["error"],
        "line 2: column `customer_id` holds a control character, U+0000"
    );
    assert_eq!(
        (out[1]["decision"].as_str(), out[1]["gesture"].as_str()),
        ("gesture", "credit")
    );

    let history = dir.path().join("history.csv");
    std::fs::write(&history, "customer_id,date,amount\nC1,2025-12-20,1\x0000\n").unwrap();
    let run = goodwill()
        .args(["batch", incidents.to_str().unwrap(), "--policy", POLICY, "--history"])
        .arg(&history)
        .output()
        .unwrap();
    // C1's history row rejects C1's rows; the message is escaped in the
    // output and on standard error.
    assert_eq!(run.status.code(), Some(3));
    let reason = format!(
        "`{}`: line 2: column `amount`: `1\\u{{0}}00` is not a number",
        history.display()
    );
    assert_eq!(rows(&run.stdout)[1]["error"], format!("line 3: {reason}"));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains(&format!("\nerror: `{}`: line 3: {reason}\n", incidents.display())),
        "{stderr}"
    );
    // A newline in a quoted value keeps the message on one line.
    std::fs::write(&history, "customer_id,date,amount\nC1,2025-12-20,\"1\n\x1b[31m00\"\n").unwrap();
    let run = goodwill()
        .args(["batch", incidents.to_str().unwrap(), "--policy", POLICY, "--history"])
        .arg(&history)
        .output()
        .unwrap();
    let stderr = String::from_utf8(run.stderr).unwrap();
    let reason = format!(
        "`{}`: line 2: column `amount`: `1\\n\\u{{1b}}[31m00` is not a number",
        history.display()
    );
    assert!(
        stderr.contains(&format!("\nerror: `{}`: line 3: {reason}\n", incidents.display())),
        "{stderr}"
    );
}

/// A column the policy reads, left out of the file (an export without
/// `order_value`, `coupon_percent` for `coupon_pct`), reads as 0 in every
/// row, exit 0: warned of once, when a case of the file's kinds may read it.
#[test]
fn a_column_the_policy_reads_missing_from_the_file_is_warned_of() {
    // The warnings, each from the file's name on.
    let warned = |csv: &str| -> Vec<String> {
        let out = batch_of(csv, &[]);
        (String::from_utf8(out.stderr).unwrap().lines())
            .filter(|l| l.starts_with("warning: "))
            .map(|l| l.split_once("` has no column ").map_or(l, |(_, w)| w).to_string())
            .collect()
    };
    // A coupon case reads the coupon's percent; C2 has no order in the
    // history, so the future-value model reads the order value.
    assert_eq!(
        warned("case_id,customer_id,kind,date,loss\nK1,C2,coupon,2026-03-01,20\n"),
        [
            "`order_value`, which the future-value model (kind `coupon`) reads: it is read as 0 for every incident",
            "`coupon_pct`, which rule `coupon` (kind `coupon`) reads: it is read as 0 for every incident",
        ]
    );
    // Late deliveries never read the coupon's percent, and C1 has orders:
    // nothing to warn of, nor for a rejected row's kind.
    assert_eq!(
        warned("case_id,customer_id,kind,date,loss\nK1,C1,late,2026-03-01,20\nK2,C2,coupon,2026-02-30,20\n"),
        [""; 0]
    );
    // No loss: a gesture's value over a loss of 0 recovers in full; no date: dated today.
    assert_eq!(
        warned("case_id,customer_id,kind\nK1,C1,late\n"),
        [
            "`date`: every incident is dated today",
            "`loss`, which every gesture's recovery reads (its value over the loss): it is read as 0 for every \
             incident, so every gesture of value is weighed as if it made up the whole loss",
        ]
    );
}

/// A customer attribute the policy reads, with no column in the customers
/// file (a renamed export column) or no customers file at all, reads as 0
/// for every customer: a lifetime upgrade priced at $0, or not eligible.
#[test]
fn a_customer_attribute_without_its_column_is_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    std::fs::write(
        path("inc.csv"),
        "case_id,customer_id,kind,date,loss,order_value,remaining_payments\n\
         K1,C0002002,payment_failed,2026-11-20,69.93,9.99,7\n",
    )
    .unwrap();
    let customers = std::fs::read_to_string("examples/customers.csv").unwrap();
    let renamed = customers.replacen("plan_price", "price", 1);
    std::fs::write(path("c.csv"), renamed).unwrap();
    let run = |extra: &[&str]| {
        let out = goodwill()
            .args(["batch", &path("inc.csv"), "--history", "examples/history.csv"])
            .args(["--ledger", "examples/ledger.csv"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stderr).unwrap()
    };
    assert_eq!(
        run(&["--customers", &path("c.csv")]),
        format!(
            "warning: `{}` has no column `plan_price`, which gesture `lifetime_upgrade` \
             (kind `payment_failed`) reads: it is read as 0 for every customer\n",
            path("c.csv")
        )
    );
    assert_eq!(
        run(&[]),
        "warning: no customers file (--customers) for `customer.plan`, which gesture `lifetime_upgrade` \
         (kind `payment_failed`) reads: it is read as \"\" for every customer\n\
         warning: no customers file (--customers) for `customer.plan_price`, which gesture `lifetime_upgrade` \
         (kind `payment_failed`) reads: it is read as 0 for every customer\n"
    );
    assert_eq!(run(&["--customers", "examples/customers.csv"]), "");
}

/// A kind misspelt in a condition is a warning of `policy check`, exit 0,
/// and a batch then answers that kind with the apology: the batch says
/// how many warnings its policy has, and where to read them.
#[test]
fn a_policy_with_warnings_is_warned_of_before_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.toml");
    let text = std::fs::read_to_string(POLICY).unwrap();
    std::fs::write(
        &policy,
        format!("{text}\n[[rule]]\nid = \"typo\"\nwhen = 'incident.kind == \"lates\"'\noffer = [\"credit\"]\n"),
    )
    .unwrap();
    let out = goodwill()
        .args([
            "batch",
            "tests/data/batch/caps.csv",
            "--history",
            HISTORY,
            "--ledger",
            LEDGER,
            "--policy",
        ])
        .arg(&policy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "warning: policy `{0}` has 1 warning: `goodwill policy check {0}` shows it\n",
            policy.display()
        )
    );
    // The shipped policy and the tests' own have none.
    assert_eq!(batch("tests/data/batch/caps.csv", &[]).stderr, b"");
}

/// A batch of `incidents` under the shipped policy, with the examples'
/// history, customers and ledger.
fn with_examples(incidents: &std::path::Path) -> std::process::Output {
    goodwill()
        .arg("batch")
        .arg(incidents)
        .args([
            "--history",
            "examples/history.csv",
            "--customers",
            "examples/customers.csv",
        ])
        .args(["--ledger", "examples/ledger.csv"])
        .output()
        .unwrap()
}

/// A field gestures read is named by each of them, with a kind it is read
/// for, not by the simple model's basket of the kind that sorts first:
/// without `order_value`, the coupons' `honor_coupon` loses its answers,
/// which the basket of a billing error's new customer does not say.
#[test]
fn a_missing_column_is_named_by_a_gesture_before_the_future_value_model() {
    let dir = tempfile::tempdir().unwrap();
    let incidents = dir.path().join("inc.csv");
    std::fs::write(
        &incidents,
        "case_id,customer_id,kind,date,loss,coupon_pct\n\
         K1,NEW1,billing_error,2026-11-20,12,0\n\
         K2,C0004711,expired_coupon,2026-11-20,12,20\n\
         K3,C0004711,defective_item,2026-11-20,30,0\n\
         K4,C0004711,late_delivery,2026-11-20,10,0\n",
    )
    .unwrap();
    let out = with_examples(&incidents);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "warning: `{}` has no column `order_value`, which gesture `replacement` (kind `defective_item`), \
             gesture `partial_refund` (kind `defective_item`), gesture `honor_coupon` (kind `expired_coupon`) and \
             1 more read: it is read as 0 for every incident\n",
            incidents.display()
        )
    );
}

/// Two gestures of one kind that read a missing field are both named: a
/// file of defective items without `order_value` loses the replacement and
/// the partial refund alike.
#[test]
fn every_reader_of_a_missing_column_is_named_within_a_kind() {
    let dir = tempfile::tempdir().unwrap();
    let incidents = dir.path().join("inc.csv");
    std::fs::write(
        &incidents,
        "case_id,customer_id,kind,date,loss\nK1,C0004711,defective_item,2026-11-20,30\n",
    )
    .unwrap();
    let out = with_examples(&incidents);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("gesture `replacement` (kind `defective_item`)")
            && stderr.contains("gesture `partial_refund` (kind `defective_item`)"),
        "{stderr}"
    );
}
