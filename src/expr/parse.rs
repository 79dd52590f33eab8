//! Parsing with the `cel` crate: the guard against pathological input, and
//! the parser's errors turned into [`CompileError`]s with byte spans and
//! our wording.

use cel::common::ast::{IdedExpr, SourceInfo};
use cel::parser::{ParseError, Parser};

use super::error::CompileError;
use super::spans::{byte_offset, is_quote, lexeme_at, string_end};

/// At most this many operator and bracket characters outside string
/// literals. The parser and the checker go one level deeper per operator of
/// a chain like `1 + 1 + ...`, and a long enough chain would overflow any
/// stack; no real policy comes near this bound.
const MAX_OPERATORS: usize = 600;

/// A parsed expression with what is needed to find the text of any node.
#[derive(Debug)]
pub(crate) struct Parsed<'s> {
    pub(crate) root: IdedExpr,
    pub(super) info: SourceInfo,
    pub(super) src: &'s str,
}

/// Parses `src` as CEL, or reports why not.
pub(crate) fn parse(src: &str) -> Result<Parsed<'_>, Vec<CompileError>> {
    check_size(src)?;
    match Parser::new().parse_with_source_info(src) {
        Ok((root, info)) => Ok(Parsed { root, info, src }),
        Err(errors) => Err(convert_errors(src, &errors.errors)),
    }
}

/// How much nesting a source asks of the parser, found without parsing.
struct Shape {
    /// Operator and bracket characters outside string literals: a bound on
    /// the depth of operator chains like `1 + 1 + ...`.
    operators: usize,
    /// The deepest nesting of brackets.
    depth: usize,
}

fn shape(src: &str) -> Shape {
    let bytes = src.as_bytes();
    let (mut operators, mut depth, mut open) = (0, 0, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_quote(b) {
            i = string_end(bytes, i);
            continue;
        }
        if b"+-*/%<>=!&|?.([{".contains(&b) {
            operators += 1;
        }
        if b"([{".contains(&b) {
            open += 1;
            depth = depth.max(open);
        } else if b")]}".contains(&b) {
            open = open.saturating_sub(1);
        }
        i += 1;
    }
    Shape { operators, depth }
}

/// Whether parsing and checking `src` surely fits in an ordinary thread's
/// stack (2 MiB, debug build): a few levels of brackets and a short chain of
/// operators. Each level of brackets costs the `cel` parser some 150 KiB in
/// a debug build.
pub(crate) fn fits_small_stack(src: &str) -> bool {
    let shape = shape(src);
    shape.depth <= 3 && shape.operators <= 100
}

fn check_size(src: &str) -> Result<(), Vec<CompileError>> {
    if shape(src).operators > MAX_OPERATORS {
        return Err(vec![
            CompileError::new(
                0..src.len(),
                format!("expression is too complex: more than {MAX_OPERATORS} operator and bracket characters"),
            )
            .with_help("split it into several rules or simpler expressions"),
        ]);
    }
    Ok(())
}

/// What went wrong at one place, as the user should read it.
enum Kind {
    /// The lexer found no token: everything after is unreliable.
    Lexical,
    /// The grammar did not match: later errors are usually consequences.
    Syntax,
    /// A well-formed but refused construct, such as an out-of-range number.
    Other,
}

/// The parser reports every error its recovery finds, most of them echoes of
/// the first; this keeps the ones a user should act on.
fn convert_errors(src: &str, errors: &[ParseError]) -> Vec<CompileError> {
    let converted: Vec<(Kind, CompileError)> = errors.iter().map(|e| convert_error(src, e)).collect();
    let mut lexical: Vec<CompileError> = Vec::new();
    for (kind, error) in &converted {
        // the lexer resumes inside a bad string literal and trips again
        let inside_previous = lexical.last().is_some_and(|p| error.span.start < p.span.end);
        if matches!(kind, Kind::Lexical) && !inside_previous {
            lexical.push(error.clone());
        }
    }
    if !lexical.is_empty() {
        return lexical;
    }
    if let Some((_, first)) = converted.iter().find(|(kind, _)| matches!(kind, Kind::Syntax)) {
        return vec![first.clone()];
    }
    let mut others: Vec<CompileError> = converted.into_iter().map(|(_, e)| e).collect();
    others.dedup();
    if others.is_empty() {
        others.push(CompileError::new(0..src.len(), "cannot parse the expression"));
    }
    others
}

