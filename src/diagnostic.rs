//! Findings about a policy file, as data.
//!
//! Loading and checking a policy produce [`Diagnostic`]s: a severity, a
//! stable code, a byte span in the file, a message and an optional help line.
//! They are rendered once per output format (text with a source excerpt and a
//! caret, or JSON for editors and CI) by [`Report`], so the loader and the
//! checks never format anything themselves.

use std::fmt;
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;
use serde::Serialize;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy cannot be used.
    Error,
    /// The policy works, but probably not as its author meant.
    Warning,
}

/// One finding about a policy file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable, kebab-case name for the kind of finding (`unknown-key`).
    pub code: &'static str,
    /// Byte offsets of the offending text in the file.
    #[serde(skip)]
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we know.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            span,
            message: message.into(),
            help: None,
        }
    }

    /// A warning.
    pub fn warning(code: &'static str, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            span,
            message: message.into(),
            help: None,
        }
    }

    /// The same finding with a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same finding with an optional help line.
    pub fn with_optional_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// The diagnostics of one file, with the file's text for rendering them.
#[derive(Clone, Debug)]
pub struct Report {
    /// The file as the user named it.
    pub file: String,
    /// Its text.
    pub source: String,
    /// Findings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A diagnostic as JSON carries its position in lines and columns.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(flatten)]
    diagnostic: &'a Diagnostic,
}

impl Report {
    /// A report, its findings sorted by position then severity.
    pub fn new(file: impl Into<String>, source: impl Into<String>, mut diagnostics: Vec<Diagnostic>) -> Self {
        let mut source = source.into();
        // A byte-order mark is no character of the first line: columns are
        // counted after it, as an editor shows them.
        const BOM: &str = "\u{feff}";
        if source.starts_with(BOM) {
            source.drain(..BOM.len());
            for d in &mut diagnostics {
                d.span = d.span.start.saturating_sub(BOM.len())..d.span.end.saturating_sub(BOM.len());
            }
        }
        // A span at the end of a CRLF line starts at its `\n`: the `\r`
        // before it is no column of the line, so the span starts there.
        for d in &mut diagnostics {
            let start = d.span.start;
            if start > 0 && source.as_bytes().get(start - 1..=start) == Some(b"\r\n") {
                d.span = start - 1..d.span.end.max(start) - 1;
            }
        }
        diagnostics.sort_by_key(|d| (d.span.start, d.severity));
        diagnostics.dedup();
        Report {
            file: file.into(),
            source,
            diagnostics,
        }
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// How many findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == severity).count()
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.source, offset)
    }

    /// The findings as text: each with `file:line:column`, the source line and
    /// a caret under the offending text, and its help.
    pub fn render_text(&self) -> String {
        let file = SimpleFile::new(self.file.as_str(), self.source.as_str());
        let config = term::Config::default();
        let mut out = String::new();
        for d in &self.diagnostics {
            let span = clamp(&self.source, &d.span);
            let mut cd = match d.severity {
                Severity::Error => cs::Diagnostic::error(),
                Severity::Warning => cs::Diagnostic::warning(),
            }
            .with_code(d.code)
            .with_message(&d.message)
            .with_labels(vec![cs::Label::primary((), span)]);
            if let Some(help) = &d.help {
                cd = cd.with_notes(vec![format!("help: {help}")]);
            }
            match term::emit_into_string(&config, &file, &cd) {
                Ok(text) => out.push_str(&text),
                Err(_) => {
                    let (line, col) = self.line_col(d.span.start);
                    out.push_str(&format!("{}:{line}:{col}: {}\n", self.file, d.message));
                }
            }
        }
        out
    }

    /// The findings as a JSON array, each with file, line, column, severity,
    /// code, message and help.
    pub fn to_json(&self) -> serde_json::Value {
        let items: Vec<JsonDiagnostic> = self
            .diagnostics
            .iter()
            .map(|d| {
                let (line, column) = self.line_col(d.span.start);
                let (end_line, end_column) = self.line_col(d.span.end);
                JsonDiagnostic {
                    file: &self.file,
                    line,
                    column,
                    end_line,
                    end_column,
                    diagnostic: d,
                }
            })
            .collect();
        serde_json::json!(items)
    }

    /// A one-line summary: `2 errors, 1 warning`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", crate::render::plural(n));
        format!(
            "{}, {}",
            plural(self.count(Severity::Error), "error"),
            plural(self.count(Severity::Warning), "warning")
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render_text().trim_end())
    }
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn clamp(source: &str, span: &Range<usize>) -> Range<usize> {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_no_column_of_the_first_line() {
        // `colour` at bytes 3..9 of the file, after the mark: column 1, as an editor shows it.
        let src = "\u{feff}colour = 1\n[policy]\n";
        let r = Report::new(
            "p.toml",
            src,
            vec![Diagnostic::error("unknown-key", 3..9, "unknown key `colour`")],
        );
        let text = r.render_text();
        assert!(text.contains("p.toml:1:1\n"), "{text}");
        assert!(text.contains("1 │ colour = 1\n"), "{text}");
        assert!(text.contains("  │ ^^^^^^\n"), "{text}");
        assert_eq!(
            (r.to_json()[0]["column"].as_u64(), r.to_json()[0]["end_column"].as_u64()),
            (Some(1), Some(7))
        );
    }

    #[test]
    fn text_names_file_line_and_column() {
        let src = "[policy]\nname = \"x\"\nbogus = 1\n";
        let r = Report::new(
            "p.toml",
            src,
            vec![Diagnostic::error("unknown-key", 20..25, "unknown key `bogus`").with_help("remove it")],
        );
        let text = r.render_text();
        assert!(text.contains("error[unknown-key]: unknown key `bogus`"), "{text}");
        assert!(text.contains("p.toml:3:1"), "{text}");
        assert!(text.contains("^^^^^"), "{text}");
        assert!(text.contains("help: remove it"), "{text}");
        assert_eq!(r.line_col(20), (3, 1));
        let json = r.to_json();
        assert_eq!(json[0]["line"], 3);
        assert_eq!(json[0]["code"], "unknown-key");
        assert_eq!(r.summary(), "1 error, 0 warnings");
    }
}
