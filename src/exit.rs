//! goodwill's exit codes (the README's "Exit codes"), in one place.

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Success = 0,
    /// A fatal error: nothing was written, an existing output was left untouched.
    Failure = 1,
    /// Bad usage or an invalid policy.
    Usage = 2,
    /// A run finished, its output written, but it rejected rows, a test
    /// failed, or (`policy diff --exit-code`) something changed.
    Rejected = 3,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> i32 {
        self as i32
    }
}
