//! `goodwill policy diff` through the real binary, on a case set where the
//! changes are known by hand.
//!
//! tests/data/diff/old.toml escalates losses above 100; new.toml above 50,
//! nothing else differs. Of the seven incidents of bad-rows.csv:
//! - K1 (late, loss 20) and K4 (billing, loss 30) stay below both thresholds:
//!   `credit_10` ($10) and `refund` ($30) under both;
//! - K2 (late, loss 80) goes from `credit_10` ($10) to escalate;
//! - K3 (billing, loss 60) goes from `refund` ($60) to escalate;
//! - K5 (loss 150) is escalated by both;
//! - K6 (line 7, a bad date) is rejected when read, K7 (line 8, a kind the
//!   policies do not accept) by both policies.
//!
//! So 2 of 7 changed and 2 rejected, cost $110 -> $40 (-$70); per kind,
//! late_delivery $20 -> $10 and billing_error $90 -> $30. incidents.csv is
//! K1-K5 alone: the same changes and no rejected row.

mod common;

use common::{goodwill, with_reader_gone};
use serde_json::Value;

const ARGS: [&str; 7] = [
    "policy",
    "diff",
    "tests/data/diff/old.toml",
    "tests/data/diff/new.toml",
    "--incidents",
    "tests/data/diff/bad-rows.csv",
    "--history=tests/data/diff/history.csv",
];

/// The same change over the five good rows alone.
const CLEAN: [&str; 7] = [
    "policy",
    "diff",
    "tests/data/diff/old.toml",
    "tests/data/diff/new.toml",
    "--incidents",
    "tests/data/diff/incidents.csv",
    "--history=tests/data/diff/history.csv",
];

