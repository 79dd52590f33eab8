//! From a policy's text to a [`Policy`], the second of a policy's two
//! stages. [`load_str`] parses the TOML into its `raw` mirror, then a
//! resolver walks it once: it declares the fields, compiles every
//! expression against them, links the gesture ids, checks every number
//! against its [`Bounds`] and reads a fitted model's file. Each problem
//! becomes a [`Diagnostic`] with its span and the walk goes on, so that
//! one report holds them all. What it builds, the resolved types and their
//! small methods, is in `policy`.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::fields::{self, Attribute, Fields, Scope};
use super::raw::{self, RawExpr, RawNum, RawPolicy, RawRecovery, Sp};
use super::{
    APOLOGY, BgnbdModel, Bounds, Gesture, Limits, Ltv, Model, Param, Policy, PolicyError, RECOVERY_DEFAULTS,
    RecoverySpec, Rule, shown,
};
use crate::diagnostic::{Diagnostic, Report};
use crate::expr::{self, Expr, Schema, Type};
use crate::ltv::{BgNbd, GammaGamma, LtvModel, TimeUnit};
use crate::recovery::Curve;
use crate::suggest::did_you_mean;

/// Reads and resolves a policy file. On success, also returns the warnings.
pub fn load_file(path: &Path) -> Result<(Policy, Report), PolicyError> {
    let file = path.display().to_string();
    let source = read_source(path, &file)?;
    load_str(&source, &file, path.parent()).map_err(PolicyError::Invalid)
}

/// A policy file's text. One that is not UTF-8 is an invalid policy, its
/// first such byte pointed at as any error in it is.
pub fn read_source(path: &Path, file: &str) -> Result<String, PolicyError> {
    let bytes = std::fs::read(path).map_err(|e| PolicyError::Read {
        file: file.to_string(),
        reason: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let message = format!("byte 0x{:02X} is not UTF-8", e.as_bytes()[at]);
        // Up to the bad byte the text is as read; it shows as one U+FFFD.
        let source = String::from_utf8_lossy(e.as_bytes()).into_owned();
        let d = Diagnostic::error("not-utf8", at..at + char::REPLACEMENT_CHARACTER.len_utf8(), message)
            .with_help("save the file as UTF-8 (an editor's \"Save with encoding\")");
        PolicyError::Invalid(Report::new(file, &source, vec![d]))
    })
}

/// Resolves a policy from its text. `base` is the folder relative paths in it
/// start from. Errors come back as a report holding every problem found.
pub fn load_str(source: &str, file: &str, base: Option<&Path>) -> Result<(Policy, Report), Report> {
    let mut diags = Vec::new();
    let policy =
        raw::parse(source, &mut diags).and_then(|raw| Resolver::new(file, source, base, &mut diags).resolve(raw));
    let report = Report::new(file, source, diags);
    match policy {
        Some(p) if !report.has_errors() => Ok((p, report)),
        _ => Err(report),
    }
}

/// Checks a policy's text, returning every finding (errors and warnings).
pub fn diagnose(source: &str, file: &str, base: Option<&Path>) -> (Option<Policy>, Report) {
    match load_str(source, file, base) {
        Ok((p, report)) => (Some(p), report),
        Err(report) => (None, report),
    }
}

struct Resolver<'a> {
    file: &'a str,
    source: &'a str,
    base: Option<&'a Path>,
    diags: &'a mut Vec<Diagnostic>,
    schema: Schema,
    fields: Fields,
    /// Attributes declared with a type that is not one: already reported,
    /// so a condition naming one is not reported again as an unknown field.
    untyped: Vec<String>,
}

impl<'a> Resolver<'a> {
    fn new(file: &'a str, source: &'a str, base: Option<&'a Path>, diags: &'a mut Vec<Diagnostic>) -> Self {
        let mut schema = Schema::new();
        let fields = Fields::declare(&mut schema);
        Resolver {
            file,
            source,
            base,
            diags,
            untyped: Vec::new(),
            schema,
            fields,
        }
    }

