//! The README's commands, run as a new user would run them.
//!
//! The two set-up commands must be the ones `.ci/run` and this test use; and
//! every `goodwill ...` line in the README's ```sh blocks runs with the exit
//! code it documents (`# exit N` at the end of the line, 0 otherwise).

use assert_cmd::Command;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// Lines of the README's ```sh blocks.
fn sh_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            inside = t == "```sh";
            continue;
        }
        if inside && !t.is_empty() && !t.starts_with('#') {
            out.push(t.to_string());
        }
    }
    out
}

fn split(line: &str) -> (Vec<String>, i32) {
    let (cmd, exit) = match line.split_once(" # exit ") {
        Some((c, e)) => (c, e.trim().parse().unwrap()),
        None => (line.split(" # ").next().unwrap(), 0),
    };
    (cmd.split_whitespace().map(str::to_string).collect(), exit)
}

#[test]
fn the_two_setup_commands_are_the_ones_ci_runs() {
    let lines = sh_lines(&readme());
    let run = lines
        .iter()
        .find(|l| l.starts_with("cargo run --release -- "))
        .expect("a `cargo run --release -- ...` line");
    assert!(
        lines.iter().any(|l| l == "cargo test"),
        "the README's test command is `cargo test`"
    );
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test"),
        ".ci/run runs the README's test command"
    );

    let (args, _) = split(run.trim_start_matches("cargo run --release -- "));
    let out = Command::cargo_bin("goodwill")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Recommend"), "{stdout}");
}

#[test]
fn every_goodwill_command_in_the_readme_runs() {
    let lines = sh_lines(&readme());
    let commands: Vec<&String> = lines.iter().filter(|l| l.starts_with("goodwill ")).collect();
    assert!(commands.len() >= 4, "the README shows the commands");
    for line in commands {
        let (args, exit) = split(line);
        let out = Command::cargo_bin("goodwill")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(&args[1..])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(exit),
            "`{line}`: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
