//! The operators: logic, arithmetic, comparison, `? :` and `in`, with the
//! typing rules of each and the messages for operands that break them.

use cel::common::ast::{Expr, IdedExpr, ListExpr, LiteralValue, operators};

use super::check::{Checker, Typed};
use super::tree::{Arith, Bool, Cmp, Num, Str};
use super::types::Type;

/// The plural, for messages about two operands of one type.
fn plural(ty: Type) -> &'static str {
    match ty {
        Type::Number => "numbers",
        Type::String => "strings",
        Type::Bool => "bools",
        Type::Date => "dates",
    }
}

impl Checker<'_, '_> {
    /// Checks both operands, each for its own errors, before giving up on
    /// either.
    fn both(&mut self, a: &IdedExpr, b: &IdedExpr) -> Option<(Typed, Typed)> {
        let (a, b) = (self.check(a), self.check(b));
        Some((a?, b?))
    }

    fn expect_bool(&mut self, what: &str, e: &IdedExpr) -> Option<Bool> {
        match self.check(e)? {
            Typed::Bool(b) => Some(b),
            other => {
                let message = format!(
                    "{what} needs a condition (bool): {} is {}",
                    self.quote(e),
                    other.ty().a()
                );
                self.fail(e, message, None)
            }
        }
    }

    pub(super) fn logical(&mut self, op: &str, a: &IdedExpr, b: &IdedExpr) -> Option<Typed> {
        let symbol = if op == operators::LOGICAL_AND { "`&&`" } else { "`||`" };
        let (a, b) = (self.expect_bool(symbol, a), self.expect_bool(symbol, b));
        let (a, b) = (Box::new(a?), Box::new(b?));
        Some(Typed::Bool(
            if op == operators::LOGICAL_AND {
                Bool::And(a, b)
            } else {
                Bool::Or(a, b)
            }
            .fold(),
        ))
    }

    pub(super) fn not(&mut self, a: &IdedExpr) -> Option<Typed> {
        let a = self.expect_bool("`!`", a)?;
        Some(Typed::Bool(Bool::Not(Box::new(a)).fold()))
    }

    pub(super) fn negate(&mut self, e: &IdedExpr, a: &IdedExpr) -> Option<Typed> {
        match self.check(a)? {
            Typed::Num(n) => Some(Typed::Num(Num::Neg(Box::new(n)).fold())),
            other => {
                let message = format!("`-` needs a number: {} is {}", self.quote(a), other.ty().a());
                self.fail(e, message, None)
            }
        }
    }

    /// "`a` is a number, `b` is a string", or "`a` and `b` are strings".
    fn operands(&self, a: &IdedExpr, ta: Type, b: &IdedExpr, tb: Type) -> String {
        if ta == tb {
            format!("{} and {} are {}", self.quote(a), self.quote(b), plural(ta))
        } else {
            format!("{} is {}, {} is {}", self.quote(a), ta.a(), self.quote(b), tb.a())
        }
    }

    pub(super) fn arithmetic(&mut self, e: &IdedExpr, op: &str, a: &IdedExpr, b: &IdedExpr) -> Option<Typed> {
        use operators::*;
        let arith = match op {
            ADD => Arith::Add,
            SUBSTRACT => Arith::Sub,
            MULTIPLY => Arith::Mul,
            DIVIDE => Arith::Div,
            _ => Arith::Rem,
        };
        let build = |x: Num, y: Num| Num::Arith(arith, Box::new(x), Box::new(y)).fold();
        let (l, r) = self.both(a, b)?;
        let (tl, tr) = (l.ty(), r.ty());
        match (arith, l, r) {
            (_, Typed::Num(x), Typed::Num(y)) => return Some(Typed::Num(build(x, y))),
            (Arith::Add, Typed::Str(x), Typed::Str(y)) => {
                return Some(Typed::Str(Str::Concat(Box::new(x), Box::new(y)).fold()));
            }
            (Arith::Add, Typed::Date(d), Typed::Num(n)) | (Arith::Add, Typed::Num(n), Typed::Date(d)) => {
                return Some(Typed::Date(build(d, n)));
            }
            (Arith::Sub, Typed::Date(x), Typed::Date(y)) => return Some(Typed::Num(build(x, y))),
            (Arith::Sub, Typed::Date(d), Typed::Num(n)) => return Some(Typed::Date(build(d, n))),
            _ => {}
        }
        let (nl, nr) = (tl.name(), tr.name());
        let verb = match arith {
            Arith::Add => format!("cannot add {nl} and {nr}"),
            Arith::Sub => format!("cannot subtract {nr} from {nl}"),
            Arith::Mul => format!("cannot multiply {nl} by {nr}"),
            Arith::Div => format!("cannot divide {nl} by {nr}"),
            Arith::Rem => format!("cannot take the remainder of {nl} divided by {nr}"),
        };
        let help = match (arith, tl, tr) {
            (Arith::Add, Type::Date, Type::Date) => {
                Some("subtract two dates to get the days between them, or add days to a date")
            }
            (Arith::Sub, Type::Number, Type::Date) => Some("subtract a date from a date, or days from a date"),
            (_, Type::Date, _) | (_, _, Type::Date) => {
                Some("dates allow `date - date` (days), `date + days` and `date - days`")
            }
            _ => None,
        };
        let message = format!("{verb}: {}", self.operands(a, tl, b, tr));
        self.fail(e, message, help.map(str::to_string))
    }

