//! What [`compile`](super::compile) reports: one error per independent
//! problem, each pointing at the part of the expression it is about.

use std::fmt;
use std::ops::Range;

/// A problem found while parsing or checking an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    /// Byte offsets of the offending text within the expression source; empty
    /// at the end of the source for "unexpected end of expression".
    pub span: Range<usize>,
    /// What is wrong: lowercase, no final period, user text in backticks.
    pub message: String,
    /// How to fix it, when there is something better to say than the message.
    pub help: Option<String>,
}

impl CompileError {
    pub(crate) fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            span,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn with_optional_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl fmt::Display for CompileError {
    /// The message, then the help in parentheses, as one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.help {
            Some(help) => write!(f, "{} ({help})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CompileError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_puts_the_help_in_parentheses() {
        let err = CompileError::new(0..13, "unknown field `incident.kidn`").with_help("did you mean `incident.kind`?");
        assert_eq!(
            err.to_string(),
            "unknown field `incident.kidn` (did you mean `incident.kind`?)"
        );
        assert_eq!(CompileError::new(0..1, "oops").to_string(), "oops");
    }
}
