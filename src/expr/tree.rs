//! The compiled form: one tree type per result type, so that evaluation
//! never inspects a dynamic value or a type tag. Leaves are constants and
//! field slots; every node's children are already of the right type.
//!
//! Nodes are built through [`Num::fold`], [`Bool::fold`] and [`Str::fold`],
//! which evaluate a node whose children are all constants (constant
//! folding), so a tree holds a constant only where a field is involved.

use super::values::Values;

/// A binary arithmetic operator on numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    /// The operator that gives the same answer with its operands swapped.
    pub(crate) fn swapped(self) -> Cmp {
        match self {
            Cmp::Eq => Cmp::Eq,
            Cmp::Ne => Cmp::Ne,
            Cmp::Lt => Cmp::Gt,
            Cmp::Le => Cmp::Ge,
            Cmp::Gt => Cmp::Lt,
            Cmp::Ge => Cmp::Le,
        }
    }
}

/// A one-argument numeric function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumFn {
    Abs,
    Floor,
    Ceil,
    /// Half away from zero.
    Round,
    /// Toward zero (`int()`).
    Trunc,
}

/// A string predicate taking a second string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StrTest {
    StartsWith,
    EndsWith,
    Contains,
}

/// A number-valued (or date-valued) node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Num {
    Const(f64),
    Field(u32),
    Neg(Box<Num>),
    Arith(Arith, Box<Num>, Box<Num>),
    /// `field op constant`, the most common shape of an arithmetic node.
    ArithFieldConst(Arith, u32, f64),
    /// `expression op constant`, as in `a * b / 100`.
    ArithConst(Arith, Box<Num>, f64),
    Call(NumFn, Box<Num>),
    Min(Box<[Num]>),
    Max(Box<[Num]>),
    /// Length of a string in Unicode code points, as CEL's `size`.
    Size(Box<Str>),
    Cond(Box<Bool>, Box<Num>, Box<Num>),
}

/// A bool-valued node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Bool {
    Const(bool),
    Field(u32),
    Not(Box<Bool>),
    And(Box<Bool>, Box<Bool>),
    Or(Box<Bool>, Box<Bool>),
    NumCmp(Cmp, Box<Num>, Box<Num>),
    /// `number field op constant`, the most common shape of a condition.
    NumFieldCmpConst(Cmp, u32, f64),
    StrCmp(Cmp, Box<Str>, Box<Str>),
    /// `string field == constant` (or `!=` when the flag is false).
    StrFieldEqConst(bool, u32, Box<str>),
    /// `==` (flag true) or `!=` (false) between two bools.
    EqBools(bool, Box<Bool>, Box<Bool>),
    NumIn(Box<Num>, Box<[f64]>),
    StrIn(Box<Str>, Box<[Box<str>]>),
    StrTest(StrTest, Box<Str>, Box<Str>),
    Cond(Box<Bool>, Box<Bool>, Box<Bool>),
}

/// A string-valued node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Str {
    Const(Box<str>),
    Field(u32),
    Concat(Box<Str>, Box<Str>),
    LowerAscii(Box<Str>),
    Cond(Box<Bool>, Box<Str>, Box<Str>),
}

/// Values with nothing in them: enough to evaluate a node whose leaves are
/// all constants.
fn no_values() -> Values {
    Values::default()
}

impl Num {
    pub(crate) fn as_const(&self) -> Option<f64> {
        match self {
            Num::Const(c) => Some(*c),
            _ => None,
        }
    }

    /// Constant-folds a freshly built node and picks the specialised shape.
    pub(crate) fn fold(self) -> Num {
        match self {
            Num::Arith(op, a, b) => match (*a, *b) {
                (Num::Const(x), Num::Const(y)) => Num::Const(op.apply(x, y)),
                (Num::Field(slot), Num::Const(c)) => Num::ArithFieldConst(op, slot, c),
                (a, Num::Const(c)) => Num::ArithConst(op, Box::new(a), c),
                (a, b) => Num::Arith(op, Box::new(a), Box::new(b)),
            },
            Num::Cond(c, a, b) => match c.as_const() {
                Some(true) => *a,
                Some(false) => *b,
                None => Num::Cond(c, a, b),
            },
            other => other.fold_constants(),
        }
    }