    pub(super) fn compare(&mut self, e: &IdedExpr, op: &str, a: &IdedExpr, b: &IdedExpr) -> Option<Typed> {
        use operators::*;
        let cmp = match op {
            EQUALS => Cmp::Eq,
            NOT_EQUALS => Cmp::Ne,
            LESS => Cmp::Lt,
            LESS_EQUALS => Cmp::Le,
            GREATER => Cmp::Gt,
            _ => Cmp::Ge,
        };
        let (l, r) = self.both(a, b)?;
        let (tl, tr) = (l.ty(), r.ty());
        let ordering = !matches!(cmp, Cmp::Eq | Cmp::Ne);
        match (l, r) {
            (Typed::Num(x), Typed::Num(y)) | (Typed::Date(x), Typed::Date(y)) => {
                return Some(Typed::Bool(Bool::NumCmp(cmp, Box::new(x), Box::new(y)).fold()));
            }
            (Typed::Str(x), Typed::Str(y)) => {
                return Some(Typed::Bool(Bool::StrCmp(cmp, Box::new(x), Box::new(y)).fold()));
            }
            (Typed::Bool(x), Typed::Bool(y)) if !ordering => {
                let eq = cmp == Cmp::Eq;
                return Some(Typed::Bool(Bool::EqBools(eq, Box::new(x), Box::new(y)).fold()));
            }
            _ => {}
        }
        if tl == tr {
            let symbol = self.parsed.operator_text(e);
            let message = format!(
                "`{symbol}` compares numbers, dates or strings: {}",
                self.operands(a, tl, b, tr)
            );
            return self.fail(e, message, None);
        }
        let message = format!(
            "cannot compare {} with {}: {}",
            tl.name(),
            tr.name(),
            self.operands(a, tl, b, tr)
        );
        let help = literal_help(a, self.parsed.text(a), tl, tr)
            .or_else(|| literal_help(b, self.parsed.text(b), tr, tl))
            .or_else(|| days_help(self.parsed.text(a), tl, self.parsed.text(b), tr));
        self.fail(e, message, help)
    }

    pub(super) fn conditional(&mut self, e: &IdedExpr, c: &IdedExpr, a: &IdedExpr, b: &IdedExpr) -> Option<Typed> {
        let c = self.expect_bool("the condition of `? :`", c);
        let (then, otherwise) = self.both(a, b)?;
        let c = Box::new(c?);
        let (ta, tb) = (then.ty(), otherwise.ty());
        Some(match (then, otherwise) {
            (Typed::Num(x), Typed::Num(y)) => Typed::Num(Num::Cond(c, Box::new(x), Box::new(y)).fold()),
            (Typed::Date(x), Typed::Date(y)) => Typed::Date(Num::Cond(c, Box::new(x), Box::new(y)).fold()),
            (Typed::Str(x), Typed::Str(y)) => Typed::Str(Str::Cond(c, Box::new(x), Box::new(y)).fold()),
            (Typed::Bool(x), Typed::Bool(y)) => Typed::Bool(Bool::Cond(c, Box::new(x), Box::new(y)).fold()),
            _ => {
                let message = format!(
                    "the branches of `? :` must have one type: {}",
                    self.operands(a, ta, b, tb)
                );
                return self.fail(e, message, None);
            }
        })
    }

