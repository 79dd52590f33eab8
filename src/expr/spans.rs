//! Where each node's text is in the source. The `cel` parser records one
//! token per node (the operator of a binary expression, the `(` of a
//! call), so the span of a whole sub-expression is rebuilt here from its
//! children and the brackets around it, with a small scanner that knows
//! where string literals start and end.

use std::ops::Range;

use cel::common::ast::{Expr, IdedExpr, LiteralValue};

use super::parse::Parsed;

impl Parsed<'_> {
    /// The span of the text of `e`, sub-expressions and brackets included.
    pub(crate) fn span(&self, e: &IdedExpr) -> Range<usize> {
        let bytes = self.src.as_bytes();
        let token = self.token(e.id);
        let raw = match &e.expr {
            // The parser reads `-5` as one literal whose token is the `5`.
            Expr::Literal(LiteralValue::Int(n)) if **n < 0 => sign_before(bytes, token),
            Expr::Literal(LiteralValue::Double(d)) if d.is_sign_negative() => sign_before(bytes, token),
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => token,
            Expr::Select(select) if select.test => self.call_like(token),
            Expr::Select(select) => {
                let operand = self.span(&select.operand);
                let after_dot = skip_space(bytes, token.end);
                let end = if self.src[after_dot..].starts_with(select.field.as_str()) {
                    after_dot + select.field.len()
                } else {
                    token.end
                };
                operand.start.min(token.start)..end
            }
            Expr::Call(call) => {
                let mut span = token.clone();
                for child in call.target.iter().map(|t| &**t).chain(&call.args) {
                    span = union(span, self.span(child));
                }
                let is_function = call.func_name.starts_with(|c: char| c.is_alphabetic());
                if is_function && call.target.is_none() {
                    span.start = span.start.min(ident_before(bytes, token.start));
                }
                if is_function || bytes.get(token.start) == Some(&b'[') {
                    span.end = span.end.max(closing(bytes, token.start).unwrap_or(0));
                }
                span
            }
            Expr::List(_) | Expr::Map(_) => token.start..closing(bytes, token.start).unwrap_or(token.end),
            Expr::Struct(_) => self.call_like(token),
            // macros are methods: `list.all(x, p)`
            Expr::Comprehension(c) => union(self.call_like(token), self.span(&c.iter_range)),
        };
        self.widen_over_parentheses(raw)
    }

    /// The source text of `e`.
    pub(crate) fn text(&self, e: &IdedExpr) -> &str {
        self.src.get(self.span(e)).unwrap_or_default()
    }

    /// The text of `e`'s own token: the operator of an operator node.
    pub(crate) fn operator_text(&self, e: &IdedExpr) -> &str {
        self.src.get(self.token(e.id)).unwrap_or_default()
    }

    /// The word right before the `(` of a call or `{` of a message.
    pub(crate) fn word_before(&self, e: &IdedExpr) -> &str {
        let token = self.token(e.id);
        let start = ident_before(self.src.as_bytes(), token.start);
        self.src.get(start..token.start).unwrap_or_default().trim()
    }

    /// The span of `e`'s own token: the whole source when the parser made
    /// the node up.
    fn token(&self, id: u64) -> Range<usize> {
        match self.info.offset_for(id) {
            Some((start, stop)) => {
                let start = char_floor(self.src, start as usize);
                let end = char_ceil(self.src, stop as usize + 1);
                start..end.max(start)
            }
            None => 0..self.src.len(),
        }
    }

    /// `name(...)` or `Name{...}` from the token of its opening bracket.
    fn call_like(&self, token: Range<usize>) -> Range<usize> {
        let bytes = self.src.as_bytes();
        ident_before(bytes, token.start)..closing(bytes, token.start).unwrap_or(token.end)
    }

    /// `(a + b)` rather than `a + b` when the parentheses are there: the
    /// union of `a + b` and `c` in `(a + b) * c` must include them.
    fn widen_over_parentheses(&self, mut span: Range<usize>) -> Range<usize> {
        let bytes = self.src.as_bytes();
        loop {
            let before = bytes[..span.start].iter().rposition(|b| !b.is_ascii_whitespace());
            let after = skip_space(bytes, span.end);
            match before {
                Some(open)
                    if bytes[open] == b'(' && bytes.get(after) == Some(&b')') && ident_before(bytes, open) == open =>
                {
                    span = open..after + 1;
                }
                _ => return span,
            }
        }
    }
}

