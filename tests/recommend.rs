//! `goodwill recommend` through the real binary.

mod common;

use std::path::Path;

use common::goodwill;
use serde_json::Value;

fn json(kind: &str) -> Value {
    let out = goodwill()
        .args([
            "recommend",
            "--policy",
            "tests/data/hand/policy.toml",
            "--history",
            "tests/data/hand/history.csv",
        ])
        .args([
            "--customer",
            "C1",
            "--kind",
            kind,
            "--loss",
            "50",
            "--date",
            "2026-11-20",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn cents(v: &Value) -> i64 {
    goodwill::money::cents(v.as_f64().unwrap())
}

// The case: eight $100 orders, the first 730 days before 2026-11-20, so
// rate = 8 / 2 = 4 orders a year; margin 0.30 over 24 undiscounted months:
// FV = 0.30 * 100 * 4 * 2 = $240.00. Loss $50; the `credit` gesture costs $20
// and is worth $25 to the customer: c = 25 / 50 = 0.5.
// E(0) = (1 - 0.54) * 240 = 110.40.

#[test]
fn linear_curve_matches_the_hand_computation() {
    let j = json("lin");
    // R = 0.5; q = 0.1 + 0.9 * 0.5 = 0.55; churn after = 0.54 - 0.55 * 0.49 = 0.2705;
    // E = (1 - 0.2705) * 240 = 175.08; impact = 175.08 - 110.40 - 20 = 44.68.
    assert_eq!(j["gesture"], "credit");
    assert_eq!(cents(&j["future_value"]), 24000);
    assert_eq!(cents(&j["churn_before"]), 54);
    assert_eq!(
        goodwill::money::cents(j["churn_after"].as_f64().unwrap() * 1e4),
        270_500
    );
    assert_eq!(cents(&j["cost"]), 2000);
    assert_eq!(cents(&j["impact"]), 4468);
}

#[test]
fn logistic_curve_matches_the_hand_computation() {
    let j = json("logi");
    // midpoint 0.75, steepness 4: R = 1 / (1 + e^(-4 * (0.5 - 0.75))) = 1 / (1 + e)
    // = 0.268941; q = 0.1 + 0.9 R = 0.342047; churn = 0.54 - 0.49 q = 0.372397;
    // E = 0.627603 * 240 = 150.62476; impact = 150.62476 - 110.40 - 20 = 20.22.
    assert_eq!(j["gesture"], "credit");
    assert_eq!(cents(&j["future_value"]), 24000);
    assert_eq!(
        goodwill::money::cents(j["churn_after"].as_f64().unwrap() * 1e4),
        372_397
    );
    assert_eq!(cents(&j["cost"]), 2000);
    assert_eq!(cents(&j["impact"]), 2022);
}

#[test]
fn concave_curve_matches_the_hand_computation() {
    let j = json("conc");
    // scale 0.5: R = 1 - e^(-0.5 / 0.5) = 0.632121; q = 0.668909;
    // churn = 0.54 - 0.49 q = 0.212235; E = 0.787765 * 240 = 189.06364;
    // impact = 189.06364 - 110.40 - 20 = 58.66.
    assert_eq!(j["gesture"], "credit");
    assert_eq!(
        goodwill::money::cents(j["churn_after"].as_f64().unwrap() * 1e4),
        212_235
    );
    assert_eq!(cents(&j["value_at_risk"]), 12960);
    assert_eq!(cents(&j["impact"]), 5866);
    // Every candidate and every rule is in the JSON.
    assert_eq!(j["options"].as_array().unwrap().len(), 5);
    assert_eq!(j["trace"][0]["rule"], "all");
}

#[test]
fn coupon_story_one_screen_answer() {
    let out = goodwill()
        .args(["recommend", "--case", "examples/coupon.toml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("coupon_story", text);
}

#[test]
fn every_example_runs_with_its_case_file_alone() {
    for case in ["coupon", "subscription", "late-delivery", "missing-feature"] {
        let path = format!("examples/{case}.toml");
        let out = goodwill()
            .args(["recommend", "--case", &path, "--explain"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{case}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        insta::assert_snapshot!(format!("example_{case}"), text);
    }
}

#[test]
fn flags_override_the_case_file() {
    let out = goodwill()
        .args([
            "recommend",
            "--case",
            "examples/coupon.toml",
            "--set",
            "incident.coupon_pct=10",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["gesture"], "honor_coupon");
    assert_eq!(cents(&j["cost"]), 600);
}

fn policy_error(policy: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, policy).unwrap();
    let out = goodwill()
        .args(["recommend", "--customer", "C1", "--kind", "expired_coupon", "--policy"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.replace(&dir.path().display().to_string(), "DIR")
}

const GOOD: &str = r#"[policy]
name = "p"

[[gesture]]
id = "honor_coupon"
label = "Honour it"
cost = "incident.order_value * 0.2"

[[rule]]
id = "coupon"
when = 'incident.kind == "expired_coupon"'
offer = ["honor_coupon"]
"#;

#[test]
fn policy_errors_name_file_line_and_column() {
    let cases = [
        ("syntax", GOOD.replace("[policy]", "[policy"), "DIR/bad.toml:1:"),
        (
            "unknown key",
            GOOD.replace("name = \"p\"", "nmae = \"p\""),
            "DIR/bad.toml:2:1",
        ),
        (
            "unknown gesture",
            GOOD.replace("offer = [\"honor_coupon\"]", "offer = [\"honor_cupon\"]"),
            "DIR/bad.toml:12:10",
        ),
        (
            "unknown field",
            GOOD.replace("incident.kind ==", "incident.kidn =="),
            "DIR/bad.toml:11:9",
        ),
        (
            "number vs string",
            GOOD.replace("incident.order_value * 0.2", "incident.order_value * \"0.2\""),
            "DIR/bad.toml:7:",
        ),
        (
            "probability",
            format!("{GOOD}\n[recovery]\nchurn_resolved = 1.5\n"),
            "DIR/bad.toml:15:18",
        ),
    ];
    for (what, policy, position) in cases {
        let stderr = policy_error(&policy);
        assert!(stderr.contains(position), "{what}: expected {position} in\n{stderr}");
        assert!(stderr.contains("error["), "{what}: {stderr}");
    }
    let stderr = policy_error(&GOOD.replace("incident.kind ==", "incident.kidn =="));
    assert!(stderr.contains("did you mean `incident.kind`?"), "{stderr}");
}

/// A rep's case is not held up by another customer's bad ledger row; the
/// customer's own stops it, as their limits cannot be known.
#[test]
fn a_bad_ledger_row_stops_only_its_own_customers_case() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l.csv");
    std::fs::write(
        &ledger,
        "customer_id,date,gesture,cost\nC1,2026-10-01,credit,5\nC9,2026-10-01,credit,abc\n",
    )
    .unwrap();
    let run = |customer: &str| {
        goodwill()
            .args(["recommend", "--customer", customer, "--kind", "expired_coupon"])
            .args(["--date", "2026-11-20", "--format", "json", "--ledger"])
            .arg(&ledger)
            .output()
            .unwrap()
    };
    let out = run("C1");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["customer"]["gestures_12m"], 1);
    let out = run("C9");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.ends_with(&format!(
            "error: `{}`: line 3: column `cost`: `abc` is not a number\n",
            ledger.display()
        )),
        "{stderr}"
    );
}

/// `recommend` for an expired coupon of C1's on 2026-11-20.
const C1_COUPON: [&str; 7] = [
    "recommend",
    "--customer",
    "C1",
    "--kind",
    "expired_coupon",
    "--date",
    "2026-11-20",
];

/// A history from a named pipe, and a customer it does not hold: the
/// look for a similar id opened the pipe again, and waited for ever.
#[cfg(unix)]
#[test]
fn a_customer_not_in_a_history_from_a_named_pipe_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let history = b"customer_id,date,amount\nc1,2026-01-01,10\n".to_vec();
    let (fifo, writer) = common::named_pipe(dir.path(), "history.csv", history);
    let out = goodwill()
        .args(C1_COUPON)
        .arg("--history")
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A file with a bad row of the customer's and, later, a row whose
/// customer cannot be told: the customer's, the first, is the one named.
#[test]
fn the_first_bad_row_that_matters_is_named() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, file, text, want) in [
        (
            "--history",
            "h.csv",
            "amount,customer_id,date\n100,C1,2026-01-01\nabc,C1,2026-02-01\n1,234.50,C3,2026-03-01\n",
            "line 3: column `amount`: `abc` is not a number",
        ),
        (
            "--customers",
            "c.csv",
            "tier,customer_id\ngold,C1\nsilver,C1\nx,y,C3\n",
            "line 3: customer `C1` appears twice (first on line 2)",
        ),
        (
            "--ledger",
            "l.csv",
            "date,gesture,cost,customer_id\n2026-01-01,credit,-1,C1\n2026-01-01,credit,5,00,C3\n",
            "line 2: column `cost`: `-1` is negative",
        ),
    ] {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let out = goodwill().args(C1_COUPON).arg(flag).arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{file}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.ends_with(&format!("`{}`: {want}\n", path.display())), "{stderr}");
    }
}

#[test]
fn bad_history_row_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.csv");
    std::fs::write(
        &history,
        "customer_id,date,amount\nC1,2026-01-01,10\nC1,2026-02-31,10\n",
    )
    .unwrap();
    let out = goodwill()
        .args(["recommend", "--customer", "C1", "--kind", "expired_coupon", "--history"])
        .arg(&history)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("h.csv`: line 3: column `date`: `2026-02-31` is not a date"),
        "{stderr}"
    );
    let amount = dir.path().join("a.csv");
    std::fs::write(&amount, "customer_id,date,amount\nC1,2026-01-01,ten\n").unwrap();
    let out = goodwill()
        .args(["recommend", "--customer", "C1", "--kind", "expired_coupon", "--history"])
        .arg(&amount)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a.csv`: line 2: column `amount`: `ten` is not a number"));
}

#[test]
fn missing_flags_are_usage_errors() {
    let out = goodwill().args(["recommend", "--customer", "C1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`--kind` is required"));
    // A missing customer hides none of the case's other mistakes: each was
    // found only on the run after the one before was fixed.
    let out = goodwill()
        .args(["recommend", "--kind", "foo", "--date", "x", "--loss", "abc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "error: invalid incident: `--customer` is required (or a `--case` file naming `customer_id`)\n\
         error: invalid incident: `--kind`: kind `foo` is not one of the policy's kinds; it lists expired_coupon, \
         payment_failed, late_delivery, missed_deadline, defective_item, missing_feature, billing_error\n\
         error: invalid incident: `--loss`: `abc` is not a number\n\
         error: invalid incident: `--date`: `x` is not a date (expected YYYY-MM-DD)\n"
    );
    // Given but empty, it is one mistake, named where it was given.
    let out = recommend_beside(
        "case.toml",
        "[incident]\ncustomer_id = \"\"\nkind = \"late_delivery\"\nloss = 5\n",
        &["--case", "case.toml"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid incident: `case.toml`: line 2, column 15: field `customer_id` is missing or empty\n"
    );
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/coupon.toml")
            .exists()
    );
}

#[test]
fn an_escalated_case_says_so_first() {
    let out = goodwill()
        .args(["recommend", "--case", "examples/coupon.toml", "--loss", "200"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1],
        "ESCALATE   the loss is above what a rep may compensate alone ($150)"
    );
    assert!(
        text.contains("Recommend  no gesture: hand the case to a supervisor"),
        "{text}"
    );
    assert!(
        text.contains("Why        rule `large-loss`: incident.loss > 150.0"),
        "{text}"
    );
    assert!(text.contains("hand over to a supervisor"), "{text}");
    let json = goodwill()
        .args([
            "recommend",
            "--case",
            "examples/coupon.toml",
            "--loss",
            "200",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let j: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(j["decision"], "escalate");
    assert_eq!(j["cost"], 0.0);
    assert_eq!(j["impact"], 0.0);
    assert!(j["future_value"].as_f64().unwrap() > 0.0);
}

#[test]
fn an_unknown_customer_is_named_as_such() {
    let out = goodwill()
        .args(["recommend", "--case", "examples/coupon.toml", "--customer", "C9999999"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("no purchase history on or before 2026-11-20 (new or unknown customer)"),
        "{text}"
    );
    // A first-time buyer is offered the discount, not the coupon.
    assert!(text.contains("Recommend  10% off the next order"), "{text}");
}

#[test]
fn an_unreadable_policy_is_a_usage_error() {
    let out = goodwill()
        .args([
            "recommend",
            "--customer",
            "C1",
            "--kind",
            "late_delivery",
            "--policy",
            "no-such-policy.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read policy `no-such-policy.toml`"));
}

/// The `Why` line of a one-screen answer.
fn why(args: &[&str]) -> String {
    let out = goodwill().arg("recommend").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find(|l| l.starts_with("Why"))
        .unwrap_or_else(|| panic!("no Why line in\n{text}"))
        .to_string()
}

#[test]
fn when_the_apology_wins_the_why_line_says_how() {
    // A rule offered two gestures and both cost more than they save.
    let beaten = why(&[
        "--history",
        "examples/history.csv",
        "--customer",
        "C0001234",
        "--kind",
        "defective_item",
        "--loss",
        "30",
        "--order-value",
        "42",
        "--date",
        "2026-11-20",
    ]);
    assert_eq!(
        beaten,
        "Why        the apology alone has a higher LTV impact than what rule `defective` offered"
    );
    // The ledger puts both offers over the 12-month limits.
    let capped = why(&[
        "--case",
        "examples/coupon.toml",
        "--ledger",
        "tests/data/why/ledger.csv",
    ]);
    assert_eq!(
        capped,
        "Why        rule `coupon-repeat-buyer` offered honor_coupon, discount_10, but none is eligible: the \
         apology is the built-in remedy"
    );
    // Each offer's reason follows, a line each: the options table says only "over 12-month budget".
    let out = goodwill()
        .args([
            "recommend",
            "--case",
            "examples/coupon.toml",
            "--ledger",
            "tests/data/why/ledger.csv",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "\n           honor_coupon: $390.00 already granted in 12 months; $12.00 more is above the limit $400.00\n\
             \x20          discount_10: 3 gestures already granted in 12 months; the limit is 3\nNext"
        ),
        "{text}"
    );
    // No rule matched at all.
    let none = why(&[
        "--policy",
        "tests/data/why/unmatched.toml",
        "--customer",
        "C1",
        "--kind",
        "late_delivery",
        "--loss",
        "150",
        "--date",
        "2026-11-20",
    ]);
    assert_eq!(
        none,
        "Why        no rule offered a gesture: the apology is the built-in remedy"
    );
    // Within the tie tolerance of the best offer, the cheaper apology wins.
    let tie = why(&[
        "--policy",
        "tests/data/why/tie.toml",
        "--history",
        "tests/data/hand/history.csv",
        "--customer",
        "C1",
        "--kind",
        "lin",
        "--loss",
        "50",
        "--date",
        "2026-11-20",
    ]);
    assert_eq!(
        tie,
        "Why        the apology's LTV impact is within the tie tolerance of what rule `all` offered, \
         and it costs less"
    );
}

#[test]
fn an_invalid_gesture_shows_why_in_the_options() {
    let out = goodwill()
        .args(["recommend", "--policy", "tests/data/why/invalid.toml"])
        .args([
            "--customer",
            "C1",
            "--kind",
            "late_delivery",
            "--loss",
            "15",
            "--date",
            "2026-11-20",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("invalid: cost `incident.loss - 100` evaluated to -85"),
        "{text}"
    );
    // The reason is on the Why lines too, under the one that says none was eligible.
    assert!(
        text.contains(
            "Why        rule `late` offered credit_5, but it is not eligible: the apology is the built-in remedy\n\
             \x20          credit_5: cost `incident.loss - 100` evaluated to -85"
        ),
        "{text}"
    );
}

#[test]
fn a_bad_flag_value_is_bad_usage_named_by_its_flag() {
    for (args, message) in [
        (
            vec!["--loss", "abc"],
            "error: invalid incident: `--loss`: `abc` is not a number\n",
        ),
        (
            vec!["--severity", "9"],
            "error: invalid incident: `--severity`: `9` is not a whole number from 1 to 5\n",
        ),
        (
            vec!["--set", "incident.loss=-3"],
            "error: invalid incident: `--set incident.loss`: `-3` is negative\n",
        ),
        // A negative number is the flag's value, not another flag.
        (
            vec!["--loss", "-12"],
            "error: invalid incident: `--loss`: `-12` is negative\n",
        ),
        (
            vec!["--set", "coupon_pct=20"],
            "error: `--set coupon_pct=20`: only `incident.` fields can be set\n",
        ),
        // A field the policy types: checked against its type before any file is read.
        (
            vec!["--set", "incident.coupon_pct=abc"],
            "error: invalid incident: `--set incident.coupon_pct`: `abc` is not a number\n",
        ),
        (
            vec!["--set", "incident.remaining_payments=1e14"],
            "error: invalid incident: `--set incident.remaining_payments`: `1e14` is too large: \
             numbers must be under 1e13 (10 trillion), to be exact to the cent\n",
        ),
    ] {
        let out = goodwill()
            .args([
                "recommend",
                "--customer",
                "C1",
                "--kind",
                "late_delivery",
                "--date",
                "2026-11-20",
            ])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), message);
        assert!(out.stdout.is_empty());
    }
    // A field of a case file is named with the file.
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case.toml");
    std::fs::write(
        &case,
        "[incident]\ncustomer_id = \"C1\"\nkind = \"late_delivery\"\nloss = \"abc\"\n",
    )
    .unwrap();
    let out = goodwill().args(["recommend", "--case"]).arg(&case).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("case.toml`: line 4, column 8: field `loss`: `abc` is not a number"),
        "{stderr}"
    );
    std::fs::write(
        &case,
        "[incident]\ncustomer_id = \"C1\"\nkind = \"expired_coupon\"\ncoupon_pct = \"20%\"\n",
    )
    .unwrap();
    let out = goodwill().args(["recommend", "--case"]).arg(&case).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("case.toml`: line 4, column 14: field `coupon_pct`: `20%` is not a number"),
        "{stderr}"
    );
    // Every mistake at once, in the order of the file, then the flags'; a
    // JSON case file names its fields without a place.
    std::fs::write(
        &case,
        "[incident]\ncustomer_id = \"C1\"\nkind = \"expired_cupon\"\ndate = \"2026-13-20\"\n\
         severity = 9\ncoupon_pct = \"20%\"\nloss = -1\n",
    )
    .unwrap();
    let out = goodwill()
        .args(["recommend", "--case"])
        .arg(&case)
        .args(["--order-value", "sixty"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let file = case.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: invalid incident: `{file}`: line 3, column 8: field `kind`: kind `expired_cupon` is not one of \
             the policy's kinds (did you mean `expired_coupon`?)\n\
             error: invalid incident: `{file}`: line 4, column 8: field `date`: `2026-13-20` is not a date \
             (expected YYYY-MM-DD)\n\
             error: invalid incident: `{file}`: line 5, column 12: field `severity`: `9` is not a whole number \
             from 1 to 5\n\
             error: invalid incident: `{file}`: line 6, column 14: field `coupon_pct`: `20%` is not a number: \
             the `%` sign is not accepted (a percent field takes `20` for 20%, a money field the amount itself)\n\
             error: invalid incident: `{file}`: line 7, column 8: field `loss`: `-1` is negative\n\
             error: invalid incident: `--order-value`: `sixty` is not a number\n"
        )
    );
    // With a policy that cannot be used too, both are said.
    let policy = dir.path().join("bad.toml");
    std::fs::write(&policy, "[policy]\nbogus = 1\n").unwrap();
    let out = goodwill()
        .args(["recommend", "--case"])
        .arg(&case)
        .arg("--policy")
        .arg(&policy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: invalid incident: `{file}`: line 4, column 8: field `date`"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("error[unknown-key]: unknown key `bogus` in `[policy]`"),
        "{stderr}"
    );
    // A kind refused for what it holds is not also an unknown kind.
    let out = goodwill()
        .args([
            "recommend",
            "--customer",
            "C1",
            "--kind",
            "late\u{1}",
            "--date",
            "2026-11-20",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid incident: `--kind` holds a control character, U+0001\n"
    );
    let json = dir.path().join("case.json");
    std::fs::write(
        &json,
        r#"{"incident": {"customer_id": "C1", "kind": "late_delivery", "loss": "abc", "severity": 0}}"#,
    )
    .unwrap();
    let out = goodwill().args(["recommend", "--case"]).arg(&json).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let file = json.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: invalid incident: `{file}`: field `loss`: `abc` is not a number\n\
             error: invalid incident: `{file}`: field `severity`: `0` is not a whole number from 1 to 5\n"
        )
    );
}