    pub(super) fn in_list(&mut self, x: &IdedExpr, list: &IdedExpr) -> Option<Typed> {
        let checked = self.check(x);
        let Expr::List(ListExpr { elements, .. }) = &list.expr else {
            self.check(list);
            return self.fail(
                list,
                "`in` needs a list on its right".to_string(),
                Some("write `x in [\"a\", \"b\"]`".into()),
            );
        };
        let mut items = Vec::with_capacity(elements.len());
        let mut ok = true;
        for element in elements {
            match (self.check(element), &checked) {
                (Some(item), Some(x_typed)) if item.ty() != x_typed.ty() => {
                    let message = format!(
                        "list element {} is {}, but {} is {}",
                        self.quote(element),
                        item.ty().a(),
                        self.quote(x),
                        x_typed.ty().a()
                    );
                    self.fail::<()>(element, message, None);
                    ok = false;
                }
                (Some(item), _) => items.push(item),
                (None, _) => ok = false,
            }
        }
        let x = checked?;
        if !ok {
            return None;
        }
        Some(Typed::Bool(membership(x, items)))
    }
}

/// `x in [items]`: the constant items in one lookup list, the others as
/// `x == item`, all joined by `||`.
fn membership(x: Typed, items: Vec<Typed>) -> Bool {
    let mut alternatives = Vec::new();
    match x {
        Typed::Num(x) | Typed::Date(x) => {
            let mut constants = Vec::new();
            for item in items {
                if let Typed::Num(item) | Typed::Date(item) = item {
                    match item.as_const() {
                        Some(c) => constants.push(c),
                        None => alternatives.push(Bool::NumCmp(Cmp::Eq, Box::new(x.clone()), Box::new(item))),
                    }
                }
            }
            if !constants.is_empty() {
                alternatives.push(Bool::NumIn(Box::new(x), constants.into()));
            }
        }
        Typed::Str(x) => {
            let mut constants = Vec::new();
            for item in items {
                match item {
                    Typed::Str(Str::Const(c)) => constants.push(c),
                    Typed::Str(item) => alternatives.push(Bool::StrCmp(Cmp::Eq, Box::new(x.clone()), Box::new(item))),
                    _ => {}
                }
            }
            if !constants.is_empty() {
                alternatives.push(Bool::StrIn(Box::new(x), constants.into()));
            }
        }
        Typed::Bool(x) => {
            for item in items {
                if let Typed::Bool(item) = item {
                    alternatives.push(Bool::EqBools(true, Box::new(x.clone()), Box::new(item)));
                }
            }
        }
    }
    alternatives
        .into_iter()
        .map(Bool::fold)
        .reduce(|a, b| Bool::Or(Box::new(a), Box::new(b)).fold())
        .unwrap_or(Bool::Const(false))
}

/// Help for comparing a literal with a value of another type, when the
/// literal is probably meant as that type.
/// `customer.first_order > 30`: a date against a number is most often
/// meant as the number of days since that date.
fn days_help(a: &str, ta: Type, b: &str, tb: Type) -> Option<String> {
    let date = match (ta, tb) {
        (Type::Date, Type::Number) => a,
        (Type::Number, Type::Date) => b,
        _ => return None,
    };
    Some(if date == "incident.date" {
        "subtract two dates to get the number of days between them".to_string()
    } else {
        format!("for the days since it, subtract it from a date: `incident.date - {date}`")
    })
}

fn literal_help(literal: &IdedExpr, text: &str, lt: Type, ot: Type) -> Option<String> {
    let Expr::Literal(value) = &literal.expr else {
        return None;
    };
    match (value, lt, ot) {
        (LiteralValue::String(s), Type::String, Type::Number) if s.inner().trim().parse::<f64>().is_ok() => {
            Some(format!("write the number without quotes: `{}`", s.inner().trim()))
        }
        (LiteralValue::String(s), Type::String, Type::Date) => {
            Some(format!("write a date as `date(\"{}\")`", s.inner()))
        }
        (LiteralValue::Int(_) | LiteralValue::UInt(_) | LiteralValue::Double(_), Type::Number, Type::String) => {
            Some(format!("write text in quotes: `\"{text}\"`"))
        }
        _ => None,
    }
}
