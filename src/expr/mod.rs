//! The expression language of policies: conditions such as
//! `incident.kind == "expired_coupon" && customer.orders >= 2` and amounts
//! such as `incident.order_value * incident.coupon_pct / 100`.
//!
//! # Why this module exists
//!
//! Policies are checked when they load and then evaluated for every case of
//! a batch, millions of times. Interpreting CEL directly costs about a
//! microsecond per condition and finds type errors only at run time (as a
//! silent `false`). So the syntax is CEL's, parsed by the `cel` crate, but
//! checking and evaluation are our own:
//!
//! 1. **parse** (`parse.rs`, `spans.rs`): the `cel` parser builds an AST;
//!    its errors become [`CompileError`]s with byte spans in the expression.
//! 2. **check** (`check.rs`, `operators.rs`, `functions.rs`): every node is type-checked
//!    against the [`Schema`] of declared fields, and all independent errors
//!    are reported together, each with its span and, where one exists, a
//!    suggestion.
//! 3. **compile** (`tree.rs`): the checked nodes become a typed tree (one
//!    enum for numbers, one for bools, one for strings) whose fields are
//!    slots into [`Values`] and whose constant sub-trees are folded.
//! 4. **eval** (`eval.rs`): [`Expr::eval_bool`] and friends walk that tree
//!    with no lookups, no allocation (string concatenation aside) and no
//!    type tests: a typical condition takes a few nanoseconds.
//!
//! ```
//! use goodwill::expr::{compile, Schema, Type, Values};
//!
//! let mut schema = Schema::new();
//! let kind = schema.declare("incident.kind", Type::String).unwrap();
//! let orders = schema.declare("customer.orders", Type::Number).unwrap();
//! let when = compile(
//!     r#"incident.kind == "expired_coupon" && customer.orders >= 2"#,
//!     &schema,
//!     Type::Bool,
//! )
//! .unwrap();
//!
//! let mut values = Values::new(&schema);
//! values.set_string(kind, "expired_coupon");
//! values.set_number(orders, 3.0);
//! assert!(when.eval_bool(&values));
//! ```
//!
//! # The language
//!
//! A subset of CEL (<https://cel.dev>) with one deliberate difference:
//! CEL's `int`, `uint` and `double` are a single `number` type (an `f64`),
//! so `customer.orders >= 2` and `incident.loss * 1.5` need no conversion.
//!
//! - **Types**: `number`, `string`, `bool` and `date`. There is no `null`,
//!   bytes, list value, map, message, `has()` or macro (`all`, `exists`,
//!   `map`, `filter`); each is refused with an error naming it.
//! - **Fields**: `customer.<name>` and `incident.<name>`, declared in the
//!   schema with a type. Anything else is an error, with a "did you mean"
//!   when a declared field is close.
//! - **Literals**: numbers (`2`, `2u`, `1.5`, `1e3`, `0x10`), strings
//!   (`"a"`, `'a'`, raw `r"a\b"`, triple-quoted) and `true` / `false`.
//! - **Arithmetic**: `+ - * /` and `%` (truncated remainder, the sign of the
//!   left side) on numbers, unary `-`; `+` also joins strings. Division by
//!   zero gives an infinity or NaN, which callers check with
//!   [`f64::is_finite`].
//! - **Comparison**: `==` and `!=` between two values of one type; `< <= >
//!   >=` between numbers, dates or strings (by Unicode code point).
//! - **Logic**: `&&`, `||` (left to right, short-circuit), `!`, and
//!   `c ? a : b` with a bool `c` and branches of one type.
//! - **Membership**: `x in [a, b, ...]`, the elements of `x`'s type; a list
//!   is allowed only there.
//! - **Dates**: `date("2026-01-31")` (a string literal, checked when the
//!   policy loads); `date - date` is a number of days, `date + n` and
//!   `date - n` are dates; dates compare with dates. At run time a date is a
//!   number of days since 1970-01-01.
//! - **Functions**: `min(a, b, ...)` and `max(...)` (numbers, or dates),
//!   `abs(x)`, `floor(x)`, `ceil(x)`, `round(x)` (half away from zero),
//!   `int(x)` (toward zero), `double(x)` (unchanged); `size(s)` or
//!   `s.size()` (characters), `s.startsWith(t)`, `s.endsWith(t)`,
//!   `s.contains(t)`, `s.lowerAscii()`.
//!
//! Every type error is found when the expression compiles, never at run
//! time: `customer.orders >= "5"` is "cannot compare number with string".
//! Sub-expressions that name no field are computed once, at compile time,
//! so `when = "true"` is recognised by [`Expr::constant_bool`].

