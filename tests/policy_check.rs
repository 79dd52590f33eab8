//! `goodwill policy check` through the real binary: every error in one run,
//! the lints, and the JSON for editors and CI.

mod common;

use common::goodwill;
use serde_json::Value;

fn check(args: &[&str]) -> (i32, String, String) {
    let out = goodwill().args(["policy", "check"]).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn five_mistakes_are_reported_together() {
    let (code, stdout, stderr) = check(&["tests/data/check/five-errors.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr, "");
    for at in [
        "five-errors.toml:5:1",
        "five-errors.toml:8:18",
        "five-errors.toml:17:45",
        "five-errors.toml:18:22",
        "five-errors.toml:22:9",
    ] {
        assert!(stdout.contains(at), "{at} missing from:\n{stdout}");
    }
    assert!(stdout.ends_with("5 errors, 0 warnings\n"), "{stdout}");
    insta::assert_snapshot!("five_errors", stdout);
}

#[test]
fn warnings_do_not_fail_the_check() {
    let (code, stdout, _) = check(&["tests/data/check/warnings.toml"]);
    assert_eq!(code, 0);
    for code in [
        "warning[inverted-recovery]",
        "warning[unused-gesture]",
        "warning[offer-over-limit]",
        "warning[unknown-kind]",
        "warning[rule-does-nothing]",
        "warning[unreachable-rule]",
    ] {
        assert!(stdout.contains(code), "{code} missing from:\n{stdout}");
    }
    assert!(stdout.ends_with("0 errors, 6 warnings\n"), "{stdout}");
    insta::assert_snapshot!("warnings", stdout);
}

/// CI has a way to stop on a warning: a misspelt kind in a condition
/// (`expired_copuon`) loads, and answers that kind with the apology alone.
#[test]
fn deny_warnings_fails_on_a_warning_as_on_an_error() {
    let (code, stdout, stderr) = check(&["tests/data/check/warnings.toml", "--deny-warnings"]);
    assert_eq!((code, stderr.as_str()), (2, ""));
    assert!(stdout.contains("warning[unknown-kind]"), "{stdout}");
    assert!(
        stdout.ends_with("0 errors, 6 warnings (denied by --deny-warnings)\n"),
        "{stdout}"
    );
    let (code, stdout, _) = check(&["tests/data/check/warnings.toml", "--deny-warnings", "--format", "json"]);
    assert_eq!(code, 2);
    let j: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((j["errors"].as_u64(), j["warnings"].as_u64()), (Some(0), Some(6)));
    // A clean policy still passes, and errors still fail.
    let (code, stdout, _) = check(&["policies/default.toml", "--deny-warnings"]);
    assert_eq!((code, stdout.as_str()), (0, "0 errors, 0 warnings\n"));
    let (code, stdout, _) = check(&["tests/data/check/five-errors.toml", "--deny-warnings"]);
    assert_eq!(code, 2);
    assert!(stdout.ends_with("5 errors, 0 warnings\n"), "{stdout}");
}

#[test]
fn json_carries_position_code_and_help() {
    let (code, stdout, _) = check(&["tests/data/check/five-errors.toml", "--format", "json"]);
    assert_eq!(code, 2);
    let j: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["errors"], 5);
    assert_eq!(j["warnings"], 0);
    let d = &j["diagnostics"][2];
    assert_eq!(d["code"], "unknown-field");
    assert_eq!(d["severity"], "error");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(17), Some(45)));
    assert_eq!(d["help"], "did you mean `customer.tenure_days`?");
    insta::assert_snapshot!("five_errors_json", serde_json::to_string_pretty(&j).unwrap());
}

#[test]
fn a_field_name_cut_short_gets_the_one_it_begins() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("short.toml");
    let text = std::fs::read_to_string("policies/default.toml").unwrap();
    assert!(text.contains("customer.orders >= 2.0"));
    std::fs::write(
        &policy,
        text.replacen("customer.orders >= 2.0", "customer.tenure > 30.0", 1),
    )
    .unwrap();
    let (code, stdout, _) = check(&[policy.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stdout.contains("unknown field `customer.tenure`"), "{stdout}");
    assert!(
        stdout.contains("= help: did you mean `customer.tenure_days`?"),
        "{stdout}"
    );
}

#[test]
fn the_shipped_policy_is_clean() {
    let (code, stdout, _) = check(&["policies/default.toml"]);
    assert_eq!((code, stdout.as_str()), (0, "0 errors, 0 warnings\n"));
}

#[test]
fn one_bad_bgnbd_parameter_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bg.toml");
    std::fs::write(
        &path,
        "[model]\nltv=\"bgnbd\"\n[model.bgnbd]\nr=-0.243\nalpha=4.414\na=0.793\nb=2.426\n\
         [model.gamma_gamma]\np=6.25\nq=3.74\nv=15.44\n",
    )
    .unwrap();
    let (code, stdout, _) = check(&[path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("error[out-of-range]: `r` in `[model.bgnbd]` must be a positive number"),
        "{stdout}"
    );
    assert!(!stdout.contains("needs its parameters"), "{stdout}");
    assert!(stdout.ends_with("1 error, 0 warnings\n"), "{stdout}");
}

