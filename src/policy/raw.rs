//! The policy file as written: every value with its span, nothing resolved.
//!
//! The TOML is parsed into a spanned document and walked by hand rather than
//! deserialised with serde, so that one pass reports every unknown key, every
//! value of the wrong type and every missing key, each with its position,
//! instead of stopping at the first. What comes out is a plain mirror of the
//! file; meaning (expressions, references, ranges) is given in `super::resolve`.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::Diagnostic;
use crate::suggest::did_you_mean;

/// A value and where it stands in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Byte offsets of its text.
    pub span: Range<usize>,
}

/// An expression written as a TOML string.
#[derive(Clone, Debug, PartialEq)]
pub struct RawExpr {
    /// The expression's text.
    pub text: String,
    /// The whole string token, quotes included.
    pub span: Range<usize>,
    /// Where each byte of the text, and its end, stands in the file (an
    /// escape's bytes all at its backslash), so that positions inside the
    /// expression map to the file exactly; `None` when that is not known.
    pub offsets: Option<Vec<usize>>,
}

impl RawExpr {
    /// The file span of a byte range inside the expression.
    pub fn file_span(&self, inner: &Range<usize>) -> Range<usize> {
        match &self.offsets {
            Some(at) if inner.start < at.len() => {
                let end = at[inner.end.min(at.len() - 1).max(inner.start)];
                at[inner.start]..end
            }
            _ => self.span.clone(),
        }
    }
}

