//! Loading policies: what resolves, and every error with its position.

use super::*;

const MINIMAL: &str = r#"
[policy]
name = "t"
kinds = ["expired_coupon", "late_delivery"]

[attributes]
"incident.coupon_pct" = "number"

[[gesture]]
id = "honor_coupon"
label = "Honour the coupon"
cost = "incident.order_value * incident.coupon_pct / 100"
when = "incident.coupon_pct > 0"

[[rule]]
id = "coupon"
when = 'incident.kind == "expired_coupon" && customer.orders >= 2'
offer = ["honor_coupon", "apology"]
"#;

fn errors(src: &str) -> Vec<(String, &'static str, String, Option<String>)> {
    let report = load_str(src, "p.toml", None).expect_err("the policy should be invalid");
    report
        .diagnostics
        .iter()
        .map(|d| {
            let (line, col) = report.line_col(d.span.start);
            (format!("{line}:{col}"), d.code, d.message.clone(), d.help.clone())
        })
        .collect()
}

fn with(extra: &str) -> String {
    format!("{MINIMAL}{extra}")
}

#[test]
fn minimal_policy_resolves_with_defaults() {
    let (p, warnings) = load_str(MINIMAL, "p.toml", None).unwrap();
    assert!(warnings.diagnostics.is_empty());
    assert_eq!(p.name, "t");
    assert_eq!(p.currency, "USD");
    assert_eq!(p.model.horizon_months, 36);
    assert_eq!(p.model.margin, 0.30);
    assert_eq!(p.gestures.len(), 1);
    assert_eq!(p.rules[0].offer, vec![Some(0), None]);
    assert_eq!(p.recovery.param("churn_unresolved").unwrap().constant(), Some(0.54));
    assert_eq!(p.limits, Limits::default());
}

#[test]
fn default_policy_is_valid() {
    let (p, report) = load_str(DEFAULT_SOURCE, DEFAULT_NAME, None).unwrap_or_else(|r| panic!("{r}"));
    assert!(report.diagnostics.is_empty(), "{report}");
    assert!(p.gestures.len() >= 6);
    assert_eq!(p.limits.max_cents_per_case, Some(15_000));
}

#[test]
fn kind_overrides_merge_over_the_base() {
    let p = with(
        "[recovery]\nchurn_unresolved = 0.5\n[recovery.kinds.late_delivery]\ncurve = \"concave\"\nchurn_resolved = 0.2\n",
    );
    let (p, _) = load_str(&p, "p.toml", None).unwrap();
    let late = p.recovery_for("late_delivery");
    assert_eq!(late.curve, Curve::Concave);
    assert_eq!(late.param("churn_unresolved").unwrap().constant(), Some(0.5));
    assert_eq!(late.param("churn_resolved").unwrap().constant(), Some(0.2));
    assert_eq!(p.recovery_for("expired_coupon").curve, Curve::Linear);
}

#[test]
fn toml_syntax_error_has_a_position() {
    let e = errors("[policy\nname = \"x\"\n");
    assert_eq!(e[0].1, "syntax");
    assert!(e[0].0.starts_with("1:"), "{e:?}");
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let e = errors(&with("[limits]\nmax_cost_per_cse = 10\n"));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].1, "unknown-key");
    assert_eq!(e[0].2, "unknown key `max_cost_per_cse` in `[limits]`");
    assert_eq!(e[0].3.as_deref(), Some("did you mean `max_cost_per_case`?"));
    assert_eq!(e[0].0, "20:1");
}

#[test]
fn offer_of_unknown_gesture() {
    let src = MINIMAL.replace("offer = [\"honor_coupon\", \"apology\"]", "offer = [\"honour_coupon\"]");
    let e = errors(&src);
    assert_eq!(e[0].1, "unknown-gesture");
    assert_eq!(e[0].2, "rule `coupon` offers unknown gesture `honour_coupon`");
    assert_eq!(e[0].3.as_deref(), Some("did you mean `honor_coupon`?"));
    assert_eq!(e[0].0, "18:10");
}

