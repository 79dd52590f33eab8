//! The goodwill policy: what gestures exist, which rules offer them, and the
//! numbers of the model (the README's "The policy").
//!
//! A policy file goes through two stages. [`raw`] mirrors the TOML with every
//! value's span; [`load_str`] then resolves it into a [`Policy`]: expressions
//! compiled against the declared fields, gesture ids linked, numbers checked
//! against their ranges. Every problem becomes a [`Diagnostic`] with its span,
//! and all of them are reported together. Nothing downstream re-validates: a
//! `Policy` that exists is one the engine can run.
//!
//! The resolved types and their small methods are here. The resolving, with
//! the functions that load a policy ([`load_str`], [`load_file`],
//! [`read_source`], [`diagnose`]), is in `resolve`, re-exported here.

pub mod fields;
pub mod raw;
mod resolve;

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;

#[cfg(doc)]
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Report;
use crate::expr::{Expr, Schema, Type, Values};
use crate::ltv::{BgNbd, GammaGamma, TimeUnit};
use crate::recovery::{self, Curve};
use fields::{Attribute, Fields, Scope};

pub use resolve::{diagnose, load_file, load_str, read_source};

/// The default policy, shipped in `policies/default.toml` and embedded.
pub const DEFAULT_SOURCE: &str = include_str!("../../policies/default.toml");
/// How the default policy is named in messages.
pub const DEFAULT_NAME: &str = "policies/default.toml";

/// The id of the built-in apology gesture.
pub const APOLOGY: &str = "apology";

/// A number that is either fixed in the policy or computed per case.
#[derive(Clone, Debug)]
pub enum Param {
    /// A literal.
    Const(f64),
    /// An expression over `customer.*` and `incident.*`.
    Expr(Expr),
}

impl Param {
    /// The value for one case.
    pub fn eval(&self, values: &Values) -> f64 {
        match self {
            Param::Const(v) => *v,
            Param::Expr(e) => e.eval_number(values),
        }
    }

    /// Says that `name` evaluated to `v`, naming the expression it came
    /// from, and, for an infinite or undefined number, its likely cause
    /// after `then` (what else is wrong with it): ``cost `incident.order_value
    /// / incident.loss` evaluated to inf (a division by zero?)``.
    pub fn evaluated(&self, name: &str, v: f64, then: &str) -> String {
        let hint = if v.is_finite() { "" } else { " (a division by zero?)" };
        let v = shown(v);
        match self {
            Param::Expr(e) if e.constant_number().is_none() => {
                format!("{name} `{}` evaluated to {v}{then}{hint}", e.source())
            }
            _ => format!("{name} evaluated to {v}{then}{hint}"),
        }
    }

    /// The expression, when it is one.
    pub fn expr(&self) -> Option<&Expr> {
        match self {
            Param::Expr(e) => Some(e),
            Param::Const(_) => None,
        }
    }

    /// The value, when it does not depend on the case.
    pub fn constant(&self) -> Option<f64> {
        match self {
            Param::Const(v) => Some(*v),
            Param::Expr(e) => e.constant_number(),
        }
    }
}

/// A number as a message shows it: in full, but past 1e15 (where a number
/// of 300 digits would swamp the message) with an exponent, as `5e301`.
pub(crate) fn shown(v: f64) -> String {
    match v.is_finite() && v.abs() >= 1e15 {
        true => format!("{v:e}"),
        false => v.to_string(),
    }
}

/// What values a number may take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bounds {
    /// A probability or share: 0 to 1.
    Unit,
    /// A yearly rate, 0 to 1: above that is a percent written as a whole
    /// number (10 for 10%), a rate of 1000% a year.
    Rate,
    /// Zero or more.
    NonNegative,
    /// An amount of money: zero or more, under [`crate::input::MAX_NUMBER`],
    /// past which it is no longer exact to the cent.
    Amount,
    /// More than zero.
    Positive,
    /// Any finite number.
    Any,
}