fn json() -> Value {
    let out = goodwill().args(ARGS).args(["--format", "json"]).output().unwrap();
    // K6 and K7 were rejected: the report is out, and the status says to read it.
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn counts_transitions_and_cost_match_the_hand_count() {
    let j = json();
    let all = &j["all"];
    assert_eq!((all["cases"].as_u64(), all["changed"].as_u64()), (Some(7), Some(2)));
    assert_eq!(
        j["rejected"],
        serde_json::json!({"rows": 2, "when_read": 1, "by_both": 1, "by_old_only": 0, "by_new_only": 0})
    );
    assert_eq!(all["old"]["cost_cents"], 11000);
    assert_eq!(all["new"]["cost_cents"], 4000);
    let t: Vec<(String, String, u64)> = j["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["from"].as_str().unwrap().into(),
                t["to"].as_str().unwrap().into(),
                t["cases"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        t,
        vec![
            ("credit_10".to_string(), "escalate".to_string(), 1),
            ("refund".to_string(), "escalate".to_string(), 1)
        ]
    );
    let kind = |k: &str| -> Value { j["kinds"].as_array().unwrap().iter().find(|x| x[0] == k).unwrap()[1].clone() };
    let late = kind("late_delivery");
    assert_eq!((late["cases"].as_u64(), late["changed"].as_u64()), (Some(3), Some(1)));
    assert_eq!(
        (late["old"]["cost_cents"].as_i64(), late["new"]["cost_cents"].as_i64()),
        (Some(2000), Some(1000))
    );
    let billing = kind("billing_error");
    assert_eq!(
        (billing["cases"].as_u64(), billing["changed"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        (
            billing["old"]["cost_cents"].as_i64(),
            billing["new"]["cost_cents"].as_i64()
        ),
        (Some(9000), Some(3000))
    );
    assert_eq!(kind("teleport_failed")["changed"], 0);
    let policy = j["policy"].as_array().unwrap();
    assert_eq!(policy.len(), 1, "{policy:?}");
    assert_eq!(policy[0]["section"], "rule `big`");
    assert_eq!(policy[0]["key"], "when");
    assert_eq!(policy[0]["old"], "\"incident.loss > 100.0\"");
    assert_eq!(policy[0]["new"], "\"incident.loss > 50.0\"");
}

#[test]
fn the_impact_lost_is_the_old_impact_of_the_changed_cases() {
    // Escalated cases have no impact, so the new total is the old one minus
    // the two changed cases' impacts, which the CSV of changed cases lists.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("changed.csv");
    let out = goodwill()
        .args(ARGS)
        .arg("-o")
        .arg(&csv)
        .args(["--format", "json"])
        .output()
        .unwrap();
    // Rejected rows exit 3, after the file of changed cases is written.
    assert_eq!(out.status.code(), Some(3));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "line,case_id,customer_id,kind,old_decision,old_gesture,old_cost,old_impact,old_rule,old_error,new_decision,new_gesture,new_cost,new_impact,new_rule,new_error,change"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        &rows[0][..6],
        ["3", "K2", "C1", "late_delivery", "gesture", "credit_10"]
    );
    assert_eq!(&rows[0][10..12], ["escalate", ""]);
    assert_eq!(&rows[1][..6], ["4", "K3", "C2", "billing_error", "gesture", "refund"]);
    let lost: i64 = rows
        .iter()
        .map(|r| goodwill::money::cents(r[7].parse::<f64>().unwrap()))
        .sum();
    let all = &j["all"];
    assert_eq!(
        all["old"]["impact_cents"].as_i64().unwrap() - lost,
        all["new"]["impact_cents"].as_i64().unwrap()
    );
    // K3 by hand: the refund ($60 for a $60 loss) fully recovers, churn
    // 0.54 -> 0.05, a customer with four $200 orders, the first 719 days
    // before: FV = 0.3 * 200 * (4 / (719 / 365)) * A, A = sum over m = 1..36
    // of (1/12) / 1.1^(m/12) = 2.59887; FV = 316.636; impact = 0.49 * FV - 60 = 95.15.
    assert_eq!(goodwill::money::cents(rows[1][7].parse::<f64>().unwrap()), 9515);
}

#[test]
fn text_shows_transitions_totals_and_policy_changes() {
    let out = goodwill().args(ARGS).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "Backtest over 7 incidents of `tests/data/diff/bad-rows.csv`: 2 changed (28.57%)\n\
             Rejected 2 of 7 rows: 1 when read, 1 by both policies\n"
        ),
        "{text}"
    );
    assert!(text.contains("  credit_10 -> escalate          1\n"), "{text}");
    assert!(text.contains("  cost     $110.00    $40.00   -$70.00\n"), "{text}");
    assert!(
        text.contains("  rule `big` when: \"incident.loss > 100.0\" -> \"incident.loss > 50.0\"\n"),
        "{text}"
    );
    insta::assert_snapshot!("diff_text", text);
}

#[test]
fn exit_code_says_whether_anything_changed() {
    goodwill().args(CLEAN).assert().code(0);
    // 3, "finished, read the report", not 1, which is a fatal error that writes nothing.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("changed.csv");
    let out = goodwill()
        .args(CLEAN)
        .arg("--exit-code")
        .arg("-o")
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains(": 2 changed (40.00%)\n")
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 3);
    let same = [
        "policy",
        "diff",
        "tests/data/diff/old.toml",
        "tests/data/diff/old.toml",
        "--incidents",
        "tests/data/diff/incidents.csv",
        "--history=tests/data/diff/history.csv",
        "--exit-code",
    ];
    let out = goodwill().args(same).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("0 changed (0.00%)"), "{text}");
    assert!(!text.contains("Rejected"), "{text}");
    assert!(text.contains("(no case changed)"), "{text}");
    assert!(text.contains("Policy changes\n  (none)\n"), "{text}");
}

#[test]
fn an_expression_written_another_way_is_no_policy_change() {
    // `10.0` and `"10.00"`, `'x'` and `"x"`, `(a > 100)` and `a > 100.0` were listed
    // as policy changes, and `--exit-code` exited 3.
    let out = goodwill()
        .args([
            "policy",
            "diff",
            "tests/data/diff/old.toml",
            "tests/data/diff/reworded.toml",
        ])
        .args([
            "--incidents",
            "tests/data/diff/incidents.csv",
            "--history=tests/data/diff/history.csv",
        ])
        .args(["--exit-code", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["policy"], serde_json::json!([]));
}

#[test]
fn with_the_changed_cases_on_standard_output_the_report_goes_to_standard_error() {
    let to_file = goodwill().args(CLEAN).output().unwrap();
    let out = goodwill().args(CLEAN).args(["-o", "-"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let csv = String::from_utf8(out.stdout).unwrap();
    // The CSV alone, as a script reading it expects: a header and K2, K3.
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("line,case_id,"), "{csv}");
    assert!(csv.lines().all(|l| l.split(',').count() == 17), "{csv}");
    // The report, word for word what it is without `-o -`.
    assert_eq!(out.stderr, to_file.stdout);
}

#[test]
fn a_case_id_on_two_lines_is_warned_of_as_batch_does() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("twice.csv");
    let text = std::fs::read_to_string("tests/data/diff/incidents.csv").unwrap();
    let k1 = text.lines().nth(1).unwrap();
    std::fs::write(&file, format!("{text}{k1}\n")).unwrap();
    let mut args = CLEAN;
    args[5] = file.to_str().unwrap();
    let out = goodwill().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!(
            "warning: `{}`: case id `K1` is on lines 2 and 7\n",
            file.display()
        )),
        "{stderr}"
    );
    // Answered twice: six cases now.
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("Backtest over 6 incidents")
    );
}