#[test]
fn the_gestures_offered_instead_of_an_unknown_one_are_listed_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dup.toml");
    std::fs::write(
        &path,
        "[[gesture]]\nid = \"honor_coupon\"\nlabel = \"a\"\ncost = 1\n\
         [[gesture]]\nid = \"honor_coupon\"\nlabel = \"b\"\ncost = 2\n\
         [[rule]]\nid = \"r\"\noffer = [\"voucher\"]\n",
    )
    .unwrap();
    let (code, stdout, _) = check(&[path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stdout.contains("error[duplicate-id]"), "{stdout}");
    assert!(
        stdout.contains("= help: gestures are: honor_coupon, apology\n"),
        "{stdout}"
    );
}

/// A policy saved as Latin-1 (`café` as one byte 0xE9) is pointed at like
/// any other mistake, in text and JSON; the case and test files, read the
/// same way, name the line and column in their message.
#[test]
fn a_file_that_is_not_utf8_is_pointed_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("latin1.toml");
    std::fs::write(&policy, b"[policy]\nname = \"caf\xe9\"\n").unwrap();
    let policy = policy.to_str().unwrap();
    let (code, stdout, _) = check(&[policy, "--format", "json"]);
    assert_eq!(code, 2);
    let j: Value = serde_json::from_str(&stdout).unwrap();
    let d = &j["diagnostics"][0];
    assert_eq!(
        (d["code"].as_str(), d["line"].as_u64(), d["column"].as_u64()),
        (Some("not-utf8"), Some(2), Some(12))
    );
    assert_eq!(d["message"], "byte 0xE9 is not UTF-8");
    let (code, stdout, _) = check(&[policy]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains(&format!("error[not-utf8]: byte 0xE9 is not UTF-8\n  ┌─ {policy}:2:12")),
        "{stdout}"
    );

    let case = dir.path().join("case.toml");
    std::fs::write(&case, b"customer = \"C1\"\nkind = \"d\xe9lai\"\n").unwrap();
    let out = goodwill().args(["recommend", "--case"]).arg(&case).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: cannot read case file `{}`: line 2, column 10: byte 0xE9 is not UTF-8: save the file as UTF-8\n",
            case.display()
        )
    );
}

#[test]
fn a_missing_file_is_an_error() {
    let (code, stdout, stderr) = check(&["tests/data/check/no-such.toml"]);
    // Exit 2, as for `--policy` in every other command.
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("cannot read policy `tests/data/check/no-such.toml`"),
        "{stderr}"
    );
}

#[test]
fn a_mistake_after_escaped_quotes_is_pointed_at_exactly() {
    let (code, stdout, _) = check(&["tests/data/check/escaped.toml"]);
    assert_eq!(code, 2);
    // Line 10 is `when = "incident.kind == \"late_delivery\" && customer.ordrs > 2"`.
    assert!(stdout.contains("escaped.toml:10:47"), "{stdout}");
    assert!(
        stdout.contains(&format!("│ {}{}\n", " ".repeat(46), "^".repeat(14))),
        "{stdout}"
    );
}