/// Where each byte of `text`, the value of a TOML string whose contents
/// start at `start` in `source`, stands in the file, plus its end: the
/// contents read verbatim, or through the escapes of a basic string (`\"`,
/// `\\`, `\n`, `\uXXXX`, a line-ending backslash, ...). `None` when the
/// contents do not decode to `text`.
fn text_offsets(source: &str, start: usize, text: &str, basic: bool) -> Option<Vec<usize>> {
    let raw = source.get(start..)?;
    let mut at = Vec::with_capacity(text.len() + 1);
    let mut decoded = String::with_capacity(text.len());
    let mut chars = raw.char_indices().peekable();
    while decoded.len() < text.len() {
        let (i, c) = chars.next()?;
        let before = decoded.len();
        if basic && c == '\\' {
            let (_, e) = chars.next()?;
            match e {
                'b' => decoded.push('\u{8}'),
                't' => decoded.push('\t'),
                'n' => decoded.push('\n'),
                'f' => decoded.push('\u{c}'),
                'r' => decoded.push('\r'),
                'e' => decoded.push('\u{1b}'),
                '"' => decoded.push('"'),
                '\\' => decoded.push('\\'),
                'u' | 'U' | 'x' => {
                    let n = match e {
                        'u' => 4,
                        'U' => 8,
                        _ => 2,
                    };
                    let hex: String = (0..n).map(|_| chars.next().map(|(_, h)| h)).collect::<Option<_>>()?;
                    decoded.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                // A line-ending backslash: the line end and the whitespace after it vanish.
                w if w.is_whitespace() => while chars.next_if(|&(_, c)| c.is_whitespace()).is_some() {},
                _ => return None,
            }
        } else {
            decoded.push(c);
        }
        at.extend(std::iter::repeat_n(start + i, decoded.len() - before));
    }
    let end = chars.peek().map_or(source.len(), |&(i, _)| start + i);
    at.push(end);
    (decoded == text).then_some(at)
}

/// A number, or an expression that computes one.
#[derive(Clone, Debug, PartialEq)]
pub enum RawNum {
    /// A literal number.
    Number(Sp<f64>),
    /// An expression.
    Expr(RawExpr),
}

impl RawNum {
    /// Where the value stands.
    pub fn span(&self) -> Range<usize> {
        match self {
            RawNum::Number(n) => n.span.clone(),
            RawNum::Expr(e) => e.span.clone(),
        }
    }
}

/// `[model]`.
#[derive(Clone, Debug, Default)]
pub struct RawModel {
    /// The table header, for errors about the whole table.
    pub span: Option<Range<usize>>,
    /// `simple` or `bgnbd`.
    pub ltv: Option<Sp<String>>,
    /// Months of future value.
    pub horizon_months: Option<Sp<f64>>,
    /// Gross margin on future spend.
    pub margin: Option<Sp<f64>>,
    /// Discount rate a year.
    pub annual_discount_rate: Option<Sp<f64>>,
    /// `days` or `weeks`: the time unit of inline BG/NBD parameters.
    pub time_unit: Option<Sp<String>>,
    /// A fitted model file (`goodwill ltv fit -o`), relative to the policy.
    pub model_file: Option<Sp<String>>,
    /// Inline BG/NBD parameters: r, alpha, a, b; `None` for a value that is
    /// not a finite number (reported as read).
    pub bgnbd: Vec<(Sp<String>, Option<Sp<f64>>)>,
    /// Inline Gamma-Gamma parameters: p, q, v, the same way.
    pub gamma_gamma: Vec<(Sp<String>, Option<Sp<f64>>)>,
}

/// `[recovery]` or `[recovery.kinds.KIND]`.
#[derive(Clone, Debug, Default)]
pub struct RawRecovery {
    /// The numeric parameters, by key.
    pub params: Vec<(Sp<String>, RawNum)>,
    /// The curve's name.
    pub curve: Option<Sp<String>>,
}

/// `[limits]`.
#[derive(Clone, Debug, Default)]
pub struct RawLimits {
    /// Per-case cost cap.
    pub max_cost_per_case: Option<Sp<f64>>,
    /// Per-customer 12-month cost cap.
    pub max_cost_per_customer_12m: Option<Sp<f64>>,
    /// Per-customer 12-month gesture count cap.
    pub max_gestures_per_customer_12m: Option<Sp<f64>>,
}

/// One `[[gesture]]`.
#[derive(Clone, Debug, Default)]
pub struct RawGesture {
    /// The whole table.
    pub span: Range<usize>,
    /// Its id.
    pub id: Option<Sp<String>>,
    /// What the rep reads.
    pub label: Option<Sp<String>>,
    /// What it costs the business.
    pub cost: Option<RawNum>,
    /// What the customer perceives it to be worth.
    pub value: Option<RawNum>,
    /// Eligibility.
    pub when: Option<RawExpr>,
    /// How well it fits the failure, 0 to 1.
    pub effectiveness: Option<RawNum>,
    /// A line the rep can read out.
    pub script: Option<Sp<String>>,
    /// Gives back what the customer is owed: outside the goodwill limits.
    pub owed: Option<Sp<bool>>,
    /// The keys written in the table, read or not: one written but refused
    /// (a wrong type) has its error already and is not also missing.
    pub written: Vec<String>,
}

/// One `[[rule]]`.
#[derive(Clone, Debug, Default)]
pub struct RawRule {
    /// The whole table.
    pub span: Range<usize>,
    /// Its id.
    pub id: Option<Sp<String>>,
    /// When it matches; absent means always.
    pub when: Option<RawExpr>,
    /// Gesture ids it offers.
    pub offer: Vec<Sp<String>>,
    /// A reason to hand the case to a human.
    pub escalate: Option<Sp<String>>,
    /// Whether a match ends evaluation.
    pub stop: Option<Sp<bool>>,
    /// The keys written in the table, as for [`RawGesture::written`].
    pub written: Vec<String>,
}

/// The whole policy file as written.
#[derive(Clone, Debug, Default)]
pub struct RawPolicy {
    /// `[policy] name`.
    pub name: Option<Sp<String>>,
    /// `[policy] version`.
    pub version: Option<Sp<String>>,
    /// `[policy] currency`.
    pub currency: Option<Sp<String>>,
    /// `[policy] kinds`.
    pub kinds: Option<Sp<Vec<Sp<String>>>>,
    /// `[policy] follow_up_days`.
    pub follow_up_days: Option<Sp<f64>>,
    /// `[model]`.
    pub model: RawModel,
    /// `[recovery]`.
    pub recovery: RawRecovery,
    /// `[recovery.kinds.KIND]`, in file order.
    pub recovery_kinds: Vec<(Sp<String>, RawRecovery)>,
    /// `[limits]`.
    pub limits: RawLimits,
    /// `[attributes]`: field name and type name.
    pub attributes: Vec<(Sp<String>, Sp<String>)>,
    /// `[[gesture]]`, in file order.
    pub gestures: Vec<RawGesture>,
    /// `[[rule]]`, in file order.
    pub rules: Vec<RawRule>,
}

/// The keys each table may hold.
pub const TOP_KEYS: [&str; 7] = ["policy", "model", "recovery", "limits", "attributes", "gesture", "rule"];
/// Keys of `[policy]`.
pub const POLICY_KEYS: [&str; 5] = ["name", "version", "currency", "kinds", "follow_up_days"];
/// Keys of `[model]`.
pub const MODEL_KEYS: [&str; 8] = [
    "ltv",
    "horizon_months",
    "margin",
    "annual_discount_rate",
    "time_unit",
    "model_file",
    "bgnbd",
    "gamma_gamma",
];
/// Keys of `[model.bgnbd]`.
pub const BGNBD_KEYS: [&str; 4] = ["r", "alpha", "a", "b"];
/// Keys of `[model.gamma_gamma]`.
pub const GAMMA_GAMMA_KEYS: [&str; 3] = ["p", "q", "v"];
/// Numeric keys of `[recovery]`.
pub const RECOVERY_NUMBERS: [&str; 13] = [
    "churn_unresolved",
    "churn_resolved",
    "apology_recovery",
    "full_recovery_at",
    "midpoint",
    "steepness",
    "scale",
    "overcompensation_penalty",
    "spend_uplift_resolved",
    "referral_value",
    "wom_positive",
    "wom_negative",
    "tie_tolerance",
];
/// Keys of `[limits]`.
pub const LIMIT_KEYS: [&str; 3] = [
    "max_cost_per_case",
    "max_cost_per_customer_12m",
    "max_gestures_per_customer_12m",
];
/// Keys of `[[gesture]]`.
pub const GESTURE_KEYS: [&str; 8] = [
    "id",
    "label",
    "cost",
    "value",
    "when",
    "effectiveness",
    "script",
    "owed",
];
/// Keys of `[[rule]]`.
pub const RULE_KEYS: [&str; 5] = ["id", "when", "offer", "escalate", "stop"];

/// Parses the policy text into its raw mirror, adding every problem found to
/// `diags`. Returns `None` only when the TOML itself cannot be parsed.
pub fn parse(source: &str, diags: &mut Vec<Diagnostic>) -> Option<RawPolicy> {
    let (doc, errors) = DeTable::parse_recoverable(source);
    if !errors.is_empty() {
        diags.extend(syntax_errors(source, errors, "syntax", "invalid TOML"));
        return None;
    }
    let top = doc.get_ref();
    if top.is_empty() {
        // A copy cut short, or the wrong file: as a policy it would offer nothing.
        diags.push(
            Diagnostic::error(
                "empty-policy",
                0..0,
                "the policy file is empty: it holds no table and no key",
            )
            .with_help("a policy has `[[gesture]]` and `[[rule]]` tables: see the README's \"The policy\""),
        );
        return None;
    }
    let mut w = Walk { source, diags };
    w.keys(top, &TOP_KEYS, "the policy file");
    let mut raw = RawPolicy::default();

    if let Some(t) = w.table(top, "policy", "the policy file") {
        w.keys(t, &POLICY_KEYS, "`[policy]`");
        raw.name = w.string(t, "name", "`[policy]`");
        raw.version = w.string(t, "version", "`[policy]`");
        raw.currency = w.string(t, "currency", "`[policy]`");
        raw.kinds = w.strings(t, "kinds", "`[policy]`");
        raw.follow_up_days = w.number(t, "follow_up_days", "`[policy]`");
    }
    if let Some((t, span)) = w.table_spanned(top, "model", "the policy file") {
        let at = "`[model]`";
        w.keys(t, &MODEL_KEYS, at);
        raw.model.span = Some(span);
        raw.model.ltv = w.string(t, "ltv", at);
        raw.model.horizon_months = w.number(t, "horizon_months", at);
        raw.model.margin = w.number(t, "margin", at);
        raw.model.annual_discount_rate = w.number(t, "annual_discount_rate", at);
        raw.model.time_unit = w.string(t, "time_unit", at);
        raw.model.model_file = w.string(t, "model_file", at);
        raw.model.bgnbd = w.number_table(t, "bgnbd", &BGNBD_KEYS, "`[model.bgnbd]`");
        raw.model.gamma_gamma = w.number_table(t, "gamma_gamma", &GAMMA_GAMMA_KEYS, "`[model.gamma_gamma]`");
    }
    if let Some(t) = w.table(top, "recovery", "the policy file") {
        raw.recovery = w.recovery(t, "`[recovery]`", true);
        if let Some(kinds) = w.table(t, "kinds", "`[recovery]`") {
            for (key, value) in kinds.iter() {
                let at = format!("`[recovery.kinds.{}]`", key.get_ref());
                match value.get_ref() {
                    DeValue::Table(kt) => {
                        let rec = w.recovery(kt, &at, false);
                        raw.recovery_kinds.push((sp_string(key), rec));
                    }
                    other => w.wrong_type(value.span(), &at, "a table", other),
                }
            }
        }
    }
    if let Some(t) = w.table(top, "limits", "the policy file") {
        w.keys(t, &LIMIT_KEYS, "`[limits]`");
        raw.limits.max_cost_per_case = w.number(t, "max_cost_per_case", "`[limits]`");
        raw.limits.max_cost_per_customer_12m = w.number(t, "max_cost_per_customer_12m", "`[limits]`");
        raw.limits.max_gestures_per_customer_12m = w.number(t, "max_gestures_per_customer_12m", "`[limits]`");
    }
    if let Some(t) = w.table(top, "attributes", "the policy file") {
        for (key, value) in t.iter() {
            let at = format!("`[attributes]` `{}`", key.get_ref());
            match value.get_ref() {
                DeValue::String(s) => raw.attributes.push((
                    sp_string(key),
                    Sp {
                        value: s.to_string(),
                        span: value.span(),
                    },
                )),
                other => w.wrong_type(
                    value.span(),
                    &at,
                    "a type name (\"string\", \"number\", \"bool\" or \"date\")",
                    other,
                ),
            }
        }
    }
    for (i, (t, span)) in w.tables(top, "gesture").into_iter().enumerate() {
        let at = format!("`[[gesture]]` #{}", i + 1);
        w.keys(t, &GESTURE_KEYS, &at);
        raw.gestures.push(RawGesture {
            span,
            id: w.string(t, "id", &at),
            label: w.string(t, "label", &at),
            cost: w.num_or_expr(t, "cost", &at),
            value: w.num_or_expr(t, "value", &at),
            when: w.expr(t, "when", &at),
            effectiveness: w.num_or_expr(t, "effectiveness", &at),
            script: w.string(t, "script", &at),
            owed: w.boolean(t, "owed", &at),
            written: t.keys().map(|k| k.get_ref().to_string()).collect(),
        });
    }
    for (i, (t, span)) in w.tables(top, "rule").into_iter().enumerate() {
        let at = format!("`[[rule]]` #{}", i + 1);
        w.keys(t, &RULE_KEYS, &at);
        raw.rules.push(RawRule {
            span,
            id: w.string(t, "id", &at),
            when: w.expr(t, "when", &at),
            offer: w.strings(t, "offer", &at).map(|s| s.value).unwrap_or_default(),
            escalate: w.string(t, "escalate", &at),
            stop: w.boolean(t, "stop", &at),
            written: t.keys().map(|k| k.get_ref().to_string()).collect(),
        });
    }
    Some(raw)
}

/// A TOML file's syntax errors as diagnostics, each `code` and its message
/// after `prefix`. The parser resumes after an error and often trips again:
/// on the same line (an unclosed `[` gives five), and on every later line
/// when a bracket is left open (it reads them all as the array's or the
/// inline table's elements, with false messages such as "invalid boolean"
/// on a `[[test]]`). So the errors are taken in file order (the parser
/// gives structural ones before the others), the first of each line, and
/// none after a missing comma between elements at the start of a line,
/// the mark of a bracket left open on a line above.
pub(crate) fn syntax_errors(
    source: &str,
    mut errors: Vec<toml::de::Error>,
    code: &'static str,
    prefix: &str,
) -> Vec<Diagnostic> {
    errors.sort_by_key(|e| e.span().map_or(0, |s| s.start));
    // Each error's line, counted on from the one before (they are in order):
    // a file of thousands of errors is not counted from the top for each.
    let mut counted = (0, 0);
    let mut line_of = |at: usize| {
        let at = at.min(source.len());
        let (from, lines) = if at >= counted.0 { counted } else { (0, 0) };
        counted = (at, lines + source[from..at].matches('\n').count());
        counted.1
    };
    // Read once, and only for a duplicate key: a file of thousands of them
    // would otherwise be read again for each.
    let mut lines: Option<Vec<TomlLine>> = None;
    let mut diags = Vec::new();
    let mut last_line = None;
    // The array a table was found written before, once it is.
    let mut table_first: Option<String> = None;
    for e in errors {
        let span = e.span().unwrap_or(0..0);
        let line = line_of(span.start);
        if last_line == Some(line) {
            continue;
        }
        last_line = Some(line);
        let message = first_line(e.message());
        let line_start = source[..span.start.min(source.len())].rfind('\n').map_or(0, |i| i + 1);
        let mut help = None;
        if message == "duplicate key" {
            let lines = lines.get_or_insert_with(|| toml_lines(source));
            let at = lines.partition_point(|l| l.start <= span.start);
            // A later duplicate key in that array's tables only follows from it.
            let section = lines[..at].iter().rev().find(|l| l.header).map(|l| l.key.as_str());
            if let (Some(name), Some(section)) = (&table_first, section)
                && under(section, name)
            {
                continue;
            }
            if let Some((culprit, name)) = table_before_array(&lines[..at], span.start) {
                let text = &culprit.text;
                diags.push(
                    Diagnostic::error(
                        code,
                        culprit.start..culprit.start + text.len(),
                        format!(
                            "{prefix}: `{text}` comes before the first `[[{name}]]` (line {}): \
                             it makes `{name}` one table, so each `[[{name}]]` is a duplicate key",
                            line + 1
                        ),
                    )
                    .with_help(if culprit.key == name {
                        format!("write it `[[{name}]]`: each of the list is a `[[{name}]]` of its own")
                    } else {
                        format!("move `{text}` below the `[[{name}]]` it belongs to")
                    }),
                );
                table_first = Some(name);
                continue;
            }
            let this = lines[..at].last().filter(|l| l.start >= line_start);
            help = Some(match this {
                // `[gesture]` after a `[[gesture]]`: one of the list, written
                // as a table; the list's later duplicates follow from it.
                Some(l) if l.header && !l.array && lines[..at].iter().any(|o| o.array && o.key == l.key) => {
                    table_first = Some(l.key.clone());
                    format!(
                        "write it `[[{}]]`: each of the list is a `[[{}]]` of its own",
                        l.key, l.key
                    )
                }
                // The second `[limits]`, not a key in it: both tables' keys are meant.
                Some(l) if l.header && !l.array => "a table is written once: merge the two into one".to_string(),
                Some(l) if l.header => format!("is `{}` written as a table or a key above?", l.key),
                _ => "a key is given once in its table: keep the one you mean".to_string(),
            });
        }
        let first_on_line = source[line_start..span.start.min(source.len())].trim().is_empty();
        // TOML's message does not say which key.
        let named = match (message, source.get(span.clone())) {
            ("duplicate key", Some(key)) if !key.trim().is_empty() && !key.contains('\n') => {
                format!("{message} `{}`", key.trim())
            }
            _ => message.to_string(),
        };
        let d = Diagnostic::error(code, span, format!("{prefix}: {named}"));
        let open = message.starts_with("missing comma between") && first_on_line;
        diags.push(
            if message.starts_with("missing comma between array elements") && first_on_line {
                d.with_help("an array on a line above is not closed: is its `]` missing?")
            } else {
                d.with_optional_help(help)
            },
        );
        if open {
            break;
        }
    }
    diags
}

/// One line of a TOML file as the checks below read it, outside
/// multi-line strings: a table header, or a key's line, with its key from
/// the top (`[a.b]` then `c.d = 1` is `a.b.c.d`).
struct TomlLine {
    /// Where the line's text starts.
    start: usize,
    /// The header (`[a.b]`, `[[a]]`) or the key as written (`c.d`).
    text: String,
    /// The key from the top, dotted, unquoted.
    key: String,
    /// `[[...]]`.
    array: bool,
    /// A header, not a key's line.
    header: bool,
    /// The table a key's line is in (its header's key; empty at the top).
    section: String,
}

/// Whether `key` is `name` or a key under it.
fn under(key: &str, name: &str) -> bool {
    key.strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The headers and key lines of `source`, past a byte-order mark and
/// skipping what is inside `"""` or `'''` strings.
fn toml_lines(source: &str) -> Vec<TomlLine> {
    let key = |inner: &str| {
        let parts: Vec<&str> = inner.split('.').map(|p| p.trim().trim_matches(['"', '\''])).collect();
        parts.join(".")
    };
    let mut out = Vec::new();
    let mut section = String::new();
    let mut in_string: Option<&str> = None;
    let mut offset = 0;
    for whole in source.split_inclusive('\n') {
        let line_start = offset;
        offset += whole.len();
        if let Some(quote) = in_string {
            if whole.matches(quote).count() % 2 == 1 {
                in_string = None;
            }
            continue;
        }
        let text = whole.strip_prefix('\u{feff}').unwrap_or(whole);
        let trimmed = text.trim();
        let start = line_start + (whole.len() - text.len()) + (text.len() - text.trim_start().len());
        if let Some(rest) = trimmed.strip_prefix('[') {
            let array = rest.starts_with('[');
            let close = if array { "]]" } else { "]" };
            let inner = if array { &rest[1..] } else { rest };
            let Some(end) = inner.find(close) else { continue };
            section = key(&inner[..end]);
            let width = end + if array { 4 } else { 2 };
            out.push(TomlLine {
                start,
                text: trimmed[..width].to_string(),
                key: section.clone(),
                array,
                header: true,
                section: String::new(),
            });
        } else if let Some((k, value)) = trimmed.split_once('=')
            && !trimmed.starts_with('#')
        {
            // A value that opens a multi-line string; not `"""` in a
            // one-line string, or in a comment after the value.
            let value = value.trim_start();
            for quote in ["\"\"\"", "'''"] {
                if value.starts_with(quote) && value.matches(quote).count() == 1 {
                    in_string = Some(quote);
                }
            }
            let own = key(k);
            out.push(TomlLine {
                start,
                text: k.trim().to_string(),
                key: if section.is_empty() {
                    own
                } else {
                    format!("{section}.{own}")
                },
                array: false,
                header: false,
                section: section.clone(),
            });
        }
    }
    out
}

/// For a duplicate key on the last of `lines` when it is the first
/// array-of-tables header `[[name]]` of its list: the line that made `name`
/// one table, and `name`. That line is the first, since the list began, of
/// a header `[name]` or `[name.sub]` or a dotted key `name.sub = ...`
/// outside such a table.
fn table_before_array(lines: &[TomlLine], at: usize) -> Option<(&TomlLine, String)> {
    let (this, before) = lines.split_last()?;
    if !this.array || this.start > at {
        return None;
    }
    let name = &this.key;
    // A list under another (`[[test.expect]]`) begins at its parent's last `[[...]]`.
    let begins = before
        .iter()
        .rposition(|l| l.array && l.key != *name && under(name, &l.key))
        .map_or(0, |i| i + 1);
    let before = &before[begins..];
    // After an earlier `[[name]]`, a table of that name belongs to one of its elements.
    if before.iter().any(|l| l.array && l.key == *name) {
        return None;
    }
    let culprit = before
        .iter()
        .find(|l| !l.array && under(&l.key, name) && (l.header || (l.key != *name && !under(&l.section, name))))?;
    Some((culprit, name.clone()))
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim_end_matches('.')
}

fn sp_string(key: &Spanned<std::borrow::Cow<'_, str>>) -> Sp<String> {
    Sp {
        value: key.get_ref().to_string(),
        span: key.span(),
    }
}

pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) | DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// The walker: reads typed values out of tables and records what is wrong.
/// An `unknown-key` error for each key of `table` not in `allowed`, at the
/// key, with the nearest allowed one or the list; `at` names the table.
pub(crate) fn unknown_keys(table: &DeTable<'_>, allowed: &[&str], at: &str, diags: &mut Vec<Diagnostic>) {
    for key in table.keys() {
        let name = key.get_ref();
        if !allowed.contains(&name.as_ref()) {
            let help = did_you_mean(name, allowed.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("{at} takes: {}", allowed.join(", ")));
            diags.push(
                Diagnostic::error("unknown-key", key.span(), format!("unknown key `{name}` in {at}")).with_help(help),
            );
        }
    }
}

struct Walk<'s, 'd> {
    source: &'s str,
    diags: &'d mut Vec<Diagnostic>,
}

impl Walk<'_, '_> {
    fn keys(&mut self, table: &DeTable<'_>, allowed: &[&str], at: &str) {
        unknown_keys(table, allowed, at, self.diags);
    }

    fn wrong_type(&mut self, span: Range<usize>, at: &str, expected: &str, found: &DeValue<'_>) {
        let d = Diagnostic::error(
            "wrong-type",
            span,
            format!("{at} must be {expected}, found {}", type_name(found)),
        );
        // `margin = "0.3"`: the quotes are the whole mistake.
        let quoted_number = match found {
            DeValue::String(text) if expected == "a number" => {
                Some(text.trim()).filter(|t| t.parse::<f64>().is_ok_and(f64::is_finite))
            }
            _ => None,
        };
        self.diags.push(match quoted_number {
            Some(t) => d.with_help(format!("write the number without quotes: `{t}`")),
            None => d,
        });
    }

    fn get<'t, 'i>(&self, table: &'t DeTable<'i>, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        table.get(key)
    }

    fn table<'t, 'i>(&mut self, table: &'t DeTable<'i>, key: &str, at: &str) -> Option<&'t DeTable<'i>> {
        self.table_spanned(table, key, at).map(|(t, _)| t)
    }

    fn table_spanned<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        key: &str,
        at: &str,
    ) -> Option<(&'t DeTable<'i>, Range<usize>)> {
        let v = self.get(table, key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some((t, v.span())),
            other => {
                self.wrong_type(v.span(), &format!("`{key}` in {at}"), "a table", other);
                None
            }
        }
    }

    fn tables<'t, 'i>(&mut self, table: &'t DeTable<'i>, key: &str) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
        let Some(v) = self.get(table, key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(
                v.span(),
                &format!("`{key}`"),
                &format!("an array of tables (`[[{key}]]`)"),
                v.get_ref(),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(t) => out.push((t, item.span())),
                other => self.wrong_type(item.span(), &format!("each `{key}`"), "a table", other),
            }
        }
        out
    }

    fn string(&mut self, table: &DeTable<'_>, key: &str, at: &str) -> Option<Sp<String>> {
        let v = self.get(table, key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Sp {
                value: s.to_string(),
                span: v.span(),
            }),
            other => {
                self.wrong_type(v.span(), &format!("`{key}` in {at}"), "a string", other);
                None
            }
        }
    }

    fn boolean(&mut self, table: &DeTable<'_>, key: &str, at: &str) -> Option<Sp<bool>> {
        let v = self.get(table, key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(Sp {
                value: *b,
                span: v.span(),
            }),
            other => {
                self.wrong_type(v.span(), &format!("`{key}` in {at}"), "true or false", other);
                None
            }
        }
    }

    fn number_value(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<Sp<f64>> {
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            other => {
                self.wrong_type(v.span(), what, "a number", other);
                return None;
            }
        };
        match parsed {
            Some(n) if n.is_finite() => Some(Sp {
                value: n,
                span: v.span(),
            }),
            _ => {
                self.diags.push(Diagnostic::error(
                    "out-of-range",
                    v.span(),
                    format!("{what} must be a finite number"),
                ));
                None
            }
        }
    }

    fn number(&mut self, table: &DeTable<'_>, key: &str, at: &str) -> Option<Sp<f64>> {
        let v = self.get(table, key)?;
        self.number_value(v, &format!("`{key}` in {at}"))
    }

    fn number_table(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        allowed: &[&str],
        at: &str,
    ) -> Vec<(Sp<String>, Option<Sp<f64>>)> {
        let Some(t) = self.table(table, key, at) else {
            return Vec::new();
        };
        self.keys(t, allowed, at);
        let mut out = Vec::new();
        for (k, v) in t.iter() {
            if allowed.contains(&k.get_ref().as_ref()) {
                // A key given a bad value is kept, so that it is not also
                // reported as missing.
                out.push((
                    sp_string(k),
                    self.number_value(v, &format!("`{}` in {at}", k.get_ref())),
                ));
            }
        }
        out
    }

    fn raw_expr(&self, text: &str, span: Range<usize>) -> RawExpr {
        let token = self.source.get(span.clone()).unwrap_or("");
        let mut start = span.start
            + if token.starts_with("\"\"\"") || token.starts_with("'''") {
                3
            } else {
                1
            };
        if token.len() > 3 && (token.starts_with("\"\"\"") || token.starts_with("'''")) {
            // A newline right after the opening delimiter is not part of the string.
            if self.source[start..].starts_with("\r\n") {
                start += 2;
            } else if self.source[start..].starts_with('\n') {
                start += 1;
            }
        }
        let basic = token.starts_with('"');
        RawExpr {
            text: text.to_string(),
            offsets: text_offsets(self.source, start, text, basic),
            span,
        }
    }

    fn expr(&mut self, table: &DeTable<'_>, key: &str, at: &str) -> Option<RawExpr> {
        let v = self.get(table, key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(self.raw_expr(s, v.span())),
            DeValue::Boolean(b) => Some(RawExpr {
                text: b.to_string(),
                span: v.span(),
                offsets: None,
            }),
            other => {
                self.wrong_type(
                    v.span(),
                    &format!("`{key}` in {at}"),
                    "an expression in a string",
                    other,
                );
                None
            }
        }
    }

    fn num_or_expr_value(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<RawNum> {
        match v.get_ref() {
            DeValue::String(s) => Some(RawNum::Expr(self.raw_expr(s, v.span()))),
            DeValue::Integer(_) | DeValue::Float(_) => self.number_value(v, what).map(RawNum::Number),
            other => {
                self.wrong_type(v.span(), what, "a number or an expression in a string", other);
                None
            }
        }
    }

    fn num_or_expr(&mut self, table: &DeTable<'_>, key: &str, at: &str) -> Option<RawNum> {
        let v = self.get(table, key)?;
        self.num_or_expr_value(v, &format!("`{key}` in {at}"))
    }

    fn strings(&mut self, table: &DeTable<'_>, key: &str, at: &str) -> Option<Sp<Vec<Sp<String>>>> {
        let v = self.get(table, key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(
                v.span(),
                &format!("`{key}` in {at}"),
                "an array of strings",
                v.get_ref(),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Sp {
                    value: s.to_string(),
                    span: item.span(),
                }),
                other => self.wrong_type(item.span(), &format!("each `{key}` in {at}"), "a string", other),
            }
        }
        Some(Sp {
            value: out,
            span: v.span(),
        })
    }

    fn recovery(&mut self, table: &DeTable<'_>, at: &str, allow_kinds: bool) -> RawRecovery {
        let mut allowed: Vec<&str> = RECOVERY_NUMBERS.to_vec();
        allowed.push("curve");
        if allow_kinds {
            allowed.push("kinds");
        }
        self.keys(table, &allowed, at);
        let mut rec = RawRecovery {
            curve: self.string(table, "curve", at),
            ..RawRecovery::default()
        };
        for (k, v) in table.iter() {
            if RECOVERY_NUMBERS.contains(&k.get_ref().as_ref())
                && let Some(n) = self.num_or_expr_value(v, &format!("`{}` in {at}", k.get_ref()))
            {
                rec.params.push((sp_string(k), n));
            }
        }
        rec
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> (RawPolicy, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let raw = parse(src, &mut d).expect("valid toml");
        (raw, d)
    }

    #[test]
    fn reads_every_table() {
        let src = r#"
[policy]
name = "P"
kinds = ["a", "b"]
[model]
margin = 0.3
[recovery]
churn_unresolved = "incident.loss > 100 ? 0.81 : 0.54"
curve = "linear"
[recovery.kinds.a]
churn_resolved = 0.1
[limits]
max_cost_per_case = 150
[attributes]
"customer.tier" = "string"
[[gesture]]
id = "g"
label = "G"
cost = 5
[[rule]]
id = "r"
when = 'incident.kind == "a"'
offer = ["g"]
stop = true
"#;
        let (raw, d) = parse_ok(src);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(raw.name.unwrap().value, "P");
        assert_eq!(raw.kinds.unwrap().value.len(), 2);
        assert_eq!(raw.model.margin.unwrap().value, 0.3);
        assert_eq!(raw.recovery.params.len(), 1);
        let RawNum::Expr(e) = &raw.recovery.params[0].1 else {
            panic!("expected an expression")
        };
        assert_eq!(&src[e.file_span(&(0..e.text.len()))], e.text);
        assert_eq!(raw.recovery_kinds[0].0.value, "a");
        assert_eq!(raw.limits.max_cost_per_case.unwrap().value, 150.0);
        assert_eq!(raw.attributes[0].0.value, "customer.tier");
        assert_eq!(raw.gestures[0].id.as_ref().unwrap().value, "g");
        let rule = &raw.rules[0];
        assert_eq!(rule.offer[0].value, "g");
        assert!(rule.stop.as_ref().unwrap().value);
        let w = rule.when.as_ref().unwrap();
        assert_eq!(&src[w.file_span(&(0..w.text.len()))], "incident.kind == \"a\"");
    }

    #[test]
    fn reports_unknown_keys_and_wrong_types_together() {
        let src = "[policy]\nnmae = \"P\"\n[model]\nmargin = \"high\"\n[[rule]]\nid = 5\n";
        let (_, d) = parse_ok(src);
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["unknown-key", "wrong-type", "wrong-type"]);
        assert_eq!(d[0].help.as_deref(), Some("did you mean `name`?"));
        assert_eq!(&src[d[0].span.clone()], "nmae");
        assert_eq!(d[1].message, "`margin` in `[model]` must be a number, found a string");
        assert_eq!(d[1].help, None);
        let (_, d) = parse_ok("[limits]\nmax_cost_per_case = \"150\"\n");
        assert_eq!(d[0].help.as_deref(), Some("write the number without quotes: `150`"));
    }

    #[test]
    fn syntax_errors_stop_with_a_span() {
        let mut d = Vec::new();
        assert!(parse("[policy\nname = 1", &mut d).is_none());
        assert_eq!(d[0].code, "syntax");
        assert!(d[0].message.starts_with("invalid TOML"));
    }

    #[test]
    fn an_unclosed_array_is_one_error_that_says_so() {
        let mut d = Vec::new();
        // The lines after it are read as the array's elements, each with a
        // false error of its own ("invalid boolean" on `[[gesture]]`).
        let src =
            "[[rule]]\nid = \"r\"\noffer = [\"g\"\nwhen = \"true\"\n[[gesture]]\nid = \"g\"\nlabel = \"G\"\ncost = 1\n";
        assert!(parse(src, &mut d).is_none());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(src[..d[0].span.start].matches('\n').count() + 1, 4);
        assert_eq!(
            d[0].help.as_deref(),
            Some("an array on a line above is not closed: is its `]` missing?")
        );
    }

    #[test]
    fn a_duplicate_key_is_named() {
        let mut d = Vec::new();
        let src = "[policy]\nname = \"x\"\nname = \"y\"\n";
        assert!(parse(src, &mut d).is_none());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].message, "invalid TOML: duplicate key `name`");
        assert_eq!(src[..d[0].span.start].matches('\n').count() + 1, 3);
        assert!(d[0].help.as_deref().unwrap().starts_with("a key is given once"));
        // A table written twice: keeping one would drop the other's keys.
        let src = "[limits]\nmax_cost_per_case = 1\n[limits]\nmax_gestures_per_customer_12m = 2\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        assert_eq!(d[0].message, "invalid TOML: duplicate key `limits`");
        assert_eq!(
            d[0].help.as_deref(),
            Some("a table is written once: merge the two into one")
        );
    }

    /// A table written before the array of the same name is one error, at
    /// that table; every later `[[gesture]]` only follows from it.
    #[test]
    fn a_table_before_its_array_is_one_error_at_the_table() {
        let line = |src: &str, d: &Diagnostic| src[..d.span.start].matches('\n').count() + 1;
        let src = "[policy]\nname = \"x\"\n[gesture.a]\nid = \"a\"\n[[gesture]]\nid = \"b\"\n[[gesture]]\nid = \"c\"\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((line(src, &d[0]), &src[d[0].span.clone()]), (3, "[gesture.a]"));
        assert!(
            d[0].message.contains("before the first `[[gesture]]` (line 5)"),
            "{}",
            d[0].message
        );
        assert_eq!(
            d[0].help.as_deref(),
            Some("move `[gesture.a]` below the `[[gesture]]` it belongs to")
        );
        // `[gesture]` itself: the fix is the double brackets.
        let src = "[ gesture ]\nid = \"a\"\n[[gesture]]\nid = \"b\"\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(&src[d[0].span.clone()], "[ gesture ]");
        assert!(d[0].help.as_deref().unwrap().starts_with("write it `[[gesture]]`"));
        // Of two such tables, the nearest: the one of the same gesture.
        let src = "[[gesture]]\nid = \"a\"\n[gesture.x]\n[[gesture]]\n[gesture.x]\n[[gesture.x]]\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(line(src, &d[0]), 5);
        // A dotted key, a quoted header, and past a `[gesture]` inside a
        // multi-line string: each is found where it is written.
        for (src, at, text) in [
            ("gesture.a.id = \"x\"\n[[gesture]]\nid = \"b\"\n", 1, "gesture.a.id"),
            (
                "[\"gesture\".a]\nid = \"x\"\n[[gesture]]\nid = \"b\"\n",
                1,
                "[\"gesture\".a]",
            ),
            (
                "[policy]\nname = \"\"\"\n[gesture]\n\"\"\"\n[gesture.a]\nid = \"x\"\n[[gesture]]\nid = \"b\"\n",
                5,
                "[gesture.a]",
            ),
        ] {
            let mut d = Vec::new();
            assert!(parse(src, &mut d).is_none());
            assert_eq!(d.len(), 1, "{src}: {d:?}");
            assert_eq!((line(src, &d[0]), &src[d[0].span.clone()]), (at, text), "{src}");
        }
        // The first one, written as a table with tables of its own: the
        // table that made it one, not the nearest.
        let src = "[gesture]\nid = \"a\"\n[gesture.x]\ny = 1\n[[gesture]]\nid = \"b\"\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        assert_eq!((d.len(), line(src, &d[0])), (1, 1), "{d:?}");
        assert!(d[0].help.as_deref().unwrap().starts_with("write it `[[gesture]]`"));
        // `"""` in a one-line string or a comment opens no string; nor does a
        // byte-order mark hide the first line's header.
        for src in [
            "[policy]\nname = 'the \"\"\" policy'\n[gesture]\nid = \"a\"\n[[gesture]]\nid = \"b\"\n",
            "[policy]\nname = \"x\" # \"\"\"\n[gesture]\nid = \"a\"\n[[gesture]]\nid = \"b\"\n",
        ] {
            let mut d = Vec::new();
            assert!(parse(src, &mut d).is_none());
            assert_eq!((d.len(), line(src, &d[0])), (1, 3), "{src}: {d:?}");
        }
        let src = "\u{feff}[gesture]\nid = \"a\"\n[[gesture]]\nid = \"b\"\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        assert!(d[0].message.contains("comes before the first `[[gesture]]`"), "{d:?}");
        // A key of that name (an inline array) is no table: TOML's own error.
        let src = "gesture = [{ id = \"a\" }]\n[[gesture]]\nid = \"b\"\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        assert_eq!(d[0].message, "invalid TOML: duplicate key `gesture`", "{d:?}");
        // `[gesture]` after a `[[gesture]]`: one of the list written as a table,
        // and the list's later `[[gesture]]` follows from it.
        let src = "[[gesture]]\nid = \"a\"\n[gesture]\nid = \"c\"\n[[gesture]]\nid = \"b\"\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        assert_eq!((d.len(), line(src, &d[0])), (1, 3), "{d:?}");
        assert!(d[0].help.as_deref().unwrap().starts_with("write it `[[gesture]]`"));
        // A duplicate key elsewhere does not follow from it, and is kept.
        let src =
            "[gesture]\nid = \"a\"\n[[gesture]]\nid = \"b\"\n[limits]\nmax_cost_per_case = 1\nmax_cost_per_case = 2\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        let lines: Vec<usize> = d.iter().map(|d| line(src, d)).collect();
        assert_eq!(lines, [1, 7], "{d:?}");
        // A key written twice before it is still its own error.
        let src = "[policy]\nname = \"x\"\nname = \"y\"\n[gesture]\nid = \"a\"\n[[gesture]]\nid = \"b\"\n";
        let mut d = Vec::new();
        assert!(parse(src, &mut d).is_none());
        let lines: Vec<usize> = d.iter().map(|d| line(src, d)).collect();
        assert_eq!(lines, [3, 4], "{d:?}");
        assert!(d[0].message.ends_with("duplicate key `name`"), "{}", d[0].message);
    }

    /// Errors before a bracket left open, and a missing comma in a closed
    /// array, do not hide the file's other syntax errors.
    #[test]
    fn syntax_errors_on_other_lines_are_each_reported() {
        let mut d = Vec::new();
        let src = "[policy]\nname = \"x\nversion = 1.\nkinds = [\"a\" \"b\"]\n[limits]\nmax_cost_per_case = 1_\n";
        assert!(parse(src, &mut d).is_none());
        let lines: Vec<usize> = d
            .iter()
            .map(|d| src[..d.span.start].matches('\n').count() + 1)
            .collect();
        assert_eq!(lines, [2, 3, 4, 6], "{d:?}");
    }

    #[test]
    fn escaped_strings_map_each_byte_to_the_file() {
        let src = "[[rule]]\nid = \"r\"\nwhen = \"incident.kind == \\\"a\\\" && x > 2\"\n";
        let (raw, _) = parse_ok(src);
        let w = raw.rules[0].when.as_ref().unwrap();
        assert_eq!(w.text, "incident.kind == \"a\" && x > 2");
        // `"a"` (its quotes escaped in the file) and `x`, after the escapes.
        let quoted = src.find("\\\"a").unwrap();
        assert_eq!(w.file_span(&(17..20)), quoted..quoted + 5);
        let x = src.find("x >").unwrap();
        assert_eq!(w.file_span(&(24..25)), x..x + 1);
    }

    #[test]
    fn text_offsets_follow_every_kind_of_escape() {
        // Contents start at 1, after the opening quote.
        let at = |source: &str, text: &str| text_offsets(source, 1, text, true);
        assert_eq!(at("\"ab\"", "ab"), Some(vec![1, 2, 3]));
        assert_eq!(at("\"a\\nb\"", "a\nb"), Some(vec![1, 2, 4, 5]));
        // `é` is two bytes, both at its escape.
        assert_eq!(at("\"\\u00e9x\"", "éx"), Some(vec![1, 1, 7, 8]));
        // A line-ending backslash takes the line end and the indent with it.
        assert_eq!(at("\"a\\\n   b\"", "ab"), Some(vec![1, 7, 8]));
        // Contents that do not decode to the text give no map.
        assert_eq!(at("\"ab\"", "ax"), None);
        // A literal string has no escapes.
        assert_eq!(text_offsets("'a\\n'", 1, "a\\n", false), Some(vec![1, 2, 3, 4]));
    }
}
