//! Type checking and lowering in one pass: each CEL node is checked against
//! the schema and, when it is sound, turned into a node of the typed tree.
//!
//! A node that fails reports its error and yields `None`; its parent then
//! stays silent about it (no cascade) but still checks its other children,
//! so independent mistakes are all reported at once.
//!
//! Literals and field names are checked here, operators in `operators.rs`
//! and function calls in `functions.rs`.

use std::collections::BTreeSet;

use cel::common::ast::{CallExpr, Expr, IdedExpr, LiteralValue, operators};

use super::error::CompileError;
use super::parse::Parsed;
use super::schema::{ROOTS, Schema};
use super::tree::{Bool, Num, Str};
use super::types::Type;
use crate::suggest::did_you_mean;

/// A checked node, tagged with its type.
#[derive(Clone, Debug)]
pub(crate) enum Typed {
    Num(Num),
    /// A date, as a number of days since 1970-01-01.
    Date(Num),
    Str(Str),
    Bool(Bool),
}

impl Typed {
    pub(crate) fn ty(&self) -> Type {
        match self {
            Typed::Num(_) => Type::Number,
            Typed::Date(_) => Type::Date,
            Typed::Str(_) => Type::String,
            Typed::Bool(_) => Type::Bool,
        }
    }
}

pub(crate) struct Checker<'p, 's> {
    pub(crate) parsed: &'p Parsed<'s>,
    schema: &'p Schema,
    pub(crate) errors: Vec<CompileError>,
    /// Every field the source names, for [`Expr::fields`](super::Expr::fields).
    pub(crate) fields: BTreeSet<String>,
    /// Whether the expression yields a condition or text, where a bare word
    /// is most often text that lost its quotes (`customer.tier == gold`);
    /// where a number is wanted (`effectiveness = "high"`) it is not.
    pub(crate) wants_text: bool,
}

impl<'p, 's> Checker<'p, 's> {
    pub(crate) fn new(parsed: &'p Parsed<'s>, schema: &'p Schema) -> Self {
        Self {
            parsed,
            schema,
            errors: Vec::new(),
            fields: BTreeSet::new(),
            wants_text: true,
        }
    }

    /// Records an error located at `e` and yields the `None` that stands for
    /// a node that failed.
    pub(crate) fn fail<T>(&mut self, e: &IdedExpr, message: String, help: Option<String>) -> Option<T> {
        let span = self.parsed.span(e);
        self.errors
            .push(CompileError::new(span, message).with_optional_help(help));
        None
    }

    /// The source text of `e`, in backticks.
    pub(crate) fn quote(&self, e: &IdedExpr) -> String {
        format!("`{}`", self.parsed.text(e))
    }

    pub(crate) fn check(&mut self, e: &IdedExpr) -> Option<Typed> {
        match &e.expr {
            Expr::Literal(literal) => self.literal(e, literal),
            Expr::Ident(_) => self.field(e),
            Expr::Select(select) if select.test => self.fail(
                e,
                "`has()` is not supported".to_string(),
                Some("every declared field always has a value (its zero value when missing)".into()),
            ),
            Expr::Select(_) => self.field(e),
            Expr::Call(call) => self.call(e, call),
            Expr::List(list) => {
                // still check the elements, for their own errors
                for element in &list.elements {
                    self.check(element);
                }
                self.fail(
                    e,
                    "a list is only allowed on the right of `in`".to_string(),
                    Some("write `x in [\"a\", \"b\"]`".into()),
                )
            }
            Expr::Map(_) => self.fail(e, "maps are not supported".to_string(), None),
            Expr::Struct(s) => self.fail(
                e,
                format!("message construction `{}{{...}}` is not supported", s.type_name),
                None,
            ),
            Expr::Comprehension(_) => {
                let name = self.parsed.word_before(e).to_string();
                self.fail(
                    e,
                    format!("the `{name}` macro is not supported"),
                    Some("there are no lists or maps to iterate over".into()),
                )
            }
            Expr::Unspecified => self.fail(e, "cannot parse this".to_string(), None),
        }
    }

    fn literal(&mut self, e: &IdedExpr, literal: &LiteralValue) -> Option<Typed> {
        Some(match literal {
            LiteralValue::Int(i) => Typed::Num(Num::Const(**i as f64)),
            LiteralValue::UInt(u) => Typed::Num(Num::Const(**u as f64)),
            LiteralValue::Double(d) => Typed::Num(Num::Const(**d)),
            LiteralValue::String(s) => Typed::Str(Str::Const(s.inner().into())),
            LiteralValue::Boolean(b) => Typed::Bool(Bool::Const(**b)),
            LiteralValue::Null => {
                return self.fail(
                    e,
                    "`null` is not supported".to_string(),
                    Some("every declared field always has a value (its zero value when missing)".into()),
                );
            }
            LiteralValue::Bytes(_) => {
                return self.fail(
                    e,
                    "bytes literals are not supported".to_string(),
                    Some("use a string".into()),
                );
            }
        })
    }