    fn error(&mut self, code: &'static str, span: Range<usize>, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(code, span, message));
    }

    fn resolve(mut self, raw: RawPolicy) -> Option<Policy> {
        let attributes = self.attributes(&raw.attributes);
        let kinds = raw.kinds.as_ref().map(|k| self.kinds(k));
        let model = self.model(&raw.model);
        let recovery = self.recovery(&raw.recovery, RecoverySpec::defaults());
        let mut recovery_kinds = HashMap::new();
        for (kind, rec) in &raw.recovery_kinds {
            if let Some(known) = &kinds
                && !known.contains(&kind.value)
            {
                let help = did_you_mean(&kind.value, known.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("`[policy] kinds` lists: {}", known.join(", ")));
                self.diags.push(
                    Diagnostic::error(
                        "unknown-kind",
                        kind.span.clone(),
                        format!("unknown incident kind `{}`", kind.value),
                    )
                    .with_help(help),
                );
            }
            let spec = self.recovery(rec, recovery.clone());
            recovery_kinds.insert(kind.value.clone(), spec);
        }
        let limits = self.limits(&raw.limits);
        let gestures = self.gestures(&raw.gestures);
        let rules = self.rules(&raw.rules, &raw.gestures, &gestures);
        let follow_up_days = match &raw.follow_up_days {
            Some(d) if d.value.fract() != 0.0 || !(0.0..=365.0).contains(&d.value) => {
                self.error(
                    "out-of-range",
                    d.span.clone(),
                    "`follow_up_days` must be a whole number from 0 to 365",
                );
                1
            }
            Some(d) => d.value as i32,
            None => 1,
        };
        let currency = raw.currency.as_ref().map_or("USD".to_string(), |c| c.value.clone());
        if let Some(c) = &raw.currency
            && (c.value.len() != 3 || !c.value.chars().all(|ch| ch.is_ascii_uppercase()))
        {
            self.diags.push(
                Diagnostic::error(
                    "out-of-range",
                    c.span.clone(),
                    format!("currency `{}` is not an ISO 4217 code", c.value),
                )
                .with_help("use a three-letter code such as `USD`, `EUR` or `GBP`"),
            );
        }
        let default_name = Path::new(self.file)
            .file_stem()
            .map_or("policy".into(), |s| s.to_string_lossy().into_owned());
        Some(Policy {
            file: self.file.to_string(),
            source: self.source.to_string(),
            name: raw.name.map_or(default_name, |n| n.value),
            version: raw.version.map_or_else(String::new, |v| v.value),
            currency,
            kinds,
            follow_up_days,
            model: model?,
            recovery,
            recovery_kinds,
            limits,
            schema: self.schema,
            fields: self.fields,
            attributes,
            gestures,
            rules,
        })
    }

    fn kinds(&mut self, kinds: &Sp<Vec<Sp<String>>>) -> Vec<String> {
        if kinds.value.is_empty() {
            // A policy that lists no kind rejects every incident.
            self.diags.push(
                Diagnostic::error(
                    "out-of-range",
                    kinds.span.clone(),
                    "`kinds` lists no kind: every incident would be rejected",
                )
                .with_help("list the kinds the policy answers, or leave `kinds` out to answer any kind"),
            );
        }
        let mut out: Vec<String> = Vec::new();
        for k in &kinds.value {
            if k.value.is_empty() {
                self.error("out-of-range", k.span.clone(), "an incident kind cannot be empty");
            } else if out.contains(&k.value) {
                self.error(
                    "duplicate-id",
                    k.span.clone(),
                    format!("incident kind `{}` is listed twice", k.value),
                );
            } else {
                out.push(k.value.clone());
            }
        }
        out
    }