    fn fold_constants(self) -> Num {
        let constant_children = match &self {
            Num::Const(_) | Num::Field(_) | Num::ArithFieldConst(..) | Num::ArithConst(..) => false,
            Num::Neg(a) | Num::Call(_, a) => a.as_const().is_some(),
            Num::Arith(_, a, b) => a.as_const().is_some() && b.as_const().is_some(),
            Num::Min(args) | Num::Max(args) => args.iter().all(|a| a.as_const().is_some()),
            Num::Size(s) => s.as_const().is_some(),
            Num::Cond(c, a, b) => c.as_const().is_some() && a.as_const().is_some() && b.as_const().is_some(),
        };
        if constant_children {
            Num::Const(self.eval(&no_values()))
        } else {
            self
        }
    }
}

impl Bool {
    pub(crate) fn as_const(&self) -> Option<bool> {
        match self {
            Bool::Const(c) => Some(*c),
            _ => None,
        }
    }

    /// Constant-folds a freshly built node and picks the specialised shape.
    ///
    /// `&&` and `||` fold when either side is a constant: expressions have
    /// no side effects and no run-time errors, so `x && false` is `false`.
    pub(crate) fn fold(self) -> Bool {
        match self {
            Bool::And(a, b) => match (a.as_const(), b.as_const()) {
                (Some(false), _) | (_, Some(false)) => Bool::Const(false),
                (Some(true), _) => *b,
                (_, Some(true)) => *a,
                _ => Bool::And(a, b),
            },
            Bool::Or(a, b) => match (a.as_const(), b.as_const()) {
                (Some(true), _) | (_, Some(true)) => Bool::Const(true),
                (Some(false), _) => *b,
                (_, Some(false)) => *a,
                _ => Bool::Or(a, b),
            },
            Bool::Cond(c, a, b) => match c.as_const() {
                Some(true) => *a,
                Some(false) => *b,
                None => Bool::Cond(c, a, b),
            },
            Bool::NumCmp(op, a, b) => match (*a, *b) {
                (Num::Field(slot), Num::Const(c)) => Bool::NumFieldCmpConst(op, slot, c),
                (Num::Const(c), Num::Field(slot)) => Bool::NumFieldCmpConst(op.swapped(), slot, c),
                (a, b) => Bool::NumCmp(op, Box::new(a), Box::new(b)).fold_constants(),
            },
            Bool::StrCmp(op @ (Cmp::Eq | Cmp::Ne), a, b) => match (*a, *b) {
                (Str::Field(slot), Str::Const(c)) | (Str::Const(c), Str::Field(slot)) => {
                    Bool::StrFieldEqConst(op == Cmp::Eq, slot, c)
                }
                (a, b) => Bool::StrCmp(op, Box::new(a), Box::new(b)).fold_constants(),
            },
            other => other.fold_constants(),
        }
    }

    fn fold_constants(self) -> Bool {
        let constant_children = match &self {
            Bool::Const(_) | Bool::Field(_) | Bool::NumFieldCmpConst(..) | Bool::StrFieldEqConst(..) => false,
            Bool::Not(a) => a.as_const().is_some(),
            Bool::And(a, b) | Bool::Or(a, b) | Bool::EqBools(_, a, b) => {
                a.as_const().is_some() && b.as_const().is_some()
            }
            Bool::NumCmp(_, a, b) => a.as_const().is_some() && b.as_const().is_some(),
            Bool::StrCmp(_, a, b) | Bool::StrTest(_, a, b) => a.as_const().is_some() && b.as_const().is_some(),
            Bool::NumIn(x, _) => x.as_const().is_some(),
            Bool::StrIn(x, _) => x.as_const().is_some(),
            Bool::Cond(c, a, b) => c.as_const().is_some() && a.as_const().is_some() && b.as_const().is_some(),
        };
        if constant_children {
            Bool::Const(self.eval(&no_values()))
        } else {
            self
        }
    }
}

impl Str {
    pub(crate) fn as_const(&self) -> Option<&str> {
        match self {
            Str::Const(c) => Some(c),
            _ => None,
        }
    }

    /// Constant-folds a freshly built node.
    pub(crate) fn fold(self) -> Str {
        let constant_children = match &self {
            Str::Const(_) | Str::Field(_) => false,
            Str::Concat(a, b) => a.as_const().is_some() && b.as_const().is_some(),
            Str::LowerAscii(a) => a.as_const().is_some(),
            Str::Cond(c, _, _) => c.as_const().is_some(),
        };
        if !constant_children {
            return self;
        }
        match self {
            Str::Cond(c, a, b) => {
                if c.as_const() == Some(true) {
                    *a
                } else {
                    *b
                }
            }
            other => Str::Const(other.eval(&no_values()).into_owned().into_boxed_str()),
        }
    }
}
