//! The built-in functions: their names, how they are called (`f(x)` or
//! `x.f()`), what they accept, and the tree node each becomes.

use cel::common::ast::{CallExpr, Expr, IdedExpr, LiteralValue};

use super::check::{Checker, Typed};
use super::dates::{days_from_date, parse_date};
use super::tree::{Bool, Num, NumFn, Str, StrTest};
use super::types::Type;
use crate::suggest::did_you_mean;

/// How a function is called.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `f(x)`.
    Global,
    /// `x.f(...)`.
    Method,
    /// Either, like CEL's `size`.
    Both,
}

/// Every function, as users spell them.
const FUNCTIONS: [(&str, Style); 14] = [
    ("min", Style::Global),
    ("max", Style::Global),
    ("abs", Style::Global),
    ("floor", Style::Global),
    ("ceil", Style::Global),
    ("round", Style::Global),
    ("double", Style::Global),
    ("int", Style::Global),
    ("date", Style::Global),
    ("size", Style::Both),
    ("startsWith", Style::Method),
    ("endsWith", Style::Method),
    ("contains", Style::Method),
    ("lowerAscii", Style::Method),
];

fn list_functions() -> String {
    let names: Vec<String> = FUNCTIONS.iter().map(|(n, _)| format!("`{n}`")).collect();
    format!("functions are {}", names.join(", "))
}

fn arguments(n: usize) -> String {
    match n {
        0 => "no arguments".to_string(),
        1 => "1 argument".to_string(),
        n => format!("{n} arguments"),
    }
}

impl Checker<'_, '_> {
    pub(crate) fn function(&mut self, e: &IdedExpr, call: &CallExpr) -> Option<Typed> {
        let name = call.func_name.as_str();
        let target = call.target.as_deref();
        let Some(&(_, style)) = FUNCTIONS.iter().find(|(n, _)| *n == name) else {
            self.check_all(target.into_iter().chain(&call.args));
            let help = did_you_mean(name, FUNCTIONS.iter().map(|(n, _)| *n))
                .map_or_else(list_functions, |n| format!("did you mean `{n}`?"));
            return self.fail(e, format!("unknown function `{name}`"), Some(help));
        };
        match (style, target) {
            (Style::Global, Some(receiver)) => {
                self.check_all(target.into_iter().chain(&call.args));
                let text = self.parsed.text(receiver).to_string();
                let mut args = vec![text];
                args.extend(call.args.iter().map(|a| self.parsed.text(a).to_string()));
                return self.fail(
                    e,
                    format!("`{name}` is a function, not a method"),
                    Some(format!("write `{name}({})`", args.join(", "))),
                );
            }
            (Style::Method, None) => {
                self.check_all(&call.args);
                let help = match call.args.split_first() {
                    Some((first, rest)) => {
                        let rest: Vec<&str> = rest.iter().map(|a| self.parsed.text(a)).collect();
                        format!("write `{}.{name}({})`", self.parsed.text(first), rest.join(", "))
                    }
                    None => format!("write `s.{name}()`"),
                };
                return self.fail(e, format!("`{name}` is a method"), Some(help));
            }
            _ => {}
        }
        if name == "date" {
            return self.date(e, &call.args);
        }
        // the receiver, if any, is the first argument from here on
        let args: Vec<&IdedExpr> = target.into_iter().chain(&call.args).collect();
        let typed: Vec<Option<Typed>> = args.iter().map(|a| self.check(a)).collect();
        let typed: Vec<Typed> = typed.into_iter().collect::<Option<_>>()?;
        let explicit = call.args.len();
        let wanted = match name {
            "min" | "max" => return self.extremum(e, name, &args, typed),
            "lowerAscii" => 0,
            "startsWith" | "endsWith" | "contains" => 1,
            _ if target.is_some() => 0,
            _ => 1,
        };
        if explicit != wanted {
            return self.fail(
                e,
                format!("`{name}` takes {}, found {explicit}", arguments(wanted)),
                None,
            );
        }
        let mut typed = typed.into_iter();
        let first = typed.next()?;
        match name {
            "size" | "lowerAscii" => {
                let s = self.string_arg(name, args[0], first)?;
                Some(if name == "size" {
                    Typed::Num(Num::Size(Box::new(s)).fold())
                } else {
                    Typed::Str(Str::LowerAscii(Box::new(s)).fold())
                })
            }
            "startsWith" | "endsWith" | "contains" => {
                let s = self.string_arg(name, args[0], first);
                let t = self.string_arg(name, args[1], typed.next()?);
                let test = match name {
                    "startsWith" => StrTest::StartsWith,
                    "endsWith" => StrTest::EndsWith,
                    _ => StrTest::Contains,
                };
                Some(Typed::Bool(Bool::StrTest(test, Box::new(s?), Box::new(t?)).fold()))
            }
            _ => {
                let x = self.number_arg(name, args[0], first)?;
                let f = match name {
                    "double" => return Some(Typed::Num(x)),
                    "abs" => NumFn::Abs,
                    "floor" => NumFn::Floor,
                    "ceil" => NumFn::Ceil,
                    "round" => NumFn::Round,
                    _ => NumFn::Trunc,
                };
                Some(Typed::Num(Num::Call(f, Box::new(x)).fold()))
            }
        }
    }

