//! Property tests: compiled evaluation against a direct one, and no input
//! text that makes compilation or evaluation panic.

use proptest::prelude::*;

use super::tests::{SCHEMA, case, slot};
use super::*;

/// An arithmetic tree over the number fields, printed as source and
/// evaluated directly with `f64`.
#[derive(Clone, Debug)]
enum Tree {
    Const(f64),
    Field(usize),
    Neg(Box<Tree>),
    Bin(char, Box<Tree>, Box<Tree>),
    Call(&'static str, Box<Tree>),
    Min(Vec<Tree>),
    Max(Vec<Tree>),
    Cond(Box<Tree>, char, Box<Tree>, Box<Tree>, Box<Tree>),
}

const NUMBER_FIELDS: [&str; 4] = [
    "customer.orders",
    "customer.total_spend",
    "incident.loss",
    "incident.coupon_pct",
];

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        (-800i32..800).prop_map(|i| Tree::Const(f64::from(i) / 8.0)),
        (0..NUMBER_FIELDS.len()).prop_map(Tree::Field),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Tree::Neg(Box::new(t))),
            (
                prop::sample::select(vec!['+', '-', '*', '/', '%']),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, a, b)| Tree::Bin(op, Box::new(a), Box::new(b))),
            (
                prop::sample::select(vec!["abs", "floor", "ceil", "round", "int", "double"]),
                inner.clone()
            )
                .prop_map(|(f, a)| Tree::Call(f, Box::new(a))),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Tree::Min),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Tree::Max),
            (
                inner.clone(),
                prop::sample::select(vec!['<', '>', '=']),
                inner.clone(),
                inner.clone(),
                inner
            )
                .prop_map(|(l, op, r, a, b)| Tree::Cond(
                    Box::new(l),
                    op,
                    Box::new(r),
                    Box::new(a),
                    Box::new(b)
                )),
        ]
    })
}

impl Tree {
    fn source(&self) -> String {
        match self {
            Tree::Const(c) => format!("({c:?})"),
            Tree::Field(i) => NUMBER_FIELDS[*i].to_string(),
            Tree::Neg(a) => format!("(-{})", a.source()),
            Tree::Bin(op, a, b) => format!("({} {op} {})", a.source(), b.source()),
            Tree::Call(f, a) => format!("{f}({})", a.source()),
            Tree::Min(args) | Tree::Max(args) => {
                let name = if matches!(self, Tree::Min(_)) { "min" } else { "max" };
                let args: Vec<String> = args.iter().map(Tree::source).collect();
                format!("{name}({})", args.join(", "))
            }
            Tree::Cond(l, op, r, a, b) => {
                let op = if *op == '=' { "==".to_string() } else { op.to_string() };
                format!("({} {op} {} ? {} : {})", l.source(), r.source(), a.source(), b.source())
            }
        }
    }

    fn eval(&self, fields: &[f64]) -> f64 {
        match self {
            Tree::Const(c) => *c,
            Tree::Field(i) => fields[*i],
            Tree::Neg(a) => -a.eval(fields),
            Tree::Bin(op, a, b) => {
                let (a, b) = (a.eval(fields), b.eval(fields));
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    '/' => a / b,
                    _ => a % b,
                }
            }
            Tree::Call(f, a) => {
                let a = a.eval(fields);
                match *f {
                    "abs" => a.abs(),
                    "floor" => a.floor(),
                    "ceil" => a.ceil(),
                    "round" => a.round(),
                    "int" => a.trunc(),
                    _ => a,
                }
            }
            Tree::Min(args) | Tree::Max(args) => {
                let values: Vec<f64> = args.iter().map(|a| a.eval(fields)).collect();
                if values.iter().any(|v| v.is_nan()) {
                    f64::NAN
                } else if matches!(self, Tree::Min(_)) {
                    values.into_iter().fold(f64::INFINITY, f64::min)
                } else {
                    values.into_iter().fold(f64::NEG_INFINITY, f64::max)
                }
            }
            Tree::Cond(l, op, r, a, b) => {
                let (l, r) = (l.eval(fields), r.eval(fields));
                let c = match op {
                    '<' => l < r,
                    '>' => l > r,
                    _ => l == r,
                };
                if c { a.eval(fields) } else { b.eval(fields) }
            }
        }
    }
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

proptest! {
    #[test]
    fn compiled_arithmetic_matches_direct_evaluation(
        tree in tree(),
        fields in prop::array::uniform4(prop_oneof![Just(0.0), -1e6..1e6f64]),
    ) {
        let src = tree.source();
        let expr = compile(&src, &SCHEMA, Type::Number)
            .map_err(|e| TestCaseError::fail(format!("`{src}`: {e:?}")))?;
        let mut values = Values::new(&SCHEMA);
        for (name, value) in NUMBER_FIELDS.iter().zip(fields) {
            values.set_number(slot(name), value);
        }
        let expected = tree.eval(&fields);
        let got = expr.eval_number(&values);
        prop_assert!(same(got, expected), "`{}`: got {}, expected {}", src, got, expected);
        if let Some(constant) = expr.constant_number() {
            prop_assert!(same(constant, expected));
        }
    }

    #[test]
    fn compile_never_panics_on_any_text(src in any::<String>()) {
        // a panic in the parser would surface as an internal error
        if let Err(errors) = compile(&src, &SCHEMA, Type::Bool) {
            for e in errors {
                prop_assert!(!e.message.starts_with("internal error"));
                prop_assert!(src.get(e.span.clone()).is_some(), "{:?} in {:?}", e.span, src);
            }
        }
    }

    #[test]
    fn compile_and_eval_never_panic_on_near_miss_expressions(
        tokens in prop::collection::vec(prop::sample::select(TOKENS.to_vec()), 0..24),
        ty in prop::sample::select(Type::ALL.to_vec()),
    ) {
        let src = tokens.join(" ");
        let values = case();
        match compile(&src, &SCHEMA, ty) {
            Ok(expr) => match ty {
                Type::Bool => { expr.eval_bool(&values); }
                Type::String => { expr.eval_string(&values); }
                Type::Number | Type::Date => { expr.eval_number(&values); }
            },
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(src.get(e.span.clone()).is_some(), "{:?} in `{}`", e.span, src);
                    prop_assert!(!e.message.is_empty());
                    prop_assert!(!e.message.starts_with("internal error"), "`{}`", src);
                    prop_assert!(!e.message.ends_with('.'));
                    prop_assert!(!e.message.starts_with(|c: char| c.is_uppercase()), "{}", e.message);
                }
            }
        }
    }
}

/// Pieces of expressions, valid and not, for the robustness property.
const TOKENS: [&str; 60] = [
    "customer.orders",
    "incident.kind",
    "incident.date",
    "customer.known",
    "customer.tier",
    "incident.kidn",
    "foo",
    "customer",
    ".",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "?",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "&&",
    "||",
    "!",
    "in",
    "1",
    "2.5",
    "0",
    "\"a\"",
    "'é'",
    "\"",
    "true",
    "null",
    "b'x'",
    "min",
    "max",
    "abs",
    "round",
    "size",
    "date",
    "date(\"2026-01-01\")",
    "date(\"2026-13-01\")",
    ".size()",
    ".startsWith(\"e\")",
    ".lowerAscii()",
    "has",
    "all",
    "x",
    "=",
    "&",
    "é",
    "\n",
];