#[test]
fn an_invalid_new_policy_stops_before_reading_anything() {
    let out = goodwill()
        .args([
            "policy",
            "diff",
            "tests/data/diff/old.toml",
            "tests/data/check/five-errors.toml",
        ])
        .args(["--incidents", "tests/data/diff/incidents.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("invalid policy `tests/data/check/five-errors.toml`: 5 errors"),
        "{stderr}"
    );
}

#[test]
fn two_invalid_policies_are_both_reported_and_under_json_on_standard_output() {
    // Only OLD's errors were reported, and with `--format json` standard output was empty.
    let (old, new) = (
        "tests/data/check/five-errors.toml",
        "tests/data/check/reserved-ids.toml",
    );
    let run = |format: &str| {
        goodwill()
            .args([
                "policy",
                "diff",
                old,
                new,
                "--incidents",
                "tests/data/diff/incidents.csv",
            ])
            .args(["--format", format])
            .output()
            .unwrap()
    };
    let out = run("text");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        (out.status.code(), out.stdout.as_slice()),
        (Some(2), &b""[..]),
        "{stderr}"
    );
    let headers: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(
        headers,
        [
            format!("error: invalid policy `{old}`: 5 errors, 0 warnings"),
            format!("error: invalid policy `{new}`: 3 errors, 0 warnings"),
        ]
    );
    let out = run("json");
    assert_eq!((out.status.code(), out.stderr.as_slice()), (Some(2), &b""[..]));
    let reports: Vec<Value> = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let got: Vec<(&str, u64)> = (reports.iter())
        .map(|r| (r["file"].as_str().unwrap(), r["errors"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, [(old, 5), (new, 3)]);
    assert_eq!(reports[1]["diagnostics"][0]["code"], "reserved-id");
}

#[test]
fn rows_rejected_when_read_are_reported_as_batch_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let incidents = dir.path().join("inc.csv");
    std::fs::write(
        &incidents,
        "case_id,customer_id,kind,date,loss\nK1,C1,late_delivery,2026-11-20,10\n\
         K2,C1,late_delivery,2026-13-01,10\nK3,C2,late_delivery,2026-11-20,abc\n",
    )
    .unwrap();
    let p = "policies/default.toml";
    let out = goodwill()
        .args(["policy", "diff", p, p, "--incidents"])
        .arg(&incidents)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(": 0 changed (0.00%)\nRejected 2 of 3 rows: 2 when read\n"),
        "{text}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("line 3: column `date`: `2026-13-01` is not a date"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 4: column `loss`: `abc` is not a number"),
        "{stderr}"
    );
    // The same lines, word for word, as `goodwill batch` over the same file.
    let batch = goodwill()
        .args(["batch", "--policy", p])
        .arg(&incidents)
        .output()
        .unwrap();
    assert_eq!(batch.status.code(), Some(3));
    assert_eq!(stderr, String::from_utf8(batch.stderr).unwrap());

    let out = goodwill()
        .args(["policy", "diff", p, p, "--format", "json", "--incidents"])
        .arg(&incidents)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["rejected"]["rows"], 2);
    assert_eq!(j["rejected"]["when_read"], 2);
}