#[test]
fn the_gestures_listed_for_an_unknown_one_name_each_once() {
    let src = with(
        "[[gesture]]\nid = \"honor_coupon\"\nlabel = \"again\"\ncost = 1\n\
         [[rule]]\nid = \"r\"\noffer = [\"voucher\"]\n",
    );
    let e = errors(&src);
    let codes: Vec<&str> = e.iter().map(|e| e.1).collect();
    assert_eq!(codes, ["duplicate-id", "unknown-gesture"], "{e:?}");
    assert_eq!(e[1].3.as_deref(), Some("gestures are: honor_coupon, apology"));
}

#[test]
fn unknown_field_in_an_expression_points_inside_it() {
    let src = MINIMAL.replace(
        "incident.kind == \"expired_coupon\"",
        "incident.kidn == \"expired_coupon\"",
    );
    let e = errors(&src);
    assert_eq!(e[0].1, "unknown-field");
    assert!(e[0].2.contains("incident.kidn"), "{e:?}");
    assert_eq!(e[0].3.as_deref(), Some("did you mean `incident.kind`?"));
    // `when = '` is 8 characters: the field starts at column 9.
    assert_eq!(e[0].0, "17:9");
}

#[test]
fn number_compared_with_a_string() {
    let src = MINIMAL.replace("customer.orders >= 2", "customer.orders >= \"5\"");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].1, "expression");
    assert!(e[0].2.contains("number") && e[0].2.contains("string"), "{e:?}");
    assert_eq!(e[0].0, "17:46", "{e:?}");
}

#[test]
fn probability_out_of_range() {
    let e = errors(&with("[recovery]\nchurn_unresolved = 1.5\n"));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].1, "out-of-range");
    assert_eq!(e[0].2, "`churn_unresolved` must be between 0 and 1, found 1.5");
    assert_eq!(e[0].0, "20:20");
}

/// A discount rate written as a percent (`10` for 10%) was taken as 1000%
/// a year, shrinking every future value, while `margin = 30` was refused.
#[test]
fn a_discount_rate_above_1_is_refused_as_margin_is() {
    for (key, help) in [
        (
            "margin",
            "a probability or a share: write a number from 0 to 1, such as 0.25",
        ),
        (
            "annual_discount_rate",
            "a rate a year: write a number from 0 to 1, such as 0.10 for 10%",
        ),
    ] {
        let e = errors(&with(&format!("[model]\n{key} = 10\n")));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            (e[0].0.as_str(), e[0].1, e[0].2.as_str(), e[0].3.as_deref()),
            (
                format!("20:{}", key.len() + 4).as_str(),
                "out-of-range",
                format!("`{key}` must be between 0 and 1, found 10").as_str(),
                Some(help)
            )
        );
    }
    for fine in ["0", "0.10", "1"] {
        let (p, _) = load_str(
            &with(&format!("[model]\nannual_discount_rate = {fine}\n")),
            "p.toml",
            None,
        )
        .unwrap();
        assert_eq!(p.model.annual_discount_rate, fine.parse::<f64>().unwrap());
    }
}

#[test]
fn a_constant_branch_out_of_range_is_an_error_at_the_branch() {
    let src = with(
        "[recovery]\nchurn_resolved = \"incident.loss > 10 ? 1.2 : 0.05\"\n\
         [[gesture]]\nid = \"g\"\nlabel = \"G\"\n\
         cost = \"incident.loss > 0 ? incident.loss : -5\"\n\
         effectiveness = '''\n  customer.orders > 2\n    ? (incident.loss > 5 ? 0.5 : 1.5)\n    : 0.25'''\n",
    );
    let e = errors(&src);
    let got: Vec<(&str, &str, &str)> = e.iter().map(|e| (e.0.as_str(), e.1, e.2.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                "20:40",
                "out-of-range",
                "`churn_resolved` must be between 0 and 1, but this branch gives 1.2"
            ),
            (
                "24:45",
                "negative-money",
                "`cost` must be zero or more and under 1e13 (10 trillion), but this branch gives -5"
            ),
            (
                "27:34",
                "out-of-range",
                "`effectiveness` must be between 0 and 1, but this branch gives 1.5"
            ),
        ],
        "{e:?}"
    );
    // A branch a constant condition rules out is never taken: no error.
    let fine = with("[recovery]\nchurn_resolved = \"incident.loss > 10 ? (1 > 2 ? 1.5 : 0.2) : 0.05\"\n");
    assert!(load_str(&fine, "p.toml", None).is_ok());
}

