//! `goodwill policy test` through the real binary: the shipped policy passes
//! its own tests with full coverage; a wrong expectation fails readably.

mod common;

use common::goodwill;
use serde_json::Value;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = goodwill().args(["policy", "test"]).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_shipped_policy_passes_its_tests_with_full_coverage() {
    let (code, stdout, stderr) = run(&[
        "policies/default.toml",
        "policies/default.tests.toml",
        "--coverage",
        "--min-coverage",
        "100",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("Coverage: 17 of 17 rules and gestures reached (100.0%)"),
        "{stdout}"
    );
    assert!(!stdout.contains("no test"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "18 passed, 0 failed"), "{stdout}");
}

#[test]
fn json_coverage_counts_every_rule_and_gesture() {
    let (code, stdout, _) = run(&[
        "policies/default.toml",
        "policies/default.tests.toml",
        "--coverage",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let j: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((j["passed"].as_u64(), j["failed"].as_u64()), (Some(18), Some(0)));
    let c = &j["coverage"];
    assert_eq!(c["percent"], 100.0);
    assert_eq!(c["rules"].as_array().unwrap().len(), 9);
    assert_eq!(c["gestures"].as_array().unwrap().len(), 8);
    assert!(c["unmatched_rules"].as_array().unwrap().is_empty());
    // Counted by hand from policies/default.tests.toml.
    let rule = |id: &str| c["rules"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()["matched"].clone();
    assert_eq!(rule("late"), 4);
    assert_eq!(rule("defective"), 3);
    assert_eq!(rule("large-loss"), 1);
    assert_eq!(c["escalated"], 2);
    assert_eq!(c["apology"], 3);
}

#[test]
fn a_wrong_expectation_fails_with_expected_actual_and_trace() {
    let (code, stdout, _) = run(&["policies/default.toml", "tests/data/cases/broken.tests.toml"]);
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("ok    a small delay gets the $5 credit\n"), "{stdout}");
    assert!(
        stdout.contains(
            "FAIL  a small delay gets store credit for the loss (wrong)  (tests/data/cases/broken.tests.toml:20:8)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("  gesture: expected `credit_loss`, got `credit_5`\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  cost_max: expected <= 3.00, got 3.50\n"), "{stdout}");
    assert!(
        stdout.contains("matched                late: incident.kind in"),
        "{stdout}"
    );
    assert!(stdout.lines().any(|l| l == "1 passed, 1 failed"), "{stdout}");
    insta::assert_snapshot!("broken_expectation", stdout);
}

#[test]
fn explain_shows_a_passing_tests_answer_and_trace_too() {
    let args = ["policies/default.toml", "tests/data/cases/broken.tests.toml"];
    let (_, plain, _) = run(&args);
    let (code, explained, _) = run(&[args[0], args[1], "--explain"]);
    assert_eq!(code, 3);
    // The passing test gains its block, in the failing test's form; the rest is as before.
    let ok = "ok    a small delay gets the $5 credit\n";
    let block_start = explained.find(ok).unwrap() + ok.len();
    let block_end = explained.find("FAIL  ").unwrap();
    let block = &explained[block_start..block_end];
    assert!(
        block.starts_with("  answer: gesture `credit_5` · cost $3.50 · "),
        "{block}"
    );
    assert!(
        block.contains("\n  Rules\n") && block.contains("\n  Model\n"),
        "{block}"
    );
    assert!(block.lines().all(|l| l.starts_with("  ")), "{block}");
    assert_eq!(explained.replacen(block, "", 1), plain);
}

#[test]
fn coverage_names_what_no_test_reaches() {
    let (code, stdout, _) = run(&[
        "policies/default.toml",
        "tests/data/cases/broken.tests.toml",
        "--min-coverage",
        "50",
    ]);
    assert_eq!(code, 3);
    // Two tests reach the rule `late` and the gesture `credit_5`: 2 of 17.
    assert!(
        stdout.contains("Coverage: 2 of 17 rules and gestures reached (11.8%)"),
        "{stdout}"
    );
    assert!(stdout.contains("Rules no test matches: `refund-abuse-guard`, `large-loss`, `coupon-repeat-buyer`, `coupon-new-buyer`, `subscription-lapsed`, `defective`, `missing-feature`, `billing-error`\n"), "{stdout}");
    assert!(stdout.contains("Gestures no test chooses: `honor_coupon`, `lifetime_upgrade`, `discount_10`, `credit_loss`, `refund_loss`, `partial_refund`, `replacement`\n"), "{stdout}");
    assert!(stdout.contains("coverage 11.8% is below the minimum 50%"), "{stdout}");
}

#[test]
fn min_coverage_alone_fails_a_passing_run() {
    let (code, stdout, _) = run(&[
        "policies/default.toml",
        "tests/data/cases/history.tests.toml",
        "--history",
        "examples/history.csv",
        "--min-coverage",
        "90",
    ]);
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.lines().any(|l| l == "2 passed, 0 failed"), "{stdout}");
}

#[test]
fn customers_are_looked_up_in_the_history() {
    let (code, stdout, stderr) = run(&[
        "policies/default.toml",
        "tests/data/cases/history.tests.toml",
        "--history",
        "examples/history.csv",
        "--customers",
        "examples/customers.csv",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.lines().any(|l| l == "2 passed, 0 failed"), "{stdout}");
    // A customer the history does not hold is said to be new: a mistyped id
    // would otherwise fail its test for a reason that does not show.
    assert_eq!(
        stderr,
        "warning: `examples/history.csv` holds no rows of customer `NOBODY`: the tests naming it take a new customer\n"
    );
    // Several, in the order of their ids.
    let dir = tempfile::tempdir().unwrap();
    let tests = dir.path().join("new.tests.toml");
    let one = |id: &str| {
        format!(
            "[[test]]\nname = \"{id}\"\ncustomer_id = \"{id}\"\n[test.incident]\nkind = \"late_delivery\"\n\
             date = 2026-11-20\nloss = 5\n[test.expect]\ndecision = \"gesture\"\n"
        )
    };
    std::fs::write(&tests, ["NEW2", "NEW10", "NEW1", "c0004711"].map(one).concat()).unwrap();
    let (_, _, stderr) = run(&[
        "policies/default.toml",
        tests.to_str().unwrap(),
        "--history",
        "examples/history.csv",
    ]);
    assert!(
        stderr.starts_with(
            "warning: `examples/history.csv` holds no rows of customers `NEW1`, `NEW10`, `NEW2`, `c0004711` \
             (did you mean `C0004711`?): the tests naming them take a new customer\n"
        ),
        "{stderr}"
    );
    // A broken row of a customer no test names is not read.
    let dir = tempfile::tempdir().unwrap();
    let customers = dir.path().join("customers.csv");
    let mut text = std::fs::read_to_string("examples/customers.csv").unwrap();
    text.push_str("C9,gold,none,0,2024-01-01,one field too many\n");
    std::fs::write(&customers, text).unwrap();
    let args = [
        "policies/default.toml",
        "tests/data/cases/history.tests.toml",
        "--history",
        "examples/history.csv",
        "--customers",
        customers.to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    // Without the history the lookup cannot happen: each test fails and says why.
    let (code, stdout, _) = run(&["policies/default.toml", "tests/data/cases/history.tests.toml"]);
    assert_eq!(code, 3);
    assert!(stdout.contains("give `--history` to look it up"), "{stdout}");
}

#[test]
fn unknown_keys_in_a_test_file_are_errors_with_their_line() {
    let (code, stdout, stderr) = run(&["policies/default.toml", "tests/data/cases/unknown-key.tests.toml"]);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("tests/data/cases/unknown-key.tests.toml:13:1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("unknown key `cost_maximum` in `[test.expect]`"),
        "{stderr}"
    );
}

#[test]
fn every_mistake_of_a_test_file_is_reported_in_one_run() {
    // An unknown key, values of the wrong type or out of range, and ids,
    // kinds and fields the policy does not know: none hides another.
    let file = "tests/data/cases/every-mistake.tests.toml";
    let (code, stdout, stderr) = run(&["policies/default.toml", file]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    let found: Vec<(String, &str)> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error["))
        .zip(
            stderr
                .lines()
                .filter_map(|l| l.trim_start().strip_prefix(&format!("┌─ {file}:"))),
        )
        .map(|(e, at)| (at.to_string(), e.split(']').next().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("6:1".to_string(), "unknown-key"),
            ("8:8".to_string(), "unknown-kind"),
            ("9:8".to_string(), "wrong-type"),
            ("10:12".to_string(), "wrong-type"),
            ("11:1".to_string(), "unknown-field"),
            ("15:1".to_string(), "unknown-field"),
            ("16:11".to_string(), "out-of-range"),
            ("18:11".to_string(), "unknown-gesture"),
            ("19:27".to_string(), "unknown-gesture"),
            ("20:8".to_string(), "wrong-type"),
            ("21:12".to_string(), "wrong-type"),
        ],
        "{stderr}"
    );
    assert!(stderr.starts_with(&format!("error: invalid test file `{file}`: 11 errors, 0 warnings\n")));
    // Behind a byte-order mark, every mistake is where it was.
    let dir = tempfile::tempdir().unwrap();
    let marked = dir.path().join("marked.tests.toml");
    let text = std::fs::read_to_string(file).unwrap();
    std::fs::write(&marked, format!("\u{feff}{text}")).unwrap();
    let (code, _, marked_err) = run(&["policies/default.toml", marked.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(marked_err.replace(marked.to_str().unwrap(), file), stderr);
}

#[test]
fn a_test_table_before_the_first_test_is_one_error_at_it() {
    // Each later `[[test]]`, and each key of the second test, was a
    // "duplicate key" of its own: six errors, none at the mistake.
    let file = "tests/data/cases/table-before-test.tests.toml";
    let (code, stdout, stderr) = run(&["policies/default.toml", file]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: invalid test file `{file}`: 1 error, 0 warnings\n")),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("┌─ {file}:4:1")), "{stderr}");
    assert!(
        stderr.contains("`[test.incident]` comes before the first `[[test]]` (line 9)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: move `[test.incident]` below the `[[test]]` it belongs to"),
        "{stderr}"
    );
}

#[test]
fn ids_and_attributes_are_checked_against_the_policy() {
    let (code, _, stderr) = run(&["policies/default.toml", "tests/data/cases/unknown-ids.tests.toml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`credit5` is not a gesture of policy `policies/default.toml`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `credit_5`?"), "{stderr}");
    assert!(stderr.contains("`latte` is not a rule"), "{stderr}");
    // Each misspelt key is pointed at, not its value.
    assert!(
        stderr.contains(
            "`coupn_pct` is neither an incident field nor an attribute the policy declares\n  \
             ┌─ tests/data/cases/unknown-ids.tests.toml:8:1\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `coupon_pct`?"), "{stderr}");
    assert!(
        stderr.contains(
            "`tenure_dayz` is neither a customer feature nor an attribute the policy declares\n   \
             ┌─ tests/data/cases/unknown-ids.tests.toml:11:1\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `tenure_days`?"), "{stderr}");
    assert!(stderr.contains("4 errors"), "{stderr}");
}

#[test]
fn a_test_file_that_cannot_be_read_is_a_usage_error() {
    // Exit 2, as for a policy that cannot be read: 1 is for a fatal error in the data.
    let (code, stdout, stderr) = run(&["policies/default.toml", "tests/data/cases/missing.tests.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: cannot read test file `tests/data/cases/missing.tests.toml`: "),
        "{stderr}"
    );
    let (code, _, _) = run(&["tests/data/cases/missing.toml", "policies/default.tests.toml"]);
    assert_eq!(code, 2);
    // Under JSON, either is a report of one `read` diagnostic on standard
    // output, as `policy check --format json` gives one.
    for (args, file, message) in [
        (
            ["policies/default.toml", "tests/data/cases/missing.tests.toml"],
            "tests/data/cases/missing.tests.toml",
            "cannot read test file: ",
        ),
        (
            ["tests/data/cases/missing.toml", "policies/default.tests.toml"],
            "tests/data/cases/missing.toml",
            "cannot read policy: ",
        ),
    ] {
        let (code, stdout, stderr) = run(&[args[0], args[1], "--format", "json"]);
        assert_eq!((code, stderr.as_str()), (2, ""));
        let j: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!((j["file"].as_str(), j["errors"].as_u64()), (Some(file), Some(1)));
        assert_eq!(j["diagnostics"][0]["code"], "read");
        assert!(
            j["diagnostics"][0]["message"].as_str().unwrap().starts_with(message),
            "{stdout}"
        );
    }
}

#[test]
fn every_test_file_refused_is_reported_in_one_run() {
    // Only the first one refused was reported: an author fixing a suite ran
    // once per file.
    let files = [
        "tests/data/cases/unknown-key.tests.toml",
        "tests/data/cases/missing.tests.toml",
        "policies/default.tests.toml",
        "tests/data/cases/table-before-test.tests.toml",
    ];
    let (code, stdout, stderr) = run(&[&["policies/default.toml"][..], &files].concat());
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    let headers: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(headers.len(), 3, "{stderr}");
    assert!(headers[0].starts_with(&format!("error: invalid test file `{}`", files[0])));
    assert!(headers[1].starts_with(&format!("error: cannot read test file `{}`", files[1])));
    assert!(headers[2].starts_with(&format!("error: invalid test file `{}`", files[3])));
    // Under JSON, a report for each, one after another.
    let (code, stdout, stderr) = run(&[&["policies/default.toml"][..], &files, &["--format", "json"]].concat());
    assert_eq!((code, stderr.as_str()), (2, ""));
    let reports: Vec<Value> = serde_json::Deserializer::from_str(&stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let named: Vec<&str> = reports.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(named, [files[0], files[1], files[3]]);
}

#[test]
fn min_coverage_is_a_percentage() {
    let (code, _, stderr) = run(&[
        "policies/default.toml",
        "policies/default.tests.toml",
        "--min-coverage",
        "150",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`--min-coverage 150`: give a percentage from 0 to 100"),
        "{stderr}"
    );
}

#[test]
fn a_rule_expectation_says_which_rules_gave_which_answer() {
    // A late delivery: `late` offers the chosen credit_5, `defective` does not match.
    let dir = tempfile::tempdir().unwrap();
    let tests = dir.path().join("rule.tests.toml");
    std::fs::write(
        &tests,
        "date = 2026-11-20\n[[test]]\nname = \"late\"\n[test.incident]\nkind = \"late_delivery\"\nloss = 5\n\
         order_value = 40\n[test.customer]\norders = 5\navg_order_value = 40\ntenure_days = 400\n\
         [test.expect]\nrule = \"defective\"\n",
    )
    .unwrap();
    let (code, stdout, _) = run(&["policies/default.toml", tests.to_str().unwrap()]);
    assert_eq!(code, 3, "{stdout}");
    assert!(
        stdout.contains("  rule: expected `defective`, got `late` (offered `credit_5`)\n"),
        "{stdout}"
    );
}

/// The coupon example's impact is +$36.12 on the rep's screen (36.1153...
/// unrounded): a test that copies the figure holds it to the cent.
#[test]
fn an_impact_bound_is_met_as_the_rep_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let tests = dir.path().join("coupon.tests.toml");
    let test = |bounds: &str| {
        format!(
            "[[test]]\nname = \"coupon\"\ncustomer_id = \"C0004711\"\n[test.incident]\nkind = \"expired_coupon\"\n\
             date = 2026-11-20\norder_value = 60\nloss = 12\ncoupon_pct = 20\n[test.expect]\ncost = 12.00\n{bounds}"
        )
    };
    let run_with = |bounds: &str| {
        std::fs::write(&tests, test(bounds)).unwrap();
        let out = goodwill()
            .args(["policy", "test", "policies/default.toml"])
            .arg(&tests)
            .args(["--history", "examples/history.csv"])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, stdout) = run_with("impact_min = 36.12\nimpact_max = 36.12\n");
    assert_eq!(code, Some(0), "{stdout}");
    let (code, stdout) = run_with("impact_min = 36.13\n");
    assert_eq!(code, Some(3), "{stdout}");
    assert!(stdout.contains("impact_min: expected >= 36.13, got 36.12"), "{stdout}");
}

/// A script reading `--format json` gets an invalid test file's problems as
/// JSON diagnostics, as `policy check` gives them, with exit 2.
#[test]
fn an_invalid_test_file_is_json_diagnostics_under_json() {
    let (code, stdout, stderr) = run(&[
        "policies/default.toml",
        "tests/data/cases/unknown-ids.tests.toml",
        "--format",
        "json",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr, "");
    let j: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["file"], "tests/data/cases/unknown-ids.tests.toml");
    assert_eq!(j["errors"], 4);
    let codes: Vec<&str> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"unknown-gesture"), "{codes:?}");
    // As text, the same problems go to standard error.
    let (code, stdout, stderr) = run(&["policies/default.toml", "tests/data/cases/unknown-ids.tests.toml"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("4 errors"), "{stderr}");
}
