//! SPEC §4 and §5 figures through the real binary, each computed by hand.
//!
//! The inputs are in tests/data/figures/. Where a figure needed more digits
//! than a hand calculator keeps, the comment gives them.

use std::collections::HashMap;

use assert_cmd::Command;

fn goodwill() -> Command {
    let mut cmd = Command::cargo_bin("goodwill").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env("NO_COLOR", "1");
    cmd
}

/// `goodwill batch` over `tests/data/figures/FILE` with `args`, its rows as
/// maps from column to text; the run must succeed.
fn batch(file: &str, args: &[&str]) -> Vec<HashMap<String, String>> {
    let out = goodwill()
        .arg("batch")
        .arg(format!("tests/data/figures/{file}"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
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

#[test]
fn a_future_value_just_below_half_a_cent_rounds_down() {
    // The default policy; C9 has no history, so aov = the order value 190.82
    // and rate = 1: FV = 0.30 * 190.82 * A, A = sum over m = 1..36 of
    // (1/12) / 1.1^(m/12) = 2.59887153685155538664..., so
    // FV = 148.77499999860413966..., a billionth and a half below the half
    // cent: 148.77, not 148.78.
    let rows = batch("fv-half.csv", &[]);
    assert_eq!(rows[0]["future_value"], "148.77");
    // Store credit for the loss: 58.98 * 0.70 = 41.286 -> 41.29.
    assert_eq!(rows[0]["gesture"], "credit_loss");
    assert_eq!(rows[0]["cost"], "41.29");
}

#[test]
fn a_share_on_an_exact_half_rounds_away_from_zero() {
    // The apology alone: q = 0.202; churn after = 0.372 - 0.202 * (0.372 -
    // 0.03475) = 0.3038755 exactly, so 0.303876 (half away from zero).
    // FV = 0.5 * 100 * 1 * 1 = 50; impact = 0.0681245 * 50 = 3.406225 -> 3.41.
    let rows = batch("share-half.csv", &["--policy", "tests/data/figures/share-half.toml"]);
    assert_eq!(rows[0]["gesture"], "apology");
    assert_eq!(rows[0]["churn_before"], "0.372000");
    assert_eq!(rows[0]["churn_after"], "0.303876");
    assert_eq!(rows[0]["impact"], "3.41");
}
