//! Helpers the CLI test files share: the binary as a user runs it, its
//! CSV output read back, and a file fed through a named pipe.
// Each test file is a crate of its own and uses only some of these.
#![allow(dead_code)]

use std::collections::HashMap;

use assert_cmd::Command;

/// The day the tests' runs take as today (`GOODWILL_TODAY`): what a run
/// shows must not change with the day the tests run.
pub const TODAY: &str = "2026-11-22";

/// The real binary, run from the project's root, with no colour, no
/// terminal width from the environment and today on [`TODAY`].
pub fn goodwill() -> Command {
    Command::from_std(binary())
}

/// The binary as [`goodwill`] runs it, for a test that must spawn it itself.
fn binary() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_goodwill"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("GOODWILL_TODAY", TODAY)
        .env_remove("COLUMNS");
    cmd
}

/// The rows of a CSV output, as maps from column to text.
pub fn rows(csv: &[u8]) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The binary run as `goodwill ARGS | head` whose reader is gone before a
/// row is out: standard output a pipe closed at once. Its exit code and
/// standard error.
pub fn with_reader_gone(args: &[&str]) -> (Option<i32>, String) {
    let mut child = binary()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

/// A named pipe `name` in `dir`, and a thread writing `text` into it once
/// it is opened: as `<(zcat file.csv.gz)` gives a file, with no length and
/// no seeking.
#[cfg(unix)]
pub fn named_pipe(
    dir: &std::path::Path,
    name: &str,
    text: Vec<u8>,
) -> (std::path::PathBuf, std::thread::JoinHandle<std::io::Result<()>>) {
    let fifo = dir.join(name);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let path = fifo.clone();
    (fifo, std::thread::spawn(move || std::fs::write(path, text)))
}