#[test]
fn a_constant_division_by_zero_is_named_as_one() {
    let src = with(
        "[recovery]\nchurn_resolved = \"0 / 0\"\n\
         [[gesture]]\nid = \"g\"\nlabel = \"G\"\ncost = \"3.50 / 0\"\n\
         effectiveness = \"incident.loss > 0 ? 1 / 0 : 0.5\"\n",
    );
    let guard = Some("guard a divisor that can be 0, as in `x > 0 ? y / x : 0`".to_string());
    let got: Vec<(String, String, Option<String>)> = errors(&src).into_iter().map(|e| (e.0, e.2, e.3)).collect();
    assert_eq!(
        got,
        [
            (
                "20:18".into(),
                "`churn_resolved` must be between 0 and 1, found an undefined number (a division of zero by zero?)"
                    .into(),
                guard.clone()
            ),
            (
                "24:8".into(),
                "`cost` must be zero or more and under 1e13 (10 trillion), found an infinite number (a division by zero?)".into(),
                guard.clone()
            ),
            (
                "25:38".into(),
                "`effectiveness` must be between 0 and 1, but this branch gives an infinite number (a division by \
                 zero?)"
                    .into(),
                guard
            ),
        ]
    );
}

#[test]
fn a_gesture_offered_twice_by_one_rule_is_an_error_at_the_second() {
    let src = MINIMAL.replace(
        "offer = [\"honor_coupon\", \"apology\"]",
        "offer = [\"honor_coupon\", \"apology\", \"honor_coupon\"]",
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].0.as_str(), e[0].1, e[0].2.as_str()),
        ("18:37", "duplicate-id", "rule `coupon` offers `honor_coupon` twice")
    );
}

#[test]
fn an_attribute_of_unknown_type_is_one_error_not_one_per_use() {
    let src = MINIMAL.replace(
        "\"incident.coupon_pct\" = \"number\"",
        "\"incident.coupon_pct\" = \"numbr\"",
    );
    let e = errors(&src);
    let got: Vec<(&str, &str)> = e.iter().map(|e| (e.0.as_str(), e.1)).collect();
    assert_eq!(got, [("7:25", "unknown-type")], "{e:?}");
    assert_eq!(e[0].3.as_deref(), Some("did you mean `number`?"));
}

/// A gesture whose `id` is not a string cannot be found by the rules that
/// offer it: their errors say that it may be the one.
#[test]
fn an_offer_of_a_gesture_whose_id_is_unreadable_says_it_may_be_that_one() {
    let src = MINIMAL.replacen("id = \"honor_coupon\"", "id = 5", 1);
    let e = errors(&src);
    let got: Vec<(&str, &str)> = e.iter().map(|e| (e.1, e.2.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                "wrong-type",
                "`id` in `[[gesture]]` #1 must be a string, found a number"
            ),
            ("unknown-gesture", "rule `coupon` offers unknown gesture `honor_coupon`"),
        ],
        "{e:?}"
    );
    assert_eq!(
        e[1].3.as_deref(),
        Some("`[[gesture]]` #1 has an `id` that is not a string: if this is it, mend that `id`; gestures are: apology")
    );
}