mod check;
mod dates;
mod error;
mod eval;
mod functions;
mod live;
mod operators;
mod parse;
mod schema;
mod spans;
mod tree;
mod types;
mod values;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::thread;

pub use dates::{date_from_days, days_from_date};
pub use error::CompileError;
pub use schema::{Schema, SchemaError};
pub use types::{Slot, Type};
pub use values::Values;

use cel::common::ast::{Expr as CelExpr, IdedExpr, operators::CONDITIONAL};
use check::{Checker, Typed};
use tree::{Bool, Num, Str};

/// The stack for compiling a deeply nested expression. The `cel` parser
/// recurses deeply per level of brackets (in a debug build, 15 nested
/// parentheses overflow a 2 MiB thread stack); its own limit of 96 levels
/// fits in this. Only the pages actually touched are committed.
const DEEP_STACK: usize = 64 << 20;

/// Parses, type-checks and compiles `source`, which must produce a value of
/// type `expected` (a condition is [`Type::Bool`]).
///
/// On failure, returns every independent error found, in source order.
///
/// No source text can crash the caller: an expression with deep nesting is
/// compiled on a short-lived thread with a large stack, and a panic in the
/// parser becomes an error. Compiling takes some tens of microseconds (a few
/// hundred with the extra thread): compile once, evaluate many times.
pub fn compile(source: &str, schema: &Schema, expected: Type) -> Result<Expr, Vec<CompileError>> {
    let run = || compile_here(source, schema, expected);
    let outcome = if parse::fits_small_stack(source) {
        panic::catch_unwind(AssertUnwindSafe(run))
    } else {
        let spawned = thread::scope(|scope| {
            thread::Builder::new()
                .name("goodwill-expr".to_string())
                .stack_size(DEEP_STACK)
                .spawn_scoped(scope, run)
                .map(|thread| thread.join())
        });
        // no thread to be had: try the caller's stack
        spawned.unwrap_or_else(|_| panic::catch_unwind(AssertUnwindSafe(run)))
    };
    outcome.unwrap_or_else(|_panic| {
        Err(vec![
            CompileError::new(
                0..source.len(),
                "internal error: the expression parser failed on this text",
            )
            .with_help("please report this expression as a bug"),
        ])
    })
}

fn compile_here(source: &str, schema: &Schema, expected: Type) -> Result<Expr, Vec<CompileError>> {
    let parsed = parse::parse(source)?;
    let mut checker = Checker::new(&parsed, schema);
    checker.wants_text = matches!(expected, Type::Bool | Type::String);
    let typed = checker.check(&parsed.root);
    let mut errors = checker.errors;
    if let Some(found) = typed.as_ref().map(Typed::ty).filter(|&ty| ty != expected) {
        errors.push(
            CompileError::new(
                parsed.span(&parsed.root),
                format!("expected {}, found {}", describe(expected), describe(found)),
            )
            .with_optional_help(expected_help(expected, found)),
        );
    }
    let root = match typed {
        Some(typed) if errors.is_empty() => typed,
        _ => {
            errors.sort_by_key(|e| e.span.start);
            return Err(errors);
        }
    };
    let root = match root {
        Typed::Num(n) | Typed::Date(n) => Root::Num(n),
        Typed::Bool(b) => Root::Bool(b),
        Typed::Str(s) => Root::Str(s),
    };
    let branches = match &root {
        Root::Num(n) if n.as_const().is_none() => {
            let mut found = Vec::new();
            constant_branches(&parsed, schema, &parsed.root, &mut found);
            found.into_boxed_slice()
        }
        _ => Box::default(),
    };
    Ok(Expr {
        source: source.into(),
        ty: expected,
        root,
        fields: checker.fields.into_iter().collect(),
        branches,
    })
}