fn union(a: Range<usize>, b: Range<usize>) -> Range<usize> {
    a.start.min(b.start)..a.end.max(b.end)
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(super) fn is_quote(b: u8) -> bool {
    b == b'"' || b == b'\''
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// `token` widened to the `-` before it (spaces aside), when there is one.
fn sign_before(bytes: &[u8], token: Range<usize>) -> Range<usize> {
    let mut start = token.start;
    while start > 0 && bytes[start - 1].is_ascii_whitespace() {
        start -= 1;
    }
    if start > 0 && bytes[start - 1] == b'-' {
        start - 1..token.end
    } else {
        token
    }
}

/// The start of the identifier ending (spaces aside) right before `pos`, or
/// `pos` when there is none.
fn ident_before(bytes: &[u8], pos: usize) -> usize {
    let mut end = pos;
    while end > 0 && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_ident_byte(bytes[start - 1]) {
        start -= 1;
    }
    if start == end { pos } else { start }
}

/// The end of the string literal whose opening quote is at `i` (just past
/// its closing quote, or the end of the source when it never closes).
pub(super) fn string_end(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let raw = i > 0 && matches!(bytes[i - 1], b'r' | b'R');
    let triple = bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]);
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < bytes.len() {
        let b = bytes[j];
        if b == b'\\' && !raw {
            j += 2;
            continue;
        }
        if triple {
            if bytes.get(j..j + 3) == Some(&[quote, quote, quote][..]) {
                return j + 3;
            }
        } else if b == quote {
            return j + 1;
        } else if b == b'\n' {
            return j;
        }
        j += 1;
    }
    bytes.len()
}

/// Just past the bracket matching the one at `open`, skipping strings.
fn closing(bytes: &[u8], open: usize) -> Option<usize> {
    if !matches!(bytes.get(open), Some(b'(' | b'[' | b'{')) {
        return None;
    }
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b if is_quote(b) => {
                i = string_end(bytes, i);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

pub(super) fn char_floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(super) fn char_ceil(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The byte offset of a parser position: 1-based line, 1-based column
/// counted in characters.
pub(super) fn byte_offset(src: &str, (line, column): (isize, isize)) -> usize {
    let mut offset = 0;
    for (n, text) in src.split_inclusive('\n').enumerate() {
        if n as isize + 1 == line {
            let column = column.max(1) as usize - 1;
            return offset + text.char_indices().nth(column).map_or(text.len(), |(i, _)| i);
        }
        offset += text.len();
    }
    if line < 1 { 0 } else { src.len() }
}

/// The span of the lexeme starting at `start`: a string, a word or number,
/// a two-character operator or one character.
pub(super) fn lexeme_at(src: &str, start: usize) -> Range<usize> {
    let bytes = src.as_bytes();
    let Some(&first) = bytes.get(start) else {
        return src.len()..src.len();
    };
    let end = if is_quote(first) {
        string_end(bytes, start)
    } else if is_ident_byte(first) {
        let mut end = start;
        while end < bytes.len() && (is_ident_byte(bytes[end]) || bytes[end] == b'.' && first.is_ascii_digit()) {
            end += 1;
        }
        end
    } else if ["==", "!=", "<=", ">=", "&&", "||"]
        .iter()
        .any(|op| src[start..].starts_with(op))
    {
        start + 2
    } else {
        start + src[start..].chars().next().map_or(0, char::len_utf8)
    };
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse::parse;

    fn spans(src: &str) -> Vec<String> {
        fn walk(p: &Parsed<'_>, e: &IdedExpr, out: &mut Vec<String>) {
            out.push(p.text(e).to_string());
            match &e.expr {
                Expr::Call(c) => {
                    c.target.iter().for_each(|t| walk(p, t, out));
                    c.args.iter().for_each(|a| walk(p, a, out));
                }
                Expr::Select(s) => walk(p, &s.operand, out),
                Expr::List(l) => l.elements.iter().for_each(|x| walk(p, x, out)),
                _ => {}
            }
        }
        let parsed = parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        let mut out = Vec::new();
        walk(&parsed, &parsed.root, &mut out);
        out
    }

    #[test]
    fn spans_cover_whole_sub_expressions() {
        assert_eq!(
            spans(r#"incident.kind == "expired_coupon" && customer.orders >= 2"#),
            [
                r#"incident.kind == "expired_coupon" && customer.orders >= 2"#,
                r#"incident.kind == "expired_coupon""#,
                "incident.kind",
                "incident",
                r#""expired_coupon""#,
                "customer.orders >= 2",
                "customer.orders",
                "customer",
                "2",
            ]
        );
    }

    #[test]
    fn spans_include_calls_brackets_and_parentheses() {
        assert_eq!(
            spans("(a + b) * max(c, (d))"),
            ["(a + b) * max(c, (d))", "(a + b)", "a", "b", "max(c, (d))", "c", "(d)"]
        );
        assert_eq!(
            spans("s.startsWith(\"(\") || x in [1, 2]"),
            [
                "s.startsWith(\"(\") || x in [1, 2]",
                "s.startsWith(\"(\")",
                "s",
                "\"(\"",
                "x in [1, 2]",
                "x",
                "[1, 2]",
                "1",
                "2"
            ]
        );
        assert_eq!(spans("customer . orders"), ["customer . orders", "customer"]);
        assert_eq!(spans("size( s )"), ["size( s )", "s"]);
        assert_eq!(spans("a ? -b : !c"), ["a ? -b : !c", "a", "-b", "b", "!c", "c"]);
        assert_eq!(spans("a ? -5 : - 2.5"), ["a ? -5 : - 2.5", "a", "-5", "- 2.5"]);
    }

    #[test]
    fn spans_are_byte_offsets_with_non_ascii_text() {
        assert_eq!(
            spans(r#""héllo" + "wörld" == s"#),
            [
                r#""héllo" + "wörld" == s"#,
                r#""héllo" + "wörld""#,
                r#""héllo""#,
                r#""wörld""#,
                "s"
            ]
        );
    }
}