fn convert_error(src: &str, error: &ParseError) -> (Kind, CompileError) {
    let msg = error.msg.as_str();
    let start = byte_offset(src, error.pos);
    if msg.contains("Recursion limit") {
        let error = CompileError::new(0..src.len(), "expression is nested too deeply")
            .with_help("use fewer levels of parentheses");
        return (Kind::Syntax, error);
    }
    let Some(detail) = msg.strip_prefix("Syntax error: ") else {
        return (Kind::Other, other_error(src, start, msg));
    };
    if let Some(text) = quoted_after(detail, "token recognition error at: ") {
        return (Kind::Lexical, unknown_token(src, start, text));
    }
    let error = if let Some((token, expected)) = mismatched(detail) {
        let help = if token == "?" {
            Some("put a `? :` inside another one's condition or first branch in parentheses".to_string())
        } else {
            expected_help(expected)
        };
        unexpected(src, start, token).with_optional_help(help)
    } else if let Some(rest) = detail.strip_prefix("missing ") {
        let (missing, at) = rest.split_once(" at ").unwrap_or((rest, "'<EOF>'"));
        let missing = missing.trim_matches('\'');
        if at == "'<EOF>'" {
            CompileError::new(src.len()..src.len(), format!("missing `{missing}` at the end"))
        } else {
            let span = lexeme_at(src, start);
            let before = &src[span.clone()];
            CompileError::new(span, format!("missing `{missing}` before `{before}`"))
        }
    } else if let Some(text) = quoted_after(detail, "no viable alternative at input ") {
        let error = unexpected(src, start, "");
        if text.starts_with('.') {
            error.with_help("a field name must follow `.`")
        } else {
            error
        }
    } else {
        CompileError::new(lexeme_at(src, start), tidy(detail))
    };
    (Kind::Syntax, other_habit(src, error))
}

/// A syntax error made of a habit from another language (SQL, Python,
/// spreadsheets) gets the CEL way to write it as its help.
fn other_habit(src: &str, error: CompileError) -> CompileError {
    let at = &src[error.span.clone()];
    if at == ","
        && let Some(number) = grouped_number(src, error.span.start)
    {
        return error.with_help(format!("write `{number}`, without a separator"));
    }
    let before = src[..error.span.start].trim_end();
    let help = if at == "and" {
        "write `&&` for \"and\""
    } else if at == "or" {
        "write `||` for \"or\""
    } else if before
        .strip_suffix("not")
        .is_some_and(|b| !b.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.'))
    {
        "write `!` for \"not\""
    } else if at.starts_with('>') && before.ends_with('<') {
        "write `!=` for \"not equal\""
    } else if before.contains(" in (") || before.contains(" in(") {
        "a list is written in brackets: `x in [\"a\", \"b\"]`"
    } else {
        return error;
    };
    error.with_help(help)
}

/// The number a thousands separator at `comma` splits (`5,000` or
/// `1,250.50`), written without it: CEL reads the comma as the end of the
/// number. `None` when the comma does not sit between digits grouped by 3.
fn grouped_number(src: &str, comma: usize) -> Option<String> {
    let head = src[..comma].trim_end_matches(|c: char| c.is_ascii_digit());
    let lead = &src[head.len()..comma];
    // Digits ending a name (`x1`) or a decimal (`0.5`) are no number's start.
    if lead.is_empty() || lead.len() > 3 || head.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.') {
        return None;
    }
    let leading_digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let mut number = lead.to_string();
    let mut rest = &src[comma..];
    while let Some(group) = rest.strip_prefix(',') {
        if leading_digits(group) != 3 {
            return None;
        }
        number += &group[..3];
        rest = &group[3..];
    }
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = leading_digits(fraction);
        number += &rest[..1 + digits];
        rest = &fraction[digits..];
    }
    // `5,0000` or `5,000x` is something else.
    (!rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')).then_some(number)
}

/// `mismatched input 'T' expecting S` and `extraneous input 'T' expecting S`.
fn mismatched(detail: &str) -> Option<(&str, &str)> {
    let rest = detail
        .strip_prefix("mismatched input ")
        .or_else(|| detail.strip_prefix("extraneous input "))?;
    let (token, expected) = rest.rsplit_once(" expecting ")?;
    Some((token.strip_prefix('\'')?.strip_suffix('\'')?, expected))
}

