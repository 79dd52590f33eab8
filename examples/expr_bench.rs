//! Evaluation speed of compiled policy expressions.
//!
//! `cargo run --release --example expr_bench` evaluates three typical
//! expressions (a rule condition, a gesture cost, a recovery parameter) ten
//! million times each over 1,024 varied cases and prints nanoseconds per
//! evaluation.

use std::hint::black_box;
use std::time::{Duration, Instant};

use goodwill::expr::{Expr, Schema, Type, Values, compile};

const EVALUATIONS: usize = 10_000_000;
const CASES: usize = 1024;

fn main() {
    let mut schema = Schema::new();
    let kind = schema.declare("incident.kind", Type::String).unwrap();
    let orders = schema.declare("customer.orders", Type::Number).unwrap();
    let order_value = schema.declare("incident.order_value", Type::Number).unwrap();
    let coupon_pct = schema.declare("incident.coupon_pct", Type::Number).unwrap();
    let loss = schema.declare("incident.loss", Type::Number).unwrap();

    // a small deterministic generator: the cases differ, so branches do too
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let kinds = ["expired_coupon", "payment_failed", "late_delivery", "defective_item"];
    let cases: Vec<Values> = (0..CASES)
        .map(|_| {
            let mut v = Values::new(&schema);
            v.set_string(kind, kinds[(next() % 4) as usize]);
            v.set_number(orders, (next() % 6) as f64);
            v.set_number(order_value, (next() % 20_000) as f64 / 100.0);
            v.set_number(coupon_pct, (next() % 30) as f64);
            v.set_number(loss, (next() % 30_000) as f64 / 100.0);
            v
        })
        .collect();

    println!("{EVALUATIONS} evaluations each, over {CASES} cases");
    let condition = r#"incident.kind == "expired_coupon" && customer.orders >= 2"#;
    let e = timed_compile(condition, &schema, Type::Bool);
    report(condition, run(&cases, |v| f64::from(u8::from(e.eval_bool(v)))));

    let cost = "incident.order_value * incident.coupon_pct / 100";
    let e = timed_compile(cost, &schema, Type::Number);
    report(cost, run(&cases, |v| e.eval_number(v)));

    let churn = "incident.loss > 100 ? 0.81 : 0.54";
    let e = timed_compile(churn, &schema, Type::Number);
    report(churn, run(&cases, |v| e.eval_number(v)));
}

fn timed_compile(src: &str, schema: &Schema, ty: Type) -> Expr {
    let start = Instant::now();
    let expr = compile(src, schema, ty).expect("the benchmark's expressions are valid");
    println!("  compiled `{src}` in {:?}", start.elapsed());
    expr
}

fn run(cases: &[Values], eval: impl Fn(&Values) -> f64) -> Duration {
    let mut sum = 0.0;
    let start = Instant::now();
    for i in 0..EVALUATIONS {
        let values = black_box(&cases[i % CASES]);
        sum += black_box(eval(values));
    }
    let elapsed = start.elapsed();
    black_box(sum);
    elapsed
}

fn report(src: &str, elapsed: Duration) {
    let ns = elapsed.as_nanos() as f64 / EVALUATIONS as f64;
    println!("{ns:>8.2} ns/eval  {src}");
}