    fn attributes(&mut self, declared: &[(Sp<String>, Sp<String>)]) -> Vec<Attribute> {
        let mut out = Vec::new();
        for (name, ty_name) in declared {
            let Some(ty) = fields::parse_type(&ty_name.value) else {
                let help = did_you_mean(&ty_name.value, fields::TYPE_NAMES)
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "types are `string`, `number`, `bool` and `date`".into());
                self.diags.push(
                    Diagnostic::error(
                        "unknown-type",
                        ty_name.span.clone(),
                        format!("unknown type `{}`", ty_name.value),
                    )
                    .with_help(help),
                );
                self.untyped.push(format!("unknown field `{}`", name.value));
                continue;
            };
            let (scope, column) = match name.value.split_once('.') {
                Some(("customer", c)) => (Scope::Customer, c),
                Some(("incident", c)) => (Scope::Incident, c),
                _ => {
                    self.diags.push(
                        Diagnostic::error(
                            "bad-attribute",
                            name.span.clone(),
                            format!("attribute `{}` must start with `customer.` or `incident.`", name.value),
                        )
                        .with_help(format!("write `\"customer.{0}\"` or `\"incident.{0}\"`", name.value)),
                    );
                    continue;
                }
            };
            let ident = column
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && column.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ident {
                self.error(
                    "bad-attribute",
                    name.span.clone(),
                    format!(
                        "attribute `{}`: `{column}` is not a valid field name (letters, digits and `_`)",
                        name.value
                    ),
                );
                continue;
            }
            if fields::is_builtin(&name.value) {
                self.error(
                    "bad-attribute",
                    name.span.clone(),
                    format!("`{}` is a built-in field and cannot be declared", name.value),
                );
                continue;
            }
            if scope == Scope::Incident && crate::input::incidents::STANDARD.contains(&column) {
                self.error(
                    "bad-attribute",
                    name.span.clone(),
                    format!("`{}` is a built-in field and cannot be declared", name.value),
                );
                continue;
            }
            match self.schema.declare(&name.value, ty) {
                Ok(slot) => out.push(Attribute {
                    name: name.value.clone(),
                    scope,
                    column: column.to_string(),
                    ty,
                    slot,
                }),
                Err(e) => self.error("bad-attribute", name.span.clone(), e.to_string()),
            }
        }
        out
    }

    fn number_in(&mut self, value: &Option<Sp<f64>>, name: &str, range: Bounds, default: f64) -> f64 {
        match value {
            Some(v) if !range.allows(v.value) => {
                self.diags.push(
                    Diagnostic::error(
                        "out-of-range",
                        v.span.clone(),
                        format!("`{name}` must be {}, found {}", range.describe(), v.value),
                    )
                    .with_help(range.help()),
                );
                default
            }
            Some(v) => v.value,
            None => default,
        }
    }

    fn model(&mut self, raw: &raw::RawModel) -> Option<Model> {
        let margin = self.number_in(&raw.margin, "margin", Bounds::Unit, 0.30);
        let rate = self.number_in(&raw.annual_discount_rate, "annual_discount_rate", Bounds::Rate, 0.10);
        let horizon = match &raw.horizon_months {
            Some(h) if h.value.fract() != 0.0 || !(1.0..=1200.0).contains(&h.value) => {
                self.error(
                    "out-of-range",
                    h.span.clone(),
                    "`horizon_months` must be a whole number from 1 to 1200",
                );
                36
            }
            Some(h) => h.value as u32,
            None => 36,
        };
        let ltv = match raw.ltv.as_ref().map(|l| (l.value.as_str(), l.span.clone())) {
            None | Some(("simple", _)) => Ltv::Simple,
            Some(("bgnbd", span)) => Ltv::Bgnbd(self.bgnbd(raw, span)?),
            Some((other, span)) => {
                self.diags.push(
                    Diagnostic::error("unknown-model", span, format!("unknown LTV model `{other}`"))
                        .with_help("`ltv` is `simple` or `bgnbd`"),
                );
                Ltv::Simple
            }
        };
        Some(Model {
            ltv,
            horizon_months: horizon,
            margin,
            annual_discount_rate: rate,
            model_file: raw.model_file.as_ref().map(|f| self.beside_policy(&f.value)),
        })
    }

    /// A path named in the policy: relative ones are relative to its folder.
    fn beside_policy(&self, path: &str) -> PathBuf {
        self.base.map_or_else(|| PathBuf::from(path), |b| b.join(path))
    }

    /// BG/NBD and Gamma-Gamma parameters: inline, or from a model file
    /// written by `goodwill ltv fit -o` (relative to the policy).
    fn bgnbd(&mut self, raw: &raw::RawModel, span: Range<usize>) -> Option<BgnbdModel> {
        let unit = match raw.time_unit.as_ref().map(|u| (u.value.as_str(), u.span.clone())) {
            None | Some(("weeks", _)) => TimeUnit::Weeks,
            Some(("days", _)) => TimeUnit::Days,
            Some((other, span)) => {
                self.diags.push(
                    Diagnostic::error("out-of-range", span, format!("unknown time unit `{other}`"))
                        .with_help("`time_unit` is `days` or `weeks`"),
                );
                TimeUnit::Weeks
            }
        };
        let param = |list: &[(Sp<String>, Option<Sp<f64>>)], name: &str| {
            list.iter().find(|(k, _)| k.value == name).and_then(|(_, v)| v.clone())
        };
        let positive = |resolver: &mut Self, v: Option<Sp<f64>>, table: &str, name: &str| -> Option<f64> {
            match v {
                Some(v) if v.value > 0.0 => Some(v.value),
                Some(v) => {
                    resolver.error(
                        "out-of-range",
                        v.span,
                        format!("`{name}` in `[model.{table}]` must be a positive number"),
                    );
                    None
                }
                None => None,
            }
        };
        let inline = !raw.bgnbd.is_empty() || !raw.gamma_gamma.is_empty();
        let model = match (&raw.model_file, inline) {
            (Some(file), true) => {
                self.error(
                    "conflict",
                    file.span.clone(),
                    "give either `model_file` or inline `[model.bgnbd]` parameters, not both",
                );
                return None;
            }
            (Some(file), false) => {
                let path = self.beside_policy(&file.value);
                let text = match crate::input::read_utf8(&path) {
                    Ok(t) => t,
                    Err(e) => {
                        self.error(
                            "model-file",
                            file.span.clone(),
                            format!("cannot read model file `{}`: {e}", path.display()),
                        );
                        return None;
                    }
                };
                match LtvModel::from_toml(&text) {
                    Ok(m) if raw.time_unit.is_some() && m.time_unit != unit => {
                        self.error(
                            "conflict",
                            file.span.clone(),
                            format!(
                                "model file `{}` was fitted in {}, but `time_unit` is `{}`",
                                path.display(),
                                unit_name(m.time_unit),
                                unit_name(unit)
                            ),
                        );
                        return None;
                    }
                    Ok(m) => m,
                    Err(why) => {
                        self.error(
                            "model-file",
                            file.span.clone(),
                            format!("invalid model file `{}`: {why}", path.display()),
                        );
                        return None;
                    }
                }
            }
            (None, _) => {
                let b = &raw.bgnbd;
                let g = &raw.gamma_gamma;
                let r = positive(self, param(b, "r"), "bgnbd", "r");
                let alpha = positive(self, param(b, "alpha"), "bgnbd", "alpha");
                let a = positive(self, param(b, "a"), "bgnbd", "a");
                let bb = positive(self, param(b, "b"), "bgnbd", "b");
                let p = positive(self, param(g, "p"), "gamma_gamma", "p");
                let q = positive(self, param(g, "q"), "gamma_gamma", "q");
                let v = positive(self, param(g, "v"), "gamma_gamma", "v");
                // A parameter given but out of range, or not a number, has its
                // own error: only one left out is a missing parameter.
                let all_given = |list: &[(Sp<String>, Option<Sp<f64>>)], names: &[&str]| {
                    names.iter().all(|n| list.iter().any(|(k, _)| k.value == *n))
                };
                match (r, alpha, a, bb) {
                    (Some(r), Some(alpha), Some(a), Some(b)) => LtvModel {
                        time_unit: unit,
                        bgnbd: BgNbd { r, alpha, a, b },
                        gamma_gamma: match (p, q, v) {
                            (Some(p), Some(q), Some(v)) => Some(GammaGamma { p, q, v }),
                            _ if all_given(g, &["p", "q", "v"]) => return None,
                            _ => None,
                        },
                    },
                    _ if all_given(b, &["r", "alpha", "a", "b"]) => return None,
                    _ => {
                        self.diags.push(
                            Diagnostic::error("missing-key", span, "`ltv = \"bgnbd\"` needs its parameters")
                                .with_help("add `model_file = \"model.toml\"` (from `goodwill ltv fit -o model.toml`) or `[model.bgnbd]` with r, alpha, a, b and `[model.gamma_gamma]` with p, q, v"),
                        );
                        return None;
                    }
                }
            }
        };
        let Some(gamma_gamma) = model.gamma_gamma else {
            self.diags.push(
                Diagnostic::error(
                    "missing-key",
                    span,
                    "`ltv = \"bgnbd\"` needs Gamma-Gamma parameters for the value of future purchases",
                )
                .with_help("fit them from a history with amounts, or add `[model.gamma_gamma]` with p, q, v"),
            );
            return None;
        };
        if gamma_gamma.q <= 1.0 {
            // At the `q` that says so, or at the model file that holds it.
            let at = match (param(&raw.gamma_gamma, "q"), &raw.model_file) {
                (Some(q), _) => q.span,
                (None, Some(file)) => file.span.clone(),
                (None, None) => span,
            };
            self.diags.push(Diagnostic::error(
                "out-of-range",
                at,
                "Gamma-Gamma `q` must be more than 1: the mean spend is infinite otherwise",
            ));
            return None;
        }
        Some(BgnbdModel {
            time_unit: model.time_unit,
            bgnbd: model.bgnbd,
            gamma_gamma,
        })
    }

    fn recovery(&mut self, raw: &RawRecovery, mut spec: RecoverySpec) -> RecoverySpec {
        if let Some(curve) = &raw.curve {
            match Curve::parse(&curve.value) {
                Some(c) => spec.curve = c,
                None => {
                    let help = did_you_mean(&curve.value, Curve::NAMES)
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| "curves are `linear`, `logistic` and `concave`".into());
                    self.diags.push(
                        Diagnostic::error(
                            "unknown-curve",
                            curve.span.clone(),
                            format!("unknown curve `{}`", curve.value),
                        )
                        .with_help(help),
                    );
                }
            }
        }
        for (key, value) in &raw.params {
            let Some(i) = RECOVERY_DEFAULTS.iter().position(|(n, _, _)| *n == key.value) else {
                continue;
            };
            let (name, _, range) = RECOVERY_DEFAULTS[i];
            if let Some(p) = self.param(value, name, range) {
                spec.params[i] = p;
            }
        }
        spec
    }

    /// A number or expression, checked: a constant against its range now, an
    /// expression for its type now and its range per case.
    fn param(&mut self, value: &RawNum, name: &str, range: Bounds) -> Option<Param> {
        let param = match value {
            RawNum::Number(n) => Param::Const(n.value),
            RawNum::Expr(e) => Param::Expr(self.compile(e, Type::Number)?),
        };
        let money = matches!(name, "cost" | "value" | "referral_value");
        let code = |v: f64| {
            if money && v < 0.0 {
                "negative-money"
            } else {
                "out-of-range"
            }
        };
        if let Some(v) = param.constant()
            && !range.allows(v)
        {
            self.diags.push(
                Diagnostic::error(
                    code(v),
                    value.span(),
                    format!("`{name}` must be {}, found {}", range.describe(), Bounds::found(v)),
                )
                .with_help(range.help_for(v)),
            );
            return None;
        }
        // A constant branch of `? :` out of range is as wrong as a constant,
        // only for some cases: say so now rather than on the case.
        if let (Param::Expr(compiled), RawNum::Expr(raw)) = (&param, value) {
            let bad: Vec<_> = compiled
                .constant_branches()
                .iter()
                .filter(|(v, _)| !range.allows(*v))
                .collect();
            for (v, span) in &bad {
                self.diags.push(
                    Diagnostic::error(
                        code(*v),
                        raw.file_span(span),
                        format!(
                            "`{name}` must be {}, but this branch gives {}",
                            range.describe(),
                            Bounds::found(*v)
                        ),
                    )
                    .with_help(range.help_for(*v)),
                );
            }
            if !bad.is_empty() {
                return None;
            }
        }
        Some(param)
    }

    fn compile(&mut self, e: &RawExpr, ty: Type) -> Option<Expr> {
        match expr::compile(&e.text, &self.schema, ty) {
            Ok(compiled) => Some(compiled),
            Err(errors) => {
                for err in errors {
                    if self.untyped.contains(&err.message) {
                        continue;
                    }
                    let code = if err.message.starts_with("unknown field") {
                        "unknown-field"
                    } else {
                        "expression"
                    };
                    self.diags.push(
                        Diagnostic::error(code, e.file_span(&err.span), err.message).with_optional_help(err.help),
                    );
                }
                None
            }
        }
    }

    fn limits(&mut self, raw: &raw::RawLimits) -> Limits {
        let mut money = |v: &Option<Sp<f64>>, name: &str| -> Option<i64> {
            let v = v.as_ref()?;
            if v.value < 0.0 {
                self.error(
                    "negative-money",
                    v.span.clone(),
                    format!("`{name}` cannot be negative, found {}", shown(v.value)),
                );
                return None;
            }
            if !Bounds::Amount.allows(v.value) {
                // Past it, cents are no longer exact; a limit that high is none.
                self.diags.push(
                    Diagnostic::error(
                        "out-of-range",
                        v.span.clone(),
                        format!(
                            "`{name}` must be {}, found {}",
                            Bounds::Amount.describe(),
                            shown(v.value)
                        ),
                    )
                    .with_help("leave the key out for no limit of its kind"),
                );
                return None;
            }
            // Rounded to the cent, `3.505` would let a cost of $3.51 pass.
            let written = self.source.get(v.span.clone()).unwrap_or_default();
            if let Some(d) = crate::money::finer_than_cents(v.value, name, written.trim(), "limit", v.span.clone()) {
                self.diags.push(d);
                return None;
            }
            Some(crate::money::cents(v.value))
        };
        let max_cents_per_case = money(&raw.max_cost_per_case, "max_cost_per_case");
        let max_cents_per_customer_12m = money(&raw.max_cost_per_customer_12m, "max_cost_per_customer_12m");
        let max_gestures_per_customer_12m = match &raw.max_gestures_per_customer_12m {
            Some(n) if n.value < 0.0 || n.value.fract() != 0.0 || n.value > f64::from(u32::MAX) => {
                self.error(
                    "out-of-range",
                    n.span.clone(),
                    "`max_gestures_per_customer_12m` must be a whole number, zero or more",
                );
                None
            }
            Some(n) => Some(n.value as u32),
            None => None,
        };
        Limits {
            max_cents_per_case,
            max_cents_per_customer_12m,
            max_gestures_per_customer_12m,
        }
    }

    fn gestures(&mut self, raw: &[raw::RawGesture]) -> Vec<Gesture> {
        let mut out: Vec<Gesture> = Vec::new();
        let mut seen = HashSet::new();
        for g in raw {
            let Some(id) = &g.id else {
                if !g.written.iter().any(|k| k == "id") {
                    self.error("missing-key", g.span.clone(), "a `[[gesture]]` needs an `id`");
                }
                continue;
            };
            let ok_id = self.check_id(id, "gesture", &mut seen);
            let clash = match id.value.as_str() {
                APOLOGY => Some(
                    Diagnostic::error("duplicate-id", id.span.clone(), "gesture id `apology` is built in")
                        .with_help("the apology is offered on every case; pick another id"),
                ),
                // Where an answer is shown as one word (a diff's transitions),
                // a gesture of that name could not be told from the decision.
                word @ ("escalate" | "error") => Some(
                    Diagnostic::error(
                        "reserved-id",
                        id.span.clone(),
                        format!("gesture id `{word}` is the name of a decision"),
                    )
                    .with_help(format!(
                        "an answer is a gesture id, `escalate` or `error`: a gesture `{word}` could not be told \
                         from that decision; pick another id"
                    )),
                ),
                _ => None,
            };
            let reserved = clash.is_some();
            self.diags.extend(clash);
            let label = match &g.label {
                // The rep reads it as the recommendation: blank, the answer is blank.
                Some(l) if l.value.trim().is_empty() => {
                    self.diags.push(
                        Diagnostic::error("missing-key", l.span.clone(), "a gesture's `label` cannot be empty")
                            .with_help("write what the rep reads, such as \"A $5 credit toward the next order\""),
                    );
                    id.value.clone()
                }
                Some(l) => l.value.clone(),
                None => {
                    if !g.written.iter().any(|k| k == "label") {
                        self.error(
                            "missing-key",
                            id.span.clone(),
                            format!("gesture `{}` needs a `label`", id.value),
                        );
                    }
                    id.value.clone()
                }
            };
            let cost = match &g.cost {
                Some(c) => self.param(c, "cost", Bounds::Amount),
                None => {
                    if !g.written.iter().any(|k| k == "cost") {
                        self.error(
                            "missing-key",
                            id.span.clone(),
                            format!("gesture `{}` needs a `cost`", id.value),
                        );
                    }
                    None
                }
            };
            let value = g.value.as_ref().and_then(|v| self.param(v, "value", Bounds::Amount));
            let when = g.when.as_ref().and_then(|w| self.compile(w, Type::Bool));
            let effectiveness = g
                .effectiveness
                .as_ref()
                .and_then(|e| self.param(e, "effectiveness", Bounds::Unit))
                .unwrap_or(Param::Const(1.0));
            if let (true, Some(cost)) = (ok_id && !reserved, cost) {
                out.push(Gesture {
                    id: id.value.clone(),
                    label,
                    cost,
                    value,
                    when,
                    effectiveness,
                    script: g.script.as_ref().map(|s| s.value.clone()),
                    owed: g.owed.as_ref().is_some_and(|o| o.value),
                    span: id.span.clone(),
                });
            }
        }
        out
    }

    fn check_id(&mut self, id: &Sp<String>, what: &str, seen: &mut HashSet<String>) -> bool {
        if id.value.trim().is_empty() {
            self.error("missing-key", id.span.clone(), format!("a {what} id cannot be empty"));
            return false;
        }
        if seen.contains(&id.value) {
            self.diags.push(
                Diagnostic::error(
                    "duplicate-id",
                    id.span.clone(),
                    format!("duplicate {what} id `{}`", id.value),
                )
                .with_help(format!("{what} ids must be unique; rename one of them")),
            );
            return false;
        }
        seen.insert(id.value.clone());
        true
    }

    fn rules(&mut self, raw: &[raw::RawRule], raw_gestures: &[raw::RawGesture], gestures: &[Gesture]) -> Vec<Rule> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        // Every id written in the file: a gesture with its own error is not
        // also an unknown one in each rule that offers it. Each once, for the
        // list in the help: a duplicate id has its own error.
        let mut ids: Vec<&str> = Vec::new();
        for id in raw_gestures
            .iter()
            .filter_map(|g| g.id.as_ref().map(|i| i.value.as_str()))
            .chain([APOLOGY])
        {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        // Gestures whose `id` is written but could not be read (not a
        // string): an offer of theirs reads as unknown, and its error says so.
        let unreadable: Vec<String> = (raw_gestures.iter().enumerate())
            .filter(|(_, g)| g.id.is_none() && g.written.iter().any(|k| k == "id"))
            .map(|(n, _)| format!("#{}", n + 1))
            .collect();
        let unreadable = match unreadable.len() {
            0 => None,
            1 => Some(format!(
                "`[[gesture]]` {} has an `id` that is not a string",
                unreadable[0]
            )),
            _ => Some(format!(
                "`[[gesture]]` {} have an `id` that is not a string",
                unreadable.join(", ")
            )),
        };
        for r in raw {
            let Some(id) = &r.id else {
                if !r.written.iter().any(|k| k == "id") {
                    self.error("missing-key", r.span.clone(), "a `[[rule]]` needs an `id`");
                }
                continue;
            };
            let ok_id = self.check_id(id, "rule", &mut seen);
            if id.value.contains(';') {
                // The `rule` column joins the ids of the rules behind an answer with `;`.
                self.diags.push(
                    Diagnostic::error(
                        "reserved-id",
                        id.span.clone(),
                        format!("rule id `{}` contains `;`", id.value),
                    )
                    .with_help(
                        "answers name their rules joined by `;`, so this id would read as several rules; \
                         use `-` or `_` instead",
                    ),
                );
            }
            let when = r.when.as_ref().and_then(|w| self.compile(w, Type::Bool));
            let when_failed = r.when.is_some() && when.is_none();
            let mut offer = Vec::new();
            for (n, g) in r.offer.iter().enumerate() {
                if r.offer[..n].iter().any(|earlier| earlier.value == g.value) {
                    // Offered twice, it would be shown, and traced to the rule, twice.
                    self.diags.push(
                        Diagnostic::error(
                            "duplicate-id",
                            g.span.clone(),
                            format!("rule `{}` offers `{}` twice", id.value, g.value),
                        )
                        .with_help("remove one of them"),
                    );
                    continue;
                }
                if g.value == APOLOGY {
                    offer.push(None);
                } else if let Some(i) = gestures.iter().position(|x| x.id == g.value) {
                    offer.push(Some(i));
                } else if !ids.contains(&g.value.as_str()) {
                    let help = did_you_mean(&g.value, ids.iter().copied())
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| format!("gestures are: {}", ids.join(", ")));
                    let help = match &unreadable {
                        Some(which) => format!("{which}: if this is it, mend that `id`; {help}"),
                        None => help,
                    };
                    self.diags.push(
                        Diagnostic::error(
                            "unknown-gesture",
                            g.span.clone(),
                            format!("rule `{}` offers unknown gesture `{}`", id.value, g.value),
                        )
                        .with_help(help),
                    );
                }
            }
            if let Some(e) = &r.escalate
                && e.value.trim().is_empty()
            {
                self.error("missing-key", e.span.clone(), "`escalate` needs a reason");
            }
            if ok_id && !when_failed {
                out.push(Rule {
                    id: id.value.clone(),
                    when,
                    offer,
                    escalate: r.escalate.as_ref().map(|e| e.value.clone()),
                    stop: r.stop.as_ref().is_some_and(|s| s.value),
                    span: id.span.clone(),
                });
            }
        }
        out
    }
}

fn unit_name(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Days => "days",
        TimeUnit::Weeks => "weeks",
    }
}