fn quoted_after<'d>(detail: &'d str, prefix: &str) -> Option<&'d str> {
    detail.strip_prefix(prefix)?.strip_prefix('\'')?.strip_suffix('\'')
}

fn unexpected(src: &str, start: usize, token: &str) -> CompileError {
    if token == "<EOF>" || start >= src.len() {
        return CompileError::new(src.len()..src.len(), "unexpected end of expression");
    }
    let span = if !token.is_empty() && src[start..].starts_with(token) {
        start..start + token.len()
    } else {
        lexeme_at(src, start)
    };
    let message = format!("unexpected `{}`", &src[span.clone()]);
    CompileError::new(span, message)
}

fn unknown_token(src: &str, start: usize, text: &str) -> CompileError {
    let bytes = src.as_bytes();
    let quote_at = (start..src.len().min(start + 3)).find(|&i| is_quote(bytes[i]));
    if let Some(quote) = quote_at.filter(|_| text.contains(['"', '\''])) {
        let end = string_end(bytes, quote);
        let closed = end > quote + 1 && bytes.get(end - 1) == Some(&bytes[quote]);
        if !closed {
            return CompileError::new(start..end, "unterminated string")
                .with_help("close it with the same quote it opens with");
        }
        return CompileError::new(start..end, "invalid escape sequence in string")
            .with_help("escapes are `\\\\`, `\\\"`, `\\'`, `\\n`, `\\t`, `\\r` and `\\u` followed by 4 hex digits");
    }
    let span = lexeme_at(src, start);
    let span = span.start..span.start + src[span.start..].chars().next().map_or(0, char::len_utf8);
    let c = &src[span.clone()];
    let help = match c {
        "=" if src[span.end..].starts_with('>') => Some("write `>=` for \"at least\""),
        "=" if src[span.end..].starts_with('<') => Some("write `<=` for \"at most\""),
        "=" => Some("compare with `==`"),
        "&" => Some("write `&&` for \"and\""),
        "|" => Some("write `||` for \"or\""),
        _ => None,
    };
    CompileError::new(span, format!("unexpected character `{c}`")).with_optional_help(help.map(str::to_string))
}

fn expected_help(expected: &str) -> Option<String> {
    let items: Vec<&str> = expected
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split(", ")
        .collect();
    if items.contains(&"IDENTIFIER") {
        return Some("expected a value, a field or `(`".to_string());
    }
    if items == ["<EOF>"] {
        return Some("expected an operator or the end of the expression".to_string());
    }
    if items.len() > 4 {
        return Some(if items.contains(&"':'") {
            "expected an operator, or `:` to complete `? :`".to_string()
        } else {
            "expected an operator".to_string()
        });
    }
    let names: Vec<String> = items
        .iter()
        .map(|item| format!("`{}`", item.trim_matches('\'')))
        .collect();
    Some(format!("expected {}", names.join(" or ")))
}

/// Errors the parser raises after recognising the syntax, like an integer
/// literal out of range.
fn other_error(src: &str, start: usize, msg: &str) -> CompileError {
    let span = lexeme_at(src, start);
    if msg.starts_with("invalid") && msg.ends_with("literal") {
        let text = &src[span.clone()];
        return CompileError::new(span.clone(), format!("invalid number `{text}`"))
            .with_help("integers must fit in 64 bits; write large numbers with a decimal point");
    }
    CompileError::new(span, tidy(msg))
}