impl Bounds {
    /// Whether a value is allowed.
    pub fn allows(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Bounds::Unit | Bounds::Rate => (0.0..=1.0).contains(&v),
                Bounds::NonNegative => v >= 0.0,
                Bounds::Amount => (0.0..crate::input::MAX_NUMBER).contains(&v),
                Bounds::Positive => v > 0.0,
                Bounds::Any => true,
            }
    }

    /// How the range reads in a message.
    pub fn describe(self) -> &'static str {
        match self {
            Bounds::Unit | Bounds::Rate => "between 0 and 1",
            Bounds::NonNegative => "zero or more",
            Bounds::Amount => "zero or more and under 1e13 (10 trillion)",
            Bounds::Positive => "more than zero",
            Bounds::Any => "a finite number",
        }
    }

    /// What an expression gave, as a message reads it: a division by zero
    /// is named as one rather than shown as `inf` or `NaN`.
    pub fn found(v: f64) -> String {
        if v.is_nan() {
            "an undefined number (a division of zero by zero?)".into()
        } else if v.is_infinite() {
            "an infinite number (a division by zero?)".into()
        } else {
            shown(v)
        }
    }

    /// How to mend an expression that gave `v`.
    pub fn help_for(self, v: f64) -> &'static str {
        if v.is_finite() {
            self.help()
        } else {
            "guard a divisor that can be 0, as in `x > 0 ? y / x : 0`"
        }
    }

    /// How to write an allowed value.
    pub fn help(self) -> &'static str {
        match self {
            Bounds::Unit => "a probability or a share: write a number from 0 to 1, such as 0.25",
            Bounds::Rate => "a rate a year: write a number from 0 to 1, such as 0.10 for 10%",
            Bounds::NonNegative => "write 0 or a positive number",
            Bounds::Amount => "an amount of money: write 0 or a positive number under 1e13",
            Bounds::Positive => "write a number above 0",
            Bounds::Any => "write a finite number",
        }
    }
}

/// The range of each `[recovery]` number, with its default (the README's "The policy").
pub const RECOVERY_DEFAULTS: [(&str, f64, Bounds); 13] = [
    ("churn_unresolved", 0.54, Bounds::Unit),
    ("churn_resolved", 0.05, Bounds::Unit),
    ("apology_recovery", 0.10, Bounds::Unit),
    ("full_recovery_at", 1.0, Bounds::Positive),
    ("midpoint", 0.85, Bounds::Any),
    ("steepness", 7.0, Bounds::Positive),
    ("scale", 0.4, Bounds::Positive),
    ("overcompensation_penalty", 0.0, Bounds::NonNegative),
    ("spend_uplift_resolved", 0.0, Bounds::Any),
    ("referral_value", 0.0, Bounds::Amount),
    ("wom_positive", 0.0, Bounds::NonNegative),
    ("wom_negative", 0.0, Bounds::NonNegative),
    ("tie_tolerance", 0.0, Bounds::Unit),
];

/// The recovery parameters for one incident kind, possibly per-case expressions.
#[derive(Clone, Debug)]
pub struct RecoverySpec {
    /// The numbers, in the order of [`RECOVERY_DEFAULTS`].
    pub params: [Param; 13],
    /// The response curve.
    pub curve: Curve,
}

impl RecoverySpec {
    fn defaults() -> Self {
        RecoverySpec {
            params: RECOVERY_DEFAULTS.map(|(_, v, _)| Param::Const(v)),
            curve: Curve::Linear,
        }
    }

    /// Evaluates the parameters for one case, checking each computed value
    /// against its range.
    pub fn eval(&self, values: &Values) -> Result<recovery::Params, String> {
        let mut v = [0.0; 13];
        for (i, (param, (name, _, range))) in self.params.iter().zip(RECOVERY_DEFAULTS).enumerate() {
            let x = param.eval(values);
            if !range.allows(x) {
                let then = format!(", which is not {}", range.describe());
                return Err(param.evaluated(&format!("recovery `{name}`"), x, &then));
            }
            v[i] = x;
        }
        Ok(recovery::Params {
            churn_unresolved: v[0],
            churn_resolved: v[1],
            apology_recovery: v[2],
            curve: self.curve,
            full_recovery_at: v[3],
            midpoint: v[4],
            steepness: v[5],
            scale: v[6],
            overcompensation_penalty: v[7],
            spend_uplift_resolved: v[8],
            referral_value: v[9],
            wom_positive: v[10],
            wom_negative: v[11],
            tie_tolerance: v[12],
        })
    }

