//! End-to-end tests: source text in, values or errors out.

use std::sync::LazyLock;

use super::*;
use chrono::NaiveDate;

pub(super) static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let mut schema = Schema::new();
    for (name, ty) in [
        ("customer.id", Type::String),
        ("customer.orders", Type::Number),
        ("customer.total_spend", Type::Number),
        ("customer.tenure_days", Type::Number),
        ("customer.known", Type::Bool),
        ("customer.tier", Type::String),
        ("customer.first_order", Type::Date),
        ("incident.kind", Type::String),
        ("incident.loss", Type::Number),
        ("incident.order_value", Type::Number),
        ("incident.coupon_pct", Type::Number),
        ("incident.date", Type::Date),
        ("incident.channel", Type::String),
        ("incident.vip", Type::Bool),
    ] {
        schema.declare(name, ty).unwrap();
    }
    schema
});

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn slot(name: &str) -> Slot {
    SCHEMA.lookup(name).unwrap().1
}

/// One case: a repeat buyer whose coupon was refused.
pub(super) fn case() -> Values {
    let mut v = Values::new(&SCHEMA);
    v.set_number(slot("customer.orders"), 3.0);
    v.set_number(slot("customer.total_spend"), 250.5);
    v.set_number(slot("customer.tenure_days"), 400.0);
    v.set_bool(slot("customer.known"), true);
    v.set_string(slot("customer.tier"), "gold");
    v.set_date(slot("customer.first_order"), ymd(2021, 3, 2));
    v.set_string(slot("incident.kind"), "expired_coupon");
    v.set_number(slot("incident.loss"), 12.5);
    v.set_number(slot("incident.order_value"), 80.0);
    v.set_number(slot("incident.coupon_pct"), 15.0);
    v.set_date(slot("incident.date"), ymd(2026, 11, 20));
    v.set_string(slot("incident.channel"), "Email");
    v.set_bool(slot("incident.vip"), false);
    v
}

fn compiled(src: &str, ty: Type) -> Expr {
    compile(src, &SCHEMA, ty).unwrap_or_else(|e| panic!("`{src}`: {e:?}"))
}

fn num(src: &str) -> f64 {
    compiled(src, Type::Number).eval_number(&case())
}

fn date(src: &str) -> Option<NaiveDate> {
    date_from_days(compiled(src, Type::Date).eval_number(&case()))
}

fn cond(src: &str) -> bool {
    compiled(src, Type::Bool).eval_bool(&case())
}

fn string(src: &str) -> String {
    compiled(src, Type::String).eval_string(&case()).into_owned()
}

/// Each error as (the text its span covers, message, help).
fn errors(src: &str, ty: Type) -> Vec<(String, String, Option<String>)> {
    match compile(src, &SCHEMA, ty) {
        Ok(_) => panic!("`{src}` compiled"),
        Err(errors) => errors
            .into_iter()
            .map(|e| (src[e.span].to_string(), e.message, e.help))
            .collect(),
    }
}

fn error(src: &str, ty: Type) -> (String, String, Option<String>) {
    let mut all = errors(src, ty);
    assert_eq!(all.len(), 1, "`{src}`: {all:?}");
    all.remove(0)
}

fn help(text: &str) -> Option<String> {
    Some(text.to_string())
}

// ---- values ----

#[test]
fn arithmetic() {
    assert_eq!(num("incident.order_value * incident.coupon_pct / 100"), 12.0);
    assert_eq!(num("1 + 2 * 3"), 7.0);
    assert_eq!(num("(1 + 2) * 3"), 9.0);
    assert_eq!(num("10 - 4 - 3"), 3.0);
    // one number type: `/` never truncates
    assert_eq!(num("10 / 4"), 2.5);
    assert_eq!(num("customer.orders / 2"), 1.5);
    assert_eq!(num("7 % 3"), 1.0);
    assert_eq!(num("-7 % 3"), -1.0);
    assert_eq!(num("customer.total_spend % 100"), 50.5);
    assert_eq!(num("-incident.loss"), -12.5);
    assert_eq!(num("- -incident.loss"), 12.5);
    assert_eq!(num("2u + 1.5 + 0x10 + 1e2"), 119.5);
    assert_eq!(num("customer.orders * 1.5"), 4.5);
}

#[test]
fn division_by_zero_is_not_finite() {
    assert_eq!(num("incident.loss / 0"), f64::INFINITY);
    assert_eq!(num("-incident.loss / (customer.orders - 3)"), f64::NEG_INFINITY);
    assert!(num("customer.orders % 0").is_nan());
    assert!(num("(customer.orders - 3) / 0").is_nan());
}