/// The parser's own wording made to fit ours: lowercase, no final period,
/// backticks instead of single quotes.
fn tidy(msg: &str) -> String {
    let msg = msg.trim().trim_end_matches(['.', '!']);
    let mut out = String::with_capacity(msg.len());
    let mut chars = msg.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_lowercase());
    }
    out.extend(chars.map(|c| if c == '\'' { '`' } else { c }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_errors(src: &str) -> Vec<(String, String, Option<String>)> {
        match parse(src) {
            Ok(_) => panic!("`{src}` parsed"),
            Err(errors) => errors
                .into_iter()
                .map(|e| (src[e.span].to_string(), e.message, e.help))
                .collect(),
        }
    }

    fn one_error(src: &str) -> (String, String, Option<String>) {
        let mut errors = parse_errors(src);
        assert_eq!(errors.len(), 1, "{src}: {errors:?}");
        errors.remove(0)
    }

    #[test]
    fn a_missing_operand_is_an_unexpected_end() {
        let (text, message, help) = one_error("customer.orders >=");
        assert_eq!(text, "");
        assert_eq!(message, "unexpected end of expression");
        assert_eq!(help.as_deref(), Some("expected a value, a field or `(`"));
        assert_eq!(parse("a +").unwrap_err()[0].span, 3..3);
    }

    #[test]
    fn an_extra_token_is_named_and_located() {
        let (text, message, help) = one_error("a + * b");
        assert_eq!((text.as_str(), message.as_str()), ("*", "unexpected `*`"));
        assert_eq!(help.as_deref(), Some("expected a value, a field or `(`"));
        let (text, message, help) = one_error(r#"incident.kind "x""#);
        assert_eq!((text.as_str(), message.as_str()), (r#""x""#, r#"unexpected `"x"`"#));
        assert_eq!(
            help.as_deref(),
            Some("expected an operator or the end of the expression")
        );
    }

    #[test]
    fn missing_brackets_are_reported() {
        let (text, message, _) = one_error("max(a, b");
        assert_eq!((text.as_str(), message.as_str()), ("", "missing `)` at the end"));
        let (text, message, help) = one_error("x in [1, 2");
        assert_eq!((text.as_str(), message.as_str()), ("", "unexpected end of expression"));
        assert_eq!(help.as_deref(), Some("expected `]` or `,`"));
    }

    #[test]
    fn a_single_equals_sign_suggests_double() {
        let (text, message, help) = one_error("customer.tier = \"gold\"");
        assert_eq!(text, "=");
        assert_eq!(message, "unexpected character `=`");
        assert_eq!(help.as_deref(), Some("compare with `==`"));
        let (_, _, help) = one_error("a & b");
        assert_eq!(help.as_deref(), Some("write `&&` for \"and\""));
    }

    #[test]
    fn habits_from_other_languages_get_the_cel_spelling() {
        let help = |src: &str| one_error(src).2;
        let cases = [
            ("a == 1 and b == 2", "write `&&` for \"and\""),
            ("a == 1 or b == 2", "write `||` for \"or\""),
            ("not customer.known", "write `!` for \"not\""),
            ("a <> 2", "write `!=` for \"not equal\""),
            (
                "a in (\"x\", \"y\")",
                "a list is written in brackets: `x in [\"a\", \"b\"]`",
            ),
            ("a => 2", "write `>=` for \"at least\""),
            ("a =< 2", "write `<=` for \"at most\""),
        ];
        for (src, want) in cases {
            assert_eq!(help(src).as_deref(), Some(want), "{src}");
        }
        // A name that merely ends in `not` is not the keyword.
        assert_eq!(
            help("cannot x").as_deref(),
            Some("expected an operator or the end of the expression")
        );
    }

    /// `5,000` was "unexpected `,`: expected an operator", with nothing
    /// about the thousands separator the data files are told of.
    #[test]
    fn a_thousands_separator_gets_the_number_without_it() {
        for (src, number) in [
            ("customer.total_spend > 5,000", "5000"),
            ("customer.total_spend > 1,250.50 && a", "1250.50"),
            ("x < 1,000,000", "1000000"),
            ("a ? 12,000 : 0", "12000"),
        ] {
            let (text, message, help) = one_error(src);
            assert_eq!((text.as_str(), message.as_str()), (",", "unexpected `,`"), "{src}");
            assert_eq!(help, Some(format!("write `{number}`, without a separator")), "{src}");
        }
        // Not groups of three, or not after a number: the parser's own help.
        for src in ["x > 5,00", "x > 5,0000", "x > 1234,000", "x1,000", "x > 0.5,000"] {
            let help = one_error(src).2.unwrap_or_default();
            assert!(!help.contains("separator"), "{src}: {help}");
        }
    }

    #[test]
    fn every_unknown_character_is_reported_with_a_byte_span() {
        let errors = parse_errors("é + #");
        assert_eq!(
            errors,
            [
                ("é".to_string(), "unexpected character `é`".to_string(), None),
                ("#".to_string(), "unexpected character `#`".to_string(), None),
            ]
        );
    }

    #[test]
    fn an_unterminated_string_spans_to_the_end() {
        let (text, message, _) = one_error(r#"incident.kind == "expired"#);
        assert_eq!(text, r#""expired"#);
        assert_eq!(message, "unterminated string");
    }

    #[test]
    fn a_bad_escape_is_reported() {
        let (text, message, _) = one_error(r#"s == "a\qb""#);
        assert_eq!(text, r#""a\qb""#);
        assert_eq!(message, "invalid escape sequence in string");
    }

    #[test]
    fn positions_on_later_lines_become_byte_offsets() {
        let src = "a &&\n  é == 1";
        let errors = parse(src).unwrap_err();
        assert_eq!(&src[errors[0].span.clone()], "é");
    }

    #[test]
    fn a_nested_conditional_needs_parentheses() {
        let (text, message, help) = one_error("a ? b ? 1 : 2 : 3");
        assert_eq!((text.as_str(), message.as_str()), ("?", "unexpected `?`"));
        assert_eq!(
            help.as_deref(),
            Some("put a `? :` inside another one's condition or first branch in parentheses")
        );
    }

    #[test]
    fn a_dangling_dot_wants_a_field_name() {
        let (text, message, help) = one_error("customer. == 1");
        assert_eq!((text.as_str(), message.as_str()), ("==", "unexpected `==`"));
        assert_eq!(help.as_deref(), Some("a field name must follow `.`"));
    }

    #[test]
    fn an_out_of_range_integer_is_reported() {
        let (text, message, _) = one_error("x > 99999999999999999999");
        assert_eq!(text, "99999999999999999999");
        assert_eq!(message, "invalid number `99999999999999999999`");
    }

    /// Through `compile`, which gives the parser the stack it needs.
    #[test]
    fn deep_nesting_is_refused() {
        let schema = crate::expr::Schema::new();
        for depth in [20, 95] {
            let src = "(".repeat(depth) + "1" + &")".repeat(depth);
            let expr = crate::expr::compile(&src, &schema, crate::expr::Type::Number);
            assert_eq!(expr.map(|e| e.constant_number()), Ok(Some(1.0)), "{depth}");
        }
        for src in [
            "(".repeat(96) + "1" + &")".repeat(96),
            "(".repeat(200) + "1" + &")".repeat(200),
            "f(".repeat(100) + "1" + &")".repeat(100),
        ] {
            let errors = crate::expr::compile(&src, &schema, crate::expr::Type::Number).unwrap_err();
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].span, 0..src.len());
            assert_eq!(errors[0].message, "expression is nested too deeply");
        }
    }

    #[test]
    fn long_operator_chains_are_refused_before_parsing() {
        let src = "1 + ".repeat(MAX_OPERATORS) + "1";
        assert!(parse(&src).is_ok());
        let src = "1 + ".repeat(MAX_OPERATORS + 1) + "1";
        let (_, message, _) = one_error(&src);
        assert_eq!(
            message,
            "expression is too complex: more than 600 operator and bracket characters"
        );
        // A field's dot counts, and `&&` counts two.
        let src = "incident.loss > 0 && ".repeat(150) + "true";
        assert!(parse(&src).is_ok());
        let src = "incident.loss > 0 && ".repeat(151) + "true";
        assert!(parse(&src).is_err());
        // operators inside strings do not count
        let src = format!("s == \"{}\"", "+".repeat(5000));
        assert!(parse(&src).is_ok());
    }

    #[test]
    fn ordinary_expressions_fit_a_small_stack() {
        assert!(fits_small_stack(
            r#"max(0, min(100, (incident.loss - 5) * 2)) > 1 && incident.kind in ["a", "(("]"#
        ));
        assert!(!fits_small_stack("((((1))))"));
        assert!(!fits_small_stack(&"1 + ".repeat(101)));
    }

    #[test]
    fn empty_source_is_an_unexpected_end() {
        for src in ["", "   "] {
            let (_, message, _) = one_error(src);
            assert_eq!(message, "unexpected end of expression");
        }
    }

    #[test]
    fn messages_are_tidied() {
        assert_eq!(tidy("Incomplete 'x' expression!"), "incomplete `x` expression");
    }
}