    /// `customer.<name>` or `incident.<name>`, and every way of getting it wrong.
    fn field(&mut self, e: &IdedExpr) -> Option<Typed> {
        let Some(segments) = name_segments(e) else {
            let message = match &e.expr {
                Expr::Select(select) => format!("cannot select `.{}` of {}", select.field, self.quote(&select.operand)),
                _ => format!("cannot select a field of {}", self.quote(e)),
            };
            return self.fail(e, message, Some("only `customer` and `incident` have fields".into()));
        };
        let name = segments.join(".");
        if let [root, _] = segments[..]
            && ROOTS.contains(&root)
        {
            if let Some((ty, slot)) = self.schema.lookup(&name) {
                self.fields.insert(name);
                return Some(match ty {
                    Type::Number => Typed::Num(Num::Field(slot.0)),
                    Type::Date => Typed::Date(Num::Field(slot.0)),
                    Type::String => Typed::Str(Str::Field(slot.0)),
                    Type::Bool => Typed::Bool(Bool::Field(slot.0)),
                });
            }
            let help = self.suggest_field(&name);
            return self.fail(e, format!("unknown field `{name}`"), help);
        }
        let message = if segments.len() == 1 && ROOTS.contains(&segments[0]) {
            format!("`{name}` is not a value: fields are `{name}.<name>`")
        } else if ROOTS.contains(&segments[0]) {
            format!("unknown field `{name}`: a field has one name after `{}.`", segments[0])
        } else {
            format!("unknown name `{name}`: fields start with `customer.` or `incident.`")
        };
        let help = self.suggest_field(&name).or_else(|| {
            // `customer.tier == gold`: a bare word is most often text without its quotes.
            (self.wants_text && segments.len() == 1 && !ROOTS.contains(&segments[0]))
                .then(|| format!("if it is text, quote it: `\"{name}\"`"))
        });
        self.fail(e, message, help)
    }

    /// A declared field that `name` is probably a misspelling of, or that
    /// has the same last part under the other root (or no root at all).
    fn suggest_field(&self, name: &str) -> Option<String> {
        let declared = || self.schema.fields().map(|(name, _, _)| name);
        let last = name.rsplit('.').next().unwrap_or(name);
        // A name that exists word for word under the other root
        // (`customer.kind`) is likelier meant than a near miss under its own
        // (`customer.id`).
        declared()
            .find(|field| field.rsplit('.').next() == Some(last))
            .or_else(|| did_you_mean(name, declared()))
            .map(|field| format!("did you mean `{field}`?"))
    }

    fn call(&mut self, e: &IdedExpr, call: &CallExpr) -> Option<Typed> {
        use operators::*;
        if call.target.is_some() {
            return self.function(e, call);
        }
        match (call.func_name.as_str(), call.args.as_slice()) {
            (op @ (LOGICAL_AND | LOGICAL_OR), [a, b]) => self.logical(op, a, b),
            (LOGICAL_NOT, [a]) => self.not(a),
            (NEGATE, [a]) => self.negate(e, a),
            (op @ (ADD | SUBSTRACT | MULTIPLY | DIVIDE | MODULO), [a, b]) => self.arithmetic(e, op, a, b),
            (op @ (EQUALS | NOT_EQUALS | LESS | LESS_EQUALS | GREATER | GREATER_EQUALS), [a, b]) => {
                self.compare(e, op, a, b)
            }
            (CONDITIONAL, [c, a, b]) => self.conditional(e, c, a, b),
            (IN, [x, list]) => self.in_list(x, list),
            (INDEX | OPT_INDEX, _) => self.fail(e, "indexing with `[]` is not supported".to_string(), None),
            (name, _) if name.starts_with(|c: char| c.is_alphabetic()) => self.function(e, call),
            (name, _) => self.fail(e, format!("unsupported operator `{name}`"), None),
        }
    }
}

/// `a.b.c` as `["a", "b", "c"]`; `None` for anything that is not a chain of
/// plain field selections on an identifier.
fn name_segments(e: &IdedExpr) -> Option<Vec<&str>> {
    let mut segments = Vec::new();
    let mut e = e;
    loop {
        match &e.expr {
            Expr::Ident(name) => {
                segments.push(name.as_str());
                segments.reverse();
                return Some(segments);
            }
            Expr::Select(select) if !select.test => {
                segments.push(select.field.as_str());
                e = &select.operand;
            }
            _ => return None,
        }
    }
}
