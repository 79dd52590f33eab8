//! The fields an evaluation reads: those of the branches it takes. A field
//! in a `? :` branch not taken, or after `&&` or `||` has decided, changes
//! nothing for these values, as `incident.order_value` in
//! `customer.orders > 0 ? customer.avg_order_value : incident.order_value`
//! for a customer with orders. A condition that reads a field the case does
//! not have (`unset`) decides nothing yet: both of its branches are read.

use super::tree::{Bool, Num, Str};
use super::types::Storage;
use super::values::Values;

/// A field read: where it is stored, and its slot there.
pub(crate) type Read = (Storage, u32);

/// What the reading needs: the values, and which fields hold no value of
/// the case's own (each read as its type's empty value).
pub(crate) struct Reading<'a> {
    pub(crate) values: &'a Values,
    pub(crate) unset: &'a dyn Fn(Read) -> bool,
}

impl Reading<'_> {
    /// Reads the condition `c`; whether it decided `true`, `false`, or
    /// nothing (`None`: it reads a field the case does not have).
    fn decide(&self, c: &Bool, out: &mut Vec<Read>) -> Option<bool> {
        let from = out.len();
        c.reads(self, out);
        match out[from..].iter().any(|&r| (self.unset)(r)) {
            true => None,
            false => Some(c.eval(self.values)),
        }
    }

    /// A `c ? yes : no`: the side `c` decides, or both.
    fn branches(
        &self,
        c: &Bool,
        out: &mut Vec<Read>,
        yes: impl FnOnce(&mut Vec<Read>),
        no: impl FnOnce(&mut Vec<Read>),
    ) {
        match self.decide(c, out) {
            Some(true) => yes(out),
            Some(false) => no(out),
            None => {
                yes(out);
                no(out);
            }
        }
    }
}

impl Num {
    pub(crate) fn reads(&self, r: &Reading<'_>, out: &mut Vec<Read>) {
        match self {
            Num::Const(_) => {}
            Num::Field(slot) | Num::ArithFieldConst(_, slot, _) => out.push((Storage::Numbers, *slot)),
            Num::Neg(a) | Num::ArithConst(_, a, _) | Num::Call(_, a) => a.reads(r, out),
            Num::Arith(_, a, b) => {
                a.reads(r, out);
                b.reads(r, out);
            }
            Num::Min(items) | Num::Max(items) => items.iter().for_each(|n| n.reads(r, out)),
            Num::Size(s) => s.reads(r, out),
            Num::Cond(c, a, b) => r.branches(c, out, |o| a.reads(r, o), |o| b.reads(r, o)),
        }
    }
}

impl Bool {
    pub(crate) fn reads(&self, r: &Reading<'_>, out: &mut Vec<Read>) {
        match self {
            Bool::Const(_) => {}
            Bool::Field(slot) => out.push((Storage::Bools, *slot)),
            Bool::NumFieldCmpConst(_, slot, _) => out.push((Storage::Numbers, *slot)),
            Bool::StrFieldEqConst(_, slot, _) => out.push((Storage::Strings, *slot)),
            Bool::Not(a) => a.reads(r, out),
            // The right side is read unless the left decides.
            Bool::And(a, b) => {
                if r.decide(a, out) != Some(false) {
                    b.reads(r, out);
                }
            }
            Bool::Or(a, b) => {
                if r.decide(a, out) != Some(true) {
                    b.reads(r, out);
                }
            }
            Bool::NumCmp(_, a, b) => {
                a.reads(r, out);
                b.reads(r, out);
            }
            Bool::StrCmp(_, a, b) | Bool::StrTest(_, a, b) => {
                a.reads(r, out);
                b.reads(r, out);
            }
            Bool::EqBools(_, a, b) => {
                a.reads(r, out);
                b.reads(r, out);
            }
            Bool::NumIn(a, _) => a.reads(r, out),
            Bool::StrIn(a, _) => a.reads(r, out),
            Bool::Cond(c, a, b) => r.branches(c, out, |o| a.reads(r, o), |o| b.reads(r, o)),
        }
    }
}

impl Str {
    pub(crate) fn reads(&self, r: &Reading<'_>, out: &mut Vec<Read>) {
        match self {
            Str::Const(_) => {}
            Str::Field(slot) => out.push((Storage::Strings, *slot)),
            Str::Concat(a, b) => {
                a.reads(r, out);
                b.reads(r, out);
            }
            Str::LowerAscii(a) => a.reads(r, out),
            Str::Cond(c, a, b) => r.branches(c, out, |o| a.reads(r, o), |o| b.reads(r, o)),
        }
    }
}
