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
    // With the phase timings (BENCHMARKS.md) on standard error too.
    for timings in [false, true] {
        let mut command = goodwill();
        if timings {
            command.env("GOODWILL_TIMINGS", "1");
        }
        let mut child = command
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
            "timings {timings}: rows were rejected: 3, as with an open standard error"
        );
        let written = std::fs::read_to_string(&out).unwrap();
        assert_eq!(written.lines().count(), 9, "the header and the 8 rows:\n{written}");
    }

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

/// Waits up to 30 s for `child` to end, or kills it.
fn wait_briefly(child: &mut std::process::Child) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    None
}

/// The names in `dir`, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An output that cannot be written is reported before the inputs are read:
/// here standard input is never closed, and the run ends anyway.
#[test]
fn an_output_directory_that_does_not_exist_fails_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        vec!["batch", "-", "--policy", POLICY, "--history", HISTORY],
        vec![
            "policy",
            "diff",
            POLICY,
            POLICY,
            "--incidents",
            "-",
            "--history",
            HISTORY,
        ],
    ] {
        let mut child = goodwill()
            .args(&command)
            .arg("-o")
            .arg(dir.path().join("missing/out.csv"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _open = child.stdin.take();
        let status = wait_briefly(&mut child).unwrap_or_else(|| panic!("{command:?} waited for its input"));
        let out = child.wait_with_output().unwrap();
        assert_eq!(status.code(), Some(1), "{command:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: cannot write `"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

/// SIGTERM (cron, systemd, `timeout`), SIGINT (Ctrl-C) or SIGHUP in the
/// middle of a run: the old output is left as it was and the temporary file
/// removed, and the run ends by the signal, as a script expects.
#[cfg(unix)]
#[test]
fn a_signal_leaves_no_temporary_file_behind() {
    use std::os::unix::process::ExitStatusExt;
    for (name, number) in [("TERM", 15), ("INT", 2), ("HUP", 1)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        std::fs::write(&out, "old").unwrap();
        let mut child = goodwill()
            .args(["batch", "-", "--policy", POLICY, "--history", HISTORY, "--quiet", "-o"])
            .arg(&out)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The incidents come slowly: half a file, the rest never.
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"case_id,customer_id,kind\nK1,C1,late\n").unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while names(dir.path()).len() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let during = names(dir.path());
        let kill = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(kill.success());
        let status = wait_briefly(&mut child).expect("the signal ends the run");
        drop(stdin);
        assert_eq!(
            status.signal(),
            Some(number),
            "SIG{name}: ended by the signal, {status:?}"
        );
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old", "SIG{name}");
        assert_eq!(
            names(dir.path()),
            ["out.csv"],
            "SIG{name}: left behind (during the run: {during:?})"
        );
    }
}

/// `-o` naming one of the run's own inputs (a slip of the shell's history)
/// would rename the answers over the data: refused as bad usage, the file as it was.
#[test]
fn an_output_that_is_one_of_the_inputs_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &str, name: &str| {
        let to = dir.path().join(name);
        std::fs::copy(from, &to).unwrap();
        to
    };
    let incidents = copy("tests/data/batch/incidents.csv", "incidents.csv");
    let history = copy(HISTORY, "history.csv");
    let policy = copy(POLICY, "policy.toml");
    let before = |p: &std::path::Path| std::fs::read(p).unwrap();
    let runs: [(Vec<&std::ffi::OsStr>, &std::path::Path, &str); 5] = [
        (
            vec![
                "batch".as_ref(),
                incidents.as_ref(),
                "--history".as_ref(),
                history.as_ref(),
            ],
            &incidents,
            "`INCIDENTS`",
        ),
        (
            vec![
                "batch".as_ref(),
                incidents.as_ref(),
                "--history".as_ref(),
                history.as_ref(),
            ],
            &history,
            "`--history`",
        ),
        (
            vec![
                "policy".as_ref(),
                "diff".as_ref(),
                policy.as_ref(),
                POLICY.as_ref(),
                "--incidents".as_ref(),
                incidents.as_ref(),
            ],
            &policy,
            "`OLD`",
        ),
        (
            vec!["ltv".as_ref(), "fit".as_ref(), "--history".as_ref(), history.as_ref()],
            &history,
            "`--history`",
        ),
        (
            vec![
                "ltv".as_ref(),
                "--history".as_ref(),
                history.as_ref(),
                "--format".as_ref(),
                "csv".as_ref(),
            ],
            &history,
            "`--history`",
        ),
    ];
    for (args, output, name) in runs {
        let was = before(output);
        let out = goodwill().args(&args).arg("-o").arg(output).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("is the {name} input: the output would replace it")),
            "{args:?}: {stderr}"
        );
        assert_eq!(before(output), was, "{args:?}");
    }
}

/// `goodwill batch ... -o out.csv --summary > /dev/full`: the summary cannot
/// be printed, the run fails (exit 1), and exit 1 means the old output file
/// is as it was: the summary is printed before the rows replace it.
#[cfg(target_os = "linux")]
#[test]
fn a_summary_that_cannot_be_printed_leaves_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    std::fs::write(&out, "old answers\n").unwrap();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let run = goodwill()
        .args([
            "batch",
            "tests/data/batch/caps.csv",
            "--policy",
            POLICY,
            "--history",
            HISTORY,
            "--summary",
        ])
        .arg("-o")
        .arg(&out)
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("cannot write to standard output"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old answers\n");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left behind");
    // `policy diff -o changed.csv` and its report, the same way.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let run = goodwill()
        .args(["policy", "diff", "tests/data/diff/old.toml", "tests/data/diff/new.toml"])
        .args([
            "--incidents",
            "tests/data/diff/incidents.csv",
            "--history",
            "tests/data/diff/history.csv",
        ])
        .arg("-o")
        .arg(&out)
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old answers\n");
}

/// A result another user owns, or one made read-only, is not replaced: `>`
/// would refuse it, and the rename would replace it and take it over. As
/// root (who may write anything), the run is made as `nobody`.
#[cfg(target_os = "linux")]
#[test]
fn an_output_this_user_may_not_write_is_left_alone() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    for name in ["incidents.csv", "policy.toml", "history.csv"] {
        std::fs::copy(format!("tests/data/batch/{name}"), at(name)).unwrap();
    }
    std::fs::write(at("out.csv"), "old").unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    let mut run = if root {
        // `out.csv` is root's, 0644: nobody may not write it, but may write the folder.
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(assert_cmd::cargo::cargo_bin("goodwill"));
        c
    } else {
        std::fs::set_permissions(at("out.csv"), std::fs::Permissions::from_mode(0o444)).unwrap();
        Command::new(assert_cmd::cargo::cargo_bin("goodwill"))
    };
    let out = run
        .current_dir(dir.path())
        .args([
            "batch",
            "incidents.csv",
            "--policy",
            "policy.toml",
            "--history",
            "history.csv",
            "-o",
            "out.csv",
        ])
        .output();
    let Ok(out) = out else {
        return; // no `setpriv` on this machine
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: cannot write `out.csv`: Permission denied (os error 13)\n"
    );
    assert_eq!(std::fs::read_to_string(at("out.csv")).unwrap(), "old");
    assert_eq!(
        std::fs::metadata(at("out.csv")).unwrap().uid(),
        std::fs::metadata(dir.path()).unwrap().uid()
    );
    assert_eq!(
        names(dir.path()).len(),
        4,
        "no temporary file left: {:?}",
        names(dir.path())
    );
}
