//! The filter stage and exit codes, through the real binary on small
//! manifests in temp directories.
//!
//! Only `privileged-container` is relied on (other rules change under us):
//! most runs pass `--rule privileged-container`.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const PRIVILEGED: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: prod
ANNOTATIONS
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
";

const HARMLESS: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
";

fn pod(annotations: &str) -> String {
    PRIVILEGED.replace("ANNOTATIONS\n", annotations)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn bulwark(dir: &TempDir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    c.current_dir(dir.path());
    c
}

/// Runs `bulwark scan --format json --rule privileged-container ARGS` in
/// `dir`, returning the exit code, the JSON report and stderr.
fn scan(dir: &TempDir, args: &[&str]) -> (i32, Value, String) {
    let out = bulwark(dir)
        .args(["scan", "--format", "json", "--rule", "privileged-container"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), json, stderr)
}

fn rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array in {report}"))
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

fn suppressed(report: &Value) -> u64 {
    report["summary"]["suppressed"].as_u64().unwrap()
}

fn setup() -> TempDir {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "deploy/pod.yaml", &pod(""));
    write(t.path(), "deploy/cm.yaml", HARMLESS);
    t
}

#[test]
fn exit_0_without_fail_on_even_with_findings() {
    let t = setup();
    let (code, r, _) = scan(&t, &["deploy"]);
    assert_eq!(code, 0);
    assert_eq!(rules(&r), ["privileged-container"]);
    assert_eq!(suppressed(&r), 0);
}

#[test]
fn exit_1_at_or_above_fail_on_only() {
    let t = setup();
    assert_eq!(scan(&t, &["deploy", "--fail-on", "critical"]).0, 1);
    assert_eq!(scan(&t, &["deploy", "--fail-on", "low"]).0, 1);
    // Nothing at all is reported: 0 whatever the threshold.
    assert_eq!(scan(&t, &["deploy/cm.yaml", "--fail-on", "info"]).0, 0);
}

#[test]
fn missing_path_is_2_and_the_rest_is_still_reported() {
    let t = setup();
    let (code, r, _) = scan(&t, &["deploy", "missing.yaml", "--fail-on", "critical"]);
    assert_eq!(code, 2, "2 wins over 1: the scan is incomplete");
    assert_eq!(rules(&r), ["privileged-container"]);
    let errors = r["summary"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["file"], "missing.yaml");
}

#[test]
fn unparsable_input_is_2_and_the_rest_is_still_reported() {
    let t = setup();
    write(t.path(), "deploy/broken.yaml", "kind: Pod\nmetadata: [\n");
    let (code, r, _) = scan(&t, &["deploy"]);
    assert_eq!(code, 2);
    assert_eq!(rules(&r), ["privileged-container"]);
    assert!(r["summary"]["errors"][0]["line"].as_u64().is_some());
}

#[test]
fn unknown_rule_is_2_with_a_suggestion() {
    let t = setup();
    for flag in ["--rule", "--skip-rule"] {
        bulwark(&t)
            .args(["scan", "deploy", flag, "privileged-containr"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::contains("unknown rule 'privileged-containr'").and(
                    predicate::str::contains("did you mean 'privileged-container'"),
                ),
            );
    }
    bulwark(&t)
        .args(["scan", "deploy", "--category", "no-such-category"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown category 'no-such-category'",
        ));
}

#[test]
fn skip_rule_hides_without_suppressing() {
    let t = setup();
    let out = bulwark(&t)
        .args(["scan", "--format", "json", "deploy", "--skip-rule"])
        .arg("privileged-container")
        .args(["--fail-on", "critical"])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!rules(&r).contains(&"privileged-container".to_string()));
    assert_eq!(suppressed(&r), 0, "a deselected finding is not a waiver");
    let (_, _, err) = scan(
        &t,
        &[
            "deploy",
            "--skip-rule",
            "privileged-container",
            "--show-suppressed",
        ],
    );
    assert!(err.contains("0 suppressed finding(s)"), "{err}");
    assert!(err.contains(" finding(s) outside the selection"), "{err}");
}

#[test]
fn ignore_annotation_waives_and_is_counted() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "pod.yaml",
        &pod(
            "  annotations:\n    bulwark.dev/ignore: \"privileged-container\"\n    bulwark.dev/ignore-reason: \"CNI agent\"\n",
        ),
    );
    let (code, r, err) = scan(
        &t,
        &["pod.yaml", "--fail-on", "critical", "--show-suppressed"],
    );
    assert_eq!(code, 0);
    assert!(rules(&r).is_empty());
    assert_eq!(suppressed(&r), 1);
    assert!(
        err.contains("1 suppressed finding(s) (annotation: 1)"),
        "{err}"
    );
    assert!(err.contains("CNI agent"), "{err}");
    assert!(err.contains("pod.yaml:14:9"), "{err}");
}