#[test]
fn a_key_of_the_wrong_type_is_not_also_missing() {
    let e = errors(&with("[[gesture]]\nid = \"g\"\nlabel = 5\ncost = 1e400\n"));
    let got: Vec<(&str, &str)> = e.iter().map(|e| (e.0.as_str(), e.1)).collect();
    assert_eq!(got, [("21:9", "wrong-type"), ("22:8", "out-of-range")], "{e:?}");
    let e = errors(&with(
        "[[gesture]]\nid = 5\nlabel = \"G\"\ncost = 1\n[[rule]]\nid = 7\n",
    ));
    let got: Vec<(&str, &str)> = e.iter().map(|e| (e.0.as_str(), e.1)).collect();
    assert_eq!(got, [("20:6", "wrong-type"), ("24:6", "wrong-type")], "{e:?}");
    // Really missing, it says so.
    let e = errors(&with("[[gesture]]\nid = \"g\"\n"));
    let got: Vec<&str> = e.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(got, ["gesture `g` needs a `label`", "gesture `g` needs a `cost`"]);
}

#[test]
fn an_empty_kinds_list_is_an_error() {
    let src = MINIMAL.replace("kinds = [\"expired_coupon\", \"late_delivery\"]", "kinds = []");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].0.as_str(), e[0].1, e[0].2.as_str()),
        (
            "4:9",
            "out-of-range",
            "`kinds` lists no kind: every incident would be rejected"
        )
    );
}

#[test]
fn a_blank_label_is_an_error() {
    let e = errors(&with("[[gesture]]\nid = \"g\"\nlabel = \"  \"\ncost = 1\n"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].0.as_str(), e[0].1, e[0].2.as_str()),
        ("21:9", "missing-key", "a gesture's `label` cannot be empty")
    );
}

#[test]
fn negative_money_and_duplicate_ids() {
    let src = with(
        "[limits]\nmax_cost_per_case = -5\n[[gesture]]\nid = \"honor_coupon\"\nlabel = \"x\"\ncost = 1\n[[gesture]]\nid = \"c\"\nlabel = \"c\"\ncost = -2\n",
    );
    let codes: Vec<&str> = errors(&src).iter().map(|e| e.1).collect();
    assert_eq!(codes, ["negative-money", "duplicate-id", "negative-money"]);
}

#[test]
fn a_gesture_named_as_a_decision_is_refused_like_the_apology() {
    for word in ["escalate", "error", "apology"] {
        let src = with(&format!("[[gesture]]\nid = \"{word}\"\nlabel = \"x\"\ncost = 1\n"));
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{word}: {e:?}");
        assert_eq!(e[0].0, "20:6", "{word}: the id's value");
        assert!(e[0].2.starts_with(&format!("gesture id `{word}` is ")), "{e:?}");
        assert!(
            e[0].3.as_deref().is_some_and(|h| h.ends_with("pick another id")),
            "{e:?}"
        );
    }
    let (p, _) = load_str(
        &with("[[gesture]]\nid = \"escalated\"\nlabel = \"x\"\ncost = 1\n"),
        "p.toml",
        None,
    )
    .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(p.gestures[1].id, "escalated");
}

#[test]
fn a_semicolon_in_a_rule_id_is_refused_as_the_rule_column_splits_there() {
    let e = errors(&MINIMAL.replace("id = \"coupon\"", "id = \"coupon;late\""));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].0.as_str(), e[0].1, e[0].2.as_str()),
        ("16:6", "reserved-id", "rule id `coupon;late` contains `;`")
    );
    // A gesture id is never joined with others, so it may hold one.
    let src = with("[[gesture]]\nid = \"a;b\"\nlabel = \"x\"\ncost = 1\n");
    assert!(load_str(&src, "p.toml", None).is_ok());
}