    /// A parameter by name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        RECOVERY_DEFAULTS
            .iter()
            .position(|(n, _, _)| *n == name)
            .map(|i| &self.params[i])
    }
}

/// How future value is estimated.
#[derive(Clone, Debug)]
pub enum Ltv {
    /// The simple model (the README's "The model"): past order rate and basket.
    Simple,
    /// BG/NBD with Gamma-Gamma, fitted beforehand.
    Bgnbd(BgnbdModel),
}

/// The parameters of `ltv = "bgnbd"`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BgnbdModel {
    /// The time unit the parameters were fitted in.
    pub time_unit: TimeUnit,
    /// Number of future purchases.
    pub bgnbd: BgNbd,
    /// Value of each purchase.
    pub gamma_gamma: GammaGamma,
}

/// `[model]`, resolved.
#[derive(Clone, Debug)]
pub struct Model {
    /// Which LTV model.
    pub ltv: Ltv,
    /// Months of future value.
    pub horizon_months: u32,
    /// Gross margin on future spend.
    pub margin: f64,
    /// Discount rate a year.
    pub annual_discount_rate: f64,
    /// The file `model_file` names, resolved against the policy's folder.
    pub model_file: Option<PathBuf>,
}

/// `[limits]`, in cents; `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Limits {
    /// The most one case may cost.
    pub max_cents_per_case: Option<i64>,
    /// The most one customer may receive in 12 months.
    pub max_cents_per_customer_12m: Option<i64>,
    /// The most gestures one customer may receive in 12 months.
    pub max_gestures_per_customer_12m: Option<u32>,
}

impl Limits {
    /// Whether a limit counts the customer's gestures of the last 12
    /// months, which a ledger records.
    pub fn over_12_months(&self) -> bool {
        self.max_cents_per_customer_12m.is_some() || self.max_gestures_per_customer_12m.is_some()
    }
}

/// A goodwill gesture.
#[derive(Clone, Debug)]
pub struct Gesture {
    /// Its id.
    pub id: String,
    /// What the rep reads.
    pub label: String,
    /// What it costs the business.
    pub cost: Param,
    /// What the customer perceives it to be worth; `None` is its cost.
    pub value: Option<Param>,
    /// When it may be offered; `None` is always.
    pub when: Option<Expr>,
    /// How well it fits the failure, 0 to 1.
    pub effectiveness: Param,
    /// A line the rep can read out.
    pub script: Option<String>,
    /// It gives back what the customer is owed (an overcharge), not
    /// goodwill: outside every limit, and not counted toward them.
    pub owed: bool,
    /// Where its id stands in the file.
    pub span: Range<usize>,
}

/// A rule of the policy.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Its id.
    pub id: String,
    /// When it matches; `None` is always.
    pub when: Option<Expr>,
    /// Indexes into [`Policy::gestures`] of what it offers; `None` is the apology.
    pub offer: Vec<Option<usize>>,
    /// Hand the case to a human, for this reason.
    pub escalate: Option<String>,
    /// A match ends evaluation.
    pub stop: bool,
    /// Where its id stands in the file.
    pub span: Range<usize>,
}

/// A validated policy, ready to run.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The file it was read from, as the user named it.
    pub file: String,
    /// Its text, for diagnostics.
    pub source: String,
    /// `[policy] name`.
    pub name: String,
    /// `[policy] version`.
    pub version: String,
    /// The currency of every amount.
    pub currency: String,
    /// The incident kinds it accepts; `None` accepts any.
    pub kinds: Option<Vec<String>>,
    /// Days after the incident by which the rep follows up.
    pub follow_up_days: i32,
    /// `[model]`.
    pub model: Model,
    /// `[recovery]`.
    pub recovery: RecoverySpec,
    /// `[recovery.kinds.KIND]`, each already merged over `[recovery]`.
    pub recovery_kinds: HashMap<String, RecoverySpec>,
    /// `[limits]`.
    pub limits: Limits,
    /// Every field an expression can read.
    pub schema: Schema,
    /// The built-in fields' slots.
    pub fields: Fields,
    /// Declared attributes.
    pub attributes: Vec<Attribute>,
    /// Gestures, in file order.
    pub gestures: Vec<Gesture>,
    /// Rules, in evaluation order.
    pub rules: Vec<Rule>,
}