/// Collects the values of the `? :` branches under `e` that name no field,
/// with their spans, following only the branch a constant condition takes.
/// `e` has been checked without error.
fn constant_branches(parsed: &parse::Parsed<'_>, schema: &Schema, e: &IdedExpr, found: &mut Vec<(f64, Range<usize>)>) {
    let check = |e: &IdedExpr| Checker::new(parsed, schema).check(e);
    if let CelExpr::Call(call) = &e.expr
        && call.target.is_none()
        && call.func_name == CONDITIONAL
        && let [c, a, b] = call.args.as_slice()
    {
        match check(c) {
            Some(Typed::Bool(c)) if c.as_const() == Some(true) => constant_branches(parsed, schema, a, found),
            Some(Typed::Bool(c)) if c.as_const() == Some(false) => constant_branches(parsed, schema, b, found),
            _ => {
                constant_branches(parsed, schema, a, found);
                constant_branches(parsed, schema, b, found);
            }
        }
        return;
    }
    if let Some(Typed::Num(n)) = check(e)
        && let Some(v) = n.as_const()
    {
        found.push((v, parsed.span(e)));
    }
}

fn describe(ty: Type) -> &'static str {
    match ty {
        Type::Bool => "a condition (bool)",
        other => other.a(),
    }
}

fn expected_help(expected: Type, found: Type) -> Option<String> {
    match (expected, found) {
        (Type::Number, Type::Date) => Some("subtract two dates to get the number of days between them".to_string()),
        (Type::Date, _) => Some("write a date as `date(\"2026-01-31\")`".to_string()),
        (Type::Bool, Type::Number) => Some("compare it, like `customer.orders >= 2`".to_string()),
        _ => None,
    }
}

/// A compiled expression, ready to evaluate against [`Values`].
///
/// Cheap to evaluate and safe to share between threads.
#[derive(Clone, Debug)]
pub struct Expr {
    source: Box<str>,
    ty: Type,
    root: Root,
    fields: Box<[String]>,
    /// See [`Expr::constant_branches`].
    branches: Box<[(f64, Range<usize>)]>,
}

#[derive(Clone, Debug, PartialEq)]
enum Root {
    Num(Num),
    Bool(Bool),
    Str(Str),
}

impl Expr {
    /// The source text the expression was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The type of the expression's value (the `expected` type it was compiled for).
    pub fn ty(&self) -> Type {
        self.ty
    }

    /// Evaluates a condition.
    ///
    /// # Panics
    /// If the expression is not a [`Type::Bool`], or `values` was built for
    /// another schema.
    #[inline]
    pub fn eval_bool(&self, values: &Values) -> bool {
        match &self.root {
            Root::Bool(b) => b.eval(values),
            _ => panic!("eval_bool on an expression of type {}", self.ty),
        }
    }

    /// Evaluates a number, or a date as days since 1970-01-01.
    ///
    /// The result may be infinite or NaN (a division by zero): callers check
    /// [`f64::is_finite`].
    ///
    /// # Panics
    /// If the expression is not a [`Type::Number`] or [`Type::Date`], or
    /// `values` was built for another schema.
    #[inline]
    pub fn eval_number(&self, values: &Values) -> f64 {
        match &self.root {
            Root::Num(n) => n.eval(values),
            _ => panic!("eval_number on an expression of type {}", self.ty),
        }
    }

