//! The README's first command, end to end: `bulwark scan examples/` reads
//! everything, points every finding at a file and line, reports the insecure
//! app's worst problems and nothing high or critical in the hardened one, and
//! its JSON matches the documented schema.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(sub)
}

fn bulwark(args: &[&str], path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .arg(path)
        .output()
        .expect("run bulwark")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr));
    })
}

#[test]
fn scan_of_examples_reads_everything_and_matches_the_schema() {
    let out = bulwark(&["scan", "--format", "json"], &examples(""));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let summary = &report["summary"];
    assert_eq!(summary["errors"], serde_json::json!([]));
    assert_eq!(summary["skipped"], serde_json::json!([]));
    assert!(summary["objects"].as_u64().unwrap_or(0) >= 35, "{summary}");
    let findings = report["findings"].as_array().expect("findings");
    for f in findings {
        assert!(
            f["file"].as_str().is_some_and(|p| p.contains("examples"))
                && f["line"].as_u64().is_some(),
            "finding without a file and line: {f}"
        );
    }

    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/report-schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema"))
            .expect("schema JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn insecure_fails_and_hardened_passes_at_high() {
    let insecure = bulwark(
        &["scan", "--format", "json", "--fail-on", "high"],
        &examples("insecure"),
    );
    assert_eq!(insecure.status.code(), Some(1));
    let rules: Vec<String> = json(&insecure)["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "critical")
        .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
        .collect();
    for expected in [
        "privileged-container",
        "host-path-volume",
        "rbac-cluster-admin-binding",
    ] {
        assert!(
            rules.iter().any(|r| r == expected),
            "{expected} not critical in {rules:?}"
        );
    }

    let hardened = bulwark(
        &["scan", "--format", "json", "--fail-on", "high"],
        &examples("hardened"),
    );
    let report = json(&hardened);
    let high: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .collect();
    assert!(high.is_empty(), "{high:#?}");
    assert_eq!(hardened.status.code(), Some(0));
}

#[test]
fn no_secret_from_the_examples_reaches_any_format() {
    let secrets = [
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "s3cr3t-Passw0rd!",
        "hunter2-but-longer",
        "abcdefghijklmnopqrstuvwx",
    ];
    for format in ["table", "json", "sarif", "junit", "prometheus"] {
        let out = bulwark(&["scan", "--format", format], &examples("insecure"));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.len() > 1000, "{format}: suspiciously short output");
        for s in secrets {
            assert!(!text.contains(s), "{format} output contains the secret {s}");
        }
    }
}

/// (file, line, rule) of every finding, the identity of a finding across
/// scans of different roots.
fn finding_keys(report: &serde_json::Value) -> Vec<(String, u64, String)> {
    let mut keys: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or_default();
            let file = std::fs::canonicalize(file)
                .map_or_else(|_| file.to_string(), |p| p.display().to_string());
            (
                file,
                f["line"].as_u64().unwrap_or(0),
                f["rule_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    keys.sort();
    keys
}

#[test]
fn scanning_both_apps_together_answers_as_each_alone() {
    // The two apps define the same objects (shop/api ...): scanned together
    // they must not resolve each other's RoleBindings, ServiceAccounts or
    // NetworkPolicies.
    let together = finding_keys(&json(&bulwark(
        &["scan", "--format", "json"],
        &examples(""),
    )));
    let mut alone = finding_keys(&json(&bulwark(
        &["scan", "--format", "json"],
        &examples("insecure"),
    )));
    alone.extend(finding_keys(&json(&bulwark(
        &["scan", "--format", "json"],
        &examples("hardened"),
    ))));
    alone.sort();
    assert_eq!(together, alone);
    assert!(
        !together
            .iter()
            .any(|(f, _, r)| f.contains("hardened") && r == "rbac-cluster-admin-binding"),
        "the hardened RoleBinding resolved against the insecure Role"
    );

    // One app on purpose: the same objects twice are duplicates, and the
    // later definition is reported where it is.
    let single = json(&bulwark(
        &["scan", "--format", "json", "--context", "single"],
        &examples(""),
    ));
    let dups: Vec<&serde_json::Value> = single["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule_id"] == "duplicate-object")
        .collect();
    assert!(
        !dups.is_empty(),
        "no duplicate-object under --context single"
    );
}

/// The metrics count what the JSON report lists (the exposition format itself
/// is checked with a real parser in bulwark-report's tests).
#[test]
fn prometheus_metrics_count_the_findings_of_the_json_report() {
    let path = examples("insecure");
    let report = json(&bulwark(&["scan", "--format", "json"], &path));
    let out = bulwark(&["scan", "--format", "prometheus"], &path);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert!(findings.len() > 50, "{}", findings.len());
    for sev in ["critical", "high", "medium", "low", "info"] {
        let n = findings.iter().filter(|f| f["severity"] == sev).count();
        let line = format!("bulwark_findings{{severity=\"{sev}\"}} {n}");
        assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
    }
    let n = findings
        .iter()
        .filter(|f| f["rule_id"] == "privileged-container")
        .count();
    let line = format!("bulwark_rule_findings{{rule=\"privileged-container\"}} {n}");
    assert!(n > 0 && text.lines().any(|l| l == line), "no `{line}`");
    // Bounded labels: no object names or files, whatever the findings.
    assert!(!text.contains(".yaml"), "{text}");
}