/// Why a policy cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file cannot be read.
    #[error("cannot read policy `{file}`: {reason}")]
    Read {
        /// The file.
        file: String,
        /// The system's reason.
        reason: String,
    },
    /// The file has errors; the report holds them all.
    #[error("invalid policy `{}`: {}\n{}", .0.file, .0.summary(), .0)]
    Invalid(Report),
}

impl Policy {
    /// Whether any of its expressions (a rule's or gesture's condition, a
    /// gesture's numbers, a recovery parameter) names `field`, as
    /// `incident.severity`.
    pub fn reads(&self, field: &str) -> bool {
        let recovery = std::iter::once(&self.recovery).chain(self.recovery_kinds.values());
        let mut exprs = self
            .rules
            .iter()
            .filter_map(|r| r.when.as_ref())
            .chain(self.gestures.iter().flat_map(|g| {
                [
                    g.when.as_ref(),
                    g.cost.expr(),
                    g.value.as_ref().and_then(Param::expr),
                    g.effectiveness.expr(),
                ]
                .into_iter()
                .flatten()
            }))
            .chain(recovery.flat_map(|r| r.params.iter().filter_map(Param::expr)));
        exprs.any(|e| e.fields().iter().any(|f| f == field))
    }

    /// Whether the policy answers this kind of incident: an `Err` says which
    /// kinds it lists, with the nearest.
    pub fn check_kind(&self, kind: &str) -> Result<(), String> {
        match &self.kinds {
            Some(kinds) if !kinds.iter().any(|k| k == kind) => {
                let hint = crate::suggest::hint(kind, kinds.iter().map(String::as_str));
                Err(format!("kind `{kind}` is not one of the policy's kinds{hint}"))
            }
            _ => Ok(()),
        }
    }

    /// A warning for a ledger's gesture id the policy does not have: its
    /// rows count toward the limits, as an earlier policy's gesture should,
    /// but `Apology` for `apology` would count where it should not.
    pub fn ledger_gesture_warning(&self, file: &str, gesture: &str) -> Option<String> {
        if gesture == APOLOGY || self.gestures.iter().any(|g| g.id == gesture) {
            return None;
        }
        let ids = self.gestures.iter().map(|g| g.id.as_str()).chain([APOLOGY]);
        let hint = crate::suggest::hint(gesture, ids);
        Some(format!(
            "`{file}`: gesture `{gesture}` is not one of the policy's{hint}: its rows count toward the 12-month limits \
             as any gesture's"
        ))
    }

    /// Whether a gesture of this id, in a ledger or granted earlier in a
    /// batch, counts toward the 12-month limits: the apology and a gesture
    /// that gives back what is owed do not.
    pub fn counts_toward_limits(&self, gesture: &str) -> bool {
        gesture != APOLOGY && !self.gestures.iter().any(|g| g.owed && g.id == gesture)
    }

    /// The attribute declared for a customers-file or incident column.
    pub fn attribute(&self, scope: Scope, column: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.scope == scope && a.column == column)
    }

    /// The columns of the attributes declared for customers, or for incidents.
    pub fn attribute_columns(&self, scope: Scope) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|a| a.scope == scope)
            .map(|a| a.column.as_str())
            .collect()
    }

    /// The incident attributes typed as a number, a date or a boolean: their
    /// columns hold no line end, as the incident's own do not.
    pub fn single_line_columns(&self) -> Vec<String> {
        self.attributes
            .iter()
            .filter(|a| a.scope == Scope::Incident && a.ty != Type::String)
            .map(|a| a.column.clone())
            .collect()
    }

    /// The recovery parameters for an incident kind.
    pub fn recovery_for(&self, kind: &str) -> &RecoverySpec {
        self.recovery_kinds.get(kind).unwrap_or(&self.recovery)
    }

    /// A gesture by id.
    pub fn gesture(&self, id: &str) -> Option<&Gesture> {
        self.gestures.iter().find(|g| g.id == id)
    }

    /// The embedded default policy.
    pub fn default_policy() -> Policy {
        match load_str(DEFAULT_SOURCE, DEFAULT_NAME, None) {
            Ok((policy, _)) => policy,
            // A test loads the shipped policy; it cannot be invalid in a build.
            Err(report) => panic!("the embedded default policy is invalid:\n{report}"),
        }
    }
}

#[cfg(test)]
mod tests;