/// A script reading `--format json` gets JSON for a file it cannot read too.
#[test]
fn an_unreadable_policy_is_a_json_diagnostic_under_json() {
    let out = goodwill()
        .args([
            "policy",
            "check",
            "tests/data/check/no-such-policy.toml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["errors"], 1);
    assert_eq!(j["diagnostics"][0]["code"], "read");
    let message = j["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("cannot read policy: "), "{message}");
    // As text, the error is on standard error, as before.
    let out = goodwill()
        .args(["policy", "check", "tests/data/check/no-such-policy.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: cannot read policy"));
}

#[test]
fn the_expression_errors_in_the_docs_are_the_binarys() {
    // docs/expressions.md shows these three errors as `policy check` prints
    // them for a policy.toml with these rules.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("policy.toml"),
        "[[rule]]\nid = \"r1\"\nwhen = 'incident.kidn == \"late\"'\noffer = [\"apology\"]\n\n\
         [[rule]]\nid = \"r2\"\nwhen = 'customer.orders >= \"5\"'\noffer = [\"apology\"]\n\n\
         [[rule]]\nid = \"r3\"\nwhen = 'incident.loss * 2'\noffer = [\"apology\"]\n",
    )
    .unwrap();
    let out = goodwill()
        .args(["policy", "check", "policy.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let docs = std::fs::read_to_string("docs/expressions.md").unwrap();
    let blocks: Vec<&str> = docs.split("```\n").filter(|b| b.starts_with("error[")).collect();
    assert_eq!(blocks.len(), 2, "{docs}");
    for block in blocks {
        assert!(
            stdout.contains(block),
            "docs/expressions.md shows:\n{block}\nthe binary prints:\n{stdout}"
        );
    }
    assert!(stdout.ends_with("3 errors, 0 warnings\n"), "{stdout}");
}

/// docs/expressions.md said a free gesture (a cost reading a missing
/// attribute) replaces the apology by list order; under the `logistic`
/// curve `R(0) > 0`, and it wins on impact even offered after the apology.
#[test]
fn a_free_gesture_beats_the_apology_as_the_expression_docs_say() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("free.toml");
    let recommend = |curve: &str, offer: &str| -> Value {
        std::fs::write(
            &policy,
            format!(
                "[policy]\nkinds = [\"broken\"]\n[recovery]\ncurve = \"{curve}\"\n\
                 [attributes]\n\"customer.plan_price\" = \"number\"\n\
                 [[gesture]]\nid = \"six_months\"\nlabel = \"Six months free\"\ncost = \"customer.plan_price * 6\"\n\
                 [[rule]]\nid = \"r\"\noffer = [{offer}]\n"
            ),
        )
        .unwrap();
        let out = goodwill()
            .args(["recommend", "--policy"])
            .arg(&policy)
            .args("--customer C1 --kind broken --loss 12 --order-value 60 --format json".split(' '))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let both = "\"apology\", \"six_months\"";
    // `linear`: R(0) = 0, a tie at $0, and the earlier listed wins.
    assert_eq!(recommend("linear", both)["gesture"], "apology");
    assert_eq!(recommend("linear", "\"six_months\"")["gesture"], "six_months");
    // `logistic`: R(0) = 1 / (1 + exp(7 × 0.85)) = 0.0025991, so
    // q = 0.1 + 0.9 × 0.0025991 = 0.102339, above the apology's 0.1.
    let j = recommend("logistic", both);
    assert_eq!(j["gesture"], "six_months");
    assert_eq!(j["options"][1]["gesture"], "six_months");
    let q = j["options"][1]["recovery"].as_f64().unwrap();
    assert!((q - 0.102339).abs() < 1e-6, "{q}");
    let docs = std::fs::read_to_string("docs/expressions.md").unwrap();
    assert!(docs.contains("Under `logistic`, `R(0)` is above 0"), "{docs}");
    assert!(docs.contains("(10.2% against 10% at\n`effectiveness` 1)"), "{docs}");
}

#[test]
fn ids_that_read_as_part_of_an_answer_are_refused_at_the_id() {
    let (code, stdout, stderr) = check(&["tests/data/check/reserved-ids.toml"]);
    assert_eq!((code, stderr.as_str()), (2, ""));
    for (at, message) in [
        (
            "reserved-ids.toml:9:6",
            "error[reserved-id]: gesture id `escalate` is the name of a decision",
        ),
        (
            "reserved-ids.toml:14:6",
            "error[reserved-id]: gesture id `error` is the name of a decision",
        ),
        (
            "reserved-ids.toml:19:6",
            "error[reserved-id]: rule id `late;callback` contains `;`",
        ),
    ] {
        assert!(
            stdout.contains(at) && stdout.contains(message),
            "{at} {message} missing from:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("= help: answers name their rules joined by `;`"),
        "{stdout}"
    );
    assert!(stdout.ends_with("3 errors, 0 warnings\n"), "{stdout}");

    let (code, stdout, _) = check(&["tests/data/check/reserved-ids.toml", "--format", "json"]);
    assert_eq!(code, 2);
    let j: Value = serde_json::from_str(&stdout).unwrap();
    let got: Vec<(u64, u64, &str)> = (j["diagnostics"].as_array().unwrap().iter())
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [(9, 6, "reserved-id"), (14, 6, "reserved-id"), (19, 6, "reserved-id")]
    );
    assert!(
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["help"].is_string())
    );
}

#[test]
fn a_money_limit_finer_than_cents_is_refused_at_its_value() {
    let (code, stdout, stderr) = check(&["tests/data/check/sub-cent-limits.toml"]);
    assert_eq!((code, stderr.as_str()), (2, ""));
    for (at, message, help) in [
        (
            "sub-cent-limits.toml:9:21",
            "error[wrong-type]: `max_cost_per_case` is money, compared to the cent: `3.505` has more decimals",
            "= help: write `3.50` or `3.51`, the limit you mean",
        ),
        (
            "sub-cent-limits.toml:10:29",
            "error[wrong-type]: `max_cost_per_customer_12m` is money, compared to the cent: `149.999` has more decimals",
            "= help: write `149.99` or `150.00`, the limit you mean",
        ),
    ] {
        for text in [at, message, help] {
            assert!(stdout.contains(text), "{text} missing from:\n{stdout}");
        }
    }
    assert!(stdout.ends_with("2 errors, 0 warnings\n"), "{stdout}");
}