#[test]
fn a_kind_the_new_policy_drops_is_a_change_not_a_rejection() {
    // The new policy no longer lists billing_error: K3 and K4 go from
    // `refund` to an error under it alone. The author dropped the kind on
    // purpose, so the rows are changes, not rejected rows: no echo on
    // standard error, and exit 3 only for K6 and K7, which both policies
    // reject.
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("late-only.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/diff/new.toml")).unwrap();
    std::fs::write(
        &new,
        text.replace(
            "kinds = [\"late_delivery\", \"billing_error\"]",
            "kinds = [\"late_delivery\"]",
        ),
    )
    .unwrap();
    let run = |incidents: &str| {
        goodwill()
            .args(["policy", "diff", "tests/data/diff/old.toml"])
            .arg(&new)
            .args(["--incidents", incidents])
            .args(["--history", "tests/data/diff/history.csv"])
            .output()
            .unwrap()
    };
    let out = run("tests/data/diff/bad-rows.csv");
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            ": 3 changed (42.86%)\nRejected 2 of 7 rows: 1 when read, 1 by both policies\n\
             Kind listed by one policy only: billing_error (2 rows answered by the old policy only)\n"
        ),
        "{text}"
    );
    assert!(text.contains("  refund    -> error             2\n"), "{text}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("line 4:"), "{stderr}");
    assert!(stderr.contains("line 8: kind `teleport_failed`"), "{stderr}");
    assert!(
        stderr.ends_with("error: `tests/data/diff/bad-rows.csv`: 2 of 7 rows rejected\n"),
        "{stderr}"
    );

    // Over the good rows alone nothing is rejected: exit 0, nothing on standard error.
    let csv = dir.path().join("changed.csv");
    let out = goodwill()
        .args(["policy", "diff", "tests/data/diff/old.toml"])
        .arg(&new)
        .args(["--incidents", "tests/data/diff/incidents.csv"])
        .args(["--history", "tests/data/diff/history.csv", "-o"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // The rows the new policy does not take: its figures empty, its reason given.
    let changed = std::fs::read_to_string(&csv).unwrap();
    assert!(
        changed.contains(
            "\n4,K3,C2,billing_error,gesture,refund,60.00,95.15,billing,,error,,,,,\
             kind `billing_error` is not one of the policy's kinds,answer\n"
        ),
        "{changed}"
    );
    let out = run("tests/data/diff/incidents.csv");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // The rule left comparing the kind with `billing_error` is `policy check`'s warning.
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "warning: policy `{0}` has 1 warning: `goodwill policy check {0}` shows it\n",
            new.display()
        )
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  [policy] kinds: late_delivery, billing_error -> late_delivery\n"),
        "{text}"
    );
}

#[test]
fn many_rejected_rows_are_counted_after_the_first_twenty() {
    let dir = tempfile::tempdir().unwrap();
    let incidents = dir.path().join("inc.csv");
    let mut csv = String::from("case_id,customer_id,kind,date\n");
    for i in 0..25 {
        csv.push_str(&format!("K{i},C1,late_delivery,not-a-date\n"));
    }
    std::fs::write(&incidents, csv).unwrap();
    let p = "policies/default.toml";
    let out = goodwill()
        .args(["policy", "diff", p, p, "--incidents"])
        .arg(&incidents)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error: ")).count(),
        21,
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            ": 25 of 25 rows rejected (the first 20 shown above; `goodwill batch` with each policy lists every one in its `error` column)\n"
        ),
        "{stderr}"
    );
}

#[test]
fn standard_input_feeds_one_input_only() {
    let out = goodwill()
        .args(["policy", "diff", "tests/data/diff/old.toml", "-", "--incidents", "-"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `NEW` and `--incidents` both read standard input (`-`): it can feed only one of them\n"
    );
}

#[test]
fn limits_and_the_curve_are_shown_as_the_policy_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("capped.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/diff/new.toml")).unwrap();
    let extra =
        "\n[limits]\nmax_cost_per_case = 25.5\nmax_cost_per_customer_12m = 0.05\n\n[recovery]\ncurve = \"concave\"\n";
    let text = text.replacen("\n[[gesture]]", &format!("{extra}\n[[gesture]]"), 1);
    std::fs::write(&new, text).unwrap();
    let out = goodwill()
        .args(["policy", "diff", "tests/data/diff/old.toml"])
        .arg(&new)
        .args([
            "--incidents",
            "tests/data/diff/incidents.csv",
            "--history=tests/data/diff/history.csv",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  [limits] max_cost_per_case: (none) -> 25.50\n"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("  [limits] max_cost_per_customer_12m: (none) -> 0.05\n"),
        "{text}"
    );
    assert!(text.contains("  [recovery] curve: linear -> concave\n"), "{text}");
}