#[test]
fn annotation_naming_an_unknown_rule_warns_and_waives_nothing() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "pod.yaml",
        &pod("  annotations:\n    bulwark.dev/ignore: \"privileged\"\n"),
    );
    let (code, r, err) = scan(&t, &["pod.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(rules(&r), ["privileged-container"]);
    assert!(
        err.contains("pod.yaml:7:5 (Pod/prod/web): unknown rule 'privileged'"),
        "{err}"
    );
}

#[test]
fn config_is_found_upward_and_its_ignores_apply() {
    let t = setup();
    write(
        t.path(),
        ".bulwark.yaml",
        "ignore:\n  - rule: privileged-container\n    namespace: prod\n    file: deploy/*.yaml\n    reason: accepted until the agent is rewritten\n",
    );
    let (code, r, err) = scan(
        &t,
        &["deploy", "--fail-on", "critical", "--show-suppressed"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(rules(&r).is_empty());
    assert_eq!(suppressed(&r), 1);
    assert!(err.contains("config: 1"), "{err}");
    assert!(err.contains(".bulwark.yaml:2:5: accepted until"), "{err}");

    // Scanning from inside the subdirectory finds the same config.
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .current_dir(t.path().join("deploy"))
        .args([
            "scan",
            "--format",
            "json",
            "--rule",
            "privileged-container",
            "pod.yaml",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(suppressed(&r), 1, "file globs are relative to the config");

    // --no-config and an explicit --config elsewhere both bypass it.
    let (_, r, _) = scan(&t, &["deploy", "--no-config"]);
    assert_eq!(rules(&r), ["privileged-container"]);
    write(t.path(), "other/empty.yaml", "# nothing\n");
    let (_, r, _) = scan(&t, &["deploy", "--config", "other/empty.yaml"]);
    assert_eq!(suppressed(&r), 0);
}

#[test]
fn selectors_that_do_not_match_do_not_waive() {
    let t = setup();
    write(
        t.path(),
        ".bulwark.yml",
        "ignore:\n  - rule: privileged-container\n    namespace: staging\n    reason: x\n  - rule: privileged-container\n    name: api-*\n    reason: x\n  - rule: privileged-container\n    kind: Deployment\n    reason: x\n",
    );
    let (_, r, _) = scan(&t, &["deploy"]);
    assert_eq!(rules(&r), ["privileged-container"]);
    assert_eq!(suppressed(&r), 0);
}

#[test]
fn expired_ignore_entries_stop_applying_and_say_so() {
    let t = setup();
    let cfg = |date: &str| {
        format!(
            "ignore:\n  - rule: privileged-container\n    reason: temporary\n    expires: {date}\n"
        )
    };
    write(t.path(), ".bulwark.yaml", &cfg("2000-01-01"));
    let (code, r, err) = scan(&t, &["deploy", "--fail-on", "critical"]);
    assert_eq!(code, 1);
    assert_eq!(rules(&r), ["privileged-container"]);
    assert!(
        err.contains(".bulwark.yaml:2:5: ignore entry expired on 2000-01-01"),
        "{err}"
    );

    write(t.path(), ".bulwark.yaml", &cfg("2999-12-31"));
    let (code, r, err) = scan(&t, &["deploy", "--fail-on", "critical"]);
    assert_eq!(code, 0);
    assert_eq!(suppressed(&r), 1);
    assert!(!err.contains("expired"), "{err}");
}

#[test]
fn strict_rules_cannot_be_waived_by_annotation() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "pod.yaml",
        &pod("  annotations:\n    bulwark.dev/ignore: \"*\"\n"),
    );
    write(
        t.path(),
        ".bulwark.yaml",
        "strict: [privileged-container]\n",
    );
    let (code, r, err) = scan(&t, &["pod.yaml", "--fail-on", "high"]);
    assert_eq!(code, 1);
    assert_eq!(rules(&r), ["privileged-container"]);
    assert_eq!(suppressed(&r), 0);
    assert!(
        err.contains("'privileged-container' is a strict rule"),
        "{err}"
    );

    // A config ignore still can: the config owner decided it.
    write(
        t.path(),
        ".bulwark.yaml",
        "strict: [privileged-container]\nignore:\n  - rule: privileged-container\n    reason: reviewed\n",
    );
    let (code, r, _) = scan(&t, &["pod.yaml", "--fail-on", "high"]);
    assert_eq!((code, suppressed(&r)), (0, 1));
}

#[test]
fn config_errors_are_2_with_file_and_line() {
    let t = setup();
    let cases = [
        (
            "severity: high\nignore:\n  - rule: privileged-container\n    reasn: x\n",
            ":4:5: unknown field `reasn`",
        ),
        ("ignore:\n  - rule: privileged-container\n", "reason"),
        (
            "ignore:\n  - rule: privileged-containr\n    reason: x\n",
            ":2:5: unknown rule 'privileged-containr' (did you mean 'privileged-container'?)",
        ),
        (
            "strict:\n  - privilegd-container\n",
            ":2:5: unknown rule 'privilegd-container'",
        ),
        ("fail_on: severe\n", ":1:"),
        (
            "ignore:\n  - rule: privileged-container\n    reason: x\n    expires: 2025-02-30\n",
            ":4:14: invalid date '2025-02-30'",
        ),
    ];
    for (cfg, want) in cases {
        write(t.path(), ".bulwark.yaml", cfg);
        bulwark(&t)
            .args(["scan", "deploy"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(".bulwark.yaml").and(predicate::str::contains(want)));
    }
}

#[test]
fn config_carries_defaults_the_command_line_overrides() {
    let t = setup();
    write(t.path(), ".bulwark.yaml", "fail_on: critical\n");
    assert_eq!(scan(&t, &["deploy"]).0, 1);
    write(
        t.path(),
        ".bulwark.yaml",
        "fail_on: critical\nskip_rules: [privileged-container]\n",
    );
    // --rule replaces the config's selection; skip_rules still applies.
    let (code, r, _) = scan(&t, &["deploy"]);
    assert_eq!((code, rules(&r).len()), (0, 0));
    let (code, _, _) = scan(
        &t,
        &[
            "deploy",
            "--skip-rule",
            "privileged-container",
            "--fail-on",
            "info",
        ],
    );
    assert_eq!(code, 0);
}

#[test]
fn baseline_round_trip_shows_only_new_findings() {
    let t = setup();
    let (code, r, err) = scan(&t, &["deploy", "--write-baseline", "baseline.json"]);
    assert_eq!(code, 0);
    assert_eq!(rules(&r), ["privileged-container"], "writing does not hide");
    assert!(err.contains("wrote a baseline of 1 finding(s)"), "{err}");
    let b: Value =
        serde_json::from_str(&std::fs::read_to_string(t.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(b["bulwark_baseline"], 1);
    assert_eq!(
        b["findings"][0]["path"],
        "spec.containers[name=app].securityContext.privileged"
    );
    assert!(b["findings"][0].get("line").is_none());

    let (code, r, _) = scan(
        &t,
        &[
            "deploy",
            "--baseline",
            "baseline.json",
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(code, 0);
    assert!(rules(&r).is_empty());
    assert_eq!(suppressed(&r), 1);

    // Unrelated edits: comments above, a new privileged sidecar first, the
    // file renamed. Only the sidecar is new.
    std::fs::remove_file(t.path().join("deploy/pod.yaml")).unwrap();
    let edited = pod("").replace(
        "  containers:\n",
        "  containers:\n    - name: sidecar\n      image: envoy:1\n      securityContext:\n        privileged: true\n",
    );
    write(
        t.path(),
        "deploy/renamed.yaml",
        &format!("# moved\n# here\n{edited}"),
    );
    let (code, r, _) = scan(
        &t,
        &[
            "deploy",
            "--baseline",
            "baseline.json",
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(suppressed(&r), 1);
    let f = r["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0]["path"],
        "spec.containers[0].securityContext.privileged"
    );
}

#[test]
fn bad_baseline_is_2() {
    let t = setup();
    write(t.path(), "b.json", "{\"findings\": 3}");
    bulwark(&t)
        .args(["scan", "deploy", "--baseline", "b.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("b.json"));
    bulwark(&t)
        .args(["scan", "deploy", "--baseline", "absent.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read baseline"));
}

#[test]
fn max_file_size_is_passed_to_the_loader() {
    let t = setup();
    let (code, r, _) = scan(&t, &["deploy", "--max-file-size", "100"]);
    assert_eq!(code, 2, "pod.yaml is larger than 100 bytes");
    assert!(
        r["summary"]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("limit")
    );
    assert_eq!(scan(&t, &["deploy", "--max-file-size", "1K"]).0, 0);
    assert_eq!(scan(&t, &["deploy", "--max-file-size", "2MiB"]).0, 0);
    bulwark(&t)
        .args(["scan", "deploy", "--max-file-size", "12X"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid size '12X'"));
}

#[test]
fn explain_is_complete_and_unknown_rules_are_2() {
    let t = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = bulwark(&t)
            .args(args)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let text = run(&["explain", "privileged-container"]);
    let all: Value = serde_json::from_str(&run(&["rules", "--format", "json"])).unwrap();
    let meta = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "privileged-container")
        .unwrap();
    let s = |k: &str| meta[k].as_str().unwrap().to_string();
    let mut want = vec![
        format!("privileged-container: {}", s("title")),
        format!("severity: {}", s("severity")),
        format!("category: {}", s("category")),
        s("description"),
        format!("Remediation:\n{}", s("remediation").trim()),
    ];
    for r in meta["references"].as_array().unwrap() {
        want.push(format!("  - {}", r.as_str().unwrap()));
    }
    let labels = [
        ("cis", "CIS Kubernetes Benchmark"),
        ("nsa", "NSA-CISA hardening guidance"),
        ("mitre", "MITRE ATT&CK"),
        ("pss", "Pod Security Standards"),
        ("pci_dss", "PCI DSS"),
        ("soc2", "SOC 2"),
        ("iso27001", "ISO 27001"),
        ("hipaa", "HIPAA"),
    ];
    for (key, label) in labels {
        let ids: Vec<&str> = meta["mappings"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        if ids.is_empty() {
            assert!(
                !text.contains(label),
                "empty mapping {label} shown:\n{text}"
            );
        } else {
            want.push(format!("  {label}: {}", ids.join("; ")));
        }
    }
    assert!(want.len() > 8, "the rule has references and mappings");
    for w in want {
        assert!(text.contains(&w), "missing {w:?} in:\n{text}");
    }
    bulwark(&t)
        .args(["explain", "privileged-containers"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean 'privileged-container'",
        ));
}

#[test]
fn rules_json_has_the_full_metadata() {
    let t = tempfile::tempdir().unwrap();
    let out = bulwark(&t)
        .args(["rules", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let r = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "privileged-container")
        .unwrap();
    for k in [
        "title",
        "severity",
        "category",
        "description",
        "remediation",
        "references",
        "mappings",
    ] {
        assert!(r.get(k).is_some(), "{k} missing in {r}");
    }
    assert_eq!(r["mappings"]["cis"][0], "5.2.2");
}

/// `rule_settings:` reaches the rules: a namespace listed as untrusted
/// makes its workloads need a sandbox; a misspelt field is a usage error
/// naming the config file and line.
#[test]
fn rule_settings_configure_the_sandbox_rule() {
    let dir = TempDir::new().expect("tempdir");
    std::fs::write(dir.path().join("pod.yaml"), pod("")).expect("write");
    let scan = |config: &str| {
        std::fs::write(dir.path().join(".bulwark.yaml"), config).expect("write");
        let o = Command::cargo_bin("bulwark")
            .expect("binary")
            .current_dir(dir.path())
            .args([
                "scan",
                "--rule",
                "untrusted-workload-not-sandboxed",
                "--format",
                "json",
                "pod.yaml",
            ])
            .output()
            .expect("runs");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let count = |out: &str| {
        let v: Value = serde_json::from_str(out).expect("json");
        v["findings"].as_array().expect("findings").len()
    };
    let (code, out, err) = scan("fail_on: high\n");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(count(&out), 0, "prod is not untrusted by default");
    let (_, out, err) = scan("rule_settings:\n  sandbox:\n    namespaces: [prod]\n");
    assert_eq!(count(&out), 1, "{out}\n{err}");
    assert!(out.contains("rule_settings.sandbox.namespaces"), "{out}");
    let (_, out, _) =
        scan("rule_settings:\n  sandbox:\n    namespaces: [prod]\n    runtime_classes: [runc]\n");
    assert_eq!(count(&out), 1, "runtimeClassName unset is never a sandbox");
    let (code, _, err) = scan("rule_settings:\n  sandbox:\n    namespace: [prod]\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(".bulwark.yaml:1") && err.contains("unknown field `namespace`"),
        "{err}"
    );
}