    /// Evaluates a string, borrowing from the expression or the values
    /// where possible.
    ///
    /// # Panics
    /// If the expression is not a [`Type::String`], or `values` was built
    /// for another schema.
    pub fn eval_string<'a>(&'a self, values: &'a Values) -> Cow<'a, str> {
        match &self.root {
            Root::Str(s) => s.eval(values),
            _ => panic!("eval_string on an expression of type {}", self.ty),
        }
    }

    /// The value of a number or date expression that names no field (after
    /// constant folding).
    pub fn constant_number(&self) -> Option<f64> {
        match &self.root {
            Root::Num(n) => n.as_const(),
            _ => None,
        }
    }

    /// The value of a condition that names no field (after constant
    /// folding), like `true` or `2 > 1`.
    pub fn constant_bool(&self) -> Option<bool> {
        match &self.root {
            Root::Bool(b) => b.as_const(),
            _ => None,
        }
    }

    /// The value of a string expression that names no field.
    pub fn constant_string(&self) -> Option<&str> {
        match &self.root {
            Root::Str(s) => s.as_const(),
            _ => None,
        }
    }

    /// The constant values a number expression can take in some case, each
    /// with its span in the source: the `? :` branches that name no field, as
    /// `1.5` and `0.5` in `customer.orders > 2 ? 1.5 : 0.5`, so that a value
    /// out of range is found when the policy loads rather than on the case
    /// that takes that branch. Empty for an expression that is constant as a
    /// whole ([`Expr::constant_number`] has its value) and for one without a
    /// constant branch.
    pub fn constant_branches(&self) -> &[(f64, Range<usize>)] {
        &self.branches
    }

    /// Whether `other`, compiled against `other_schema`, computes what this
    /// one, compiled against `schema`, does, however each is written: `4.0`
    /// or `4`, `'x'` or `"x"`, with or without parentheses, a constant part
    /// folded (`2 * 2` or `4`). Two that say `false` may still compute the
    /// same (`a > b` and `b < a`); two that say `true` always do.
    pub fn same_as(&self, schema: &Schema, other: &Expr, other_schema: &Schema) -> bool {
        // The trees name fields by slot: the slots must stand for the same
        // fields in both schemas.
        self.ty == other.ty
            && self.fields == other.fields
            && self.fields.iter().all(|f| schema.lookup(f) == other_schema.lookup(f))
            && self.root == other.root
    }

    /// The fields of [`Expr::fields`] that evaluating it with `values`
    /// reads: not those only in a `? :` branch it does not take, or after
    /// an `&&` or `||` its left side decides. A condition that reads one of
    /// `unset` (fields the case does not have) decides nothing: both sides
    /// are read. `schema` is the one it was compiled against.
    pub fn fields_read(&self, schema: &Schema, values: &Values, unset: &[String]) -> Vec<String> {
        let unset: Vec<(types::Storage, u32)> = unset
            .iter()
            .filter_map(|f| schema.lookup(f).map(|(ty, slot)| (ty.storage(), slot.0)))
            .collect();
        let reading = live::Reading {
            values,
            unset: &|read| unset.contains(&read),
        };
        let mut read = Vec::new();
        match &self.root {
            Root::Num(n) => n.reads(&reading, &mut read),
            Root::Bool(b) => b.reads(&reading, &mut read),
            Root::Str(s) => s.reads(&reading, &mut read),
        }
        self.fields
            .iter()
            .filter(|f| {
                schema
                    .lookup(f)
                    .is_some_and(|(ty, slot)| read.contains(&(ty.storage(), slot.0)))
            })
            .cloned()
            .collect()
    }

    /// The fields the source names, sorted and deduplicated; a field in a
    /// branch that constant folding removed (`false && customer.orders > 2`)
    /// is still listed.
    pub fn fields(&self) -> Vec<String> {
        self.fields.to_vec()
    }
}

impl fmt::Display for Expr {
    /// The source text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