#[test]
fn a_reader_that_stops_early_still_leaves_exit_3_and_the_rejected_rows_reported() {
    // `goodwill policy diff ... | head`: as with `batch`, the run finished.
    let (code, stderr) = with_reader_gone(&ARGS);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("line 8: kind `teleport_failed`"), "{stderr}");
    assert!(
        stderr.ends_with("2 of 7 rows rejected\n"),
        "a closed pipe is no error: {stderr}"
    );
    // The changed cases to the pipe (`-o -`), written by the csv crate: the
    // report still goes to standard error, and the exit code is kept.
    let mut to_pipe = ARGS.to_vec();
    to_pipe.extend(["-o", "-"]);
    let (code, stderr) = with_reader_gone(&to_pipe);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("Backtest over 7 incidents"), "{stderr}");
    assert!(stderr.ends_with("2 of 7 rows rejected\n"), "{stderr}");
    let mut clean = CLEAN.to_vec();
    clean.extend(["-o", "-"]);
    let (code, stderr) = with_reader_gone(&clean);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_diff_under_12_month_limits_without_a_ledger_is_warned_of() {
    // Either policy counting 12 months is enough: the new one adds the limit.
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.toml");
    let old = std::fs::read_to_string("tests/data/diff/old.toml").unwrap();
    std::fs::write(&new, format!("{old}\n[limits]\nmax_gestures_per_customer_12m = 2\n")).unwrap();
    let mut args = CLEAN;
    args[3] = new.to_str().unwrap();
    let out = goodwill().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "warning: no ledger file (--ledger): the 12-month limits count only the gestures of this run\n"
    );
    let out = goodwill()
        .args(args)
        .args(["--ledger", "tests/data/batch/ledger.csv"])
        .output()
        .unwrap();
    assert_eq!((out.status.code(), out.stderr.as_slice()), (Some(0), &b""[..]));
    // Neither policy with such a limit: nothing to warn of.
    let out = goodwill().args(CLEAN).output().unwrap();
    assert_eq!((out.status.code(), out.stderr.as_slice()), (Some(0), &b""[..]));
}

/// A gesture's new cost keeps every answer, so no case "changed": the
/// cases it re-prices are counted on the first line, listed in `-o`'s CSV,
/// and count as a change for `--exit-code`.
#[test]
fn the_same_answer_at_another_cost_is_counted_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.toml");
    let changed = dir.path().join("changed.csv");
    let old = std::fs::read_to_string("tests/data/diff/old.toml").unwrap();
    std::fs::write(&new, old.replacen("cost = 10.0", "cost = 12.0", 1)).unwrap();
    let mut args = CLEAN;
    args[3] = new.to_str().unwrap();
    let out = goodwill()
        .args(args)
        .args(["--exit-code", "-o"])
        .arg(&changed)
        .output()
        .unwrap();
    // The policy text changed too: exit 3 either way; the cases say why.
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "Backtest over 5 incidents of `tests/data/diff/incidents.csv`: 0 changed (0.00%); \
             2 more with the same answer at another cost\n"
        ),
        "{text}"
    );
    let rows = common::rows(&std::fs::read(&changed).unwrap());
    let seen: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["case_id"].as_str(),
                r["old_gesture"].as_str(),
                r["old_cost"].as_str(),
                r["new_cost"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("K1", "credit_10", "10.00", "12.00"),
            ("K2", "credit_10", "10.00", "12.00")
        ]
    );
    // Marked apart from a changed answer.
    assert!(rows.iter().all(|r| r["change"] == "cost"));
    let out = goodwill().args(args).args(["--format", "json"]).output().unwrap();
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (j["all"]["changed"].as_u64(), j["all"]["repriced"].as_u64()),
        (Some(0), Some(2))
    );
}

/// A change to the model (the margin) moves nearly every case's impact and
/// no cost: no case is counted as re-priced, and `-o` lists the changed
/// cases alone, as before.
#[test]
fn a_new_margin_reprices_no_case() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.toml");
    let old = std::fs::read_to_string("tests/data/diff/old.toml").unwrap();
    std::fs::write(&new, format!("{old}\n[model]\nmargin = 0.31\n")).unwrap();
    let mut args = CLEAN;
    args[3] = new.to_str().unwrap();
    let out = goodwill().args(args).args(["--format", "json"]).output().unwrap();
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (j["all"]["changed"].as_u64(), j["all"]["repriced"].as_u64()),
        (Some(0), Some(0))
    );
    assert_ne!(j["all"]["old"]["impact_cents"], j["all"]["new"]["impact_cents"]);
}