#[test]
fn a_money_limit_finer_than_cents_is_refused_at_its_value() {
    let limits = |case: &str, customer: &str| {
        format!("[limits]\nmax_cost_per_case = {case}\nmax_cost_per_customer_12m = {customer}\n")
    };
    let e = errors(&limits("3.505", "149.999"));
    let got: Vec<(&str, &str, &str)> = e.iter().map(|e| (e.0.as_str(), e.1, e.2.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                "2:21",
                "wrong-type",
                "`max_cost_per_case` is money, compared to the cent: `3.505` has more decimals"
            ),
            (
                "3:29",
                "wrong-type",
                "`max_cost_per_customer_12m` is money, compared to the cent: `149.999` has more decimals"
            ),
        ]
    );
    assert_eq!(e[0].3.as_deref(), Some("write `3.50` or `3.51`, the limit you mean"));
    assert_eq!(
        e[1].3.as_deref(),
        Some("write `149.99` or `150.00`, the limit you mean")
    );
    let (p, _) = load_str(&limits("3.50", "150"), "p.toml", None).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(
        (p.limits.max_cents_per_case, p.limits.max_cents_per_customer_12m),
        (Some(350), Some(15_000))
    );
}

#[test]
fn a_money_limit_of_1e13_or_more_is_refused_as_a_cost_is() {
    let limits = |v: &str| format!("[limits]\nmax_cost_per_case = 1\nmax_cost_per_customer_12m = {v}\n");
    assert!(load_str(&limits("9999999999999.99"), "p.toml", None).is_ok());
    let e = errors(&limits("-1e300"));
    assert_eq!(
        (e[0].1, e[0].2.as_str()),
        (
            "negative-money",
            "`max_cost_per_customer_12m` cannot be negative, found -1e300"
        )
    );
    for (v, found) in [("1e13", "10000000000000"), ("1e300", "1e300")] {
        let e = errors(&limits(v));
        assert_eq!(e.len(), 1, "{v}: {e:?}");
        assert_eq!((e[0].0.as_str(), e[0].1), ("3:29", "out-of-range"));
        assert_eq!(
            e[0].2,
            format!("`max_cost_per_customer_12m` must be zero or more and under 1e13 (10 trillion), found {found}")
        );
        assert_eq!(e[0].3.as_deref(), Some("leave the key out for no limit of its kind"));
    }
}

#[test]
fn every_error_is_reported_in_one_run() {
    let src = r#"
[policy]
nme = "x"
[recovery]
churn_resolved = 2
curve = "sigmoid"
[[gesture]]
id = "g"
label = "G"
cost = "incident.lost * 2"
[[rule]]
id = "r"
when = "customer.orders > 1"
offer = ["h"]
"#;
    let codes: Vec<&str> = errors(src).iter().map(|e| e.1).collect();
    assert_eq!(
        codes,
        [
            "unknown-key",
            "out-of-range",
            "unknown-curve",
            "unknown-field",
            "unknown-gesture"
        ]
    );
}

#[test]
fn attributes_must_be_well_formed() {
    let src = "[attributes]\n\"tier\" = \"string\"\n\"customer.orders\" = \"number\"\n\"customer.plan\" = \"text\"\n";
    let codes: Vec<&str> = errors(src).iter().map(|e| e.1).collect();
    assert_eq!(codes, ["bad-attribute", "bad-attribute", "unknown-type"]);
}

#[test]
fn recovery_kind_must_be_listed() {
    let e = errors(&with("[recovery.kinds.expired_copon]\ncurve = \"concave\"\n"));
    assert_eq!(e[0].1, "unknown-kind");
    assert_eq!(e[0].3.as_deref(), Some("did you mean `expired_coupon`?"));
}

#[test]
fn expression_parameters_are_range_checked_per_case() {
    let src = with("[recovery]\nchurn_unresolved = \"incident.order_value / 10\"\n");
    let (p, _) = load_str(&src, "p.toml", None).unwrap();
    let mut v = Values::new(&p.schema);
    v.set_number(p.fields.incident[5], 5.0);
    assert_eq!(p.recovery.eval(&v).unwrap().churn_unresolved, 0.5);
    v.set_number(p.fields.incident[5], 15.0);
    assert_eq!(
        p.recovery.eval(&v).unwrap_err(),
        "recovery `churn_unresolved` `incident.order_value / 10` evaluated to 1.5, which is not between 0 and 1"
    );
    // An infinite or undefined number says where it most likely comes from.
    let src = with("[recovery]\nchurn_resolved = \"0.05 + incident.order_value / incident.loss\"\n");
    let (p, _) = load_str(&src, "p.toml", None).unwrap();
    let mut v = Values::new(&p.schema);
    v.set_number(p.fields.incident[5], 15.0);
    assert_eq!(
        p.recovery.eval(&v).unwrap_err(),
        "recovery `churn_resolved` `0.05 + incident.order_value / incident.loss` evaluated to inf, \
         which is not between 0 and 1 (a division by zero?)"
    );
}