#[test]
fn a_kind_the_policy_does_not_list_is_bad_usage() {
    let out = goodwill()
        .args([
            "recommend",
            "--customer",
            "C1",
            "--kind",
            "late_delivry",
            "--date",
            "2026-11-20",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid incident: `--kind`: kind `late_delivry` is not one of the policy's kinds \
         (did you mean `late_delivery`?)\n"
    );
}

#[test]
fn a_field_given_by_a_flag_and_by_set_is_bad_usage() {
    for (one, other, first) in [
        (["--loss", "7"], ["--set", "incident.loss=5"], "`--loss`"),
        (
            ["--set", "incident.loss=7"],
            ["--set", "incident.loss=5"],
            "`--set incident.loss`",
        ),
    ] {
        let out = goodwill()
            .args(["recommend", "--case", "examples/coupon.toml"])
            .args(one)
            .args(other)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("error: {first} and `--set incident.loss` both give `loss`: keep one\n")
        );
    }
    // A flag over the case file's own field is what flags are for.
    goodwill()
        .args([
            "recommend",
            "--case",
            "examples/coupon.toml",
            "--set",
            "incident.loss=5",
        ])
        .assert()
        .success();
}

#[test]
fn an_incident_field_the_policy_does_not_read_is_warned_about() {
    let out = goodwill()
        .args([
            "recommend",
            "--case",
            "examples/coupon.toml",
            "--set",
            "incident.coupn_pct=20",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: incident field `coupn_pct` is not one the policy reads, so it is ignored \
         (did you mean `coupon_pct`?)\n"
    );
    // The shipped examples use only the fields the default policy reads.
    for case in ["coupon", "subscription", "late-delivery", "missing-feature"] {
        let out = goodwill()
            .args(["recommend", "--case", &format!("examples/{case}.toml")])
            .output()
            .unwrap();
        assert!(
            out.stderr.is_empty(),
            "{case}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_field_the_answer_reads_but_the_case_leaves_out_is_warned_of() {
    // Without `coupon_pct` the coupon is not eligible and 10% off is offered
    // instead: the rep is told which field, and the screen says why.
    let base = [
        "recommend",
        "--history",
        "examples/history.csv",
        "--customers",
        "examples/customers.csv",
        "--ledger",
        "examples/ledger.csv",
        "--customer",
        "C0004711",
        "--kind",
        "expired_coupon",
        "--order-value",
        "60",
        "--date",
        "2026-11-20",
    ];
    let out = goodwill().args(base).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: the case gives no `incident.loss`, which rule `large-loss` reads: it is read as 0 \
         (give it with `--loss`)\n\
         warning: the case gives no `incident.coupon_pct`, which gesture `honor_coupon` reads: it is read as 0 \
         (give it with `--set incident.coupon_pct=VALUE`)\n"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Recommend  10% off the next order\n"), "{stdout}");
    assert!(
        stdout.contains("\n           honor_coupon: `incident.coupon_pct > 0` is false\n"),
        "{stdout}"
    );
    // A case over the example files: its standard error.
    let warned = |customer: &str, kind: &str, rest: &[&str]| {
        let out = goodwill()
            .args([
                "recommend",
                "--history",
                "examples/history.csv",
                "--customers",
                "examples/customers.csv",
            ])
            .args([
                "--ledger",
                "examples/ledger.csv",
                "--customer",
                customer,
                "--kind",
                kind,
            ])
            .args(rest)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    // A field named only in a branch this case does not take is not read,
    // and not asked for: C0003150 has orders, so `discount_10` costs their
    // average, not `incident.order_value`.
    let args = ["--loss", "16.80", "--date", "2026-11-20"];
    assert_eq!(warned("C0003150", "late_delivery", &args), "");
    // Nor are a gesture's figures, when its `when` is false on what the case
    // has: C0004711 has no plan, so the upgrade's price is never worked out.
    let args = ["--loss", "20", "--order-value", "20", "--date", "2026-11-20"];
    assert_eq!(warned("C0004711", "payment_failed", &args), "");
    // A customer with no order yet is valued on the incident's order.
    let stderr = warned("C0002002", "billing_error", &["--loss", "20", "--date", "2020-01-01"]);
    assert!(
        stderr.contains(
            "warning: the case gives no `incident.order_value`, which the future-value model reads: it is read as 0"
        ),
        "{stderr}"
    );
    // Given both, neither warning, and the coupon is honoured.
    let out = goodwill()
        .args(base)
        .args(["--loss", "12", "--set", "incident.coupon_pct=20"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("Recommend  Honour the expired coupon")
    );
}

#[test]
fn a_table_in_a_case_file_is_named_as_such_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case.toml");
    std::fs::write(
        &case,
        "[incident]\ncustomer_id=\"C1\"\nkind=\"late_delivery\"\n[incident.detail]\nnote=\"x\"\n",
    )
    .unwrap();
    let out = goodwill().arg("recommend").arg("--case").arg(&case).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad case file is bad usage, as a bad flag is"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("line 4, column 1"), "{stderr}");
    assert!(stderr.contains("4 | [incident.detail]"), "{stderr}");
    assert!(
        stderr.contains("a field must be a string, a number, a boolean or a date, not a table"),
        "{stderr}"
    );
    assert!(!stderr.contains("untagged enum"), "{stderr}");
}

/// The one-screen answer for `args` in a terminal `columns` wide.
fn screen(columns: &str, args: &[&str]) -> String {
    let out = goodwill()
        .env("COLUMNS", columns)
        .arg("recommend")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn a_narrow_terminal_gets_an_answer_that_fits_it() {
    // 80 columns: the table flush left with folded headings.
    let text = screen("80", &["--case", "examples/late-delivery.toml"]);
    assert!(widest(&text) <= 80, "{text}");
    insta::assert_snapshot!("late_delivery_80_columns", text);
    // 60 columns: no table fits, so one candidate to a few lines; an escalated case too.
    let text = screen(
        "60",
        &[
            "--case",
            "examples/coupon.toml",
            "--ledger",
            "tests/data/rep/ledger-full.csv",
        ],
    );
    assert!(widest(&text) <= 60, "{text}");
    insta::assert_snapshot!("coupon_caps_used_up_60_columns", text);
    let text = screen("60", &["--case", "examples/coupon.toml", "--loss", "200"]);
    assert!(widest(&text) <= 60, "{text}");
    assert!(text.lines().nth(2).unwrap().starts_with("ESCALATE "), "{text}");
}

#[test]
fn a_wide_terminal_or_a_pipe_gets_the_natural_layout() {
    let piped = goodwill()
        .args(["recommend", "--case", "examples/coupon.toml"])
        .output()
        .unwrap();
    let natural = String::from_utf8(piped.stdout).unwrap();
    assert!(widest(&natural) > 100, "{natural}");
    assert_eq!(screen("200", &["--case", "examples/coupon.toml"]), natural);
    // A COLUMNS that is not a number is ignored.
    assert_eq!(screen("wide", &["--case", "examples/coupon.toml"]), natural);
}

#[test]
fn the_explained_trace_fits_a_narrow_terminal_too() {
    let args = ["--case", "examples/missing-feature.toml", "--explain"];
    let text = screen("60", &args);
    assert!(widest(&text) <= 60, "{text}");
    // The trace keeps every figure; only the line breaks move.
    let natural = screen("200", &args);
    let trace = |t: &str| {
        t[t.find("\nRules\n").unwrap()..]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(trace(&text), trace(&natural));
    assert!(
        natural.contains("\n  curve logistic · midpoint 0.8500 · steepness 7.0000 · overcompensation_penalty 0.1000\n"),
        "{natural}"
    );
    insta::assert_snapshot!("missing_feature_explained_60_columns", text);
    // Narrower still, the rules no longer align in a column, but fit.
    for case in ["examples/missing-feature.toml", "examples/coupon.toml"] {
        let args = ["--case", case, "--explain"];
        let text = screen("40", &args);
        assert!(widest(&text) <= 40, "{text}");
        assert_eq!(trace(&text), trace(&screen("200", &args)));
    }
}

#[test]
fn an_escalated_case_leaves_its_offers_to_the_supervisor() {
    // They were shown `eligible`, with their impact: the rep might grant one
    // before handing the case over.
    let out = goodwill()
        .args([
            "recommend",
            "--case",
            "examples/coupon.toml",
            "--policy",
            "tests/data/rep/escalate-after-offer.toml",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("Recommend  no gesture: hand the case to a supervisor\n"),
        "{stdout}"
    );
    let row = |gesture: &str| stdout.lines().find(|l| l.contains(&format!("│ {gesture} "))).unwrap();
    assert!(row("credit_5").ends_with("┆ for the supervisor │"), "{stdout}");
    // The rep still apologises.
    assert!(row("apology").ends_with("┆ eligible           │"), "{stdout}");
}

#[test]
fn an_option_without_figures_has_null_figures_in_json() {
    // C0004711 has no plan: the upgrade is not eligible, and its cost and
    // impact were 0.0 in JSON, a free gesture of no effect to a script.
    let out = goodwill()
        .args([
            "recommend",
            "--case",
            "examples/subscription.toml",
            "--customer",
            "C0004711",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let options = j["options"].as_array().unwrap();
    let upgrade = options.iter().find(|o| o["gesture"] == "lifetime_upgrade").unwrap();
    assert_eq!(upgrade["status"], "not_eligible");
    for figure in goodwill::render::json::OPTION_FIGURES {
        assert!(upgrade[figure].is_null(), "{figure}: {upgrade}");
    }
    let credit = options.iter().find(|o| o["gesture"] == "credit_loss").unwrap();
    assert_eq!(credit["cost"].as_f64(), Some(48.95));
}

#[test]
fn the_json_carries_every_figure_on_the_screen() {
    let args = ["recommend", "--case", "examples/late-delivery.toml"];
    let screen = String::from_utf8(goodwill().args(args).output().unwrap().stdout).unwrap();
    let out = goodwill().args(args).args(["--format", "json"]).output().unwrap();
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let money = |v: &Value| {
        let c = cents(v);
        format!("${}.{:02}", c / 100, c % 100)
    };
    // To a tenth, without a tenth of 0 (no share here is at a half tenth).
    let pct = |v: &Value| {
        let tenths = (v.as_f64().unwrap() * 1000.0).round() as i64;
        match tenths % 10 {
            0 => format!("{}%", tenths / 10),
            t => format!("{}.{t}%", tenths / 10),
        }
    };
    let c = &j["customer"];
    let customer = format!(
        "Customer   {} orders since {} · avg order {} · last order {} days ago",
        c["orders"],
        c["first_order"].as_str().unwrap(),
        money(&c["avg_order_value"]),
        c["recency_days"].as_f64().unwrap()
    );
    let gestures = format!(
        "           {} gesture in the last 12 months, {}",
        c["gestures_12m"],
        money(&c["goodwill_12m"])
    );
    let value = format!(
        "Value      future value ({} months) {} · {} at risk if unresolved (churn {})",
        j["horizon_months"],
        money(&j["future_value"]),
        money(&j["value_at_risk"]),
        pct(&j["churn_before"])
    );
    let recommend = format!(
        "           cost {} · churn {} -> {} · LTV impact +{}",
        money(&j["cost"]),
        pct(&j["churn_before"]),
        pct(&j["churn_after"]),
        money(&j["impact"])
    );
    let next = format!("follow up by {}", j["follow_up_by"].as_str().unwrap());
    for line in [customer, gestures, value, recommend, next] {
        assert!(screen.contains(&line), "`{line}` not in\n{screen}");
    }
    // value at risk = churn if unresolved * future value
    let risk = j["churn_before"].as_f64().unwrap() * j["future_value"].as_f64().unwrap();
    assert!((j["value_at_risk"].as_f64().unwrap() - risk).abs() < 1e-9);
    for o in j["options"].as_array().unwrap() {
        let row = format!(
            "│ {:<11} ┆ {:>6} ┆ {:>14} ┆ {:>8} ┆ {:>11} ┆ {:>8} ┆ {:<11} │",
            o["gesture"].as_str().unwrap(),
            money(&o["cost"]),
            money(&o["value"]),
            pct(&o["recovery"]),
            pct(&o["churn_after"]),
            format!("+{}", money(&o["impact"])),
            o["status"].as_str().unwrap()
        );
        assert!(screen.contains(&row), "`{row}` not in\n{screen}");
    }
}

#[test]
fn a_forgotten_ledger_or_customers_file_is_warned_of() {
    // The subscription case (C0002002, weekly at $9.99, 7 payments left)
    // without its customers file reads the plan as "" and its price as 0:
    // the upgrade is not eligible. Without the ledger, the year's goodwill
    // is not counted.
    let args = [
        "recommend",
        "--history",
        "examples/history.csv",
        "--customer",
        "C0002002",
        "--kind",
        "payment_failed",
        "--loss",
        "69.93",
        "--order-value",
        "9.99",
        "--date",
        "2026-11-20",
        "--set",
        "incident.remaining_payments=7",
    ];
    let out = goodwill().args(args).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: no ledger file (--ledger, or `ledger` in the case file): the 12-month limits count no earlier \
         gesture of customer `C0002002`\n\
         warning: no customers file (--customers, or `customers` in the case file): `customer.plan` and \
         `customer.plan_price`, which gesture `lifetime_upgrade` reads, are read as \"\" and 0\n"
    );
    // A customers file without the customer's row says so.
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c.csv");
    std::fs::write(&c, "customer_id,plan,plan_price\nC0004711,none,0\n").unwrap();
    let out = goodwill()
        .args(args)
        .args(["--ledger", "examples/ledger.csv", "--customers"])
        .arg(&c)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "warning: customer `C0002002` has no row in `{}`: `customer.plan` and `customer.plan_price`, \
             which gesture `lifetime_upgrade` reads, are read as \"\" and 0\n",
            c.display()
        )
    );
    // Given both, no warning, and the upgrade is offered.
    let out = goodwill()
        .args(args)
        .args([
            "--customers",
            "examples/customers.csv",
            "--ledger",
            "examples/ledger.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(String::from_utf8(out.stdout).unwrap().contains("lifetime_upgrade ┆"));
}

#[test]
fn a_customer_answered_as_new_for_want_of_history_is_warned_of() {
    // The ledger and customers files given, as their own slips are warned of too (below).
    let files = tempfile::tempdir().unwrap();
    let (ledger, customers) = (files.path().join("ledger.csv"), files.path().join("customers.csv"));
    std::fs::write(&ledger, "customer_id,date,gesture,cost\n").unwrap();
    std::fs::write(&customers, "customer_id,tier\nC1,gold\nC9,gold\nc1,gold\n").unwrap();
    let stderr = |extra: &[&str]| {
        let out = goodwill()
            .args(["recommend", "--policy", "tests/data/hand/policy.toml", "--kind", "lin"])
            .args([
                "--loss",
                "50",
                "--order-value",
                "40",
                "--date",
                "2026-11-20",
                "--ledger",
            ])
            .arg(&ledger)
            .arg("--customers")
            .arg(&customers)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stderr).unwrap()
    };
    // No history file at all: a forgotten flag.
    assert_eq!(
        stderr(&["--customer", "C1"]),
        "warning: no history file (--history, or `history` in the case file): \
         customer `C1` is answered as a new customer\n"
    );
    // A history without the customer: a mistyped id, or truly a new customer.
    assert_eq!(
        stderr(&["--customer", "C9", "--history", "tests/data/hand/history.csv"]),
        "warning: customer `C9` has no rows in `tests/data/hand/history.csv`: answered as a new customer\n"
    );
    // An id typed in the wrong case is named.
    assert_eq!(
        stderr(&["--customer", "c1", "--history", "tests/data/hand/history.csv"]),
        "warning: customer `c1` has no rows in `tests/data/hand/history.csv` (did you mean `C1`?): \
         answered as a new customer\n"
    );
    assert_eq!(
        stderr(&["--customer", "C1", "--history", "tests/data/hand/history.csv"]),
        ""
    );
    // A case of a few weeks ago, with orders since, is answered late, not
    // mistyped: no warning. (Dates counted back from the tests' today.)
    let today = goodwill::date::parse(common::TODAY).unwrap();
    let ago = |n: i32| goodwill::date::format(today - n);
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.csv");
    std::fs::write(
        &history,
        format!("customer_id,date,amount\nC1,{},40\nC1,{},40\n", ago(300), ago(5)),
    )
    .unwrap();
    let out = goodwill()
        .args([
            "recommend",
            "--policy",
            "tests/data/hand/policy.toml",
            "--kind",
            "lin",
            "--customer",
            "C1",
            "--loss",
            "10",
        ])
        .args(["--date", &ago(20), "--history"])
        .arg(&history)
        .arg("--ledger")
        .arg(&ledger)
        .arg("--customers")
        .arg(&customers)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
    // An incident dated long before some of the customer's history: a
    // mistyped year the other way leaves those orders out.
    let out = goodwill()
        .args([
            "recommend",
            "--case",
            "examples/late-delivery.toml",
            "--date",
            "2025-11-20",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "warning: customer `C0003150` has 6 history rows after the incident date 2025-11-20 (the last on \
         2026-10-19): they are left out, as the customer is taken as of that day\n"
    );
    // An incident dated after today: a mistyped year, most often.
    let out = goodwill()
        .args([
            "recommend",
            "--policy",
            "tests/data/hand/policy.toml",
            "--kind",
            "lin",
            "--customer",
            "C1",
            "--loss",
            "10",
        ])
        .args([
            "--history",
            "tests/data/hand/history.csv",
            "--date",
            "2999-01-01",
            "--ledger",
        ])
        .arg(&ledger)
        .arg("--customers")
        .arg(&customers)
        .output()
        .unwrap();
    assert!(out.status.success());
    let warned = String::from_utf8(out.stderr).unwrap();
    assert!(
        warned.starts_with("warning: the incident date 2999-01-01 is after today (")
            && warned.ends_with("): the customer is taken as of that day\n"),
        "{warned}"
    );
    // A standard field mistyped is suggested as an attribute is.
    assert!(
        stderr(&[
            "--customer",
            "C1",
            "--history",
            "tests/data/hand/history.csv",
            "--set",
            "incident.los=5"
        ])
        .contains("incident field `los` is not one the policy reads, so it is ignored (did you mean `loss`?)")
    );
}

#[test]
fn a_file_the_case_file_names_is_named_by_its_field_when_it_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case.toml");
    std::fs::write(
        &case,
        "history = \"gone.csv\"\nledger = \"missing.csv\"\n\
         [incident]\ncustomer_id = \"C1\"\nkind = \"late_delivery\"\nloss = 8\n",
    )
    .unwrap();
    let out = goodwill().args(["recommend", "--case"]).arg(&case).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let expected = format!(
        "error: `history` in the case file `{}`: `{}`: cannot open",
        case.display(),
        dir.path().join("gone.csv").display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    // A flag over the case file's field is the user's own: no case file is named.
    let out = goodwill()
        .args([
            "recommend",
            "--history",
            "examples/history.csv",
            "--ledger",
            "nope.csv",
            "--case",
        ])
        .arg(&case)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("error: `nope.csv`: cannot open"), "{stderr}");
}

#[test]
fn json_gives_each_extra_incident_field_its_declared_type() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.toml");
    let source = std::fs::read_to_string("tests/data/hand/policy.toml").unwrap().replace(
        "\"incident.coupon_pct\" = \"number\"\n",
        "\"incident.coupon_pct\" = \"number\"\n\"incident.vip\" = \"bool\"\n\"incident.shipped\" = \"date\"\n",
    );
    std::fs::write(&policy, source).unwrap();
    let out = goodwill()
        .args(["recommend", "--policy"])
        .arg(&policy)
        .args([
            "--customer",
            "C1",
            "--kind",
            "lin",
            "--date",
            "2026-11-20",
            "--format",
            "json",
        ])
        .args(["--set", "incident.coupon_pct=20", "--set", "incident.vip=yes"])
        .args(["--set", "incident.shipped=2026-11-18", "--set", "incident.note=007"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        answer["incident"]["extra"],
        serde_json::json!({"coupon_pct": 20.0, "vip": true, "shipped": "2026-11-18", "note": "007"})
    );
}

/// A rep answers one customer: another customer's broken row in the
/// customers file is no reason to stop, as it is none in a batch. The
/// customer's own broken row still is, with its line.
#[test]
fn only_the_customers_own_row_of_the_customers_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let customers = dir.path().join("customers.csv");
    std::fs::write(
        &customers,
        "customer_id,tier,plan,plan_price,signup_date\nC0004711,gold,none,0,2021-03-02\n\
         C3,silver,none,0,2024-01-01,extra\nC0002002,silver,weekly,9.99,2024-09-14\nC0004711,dup,none,0,2024-01-01\n",
    )
    .unwrap();
    let run = |case: &str| {
        goodwill()
            .args(["recommend", "--case", case, "--format", "json", "--customers"])
            .arg(&customers)
            .output()
            .unwrap()
    };
    // The lifetime upgrade costs the 7 lessons left at the plan price of the customer's own row.
    let out = run("examples/subscription.toml");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&answer["gesture"], &answer["cost"]),
        (&Value::from("lifetime_upgrade"), &Value::from(69.93))
    );
    let out = run("examples/coupon.toml");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("line 5: customer `C0004711` appears twice (first on line 2)"),
        "{stderr}"
    );
}

/// A cheaper gesture within the tie tolerance of a better one: the screen
/// names the one passed over, which the options table shows as "eligible".
#[test]
fn a_gesture_chosen_by_the_tie_rule_says_what_it_was_chosen_over() {
    let out = goodwill()
        .args([
            "recommend",
            "--policy",
            "tests/data/rep/tie.toml",
            "--kind",
            "late_delivery",
            "--loss",
            "10",
        ])
        .args([
            "--customer",
            "C1",
            "--history",
            "tests/data/hand/history.csv",
            "--date",
            "2026-11-20",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let screen = String::from_utf8(out.stdout).unwrap();
    assert!(screen.contains("Recommend  A $9.50 credit"), "{screen}");
    assert!(
        screen.contains(
            "\n           chosen over `g1` (+$107.60 LTV impact): within the tie tolerance (2%) of it, and $0.50 cheaper\n"
        ),
        "{screen}"
    );
    // At equal cost the one offered first wins, and is not called cheaper.
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("tie.toml");
    let source = std::fs::read_to_string("tests/data/rep/tie.toml")
        .unwrap()
        .replace("cost = 9.5\nvalue = 9.777", "cost = 10\nvalue = 9.9")
        .replace("offer = [\"g1\", \"g2\"]", "offer = [\"g2\", \"g1\"]");
    std::fs::write(&policy, source).unwrap();
    let out = goodwill()
        .args(["recommend", "--policy"])
        .arg(&policy)
        .args(["--kind", "late_delivery", "--loss", "10", "--customer", "C1"])
        .args(["--history", "tests/data/hand/history.csv", "--date", "2026-11-20"])
        .output()
        .unwrap();
    let screen = String::from_utf8(out.stdout).unwrap();
    assert!(
        screen.contains("chosen over `g1` (+$107.60 LTV impact): within the tie tolerance (2%) of it, at the same cost and offered first\n"),
        "{screen}"
    );
    // Without a tie, nothing of the kind is said.
    let coupon = goodwill()
        .args(["recommend", "--case", "examples/coupon.toml"])
        .output()
        .unwrap();
    assert!(!String::from_utf8(coupon.stdout).unwrap().contains("chosen over"));
}

/// `--loss "$LOSS"` with the variable unset: an empty value would stand for
/// a loss of 0 over the case file's, and change the answer unseen.
#[test]
fn an_empty_value_on_the_command_line_is_bad_usage() {
    for (args, said) in [
        (&["--loss", ""][..], "`--loss` is empty"),
        (&["--order-value", " "][..], "`--order-value` is empty"),
        (&["--date", ""][..], "`--date` is empty"),
        (
            &["--set", "incident.coupon_pct="][..],
            "`--set incident.coupon_pct` is empty",
        ),
    ] {
        let out = goodwill()
            .args(["recommend", "--case", "examples/coupon.toml"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            stderr,
            format!("error: {said}: give it a value, or leave it out\n"),
            "{args:?}"
        );
    }
}

/// A kind with no near miss to suggest: the policy's kinds to choose from.
#[test]
fn a_kind_far_from_any_lists_the_policys_kinds() {
    let out = goodwill()
        .args(["recommend", "--case", "examples/coupon.toml", "--kind", "coupon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: invalid incident: `--kind`: kind `coupon` is not one of the policy's kinds; it lists \
         expired_coupon, payment_failed, late_delivery, missed_deadline, defective_item, missing_feature, \
         billing_error\n"
    );
}

/// An overcharge refunded is the customer's own money, not goodwill (`owed`
/// in the policy): given back however many gestures the customer has had,
/// and not counted among them.
#[test]
fn an_owed_refund_is_outside_the_goodwill_limits() {
    let screen = |args: &[&str]| {
        let out = goodwill().arg("recommend").args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    // Three credits in 12 months use up the gesture count: a refund still goes through.
    let capped = screen(&[
        "--case",
        "examples/late-delivery.toml",
        "--ledger",
        "tests/data/rep/ledger-full.csv",
        "--kind",
        "billing_error",
    ]);
    assert!(capped.contains("3 gestures in the last 12 months"), "{capped}");
    assert!(
        capped.contains("Recommend  Refund the overcharge (owed, not goodwill)"),
        "{capped}"
    );
    // Three refunds in 12 months are not goodwill: beside the example's own
    // ledger row (a $3.50 credit), the answer is as without them.
    let plain = screen(&["--case", "examples/late-delivery.toml"]);
    let after_refunds = screen(&[
        "--case",
        "examples/late-delivery.toml",
        "--ledger",
        "tests/data/rep/ledger-refunds.csv",
    ]);
    assert!(plain.contains("Recommend  Store credit for the full loss"), "{plain}");
    assert_eq!(after_refunds, plain);
}

/// With the apology alone there is no remedy to offer, agree on or carry
/// out, whether the engine fell back on it or a rule offered it by name.
#[test]
fn next_leaves_out_the_remedy_when_the_apology_is_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("sorry.toml");
    let text = std::fs::read_to_string("tests/data/hand/policy.toml").unwrap();
    let text = text.replace(
        "[[rule]]\nid = \"all\"\n",
        "[[rule]]\nid = \"sorry-only\"\noffer = [\"apology\"]\nstop = true\n\n[[rule]]\nid = \"all\"\n",
    );
    std::fs::write(&policy, text).unwrap();
    let next = |policy: &str| {
        let out = goodwill()
            .args(["recommend", "--policy", policy, "--kind", "lin", "--customer", "C1"])
            .args([
                "--loss",
                "50",
                "--date",
                "2026-11-20",
                "--history",
                "tests/data/hand/history.csv",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines().find(|l| l.starts_with("Next")).unwrap().to_string()
    };
    assert_eq!(
        next(policy.to_str().unwrap()),
        "Next       listen · thank · apologise · follow up by 2026-11-23"
    );
    assert_eq!(
        next("tests/data/hand/policy.toml"),
        "Next       listen · thank · apologise · offer the remedy · agree · act now · follow up by 2026-11-23"
    );
}

/// A case taken up after its incident's day is followed up a day after it
/// is answered (an incident of 2026-11-20 answered on the 22nd is followed
/// up by the 23rd), not on a day already past; one dated
/// ahead, from its own day. `GOODWILL_TODAY` sets the day the run takes
/// as today.
#[test]
fn the_follow_up_counts_from_the_later_of_the_incident_and_today() {
    let follow_up = |today: &str, date: &str| {
        let out = goodwill()
            .env("GOODWILL_TODAY", today)
            .args([
                "recommend",
                "--case",
                "examples/coupon.toml",
                "--date",
                date,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let j: Value = serde_json::from_slice(&out.stdout).unwrap();
        j["follow_up_by"].as_str().unwrap().to_string()
    };
    assert_eq!(follow_up("2026-11-22", "2026-11-20"), "2026-11-23");
    assert_eq!(follow_up("2026-11-20", "2026-11-20"), "2026-11-21");
    assert_eq!(follow_up("2027-03-01", "2026-11-20"), "2027-03-02");
    // Ahead of today (with its warning): counted from the incident's day.
    assert_eq!(follow_up("2026-11-22", "2026-12-01"), "2026-12-02");
    // An empty variable is the machine's clock, as if unset.
    let out = goodwill()
        .env("GOODWILL_TODAY", "")
        .args(["recommend", "--case", "examples/coupon.toml", "--date", "2026-11-20"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A day that is not a date is a usage error, before anything is read.
#[test]
fn a_today_that_is_not_a_date_is_refused() {
    for (today, shown) in [
        ("2026-02-30", "2026-02-30"),
        ("tomorrow", "tomorrow"),
        ("2026-11-2\x1b", "2026-11-2\\u{1b}"),
    ] {
        let out = goodwill()
            .env("GOODWILL_TODAY", today)
            .args(["batch", "tests/data/batch/caps.csv"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("error: `GOODWILL_TODAY`: `{shown}` is not a date (expected YYYY-MM-DD)\n")
        );
        assert!(out.stdout.is_empty());
    }
}

/// A follow-up past 9999-12-31 was written as `+10000-01-01`, a date no
/// file or flag of goodwill's can give back.
#[test]
fn the_follow_up_date_stays_a_date_goodwill_reads() {
    let out = goodwill()
        .args([
            "recommend",
            "--case",
            "examples/coupon.toml",
            "--date",
            "9999-12-31",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["follow_up_by"], "9999-12-31", "{j}");
}

/// `goodwill recommend ARGS`, run in a new directory that holds one input file.
fn recommend_beside(file: &str, text: &str, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), text).unwrap();
    goodwill()
        .current_dir(dir.path())
        .arg("recommend")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn ledger_costs_count_to_the_cent_row_by_row() {
    // Two rows of 195.005 are 195.01 each, as read: $390.02, not the
    // $390.01 of their exact sum.
    let out = recommend_beside(
        "ledger.csv",
        "customer_id,date,gesture,cost\nP1,2025-12-01,credit_loss,195.005\nP1,2025-12-02,credit_loss,195.005\n",
        &[
            "--ledger",
            "ledger.csv",
            "--customer",
            "P1",
            "--kind",
            "expired_coupon",
            "--loss",
            "10",
            "--date",
            "2026-03-01",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["customer"]["goodwill_12m"].as_f64(), Some(390.02));
    assert_eq!(answer["customer"]["gestures_12m"].as_u64(), Some(2));
}

#[test]
fn a_ledger_gesture_the_policy_does_not_have_is_warned_of() {
    // `Apology` is not the apology: it counts, and the rep is told why the
    // customer's limits are spent. Another customer's rows are not named,
    // nor a row older than the case's 12 months, which counts for nothing.
    let out = recommend_beside(
        "ledger.csv",
        "customer_id,date,gesture,cost\nC1,2026-01-10,credit_5,3.50\nC1,2026-05-10,Apology,0\n\
         C1,2026-11-18,Apology,0\nC2,2026-11-18,Credit_5,3.50\nC1,2021-03-01,voucher_2021,5\n",
        &[
            &C1_COUPON[1..],
            &[
                "--ledger",
                "ledger.csv",
                "--loss",
                "12",
                "--order-value",
                "60",
                "--set",
                "incident.coupon_pct=20",
            ],
        ]
        .concat(),
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: no history file (--history, or `history` in the case file): customer `C1` is answered as a new \
         customer\n\
         warning: `ledger.csv`: gesture `Apology` is not one of the policy's (did you mean `apology`?): its rows count \
         toward the 12-month limits as any gesture's\n"
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("3 gestures in the last 12 months, $3.50")
    );
}

#[test]
fn a_customer_attribute_of_the_wrong_type_names_its_file_and_line() {
    let out = recommend_beside(
        "c.csv",
        "customer_id,plan,plan_price\nC9,basic,5\nC0004711,pro,abc\n",
        &[
            "--customers",
            "c.csv",
            "--customer",
            "C0004711",
            "--kind",
            "payment_failed",
            "--loss",
            "10",
            "--date",
            "2026-11-20",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.ends_with("\nerror: case `case`: `c.csv`: line 3: column `plan_price`: `abc` is not a number\n"),
        "{stderr}"
    );
}

/// A customers file without the column of an attribute the answer reads (a
/// renamed export column) reads it as empty for every customer: the
/// upgrade is not eligible, with no other sign.
#[test]
fn a_customers_file_without_an_attribute_the_answer_reads_is_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let customers = dir.path().join("c.csv");
    let text = std::fs::read_to_string("examples/customers.csv").unwrap();
    std::fs::write(
        &customers,
        text.replacen("plan_price", "price", 1).replacen(",plan,", ",pla,", 1),
    )
    .unwrap();
    let out = goodwill()
        .args(["recommend", "--case", "examples/subscription.toml", "--customers"])
        .arg(&customers)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "warning: `{}` has no columns `plan` and `plan_price`: `customer.plan` and `customer.plan_price`, \
             which gesture `lifetime_upgrade` reads, are read as \"\" and 0\n",
            customers.display()
        )
    );
    // A column the answer does not read is not named: `tier`.
    std::fs::write(&customers, text.replacen(",tier,", ",level,", 1)).unwrap();
    let out = goodwill()
        .args(["recommend", "--case", "examples/subscription.toml", "--customers"])
        .arg(&customers)
        .output()
        .unwrap();
    assert_eq!(
        (out.status.code(), String::from_utf8(out.stderr).unwrap()),
        (Some(0), String::new())
    );
}
