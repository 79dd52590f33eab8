//! The fields an evaluation reads: those of the branches it takes. A field
//! in a `? :` branch not taken, or after `&&` or `||` has decided, changes
//! nothing for these values, as `incident.order_value` in
//! `customer.orders > 0 ? customer.avg_order_value : incident.order_value`
//! for a customer with orders.

use super::tree::{Bool, Num, Str};
use super::types::Storage;
use super::values::Values;

/// A field read: where it is stored, and its slot there.
pub(crate) type Read = (Storage, u32);

impl Num {
    pub(crate) fn reads(&self, v: &Values, out: &mut Vec<Read>) {
        match self {
            Num::Const(_) => {}
            Num::Field(slot) | Num::ArithFieldConst(_, slot, _) => out.push((Storage::Numbers, *slot)),
            Num::Neg(a) | Num::ArithConst(_, a, _) | Num::Call(_, a) => a.reads(v, out),
            Num::Arith(_, a, b) => {
                a.reads(v, out);
                b.reads(v, out);
            }
            Num::Min(items) | Num::Max(items) => items.iter().for_each(|n| n.reads(v, out)),
            Num::Size(s) => s.reads(v, out),
            Num::Cond(c, a, b) => {
                c.reads(v, out);
                if c.eval(v) { a.reads(v, out) } else { b.reads(v, out) }
            }
        }
    }
}

impl Bool {
    pub(crate) fn reads(&self, v: &Values, out: &mut Vec<Read>) {
        match self {
            Bool::Const(_) => {}
            Bool::Field(slot) => out.push((Storage::Bools, *slot)),
            Bool::NumFieldCmpConst(_, slot, _) => out.push((Storage::Numbers, *slot)),
            Bool::StrFieldEqConst(_, slot, _) => out.push((Storage::Strings, *slot)),
            Bool::Not(a) => a.reads(v, out),
            // The right side is read only when the left does not decide.
            Bool::And(a, b) => {
                a.reads(v, out);
                if a.eval(v) {
                    b.reads(v, out);
                }
            }
            Bool::Or(a, b) => {
                a.reads(v, out);
                if !a.eval(v) {
                    b.reads(v, out);
                }
            }
            Bool::NumCmp(_, a, b) => {
                a.reads(v, out);
                b.reads(v, out);
            }
            Bool::StrCmp(_, a, b) | Bool::StrTest(_, a, b) => {
                a.reads(v, out);
                b.reads(v, out);
            }
            Bool::EqBools(_, a, b) => {
                a.reads(v, out);
                b.reads(v, out);
            }
            Bool::NumIn(a, _) => a.reads(v, out),
            Bool::StrIn(a, _) => a.reads(v, out),
            Bool::Cond(c, a, b) => {
                c.reads(v, out);
                if c.eval(v) { a.reads(v, out) } else { b.reads(v, out) }
            }
        }
    }
}

impl Str {
    pub(crate) fn reads(&self, v: &Values, out: &mut Vec<Read>) {
        match self {
            Str::Const(_) => {}
            Str::Field(slot) => out.push((Storage::Strings, *slot)),
            Str::Concat(a, b) => {
                a.reads(v, out);
                b.reads(v, out);
            }
            Str::LowerAscii(a) => a.reads(v, out),
            Str::Cond(c, a, b) => {
                c.reads(v, out);
                if c.eval(v) { a.reads(v, out) } else { b.reads(v, out) }
            }
        }
    }
}