#[test]
fn a_broken_gesture_is_not_also_unknown_where_offered() {
    let src = MINIMAL.replace(
        "incident.order_value * incident.coupon_pct / 100",
        "incident.order_value * \\\"x\\\"",
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].1, "expression");
    let typo = MINIMAL.replace("offer = [\"honor_coupon\", \"apology\"]", "offer = [\"honor_cupon\"]");
    assert_eq!(errors(&typo)[0].3.as_deref(), Some("did you mean `honor_coupon`?"));
}

#[test]
fn a_bgnbd_parameter_out_of_range_is_not_also_a_missing_one() {
    let full = "[model]\nltv = \"bgnbd\"\n[model.bgnbd]\nr = 0.243\nalpha = 4.414\na = 0.793\nb = 2.426\n\
                [model.gamma_gamma]\np = 6.25\nq = 3.74\nv = 15.44\n";
    assert!(load_str(full, "p.toml", None).is_ok());
    let only = |e: Vec<(String, &'static str, String, Option<String>)>| {
        e.into_iter().map(|e| (e.0, e.1, e.2)).collect::<Vec<_>>()
    };
    assert_eq!(
        only(errors(&full.replace("r = 0.243", "r = -0.243"))),
        [(
            "4:5".to_string(),
            "out-of-range",
            "`r` in `[model.bgnbd]` must be a positive number".to_string()
        )]
    );
    assert_eq!(
        only(errors(&full.replace("p = 6.25", "p = -6.25"))),
        [(
            "9:5".to_string(),
            "out-of-range",
            "`p` in `[model.gamma_gamma]` must be a positive number".to_string()
        )]
    );
    // `q` of 1 or less is named at the `q`, not at `ltv`.
    assert_eq!(
        only(errors(&full.replace("q = 3.74", "q = 1.0"))),
        [(
            "10:5".to_string(),
            "out-of-range",
            "Gamma-Gamma `q` must be more than 1: the mean spend is infinite otherwise".to_string()
        )]
    );
    // A value that is not a finite number, or not a number at all, has its
    // own error and is not also missing.
    for (bad, message) in [
        ("inf", "`r` in `[model.bgnbd]` must be a finite number"),
        ("nan", "`r` in `[model.bgnbd]` must be a finite number"),
        ("\"x\"", "`r` in `[model.bgnbd]` must be a number, found a string"),
    ] {
        let e = only(errors(&full.replace("r = 0.243", &format!("r = {bad}"))));
        assert_eq!(e.len(), 1, "{bad}: {e:?}");
        assert_eq!((e[0].0.as_str(), e[0].2.as_str()), ("4:5", message));
    }
    let e = only(errors(&full.replace("v = 15.44", "v = -inf")));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].2, "`v` in `[model.gamma_gamma]` must be a finite number");
    // One left out is still missing, beside another out of range.
    let codes: Vec<&str> = errors(&full.replace("r = 0.243", "r = -0.243").replace("alpha = 4.414\n", ""))
        .iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(codes, ["missing-key", "out-of-range"]);
}

