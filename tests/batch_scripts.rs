//! `goodwill batch` and `policy diff` as a script runs them: unattended, with
//! its streams redirected or closed, and stopped by a signal.

use std::io::Write;
use std::process::{Command, Stdio};

const POLICY: &str = "tests/data/batch/policy.toml";
const HISTORY: &str = "tests/data/batch/history.csv";

fn goodwill() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("goodwill"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env("NO_COLOR", "1");
    cmd
}

/// `2>&1 >out.csv | head -1`: once the reader of standard error is gone, the
/// messages are lost but the run is not; it must not panic (exit 101).
#[test]
fn a_closed_standard_error_keeps_the_output_and_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let mut child = goodwill()
        .args([
            "batch",
            "-",
            "--policy",
            POLICY,
            "--history",
            HISTORY,
            "--summary",
            "-o",
        ])
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the incidents are given, so before anything is written to it.
    drop(child.stderr.take());
    let incidents = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/batch/incidents.csv")).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&incidents).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(3),
        "rows were rejected: 3, as with an open standard error"
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 9, "the header and the 8 rows:\n{written}");

    // A fatal error's message too.
    let mut child = goodwill()
        .args(["batch", "no-such-file.csv", "--policy", POLICY])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(1));
}