    fn check_all<'e>(&mut self, exprs: impl IntoIterator<Item = &'e IdedExpr>) {
        for e in exprs {
            self.check(e);
        }
    }

    fn string_arg(&mut self, name: &str, e: &IdedExpr, typed: Typed) -> Option<Str> {
        match typed {
            Typed::Str(s) => Some(s),
            other => {
                let message = format!("`{name}` takes a string: {} is {}", self.quote(e), other.ty().a());
                self.fail(e, message, None)
            }
        }
    }

    fn number_arg(&mut self, name: &str, e: &IdedExpr, typed: Typed) -> Option<Num> {
        match typed {
            Typed::Num(n) => Some(n),
            other => {
                let help = (other.ty() == Type::Date).then(|| "subtract two dates to get a number of days".to_string());
                let message = format!("`{name}` takes a number: {} is {}", self.quote(e), other.ty().a());
                self.fail(e, message, help)
            }
        }
    }

    /// `min` and `max`: one or more numbers, or one or more dates.
    fn extremum(&mut self, e: &IdedExpr, name: &str, args: &[&IdedExpr], typed: Vec<Typed>) -> Option<Typed> {
        let Some(ty) = typed.first().map(Typed::ty) else {
            return self.fail(e, format!("`{name}` takes at least 1 argument, found 0"), None);
        };
        if !matches!(ty, Type::Number | Type::Date) {
            let message = format!("`{name}` takes numbers or dates: {} is {}", self.quote(args[0]), ty.a());
            return self.fail(args[0], message, None);
        }
        let mut nums = Vec::with_capacity(typed.len());
        let mut ok = true;
        for (arg, t) in args.iter().zip(typed) {
            let t_ty = t.ty();
            match t {
                Typed::Num(n) | Typed::Date(n) if t_ty == ty => nums.push(n),
                _ => {
                    let message = format!(
                        "`{name}` takes arguments of one type: {} is {}, {} is {}",
                        self.quote(args[0]),
                        ty.a(),
                        self.quote(arg),
                        t_ty.a()
                    );
                    self.fail::<()>(arg, message, None);
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        let node = if name == "min" {
            Num::Min(nums.into())
        } else {
            Num::Max(nums.into())
        }
        .fold();
        Some(if ty == Type::Date {
            Typed::Date(node)
        } else {
            Typed::Num(node)
        })
    }

    /// `date("YYYY-MM-DD")`: a constant, so the literal is all it accepts.
    fn date(&mut self, e: &IdedExpr, args: &[IdedExpr]) -> Option<Typed> {
        let [arg] = args else {
            self.check_all(args);
            return self.fail(
                e,
                format!("`date` takes 1 argument, found {}", args.len()),
                Some("write `date(\"2026-01-31\")`".into()),
            );
        };
        let Expr::Literal(LiteralValue::String(text)) = &arg.expr else {
            self.check(arg);
            return self.fail(
                arg,
                format!("`date` takes a string literal: {} is not one", self.quote(arg)),
                Some("write `date(\"2026-01-31\")`, or declare the field with type `date`".into()),
            );
        };
        match parse_date(text.inner()) {
            Some(date) => Some(Typed::Date(Num::Const(days_from_date(date)))),
            None => self.fail(
                arg,
                format!("invalid date {}", self.quote(arg)),
                Some("dates are written `YYYY-MM-DD`, like `2026-01-31`".into()),
            ),
        }
    }
}