#[test]
fn a_model_file_is_checked_like_inline_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let write = |text: &str| std::fs::write(dir.path().join("m.toml"), text).unwrap();
    let policy = "[model]\nltv = \"bgnbd\"\nmodel_file = \"m.toml\"\n";
    let load = |src: &str| load_str(src, "p.toml", Some(dir.path()));
    write(
        "time_unit = \"weeks\"\n[bgnbd]\nr = 0.243\nalpha = 4.414\na = 0.793\nb = 2.426\n[gamma_gamma]\np = 6.25\nq = 3.74\nv = 15.44\n",
    );
    let (p, _) = load(policy).unwrap();
    assert!(matches!(p.model.ltv, Ltv::Bgnbd(m) if m.bgnbd.r == 0.243 && m.gamma_gamma.v == 15.44));
    let unit = load(&format!("{policy}time_unit = \"days\"\n")).unwrap_err();
    assert!(
        unit.diagnostics[0]
            .message
            .contains("was fitted in weeks, but `time_unit` is `days`"),
        "{unit}"
    );
    write(
        "time_unit = \"weeks\"\n[bgnbd]\nr = 0.243\nalpha = -1\na = 0.793\nb = 2.426\n[gamma_gamma]\np = 6.25\nq = 3.74\nv = 15.44\n",
    );
    let negative = load(policy).unwrap_err();
    assert!(
        negative.diagnostics[0]
            .message
            .contains("`alpha` in `[bgnbd]` must be a positive number"),
        "{negative}"
    );
    write(
        "time_unit = \"weeks\"\n[bgnbd]\nr = 0.243\nalpha = 4.4\na = 0.793\nb = 2.426\n[gamma_gama]\np = 6.25\nq = 3.74\nv = 15.44\n",
    );
    let typo = load(policy).unwrap_err();
    assert!(typo.diagnostics[0].message.contains("gamma_gama"), "{typo}");
}

#[test]
fn an_unterminated_string_is_at_the_same_column_with_either_line_end() {
    for end in ["\n", "\r\n"] {
        let src = format!("[policy]{end}name = \"t{end}kinds = [\"a\"]{end}");
        let e = errors(&src);
        assert_eq!((e[0].0.as_str(), e[0].1), ("2:10", "syntax"), "{end:?}: {e:?}");
    }
}

#[test]
fn an_owed_gesture_is_outside_the_limits_and_read_as_a_bool() {
    let src = with("[[gesture]]\nid = \"refund\"\nlabel = \"Refund\"\ncost = 0\nowed = true\n");
    let (p, _) = load_str(&src, "p.toml", None).unwrap();
    assert!(p.gestures.iter().any(|g| g.id == "refund" && g.owed));
    assert!(!p.gestures.iter().any(|g| g.id == "honor_coupon" && g.owed));
    assert!(!p.counts_toward_limits("refund"));
    assert!(!p.counts_toward_limits("apology"));
    assert!(p.counts_toward_limits("honor_coupon"));
    // A gesture the policy does not know, from an older ledger, counts.
    assert!(p.counts_toward_limits("gone"));
    let e = errors(&with(
        "[[gesture]]\nid = \"refund\"\nlabel = \"Refund\"\ncost = 0\nowed = \"yes\"\n",
    ));
    assert_eq!((e[0].0.as_str(), e[0].1), ("23:8", "wrong-type"), "{e:?}");
}

/// `RecoverySpec::eval` hands its numbers to `recovery::Params` by position,
/// in the order of `RECOVERY_DEFAULTS`: each name must land in the field of
/// that name, or reordering the table would swap two of the model's figures.
#[test]
fn each_recovery_number_lands_in_the_field_of_its_name() {
    let values = crate::expr::Values::new(&crate::expr::Schema::new());
    for (i, (name, _, bounds)) in RECOVERY_DEFAULTS.iter().enumerate() {
        let mut spec = RecoverySpec::defaults();
        // Allowed by every range, and no number's default.
        let marker = 0.5;
        assert!(bounds.allows(marker) && RECOVERY_DEFAULTS.iter().all(|(_, d, _)| *d != marker));
        spec.params[i] = Param::Const(marker);
        let params = serde_json::to_value(spec.eval(&values).unwrap()).unwrap();
        for (other, _, _) in RECOVERY_DEFAULTS {
            assert_eq!(params[other] == marker, other == *name, "`{name}` set, `{other}` read");
        }
    }
}