#[test]
fn string_operations() {
    assert_eq!(string(r#"customer.tier + "-" + incident.kind"#), "gold-expired_coupon");
    assert_eq!(string("incident.channel.lowerAscii()"), "email");
    assert_eq!(string("customer.tier.lowerAscii()"), "gold");
    // only ASCII letters change
    assert_eq!(string(r#""ÉCOLE".lowerAscii()"#), "École");
    assert_eq!(num("incident.kind.size()"), 14.0);
    assert_eq!(num(r#"size("héllo")"#), 5.0);
    assert!(cond(r#"incident.kind.startsWith("expired")"#));
    assert!(!cond(r#"incident.kind.startsWith("coupon")"#));
    assert!(cond(r#"incident.kind.endsWith("_coupon")"#));
    assert!(cond(r#"incident.kind.contains("red_co")"#));
    assert!(!cond(r#"incident.channel.contains("mail ")"#));
    assert!(cond(r#"incident.channel.lowerAscii() == "email""#));
}

#[test]
fn comparisons_of_numbers() {
    for (src, expected) in [
        ("customer.orders == 3", true),
        ("customer.orders != 3", false),
        ("customer.orders < 3", false),
        ("customer.orders <= 3", true),
        ("customer.orders > 2.5", true),
        ("customer.orders >= 4", false),
        ("2 < customer.orders", true),
        ("3.0 == customer.orders", true),
        ("incident.loss * 2 == 25", true),
        ("incident.loss / 0 > 1000000", true),
        ("(customer.orders - 3) / 0 == (customer.orders - 3) / 0", false),
    ] {
        assert_eq!(cond(src), expected, "{src}");
    }
}

#[test]
fn comparisons_of_strings_bools_and_dates() {
    for (src, expected) in [
        (r#"incident.kind == "expired_coupon""#, true),
        (r#""expired_coupon" == incident.kind"#, true),
        (r#"incident.kind != "expired_coupon""#, false),
        (r#"customer.tier < "silver""#, true),
        (r#"customer.tier >= "gold""#, true),
        (r#"customer.tier > incident.channel"#, true),
        (r#""B" < "a""#, true),
        ("customer.known == true", true),
        ("customer.known != incident.vip", true),
        ("incident.vip == false", true),
        (r#"incident.date > date("2026-01-01")"#, true),
        (r#"incident.date == date("2026-11-20")"#, true),
        (r#"customer.first_order >= incident.date"#, false),
        (r#"incident.date != customer.first_order"#, true),
    ] {
        assert_eq!(cond(src), expected, "{src}");
    }
}

#[test]
fn logic() {
    assert!(cond(r#"incident.kind == "expired_coupon" && customer.orders >= 2"#));
    assert!(!cond(r#"incident.kind == "expired_coupon" && customer.orders >= 4"#));
    assert!(cond("incident.vip || customer.known"));
    assert!(!cond("incident.vip || !customer.known"));
    assert!(cond("!incident.vip"));
    assert!(cond("!!customer.known"));
    assert!(cond("customer.known ? incident.loss > 10 : incident.vip"));
}

#[test]
fn conditional_values() {
    assert_eq!(num("incident.loss > 100 ? 0.81 : 0.54"), 0.54);
    assert_eq!(num("incident.loss > 10 ? 0.81 : 0.54"), 0.81);
    assert_eq!(string(r#"customer.known ? customer.tier : "none""#), "gold");
    assert_eq!(
        date(r#"incident.vip ? incident.date : customer.first_order"#),
        Some(ymd(2021, 3, 2))
    );
    // nested in the else branch needs no parentheses
    assert_eq!(num("customer.orders > 5 ? 1 : customer.orders > 2 ? 2 : 3"), 2.0);
}

#[test]
fn membership() {
    assert!(cond(r#"incident.kind in ["late_delivery", "expired_coupon"]"#));
    assert!(!cond(r#"incident.kind in ["late_delivery"]"#));
    assert!(cond("customer.orders in [1, 2, 3]"));
    assert!(!cond("customer.orders in [1, 2.5]"));
    assert!(!cond("customer.orders in []"));
    assert!(cond("incident.vip in [false]"));
    assert!(!cond("customer.known in [false]"));
    // elements may be expressions of the right type
    assert!(cond("incident.loss in [customer.orders, 25 / 2]"));
    assert!(cond("customer.orders in [customer.orders]"));
    assert!(cond(r#"incident.kind in [customer.tier, "expired" + "_coupon"]"#));
    assert!(cond(r#"incident.date in [date("2026-11-20")]"#));
}

#[test]
fn dates() {
    assert_eq!(num("incident.date - customer.first_order"), 2089.0);
    assert_eq!(num(r#"date("2026-03-01") - date("2026-02-28")"#), 1.0);
    assert_eq!(date("customer.first_order + 30"), Some(ymd(2021, 4, 1)));
    assert_eq!(date("30 + customer.first_order"), Some(ymd(2021, 4, 1)));
    assert_eq!(date("incident.date - 7"), Some(ymd(2026, 11, 13)));
    assert_eq!(date(r#"date("2026-01-31")"#), Some(ymd(2026, 1, 31)));
    assert_eq!(
        date("max(customer.first_order, incident.date)"),
        Some(ymd(2026, 11, 20))
    );
    assert_eq!(date("min(customer.first_order, incident.date)"), Some(ymd(2021, 3, 2)));
    assert!(cond(r#"incident.date - 365 < customer.first_order + 2000"#));
}

#[test]
fn numeric_functions() {
    for (src, expected) in [
        ("min(3, 1, 2)", 1.0),
        ("max(3, 1, 2)", 3.0),
        ("min(incident.loss)", 12.5),
        ("max(incident.loss, customer.orders * 5)", 15.0),
        ("abs(-2.5)", 2.5),
        ("abs(incident.loss)", 12.5),
        ("floor(-2.5)", -3.0),
        ("floor(incident.loss)", 12.0),
        ("ceil(-2.5)", -2.0),
        ("ceil(incident.loss)", 13.0),
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("round(2.4)", 2.0),
        ("round(incident.loss)", 13.0),
        ("int(-2.7)", -2.0),
        ("int(2.7)", 2.0),
        ("int(incident.loss)", 12.0),
        ("double(5)", 5.0),
        ("double(incident.loss)", 12.5),
        ("round(incident.order_value * 0.1234 * 100) / 100", 9.87),
    ] {
        assert_eq!(num(src), expected, "{src}");
    }
}

#[test]
fn min_and_max_propagate_nan() {
    assert!(num("min(1, (customer.orders - 3) / 0)").is_nan());
    assert!(num("max((customer.orders - 3) / 0, 1)").is_nan());
}

// ---- short-circuit and folding ----

/// Values made before `incident.late` was declared have no slot for it, so
/// evaluating it would panic: only short-circuit evaluation passes.
#[test]
fn and_or_and_conditional_short_circuit() {
    let mut schema = SCHEMA.clone();
    let values = {
        let mut v = Values::new(&schema);
        v.set_bool(slot("customer.known"), true);
        v
    };
    schema.declare("incident.late", Type::Number).unwrap();
    let eval = |src: &str| compile(src, &schema, Type::Bool).unwrap().eval_bool(&values);
    assert!(!eval("incident.vip && incident.late > 1"));
    assert!(eval("customer.known || incident.late > 1"));
    assert!(eval("customer.known ? true : incident.late > 1"));
    assert!(!eval("incident.vip ? incident.late > 1 : false"));
    let number = compile("customer.known ? 1 : incident.late", &schema, Type::Number).unwrap();
    assert_eq!(number.eval_number(&values), 1.0);
}

#[test]
fn constants_are_folded() {
    let c = |src: &str, ty| compiled(src, ty);
    assert_eq!(c("2 * 3 + 1", Type::Number).constant_number(), Some(7.0));
    assert_eq!(c("incident.loss > 100 ? 1 : 2", Type::Number).constant_number(), None);
    assert_eq!(c("true", Type::Bool).constant_bool(), Some(true));
    assert_eq!(c("false", Type::Bool).constant_bool(), Some(false));
    assert_eq!(c(r#"1 < 2 && "a" == "a""#, Type::Bool).constant_bool(), Some(true));
    assert_eq!(
        c(r#"date("2026-01-02") - date("2026-01-01")"#, Type::Number).constant_number(),
        Some(1.0)
    );
    assert_eq!(c(r#"date("1970-01-11")"#, Type::Date).constant_number(), Some(10.0));
    assert_eq!(
        c(r#"size("abc") + max(1, 4)"#, Type::Number).constant_number(),
        Some(7.0)
    );
    assert_eq!(c(r#""a" + "b""#, Type::String).constant_string(), Some("ab"));
    assert_eq!(c(r#""ab".lowerAscii()"#, Type::String).constant_string(), Some("ab"));
    assert_eq!(c("2 in [1, 2]", Type::Bool).constant_bool(), Some(true));
    assert_eq!(c("true ? 1 : 2", Type::Number).constant_number(), Some(1.0));
    assert_eq!(c("incident.loss * 2", Type::Number).constant_number(), None);
    assert_eq!(c("customer.known", Type::Bool).constant_bool(), None);
}

#[test]
fn constant_branches_are_listed_with_their_spans() {
    let branches = |src: &str| -> Vec<(f64, String)> {
        compiled(src, Type::Number)
            .constant_branches()
            .iter()
            .map(|(v, span)| (*v, src[span.clone()].to_string()))
            .collect()
    };
    assert_eq!(
        branches("incident.loss > 10 ? (customer.orders > 1 ? -(2) : 1.5 * 2) : incident.loss"),
        [(-2.0, "-(2)".to_string()), (3.0, "1.5 * 2".to_string())]
    );
    // Only the branch a constant condition takes.
    assert_eq!(
        branches("incident.loss > 1 ? (1 > 2 ? 7 : 8) : 9"),
        [(8.0, "8".into()), (9.0, "9".into())]
    );
    // Constant as a whole, or no constant branch: nothing.
    assert!(branches("true ? 1 : 2").is_empty());
    assert!(branches("incident.loss * 2").is_empty());
}

#[test]
fn logic_folds_around_a_constant_side() {
    let c = |src: &str| compiled(src, Type::Bool).constant_bool();
    assert_eq!(c("false && customer.orders > 2"), Some(false));
    assert_eq!(c("customer.orders > 2 && false"), Some(false));
    assert_eq!(c("customer.orders > 2 || 1 == 1"), Some(true));
    assert_eq!(c("customer.orders > 2 && true"), None);
    assert_eq!(c("customer.orders > 2 || false"), None);
    // the folded-away field is still reported as referenced
    let e = compiled("false && customer.orders > 2", Type::Bool);
    assert_eq!(e.fields(), ["customer.orders"]);
}

#[test]
fn folding_leaves_the_simplest_tree() {
    let e = compiled("true ? incident.loss : 0", Type::Number);
    assert!(matches!(e.root, Root::Num(Num::Field(_))), "{:?}", e.root);
    let e = compiled("customer.orders >= 1 + 1", Type::Bool);
    assert!(matches!(e.root, Root::Bool(Bool::NumFieldCmpConst(..))), "{:?}", e.root);
    let e = compiled(r#""a" + "b" == incident.kind"#, Type::Bool);
    assert!(matches!(e.root, Root::Bool(Bool::StrFieldEqConst(..))), "{:?}", e.root);
}

// ---- the Expr API ----

#[test]
fn expr_reports_source_type_and_fields() {
    let src = "customer.orders >= 2 && incident.kind == customer.tier && customer.orders < 10";
    let e = compiled(src, Type::Bool);
    assert_eq!(e.source(), src);
    assert_eq!(e.to_string(), src);
    assert_eq!(e.ty(), Type::Bool);
    assert_eq!(e.fields(), ["customer.orders", "customer.tier", "incident.kind"]);
    assert!(compiled("1", Type::Number).fields().is_empty());
}

/// The largest expression compiled on the caller's own stack: tests run on
/// 2 MiB threads, and this one is a debug build.
#[test]
fn the_largest_inline_expression_fits_a_test_thread() {
    let src = format!("((({}1)))", "1 + ".repeat(96));
    assert!(parse::fits_small_stack(&src));
    assert_eq!(compiled(&src, Type::Number).constant_number(), Some(97.0));
}

#[test]
fn deeply_nested_expressions_compile_on_a_larger_stack() {
    let src = format!("{}incident.loss{}", "abs(".repeat(60), ")".repeat(60));
    assert!(!parse::fits_small_stack(&src));
    assert_eq!(num(&src), 12.5);
}

#[test]
fn expr_is_shareable() {
    fn assert_traits<T: Clone + std::fmt::Debug + Send + Sync>() {}
    assert_traits::<Expr>();
    assert_traits::<CompileError>();
}

#[test]
#[should_panic(expected = "eval_bool on an expression of type number")]
fn evaluating_with_the_wrong_type_is_a_bug() {
    compiled("1", Type::Number).eval_bool(&case());
}

// ---- errors ----

#[test]
fn unknown_field_suggests_a_declared_one() {
    let (text, message, hint) = error(r#"incident.kidn == "expired_coupon""#, Type::Bool);
    assert_eq!(text, "incident.kidn");
    assert_eq!(message, "unknown field `incident.kidn`");
    assert_eq!(hint, help("did you mean `incident.kind`?"));
    let (_, _, hint) = error("customer.tenure_dayz > 30", Type::Bool);
    assert_eq!(hint, help("did you mean `customer.tenure_days`?"));
    let (_, message, hint) = error("customer.weather > 30", Type::Bool);
    assert_eq!(message, "unknown field `customer.weather`");
    assert_eq!(hint, None);
}

#[test]
fn a_field_under_the_wrong_root_is_suggested() {
    let (text, message, hint) = error("incident.orders > 2", Type::Bool);
    assert_eq!(text, "incident.orders");
    assert_eq!(message, "unknown field `incident.orders`");
    assert_eq!(hint, help("did you mean `customer.orders`?"));
    // Even when a near miss lies under its own root.
    let (_, _, hint) = error(r#"customer.kind == "x""#, Type::Bool);
    assert_eq!(hint, help("did you mean `incident.kind`?"));
    let (_, _, hint) = error(r#"incident.id == "x""#, Type::Bool);
    assert_eq!(hint, help("did you mean `customer.id`?"));
    let (_, _, hint) = error(r#"custmer.id == "x""#, Type::Bool);
    assert_eq!(hint, help("did you mean `customer.id`?"));
}

#[test]
fn names_outside_the_two_roots_are_refused() {
    let (text, message, hint) = error("foo.bar > 2", Type::Bool);
    assert_eq!(text, "foo.bar");
    assert_eq!(
        message,
        "unknown name `foo.bar`: fields start with `customer.` or `incident.`"
    );
    assert_eq!(hint, None);
    let (text, message, hint) = error("x", Type::Bool);
    assert_eq!(text, "x");
    assert_eq!(
        message,
        "unknown name `x`: fields start with `customer.` or `incident.`"
    );
    assert_eq!(hint, help("if it is text, quote it: `\"x\"`"));
    let (text, _, hint) = error("customer.tier == gold", Type::Bool);
    assert_eq!(text, "gold");
    assert_eq!(hint, help("if it is text, quote it: `\"gold\"`"));
    // Where a number is wanted, quotes would not help.
    let (_, _, hint) = error("high", Type::Number);
    assert_eq!(hint, None);
    let (_, _, hint) = error("orders > 2", Type::Bool);
    assert_eq!(hint, help("did you mean `customer.orders`?"));
    let (text, message, _) = error("customer == 1", Type::Bool);
    assert_eq!(text, "customer");
    assert_eq!(message, "`customer` is not a value: fields are `customer.<name>`");
    let (text, message, _) = error("customer.tier.name == 1", Type::Bool);
    assert_eq!(text, "customer.tier.name");
    assert_eq!(
        message,
        "unknown field `customer.tier.name`: a field has one name after `customer.`"
    );
    let (text, message, _) = error("(customer.tier + \"x\").name == 1", Type::Bool);
    assert_eq!(text, "(customer.tier + \"x\").name");
    assert_eq!(message, "cannot select `.name` of `(customer.tier + \"x\")`");
}

#[test]
fn comparing_different_types_names_both_sides() {
    let src = r#"customer.orders >= "5""#;
    let (text, message, hint) = error(src, Type::Bool);
    assert_eq!(text, src);
    assert_eq!(
        message,
        r#"cannot compare number with string: `customer.orders` is a number, `"5"` is a string"#
    );
    assert_eq!(hint, help("write the number without quotes: `5`"));
    let (_, message, hint) = error("customer.tier == 1", Type::Bool);
    assert_eq!(
        message,
        "cannot compare string with number: `customer.tier` is a string, `1` is a number"
    );
    assert_eq!(hint, help("write text in quotes: `\"1\"`"));
    let (_, _, hint) = error(r#"incident.date > "2026-01-01""#, Type::Bool);
    assert_eq!(hint, help(r#"write a date as `date("2026-01-01")`"#));
    let (_, message, _) = error("incident.date > customer.orders", Type::Bool);
    assert_eq!(
        message,
        "cannot compare date with number: `incident.date` is a date, `customer.orders` is a number"
    );
    let (_, message, _) = error("customer.known < incident.vip", Type::Bool);
    assert_eq!(
        message,
        "`<` compares numbers, dates or strings: `customer.known` and `incident.vip` are bools"
    );
}

#[test]
fn a_condition_must_be_a_bool() {
    let (text, message, hint) = error("incident.loss * 2", Type::Bool);
    assert_eq!(text, "incident.loss * 2");
    assert_eq!(message, "expected a condition (bool), found a number");
    assert_eq!(hint, help("compare it, like `customer.orders >= 2`"));
    let (_, message, _) = error("customer.tier", Type::Bool);
    assert_eq!(message, "expected a condition (bool), found a string");
}

#[test]
fn an_amount_must_be_a_number_and_a_date_a_date() {
    let (_, message, _) = error("customer.known", Type::Number);
    assert_eq!(message, "expected a number, found a condition (bool)");
    let (_, message, hint) = error("incident.date", Type::Number);
    assert_eq!(message, "expected a number, found a date");
    assert_eq!(hint, help("subtract two dates to get the number of days between them"));
    let (_, message, hint) = error("20000", Type::Date);
    assert_eq!(message, "expected a date, found a number");
    assert_eq!(hint, help("write a date as `date(\"2026-01-31\")`"));
}

#[test]
fn every_independent_error_is_reported() {
    let src = r#"incident.kidn == "x" && customer.ordrs > 1 || customer.tier * 2 > 1"#;
    let all = errors(src, Type::Bool);
    let texts: Vec<&str> = all.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(texts, ["incident.kidn", "customer.ordrs", "customer.tier * 2"]);
    assert_eq!(all[1].2, help("did you mean `customer.orders`?"));
    assert_eq!(
        all[2].1,
        "cannot multiply string by number: `customer.tier` is a string, `2` is a number"
    );
}

#[test]
fn a_broken_operand_does_not_cascade() {
    // one error: the comparison with the unknown field is not reported again
    let (text, _, _) = error("incident.kidn + 1 > 2", Type::Bool);
    assert_eq!(text, "incident.kidn");
    // nor is the expected-type check of a broken expression
    let (text, _, _) = error("foo", Type::Number);
    assert_eq!(text, "foo");
}

#[test]
fn arithmetic_type_errors() {
    let (_, message, _) = error(r#"customer.tier - "x""#, Type::String);
    assert_eq!(
        message,
        r#"cannot subtract string from string: `customer.tier` and `"x"` are strings"#
    );
    let (_, message, hint) = error("incident.date + customer.first_order", Type::Date);
    assert_eq!(
        message,
        "cannot add date and date: `incident.date` and `customer.first_order` are dates"
    );
    assert_eq!(
        hint,
        help("subtract two dates to get the days between them, or add days to a date")
    );
    let (_, message, hint) = error("5 - incident.date", Type::Number);
    assert_eq!(
        message,
        "cannot subtract date from number: `5` is a number, `incident.date` is a date"
    );
    assert_eq!(hint, help("subtract a date from a date, or days from a date"));
    let (_, message, _) = error("incident.date * 2", Type::Number);
    assert_eq!(
        message,
        "cannot multiply date by number: `incident.date` is a date, `2` is a number"
    );
    let (_, message, _) = error("customer.known / 2", Type::Number);
    assert_eq!(
        message,
        "cannot divide bool by number: `customer.known` is a bool, `2` is a number"
    );
    let (_, message, _) = error("customer.known % 2", Type::Number);
    assert_eq!(
        message,
        "cannot take the remainder of bool divided by number: `customer.known` is a bool, `2` is a number"
    );
    let (text, message, _) = error("-customer.tier", Type::String);
    assert_eq!(text, "-customer.tier");
    assert_eq!(message, "`-` needs a number: `customer.tier` is a string");
}

#[test]
fn logic_type_errors() {
    let all = errors("customer.orders && incident.kind", Type::Bool);
    assert_eq!(
        all,
        [
            (
                "customer.orders".to_string(),
                "`&&` needs a condition (bool): `customer.orders` is a number".to_string(),
                None
            ),
            (
                "incident.kind".to_string(),
                "`&&` needs a condition (bool): `incident.kind` is a string".to_string(),
                None
            ),
        ]
    );
    let (text, message, _) = error("customer.known || 1", Type::Bool);
    assert_eq!(text, "1");
    assert_eq!(message, "`||` needs a condition (bool): `1` is a number");
    let (text, message, _) = error("!customer.orders", Type::Bool);
    assert_eq!(text, "customer.orders");
    assert_eq!(message, "`!` needs a condition (bool): `customer.orders` is a number");
}

#[test]
fn conditional_type_errors() {
    let (text, message, _) = error("customer.orders ? 1 : 2", Type::Number);
    assert_eq!(text, "customer.orders");
    assert_eq!(
        message,
        "the condition of `? :` needs a condition (bool): `customer.orders` is a number"
    );
    let src = r#"customer.known ? 1 : "one""#;
    let (text, message, _) = error(src, Type::Number);
    assert_eq!(text, src);
    assert_eq!(
        message,
        r#"the branches of `? :` must have one type: `1` is a number, `"one"` is a string"#
    );
}

#[test]
fn membership_errors() {
    let (text, message, _) = error(r#"customer.orders in [1, "2", 3]"#, Type::Bool);
    assert_eq!(text, r#""2""#);
    assert_eq!(
        message,
        r#"list element `"2"` is a string, but `customer.orders` is a number"#
    );
    let (text, message, hint) = error("incident.kind in incident.channel", Type::Bool);
    assert_eq!(text, "incident.channel");
    assert_eq!(message, "`in` needs a list on its right");
    assert_eq!(hint, help(r#"write `x in ["a", "b"]`"#));
    let all = errors(r#"incident.kidn in ["a", foo]"#, Type::Bool);
    let texts: Vec<&str> = all.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(texts, ["incident.kidn", "foo"]);
}

#[test]
fn unsupported_constructs_are_named() {
    for (src, text, message) in [
        (
            "[1, 2] == [1, 2]",
            "[1, 2]",
            "a list is only allowed on the right of `in`",
        ),
        (r#"{"a": 1} == 1"#, r#"{"a": 1}"#, "maps are not supported"),
        (
            "Foo{a: 1}",
            "Foo{a: 1}",
            "message construction `Foo{...}` is not supported",
        ),
        ("incident.kind == null", "null", "`null` is not supported"),
        ("incident.kind == b'x'", "b'x'", "bytes literals are not supported"),
        ("has(incident.kind)", "has(incident.kind)", "`has()` is not supported"),
        (
            "incident.kind[0] == 1",
            "incident.kind[0]",
            "indexing with `[]` is not supported",
        ),
        (
            "[1, 2].all(x, x > 0)",
            "[1, 2].all(x, x > 0)",
            "the `all` macro is not supported",
        ),
        (
            "[1].exists(x, x > 0)",
            "[1].exists(x, x > 0)",
            "the `exists` macro is not supported",
        ),
    ] {
        let all = errors(src, Type::Bool);
        assert!(
            all.iter().any(|(t, m, _)| t == text && m == message),
            "`{src}`: {all:?}"
        );
    }
}

#[test]
fn function_errors() {
    let (text, message, hint) = error("mx(1, 2)", Type::Number);
    assert_eq!(text, "mx(1, 2)");
    assert_eq!(message, "unknown function `mx`");
    assert_eq!(hint, help("did you mean `max`?"));
    let (_, message, hint) = error(r#"incident.kind.startswit("x")"#, Type::Bool);
    assert_eq!(message, "unknown function `startswit`");
    assert_eq!(hint, help("did you mean `startsWith`?"));
    let (_, _, hint) = error("sqrt(4)", Type::Number);
    assert_eq!(
        hint,
        help(
            "functions are `min`, `max`, `abs`, `floor`, `ceil`, `round`, `double`, `int`, `date`, \
             `size`, `startsWith`, `endsWith`, `contains`, `lowerAscii`"
        )
    );
    let (text, message, _) = error("abs(1, 2)", Type::Number);
    assert_eq!(text, "abs(1, 2)");
    assert_eq!(message, "`abs` takes 1 argument, found 2");
    let (_, message, _) = error("incident.kind.lowerAscii(1)", Type::String);
    assert_eq!(message, "`lowerAscii` takes no arguments, found 1");
    let (_, message, _) = error("incident.kind.startsWith()", Type::Bool);
    assert_eq!(message, "`startsWith` takes 1 argument, found 0");
    let (text, message, _) = error(r#"abs("x")"#, Type::Number);
    assert_eq!(text, r#""x""#);
    assert_eq!(message, r#"`abs` takes a number: `"x"` is a string"#);
    let (text, message, _) = error("size(customer.orders)", Type::Number);
    assert_eq!(text, "customer.orders");
    assert_eq!(message, "`size` takes a string: `customer.orders` is a number");
    let (_, message, _) = error("incident.kind.endsWith(2)", Type::Bool);
    assert_eq!(message, "`endsWith` takes a string: `2` is a number");
    let (_, message, hint) = error(r#"startsWith(incident.kind, "x")"#, Type::Bool);
    assert_eq!(message, "`startsWith` is a method");
    assert_eq!(hint, help(r#"write `incident.kind.startsWith("x")`"#));
    let (_, message, hint) = error("incident.loss.abs()", Type::Number);
    assert_eq!(message, "`abs` is a function, not a method");
    assert_eq!(hint, help("write `abs(incident.loss)`"));
    let (_, message, _) = error("min()", Type::Number);
    assert_eq!(message, "`min` takes at least 1 argument, found 0");
    let (text, message, _) = error(r#"min(1, "a", 2)"#, Type::Number);
    assert_eq!(text, r#""a""#);
    assert_eq!(
        message,
        r#"`min` takes arguments of one type: `1` is a number, `"a"` is a string"#
    );
    let (_, message, _) = error(r#"max("a", "b")"#, Type::Number);
    assert_eq!(message, r#"`max` takes numbers or dates: `"a"` is a string"#);
    let (_, message, hint) = error("floor(incident.date)", Type::Number);
    assert_eq!(message, "`floor` takes a number: `incident.date` is a date");
    assert_eq!(hint, help("subtract two dates to get a number of days"));
}

#[test]
fn a_date_compared_with_a_number_suggests_counting_days() {
    let (_, message, hint) = error("customer.first_order > 30", Type::Bool);
    assert_eq!(
        message,
        "cannot compare date with number: `customer.first_order` is a date, `30` is a number"
    );
    assert_eq!(
        hint,
        help("for the days since it, subtract it from a date: `incident.date - customer.first_order`")
    );
}

#[test]
fn date_literal_errors_point_at_the_literal() {
    let src = r#"incident.date > date("2026-02-30")"#;
    let (text, message, hint) = error(src, Type::Bool);
    assert_eq!(text, r#""2026-02-30""#);
    assert_eq!(message, r#"invalid date `"2026-02-30"`"#);
    assert_eq!(hint, help("dates are written `YYYY-MM-DD`, like `2026-01-31`"));
    let (text, message, _) = error("date(incident.kind)", Type::Date);
    assert_eq!(text, "incident.kind");
    assert_eq!(message, "`date` takes a string literal: `incident.kind` is not one");
    let (_, message, _) = error("date()", Type::Date);
    assert_eq!(message, "`date` takes 1 argument, found 0");
}

#[test]
fn parse_errors_come_through_compile() {
    let (text, message, _) = error("customer.orders >=", Type::Bool);
    assert_eq!((text.as_str(), message.as_str()), ("", "unexpected end of expression"));
    let (text, message, _) = error("customer.orders >= 2 2", Type::Bool);
    assert_eq!((text.as_str(), message.as_str()), ("2", "unexpected `2`"));
}

#[test]
fn errors_are_sorted_by_position() {
    let all = errors("foo(customer.ordrs) + bar", Type::Number);
    let texts: Vec<&str> = all.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(texts, ["foo(customer.ordrs)", "customer.ordrs", "bar"]);
}

/// Each comparison operator with its answers at an equal, a greater and a
/// smaller right-hand side: no two alike, so none may read as another.
const COMPARISONS: [(&str, [bool; 3]); 6] = [
    ("==", [true, false, false]),
    ("!=", [false, true, true]),
    ("<", [false, true, false]),
    ("<=", [true, true, false]),
    (">", [false, false, true]),
    (">=", [true, false, true]),
];

#[test]
fn each_comparison_operator_is_its_own() {
    // `customer.orders` is 3: against 3, 4 and 2 each operator gives its own
    // three answers, so none may read as another (`<=` as `>=`, `>` as `>=`...).
    for (op, answers) in COMPARISONS {
        for (n, expected) in [3, 4, 2].into_iter().zip(answers) {
            assert_eq!(cond(&format!("customer.orders {op} {n}")), expected, "3 {op} {n}");
        }
    }
}

#[test]
fn membership_in_a_list_of_string_expressions() {
    // Items that are not constants are compared one by one; none may be dropped.
    assert!(cond(r#"customer.tier in ["silver", customer.tier]"#));
    assert!(cond(r#""gold" in [customer.tier]"#));
    assert!(!cond("customer.tier in [incident.kind, incident.channel]"));
}

#[test]
fn ends_with_is_not_contains() {
    // `incident.kind` is "expired_coupon".
    assert!(!cond(r#"incident.kind.endsWith("expired")"#));
    assert!(!cond(r#"incident.kind.endsWith("d_c")"#));
    assert!(cond(r#"incident.kind.contains("d_c")"#));
}

#[test]
fn min_and_max_refuse_a_number_with_a_date() {
    for f in ["min", "max"] {
        let (text, message, _) = error(&format!("{f}(customer.orders, incident.date)"), Type::Number);
        assert_eq!(text, "incident.date");
        assert_eq!(
            message,
            format!("`{f}` takes arguments of one type: `customer.orders` is a number, `incident.date` is a date")
        );
    }
}

#[test]
fn each_string_comparison_operator_is_its_own() {
    // Field against field and field against constant: at equal, smaller and
    // greater values each operator gives its own three answers. `customer.tier`
    // is "gold", `incident.channel` "Email" (smaller: 'E' < 'g').
    for (op, answers) in COMPARISONS {
        let fields = [
            format!("customer.tier {op} customer.tier"),
            format!("incident.channel {op} customer.tier"),
            format!("customer.tier {op} incident.channel"),
        ];
        let constants = [
            format!(r#"customer.tier {op} "gold""#),
            format!(r#"customer.tier {op} "golf""#),
            format!(r#"customer.tier {op} "gola""#),
        ];
        for srcs in [fields, constants] {
            for (src, expected) in srcs.iter().zip(answers) {
                assert_eq!(cond(src), expected, "{src}");
            }
        }
    }
}

#[test]
fn expressions_written_differently_that_compute_the_same_are_the_same() {
    let c = |src: &str, ty: Type| compile(src, &SCHEMA, ty).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    let same = |a: &str, b: &str, ty: Type| c(a, ty).same_as(&SCHEMA, &c(b, ty), &SCHEMA);
    for (a, b) in [
        ("customer.orders >= 4.0", "customer.orders >= 4"),
        (
            "customer.orders * 2.0 >= incident.loss",
            "customer.orders * 2u >= incident.loss",
        ),
        ("incident.kind == \"late\"", "incident.kind == 'late'"),
        ("incident.loss > 150.0", "(incident.loss > 150.0)"),
        ("incident.loss > 2 * 75", "incident.loss > 150"),
    ] {
        assert!(same(a, b, Type::Bool), "{a} | {b}");
    }
    assert!(same("5.00", "5", Type::Number));
    for (a, b) in [
        ("customer.orders >= 4", "customer.orders > 4"),
        ("customer.orders >= 4", "customer.orders >= 4.5"),
        ("customer.orders >= 4", "customer.tenure_days >= 4"),
        ("incident.kind == \"late\"", "incident.kind == \"Late\""),
        ("incident.kind == \"late\"", "incident.channel == \"late\""),
    ] {
        assert!(!same(a, b, Type::Bool), "{a} | {b}");
    }
}

#[test]
fn the_same_slot_standing_for_another_field_is_not_the_same() {
    let schema = |names: [&str; 2]| {
        let mut s = Schema::new();
        for name in names {
            s.declare(name, Type::Number).unwrap();
        }
        s
    };
    let (ab, ba) = (
        schema(["customer.a", "customer.b"]),
        schema(["customer.b", "customer.a"]),
    );
    let a = compile("customer.a > 1", &ab, Type::Bool).unwrap();
    let b = compile("customer.b > 1", &ba, Type::Bool).unwrap();
    // Both read slot 0 of the numbers.
    assert!(!a.same_as(&ab, &b, &ba));
    assert!(a.same_as(&ab, &compile("customer.a > 1.0", &ab, Type::Bool).unwrap(), &ab));
}

#[test]
fn only_the_fields_of_the_branches_taken_are_read() {
    // case(): orders 3, tier "gold", loss 12.5, vip false, kind "expired_coupon".
    let read = |src: &str, ty: Type| compiled(src, ty).fields_read(&SCHEMA, &case(), &[]);
    for (src, ty, expected) in [
        (
            "customer.orders > 0 ? customer.total_spend : incident.order_value",
            Type::Number,
            vec!["customer.orders", "customer.total_spend"],
        ),
        (
            "customer.orders > 5 ? customer.total_spend : incident.order_value",
            Type::Number,
            vec!["customer.orders", "incident.order_value"],
        ),
        // The right side of `&&` after a false left, of `||` after a true one.
        (
            "incident.vip && incident.coupon_pct > 10",
            Type::Bool,
            vec!["incident.vip"],
        ),
        (
            "customer.tier == \"gold\" || incident.coupon_pct > 10",
            Type::Bool,
            vec!["customer.tier"],
        ),
        (
            "customer.tier == \"silver\" || incident.coupon_pct > 10",
            Type::Bool,
            vec!["customer.tier", "incident.coupon_pct"],
        ),
        (
            "incident.order_value * incident.coupon_pct / 100",
            Type::Number,
            vec!["incident.coupon_pct", "incident.order_value"],
        ),
        (
            "incident.date - customer.first_order > 30",
            Type::Bool,
            vec!["customer.first_order", "incident.date"],
        ),
        (
            "incident.kind == \"late\" ? incident.channel : customer.tier",
            Type::String,
            vec!["customer.tier", "incident.kind"],
        ),
        // A branch constant folding removed is named, never read.
        ("false && incident.loss > 2", Type::Bool, vec![]),
    ] {
        assert_eq!(read(src, ty), expected, "{src}");
    }
    // A condition on a field the case does not have decides nothing: given,
    // it could go either way, so both sides are read.
    let unset = ["incident.vip".to_string()];
    let read = |src: &str, ty: Type| compiled(src, ty).fields_read(&SCHEMA, &case(), &unset);
    assert_eq!(
        read("incident.vip && incident.coupon_pct > 10", Type::Bool),
        ["incident.coupon_pct", "incident.vip"]
    );
    assert_eq!(
        read("incident.vip ? incident.loss : incident.order_value", Type::Number),
        ["incident.loss", "incident.order_value", "incident.vip"]
    );
    assert_eq!(
        read(
            "customer.orders > 5 ? incident.loss : incident.order_value",
            Type::Number
        ),
        ["customer.orders", "incident.order_value"]
    );
}
