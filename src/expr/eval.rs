//! Evaluation of the compiled trees: plain recursive `match`es over values
//! already known to have the right type, so no check happens at run time.
//!
//! The operators' semantics live here, once: constant folding evaluates
//! constant nodes with these same functions.

use std::borrow::Cow;

use super::tree::{Arith, Bool, Cmp, Num, NumFn, Str, StrTest};
use super::values::Values;

impl Arith {
    #[inline]
    pub(crate) fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Arith::Add => a + b,
            Arith::Sub => a - b,
            Arith::Mul => a * b,
            Arith::Div => a / b,
            // truncated remainder, the sign of the dividend, as CEL's int `%`
            Arith::Rem => a % b,
        }
    }
}

impl Cmp {
    #[inline]
    fn numbers(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }

    /// Strings compare by Unicode code point, which for UTF-8 is byte order.
    #[inline]
    fn strings(self, a: &str, b: &str) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }
}

impl NumFn {
    #[inline]
    fn apply(self, x: f64) -> f64 {
        match self {
            NumFn::Abs => x.abs(),
            NumFn::Floor => x.floor(),
            NumFn::Ceil => x.ceil(),
            NumFn::Round => x.round(),
            NumFn::Trunc => x.trunc(),
        }
    }
}

impl Num {
    /// [`Num::eval`] with leaves evaluated in place: a call per node would
    /// cost more than the node's work.
    #[inline(always)]
    fn value(&self, v: &Values) -> f64 {
        match self {
            Num::Const(c) => *c,
            Num::Field(slot) => v.numbers[*slot as usize],
            other => other.eval(v),
        }
    }

    pub(crate) fn eval(&self, v: &Values) -> f64 {
        match self {
            Num::Const(c) => *c,
            Num::Field(slot) => v.numbers[*slot as usize],
            Num::Neg(a) => -a.value(v),
            Num::Arith(op, a, b) => op.apply(a.value(v), b.value(v)),
            Num::ArithFieldConst(op, slot, c) => op.apply(v.numbers[*slot as usize], *c),
            Num::ArithConst(op, a, c) => op.apply(a.value(v), *c),
            Num::Call(f, a) => f.apply(a.value(v)),
            // f64::min/max would skip a NaN; a NaN (0/0) must reach the caller
            Num::Min(args) => args
                .iter()
                .map(|a| a.eval(v))
                .reduce(|m, x| if x < m || x.is_nan() { x } else { m })
                .unwrap_or(f64::NAN),
            Num::Max(args) => args
                .iter()
                .map(|a| a.eval(v))
                .reduce(|m, x| if x > m || x.is_nan() { x } else { m })
                .unwrap_or(f64::NAN),
            Num::Size(s) => s.eval(v).chars().count() as f64,
            Num::Cond(c, a, b) => {
                if c.value(v) {
                    a.value(v)
                } else {
                    b.value(v)
                }
            }
        }
    }
}

impl Bool {
    /// [`Bool::eval`] with the commonest leaves evaluated in place.
    #[inline(always)]
    fn value(&self, v: &Values) -> bool {
        match self {
            Bool::Const(c) => *c,
            Bool::Field(slot) => v.bools[*slot as usize],
            Bool::NumFieldCmpConst(op, slot, c) => op.numbers(v.numbers[*slot as usize], *c),
            Bool::StrFieldEqConst(eq, slot, c) => (v.strings[*slot as usize] == **c) == *eq,
            other => other.eval(v),
        }
    }

    pub(crate) fn eval(&self, v: &Values) -> bool {
        match self {
            Bool::Const(c) => *c,
            Bool::Field(slot) => v.bools[*slot as usize],
            Bool::Not(a) => !a.value(v),
            Bool::And(a, b) => a.value(v) && b.value(v),
            Bool::Or(a, b) => a.value(v) || b.value(v),
            Bool::NumCmp(op, a, b) => op.numbers(a.value(v), b.value(v)),
            Bool::NumFieldCmpConst(op, slot, c) => op.numbers(v.numbers[*slot as usize], *c),
            Bool::StrCmp(op, a, b) => op.strings(&a.eval(v), &b.eval(v)),
            Bool::StrFieldEqConst(eq, slot, c) => (v.strings[*slot as usize] == **c) == *eq,
            Bool::EqBools(eq, a, b) => (a.value(v) == b.value(v)) == *eq,
            Bool::NumIn(x, list) => {
                let x = x.value(v);
                list.contains(&x)
            }
            Bool::StrIn(x, list) => {
                let x = x.eval(v);
                list.iter().any(|item| **item == *x)
            }
            Bool::StrTest(test, a, b) => {
                let (a, b) = (a.eval(v), b.eval(v));
                match test {
                    StrTest::StartsWith => a.starts_with(&*b),
                    StrTest::EndsWith => a.ends_with(&*b),
                    StrTest::Contains => a.contains(&*b),
                }
            }
            Bool::Cond(c, a, b) => {
                if c.value(v) {
                    a.value(v)
                } else {
                    b.value(v)
                }
            }
        }
    }
}

impl Str {
    /// Borrows from the tree or the values where it can; only `+` and
    /// `lowerAscii()` allocate.
    pub(crate) fn eval<'a>(&'a self, v: &'a Values) -> Cow<'a, str> {
        match self {
            Str::Const(c) => Cow::Borrowed(c),
            Str::Field(slot) => Cow::Borrowed(&v.strings[*slot as usize]),
            Str::Concat(a, b) => {
                let mut s = a.eval(v).into_owned();
                s.push_str(&b.eval(v));
                Cow::Owned(s)
            }
            Str::LowerAscii(a) => match a.eval(v) {
                Cow::Borrowed(s) if !s.bytes().any(|b| b.is_ascii_uppercase()) => Cow::Borrowed(s),
                s => Cow::Owned(s.to_ascii_lowercase()),
            },
            Str::Cond(c, a, b) => {
                if c.eval(v) {
                    a.eval(v)
                } else {
                    b.eval(v)
                }
            }
        }
    }
}
